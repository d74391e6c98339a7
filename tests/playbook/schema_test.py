#!/usr/bin/env python3
"""The JSON Schemas of playbook files (playbooks/schemas/) agree with Rebound's own parser:

- every shipped playbook file (playbooks/*.yaml) starts with the yaml-language-server modeline
  naming the top-level schema by a path that exists, and every document in it validates;
  `rebound check` with the `playbooks/*.yaml` glob accepts the files (comments and all) and
  reads exactly them, not the schemas;
- a table of bad documents, each of which `rebound check` rejects (with the expected message),
  is rejected by the schema too; and each good variant passes both, so that the schema is
  neither looser nor stricter than the parser on these cases.

Both the schemas' dialect (draft-07) and the validator calls work with python3-jsonschema 4.10
(Debian bookworm) and later releases.

Usage: schema_test.py SOURCE_ROOT REBOUND_BINARY"""

import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import jsonschema
import yaml

ROOT = ""
REBOUND = ""
TOP = "rebound-document.schema.json"
MODELINE = "# yaml-language-server: $schema=schemas/" + TOP


def load_validator(schema_dir):
    """A draft-07 validator of the top-level schema that resolves the relative $refs between
    the schema files from the files themselves."""
    schemas = {}
    for path in glob.glob(os.path.join(schema_dir, "*.schema.json")):
        with open(path) as f:
            schemas[os.path.basename(path)] = json.load(f)
    for schema in schemas.values():
        jsonschema.Draft7Validator.check_schema(schema)
    try:  # jsonschema >= 4.18
        import referencing
        import referencing.jsonschema
        registry = referencing.Registry().with_resources(
            (name, referencing.jsonschema.DRAFT7.create_resource(schema))
            for name, schema in schemas.items())
        return jsonschema.Draft7Validator(schemas[TOP], registry=registry)
    except ImportError:  # 4.10: RefResolver with the files as its store
        resolver = jsonschema.RefResolver(base_uri="", referrer=schemas[TOP], store=schemas)
        return jsonschema.Draft7Validator(schemas[TOP], resolver=resolver)


def schema_errors(validator, documents):
    """The schema's complaints about `documents`, one line each."""
    out = []
    for i, doc in enumerate(documents):
        for e in validator.iter_errors(doc):
            where = "/".join(str(p) for p in e.absolute_path)
            out.append(f"document {i} at {where or '(top)'}: {e.message}")
    return out


def rebound_check(workdir, texts):
    """Runs `rebound check` once on playbook files holding `texts`, in order. Returns its exit
    status, its output, and the lines of the output about each file (by index)."""
    paths = []
    for i, text in enumerate(texts):
        paths.append(os.path.join(workdir, f"case-{i:03}.yaml"))
        with open(paths[-1], "w") as f:
            f.write(text)
    config = os.path.join(workdir, "rebound.yaml")
    with open(config, "w") as f:
        f.write(f"listen: 127.0.0.1:0\nstate_dir: {workdir}/state\nplaybooks: {json.dumps(paths)}\n")
    run = subprocess.run([REBOUND, "check", "-c", config], capture_output=True, text=True,
                         timeout=120)
    output = run.stdout + run.stderr
    lines = output.splitlines()
    per_file = [[line for line in lines if line.startswith(path + ":")] for path in paths]
    return run.returncode, output, per_file


def dump(documents):
    return "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in documents)


PLAYBOOK = {
    "apiVersion": "rebound.io/v1",
    "kind": "Playbook",
    "metadata": {"name": "restore"},
    "spec": {
        "match": ['alertname = "KubeDeploymentScaledDown"'],
        "target": {"kind": "Deployment", "namespace": "{{ labels.namespace }}",
                   "name": "{{ labels.deployment }}"},
        "steps": [
            {"action": "scale", "replicas": "+1", "max": 10, "verify": {"within": "5m"}},
            {"action": "notify", "escalate": True, "message": "{{ target }}: please look"},
        ],
        "guardrails": {"cooldown": "15m"},
    },
}

EXPERIMENT = {
    "apiVersion": "rebound.io/v1",
    "kind": "ChaosExperiment",
    "metadata": {"name": "restore-scale-down"},
    "spec": {
        "schedule": "30 10 * * Tue,Thu",
        "windows": [{"days": "Mon-Fri", "hours": "09:00-16:00"}],
        "target": {"kind": "Deployment", "namespace": "shop", "selector": "app=checkout"},
        "fault": {"type": "pod-kill", "count": 1},
        "recoverWithin": "15m",
        "expectHealing": {"playbook": "restore"},
        "abortIf": {"firingAlerts": ['severity="critical"']},
    },
}

