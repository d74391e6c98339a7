#!/usr/bin/env python3
"""Writes the demo stack's configuration (scripts/demo.sh) into its run folder, from the
shipped files, changing only what a local run on chosen ports must change:

  rules          the shipped rules/ and alerts/ files with every `for:` capped (production
                 alerts wait minutes; a demo cannot). Expressions, labels, names: unchanged
                 (the files are copied line by line, only `for:` lines are rewritten).
  alertmanager   alerts/alertmanager.yml with Rebound's URL and token file, the `oncall`
                 receiver posting to the local Slack sink, and shorter group_wait and
                 group_interval. Routes, matchers and inhibitions: unchanged.
  prometheus     a prometheus.yml: 1 s scrape and evaluation, kubesim, Rebound, and the
                 blackbox exporter probing every Service of the scenario through kubesim's
                 service proxy.
  rebound        deploy/local/rebound.yaml with the ports, Prometheus, Alertmanager, the
                 Slack sink, the kubeconfig, the shipped playbooks and the demo experiments.

Usage: stack_config.py RUN_DIR PORTS_JSON [--for-cap 20s] [--group-wait 3s]
       [--group-interval 5s]
PORTS_JSON: {"kubesim":..., "prometheus":..., "alertmanager":..., "rebound":...,
             "blackbox":..., "slack":...}. Python 3 with PyYAML."""

import argparse
import glob
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

DURATION = re.compile(r"^((\d+)(ms|s|m|h|d|w|y))+$")
UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800,
                "y": 31536000}
FOR_LINE = re.compile(r"^(\s*for:\s*)(\S+)(\s*(#.*)?)$")


