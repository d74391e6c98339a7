#!/usr/bin/env python3
"""A local stand-in for Slack's incoming webhooks, for the demo (scripts/demo.sh).

POST any path with a Slack webhook body (JSON with `text`, optionally `blocks` or
`attachments`): answers 200 "ok" as Slack does, prints the message on one line to stdout
(the demo's narration), and keeps it. GET /messages answers every message kept, oldest first,
as JSON: [{"at": RFC 3339, "path": "/rebound", "text": "...", "body": {...}}]. Rebound posts
to /rebound, Alertmanager's `oncall` receiver to /oncall.

Usage: slack_sink.py PORT [--started T0]. Python 3 stdlib; listens on 127.0.0.1 only;
SIGTERM stops it."""

import argparse
import datetime
import http.server
import json
import signal
import sys
import threading
import time

messages = []
lock = threading.Lock()


def readable(body):
    """One line for a person: the message's text, else its attachments' titles and texts."""
    text = body.get("text") or ""
    for attachment in body.get("attachments", []):
        text += " " + " ".join(str(attachment.get(k, "")) for k in ("title", "text"))
    return " ".join(text.split())


class Handler(http.server.BaseHTTPRequestHandler):
    started = time.time()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self.answer(400, b"invalid_payload", "text/plain")
            return
        text = readable(body)
        now = datetime.datetime.now(datetime.timezone.utc)
        with lock:
            messages.append({"at": now.isoformat(timespec="milliseconds"), "path": self.path,
                             "text": text, "body": body})
        elapsed = int(time.time() - Handler.started)
        who = "oncall" if self.path == "/oncall" else "slack"
        print("+%02d:%02d  %-9s %s" % (elapsed // 60, elapsed % 60, who, text), flush=True)
        self.answer(200, b"ok", "text/plain")

    def do_GET(self):
        if self.path != "/messages":
            self.answer(404, b"not found", "text/plain")
            return
        with lock:
            data = json.dumps(messages).encode()
        self.answer(200, data, "application/json")

    def answer(self, status, data, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--started", type=float, default=time.time(),
                        help="the demo's start (Unix time): messages show the time since")
    args = parser.parse_args()
    Handler.started = args.started
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
