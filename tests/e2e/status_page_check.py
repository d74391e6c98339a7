#!/usr/bin/env python3
"""Checks a Rebound status page (GET /) as a browser renders it, with headless Chromium.

    status_page_check.py URL --expect TEXT [--expect TEXT ...] [--forbid-selector script]
                         --screenshot OUT.png [--chromium PATH] [--timeout SECONDS]

Chromium runs twice, each with --no-sandbox --disable-gpu and a throwaway profile: once with
--dump-dom for the rendered DOM, once with --screenshot at a phone's size (412x915). The check
passes when every --expect text is in the page's visible text (whitespace runs count as one
space), no element named by a --forbid-selector exists in the DOM (default: script, so that an
escaped <script> label shows as text and never as an element), and the screenshot is a
non-empty PNG. Exit status 0 on success, 1 when a check fails, 2 when Chromium cannot be run or
times out (its whole process group is killed); every failure is explained on stderr.

Used by the status-page integration test and the end-to-end demo test.
"""

import argparse
import html.parser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PHONE_WINDOW = "412,915"
# Element content a reader never sees.
INVISIBLE = {"head", "script", "style", "template", "noscript", "title"}
# Elements that have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class ChromiumError(Exception):
    """Chromium could not be run, failed, or timed out."""


class Dom(html.parser.HTMLParser):
    """The element names and the visible text of a serialised DOM."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.text = []
        self._open = []

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        if tag not in VOID:
            self._open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(tag)

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def handle_data(self, data):
        if not INVISIBLE.intersection(self._open):
            self.text.append(data)

    def visible_text(self):
        return re.sub(r"\s+", " ", " ".join(self.text)).strip()


def find_chromium(explicit):
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumError("no Chromium found (install Debian's chromium, or pass --chromium)")


def run_chromium(chromium, args, timeout):
    """Runs Chromium headless with `args`; returns its stdout. Kills its process group on
    timeout."""
    with tempfile.TemporaryDirectory(prefix="status-page-check-") as profile:
        command = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                   "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars",
                   f"--user-data-dir={profile}"] + args
        try:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as error:
            raise ChromiumError(f"cannot run {chromium}: {error}") from error
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ChromiumError(f"Chromium did not finish within {timeout:g} s: "
                                f"{' '.join(command)}") from None
        finally:
            # Helpers (zygote, GPU, renderer) it left behind share its process group.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if process.returncode != 0:
            raise ChromiumError(f"Chromium exited with {process.returncode}: "
                                f"{err.decode(errors='replace')[-2000:]}")
        return out.decode("utf-8", errors="replace")


def check(url, expect, forbid, screenshot, chromium, timeout):
    """Returns the list of failed checks (empty: all passed)."""
    failures = []
    dom_text = run_chromium(chromium, ["--dump-dom", url], timeout)
    if not dom_text.strip():
        return [f"Chromium rendered nothing for {url}"]
    dom = Dom()
    dom.feed(dom_text)
    dom.close()
    visible = dom.visible_text()
    for text in expect:
        wanted = re.sub(r"\s+", " ", text).strip()
        if wanted not in visible:
            failures.append(f"expected text not visible: {text!r}")
    for selector in forbid:
        count = dom.elements.count(selector.lower())
        if count:
            failures.append(f"forbidden element <{selector}> is in the DOM ({count}x)")
    if failures:
        failures.append(f"visible text was: {visible[:3000]!r}")

    if os.path.exists(screenshot):
        os.remove(screenshot)
    os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
    run_chromium(chromium, [f"--screenshot={os.path.abspath(screenshot)}",
                            f"--window-size={PHONE_WINDOW}", url], timeout)
    try:
        with open(screenshot, "rb") as f:
            head = f.read(len(PNG_SIGNATURE))
        size = os.path.getsize(screenshot)
    except OSError as error:
        failures.append(f"no screenshot at {screenshot}: {error}")
    else:
        if head != PNG_SIGNATURE or size <= len(PNG_SIGNATURE):
            failures.append(f"{screenshot} is not a non-empty PNG ({size} bytes)")
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Check a Rebound status page as headless Chromium renders it.")
    parser.add_argument("url")
    parser.add_argument("--expect", action="append", default=[], metavar="TEXT",
                        help="text that must be visible on the page (repeatable)")
    parser.add_argument("--forbid-selector", action="append", default=None, metavar="TAG",
                        help="element name that must not be in the DOM (repeatable; "
                             "default: script)")
    parser.add_argument("--screenshot", required=True, metavar="OUT.png",
                        help="where to save a phone-sized screenshot")
    parser.add_argument("--chromium", help="the Chromium binary (default: found on PATH)")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds each Chromium run may take (default 60)")
    args = parser.parse_args(argv)
    forbid = args.forbid_selector if args.forbid_selector is not None else ["script"]
    for selector in forbid:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", selector):
            parser.error(f"--forbid-selector takes an element name, got {selector!r}")
    try:
        failures = check(args.url, args.expect, forbid, args.screenshot,
                         find_chromium(args.chromium), args.timeout)
    except ChromiumError as error:
        print(f"status_page_check: {error}", file=sys.stderr)
        return 2
    for failure in failures:
        print(f"status_page_check: FAIL: {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"status_page_check: OK: {args.url}: {len(args.expect)} text(s) visible, "
          f"no <{'>, <'.join(forbid)}> element, screenshot {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
