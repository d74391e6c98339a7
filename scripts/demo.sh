#!/usr/bin/env bash
# The local demo: the whole loop, live. A simulated shop (kubesim, deploy/local/scenario.yaml)
# whose apps leak memory, crash-loop after a bad rollout and overload; Prometheus scraping it
# and evaluating the shipped rules and alerts; the blackbox exporter probing each app through
# kubesim's service proxy; Alertmanager routing the alerts as alerts/alertmanager.yml does; and
# Rebound healing them with the shipped playbooks, proven again by a chaos experiment
# (deploy/local/experiments.yaml). Nothing is fired or resolved by hand. What happens is
# narrated (alerts, decisions, actions, verifications, chaos runs, Slack messages) until
# Ctrl-C or --duration; then everything is stopped. Everything listens on 127.0.0.1 only.
#
# Usage: scripts/demo.sh [--duration 10m] [--no-setup] [--run-dir DIR] [--for-cap 20s]
#                        [--build-dir DIR] [--no-build]
#   --duration   stop after this long (s, m or h; default: run until Ctrl-C)
#   --no-setup   do not run scripts/setup.sh (which installs packages with apt-get)
#   --run-dir    an empty folder for this run's files (default: a new /tmp/rebound-demo.XXXXXX)
#   --for-cap    the longest `for:` of the demo's copies of the alerting rules (default 20s)
#   --build-dir  where rebound and kubesim are built (default build)
#   --no-build   use the binaries in the build folder as they are (a test that built them)
# The run folder keeps the configuration, every log, and stack.json (ports, PIDs, URLs).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '11,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
duration=0 setup=1 run="" for_cap=20s build_dir=build build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) [ $# -ge 2 ] || usage; duration=$2; shift 2 ;;
    --no-setup) setup=0; shift ;;
    --run-dir) [ $# -ge 2 ] || usage; run=$2; shift 2 ;;
    --for-cap) [ $# -ge 2 ] || usage; for_cap=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || usage; build_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage ;;
    *) echo "demo.sh: unknown argument $1" >&2; usage ;;
  esac
done
case "$duration" in
  0) seconds=0 ;;
  *[0-9]s) seconds=${duration%s} ;;
  *[0-9]m) seconds=$((${duration%m} * 60)) ;;
  *[0-9]h) seconds=$((${duration%h} * 3600)) ;;
  *) echo "demo.sh: --duration takes 90s, 10m or 1h, not \"$duration\"" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "demo.sh: invalid --duration $duration" >&2; exit 2; }

[ $setup = 1 ] && ./scripts/setup.sh
# Whether rebound and kubesim are up to date, without building (ninja's dry run cannot tell:
# it stops at the CMake re-check it always runs first): both binaries are newer than every C++
# source and CMake file of the checkout, tracked or new.
up_to_date() {
  local oldest newest
  [ -x "$build_dir/app/rebound" ] && [ -x "$build_dir/tools/kubesim/kubesim" ] || return 1
  oldest=$(stat -c %Y "$build_dir/app/rebound" "$build_dir/tools/kubesim/kubesim" | sort -n | head -n 1)
  newest=$(git ls-files -z --cached --others --exclude-standard -- '*.cc' '*.h' '*.cmake' \
             '*CMakeLists.txt' '*.in' | xargs -0 stat -c %Y 2>/dev/null | sort -n | tail -n 1)
  [ -n "$newest" ] && [ "$newest" -le "$oldest" ]
}
# Up to date: nothing to build, and no need to wait for the build lock others may hold.
if [ $build = 0 ]; then
  echo "==> using rebound and kubesim as built in $build_dir/"
elif up_to_date; then
  echo "==> rebound and kubesim are up to date ($build_dir/)"
