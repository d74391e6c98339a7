#!/usr/bin/env python3
"""Cross-validated NAB score of Rebound's anomaly scorer: the one command behind docs/anomaly.md.

Usage:
  nab_cv.py --data DIR --nab-score PATH/nab_score.py --runner PATH/rebound-nab
            [--grid name=v1,v2,... ...] [--runner-arg ARG ...] [--work DIR] [--per-config]

--data        a NAB-format folder: data/<category>/<file>.csv, labels/combined_windows.json
--nab-score   the NAB scorer (nab_score.py); its own functions score every result, so the
              rules are exactly its rules
--runner      the rebound-nab binary (a Release build: ninja -C build-rel rebound-nab)
--grid        a scorer option and the values to try (rebound-nab --set names); several
              --grid options span their cartesian product. Without any, DEFAULT_GRID below.
--runner-arg  an argument passed to every rebound-nab run (e.g. --daily-season)
--per-config  also print every configuration's in-sample scores (the plateau around the best)

Protocol. Every grid configuration is run once over every series (series are scored
independently, so a configuration's scores do not depend on the fold). Then, leave one category
out: for each category, the configuration with the best standard-profile raw score on the other
categories (each at its own best threshold there) is chosen, each profile's threshold is chosen
for that configuration on the other categories, and the held-out category is scored at it. The
folds' raw scores are summed and normalised as NAB does (null detector 0, perfect 100). One set
of parameters per fold, as one set ships; the threshold is per profile, as in NAB. The same is
repeated with the artificial categories left out of the corpus (tune on two real categories,
score the third). Next to it: the in-sample score (configuration and threshold chosen on every
category) and the shipped defaults (no --set) at their in-sample threshold and with
nab_score.py --cv (threshold chosen out of sample, parameters as shipped).

Needs python3 with numpy and pandas (Debian: python3-pandas).
"""
import argparse
import importlib.util
import itertools
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

# The stated grid: the constants that shape what counts as an anomaly, a few values each.
DEFAULT_GRID = [
    ("range_width", ["0", "0.2", "1"]),
    ("range_excess", ["30", "200"]),
    ("short_window", ["5", "10", "20"]),
]
PROFILE_NAMES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
ARTIFICIAL = ("artificialNoAnomaly", "artificialWithAnomaly")


