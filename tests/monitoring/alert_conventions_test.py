#!/usr/bin/env python3
"""The shipped alerting rules follow the monitoring-mixin conventions (DESIGN.md section 11):
CamelCase names; severity critical, warning or info; a static summary, a templated
description, and a runbook_url docs/runbooks.md#<alertname lowercased> that names a heading of
docs/runbooks.md; every alert fires in a promtool test and stays silent in one; every alert is
classified in shipped.HEALED_BY.

Usage: alert_conventions_test.py SOURCE_ROOT"""

import os
import re
import sys

import shipped


def problems(root):
    found = []
    anchors = shipped.markdown_anchors(os.path.join(root, "docs", "runbooks.md"))
    rules = shipped.alert_rules(root)
    if not rules:
        found.append("no alerting rules found under alerts/")
    names = set()
    for path, rule in rules:
        name = rule["alert"]
        names.add(name)
        where = f"{os.path.relpath(path, root)}: {name}"
        if not re.fullmatch(r"(?:[A-Z][a-z0-9]+)+", name):
            found.append(f"{where}: alert names are CamelCase")
        severity = rule.get("labels", {}).get("severity")
        if severity not in ("critical", "warning", "info"):
            found.append(f"{where}: severity {severity!r} is not critical, warning or info")
        annotations = rule.get("annotations", {})
        summary = annotations.get("summary", "")
        if not summary or "{{" in summary:
            found.append(f"{where}: summary must be a static headline, got {summary!r}")
        if "{{" not in annotations.get("description", ""):
            found.append(f"{where}: description must be a template naming what to look at")
        url = annotations.get("runbook_url", "")
        if url != f"docs/runbooks.md#{name.lower()}":
            found.append(f"{where}: runbook_url {url!r} is not docs/runbooks.md#{name.lower()}")
        elif name.lower() not in anchors:
            found.append(f"{where}: docs/runbooks.md has no heading for #{name.lower()}")
        if name not in shipped.HEALED_BY:
            found.append(f"{where}: not classified in tests/monitoring/shipped.py HEALED_BY")
    for name in sorted(set(shipped.HEALED_BY) - names):
        found.append(f"HEALED_BY lists {name}, which no alerting rule defines")

    fired, silent = set(), set()
    for _, case in shipped.alert_tests(root):
        (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    for name in sorted(names):
        if name not in fired:
            found.append(f"{name}: no promtool test case in which it fires")
        if name not in silent:
            found.append(f"{name}: no promtool test case in which it stays silent")
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    found = problems(sys.argv[1])
    for problem in found:
        print(problem)
    if found:
        sys.exit(1)
    print(f"{len(shipped.alert_rules(sys.argv[1]))} alerting rules follow the conventions")


if __name__ == "__main__":
    main()