else
  echo "==> building rebound and kubesim ($build_dir/, incremental; log: $build_dir/demo-build.log)"
  lock=()
  command -v flock >/dev/null 2>&1 && lock=(flock /tmp/rebound-build.lock)
  mkdir -p "$build_dir"
  if ! BUILD_DIR=$build_dir TARGETS="rebound kubesim" "${lock[@]}" ./scripts/build.sh \
      >"$build_dir/demo-build.log" 2>&1; then
    tail -n 30 "$build_dir/demo-build.log" >&2
    exit 1
  fi
fi
build_dir=$(cd "$build_dir" && pwd)
for binary in app/rebound tools/kubesim/kubesim; do
  [ -x "$build_dir/$binary" ] || { echo "demo.sh: $build_dir/$binary is missing" >&2; exit 1; }
done

if [ -z "$run" ]; then
  run=$(mktemp -d /tmp/rebound-demo.XXXXXX)
elif [ -n "$(ls -A "$run" 2>/dev/null)" ]; then
  # A previous run's journal would carry its cooldowns and episodes into this one.
  echo "demo.sh: --run-dir $run is not empty: give a new or empty folder" >&2
  exit 2
else
  mkdir -p "$run"
fi
run=$(cd "$run" && pwd)
echo "==> this run's files (configuration, logs, stack.json): $run"

source scripts/lib.sh
stopping=0
stop_stack() {
  [ $stopping = 1 ] && return
  stopping=1
  echo "==> stopping the stack"
  stop_tracked
  python3 - "$run/stack.json" <<'PY' 2>/dev/null || true
import json, sys
path = sys.argv[1]
with open(path) as f:
    stack = json.load(f)
stack["stopped"] = True
with open(path, "w") as f:
    json.dump(stack, f, indent=2)
PY
}
trap 'stop_stack' EXIT
trap 'stop_stack; exit 0' INT TERM

declare -A port
for p in kubesim prometheus alertmanager rebound blackbox slack; do port[$p]=$(free_port); done
ports_json=$(for p in "${!port[@]}"; do printf '"%s": %s\n' "$p" "${port[$p]}"; done | paste -sd, -)
ports_json="{${ports_json}}"
started=$(date +%s.%N)
declare -A pid

write_stack() {
  local pids_json
  pids_json=$(for p in "${!pid[@]}"; do printf '"%s": %s\n' "$p" "${pid[$p]}"; done | paste -sd, -)
  cat >"$run/stack.json" <<JSON
{"run_dir": "$run", "started": $started, "ports": $ports_json, "pids": {${pids_json}},
 "urls": {"kubesim": "http://127.0.0.1:${port[kubesim]}",
          "prometheus": "http://127.0.0.1:${port[prometheus]}",
          "alertmanager": "http://127.0.0.1:${port[alertmanager]}",
          "rebound": "http://127.0.0.1:${port[rebound]}",
          "blackbox": "http://127.0.0.1:${port[blackbox]}",
          "slack": "http://127.0.0.1:${port[slack]}"},
 "kubeconfig": "$run/kubeconfig", "for_cap": "$for_cap", "stopped": false}
JSON
}
start() {  # NAME LOG COMMAND...: starts COMMAND in the background, tracked
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 &
  pid[$name]=$!
  track $!
  write_stack
}

openssl rand -hex 16 >"$run/webhook-token"
cat >"$run/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: kubesim, cluster: {server: "http://127.0.0.1:${port[kubesim]}"}}]
contexts: [{name: kubesim, context: {cluster: kubesim, user: demo, namespace: shop}}]
current-context: kubesim
users: [{name: demo, user: {}}]
YAML
echo "==> configuration (deploy/local/stack_config.py): the shipped rules and alerts with every"
echo "    for: capped at $for_cap, so that the demo heals in minutes, not hours"
python3 deploy/local/stack_config.py "$run" "$ports_json" --for-cap "$for_cap" |
  sed 's/^/    /'
