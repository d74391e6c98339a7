"""Helpers of the monitoring tests that run real processes (Prometheus, Alertmanager, kubesim)
on 127.0.0.1: a free port, waiting on a condition with a deadline, stopping a process."""

import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds):
    """True as soon as condition() is; polls every 0.5 s until the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def stop(process):
    """SIGTERM, then SIGKILL after 10 s; None is ignored."""
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
