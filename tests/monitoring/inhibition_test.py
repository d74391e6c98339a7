#!/usr/bin/env python3
"""The inhibition rules of alerts/alertmanager.yml work on the alerts the shipped rules really
fire, in a real Alertmanager. For every rule and every alert name its target matchers select:

- among the alerts the promtool tests fire (alerts/tests/*.test.yml, with their labels), there
  must be a target and a source that both carry, or both lack, each `equal` label — otherwise
  the rule can never hold that alert back (a label the alert does not have never equals one
  the source has);
- that target is not inhibited before the source fires, is inhibited once it fires, and one
  whose first shared `equal` label differs is not.

Each rule's alerts get their own `equal` values and are resolved afterwards, so the rules do
not see each other's alerts. The receivers' URLs point at a closed port: nothing is delivered.

Usage: inhibition_test.py SOURCE_ROOT ALERTMANAGER_BINARY"""

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

import yaml

import shipped
from live import free_port, stop, wait_for

MATCHER = re.compile(r'^\s*(\w+)\s*(=~|=|!=|!~)\s*"(.*)"\s*$')


def matches(matchers, labels):
    for m in matchers:
        parsed = MATCHER.match(m)
        if not parsed:
            raise SystemExit(f"cannot read matcher {m!r}")
        name, op, value = parsed.groups()
        have = labels.get(name, "")
        ok = {"=": have == value, "!=": have != value,
              "=~": re.fullmatch(value, have) is not None,
              "!~": re.fullmatch(value, have) is None}[op]
        if not ok:
            return False
    return True


def fired_alerts(root):
    """The label sets of every alert the promtool tests expect to fire."""
    found = []
    for _, case in shipped.alert_tests(root):
        for alert in case.get("exp_alerts") or []:
            labels = {k: str(v) for k, v in (alert.get("exp_labels") or {}).items()}
            found.append(dict(labels, alertname=case["alertname"]))
    return found


def pair(sources, targets, equal):
    """A (source, target) whose `equal` labels are on both or on neither; None if none is."""
    for target in targets:
        for source in sources:
            if all((name in source) == (name in target) for name in equal):
                return source, target
    return None


def post(base, alerts, resolved=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    ends = now - datetime.timedelta(seconds=1) if resolved else now + datetime.timedelta(hours=1)
    body = [{"labels": a, "startsAt": (now - datetime.timedelta(minutes=1)).isoformat(),
             "endsAt": ends.isoformat()} for a in alerts]
    request = urllib.request.Request(base + "/api/v2/alerts", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as r:
        r.read()


def inhibited(base, labels):
    """inhibitedBy of the one active alert with exactly these labels; None when absent."""
    with urllib.request.urlopen(base + "/api/v2/alerts?active=true&inhibited=true", timeout=5) as r:
        for alert in json.load(r):
            if alert["labels"] == labels:
                return alert["status"]["inhibitedBy"]
    return None


def check(base, what, i, name, source, target, equal):
    """The live part for one (source, target): returns the problems found."""
    shared = {label: f"r{i}-{label}" for label in equal if label in source and label != "alertname"}
    source = dict(source, **shared, case=f"{i}-{name}-source")
    target = dict(target, **shared, case=f"{i}-{name}-target")
    other = None
    if shared:
        other = dict(target, case=f"{i}-{name}-other")
        other[next(iter(shared))] = "another-value"
    problems = []
    post(base, [target] + ([other] if other else []))
    if not wait_for(lambda: inhibited(base, target) is not None, 20):
        return [f"{what}: {target} was not accepted"]
    if inhibited(base, target):
        problems.append(f"{what}: {target} is inhibited before any source fires")
    post(base, [source])
    if not wait_for(lambda: bool(inhibited(base, target)), 20):
        problems.append(f"{what}: {target} is not inhibited by {source}")
    if inhibited(base, source):
        problems.append(f"{what}: the source {source} is inhibited itself")
    if other is not None and inhibited(base, other):
        problems.append(f"{what}: {other} is inhibited although its "
                        f"{next(iter(shared))} differs")
    # Resolved: this case's source holds nothing back from the next one.
    post(base, [source, target] + ([other] if other else []), resolved=True)
    if not wait_for(lambda: inhibited(base, source) is None, 20):
        problems.append(f"{what}: {source} did not resolve")
    return problems


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, binary = sys.argv[1:]
    config = yaml.safe_load(open(os.path.join(root, "alerts", "alertmanager.yml")))
    rules = config.get("inhibit_rules", [])
    if not rules:
        sys.exit("alerts/alertmanager.yml has no inhibit_rules")
    for receiver in config.get("receivers", []):
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = "http://127.0.0.1:1/closed"
            webhook.pop("http_config", None)

    alerts = fired_alerts(root)
    problems = []
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "alertmanager.yml")
        with open(path, "w") as f:
            yaml.safe_dump(config, f)
        listen = f"127.0.0.1:{free_port()}"
        base = f"http://{listen}"
        am = subprocess.Popen(
            [binary, "--config.file=" + path, "--storage.path=" + os.path.join(work, "data"),
             "--web.listen-address=" + listen, "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "am.log"), "w"))
        try:
            def ready():
                try:
                    with urllib.request.urlopen(base + "/-/ready", timeout=2) as r:
                        return r.status == 200
                except OSError:
                    return False
            if not wait_for(ready, 60):
                sys.exit("Alertmanager did not become ready:\n" +
                         open(os.path.join(work, "am.log")).read()[-2000:])
            for i, rule in enumerate(rules):
                sources = [a for a in alerts if matches(rule["source_matchers"], a)]
                targets = [a for a in alerts if matches(rule["target_matchers"], a)]
                equal = rule.get("equal", [])
                what = f"rule {i} ({rule['source_matchers']} -> {rule['target_matchers']})"
                if not sources or not targets:
                    problems.append(f"{what}: no tested alert is a "
                                    + ("source" if not sources else "target"))
                    continue
                for name in sorted({t["alertname"] for t in targets}):
                    # A rule whose sources must have the target's name holds back only the
                    # names that have such a source (critical and warning burn-rate alerts).
                    candidates = [s for s in sources
                                  if "alertname" not in equal or s["alertname"] == name]
                    if not candidates:
                        continue
                    found = pair(candidates, [t for t in targets if t["alertname"] == name],
                                 equal)
                    if found is None:
                        problems.append(
                            f"{what}: never holds back {name}: no tested {name} alert carries "
                            f"the same `equal` labels ({equal}) as a source alert")
                        continue
                    problems += check(base, what, i, name, *found, equal)
        finally:
            stop(am)
    for p in problems:
        print(p)
    print(f"{len(rules)} inhibition rules checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
