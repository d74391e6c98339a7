#!/usr/bin/env python3
"""End to end: runs the local demo (scripts/demo.sh) and checks that the whole loop heals the
shop by itself, from real alerts:

- cart (memory leak) restarted by memory-growth-restart, payments (bad rollout) rolled back by
  rollout-stuck-rollback, search (overload) scaled out by overload-scale-up: each from an alert
  Prometheus fired (the episode's generatorURL points at the demo's Prometheus), each action
  `done`, each remediation `healed` (verified), and the Kubernetes API agrees (cart's pods
  replaced, payments back on 4.2.0, search with more replicas);
- the alerts behind each heal later no longer active in Alertmanager (/api/v2/alerts), but
  for the slow-burn error-budget ones (short window of 30m or more), which by design keep
  firing until their short window has forgotten the errors;
- a chaos run `recovered`, attributed to restore-replicas, with its time to recovery;
- the Slack sink got, for each healed Deployment, its own thread of messages ("[Rebound]
  ALERT ns/name: ..."), an action before the "Healed" one;
- Rebound's /metrics counts the actions and the healed remediations;
- after the demo stops, every process it started is gone and every port it used is closed.

- every query of the shipped dashboards, variables set for what was healed and the chaos run,
  parses and returns data from the demo's Prometheus (tests/e2e/dashboard_queries.py);
- the status page, as headless Chromium renders it (tests/e2e/status_page_check.py), shows
  the three healed Deployments and the recovered chaos run (screenshot
  ARTIFACTS/status-page.png).

It waits on conditions with deadlines, never for fixed times. It prints the time of each link
(alert firing, action, verified) after the stack's start, and writes them to
ARTIFACTS/demo-timings.json.

Usage: demo_e2e.py SOURCE_ROOT BUILD_DIR ARTIFACTS_DIR [--duration 8m] [--deadline 600]"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime

import dashboard_queries

HEALS = {  # deployment -> (alert, playbook, action)
    "cart": ("ContainerMemoryGrowth", "memory-growth-restart", "restart"),
    "payments": ("KubeDeploymentRolloutStuck", "rollout-stuck-rollback", "rollback"),
    "search": ("HighErrorRate", "overload-scale-up", "scale"),
}


def get(url, raw=False):
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            body = r.read()
            return body.decode() if raw else json.loads(body)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def seconds(rfc3339):
    """Unix time of an RFC 3339 timestamp as Rebound and Alertmanager write them."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", rfc3339)
    if not m:
        raise ValueError("not an RFC 3339 time: %r" % rfc3339)
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    whole = datetime.fromisoformat(m.group(1) + zone).timestamp()
    return whole + float(m.group(2) or 0)


