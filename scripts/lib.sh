# Shell helpers shared by the demo and the benchmark scripts (source it; bash only).
# Processes started with `track` are stopped, newest first, when the script exits.

pids=()
track() { pids+=("$1"); }
stop_tracked() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Waits up to 30 s for URL to answer at all; fails loudly otherwise.
wait_http() {
  local _
  for _ in $(seq 1 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "$(basename "$0"): $1 did not come up" >&2
  return 1
}
