#!/usr/bin/env python3
"""The shipped Grafana dashboards (dashboards/*.json) follow DESIGN.md section 11: valid JSON,
schemaVersion at most 42, a stable uid unique across dashboards, a variable `datasource` of
type datasource labelled "Data source" that every panel and query uses, `namespace` and
`workload` variables, a description and a unit on every panel, `$__rate_interval` as the range
of every rate() and increase(), and only metrics that exist: Rebound's (docs/metrics.md), the
recording rules' (rules/), kube-state-metrics', cAdvisor's, the applications' and Prometheus'.

With --live KUBESIM PROMETHEUS it also starts kubesim (tools/kubesim/examples/shop.yaml) and a
Prometheus scraping it with the shipped rules loaded, substitutes the variables, and runs every
panel and variable query: each must be accepted, and each built on kubesim's series (all but
those on Rebound itself and ALERTS) must return data for the leaking `cart` Deployment.
tests/e2e/dashboard_queries.py runs them against the local demo, where Rebound has healed
workloads, and requires data from every one.

Usage: dashboards_test.py SOURCE_ROOT [--live KUBESIM PROMETHEUS]"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

import yaml

import shipped
from live import free_port, stop, wait_for

FUNCTIONS_NEEDING_RATE_INTERVAL = ("rate", "irate", "increase")
# Series from outside Rebound and its rules that the dashboards may read.
EXTERNAL = re.compile(r"^(kube_|container_|http_request|ALERTS$|up$)")
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "rate", "irate", "increase", "histogram_quantile",
    "label_values", "offset", "bool", "topk", "bottomk", "deriv", "abs", "clamp_min", "inf",
    "time",
}


def targets(panel):
    return [t.get("expr", "") for t in panel.get("targets", [])]


def variable_queries(dashboard):
    return [expr for _, expr, _ in board_queries(dashboard, panels=False)]


def board_queries(dashboard, panels=True):
    """Every query of a dashboard as (where, expr, instant): its query variables (where:
    "variable NAME"), then, with panels, each panel's targets (where: "panel 'TITLE' REFID");
    instant is true for the targets Grafana runs as instant queries, false for range ones
    (and for the variables, whose values come from the dashboard's time range)."""
    found = []
    for v in dashboard.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            expr = q.get("query", "") if isinstance(q, dict) else q or ""
            found.append((f"variable {v.get('name')}", expr, False))
    if panels:
        for p in dashboard.get("panels", []):
            for t in p.get("targets", []):
                found.append((f"panel {p.get('title')!r} {t.get('refId')}", t.get("expr", ""),
                              bool(t.get("instant"))))
    return found


def metric_names(expr):
    """Identifiers in a query that name series (not functions, keywords, labels or strings)."""
    text = re.sub(r'"[^"]*"', '""', expr)           # string literals
    text = re.sub(r"\{[^}]*\}", "{}", text)          # label matchers
    text = re.sub(r"\[[^\]]*\]", "[]", text)         # ranges
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = m.group(0)
        rest = text[m.end():].lstrip()
        if word in PROMQL_WORDS or rest.startswith("(") and not rest.startswith("()"):
            continue
        names.add(word)
    # label_values(metric, label): the label is not a metric.
    for m in re.finditer(r"label_values\((?:[^,()]*\([^)]*\))?[^,]*,\s*(\w+)\)", expr):
        names.discard(m.group(1))
    return names


def known_metrics(root):
    with open(os.path.join(root, "docs", "metrics.md")) as f:
        documented = set(re.findall(r"^\| `([a-z_:]+)[{`]", f.read(), re.M))
    recorded = set()
    for path in glob.glob(os.path.join(root, "rules", "*.rules.yml")):
        with open(path) as f:
            for group in yaml.safe_load(f)["groups"]:
                recorded |= {r["record"] for r in group["rules"] if "record" in r}
    return documented, recorded


def exists(name, documented, recorded):
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and name[: -len(suffix)] in documented:
            return True
    return name in documented or name in recorded or bool(EXTERNAL.match(name))


def rate_problems(expr):
    found = []
    for m in re.finditer(r"\b(%s)\s*\(" % "|".join(FUNCTIONS_NEEDING_RATE_INTERVAL), expr):
        depth, i = 1, m.end()
        while i < len(expr) and depth:
            depth += {"(": 1, ")": -1}.get(expr[i], 0)
            i += 1
        ranges = re.findall(r"\[([^\]]*)\]", expr[m.end():i])
        if not ranges or ranges[-1] != "$__rate_interval":
            found.append(f"{m.group(1)}() without [$__rate_interval]: {expr}")
    return found


def static_problems(root):
    found, uids = [], {}
    documented, recorded = known_metrics(root)
    boards = shipped.dashboards(root)
    if not boards:
        return ["no dashboards under dashboards/"]
    for path, board in boards:
        where = os.path.relpath(path, root)
        if isinstance(board, Exception):
            found.append(f"{where}: not valid JSON: {board}")
            continue
        uid = board.get("uid", "")
        if not re.fullmatch(r"[a-z0-9-]{1,40}", uid):
            found.append(f"{where}: uid {uid!r} must be a fixed short slug")
        if uid in uids:
            found.append(f"{where}: uid {uid!r} also used by {uids[uid]}")
        uids[uid] = where
        if not isinstance(board.get("schemaVersion"), int) or board["schemaVersion"] > 42:
            found.append(f"{where}: schemaVersion {board.get('schemaVersion')!r} is not <= 42")
        variables = {v.get("name"): v for v in board.get("templating", {}).get("list", [])}
        ds = variables.get("datasource", {})
        if ds.get("type") != "datasource" or ds.get("label") != "Data source" \
                or ds.get("query") != "prometheus":
            found.append(f"{where}: needs variable `datasource` (type datasource, label "
                         "\"Data source\", query prometheus)")
        for name in ("namespace", "workload"):
            if name not in variables:
                found.append(f"{where}: needs a `{name}` variable")
        for name, v in variables.items():
            if v.get("type") == "query" and v.get("datasource", {}).get("uid") != "${datasource}":
                found.append(f"{where}: variable {name} does not use ${{datasource}}")
        exprs = variable_queries(board)
        ids = set()
        panels = [p for p in board.get("panels", []) if p.get("type") != "row"]
        if not panels:
            found.append(f"{where}: no panels")
        for p in panels:
            title = f"{where}: panel {p.get('title')!r}"
            if p.get("id") in ids:
                found.append(f"{title}: id {p.get('id')} is not unique")
            ids.add(p.get("id"))
            if not p.get("description"):
                found.append(f"{title}: no description")
            if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
                found.append(f"{title}: no unit")
            if p.get("datasource", {}).get("uid") != "${datasource}":
                found.append(f"{title}: does not use ${{datasource}}")
            if not p.get("targets"):
                found.append(f"{title}: no queries")
            for t in p.get("targets", []):
                if t.get("datasource", {}).get("uid") != "${datasource}":
                    found.append(f"{title}: query {t.get('refId')} does not use ${{datasource}}")
            exprs += targets(p)
        for expr in exprs:
            found += [f"{where}: {problem}" for problem in rate_problems(expr)]
            for name in sorted(metric_names(expr)):
                if not exists(name, documented, recorded):
                    found.append(f"{where}: {name} is neither documented in docs/metrics.md, "
                                 f"recorded in rules/, nor a known external series: {expr}")
    return found


# ------------------------------------------------------------------------ live Prometheus

VALUES = {"namespace": "shop", "workload": "cart", "playbook": ".*", "experiment": ".*"}


def substitute(expr, values=None):
    """The query as Grafana sends it with the variables set to `values` (default VALUES), a
    label_values() variable query as the equivalent PromQL."""
    expr = expr.replace("$__rate_interval", "1m")
    for name, value in (values or VALUES).items():
        expr = expr.replace("$" + name, value)
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", expr.strip())
    if m:
        return f"count by ({m.group(2)}) ({m.group(1)})"
    m = re.fullmatch(r"label_values\((\w+)\)", expr.strip())
    return f"count by ({m.group(1)}) ({{{m.group(1)}!=\"\"}})" if m else expr


def query(base, expr, path="/api/v1/query", params=None):
    url = base + path + "?" + urllib.parse.urlencode(dict(params or {}, query=expr))
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        # Query errors come as JSON; a Prometheus still starting answers 503 in plain text.
        body = e.read().decode(errors="replace")
        try:
            return json.loads(body)
        except ValueError:
            return {"status": "error", "error": f"HTTP {e.code}: {body.strip()}"}


def query_range(base, expr, start, end, step):
    """/api/v1/query_range, answered as query() answers."""
    return query(base, expr, "/api/v1/query_range",
                 {"start": f"{start:.3f}", "end": f"{end:.3f}", "step": step})


def live_problems(root, kubesim_bin, prometheus_bin):
    found = []
    with tempfile.TemporaryDirectory() as work:
        kubesim = subprocess.Popen(
            [kubesim_bin, "--listen", "127.0.0.1:0", "--scenario",
             os.path.join(root, "tools", "kubesim", "examples", "shop.yaml")],
            stdout=subprocess.PIPE, stderr=open(os.path.join(work, "kubesim.log"), "w"),
            text=True)
        prometheus = None
        try:
            first = kubesim.stdout.readline()
            port = re.search(r"(\d+)\s*$", first)
            if not port:
                return [f"kubesim did not print its port: {first!r}"]
            rule_files = sorted(glob.glob(os.path.join(root, "rules", "*.rules.yml")) +
                                glob.glob(os.path.join(root, "alerts", "*.rules.yml")))
            with open(os.path.join(work, "prometheus.yml"), "w") as f:
                yaml.safe_dump({
                    "global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                               "evaluation_interval": "1s"},
                    "rule_files": rule_files,
                    "scrape_configs": [{"job_name": "kubesim", "static_configs": [
                        {"targets": [f"127.0.0.1:{port.group(1)}"]}]}],
                }, f)
            listen = f"127.0.0.1:{free_port()}"
            base = f"http://{listen}"
            prometheus = subprocess.Popen(
                [prometheus_bin, "--config.file=" + os.path.join(work, "prometheus.yml"),
                 "--storage.tsdb.path=" + os.path.join(work, "data"),
                 "--web.listen-address=" + listen],
                stdout=subprocess.DEVNULL,
                stderr=open(os.path.join(work, "prometheus.log"), "w"))
            ready = 'namespace_deployment:http_requests:rate5m{deployment="cart"}'
            if not wait_for(lambda: prometheus.poll() is None and _has_data(base, ready), 90):
                with open(os.path.join(work, "prometheus.log")) as log:
                    return [f"no recorded series from kubesim in time; prometheus log:\n"
                            + log.read()[-3000:]]
            checked = 0
            for path, board in shipped.dashboards(root):
                where = os.path.relpath(path, root)
                for _, expr, _ in board_queries(board):
                    q = substitute(expr)
                    needs_data = not re.search(r'rebound_|ALERTS|job="rebound"', q)
                    ok = wait_for(lambda: _accepted(base, q, needs_data), 45 if needs_data else 0)
                    checked += 1
                    if not ok:
                        answer = query(base, q)
                        found.append(f"{where}: {q}\n  -> {json.dumps(answer)[:300]}"
                                     + ("\n  (expected data from kubesim)" if needs_data else ""))
            if checked == 0:
                found.append("no queries to run")
        finally:
            for process in (prometheus, kubesim):
                stop(process)
    return found


def _has_data(base, expr):
    try:
        answer = query(base, expr)
    except OSError:
        return False
    return answer.get("status") == "success" and bool(answer["data"]["result"])


def _accepted(base, expr, needs_data):
    answer = query(base, expr)
    if answer.get("status") != "success":
        return False
    return bool(answer["data"]["result"]) or not needs_data


def main():
    args = sys.argv[1:]
    if len(args) not in (1, 4) or (len(args) == 4 and args[1] != "--live"):
        sys.exit(__doc__)
    found = static_problems(args[0])
    if len(args) == 4 and not found:
        found = live_problems(args[0], args[2], args[3])
    for problem in found:
        print(problem)
    if found:
        sys.exit(1)
    print("dashboards follow the conventions" + (" and every query runs" if len(args) == 4 else ""))


if __name__ == "__main__":
    main()