promtool check rules "$run"/rules/*.yml >"$run/promtool.log" 2>&1 ||
  { cat "$run/promtool.log" >&2; exit 1; }
amtool check-config "$run/alertmanager.yml" >"$run/amtool.log" 2>&1 ||
  { cat "$run/amtool.log" >&2; exit 1; }
"$build_dir/app/rebound" check -c "$run/rebound.yaml" >"$run/rebound-check.log" 2>&1 ||
  { cat "$run/rebound-check.log" >&2; exit 1; }

echo "==> starting kubesim, the Slack sink, the blackbox exporter, Rebound, Alertmanager, Prometheus"
start kubesim "$run/kubesim.log" "$build_dir/tools/kubesim/kubesim" \
  --listen "127.0.0.1:${port[kubesim]}" --scenario deploy/local/scenario.yaml
wait_http "http://127.0.0.1:${port[kubesim]}/version"
# The sink prints each message: it is part of the narration (its log is the terminal).
python3 deploy/local/slack_sink.py "${port[slack]}" --started "$started" &
pid[slack]=$!
track $!
write_stack
wait_http "http://127.0.0.1:${port[slack]}/messages"
k="kubectl --kubeconfig $run/kubeconfig --cache-dir $run/kube-cache"
# A stuck rollout counts as stuck after the Deployment's progressDeadlineSeconds: Rebound does
# not roll back a rollout that still has time to progress. 10 minutes by default; 30 s here.
$k patch deployment payments --type merge -p '{"spec":{"progressDeadlineSeconds":30}}' \
  >"$run/kubectl.log" 2>&1 || { cat "$run/kubectl.log" >&2; exit 1; }
start blackbox "$run/blackbox.log" prometheus-blackbox-exporter \
  --config.file="$run/blackbox.yml" --web.listen-address="127.0.0.1:${port[blackbox]}"
start rebound "$run/rebound.log" "$build_dir/app/rebound" run -c "$run/rebound.yaml"
start alertmanager "$run/alertmanager.log" prometheus-alertmanager \
  --config.file="$run/alertmanager.yml" --storage.path="$run/alertmanager-data" \
  --web.listen-address="127.0.0.1:${port[alertmanager]}" \
  --web.external-url="http://127.0.0.1:${port[alertmanager]}" --cluster.listen-address=
start prometheus "$run/prometheus.log" prometheus --config.file="$run/prometheus.yml" \
  --storage.tsdb.path="$run/prometheus-data" \
  --web.listen-address="127.0.0.1:${port[prometheus]}" \
  --web.external-url="http://127.0.0.1:${port[prometheus]}"
for url in "http://127.0.0.1:${port[blackbox]}/" "http://127.0.0.1:${port[rebound]}/readyz" \
    "http://127.0.0.1:${port[alertmanager]}/-/ready" "http://127.0.0.1:${port[prometheus]}/-/ready"; do
  wait_http "$url"
done

cat <<EOF
==> where to look
    Rebound status page  http://127.0.0.1:${port[rebound]}/
    Rebound API          http://127.0.0.1:${port[rebound]}/api/v1/actions  (episodes, chaos, status)
    Prometheus           http://127.0.0.1:${port[prometheus]}/alerts
    Alertmanager         http://127.0.0.1:${port[alertmanager]}/
    Slack sink           http://127.0.0.1:${port[slack]}/messages
    Blackbox exporter    http://127.0.0.1:${port[blackbox]}/
    kubectl              $k get deployments,pods
==> the shop: cart leaks memory, payments rolls out a crash-looping version 45 s in, search's
    traffic passes its capacity about 60 s in; frontend is healthy; the workers mailer, indexer
    and thumbnailer are opted in to chaos (one is scaled to zero every 3 minutes). The alerts
    wait at most $for_cap here (production: minutes), Alertmanager groups for 3-5 s, payments'
    progressDeadlineSeconds is 30 s.
==> narration (Ctrl-C stops$( [ "$seconds" -gt 0 ] && echo ", or after $duration"))
EOF
python3 deploy/local/narrate.py "$run/stack.json" --duration "$seconds" &
narrator=$!
track "$narrator"
status=0
wait "$narrator" || status=$?
stop_stack
echo "==> stopped; files kept in $run"
exit $status
