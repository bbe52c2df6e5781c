#!/usr/bin/env python3
"""Load client for the no-op task path, the same against the seeds' stack and Hangar.

It does what `hangar-bench throughput` does: N no-op tasks submitted over HTTP by 32
concurrent submitters (each `201` awaited), then the queue's stats polled every 10 ms until
all N are completed; tasks/s = N / (first submission → last completion).
`--poll each` instead has every submitter poll its own task (every 10 ms) to completion before
submitting the next one.

HTTP/1.1 keep-alive over asyncio streams, one connection per submitter: a general client
(httpx) spent most of a core itself at these rates, on the same 2 cores as the servers.

    python3 client.py --url http://127.0.0.1:18080 --key KEY [--tasks 3000] [--submitters 32] [--poll stats|each]
"""
import argparse
import asyncio
import json
import sys
import time
import uuid
from urllib.parse import urlsplit

FINAL = {"completed", "failed", "cancelled", "timed_out"}


class Connection:
    """One keep-alive HTTP/1.1 connection; requests on it go one at a time."""

    def __init__(self, host: str, port: int, key: str):
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {key}\r\n"
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body=None) -> tuple[int, object]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(method, path, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                # Only a read is safe to send again on a fresh connection.
                if method != "GET" or attempt == 2:
                    raise

    async def _exchange(self, method: str, path: str, body) -> tuple[int, object]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.auth}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        header = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(header[0].split(" ", 2)[1])
        length, chunked, close = 0, False, False
        for line in header[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.strip().lower() == "close"
        if chunked:
            data = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                data += chunk[:-2]
        else:
            data = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status, (json.loads(data) if data else None)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--tasks", type=int, default=3000)
    parser.add_argument("--submitters", type=int, default=32)
    parser.add_argument("--poll", choices=["stats", "each"], default="stats")
    parser.add_argument("--poll-ms", type=float, default=10)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    url = urlsplit(args.url)
    connect = lambda: Connection(url.hostname, url.port or 80, args.key)  # noqa: E731
    control = connect()
    for _ in range(400):
        try:
            if (await control.request("GET", "/api/v1/ready"))[0] == 200:
                break
        except OSError:
            control.writer = None
        await asyncio.sleep(0.05)
    else:
        sys.exit("server did not become ready")
    status, agent = await control.request("POST", "/api/v1/agents", {"name": f"noop-{uuid.uuid4().hex[:6]}", "model": "mock/echo", "config": {}})
    if status != 201:
        sys.exit(f"agent creation failed: HTTP {status} {agent}")
    body = {"agent_id": agent["id"], "input": {"prompt": "bench"}}

    async def completed() -> int:
        _, stats = await control.request("GET", "/api/v1/queue/stats")
        return int(stats.get("tasks_by_status", {}).get("completed", 0))

    baseline = await completed()
    next_index = 0

    async def submitter() -> None:
        nonlocal next_index
        connection = connect()
        while next_index < args.tasks:
            next_index += 1
            status, task = await connection.request("POST", "/api/v1/tasks", body)
            if status != 201:
                raise RuntimeError(f"submit failed: HTTP {status} {task}")
            if args.poll == "each":
                while True:
                    _, polled = await connection.request("GET", f"/api/v1/tasks/{task['id']}")
                    if polled["status"] in FINAL:
                        if polled["status"] != "completed":
                            raise RuntimeError(f"task {task['id']} ended {polled['status']}")
                        break
                    await asyncio.sleep(args.poll_ms / 1000)

    started = time.perf_counter()
    cpu_started = time.process_time()
    await asyncio.gather(*(submitter() for _ in range(args.submitters)))
    submitted = time.perf_counter()
    while await completed() < baseline + args.tasks:
        await asyncio.sleep(args.poll_ms / 1000)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_started
    total = finished - started
    label = f"{args.label}: " if args.label else ""
    print(f"{label}{args.tasks} no-op tasks, {args.submitters} submitters, poll {args.poll}: "
          f"{args.tasks / (submitted - started):.0f} submissions/s, {args.tasks / total:.0f} tasks/s end to end ({total:.2f} s; "
          f"this client used {cpu / total:.0%} of a core)")


if __name__ == "__main__":
    asyncio.run(main())
