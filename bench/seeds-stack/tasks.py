"""The Celery side of the seeds' stack: one no-op task, run by a prefork worker pool.

Status goes to Celery's Redis result backend (what the API's GET reads); a counter of
completed tasks backs the queue stats the load client polls, like Hangar's
`/api/v1/queue/stats`.
"""
import os

import redis
from celery import Celery

BROKER = os.environ.get("SEEDS_REDIS_URL", "redis://127.0.0.1:6379")

app = Celery("seeds", broker=f"{BROKER}/0", backend=f"{BROKER}/1")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Report `running` as Hangar does (one more backend write per task, as Hangar's claim is).
    task_track_started=True,
    result_expires=3600,
    worker_hijack_root_logger=False,
)

_counter = redis.Redis.from_url(f"{BROKER}/2")


@app.task(name="noop")
def noop(task_id: str, agent_id: str, payload: dict) -> dict:
    """The equivalent of Hangar's `mock/echo` no-op: echo the prompt back."""
    _counter.incr("completed")
    return {"type": "generate", "response": payload.get("prompt", ""), "model": "noop"}