DELETE = object()


def variant(base, *changes):
    """A deep copy of `base` with each (dotted path, value) set; DELETE removes the key. A
    numeric path segment indexes a list."""
    doc = copy.deepcopy(base)
    for path, value in changes:
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        node = doc
        for k in keys[:-1]:
            node = node[k]
        if value is DELETE:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return doc


def step(**keys):
    """A playbook variant whose first step is `keys`."""
    return variant(PLAYBOOK, ("spec.steps.0", keys))


def experiment(*changes):
    return variant(EXPERIMENT, *changes)


# (name, document, a phrase of `rebound check`'s message). Experiments are checked in a file
# after PLAYBOOK, which their expectHealing names.
BAD = [
    # --- Playbook: the document ---
    ("unknown top-level key", variant(PLAYBOOK, ("status", {})), 'unknown key "status"'),
    ("kind missing", variant(PLAYBOOK, ("kind", DELETE)), '"kind" is required'),
    ("unknown kind", variant(PLAYBOOK, ("kind", "Playbok")), 'unsupported kind "Playbok"'),
    ("unsupported apiVersion", variant(PLAYBOOK, ("apiVersion", "rebound.io/v2")),
     "unsupported apiVersion"),
    ("metadata.name missing", variant(PLAYBOOK, ("metadata", {"labels": {"a": "b"}})),
     '"metadata.name" is required'),
    ("unknown key in metadata", variant(PLAYBOOK, ("metadata.namespace", "x")),
     'unknown key "namespace" in metadata'),
    ("spec missing", variant(PLAYBOOK, ("spec", DELETE)), '"spec" is required'),
    ("unknown key in spec", variant(PLAYBOOK, ("spec.dryrun", True)),
     'unknown key "dryrun" in spec'),
    # --- match ---
    ("match missing", variant(PLAYBOOK, ("spec.match", DELETE)), '"spec.match" is required'),
    ("match empty", variant(PLAYBOOK, ("spec.match", [])), "expected a non-empty list"),
    ("match not a list", variant(PLAYBOOK, ("spec.match", 'alertname="X"')),
     "expected a non-empty list"),
    ("matcher with ==", variant(PLAYBOOK, ("spec.match.0", 'severity == "critical"')),
     "bad matcher"),
    ("matcher without operator", variant(PLAYBOOK, ("spec.match.0", "severity")), "bad matcher"),
    ("matcher with a bad label name", variant(PLAYBOOK, ("spec.match.0", '1sev = "x"')),
     "bad matcher"),
    ("two matchers in one item", variant(PLAYBOOK, ("spec.match.0", 'a="1", b="2"')),
     "expected one matcher"),
    ("matcher with a single-quoted value", variant(PLAYBOOK, ("spec.match.0", "a = 'x'")),
     "bad matcher"),
    ("matcher with an unterminated quote", variant(PLAYBOOK, ("spec.match.0", 'a = "x')),
     "bad matcher"),
    ("matcher with a bad escape", variant(PLAYBOOK, ("spec.match.0", r'a = "\q"')),
     "bad matcher"),
    ("matcher braces unclosed", variant(PLAYBOOK, ("spec.match.0", '{a="x"')), "bad matcher"),
    # --- target ---
    ("target missing", variant(PLAYBOOK, ("spec.target", DELETE)), '"spec.target" is required'),
    ("target.name missing", variant(PLAYBOOK, ("spec.target.name", DELETE)),
     '"spec.target.name" is required'),
    ("target.kind unknown", variant(PLAYBOOK, ("spec.target.kind", "Service")),
     '"spec.target.kind" must be one of'),
    ("unknown key in target", variant(PLAYBOOK, ("spec.target.selector", "app=x")),
     'unknown key "selector" in spec.target'),
    ("target names itself", variant(PLAYBOOK, ("spec.target.name", "{{ target.name }}")),
     "which is what this field defines"),
    ("template with an unknown variable",
     variant(PLAYBOOK, ("spec.target.namespace", "{{ lables.namespace }}")),
     'unknown variable "lables.namespace"'),
    ("template unterminated", variant(PLAYBOOK, ("spec.target.name", "{{ labels.deployment")),
     'unterminated "{{"'),
    ("template empty braces", variant(PLAYBOOK, ("spec.target.name", "x-{{ }}")), "empty"),
    ("template with a bad label name",
     variant(PLAYBOOK, ("spec.target.name", "{{ labels.my-label }}")), "invalid name"),
    # --- steps ---
    ("steps missing", variant(PLAYBOOK, ("spec.steps", DELETE)), '"spec.steps" is required'),
    ("steps empty", variant(PLAYBOOK, ("spec.steps", [])), "expected a non-empty list of steps"),
    ("step not a mapping", variant(PLAYBOOK, ("spec.steps.0", "restart")),
     "expected a mapping"),
    ("step without action", step(replicas="+1", max=10), '"spec.steps[0].action" is required'),
    ("unknown action", step(action="restrat"), 'unknown action "restrat"'),
    ("unknown key in a step", step(action="restart", replicas=3),
     'unknown key "replicas" in spec.steps[0]'),
    ("unknown key in verify", step(action="restart", verify={"timeout": "5m"}),
     'unknown key "timeout" in spec.steps[0].verify'),
    ("verify.within not a duration", step(action="restart", verify={"within": "5 minutes"}),
     "invalid duration"),
    ("verify.within without unit", step(action="restart", verify={"within": 300}),
     "missing unit"),
    ("verify.within units out of order", step(action="restart", verify={"within": "30m1h"}),
     "units must go from largest to smallest"),
    ("verify.within below 1s", step(action="restart", verify={"within": "500ms"}),
     "at least 1s"),
    ("verify.within zero", step(action="restart", verify={"within": "0s"}), "at least 1s"),
    ("verify.resolved a string", step(action="restart", verify={"resolved": "no"}),
     "expected a boolean"),
    ("verify.query with an unknown variable",
     step(action="restart", verify={"query": "up{pod=\"{{ label.pod }}\"}"}),
     'unknown variable "label.pod"'),
    # scale
    ("scale without replicas", step(action="scale", max=10),
     '"spec.steps[0].replicas" is required'),
    ("scale +0", step(action="scale", replicas="+0", max=10), "a change of at least 1"),
    ("scale ++1", step(action="scale", replicas="++1", max=10), "expected a replica count"),
    ("scale 3x", step(action="scale", replicas="3x"), "expected a replica count"),
    ("scale x0", step(action="scale", replicas="x0"), "above 0 and at most 100"),
    ("scale x101", step(action="scale", replicas="x101", max=10), "above 0 and at most 100"),
    ("scale x1.2345", step(action="scale", replicas="x1.2345", max=10), "at most 3 decimals"),
    ("scale x.5", step(action="scale", replicas="x.5"), "expected a replica count"),
    ("scale count above 100000", step(action="scale", replicas=100001),
     "expected a replica count"),
    ("scale -0", step(action="scale", replicas="-0"), "a change of at least 1"),
    ("scale +1 without max", step(action="scale", replicas="+1"), "is required with"),
    ("scale x2 without max", step(action="scale", replicas="x2"), "is required with"),
    ("scale x1.001 without max", step(action="scale", replicas="x1.001"), "is required with"),
    ("scale template without max", step(action="scale", replicas="{{ annotations.replicas }}"),
     "is required with a templated"),
    ("scale max 0", step(action="scale", replicas=3, max=0), "expected a positive integer"),
    ("scale min as a string", step(action="scale", replicas=3, min="1"), "expected an integer"),
    # delete_pod
    ("delete_pod with pod and count", step(action="delete_pod", pod="{{ labels.pod }}", count=1),
     "cannot be used with"),
    ("delete_pod count 0", step(action="delete_pod", count=0), "expected a positive integer"),
    ("delete_pod count above 1000", step(action="delete_pod", count=1001),
     "no larger than 1000"),
    ("delete_pod empty pod", step(action="delete_pod", pod=""), "must not be empty"),
    # notify, cordon, webhook, wait
    ("notify without message", step(action="notify", escalate=True), "is required"),
    ("notify empty message", step(action="notify", message=""), "must not be empty"),
    ("notify escalate yes", step(action="notify", message="x", escalate="yes"),
     "expected a boolean"),
    ("cordon without node", step(action="cordon"), '"spec.steps[0].node" is required'),
    ("webhook without url", step(action="webhook"), '"spec.steps[0].url" is required'),
    ("webhook ftp url", step(action="webhook", url="ftp://example.com/x"),
     "must start with http:// or https://"),
    ("webhook timeout 0", step(action="webhook", url="https://x.example", timeout="0s"),
     "expected a positive duration"),
    ("webhook header name with a space",
     step(action="webhook", url="https://x.example", headers={"X Team": "a"}),
     "not a valid header name"),
    ("webhook header value over lines",
     step(action="webhook", url="https://x.example", headers={"X-Team": "a\nb"}),
     "cannot span lines"),
    ("webhook headers a list", step(action="webhook", url="https://x.example", headers=["a"]),
     "expected a mapping of header names"),
    ("wait without duration", step(action="wait"), '"spec.steps[0].duration" is required'),
    ("wait 0", step(action="wait", duration="0"), "expected a positive duration"),
    ("restart with a key of its own", step(action="restart", message="x"),
     'unknown key "message"'),
    # --- continue, dryRun, guardrails ---
    ("continue a string", variant(PLAYBOOK, ("spec.continue", "true")), "expected a boolean"),
    ("dryRun 1", variant(PLAYBOOK, ("spec.dryRun", 1)), "expected a boolean"),
    ("unknown key in guardrails", variant(PLAYBOOK, ("spec.guardrails.coolDown", "1h")),
     'unknown key "coolDown" in spec.guardrails (did you mean "cooldown"?)'),
    ("guardrails.cooldown bad unit", variant(PLAYBOOK, ("spec.guardrails.cooldown", "15 min")),
     "invalid duration"),
    ("guardrails.maxPercent 101", variant(PLAYBOOK, ("spec.guardrails.maxPercent", 101)),
     "no larger than 100"),
    ("guardrails.maxPods 0", variant(PLAYBOOK, ("spec.guardrails.maxPods", 0)),
     "expected a positive integer"),
    ("guardrails.maxPerHour a string", variant(PLAYBOOK, ("spec.guardrails.maxPerHour", "4")),
     "expected an integer"),
    ("guardrails.minReplicas negative", variant(PLAYBOOK, ("spec.guardrails.minReplicas", -1)),
     "expected an integer"),
    # --- when.anomaly ---
    ("when without anomaly", variant(PLAYBOOK, ("spec.when", {})),
     '"spec.when.anomaly" is required'),
    ("unknown key in when", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}, "above": 0.9}, "always": True})), 'unknown key "always"'),
    ("anomaly without above", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}}})), '"spec.when.anomaly.above" is required'),
    ("anomaly above 1", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}, "above": 1}})), "expected a score between 0 and 1"),
    ("anomaly above a string", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}, "above": "0.9"}})), "expected a score between 0 and 1"),
    ("anomaly without signals", variant(PLAYBOOK, ("spec.when", {"anomaly": {"above": 0.9}})),
     '"spec.when.anomaly.signals" is required'),
    ("anomaly with no signal", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {}, "above": 0.9}})), "expected a mapping of signal names"),
    ("anomaly with 17 signals", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {f"s{i}": "sum(up)" for i in range(17)}, "above": 0.9}})),
     "at most 16"),
    ("anomaly signal empty", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": ""}, "above": 0.9}})), "expected a PromQL query"),
    ("anomaly onMissingData maybe", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}, "above": 0.9, "onMissingData": "maybe"}})),
     "must be one of act, skip"),
    ("anomaly lookback below 1s", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}, "above": 0.9, "lookback": "900ms"}})), "at least 1s"),
    ("unknown key in anomaly", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}, "above": 0.9, "window": "1h"}})),
     'unknown key "window" in spec.when.anomaly'),

    # --- ChaosExperiment ---
    ("experiment: unknown key in spec", experiment(("spec.schedul", "@daily")),
     'unknown key "schedul" in spec'),
    ("experiment: name not DNS", experiment(("metadata.name", "Restore_Scale")),
     "is not a valid experiment name"),
    ("experiment: apiVersion missing", experiment(("apiVersion", DELETE)),
     '"apiVersion" is required'),
    ("experiment: fault missing", experiment(("spec.fault", DELETE)), '"spec.fault" is required'),
    ("experiment: unknown fault type", experiment(("spec.fault.type", "pod-kil")),
     'unknown fault "pod-kil"'),
    ("experiment: unknown key in fault", experiment(("spec.fault.pods", 1)),
     'unknown key "pods" in spec.fault'),
    ("experiment: pod-kill without an amount", experiment(("spec.fault.count", DELETE)),
     "needs exactly one of"),
    ("experiment: pod-kill with count and percent", experiment(("spec.fault.percent", 50)),
     "needs exactly one of"),
    ("experiment: scale-to-zero with count",
     experiment(("spec.fault", {"type": "scale-to-zero", "count": 1})), "takes no"),
    ("experiment: percent 100 without allowTotalOutage",
     experiment(("spec.fault", {"type": "scale-down", "percent": 100})),
     "allowTotalOutage"),
    ("experiment: percent 101",
     experiment(("spec.fault", {"type": "scale-down", "percent": 101})),
     "no larger than 100"),
    ("experiment: recoverWithin missing", experiment(("spec.recoverWithin", DELETE)),
     '"spec.recoverWithin" is required'),
    ("experiment: recoverWithin bad", experiment(("spec.recoverWithin", "15 minutes")),
     "invalid duration"),
    ("experiment: target missing", experiment(("spec.target", DELETE)),
     '"spec.target" is required'),
    ("experiment: target kind Pod", experiment(("spec.target.kind", "Pod")), "must be one of"),
    ("experiment: selector and name", experiment(("spec.target.name", "checkout")),
     "needs exactly one of"),
    ("experiment: neither selector nor name", experiment(("spec.target.selector", DELETE)),
     "needs exactly one of"),
    ("experiment: pick with name",
     experiment(("spec.target.selector", DELETE), ("spec.target.name", "checkout"),
                ("spec.target.pick", "random")), "nothing to choose"),
    ("experiment: unknown pick", experiment(("spec.target.pick", "oldest")), "must be one of"),
    ("experiment: workload without namespace", experiment(("spec.target.namespace", DELETE)),
     '"spec.target.namespace" is required'),
    ("experiment: namespace not DNS", experiment(("spec.target.namespace", "Shop")),
     "is not a namespace name"),
    ("experiment: Node with namespace",
     experiment(("spec.target.kind", "Node"), ("spec.fault", {"type": "cordon-node"})),
     "Nodes have no namespace"),
    ("experiment: Node with a workload fault",
     experiment(("spec.target", {"kind": "Node", "selector": "pool=a"})),
     "a Node target takes only"),
    ("experiment: empty selector", experiment(("spec.target.selector", " ")),
     "an empty selector"),
    ("experiment: selector with >", experiment(("spec.target.selector", "replicas>3")),
     "bad label selector"),
    ("experiment: selector in without parentheses",
     experiment(("spec.target.selector", "tier in web")), "bad label selector"),
    ("experiment: selector with a trailing comma",
     experiment(("spec.target.selector", "app=checkout,")), "bad label selector"),
    ("experiment: selector value with a slash",
     experiment(("spec.target.selector", "app=a/b")), "bad label selector"),
    ("experiment: cron with 4 fields", experiment(("spec.schedule", "30 10 * *")),
     "has 4 field(s)"),
    ("experiment: @reboot", experiment(("spec.schedule", "@reboot")), "unknown macro"),
    ("experiment: @every", experiment(("spec.schedule", "@every 1h")), "write a fixed period"),
    ("experiment: schedule and every", experiment(("spec.every", "6h")),
     "not both"),
    ("experiment: every below 1m",
     experiment(("spec.schedule", DELETE), ("spec.windows", DELETE), ("spec.every", "30s")),
     "at least 1m"),
    ("experiment: jitter without every", experiment(("spec.jitter", "5m")), "it needs every"),
    ("experiment: windows empty", experiment(("spec.windows", [])), "non-empty list of windows"),
    ("experiment: window without days or hours", experiment(("spec.windows.0", {})),
     "a window needs days, hours or both"),
    ("experiment: unknown key in a window", experiment(("spec.windows.0.hour", "09:00-10:00")),
     'unknown key "hour"'),
    ("experiment: window hours 9-17",
     experiment(("spec.schedule", DELETE), ("spec.windows.0.hours", "9-17")),
     "expected HH:MM-HH:MM"),
    ("experiment: window days empty list", experiment(("spec.windows.0.days", [])),
     "expected a string"),
    ("experiment: timezone a path", experiment(("spec.timezone", "/etc/localtime")),
     "spec.timezone"),
    ("experiment: suspend a string", experiment(("spec.suspend", "true")), "expected a boolean"),
    ("experiment: startingDeadline 0", experiment(("spec.startingDeadline", "0s")),
     "at least 1s"),
    ("experiment: steadyState empty", experiment(("spec.steadyState", [])),
     "non-empty list of PromQL queries"),
    ("experiment: steadyState blank", experiment(("spec.steadyState", ["  "])),
     "is not a PromQL query"),
    ("experiment: expectHealing without playbook", experiment(("spec.expectHealing", {})),
     '"spec.expectHealing.playbook" is required'),
    ("experiment: expectHealing a string", experiment(("spec.expectHealing", "restore")),
     "expected a mapping"),
    ("experiment: abortIf without firingAlerts", experiment(("spec.abortIf", {})),
     '"spec.abortIf.firingAlerts" is required'),
    ("experiment: firingAlerts empty", experiment(("spec.abortIf.firingAlerts", [])),
     "non-empty list of Alertmanager matchers"),
    ("experiment: firingAlerts bad matcher",
     experiment(("spec.abortIf.firingAlerts", ["severity==critical"])), "bad matcher"),
    ("experiment: firingAlerts empty braces", experiment(("spec.abortIf.firingAlerts", ["{}"])),
     "no matcher given"),
]

