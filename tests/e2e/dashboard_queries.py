#!/usr/bin/env python3
"""Every query of the shipped dashboards (dashboards/*.json: each query variable and each panel
target), with the variables set for what the demo healed, run against the demo's Prometheus
once Rebound has healed and a chaos run has recovered: each must parse and return data.

The queries, their substitution and the calls to Prometheus are tests/monitoring/
dashboards_test.py's. A target Grafana runs as a range query runs over the demo so far (as the
dashboard over its time range), an instant one at the moment of the check. Variables:
namespace `shop`; on the overview and workload dashboards the workload `search` and the
playbook `overload-scale-up` that scaled it out; on the chaos dashboard the experiment that
ran, its target and `restore-replicas`. A query that returns nothing is tried again until the
deadline (an instant one may need the next minute of a subquery), then is a failure, but for
the entries of OTHER_VALUES (run with other values, still must return data) and ALLOWED_EMPTY
(each with its reason).

demo_e2e.py calls check(); run alone against a running (or restarted) demo Prometheus:
  dashboard_queries.py SOURCE_ROOT PROMETHEUS_URL START_UNIX_TIME [CHAOS_TARGET]"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "monitoring"))

import dashboards_test  # noqa: E402
import shipped  # noqa: E402

HEALED = {"namespace": "shop", "workload": "search", "playbook": "overload-scale-up"}


def values(uid, chaos_target):
    """The variables of dashboard `uid`."""
    if uid == "rebound-chaos":
        return {"namespace": "shop", "workload": chaos_target,
                "experiment": "demo-scale-to-zero", "playbook": "restore-replicas"}
    return HEALED


# (dashboard uid, where as board_queries() names it) -> (values, reason): the query has no data
# for the healed workload by nature, but must have some for these.
OTHER_VALUES = {
    ("rebound-workload", "panel 'Firing alerts' B"): (
        dict(HEALED, workload="cart"),
        "alerts on pods: search's alerts are on its Deployment; cart's ContainerMemoryGrowth is "
        "on its pods"),
    ("rebound-workload", "panel 'Working set against the limit' A"): (
        dict(HEALED, workload="cart"),
        "containers with a memory limit only: in the demo's shop only cart has one"),
}

# (dashboard uid, where) -> why the query may return nothing in the demo. Keep it short.
ALLOWED_EMPTY = {}


def run_one(base, expr, instant, start):
    now = time.time()
    if instant:
        return dashboards_test.query(base, expr)
    return dashboards_test.query_range(base, expr, start, now, "5s")


def check(root, base, start, chaos_target, deadline_seconds=90):
    """Runs every query; returns (number checked, [problem])."""
    pending, checked = [], 0
    for path, board in shipped.dashboards(root):
        if isinstance(board, Exception):
            return checked, ["%s: not valid JSON: %s" % (path, board)]
        uid = board.get("uid")
        for where, expr, instant in dashboards_test.board_queries(board):
            key = (uid, where)
            chosen = OTHER_VALUES[key][0] if key in OTHER_VALUES else values(uid, chaos_target)
            pending.append((key, dashboards_test.substitute(expr, chosen), instant))
    if not pending:
        return 0, ["no dashboard queries under %s/dashboards" % root]
    problems, empty = [], {}
    deadline = time.time() + deadline_seconds
    while pending:
        retry = []
        for key, q, instant in pending:
            answer = run_one(base, q, instant, start)
            if answer.get("status") != "success":
                problems.append("%s %s: %s\n  -> %s" % (key[0], key[1], q,
                                                         json.dumps(answer)[:300]))
                checked += 1
            elif answer["data"]["result"]:
                checked += 1
                empty.pop(key, None)
            else:
                empty[key] = q
                if key not in ALLOWED_EMPTY:
                    retry.append((key, q, instant))
        if not retry or time.time() >= deadline:
            break
        pending = retry
        time.sleep(2)
    for key, q in empty.items():
        checked += 1
        if key not in ALLOWED_EMPTY:
            problems.append("%s %s: no data for %s" % (key[0], key[1], q))
    return checked, problems


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    root, base, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    target = sys.argv[4] if len(sys.argv) == 5 else "indexer"
    checked, problems = check(root, base, start, target, deadline_seconds=0)
    for p in problems:
        print(p)
    print("%d dashboard queries run, %d problem(s)" % (checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
