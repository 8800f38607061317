#!/bin/bash
# CPU per trivial generic call (issue 15: <= 45 us): the gateway alone on this machine, wrk -t2 -c32 against
# POST /v1/scripts/text/reverse, 3 rounds of 8 s after a 3 s warm-up, the gateway's process CPU (utime + stime from
# /proc) divided by wrk's request count. Run from the repository root, with wrk installed and ../shared beside it:
#   dotnet build -c Release bench/ActorPool.Bench
#   bash bench/trivial-cpu.sh bench/ActorPool.Bench/bin/Release/net10.0/ActorPool.Gateway.dll [NAME=VALUE ...]
# Extra NAME=VALUE arguments go to the gateway's environment (e.g. DOTNET_gcServer=1 for an A/B).
set -euo pipefail
dll=$1; shift
port=18001
lua=../shared/bench/http/trivial-call.lua
url=http://127.0.0.1:$port/v1/scripts/text/reverse
env "$@" PORT=$port HOST=127.0.0.1 LOG_LEVEL=warning MAX_THREADS=2 dotnet "$dll" > /dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sf http://127.0.0.1:$port/health/ready > /dev/null && break; sleep 0.2; done
echo "gateway $dll $*; 1-min load average $(cut -d' ' -f1 /proc/loadavg)"
wrk -t2 -c32 -d3s -s "$lua" "$url" > /dev/null
hz=$(getconf CLK_TCK)
for round in 1 2 3; do
  t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
  out=$(wrk -t2 -c32 -d8s --latency -s "$lua" "$url")
  t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  echo "round $round: $requests requests, $rate req/s, CPU $(( (t1 - t0) * 1000000 / hz / requests )) us/req, load $(cut -d' ' -f1 /proc/loadavg)"
done
