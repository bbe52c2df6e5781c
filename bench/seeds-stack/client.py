#!/usr/bin/env python3
"""Load client for the no-op task path, the same against the seeds' stack and Hangar.

It does what `hangar bench throughput` does: N no-op tasks submitted over HTTP by 32
concurrent submitters (each `201` awaited), then the queue's stats polled every 10 ms until
all N are completed; tasks/s = N / (first submission → last completion).
`--poll each` instead has every submitter poll its own task (every 10 ms) to completion before
submitting the next one.

    python3 client.py --url http://127.0.0.1:18080 --key KEY [--tasks 3000] [--submitters 32] [--poll stats|each]
"""
import argparse
import asyncio
import sys
import time
import uuid

import httpx

FINAL = {"completed", "failed", "cancelled", "timed_out"}


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
    limits = httpx.Limits(max_connections=args.submitters + 4, max_keepalive_connections=args.submitters + 4)
    headers = {"Authorization": f"Bearer {args.key}"}
    async with httpx.AsyncClient(base_url=args.url, headers=headers, limits=limits, timeout=60) as client:
        for _ in range(400):
            try:
                if (await client.get("/api/v1/ready")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
        else:
            sys.exit("server did not become ready")
        reply = await client.post("/api/v1/agents", json={"name": f"noop-{uuid.uuid4().hex[:6]}", "model": "mock/echo", "config": {}})
        reply.raise_for_status()
        agent = reply.json()["id"]

        async def completed() -> int:
            stats = (await client.get("/api/v1/queue/stats")).json()
            return int(stats.get("tasks_by_status", {}).get("completed", 0))

        baseline = await completed()
        next_index = 0
        body = {"agent_id": agent, "input": {"prompt": "bench"}}

        async def submit() -> str:
            reply = await client.post("/api/v1/tasks", json=body)
            if reply.status_code != 201:
                raise RuntimeError(f"submit failed: HTTP {reply.status_code} {reply.text[:200]}")
            return reply.json()["id"]

        async def submitter() -> None:
            nonlocal next_index
            while next_index < args.tasks:
                next_index += 1
                task_id = await submit()
                if args.poll == "each":
                    while True:
                        status = (await client.get(f"/api/v1/tasks/{task_id}")).json()["status"]
                        if status in FINAL:
                            if status != "completed":
                                raise RuntimeError(f"task {task_id} ended {status}")
                            break
                        await asyncio.sleep(args.poll_ms / 1000)

        started = time.perf_counter()
        await asyncio.gather(*(submitter() for _ in range(args.submitters)))
        submitted = time.perf_counter()
        while await completed() < baseline + args.tasks:
            await asyncio.sleep(args.poll_ms / 1000)
        finished = time.perf_counter()
    total = finished - started
    label = f"{args.label}: " if args.label else ""
    print(f"{label}{args.tasks} no-op tasks, {args.submitters} submitters, poll {args.poll}: "
          f"{args.tasks / (submitted - started):.0f} submissions/s, {args.tasks / total:.0f} tasks/s end to end ({total:.2f} s)")


if __name__ == "__main__":
    asyncio.run(main())