# What only `rebound check` can tell: relations between values, regular expressions, names
# defined elsewhere, the calendar. The schema accepts these (asserted, so that this list stays
# the true list of what an editor cannot show); `rebound check` rejects them.
PARSER_ONLY = [
    ("invalid RE2 regular expression", variant(PLAYBOOK, ("spec.match.0", 'pod =~ "(?<=x)y"')),
     "RE2 has no lookbehind"),
    ("template label the matchers require absent",
     variant(PLAYBOOK, ("spec.match", ['alertname="X"', 'canary=""']),
             ("spec.steps.1.message", "{{ labels.canary }}")), "could never be filled"),
    ("scale min above max", step(action="scale", replicas="-1", min=5, max=3), "is above"),
    ("scale count above max", step(action="scale", replicas=20, max=10), "is above max 10"),
    ("anomaly with too few points", variant(PLAYBOOK, ("spec.when", {"anomaly": {
        "signals": {"a": "sum(up)"}, "above": 0.9, "lookback": "5m", "step": "30s"}})),
     "fewer than the 30"),
    ("experiment: window across midnight",
     experiment(("spec.schedule", DELETE), ("spec.windows.0.hours", "22:00-06:00")),
     "crosses midnight"),
    ("experiment: cron minute out of range", experiment(("spec.schedule", "61 10 * * *")),
     "is outside 0-59"),
    ("experiment: schedule outside the windows", experiment(("spec.schedule", "0 20 * * *")),
     "never fires inside"),
    ("experiment: unknown time zone", experiment(("spec.timezone", "Mars/Olympus_Mons")),
     "spec.timezone"),
    ("experiment: jitter not shorter than every",
     experiment(("spec.schedule", DELETE), ("spec.every", "1h"), ("spec.jitter", "1h")),
     "must be shorter than"),
    ("experiment: expectHealing names no loaded playbook",
     experiment(("spec.expectHealing.playbook", "restor")), 'did you mean "restore"'),
    ("experiment: steadyState unbalanced", experiment(("spec.steadyState", ["sum(up"])),
     "is not a PromQL query"),
]