class Check:
    def __init__(self, stack):
        self.stack = stack
        self.urls = stack["urls"]
        self.failures = []
        self.timings = {}

    def kube(self, path):
        return get(self.urls["kubesim"] + path)

    def heal_records(self):
        body = get(self.urls["rebound"] + "/api/v1/actions?limit=2000")
        return body["data"] if body else []

    def episodes(self):
        body = get(self.urls["rebound"] + "/api/v1/episodes?limit=2000")
        return body["data"] if body else []

    def healed(self, deployment):
        """The heal of `deployment` as HEALS says, when it is done and verified: a dict of
        its records, else None."""
        alert, playbook, action = HEALS[deployment]
        target = "Deployment shop/" + deployment
        records = [r for r in self.heal_records()
                   if r.get("playbook") == playbook and r.get("target") == target]
        done = [r for r in records if r["kind"] == "action" and r.get("action") == action
                and r["result"] == "done"]
        verified = [r for r in records if r["kind"] == "verify" and r["result"] == "passed"]
        outcome = [r for r in records if r["kind"] == "outcome" and r["result"] == "healed"]
        if not (done and verified and outcome):
            return None
        first = min(done, key=lambda r: r["id"])
        return {"alertname": first["alertname"], "fingerprint": first["fingerprint"],
                "startsAt": first["startsAt"], "action": first,
                "verified": min(verified, key=lambda r: r["id"])}

    def kube_agrees(self, deployment):
        d = self.kube("/apis/apps/v1/namespaces/shop/deployments/" + deployment)
        if not d:
            return False
        status, spec = d.get("status", {}), d["spec"]
        ready = status.get("readyReplicas", 0) == spec["replicas"] == status.get(
            "updatedReplicas", 0)
        if deployment == "payments":
            return ready and spec["template"]["spec"]["containers"][0]["image"].endswith(":4.2.0")
        if deployment == "search":
            return ready and spec["replicas"] >= 3
        annotations = spec["template"]["metadata"].get("annotations", {})
        return ready and "kubectl.kubernetes.io/restartedAt" in annotations

    def from_prometheus(self, heal):
        """The heal's episode came from the demo's Prometheus."""
        for e in self.episodes():
            if e["fingerprint"] == heal["fingerprint"] and e["startsAt"] == heal["startsAt"]:
                return e.get("generatorURL", "").startswith(self.urls["prometheus"] + "/")
        return False

    def heal_alerts(self, deployment, heal):
        """The episodes of the heal's alert name on `deployment` (or its pods) that had started
        by the time the heal was verified."""
        verified = seconds(heal["verified"]["at"])
        return [e for e in self.episodes()
                if e["alertname"] == heal["alertname"]
                and (e["labels"].get("deployment") == deployment or
                     e["labels"].get("pod", "").startswith(deployment + "-"))
                and seconds(e["startsAt"]) <= verified]

    def resolved_in_alertmanager(self, deployment, heal):
        """The alerts of the heal's name on `deployment` (or its pods) that had started by the
        time the heal was verified are no longer active in Alertmanager, but for the slow-burn
        error-budget ones (short window 30m or longer): after the errors stop those keep firing
        until their short window no longer holds them, by design."""
        alerts = get(self.urls["alertmanager"] + "/api/v2/alerts?active=true")
        if alerts is None:
            return False
        waited = {e["fingerprint"] for e in self.heal_alerts(deployment, heal)
                  if e["labels"].get("short") not in ("30m", "2h", "6h")}
        return bool(waited) and not any(a["fingerprint"] in waited for a in alerts)

    def recovered_chaos_run(self):
        body = get(self.urls["rebound"] + "/api/v1/chaos")
        runs = body["data"].get("runs", []) if body else []
        for run in runs:
            if (run.get("result") == "recovered" and run.get("recoverySeconds") is not None
                    and run.get("expectHealing") == "restore-replicas"):
                return run
        return None

    def slack_threads(self):
        """Rebound's Slack messages by thread ("[Rebound] KEY"), oldest first."""
        messages = get(self.urls["slack"] + "/messages") or []
        threads = {}
        for m in messages:
            if m["path"] != "/rebound":
                continue
            key = re.match(r"\[Rebound\] ([^:]*)", m["text"])
            threads.setdefault(key.group(1) if key else "", []).append(m["text"])
        return threads

    def coherent_thread(self, deployment):
        alert = HEALS[deployment][0]
        thread = self.slack_threads().get("%s shop/%s" % (alert, deployment), [])
        acted = [i for i, t in enumerate(thread) if "Action taken" in t]
        healed = [i for i, t in enumerate(thread) if "Healed" in t]
        return bool(acted and healed and acted[0] < healed[0])

    def metrics_count(self):
        text = get(self.urls["rebound"] + "/metrics", raw=True) or ""
        counts = {}
        for line in text.splitlines():
            m = re.match(r'(rebound_heal_actions_total|rebound_heal_remediations_total|'
                         r'rebound_chaos_runs_total)\{([^}]*)\} (\S+)', line)
            if m:
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
                counts[(m.group(1), tuple(sorted(labels.items())))] = float(m.group(3))
        return counts


