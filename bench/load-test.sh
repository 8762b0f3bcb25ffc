#!/usr/bin/env bash
# Load test of the REST API on loopback: starts the server, drives POST /api/v1/infer for SECONDS
# (after 30 s of warm-up) with a closed-loop Java client, prints requests/s, errors and latencies,
# and the server's live heap (old generation after a full GC) 10 s into the measurement and at its end.
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
# live heap: after a full GC everything live sits in the old generation, while requests still arriving fill only the
# young one, so the old generation's use right after the GC is the live set even under load
heap() {
  jcmd "$server" GC.run >/dev/null 2>&1 || true
  jstat -gc "$server" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "OU") c = i } NR == 2 { printf "old generation used %.0fK", $c }' || true
}
echo "server: $url"
java -cp bench/target/vramcalc-bench.jar dev.vramcalc.bench.LoadTest "${url}api/v1/infer" "$seconds" "$connections" \
  '{"model":"llama-3.1-8b","gpu":"rtx-4090","batch":4,"seq_len":8192}' &
client=$!
sleep 40
echo "heap after GC, 10 s into the measurement: $(heap)"
status=0
wait $client || status=$?
echo "heap after GC, at the end: $(heap)"
exit $status
