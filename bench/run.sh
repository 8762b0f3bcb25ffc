#!/usr/bin/env bash
# Runs the JMH benchmarks: bash bench/run.sh [JMH options], e.g. bash bench/run.sh planDeepSeek
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl bench -am package -DskipTests
exec java -jar bench/target/vramcalc-bench.jar "$@"