def wait_for(what, condition, deadline, failures):
    """Polls condition() every second until it returns something true or the deadline (at
    least once, so that what already holds passes after an earlier wait used the time)."""
    while True:
        value = condition()
        if value:
            print("ok    %s (+%.0fs)" % (what, time.time() - wait_for.started), flush=True)
            return value
        if time.time() >= deadline:
            break
        time.sleep(1)
    failures.append(what)
    print("FAIL  %s: not by the deadline" % what, flush=True)
    return None


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose only once reaped; demo.sh reaps its children.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def status_page_check(root, stack, artifacts, failures):
    """Headless Chromium renders the status page (tests/e2e/status_page_check.py): the three
    healed Deployments and the recovered chaos run are on it; a phone-sized screenshot goes to
    ARTIFACTS/status-page.png."""
    check = os.path.join(root, "tests", "e2e", "status_page_check.py")
    cmd = [sys.executable, check, stack["urls"]["rebound"] + "/",
           "--expect", "Deployment shop/cart", "--expect", "Deployment shop/payments",
           "--expect", "Deployment shop/search", "--expect", "recovered in",
           "--screenshot", os.path.join(artifacts, "status-page.png")]
    if subprocess.run(cmd).returncode != 0:
        failures.append("status page check (%s)" % " ".join(cmd))
    else:
        print("ok    the status page shows the three heals and the recovered chaos run",
              flush=True)


