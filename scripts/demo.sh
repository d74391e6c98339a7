#!/usr/bin/env bash
# The local demo, end to end: installs what is needed (Debian bookworm, as root), builds
# rebound, starts it with deploy/local/rebound.yaml, starts a real Alertmanager routed to it,
# fires an alert with amtool, shows what rebound received and journaled, resolves the alert,
# shows the episode closed, then stops everything. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
./scripts/setup.sh
echo "==> building rebound"
TARGETS=rebound ./scripts/build.sh >/dev/null

run=$(mktemp -d /tmp/rebound-demo.XXXXXX)
source scripts/lib.sh
# Newest first: Alertmanager stops before rebound, as one that outlives its receiver retries.
trap stop_tracked EXIT

pretty() { python3 -m json.tool; }

rport=$(free_port)
aport=$(free_port)
openssl rand -hex 16 >"$run/webhook-token"
sed "s/127.0.0.1:9464/127.0.0.1:$rport/" deploy/local/rebound.yaml >"$run/rebound.yaml"
echo "==> rebound check"
build/app/rebound check -c "$run/rebound.yaml"

echo "==> starting rebound on 127.0.0.1:$rport (log: $run/rebound.log)"
build/app/rebound run -c "$run/rebound.yaml" >"$run/rebound.log" 2>&1 &
rebound_pid=$!
track "$rebound_pid"
wait_http "http://127.0.0.1:$rport/readyz"

cat >"$run/alertmanager.yml" <<YAML
route:
  receiver: rebound
  group_by: [alertname, namespace]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: rebound
    webhook_configs:
      - url: http://127.0.0.1:$rport/webhook/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials_file: $run/webhook-token
YAML
echo "==> starting Alertmanager on 127.0.0.1:$aport"
prometheus-alertmanager --config.file="$run/alertmanager.yml" --storage.path="$run/am-data" \
  --web.listen-address="127.0.0.1:$aport" --web.external-url="http://127.0.0.1:$aport" \
  --cluster.listen-address= >"$run/alertmanager.log" 2>&1 &
am_pid=$!
track "$am_pid"
wait_http "http://127.0.0.1:$aport/-/ready"

am="amtool --alertmanager.url=http://127.0.0.1:$aport"
labels=(KubePodCrashLooping namespace=shop deployment=web pod=web-7d9f8b6c5-abcde severity=warning)
# An explicit start time: a later post with the same start and an end resolves this episode.
annotations=(--annotation=summary="Pod shop/web-7d9f8b6c5-abcde is crash looping"
  --start="$(date -u +%FT%TZ)")
echo "==> firing ${labels[*]}"
$am alert add "${labels[@]}" "${annotations[@]}"

episodes() { curl -sf "http://127.0.0.1:$rport/api/v1/episodes$1"; }
for _ in $(seq 1 100); do
  [ "$(episodes '?state=pending' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')" = 1 ] && break
  sleep 0.2
done
echo "==> what rebound received (GET /api/v1/episodes)"
episodes "" | pretty
echo "==> rebound's log"
grep -E "webhook:|worker:" "$run/rebound.log" || true

echo "==> resolving the alert"
$am alert add "${labels[@]}" "${annotations[@]}" --end="$(date -u +%FT%TZ)"
for _ in $(seq 1 100); do
  [ "$(episodes '?state=closed' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')" = 1 ] && break
  sleep 0.2
done
episodes "" | pretty

echo "==> rebound's metrics (excerpt)"
curl -sf "http://127.0.0.1:$rport/metrics" | grep -E '^rebound_(alerts|webhook_requests_total\{code="200"|build_info|journal_write_seconds_count)'

echo "==> stopping (SIGTERM drains and exits 0)"
kill "$am_pid"; wait "$am_pid" 2>/dev/null || true
kill -TERM "$rebound_pid"; rc=0; wait "$rebound_pid" || rc=$?
echo "rebound exited with status $rc; files kept in $run"
