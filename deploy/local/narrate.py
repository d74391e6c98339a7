#!/usr/bin/env python3
"""Narrates the demo stack (scripts/demo.sh) as it happens, one line per event, from the
services' own APIs: alerts firing and resolving (Alertmanager /api/v2/alerts), what Rebound
decided and did (/api/v1/actions, the heal log), and chaos runs starting and ending
(/api/v1/chaos). Slack messages are printed by the sink itself (slack_sink.py).

Usage: narrate.py STACK_JSON [--duration SECONDS]. Stops after the duration, or on SIGTERM
or SIGINT, and exits 0; exits 1 as soon as a process of the stack has ended (the demo is
broken then: its log is in the run folder). Python 3 stdlib."""

import argparse
import json
import signal
import sys
import time
import urllib.error
import urllib.request

running = True


def stop(*_):
    global running
    running = False


def get(url):
    """The JSON at url, or None while the service does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return json.load(r)
    except (urllib.error.URLError, OSError, ValueError):
        return None


class Narrator:
    def __init__(self, stack):
        self.stack = stack
        self.started = stack["started"]
        self.alerts = {}        # fingerprint -> (alertname, labels, state), while active
        self.last_action = 0    # highest heal-log id printed
        self.runs = {}          # chaos run id -> last (phase, result) printed

    def say(self, who, text):
        elapsed = int(time.time() - self.started)
        print("+%02d:%02d  %-9s %s" % (elapsed // 60, elapsed % 60, who, text), flush=True)

    def poll_alerts(self):
        alerts = get(self.stack["urls"]["alertmanager"] + "/api/v2/alerts?active=true")
        if alerts is None:
            return
        now = {}
        for a in alerts:
            labels = a["labels"]
            what = " ".join("%s=%s" % (k, labels[k]) for k in
                            ("namespace", "deployment", "pod", "long", "experiment",
                             "playbook")
                            if k in labels)
            now[a["fingerprint"]] = (labels["alertname"], what, a["status"]["state"])
        for fp, (name, what, state) in now.items():
            seen = self.alerts.get(fp)
            if state == "active" and (seen is None or seen[2] != "active"):
                self.say("alert", "FIRING   %s %s" % (name, what))
            elif state != "active" and seen is not None and seen[2] == "active":
                # Inhibited or silenced: Alertmanager sends it nowhere now.
                self.say("alert", "%-8s %s %s" % (state.upper(), name, what))
        for fp, (name, what, state) in self.alerts.items():
            if fp not in now and state == "active":
                self.say("alert", "RESOLVED %s %s" % (name, what))
        self.alerts = now

    def poll_actions(self):
        body = get(self.stack["urls"]["rebound"] + "/api/v1/actions?limit=500")
        if body is None:
            return
        for r in sorted(body.get("data", []), key=lambda r: r["id"]):
            if r["id"] <= self.last_action:
                continue
            self.last_action = r["id"]
            kind = r["kind"] + (" " + r["action"] if "action" in r else "")
            result = r["result"] + ("/" + r["reason"] if r.get("reason") else "")
            took = (" (%.1fs)" % r["durationSeconds"]) if r.get("durationSeconds") else ""
            self.say("rebound", "%s %s: %s%s  [%s, %s]" % (
                kind, result, r["message"], took, r.get("alertname", ""),
                r.get("playbook") or "-"))

    def poll_chaos(self):
        body = get(self.stack["urls"]["rebound"] + "/api/v1/chaos")
        if body is None:
            return
        for run in sorted(body["data"].get("runs", []), key=lambda r: r["id"]):
            seen = self.runs.get(run["id"])
            now = (run.get("phase"), run.get("result"))
            if seen == now:
                continue
            self.runs[run["id"]] = now
            target = run.get("target") or {}
            name = "%s %s/%s" % (target.get("kind", ""), target.get("namespace", ""),
                                 target.get("name", "")) if target.get("name") else "no target"
            if run.get("result"):
                extra = ""
                if run.get("recoverySeconds") is not None:
                    extra = ", recovered in %.1fs" % run["recoverySeconds"]
                if run.get("reason"):
                    extra += " (%s)" % run["reason"]
                self.say("chaos", "run %d of %s on %s: %s%s" % (
                    run["id"], run["experiment"], name, run["result"].upper(), extra))
            elif seen is None:
                fault = run.get("fault") or {}
                self.say("chaos", "run %d of %s started: %s on %s" % (
                    run["id"], run["experiment"], fault.get("type", "?"), name))

    def ended(self):
        """The name of a process of the stack that has ended (a zombie counts), or None."""
        for name, pid in self.stack["pids"].items():
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(") ", 1)[-1].startswith("Z"):
                        return name
            except OSError:
                return name
        return None

    def tick(self):
        self.poll_alerts()
        self.poll_actions()
        self.poll_chaos()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stack_json")
    parser.add_argument("--duration", type=float, default=0,
                        help="seconds after the stack's start to stop (0: until a signal)")
    args = parser.parse_args()
    with open(args.stack_json) as f:
        stack = json.load(f)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    narrator = Narrator(stack)
    deadline = stack["started"] + args.duration if args.duration > 0 else None
    while running and (deadline is None or time.time() < deadline):
        narrator.tick()
        name = narrator.ended()
        if name:
            print("narrate.py: %s (pid %d) has ended; the logs are in %s" % (
                name, stack["pids"][name], stack["run_dir"]), file=sys.stderr)
            return 1
        time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