def dashboards_check(root, stack, run, failures):
    """Every dashboard query, with the variables set for what the demo healed and the chaos
    run (tests/e2e/dashboard_queries.py), parses and returns data from the demo's Prometheus."""
    target = run["target"]["name"] if run else "indexer"
    started = time.time()
    checked, problems = dashboard_queries.check(root, stack["urls"]["prometheus"],
                                                stack["started"], target)
    failures.extend("dashboards: " + p for p in problems)
    if not problems:
        print("ok    %d dashboard queries parse and return data (%.0f s)" % (
            checked, time.time() - started), flush=True)
    else:
        print("FAIL  dashboards: %d of %d queries (%s)" % (len(problems), checked,
                                                        "; ".join(problems)), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root")
    parser.add_argument("build_dir")
    parser.add_argument("artifacts")
    parser.add_argument("--duration", default="8m")
    parser.add_argument("--deadline", type=float, default=420,
                        help="seconds after the stack's start by which everything is checked")
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    run_dir = tempfile.mkdtemp(prefix="rebound-demo-e2e.")
    out_path = os.path.join(args.artifacts, "demo-e2e.out")
    cmd = ["nice", "-n", "10", os.path.join(args.root, "scripts", "demo.sh"), "--no-setup",
           "--no-build", "--build-dir", args.build_dir, "--run-dir", run_dir,
           "--duration", args.duration]
    print("running %s (output: %s)" % (" ".join(cmd), out_path), flush=True)
    out = open(out_path, "w")
    demo = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    failures = []
    stack = None
    try:
        stack_path = os.path.join(run_dir, "stack.json")
        start_deadline = time.time() + 120
        while time.time() < start_deadline and demo.poll() is None:
            if os.path.exists(stack_path):
                with open(stack_path) as f:
                    try:
                        stack = json.load(f)
                    except ValueError:
                        stack = None
                if stack and "prometheus" in stack["pids"] and \
                        get(stack["urls"]["prometheus"] + "/-/ready", raw=True):
                    break
            time.sleep(1)
        else:
            raise RuntimeError("the demo did not start (exit status %s); see %s" %
                               (demo.poll(), out_path))
        with open(stack_path) as f:
            stack = json.load(f)
        check = Check(stack)
        wait_for.started = stack["started"]
        deadline = stack["started"] + args.deadline

        for deployment, (alert, playbook, action) in HEALS.items():
            heal = wait_for("%s: %s -> %s %s done and verified" % (
                deployment, alert, playbook, action),
                lambda d=deployment: check.healed(d), deadline, failures)
            if not heal:
                continue
            if heal["alertname"] != alert:
                failures.append("%s healed from %s, not %s" % (deployment, heal["alertname"],
                                                              alert))
            if not check.from_prometheus(heal):
                failures.append("%s: the episode did not come from the demo's Prometheus" %
                                deployment)
            wait_for("%s: the Kubernetes API shows it healed" % deployment,
                     lambda d=deployment: check.kube_agrees(d), deadline, failures)
            wait_for("%s: its %s alerts no longer active in Alertmanager" % (deployment, alert),
                     lambda d=deployment, h=heal: check.resolved_in_alertmanager(d, h),
                     deadline, failures)
            wait_for("%s: a coherent Slack thread (action, then healed)" % deployment,
                     lambda d=deployment: check.coherent_thread(d), deadline, failures)
            t0 = stack["started"]
            check.timings[deployment] = {
                "alert_firing": round(min(seconds(e["startsAt"]) for e in
                                          check.heal_alerts(deployment, heal)) - t0, 1),
                "action": round(seconds(heal["action"]["at"]) - t0, 1),
                "verified": round(seconds(heal["verified"]["at"]) - t0, 1),
            }
        run = wait_for("a chaos run recovered, attributed to restore-replicas",
                       check.recovered_chaos_run, deadline, failures)
        if run:
            check.timings["chaos"] = {
                "injected": round(seconds(run["injectedAt"]) - stack["started"], 1),
                "recovered": round(seconds(run["recoveredAt"]) - stack["started"], 1),
                "recoverySeconds": run["recoverySeconds"], "target": run.get("target")}

        counts = check.metrics_count()
        for deployment, (_, playbook, action) in HEALS.items():
            key = ("rebound_heal_actions_total",
                   (("action", action), ("playbook", playbook), ("result", "done")))
            if counts.get(key, 0) < 1:
                failures.append("metrics: %s{%s} is %s" % (key[0], key[1], counts.get(key)))
            key = ("rebound_heal_remediations_total",
                   (("outcome", "healed"), ("playbook", playbook)))
            if counts.get(key, 0) < 1:
                failures.append("metrics: %s{%s} is %s" % (key[0], key[1], counts.get(key)))
        key = ("rebound_chaos_runs_total",
               (("experiment", "demo-scale-to-zero"), ("result", "recovered")))
        if run and counts.get(key, 0) < 1:
            failures.append("metrics: %s{%s} is %s" % (key[0], key[1], counts.get(key)))

        status_page_check(args.root, stack, args.artifacts, failures)
        dashboards_check(args.root, stack, run, failures)
    except RuntimeError as e:
        failures.append(str(e))
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGTERM)  # demo.sh stops its stack and exits 0
        try:
            code = demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            code = demo.wait()
            failures.append("demo.sh did not stop within 60 s of SIGTERM")
        out.close()
    if code != 0:
        failures.append("demo.sh exited %d" % code)
    if stack:
        with open(os.path.join(run_dir, "stack.json")) as f:
            stack = json.load(f)
        for name, pid in stack["pids"].items():
            if alive(pid):
                failures.append("%s (pid %d) still runs after the demo stopped" % (name, pid))
        for name, port in stack["ports"].items():
            if port_open(port):
                failures.append("%s's port %d is still open after the demo stopped" %
                                (name, port))
        with open(os.path.join(args.artifacts, "demo-timings.json"), "w") as f:
            json.dump(check.timings, f, indent=2)
        print("timings, seconds after the stack started: %s" % json.dumps(check.timings),
              flush=True)
    if failures:
        print("\n%d failure(s); the demo's output is in %s, its files in %s:" % (
            len(failures), out_path, run_dir))
        for f in failures:
            print("  - " + f)
        return 1
    shutil.rmtree(run_dir, ignore_errors=True)
    print("the demo healed cart, payments and search, and chaos proved restore-replicas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