# Documents both must accept: the corners of each syntax, so that the schema is not stricter
# than the parser.
GOOD = [
    ("base playbook", PLAYBOOK),
    ("base experiment", EXPERIMENT),
    ("matchers of every form", variant(PLAYBOOK, ("spec.match", [
        'alertname="KubeDeploymentScaledDown"', "namespace =~ \"shop|checkout-.*\"",
        "severity != info", 'pod !~ "canary-.*"', 'canary = ""',
        '{cluster="eu-1"}', '{ team != "" , }', 'msg = "a \\"q\\" \\n \\u00e9 \\x41 \\101"',
        '"quoted_name" = x', "path=/api/v1", "severity=critical,"]))),
    ("everything a playbook may set", variant(PLAYBOOK,
        ("metadata", {"name": "all", "labels": {"team": "shop"}, "annotations": {"a": "b"}}),
        ("spec.continue", True), ("spec.dryRun", False),
        ("spec.target", {"kind": "Pod", "namespace": "ns-{{labels.namespace}}",
                         "name": "{{ labels.pod }}"}),
        ("spec.when", {"anomaly": {
            "signals": {"traffic": 'sum(rate(x{ns="{{ target.namespace }}"}[5m]))',
                        "errors": "sum(rate(errors_total[5m]))"},
            "lookback": "6h", "step": "1m", "above": 0.99, "onMissingData": "skip"}}),
        ("spec.guardrails", {"cooldown": 0, "maxPerHour": 0, "maxPods": 100000, "maxPercent": 1,
                             "minReplicas": 100000}),
        ("spec.steps", [
            {"action": "restart",
             "verify": {"within": "1h30m", "resolved": False,
                        "query": "sum(up{job=\"{{ target.name }}\"}) > 0 or {{ playbook }}"}},
            {"action": "rollback", "verify": {"within": "1s"}},
            {"action": "delete_pod", "pod": "{{ labels.pod }}"},
            {"action": "delete_pod", "count": 1000},
            {"action": "delete_pod"},
            {"action": "scale", "replicas": 0},
            {"action": "scale", "replicas": "100000"},
            {"action": "scale", "replicas": "-3", "min": 1},
            {"action": "scale", "replicas": -2},
            {"action": "scale", "replicas": "x0.5"},
            {"action": "scale", "replicas": "x1"},
            {"action": "scale", "replicas": "x1.000"},
            {"action": "scale", "replicas": "x100", "max": 100000},
            {"action": "scale", "replicas": "x1.5", "max": 10, "min": 0},
            {"action": "scale", "replicas": "{{ annotations.replicas }}", "max": 100},
            {"action": "cordon", "node": "{{ labels.node }}"},
            {"action": "notify", "message": "{{alert.name}} {{ alert.status }} {{ alert.startsAt }}"
                                            " {{ alert.fingerprint }} {{ alert.generatorURL }} }} {"},
            {"action": "webhook", "url": "{{ annotations.hook }}"},
            {"action": "webhook", "url": "https://hooks.example/x?a={{ labels.pod }}",
             "body": '{"pod": "{{ labels.pod }}"}', "timeout": "1ms",
             "headers": {"X-Team": "shop: a", "Authorization": "Bearer x"}},
            {"action": "wait", "duration": "1m30s", "verify": {"within": "5m"}},
        ]))),
    ("everything an experiment may set", experiment(
        ("metadata", {"name": "a.b-1", "labels": {"x": "y"}}),
        ("spec", {
            "every": "6h", "jitter": "30m", "timezone": "Europe/Berlin",
            "windows": [{"days": ["Mon-Fri", "SAT"]}, {"hours": "00:00-24:00"},
                        {"days": "1-5", "hours": "09:30-17:00"}],
            "suspend": True, "startingDeadline": "90s",
            "target": {"kind": "StatefulSet", "namespace": "db",
                       "selector": "app.kubernetes.io/name in (pg, redis), !canary, tier,"
                                   " env!=prod, x==y, e=",
                       "pick": "least-recently-proven"},
            "fault": {"type": "pod-kill", "percent": 100},
            "allowTotalOutage": True,
            "steadyState": ["up == 1"],
            "recoverWithin": "1s",
            "expectHealing": {"playbook": "restore"},
            "abortIf": {"firingAlerts": ['{alertname=~"Kube.*", namespace="shop"}',
                                         'severity = "critical", team!=""']},
            "dryRun": True,
        }))),
    ("a node experiment with a macro schedule", experiment(
        ("spec.schedule", "@Daily"), ("spec.windows", DELETE),
        ("spec.target", {"kind": "Node", "name": "node-1"}),
        ("spec.fault", {"type": "cordon-node"}))),
    ("a manual scale-down experiment", experiment(
        ("spec.schedule", DELETE), ("spec.windows", DELETE),
        ("spec.target", {"kind": "Deployment", "namespace": "shop", "name": "checkout"}),
        ("spec.fault", {"type": "scale-down", "count": 10000}),
        ("spec.every", "1m"))),
    ("a cron schedule with ranges, steps and names", experiment(
        ("spec.schedule", " */15 9-17/2 1,15 JAN-jun MON-FRI "), ("spec.windows", DELETE))),
]


