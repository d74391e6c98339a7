#!/usr/bin/env bash
# The local demo, end to end: installs what is needed (Debian bookworm, as root), builds
# rebound and kubesim (the Kubernetes API simulator: the one simulated part), starts kubesim
# with a small shop, rebound with deploy/local/rebound.yaml and the shipped playbooks, and a
# real Alertmanager routed to it. It fires a memory-growth alert with amtool, shows rebound
# restart the leaking workload (as kubectl sees it), resolves the alert once the new pods run,
# shows the verified heal, the decisions, the Kubernetes Events and the metrics, runs the
# shipped playbook tests, then stops everything. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
./scripts/setup.sh
echo "==> building rebound and kubesim"
TARGETS="rebound kubesim" ./scripts/build.sh >/dev/null

run=$(mktemp -d /tmp/rebound-demo.XXXXXX)
source scripts/lib.sh
# Newest first: Alertmanager stops before rebound, as one that outlives its receiver retries.
trap stop_tracked EXIT

pretty() { python3 -m json.tool; }

rport=$(free_port)
aport=$(free_port)
kport=$(free_port)
openssl rand -hex 16 >"$run/webhook-token"

echo "==> starting kubesim on 127.0.0.1:$kport (scenario tools/kubesim/examples/shop.yaml)"
build/tools/kubesim/kubesim --listen "127.0.0.1:$kport" \
  --scenario tools/kubesim/examples/shop.yaml >"$run/kubesim.log" 2>&1 &
track $!
wait_http "http://127.0.0.1:$kport/version"
cat >"$run/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: kubesim, cluster: {server: "http://127.0.0.1:$kport"}}]
contexts: [{name: kubesim, context: {cluster: kubesim, user: demo}}]
current-context: kubesim
users: [{name: demo, user: {}}]
YAML
kubectl="kubectl --kubeconfig $run/kubeconfig --cache-dir $run/kube-cache"
sleep 1  # the simulated pods start
$kubectl get deployments,pods -n shop

sed "s/127.0.0.1:9464/127.0.0.1:$rport/" deploy/local/rebound.yaml >"$run/rebound.yaml"
cat >>"$run/rebound.yaml" <<YAML
kubernetes: { mode: kubeconfig, kubeconfig: kubeconfig }
playbooks: [ "$repo/playbooks/*.yaml" ]
YAML
echo "==> rebound check"
build/app/rebound check -c "$run/rebound.yaml"

echo "==> starting rebound on 127.0.0.1:$rport (log: $run/rebound.log)"
build/app/rebound run -c "$run/rebound.yaml" >"$run/rebound.log" 2>&1 &
rebound_pid=$!
track "$rebound_pid"
wait_http "http://127.0.0.1:$rport/readyz"
curl -sf "http://127.0.0.1:$rport/readyz" | pretty

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
pod=$($kubectl get pods -n shop -o name | sed -n 's|^pod/\(cart-.*\)|\1|p' | head -n 1)
labels=(ContainerMemoryGrowth namespace=shop pod="$pod" severity=warning)
# An explicit start time: a later post with the same start and an end resolves this episode.
annotations=(--annotation=summary="Memory of shop/$pod keeps growing" --start="$(date -u +%FT%TZ)")
echo "==> firing ${labels[*]}"
$am alert add "${labels[@]}" "${annotations[@]}"

actions() { curl -sf "http://127.0.0.1:$rport/api/v1/actions$1"; }
count() { python3 -c "import json,sys; print(sum(1 for r in json.load(sys.stdin)['data'] if $1))"; }
until [ "$(actions '' | count "r['kind'] == 'action' and r['result'] == 'done'")" -ge 1 ]; do
  sleep 0.2
done
echo "==> rebound restarted the workload; kubectl watches the rollout"
$kubectl rollout status deployment/cart -n shop --timeout=60s

echo "==> the new pods run: resolving the alert, as Prometheus would once memory drops"
$am alert add "${labels[@]}" "${annotations[@]}" --end="$(date -u +%FT%TZ)"
for _ in $(seq 1 150); do
  [ "$(actions '' | count "r['kind'] == 'outcome'")" -ge 1 ] && break
  sleep 0.2
done
echo "==> what rebound decided and did (GET /api/v1/actions, newest first)"
actions '' | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]:
    what = r["kind"] + (" " + r["action"] if "action" in r else "")
    print("%s  %-16s %-9s %s" % (r["at"], what, r["result"], r["message"]))'
echo "==> kubectl shows it too (Events with reason ReboundHeal)"
$kubectl get events -n shop --field-selector reason=ReboundHeal
echo "==> what would have gone to Slack (no webhook configured: the log)"
grep "notify \[" "$run/rebound.log" || true

echo "==> rebound's metrics (excerpt)"
curl -sf "http://127.0.0.1:$rport/metrics" | grep -E '^rebound_(heal_actions_total|heal_remediations_total|heal_time_to_resolve_seconds_count|alerts_received_total|build_info)'

echo "==> the shipped playbooks' own tests (rebound test)"
build/app/rebound test playbooks/tests/*.yaml | tail -n 1

echo "==> stopping (SIGTERM drains and exits 0)"
kill "$am_pid"; wait "$am_pid" 2>/dev/null || true
kill -TERM "$rebound_pid"; rc=0; wait "$rebound_pid" || rc=$?
echo "rebound exited with status $rc; files kept in $run"
