"""The shipped monitoring artifacts (rules/, alerts/, dashboards/, docs/runbooks.md), loaded
for the tests in this folder. Each test takes the source tree's root as its first argument."""

import glob
import json
import os
import re

import yaml


def alert_rules(root):
    """Every alerting rule in alerts/*.rules.yml as (file, rule), in file order."""
    found = []
    for path in sorted(glob.glob(os.path.join(root, "alerts", "*.rules.yml"))):
        with open(path) as f:
            for group in yaml.safe_load(f)["groups"]:
                found += [(path, rule) for rule in group["rules"] if "alert" in rule]
    return found


def alert_tests(root):
    """Every alert_rule_test case of alerts/tests/*.test.yml as (file, case)."""
    found = []
    for path in sorted(glob.glob(os.path.join(root, "alerts", "tests", "*.test.yml"))):
        with open(path) as f:
            for test in yaml.safe_load(f)["tests"]:
                found += [(path, case) for case in test.get("alert_rule_test", [])]
    return found


def dashboards(root):
    """Every dashboards/*.json as (file, parsed JSON or the json.JSONDecodeError)."""
    found = []
    for path in sorted(glob.glob(os.path.join(root, "dashboards", "*.json"))):
        with open(path) as f:
            try:
                found.append((path, json.load(f)))
            except json.JSONDecodeError as e:
                found.append((path, e))
    return found


def markdown_anchors(path):
    """The GitHub anchors of the headings of a Markdown file."""
    anchors = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"#+\s+(.*?)\s*$", line)
            if m:
                anchor = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
                anchors.add(anchor)
    return anchors


# Which playbook (metadata.name) heals each shipped alert; None: it goes to a person. Every
# alert must be listed: tests/monitoring/alert_playbooks_test.py checks that replaying each
# fired alert picks this playbook and that Alertmanager routes it to the matching receiver.
HEALED_BY = {
    "KubePodCrashLooping": "crashloop-restart-then-rollback",
    "KubePodNotReady": "pod-not-ready-replace",
    "ContainerMemoryGrowth": "memory-growth-restart",
    "KubeDeploymentReplicasMismatch": "replicas-unavailable-restore",
    "HighErrorRate": "overload-scale-up",
    "HighLatency": "overload-scale-up",
    "HighDependencyErrorRate": "dependency-errors-restart",
    "DatabaseConnectionPoolExhausted": "connection-pool-restart",
    "KubeDeploymentScaledDown": "restore-replicas",
    "KubeDeploymentRolloutStuck": "rollout-stuck-rollback",
    "KubeNodeNotReady": None,
    "KubeNodeUnschedulable": None,
    "WorkloadAnomalous": None,
    "ReboundDown": None,
    "ReboundHealingFailed": None,
    "ReboundTargetEscalated": None,
    "ReboundGuardrailStorm": None,
    "ReboundJournalErrors": None,
    "ReboundChaosRecoveryFailed": None,
    "ReboundChaosRecoverySlow": None,
    "ReboundChaosRestoreOwed": None,
    "ReboundPlaybookUnproven": None,
}
