"""The API side of the seeds' stack (FastAPI + Redis + Celery), reduced to Hangar's no-op
task path with the same routes and shapes the load client uses:

- `POST /api/v1/agents` — register an agent (id → name, in Redis).
- `POST /api/v1/tasks` — `{"agent_id", "input"}`: checks the agent, enqueues the Celery
  no-op and answers `201` with the task's id.
- `GET /api/v1/tasks/{id}` — the task's status from Celery's result backend.
- `GET /api/v1/queue/stats` — `{"tasks_by_status": {"completed": N}}`.
- `GET /api/v1/ready`.

Every route but `ready` needs `Authorization: Bearer <key>`; keys are looked up in Redis by
their SHA-256 on every request (Hangar looks its keys up in its database, with a short cache).
Handlers are plain `def`: Celery's client and redis-py block, so FastAPI runs them on its
thread pool, the usual way to call Celery from FastAPI.
"""
import hashlib
import os
import time
import uuid

import redis
from celery.result import AsyncResult
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse

from tasks import BROKER, app as celery_app, noop

api = FastAPI()
store = redis.Redis.from_url(f"{BROKER}/2", decode_responses=True)
ADMIN_KEY = os.environ.get("SEEDS_ADMIN_KEY", "")
if ADMIN_KEY:
    store.hset("api_keys", hashlib.sha256(ADMIN_KEY.encode()).hexdigest(), "default")

STATES = {"PENDING": "queued", "RECEIVED": "queued", "STARTED": "running", "RETRY": "queued", "SUCCESS": "completed",
          "FAILURE": "failed", "REVOKED": "cancelled"}


def tenant_of(authorization: str | None) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "missing credential")
    tenant = store.hget("api_keys", hashlib.sha256(authorization[7:].encode()).hexdigest())
    if tenant is None:
        raise HTTPException(401, "unknown API key")
    return tenant


@api.get("/api/v1/ready")
def ready() -> dict:
    store.ping()
    return {"status": "ready"}


@api.post("/api/v1/agents", status_code=201)
def create_agent(body: dict, authorization: str | None = Header(default=None)) -> dict:
    tenant = tenant_of(authorization)
    agent_id = str(uuid.uuid4())
    store.hset(f"agent:{agent_id}", mapping={"tenant": tenant, "name": str(body.get("name", "")), "model": str(body.get("model", ""))})
    return {"id": agent_id, "name": body.get("name")}


@api.post("/api/v1/tasks", status_code=201)
def submit(body: dict, authorization: str | None = Header(default=None)) -> JSONResponse:
    tenant = tenant_of(authorization)
    agent_id = body.get("agent_id")
    payload = body.get("input")
    if not isinstance(agent_id, str) or not isinstance(payload, dict):
        raise HTTPException(422, "agent_id and input are required")
    if store.hget(f"agent:{agent_id}", "tenant") != tenant:
        raise HTTPException(404, f"agent '{agent_id}' not found")
    task_id = str(uuid.uuid4())
    noop.apply_async(args=[task_id, agent_id, payload], task_id=task_id)
    return JSONResponse({"id": task_id, "agent_id": agent_id, "status": "queued", "created_at": time.time()}, status_code=201,
                        headers={"Location": f"/api/v1/tasks/{task_id}"})


@api.get("/api/v1/tasks/{task_id}")
def get_task(task_id: str, authorization: str | None = Header(default=None)) -> dict:
    tenant_of(authorization)
    result = AsyncResult(task_id, app=celery_app)
    state = result.state
    task = {"id": task_id, "status": STATES.get(state, state.lower())}
    if state == "SUCCESS":
        task["output"] = result.result
    return task


@api.get("/api/v1/queue/stats")
def stats(authorization: str | None = Header(default=None)) -> dict:
    tenant_of(authorization)
    return {"tasks_by_status": {"completed": int(store.get("completed") or 0)}}