def load_module(path):
    spec = importlib.util.spec_from_file_location("nab_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_grid(items):
    if not items:
        return DEFAULT_GRID
    grid = []
    for item in items:
        name, eq, values = item.partition("=")
        if not eq or not name or not values:
            sys.exit(f"nab_cv: --grid {item!r}: expected name=v1,v2,...")
        grid.append((name, values.split(",")))
    return grid


def configurations(grid):
    names = [name for name, _ in grid]
    for values in itertools.product(*(vals for _, vals in grid)):
        yield tuple(zip(names, values))


def label(config):
    return " ".join(f"{n}={v}" for n, v in config) if config else "(shipped defaults)"


class Corpus:
    """The labelled files (nab_score.prepare's layout) and, per configuration, its scores."""

    def __init__(self, nab, data, runner, runner_args, work):
        self.nab, self.data, self.runner, self.runner_args, self.work = nab, data, runner, runner_args, work
        self.labels = None  # nab_score.prepare's entries of the first run, scores replaced later
        self.runs = {}

    def run(self, config):
        if config in self.runs:
            return self.runs[config]
        out = os.path.join(self.work, f"config{len(self.runs)}")
        cmd = [self.runner, "--data", self.data, "--results", out, *self.runner_args]
        for name, value in config:
            cmd += ["--set", f"{name}={value}"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"nab_cv: {' '.join(cmd)} failed: {done.stderr.strip()}")
        if self.labels is None:
            self.labels = self.nab.prepare(self.data, out, None)
        files = []
        for rel, kept, wid, weight, nwin in self.labels:
            scores = pd.read_csv(os.path.join(out, rel))["anomaly_score"].to_numpy(float)
            if not np.all(np.isfinite(scores)):
                sys.exit(f"nab_cv: {label(config)}: {rel}: non-finite anomaly_score")
            files.append((rel, scores[len(scores) - len(kept):], wid, weight, nwin))
        self.runs[config] = files
        return files


def category(entry):
    return os.path.dirname(entry[0])


def normalise(nab, profile, raw, windows):
    a_tp, _, a_fn = nab.PROFILES[profile]
    null, perfect = -a_fn * windows, a_tp * windows
    return 100 * (raw - null) / (perfect - null) if windows else float("nan")


def windows_of(files):
    return sum(f[4] for f in files)


def cross_validate(nab, corpus, configs, cats):
    """Leave one of `cats` out; returns {profile: (score, [fold rows])}."""
    per_config = {c: [f for f in corpus.run(c) if category(f) in cats] for c in configs}
    total = {p: 0.0 for p in PROFILE_NAMES}
    folds = {p: [] for p in PROFILE_NAMES}
    for held_out in cats:
        # The configuration: best standard raw score on the other categories.
        best = None
        for c in configs:
            train = [f for f in per_config[c] if category(f) != held_out]
            raw, _ = nab.best_threshold(train, "standard")
            if best is None or raw > best[0]:
                best = (raw, c)
        chosen = best[1]
        train = [f for f in per_config[chosen] if category(f) != held_out]
        test = [f for f in per_config[chosen] if category(f) == held_out]
        for p in PROFILE_NAMES:
            _, threshold = nab.best_threshold(train, p)
            raw = nab.raw_at(test, p, threshold)
            total[p] += raw
            counts = [nab.file_counts(f, threshold) for f in test]
            folds[p].append((held_out, chosen, threshold, raw, windows_of(test),
                             sum(h for h, _, _ in counts), sum(m for _, m, _ in counts),
                             sum(fp for _, _, fp in counts)))
    windows = sum(windows_of([f for f in per_config[configs[0]] if category(f) == c]) for c in cats)
    return {p: (normalise(nab, p, total[p], windows), folds[p]) for p in PROFILE_NAMES}


def in_sample(nab, files):
    return {p: nab.best_threshold(files, p) for p in PROFILE_NAMES}


def report_cv(nab, title, result):
    print(f"\n## {title}\n")
    print("| profile | CV score |\n|---|---|")
    for p in PROFILE_NAMES:
        print(f"| {p} | {result[p][0]:.2f} |")
    print("\nPer held-out category (standard profile; score = the category's own NAB-normalised"
          " score at the fold's threshold):\n")
    print("| held-out category | windows | hit | missed | false positives | raw | score |"
          " threshold | configuration chosen on the others |")
    print("|---|---|---|---|---|---|---|---|---|")
    for held_out, chosen, thr, raw, nwin, hit, missed, fps in result["standard"][1]:
        score = normalise(nab, "standard", raw, nwin)
        shown = "—" if nwin == 0 else f"{score:.2f}"
        print(f"| {held_out} | {nwin} | {hit} | {missed} | {fps} | {raw:.3f} | {shown} |"
              f" {thr:.6g} | {label(chosen)} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--nab-score", required=True)
    ap.add_argument("--runner", required=True)
    ap.add_argument("--grid", action="append")
    ap.add_argument("--runner-arg", action="append", default=[])
    ap.add_argument("--work")
    ap.add_argument("--per-config", action="store_true")
    args = ap.parse_args()
    for path in (args.nab_score, args.runner):
        if not os.path.exists(path):
            sys.exit(f"nab_cv: {path}: not found")
    if not os.path.isfile(os.path.join(args.data, "labels", "combined_windows.json")):
        sys.exit(f"nab_cv: {args.data}: no labels/combined_windows.json (not a NAB-format folder)")
    nab = load_module(args.nab_score)
    grid = parse_grid(args.grid)
    configs = list(configurations(grid))
    work = args.work or tempfile.mkdtemp(prefix="nab_cv.")
    corpus = Corpus(nab, args.data, args.runner, args.runner_arg, work)

    defaults = corpus.run(())
    cats = sorted({category(f) for f in defaults})
    print(f"# NAB cross-validation: {len(defaults)} files, {windows_of(defaults)} windows, "
          f"categories {', '.join(cats)}")
    print(f"grid ({len(configs)} configurations): "
          + "; ".join(f"{n} in {{{', '.join(v)}}}" for n, v in grid))
    if args.runner_arg:
        print(f"runner arguments: {' '.join(args.runner_arg)}")

    nwin = windows_of(defaults)
    shipped = in_sample(nab, defaults)
    shipped_cv = {p: normalise(nab, p, nab.cross_validated(defaults, p)[0], nwin)
                  for p in PROFILE_NAMES}
    rows = []
    for c in configs:
        files = corpus.run(c)
        rows.append((c, in_sample(nab, files)))
    best_config, best = max(rows, key=lambda r: r[1]["standard"][0])

    print("\n## Summary\n")
    print("| measurement | " + " | ".join(PROFILE_NAMES) + " |\n|---|---|---|---|")
    print("| in-sample, shipped defaults | "
          + " | ".join(f"{normalise(nab, p, shipped[p][0], nwin):.2f}" for p in PROFILE_NAMES) + " |")
    print("| threshold-only CV (nab_score --cv), shipped defaults | "
          + " | ".join(f"{shipped_cv[p]:.2f}" for p in PROFILE_NAMES) + " |")
    print(f"| in-sample, best of grid ({label(best_config)}) | "
          + " | ".join(f"{normalise(nab, p, best[p][0], nwin):.2f}" for p in PROFILE_NAMES) + " |")
    full = cross_validate(nab, corpus, configs, cats)
    print("| **CV, parameters and thresholds tuned inside the folds** | "
          + " | ".join(f"**{full[p][0]:.2f}**" for p in PROFILE_NAMES) + " |")
    real = [c for c in cats if c not in ARTIFICIAL]
    real_result = None
    if len(real) >= 2 and len(real) < len(cats):
        real_result = cross_validate(nab, corpus, configs, real)
        print("| CV, artificial categories left out | "
              + " | ".join(f"{real_result[p][0]:.2f}" for p in PROFILE_NAMES) + " |")
    report_cv(nab, "Leave one category out (all categories)", full)
    if real_result:
        report_cv(nab, "Leave one category out (artificial categories left out)", real_result)
    if args.per_config:
        print("\n## Every configuration, in-sample\n")
        print("| configuration | " + " | ".join(PROFILE_NAMES) + " |\n|---|---|---|---|")
        for c, r in sorted(rows, key=lambda r: -r[1]["standard"][0]):
            print(f"| {label(c)} | "
                  + " | ".join(f"{normalise(nab, p, r[p][0], nwin):.2f}" for p in PROFILE_NAMES) + " |")
    print(f"\nresults under {work}")


if __name__ == "__main__":
    main()
