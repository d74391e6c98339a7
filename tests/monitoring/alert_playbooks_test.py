#!/usr/bin/env python3
"""Every alert the promtool tests fire (alerts/tests/*.test.yml, with the labels they assert)
reaches the playbook meant to heal it (shipped.HEALED_BY), and Alertmanager routes it there:

- each fired alert, as an Alertmanager webhook payload, is given to `rebound replay` with the
  shipped playbooks (playbooks/*.yaml) and no cluster: the playbook in HEALED_BY must match it
  and its target must be named from the alert's labels (the plan stops only at finding no
  such object); an alert HEALED_BY gives to a person must match no playbook;
- `amtool config routes test` with alerts/alertmanager.yml must send a healable alert to the
  `rebound` receiver (and a critical one to `oncall` too), and every other alert to `oncall`.

Usage: alert_playbooks_test.py SOURCE_ROOT REBOUND_BINARY AMTOOL"""

import json
import os
import re
import subprocess
import sys
import tempfile

import shipped


def payload(alertname, labels, annotations):
    alert_labels = dict(labels, alertname=alertname)
    return {
        "version": "4",
        "receiver": "rebound",
        "status": "firing",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "groupLabels": {"alertname": alertname},
        "commonLabels": alert_labels,
        "commonAnnotations": annotations,
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [{
            "status": "firing",
            "labels": alert_labels,
            "annotations": annotations,
            "startsAt": "2026-01-05T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example:9090/graph",
            "fingerprint": "0123456789abcdef",
        }],
    }


def replay_problems(root, rebound, workdir, alertname, labels, annotations):
    config = os.path.join(workdir, "rebound.yaml")
    with open(config, "w") as f:
        f.write(f"listen: 127.0.0.1:0\nstate_dir: {workdir}/state\n"
                f"playbooks: [\"{root}/playbooks/*.yaml\"]\n"
                "kubernetes: { mode: kubeconfig, kubeconfig: missing-kubeconfig }\n")
    body = os.path.join(workdir, "payload.json")
    with open(body, "w") as f:
        json.dump(payload(alertname, labels, annotations), f)
    run = subprocess.run([rebound, "replay", "-c", config, body], capture_output=True,
                         text=True, timeout=60)
    where = f"{alertname} {labels}"
    if run.returncode != 0:
        return [f"{where}: rebound replay exited {run.returncode}: {run.stderr}"]
    matched = re.findall(r"^  playbook (\S+)", run.stdout, re.M)
    want = shipped.HEALED_BY[alertname]
    if want is None:
        if matched or "no playbook matches" not in run.stdout:
            return [f"{where}: meant for a person, but replay says:\n{run.stdout}"]
        return []
    if matched != [want]:
        return [f"{where}: replay matched {matched}, not [{want!r}]:\n{run.stdout}"]
    # With no cluster the target cannot be found; any other refusal (a template naming a
    # label the alert does not carry) means the alert cannot reach its target.
    if not re.search(r"^    refused \(target_not_found\): ", run.stdout, re.M):
        return [f"{where}: the target of {want} was not named from the labels:\n{run.stdout}"]
    return []


def route_problems(root, amtool, alertname, labels):
    healable = shipped.HEALED_BY[alertname] is not None
    want = ["rebound"] if healable else ["oncall"]
    if healable and labels.get("severity") == "critical":
        want.append("oncall")
    args = [f"{k}={v}" for k, v in sorted(dict(labels, alertname=alertname).items())]
    run = subprocess.run([amtool, "config", "routes", "test",
                          "--config.file=" + os.path.join(root, "alerts", "alertmanager.yml"),
                          "--verify.receivers=" + ",".join(want)] + args,
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        return [f"{alertname} {labels}: routed to {run.stdout.strip()!r}, want {want}"]
    return []


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root, rebound, amtool = sys.argv[1:]
    found, checked = [], 0
    with tempfile.TemporaryDirectory() as workdir:
        for _, case in shipped.alert_tests(root):
            for alert in case.get("exp_alerts") or []:
                labels = dict(alert.get("exp_labels") or {})
                annotations = dict(alert.get("exp_annotations") or {})
                name = case["alertname"]
                if name not in shipped.HEALED_BY:
                    found.append(f"{name}: not classified in shipped.HEALED_BY")
                    continue
                found += replay_problems(root, rebound, workdir, name, labels, annotations)
                found += route_problems(root, amtool, name, labels)
                checked += 1
    for problem in found:
        print(problem)
    if found or checked == 0:
        sys.exit(1)
    print(f"{checked} fired alerts reach their playbook or a person")


if __name__ == "__main__":
    main()
