#!/usr/bin/env python3
"""Checks that every #include in Rebound's sources follows the layering of DESIGN.md section 1.

The build already refuses an include of a library a target does not link (each library exports
an include root of its own). This check states the allowed arrows in one table, so that a new
link in CMake that breaks the design is caught too, and it checks third-party headers, which
sit on the system include path where the build cannot hide them (kube/ must not use
prometheus-cpp; only the one wrapper of each library may include it).

  scripts/check_layers.py [--root DIR]

Prints one line per violation (file:line: what and why) and exits 1 when there is any, 0 when
the tree is clean. Tests are exempt (they may include what they test and their fakes).
"""
import argparse
import os
import re
import sys

# Which project folders a folder's sources may include, besides its own. Folders are matched
# by the longest prefix. Dependencies point inward: app -> controller -> exporter, kube,
# anomaly, store -> common. kubesim shares no code with kube/ (only common/), so that a bug in
# one cannot hide the same bug in the other.
ALLOWED = {
    "common": [],
    "store": ["common"],
    "kube": ["common"],
    "anomaly": ["common"],
    "exporter": ["common"],
    "controller/templates": ["common"],
    "controller/intake": ["common", "store", "exporter"],
    "controller/notify": ["common", "exporter"],
    "controller/promql": ["common"],
    "controller/actions": ["common", "kube", "controller/templates", "controller/notify"],
    "controller/anomaly": ["common", "store", "anomaly", "exporter", "controller/promql"],
    "controller/playbook": ["common", "controller/templates", "controller/actions",
                            "controller/promql", "controller/anomaly"],
    "controller/chaos": ["common", "store", "kube", "exporter", "controller/actions",
                         "controller/playbook", "controller/promql", "controller/healing"],
    "controller/healing": ["common", "store", "kube", "anomaly", "exporter", "controller"],
    "app": ["common", "store", "kube", "anomaly", "exporter", "controller"],
    "tools/kubesim": ["common"],
    "tools/rebound-nab": ["common", "anomaly"],
}

# Third-party headers that only some places may include (by path prefix of the includer).
# Everything not listed here (the standard library, nlohmann, fmt, spdlog, yaml-cpp) is open
# to all. The exporter defines every family; controller/ parts only hand it the registry and
# hold the series handles (prometheus::Gauge&) its classes return.
THIRD_PARTY = {
    "prometheus/": ["exporter", "app", "controller", "tools/kubesim"],
    "Eigen/": ["anomaly"],
    "curl/": ["common/http_client.cc", "common/percent_encoding.cc"],
    "microhttpd.h": ["common/http_server.cc"],
    "gnutls/": ["common/http_server.cc"],
    "sqlite3.h": ["store"],
    "re2/": ["common/matcher.cc", "common/matcher.h"],
    "openssl/": ["common"],
    "cctz/": ["controller/chaos/time_zone.cc"],
}

SOURCE_DIRS = ["common", "store", "kube", "anomaly", "exporter", "controller", "app", "tools"]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(path):
    """The ALLOWED key that owns `path` (longest matching prefix), or None."""
    best = None
    for key in ALLOWED:
        if path == key or path.startswith(key + "/"):
            if best is None or len(key) > len(best):
                best = key
    return best


def project_folder(include):
    """The project folder an include names ("controller/healing" for
    "controller/healing/x.h"), or None for a header that is not the project's."""
    for key in sorted(ALLOWED, key=len, reverse=True):
        if include.startswith(key + "/"):
            return key
    if include.startswith("controller/"):
        return "controller"
    return None


def allowed(owner, target):
    if target == owner or target.startswith(owner + "/"):
        return True
    for dep in ALLOWED[owner]:
        if target == dep or target.startswith(dep + "/"):
            return True
    return False


def check_file(root, rel):
    problems = []
    owner = folder_of(rel)
    if owner is None:
        return problems
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            quote, header = m.groups()
            if quote == '"':
                target = project_folder(header)
                if target is not None and not allowed(owner, target):
                    problems.append(f"{rel}:{number}: {owner}/ may not include {header} "
                                    f"({owner}/ may use: {', '.join(ALLOWED[owner]) or 'nothing'};"
                                    " DESIGN.md section 1)")
                continue
            for prefix, places in THIRD_PARTY.items():
                if header.startswith(prefix) and not any(
                        rel == p or rel.startswith(p + "/") for p in places):
                    problems.append(f"{rel}:{number}: <{header}> is reserved to "
                                    f"{', '.join(places)}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."),
                        help="the repository to check (default: this one)")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    problems = []
    checked = 0
    for top in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith((".h", ".cc")):
                    rel = os.path.relpath(os.path.join(dirpath, name), root)
                    problems.extend(check_file(root, rel))
                    checked += 1
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} include(s) break the layering", file=sys.stderr)
        return 1
    print(f"check_layers: {checked} files follow the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main())
