#!/usr/bin/env bash
# Regenerates docs/performance.md: the JMH benchmarks (briefly), the CLI's start-up against a
# hello-world jar, the CLI in a small heap, and the one-minute load test of the server.
# Usage: bash bench/report.sh        (about 6 minutes on a 2-core machine)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/target/report
mkdir -p "$out"
./mvnw -B -q -DskipTests -pl server,bench -am package
rm -f server/target/vramcalc.jsa server/target/vramcalc.jsa.failed

echo "JMH..." >&2
java -jar bench/target/vramcalc-bench.jar -wi 3 -w 1 -i 5 -r 1 -f 1 -rf json -rff "$out/jmh.json" > "$out/jmh.txt" 2>&1

echo "start-up..." >&2
mkdir -p "$out/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$out/hello/Hello.java"
javac -d "$out/hello" "$out/hello/Hello.java"
printf 'Main-Class: Hello\n' > "$out/hello/manifest.txt"
jar cfm "$out/hello/hello.jar" "$out/hello/manifest.txt" -C "$out/hello" Hello.class
./vramcalc infer meta-llama/Llama-3.1-8B --gpu rtx-4090 --json > /dev/null   # writes the CDS archive
median_ms() {
  local runs=()
  for _ in $(seq 1 15); do
    local t0 t1
    t0=$(date +%s%N); "$@" > /dev/null 2>&1; t1=$(date +%s%N)
    runs+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 8p
}
hello_us=$(median_ms java -jar "$out/hello/hello.jar")
cli_us=$(median_ms ./vramcalc infer meta-llama/Llama-3.1-8B --gpu rtx-4090 --json)
small_heap=$(java -Xmx64m -XX:+UseSerialGC -jar server/target/vramcalc.jar plan deepseek-ai/DeepSeek-V3 --gpu h100-sxm-80gb --gpus 1024 --train --json > /dev/null 2>&1 && echo ok || echo failed)
rss_kb=$( { /usr/bin/time -f "%M" ./vramcalc infer meta-llama/Llama-3.1-8B --gpu rtx-4090 --json > /dev/null; } 2>&1 | tail -1)
printf 'hello_us=%s\ncli_us=%s\nsmall_heap=%s\ncli_rss_kb=%s\n' "$hello_us" "$cli_us" "$small_heap" "$rss_kb" > "$out/startup.txt"

echo "load test (65 s)..." >&2
bash bench/load-test.sh 60 32 > "$out/load.txt" 2>&1 || true

java -cp bench/target/vramcalc-bench.jar dev.vramcalc.bench.PerformanceReport "$out" docs/performance.md
echo "wrote docs/performance.md" >&2
