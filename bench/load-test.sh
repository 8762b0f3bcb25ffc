#!/usr/bin/env bash
# Load test of the REST API on loopback: starts the server, drives POST /api/v1/infer for SECONDS
# (after 15 s of warm-up) with a closed-loop Java client, prints requests/s, errors and latencies,
# and the server's heap after a full GC 10 s into the measurement and at its end.
# Usage: bash bench/load-test.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
connections="${2:-32}"
./mvnw -B -q -DskipTests -pl server,bench -am package
log="$(mktemp)"
java -Xmx512m -jar server/target/vramcalc.jar serve --port 0 > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 50); do grep -q "serving on" "$log" && break; sleep 0.2; done
url="$(grep -o 'http://[0-9.]*:[0-9]*/' "$log" | head -1)"
heap() { jcmd "$server" GC.run >/dev/null 2>&1 || true; jcmd "$server" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -1 || true; }
echo "server: $url"
java -cp bench/target/vramcalc-bench.jar dev.vramcalc.bench.LoadTest "${url}api/v1/infer" "$seconds" "$connections" \
  '{"model":"llama-3.1-8b","gpu":"rtx-4090","batch":4,"seq_len":8192}' &
client=$!
sleep 25
echo "heap after GC, 10 s into the measurement: $(heap)"
status=0
wait $client || status=$?
echo "heap after GC, at the end: $(heap)"
exit $status
