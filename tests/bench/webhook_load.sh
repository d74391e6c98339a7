#!/usr/bin/env bash
# Webhook intake benchmark (not a test): wrk against a running rebound, side by side with
# nginx answering a fixed 200 on loopback (this machine's HTTP ceiling), same wrk settings.
# Reports requests/s and p50/p99 latency for each, and rebound's resident memory idle and
# under load. Needs a build (scripts/build.sh) and the packages from scripts/setup.sh.
#
#   tests/bench/webhook_load.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
connections=${2:-32}
threads=2
run=$(mktemp -d /tmp/rebound-bench.XXXXXX)
source scripts/lib.sh
trap 'stop_tracked; rm -rf "$run"' EXIT

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

fixture=tests/data/alertmanager/firing.json
token=$(openssl rand -hex 16)
echo "$token" >"$run/token"
rport=$(free_port)
nport=$(free_port)

cat >"$run/rebound.yaml" <<YAML
listen: 127.0.0.1:$rport
state_dir: state
webhook: { bearer_token_file: token }
log: { level: warn }
YAML
build/app/rebound run -c "$run/rebound.yaml" >"$run/rebound.log" 2>&1 &
rpid=$!
track "$rpid"

mkdir -p "$run/nginx"
cat >"$run/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $run/nginx/nginx.pid;
error_log $run/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $run/nginx;
  proxy_temp_path $run/nginx;
  fastcgi_temp_path $run/nginx;
  uwsgi_temp_path $run/nginx;
  scgi_temp_path $run/nginx;
  server {
    listen 127.0.0.1:$nport;
    location / { return 200 '{"status":"success"}'; }
  }
}
CONF
nginx -c "$run/nginx/nginx.conf" -p "$run/nginx" &
track $!

wait_http "http://127.0.0.1:$rport/readyz"
wait_http "http://127.0.0.1:$nport/"
idle_rss=$(rss_kib "$rpid")

# wrk's summary: Requests/sec, and the 50% / 99% lines of --latency.
bench() {  # NAME URL [ENV...]
  local name=$1 url=$2
  shift 2
  local out
  out=$(env BODY_FILE="$fixture" TOKEN="$token" "$@" \
    wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s tests/bench/webhook_post.lua "$url")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-44s %12s %10s %10s %8s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
}

sample_rss() { while kill -0 "$rpid" 2>/dev/null; do r=$(rss_kib "$rpid"); echo "$r"; sleep 0.2; done; }
sample_rss >"$run/rss.txt" &
sampler=$!

echo "wrk -t$threads -c$connections -d${duration}s, payload $(wc -c <"$fixture") bytes, $(nproc) cores"
printf '%-44s %12s %10s %10s %8s\n' "target" "requests/s" "p50" "p99" "non-2xx"
bench "nginx, fixed 200" "http://127.0.0.1:$nport/webhook/alertmanager"
bench "rebound, same alert (retries: deduplicated)" "http://127.0.0.1:$rport/webhook/alertmanager"
bench "rebound, new alert per request (journaled)" "http://127.0.0.1:$rport/webhook/alertmanager" UNIQUE=1
kill "$sampler" 2>/dev/null || true
peak=$(sort -n "$run/rss.txt" | tail -n 1)
commits=$(curl -s "http://127.0.0.1:$rport/metrics" | awk '/^rebound_journal_write_seconds_count/ {print $2}')
accepted=$(curl -s "http://127.0.0.1:$rport/metrics" | awk '/^rebound_webhook_requests_total\{code="200"\}/ {print $2}')
echo
echo "rebound resident memory: idle $((idle_rss / 1024)) MiB ($idle_rss KiB), peak under load $((peak / 1024)) MiB ($peak KiB)"
echo "rebound journal commits: $commits for $accepted accepted requests (group commit)"