def seconds(duration):
    """Seconds in a Prometheus duration ("1h30m"); ValueError for anything else."""
    if not DURATION.match(duration):
        raise ValueError("invalid duration %r" % duration)
    return sum(int(n) * UNIT_SECONDS[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", duration))


def cap_for(text, cap):
    """The rule file `text` with every `for:` longer than `cap` set to it, and how many."""
    out, changed = [], 0
    for line in text.splitlines(keepends=True):
        m = FOR_LINE.match(line.rstrip("\n"))
        if m and seconds(m.group(2)) > seconds(cap):
            line = m.group(1) + cap + m.group(3) + "\n"
            changed += 1
        out.append(line)
    return "".join(out), changed


def write_rules(run_dir, cap):
    out_dir = os.path.join(run_dir, "rules")
    os.makedirs(out_dir, exist_ok=True)
    written, total = [], 0
    sources = sorted(glob.glob(os.path.join(REPO, "rules", "*.rules.yml")) +
                     glob.glob(os.path.join(REPO, "alerts", "*.rules.yml")))
    for source in sources:
        with open(source) as f:
            text, changed = cap_for(f.read(), cap)
        name = os.path.basename(os.path.dirname(source)) + "-" + os.path.basename(source)
        path = os.path.join(out_dir, name)
        with open(path, "w") as f:
            f.write("# Derived from %s for the demo: every `for:` capped at %s.\n" %
                    (os.path.relpath(source, REPO), cap))
            f.write(text)
        written.append(path)
        total += changed
    return written, total


def write_alertmanager(run_dir, ports, group_wait, group_interval):
    with open(os.path.join(REPO, "alerts", "alertmanager.yml")) as f:
        config = yaml.safe_load(f)

    def shorten(route):
        for key, value in (("group_wait", group_wait), ("group_interval", group_interval)):
            if key in route:
                route[key] = value
        for child in route.get("routes", []):
            shorten(child)

    shorten(config["route"])
    for receiver in config["receivers"]:
        if receiver["name"] == "rebound":
            hook = receiver["webhook_configs"][0]
            hook["url"] = "http://127.0.0.1:%d/webhook/alertmanager" % ports["rebound"]
            hook["http_config"]["authorization"]["credentials_file"] = os.path.join(
                run_dir, "webhook-token")
        elif receiver["name"] == "oncall":
            receiver.pop("webhook_configs", None)
            receiver["slack_configs"] = [{
                "api_url": "http://127.0.0.1:%d/oncall" % ports["slack"],
                "channel": "#oncall",
                "send_resolved": True,
                "title": '{{ .Status | toUpper }}: {{ .CommonLabels.alertname }}',
                "text": '{{ range .Alerts }}{{ .Annotations.summary }} '
                        '{{ .Labels.namespace }} {{ .Labels.deployment }}{{ .Labels.pod }}'
                        '{{ .Labels.name }}\n{{ end }}',
            }]
    path = os.path.join(run_dir, "alertmanager.yml")
    with open(path, "w") as f:
        f.write("# Derived from alerts/alertmanager.yml for the demo: Rebound's URL and token\n"
                "# file, `oncall` posting to the local Slack sink, group_wait %s and\n"
                "# group_interval %s. Routes, matchers and inhibitions as shipped.\n" %
                (group_wait, group_interval))
        yaml.safe_dump(config, f, sort_keys=False)
    return path


def services(scenario):
    """(namespace, name, port) of every Service in the scenario (kubesim's default port: 80)."""
    return [(s["namespace"], s["name"], s.get("ports", [{"port": 80}])[0]["port"])
            for s in scenario.get("services", [])]


def write_prometheus(run_dir, ports, rule_files):
    with open(os.path.join(HERE, "scenario.yaml")) as f:
        scenario = yaml.safe_load(f)
    probes = [{
        "targets": ["http://127.0.0.1:%d/api/v1/namespaces/%s/services/%s:%d/proxy/" %
                    (ports["kubesim"], ns, name, port)],
        "labels": {"namespace": ns, "service": name},
    } for ns, name, port in services(scenario)]
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": rule_files,
        "alerting": {"alertmanagers": [
            {"static_configs": [{"targets": ["127.0.0.1:%d" % ports["alertmanager"]]}]}]},
        "scrape_configs": [
            {"job_name": "kubesim", "honor_labels": True,
             "static_configs": [{"targets": ["127.0.0.1:%d" % ports["kubesim"]]}]},
            {"job_name": "rebound",
             "static_configs": [{"targets": ["127.0.0.1:%d" % ports["rebound"]]}]},
            {"job_name": "blackbox", "metrics_path": "/probe", "params": {"module": ["http_2xx"]},
             "static_configs": probes,
             "relabel_configs": [
                 {"source_labels": ["__address__"], "target_label": "__param_target"},
                 {"source_labels": ["__param_target"], "target_label": "instance"},
                 {"target_label": "__address__",
                  "replacement": "127.0.0.1:%d" % ports["blackbox"]},
             ]},
        ],
    }
    path = os.path.join(run_dir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    with open(os.path.join(run_dir, "blackbox.yml"), "w") as f:
        yaml.safe_dump({"modules": {"http_2xx": {
            "prober": "http", "timeout": "1s",
            "http": {"preferred_ip_protocol": "ip4", "valid_status_codes": [200]}}}}, f)
    return path


def write_rebound(run_dir, ports):
    with open(os.path.join(HERE, "rebound.yaml")) as f:
        config = yaml.safe_load(f)
    config["listen"] = "127.0.0.1:%d" % ports["rebound"]
    config["prometheus"]["url"] = "http://127.0.0.1:%d" % ports["prometheus"]
    config["alertmanager"]["url"] = "http://127.0.0.1:%d" % ports["alertmanager"]
    config["playbooks"] = [os.path.join(REPO, "playbooks", "*.yaml"),
                           os.path.join(HERE, "experiments.yaml")]
    with open(os.path.join(run_dir, "slack-webhook-url"), "w") as f:
        f.write("http://127.0.0.1:%d/rebound\n" % ports["slack"])
    path = os.path.join(run_dir, "rebound.yaml")
    with open(path, "w") as f:
        f.write("# Derived from deploy/local/rebound.yaml for this run's ports.\n")
        yaml.safe_dump(config, f, sort_keys=False)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("ports_json")
    parser.add_argument("--for-cap", default="20s")
    parser.add_argument("--group-wait", default="3s")
    parser.add_argument("--group-interval", default="5s")
    args = parser.parse_args()
    try:
        seconds(args.for_cap)
        ports = json.loads(args.ports_json)
        rule_files, capped = write_rules(args.run_dir, args.for_cap)
        write_alertmanager(args.run_dir, ports, args.group_wait, args.group_interval)
        write_prometheus(args.run_dir, ports, rule_files)
        write_rebound(args.run_dir, ports)
    except (ValueError, KeyError, OSError, yaml.YAMLError) as e:
        print("stack_config.py: %s" % e, file=sys.stderr)
        return 1
    print("%d alerting `for:` durations capped at %s; group_wait %s, group_interval %s" %
          (capped, args.for_cap, args.group_wait, args.group_interval))
    return 0


if __name__ == "__main__":
    sys.exit(main())