class ShippedFiles(unittest.TestCase):
    def test_every_shipped_document_validates(self):
        validator = load_validator(os.path.join(ROOT, "playbooks", "schemas"))
        files = sorted(glob.glob(os.path.join(ROOT, "playbooks", "*.yaml")))
        self.assertGreater(len(files), 0)
        kinds = set()
        for path in files:
            with self.subTest(file=os.path.basename(path)):
                with open(path) as f:
                    text = f.read()
                first_line = text.split("\n", 1)[0]
                self.assertEqual(first_line, MODELINE)
                # yaml-language-server reads a modeline per document: repeat it after each ---.
                self.assertEqual(text.count("\n---\n"), text.count("\n---\n" + MODELINE + "\n"))
                schema = os.path.join(os.path.dirname(path), first_line.split("$schema=", 1)[1])
                self.assertTrue(os.path.isfile(schema), schema)
                documents = [d for d in yaml.safe_load_all(text) if d is not None]
                self.assertGreater(len(documents), 0)
                kinds.update(d.get("kind") for d in documents)
                self.assertEqual(schema_errors(validator, documents), [])
        self.assertEqual(kinds, {"Playbook", "ChaosExperiment"})

    def test_rebound_check_reads_the_shipped_glob_and_only_it(self):
        files = glob.glob(os.path.join(ROOT, "playbooks", "*.yaml"))
        with tempfile.TemporaryDirectory() as workdir:
            config = os.path.join(workdir, "rebound.yaml")
            with open(config, "w") as f:
                f.write(f"listen: 127.0.0.1:0\nstate_dir: {workdir}/state\n"
                        f"playbooks: [\"{ROOT}/playbooks/*.yaml\"]\n")
            run = subprocess.run([REBOUND, "check", "-c", config], capture_output=True,
                                 text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertRegex(run.stdout + run.stderr, rf"OK \(\d+ playbook\(s\) and \d+ experiment\(s\) in {len(files)} file\(s\)\)")
        self.assertFalse([f for f in files if "schema" in os.path.basename(f)])


class SchemaAgreesWithTheParser(unittest.TestCase):
    """Each table runs `rebound check` once, with one file per case, and reads its messages per
    file. Experiments name PLAYBOOK (expectHealing), which is in a file of its own."""

    @classmethod
    def setUpClass(cls):
        cls.validator = load_validator(os.path.join(ROOT, "playbooks", "schemas"))

    def check_rejected(self, cases, base, schema_rejects):
        """rebound check rejects each of `cases` with its message; the schema rejects them too
        when `schema_rejects`, and accepts them otherwise."""
        names = [name for name, _, _ in cases]
        self.assertEqual(len(names), len(set(names)), "case names must be unique")
        with tempfile.TemporaryDirectory() as workdir:
            status, output, per_file = rebound_check(
                workdir, [dump(base)] + [dump([doc]) for _, doc, _ in cases])
        self.assertEqual(status, 1, output)
        self.assertEqual(per_file[0], [], "the base file must be valid")
        for (name, doc, message), lines in zip(cases, per_file[1:]):
            with self.subTest(name):
                self.assertTrue(any(message in line for line in lines),
                                f"rebound check did not reject it with {message!r}: {lines}")
                errors = schema_errors(self.validator, [doc])
                if schema_rejects:
                    self.assertNotEqual(errors, [], f"the schema accepts it; rebound check: {lines}")
                else:
                    self.assertEqual(errors, [], "the schema rejects it: move it to BAD")

    @staticmethod
    def split(cases):
        """(playbook cases, experiment cases): experiments are checked with PLAYBOOK loaded."""
        return ([c for c in cases if c[1].get("kind") != "ChaosExperiment"],
                [c for c in cases if c[1].get("kind") == "ChaosExperiment"])

    def test_bad_playbooks_are_rejected_by_both(self):
        self.check_rejected(self.split(BAD)[0], [], schema_rejects=True)

    def test_bad_experiments_are_rejected_by_both(self):
        self.check_rejected(self.split(BAD)[1], [PLAYBOOK], schema_rejects=True)

    def test_what_only_rebound_check_rejects(self):
        playbooks, experiments = self.split(PARSER_ONLY)
        self.check_rejected(playbooks, [], schema_rejects=False)
        self.check_rejected(experiments, [PLAYBOOK], schema_rejects=False)

    def test_good_documents_pass_both(self):
        # Unique names across the files: the base PLAYBOOK is loaded once, on its own.
        docs = [variant(doc, ("metadata.name", f"good-{i}")) for i, (_, doc) in enumerate(GOOD)]
        for (name, _), doc in zip(GOOD, docs):
            with self.subTest(name):
                self.assertEqual(schema_errors(self.validator, [doc]), [])
        with tempfile.TemporaryDirectory() as workdir:
            status, output, _ = rebound_check(workdir, [dump([PLAYBOOK])] + [dump([d]) for d in docs])
        playbooks = 1 + sum(d["kind"] == "Playbook" for d in docs)
        self.assertEqual(status, 0, output)
        self.assertIn(f"OK ({playbooks} playbook(s) and {len(docs) + 1 - playbooks} experiment(s)"
                      f" in {len(docs) + 1} file(s))", output)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ROOT = os.path.abspath(sys.argv[1])
    REBOUND = sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=1)
