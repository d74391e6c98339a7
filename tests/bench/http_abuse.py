#!/usr/bin/env python3
"""Holds idle, slowloris and slow-body connections open against a Rebound listener while timing
/healthz (and, with --token, the webhook), and prints the probe latencies.

    tests/bench/http_abuse.py --port 9464 --idle 300 --slowloris 200 --drip 20 --seconds 20

Attackers re-open their connection when the server closes it, as a real one would. Each probe is
a fresh connection with a 5 s deadline; a probe that gets no answer in time counts as failed.
Only for 127.0.0.1 and machines you own.
"""
import argparse
import asyncio
import json
import statistics
import time

ALERT = json.dumps({
    "version": "4", "groupKey": "bench", "status": "firing", "receiver": "rebound",
    "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "",
    "alerts": [{"status": "firing", "labels": {"alertname": "Bench"}, "annotations": {},
                "startsAt": "2024-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "", "fingerprint": "0000000000000001"}],
}).encode()


async def hold(host, port, stop, first, drip):
    """One attacker: connects, sends `first`, then one byte of `drip` per second, forever."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        try:
            if first:
                writer.write(first)
                await writer.drain()
            for i in range(10**9):
                if stop.is_set():
                    break
                try:
                    data = await asyncio.wait_for(reader.read(4096), 1.0)
                    if not data:
                        break  # the server closed it: open another
                except asyncio.TimeoutError:
                    pass
                if drip:
                    writer.write(drip[i % len(drip):i % len(drip) + 1])
                    await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


async def probe(host, port, request, deadline=5.0):
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), deadline)
        writer.write(request)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), deadline - (time.monotonic() - start))
        writer.close()
        status = int(line.split()[1]) if line.startswith(b"HTTP/") else 0
    except (OSError, asyncio.TimeoutError, ValueError, IndexError):
        status = 0
    return status, time.monotonic() - start


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--idle", type=int, default=0, help="connections that send nothing")
    p.add_argument("--slowloris", type=int, default=0, help="header bytes, one a second")
    p.add_argument("--drip", type=int, default=0, help="webhook bodies, one byte a second")
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--token", default="", help="bearer token: probe the webhook too")
    a = p.parse_args()

    stop = asyncio.Event()
    tasks = []
    for _ in range(a.idle):
        tasks.append(asyncio.create_task(hold(a.host, a.port, stop, b"", b"")))
    for _ in range(a.slowloris):
        tasks.append(asyncio.create_task(hold(
            a.host, a.port, stop, b"GET /healthz HTTP/1.1\r\n", b"X-Slow: aaaaaaaaaaaaaaaa\r\n")))
    for _ in range(a.drip):
        head = (f"POST /webhook/alertmanager HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {a.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(ALERT)}\r\n\r\n").encode()
        tasks.append(asyncio.create_task(hold(a.host, a.port, stop, head, ALERT)))
    await asyncio.sleep(1.0)  # let the attackers connect

    probes = {"healthz": b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}
    if a.token:
        probes["webhook"] = (
            f"POST /webhook/alertmanager HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Authorization: Bearer {a.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(ALERT)}\r\n\r\n").encode() + ALERT
    results = {name: [] for name in probes}
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for name, request in probes.items():
            results[name].append(await probe(a.host, a.port, request))
        await asyncio.sleep(0.25)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    print(f"idle={a.idle} slowloris={a.slowloris} drip={a.drip} seconds={a.seconds}")
    for name, rs in results.items():
        ok = [t for s, t in rs if s == 200]
        failed = len(rs) - len(ok)
        if ok:
            print(f"{name}: {len(rs)} probes, {failed} failed; latency p50 "
                  f"{statistics.median(ok)*1000:.0f} ms, max {max(ok)*1000:.0f} ms")
        else:
            print(f"{name}: {len(rs)} probes, all failed")


if __name__ == "__main__":
    asyncio.run(main())
