#!/usr/bin/env python3
"""Every relative link in the README and docs/ leads somewhere: the file exists and, for a
Markdown file, the #anchor is one of its headings (GitHub's anchor rules). Moving a section
or renaming a heading without its links fails here.

Usage: doc_links_test.py REPO_ROOT
"""
import pathlib
import re
import sys

LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def anchors(path):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats
    numbered."""
    seen = {}
    out = set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        m = re.match(r"#{1,6} (.*)", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    files = [root / "README.md", root / "deploy" / "README.md", root / "deploy" / "local" / "README.md"]
    files += sorted((root / "docs").glob("*.md"))
    problems = []
    for f in files:
        if not f.exists():
            continue
        text = FENCE.sub("", f.read_text())
        for m in LINK.finditer(text):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            path, _, anchor = target.partition("#")
            dest = (f.parent / path).resolve() if path else f
            where = f"{f.relative_to(root)}: link {target}"
            if not dest.exists():
                problems.append(f"{where}: {path} does not exist")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where}: no heading #{anchor} in {dest.relative_to(root)}")
    for p in problems:
        print(p)
    print(f"{len(files)} files checked, {len(problems)} broken link(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
