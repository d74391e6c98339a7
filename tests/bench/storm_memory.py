#!/usr/bin/env python3
"""Alert-storm memory benchmark for `rebound run` (docs/benchmarks.md).

Starts the daemon from a Release build on 127.0.0.1 without Kubernetes, posts unique alerts in
Alertmanager-sized notifications (retrying 503s, as Alertmanager does), samples the daemon's
VmRSS from /proc every --sample-every alerts, waits for the backlog to drain, then hammers the
listing API (concurrent GET /api/v1/episodes?limit=10000 and /api/v1/actions?limit=10000) and
samples again. Prints the RSS curve (CSV) and a summary; --json writes the figures too.

Usage: tests/bench/storm_memory.py [--build-dir build-rel] [--alerts 200000] ...
Build first:  BUILD_DIR=build-rel TARGETS="rebound kubesim" ./scripts/build.sh \\
                -DCMAKE_BUILD_TYPE=Release -DREBOUND_WERROR=ON
"""
import argparse
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

PLAYBOOK = """apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: storm-restart
spec:
  match:
    - alertname = "StormCrash"
  target:
    kind: Deployment
    namespace: shop
    name: "{{ labels.deployment }}"
  steps:
    - action: restart
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid, field):
    """A /proc/PID/status field in MiB (VmRSS, VmHWM), or -1."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return -1.0


def request(url, body=None, timeout=60):
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def notification(first, count, annotation_bytes, flood_every):
    alerts = []
    for i in range(first, first + count):
        flood = flood_every > 0 and i % flood_every == 0
        alerts.append({
            "status": "firing",
            "labels": {"alertname": "StormCrash" if flood else "StormNoise", "id": str(i),
                       "deployment": f"d{i % 13}"},
            "annotations": {"description": "x" * annotation_bytes},
            "startsAt": "2024-05-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": f"storm{i:09d}",
        })
    return json.dumps({"version": "4", "groupKey": "{}:{}", "status": "firing",
                       "receiver": "rebound", "groupLabels": {}, "commonLabels": {},
                       "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
                       "alerts": alerts}).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default="build-rel")
    ap.add_argument("--alerts", type=int, default=200000)
    ap.add_argument("--batch", type=int, default=500, help="alerts per notification")
    ap.add_argument("--senders", type=int, default=2, help="concurrent posting threads")
    ap.add_argument("--sample-every", type=int, default=20000)
    ap.add_argument("--queue-capacity", type=int, default=10000)
    ap.add_argument("--annotation-bytes", type=int, default=200)
    ap.add_argument("--flood-every", type=int, default=100,
                    help="one alert in N matches a playbook (refused: no Kubernetes)")
    ap.add_argument("--api-rounds", type=int, default=3)
    ap.add_argument("--api-concurrency", type=int, default=4)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    binary = os.path.join(root, args.build_dir, "app", "rebound")
    if not os.path.exists(binary):
        sys.exit(f"{binary} not found: build it first (see --help)")
    work = tempfile.mkdtemp(prefix="rebound-storm-")
    port = free_port()
    with open(os.path.join(work, "playbooks.yaml"), "w") as f:
        f.write(PLAYBOOK)
    with open(os.path.join(work, "rebound.yaml"), "w") as f:
        f.write(f"listen: 127.0.0.1:{port}\nstate_dir: state\n"
                f"webhook: {{ queue_capacity: {args.queue_capacity}, max_body_bytes: 67108864 }}\n"
                "playbooks: [ playbooks.yaml ]\nlog: { level: error }\n"
                f"journal: {{ max_rows: {max(args.alerts, 100000)} }}\n")
    log = open(os.path.join(work, "rebound.log"), "w")
    daemon = subprocess.Popen([binary, "run", "-c", os.path.join(work, "rebound.yaml")],
                              stdout=log, stderr=subprocess.STDOUT, cwd=work)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if request(base + "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            sys.exit("rebound did not become ready; log in " + work)
        pid = daemon.pid
        curve = [(0, proc_status(pid, "VmRSS"))]
        print(f"# state in {work}; daemon pid {pid}")
        print("alerts,rss_mib")
        print(f"0,{curve[0][1]:.1f}")
        lock = threading.Lock()
        counters = {"refused": 0, "sent": 0, "next_sample": args.sample_every}
        batches = list(range(0, args.alerts, args.batch))
        start = time.monotonic()

        def post(first):
            body = notification(first, min(args.batch, args.alerts - first),
                                args.annotation_bytes, args.flood_every)
            while True:
                status, _ = request(base + "/webhook/alertmanager", body)
                if status == 200:
                    break
                if status != 503:
                    raise RuntimeError(f"webhook answered {status}")
                with lock:
                    counters["refused"] += 1
                time.sleep(0.02)
            with lock:
                counters["sent"] += min(args.batch, args.alerts - first)
                if counters["sent"] >= counters["next_sample"]:
                    counters["next_sample"] += args.sample_every
                    rss = proc_status(pid, "VmRSS")
                    curve.append((counters["sent"], rss))
                    print(f"{counters['sent']},{rss:.1f}", flush=True)

        with concurrent.futures.ThreadPoolExecutor(args.senders) as pool:
            list(pool.map(post, batches))
        storm_s = time.monotonic() - start
        # Drain: the intake queue and the healer's waiting episodes.
        for _ in range(600):
            status, body = request(base + "/api/v1/episodes?state=received&limit=1")
            pending = request(base + "/api/v1/episodes?state=pending&limit=1")[1]
            if json.loads(body)["data"] == [] and json.loads(pending)["data"] == []:
                break
            time.sleep(0.1)
        drained_s = time.monotonic() - start
        after_storm = proc_status(pid, "VmRSS")
        hwm_storm = proc_status(pid, "VmHWM")
        print(f"# drained,{after_storm:.1f}")

        def hammer(path):
            status, body = request(base + path, timeout=300)
            return status, len(body)

        api_peak = after_storm
        api_bytes = 0
        paths = ["/api/v1/episodes?limit=10000", "/api/v1/actions?limit=10000"]
        for _ in range(args.api_rounds):
            with concurrent.futures.ThreadPoolExecutor(args.api_concurrency * len(paths)) as pool:
                futures = [pool.submit(hammer, p) for p in paths for _ in range(args.api_concurrency)]
                while not all(f.done() for f in futures):
                    api_peak = max(api_peak, proc_status(pid, "VmRSS"))
                    time.sleep(0.02)
                for f in futures:
                    status, size = f.result()
                    if status != 200:
                        raise RuntimeError(f"API answered {status}")
                    api_bytes = max(api_bytes, size)
        after_api = proc_status(pid, "VmRSS")
        figures = {
            "alerts": args.alerts, "batch": args.batch, "senders": args.senders,
            "queue_capacity": args.queue_capacity, "annotation_bytes": args.annotation_bytes,
            "storm_seconds": round(storm_s, 1), "drained_seconds": round(drained_s, 1),
            "alerts_per_second": round(args.alerts / storm_s),
            "refused_503": counters["refused"],
            "rss_curve_mib": [[n, round(r, 1)] for n, r in curve],
            "rss_after_storm_mib": round(after_storm, 1), "hwm_storm_mib": round(hwm_storm, 1),
            "rss_peak_during_api_mib": round(api_peak, 1), "rss_after_api_mib": round(after_api, 1),
            "hwm_mib": round(proc_status(pid, "VmHWM"), 1), "largest_response_bytes": api_bytes,
        }
        print(json.dumps(figures, indent=1))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(figures, f, indent=1)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()


if __name__ == "__main__":
    main()
