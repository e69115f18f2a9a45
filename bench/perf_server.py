"""The production app for bench/perf.py, plus a garbage-collector timer the bench reads between workloads.

    uvicorn bench.perf_server:bench_app --no-access-log

`/bench/gc` answers the collections and pause time per generation since start-up (a `gc.callbacks` timer) and how
often planned execution ran or fell back (schema/planned.py) and how many requests the direct path answered
(schema/known_documents.py); the
rest is `server.asgi`'s app, lifespan included (migrations are bench/perf_seed.py's; the GC settings are the
server's own).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from server.asgi import app

try:
    from schema import planned

    plan_counts = planned.counts
except ImportError:  # code from before planned execution, measured for comparison
    plan_counts = {"planned": 0, "fallback": 0}
try:
    from schema import known_documents

    direct_counts = known_documents.counts
except ImportError:  # code from before the direct path
    direct_counts = {"direct": 0, "standard": 0}

_stats: dict[int, list[float]] = {0: [0, 0.0, 0.0], 1: [0, 0.0, 0.0], 2: [0, 0.0, 0.0]}
_started = [0.0]


def _timer(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    pause = time.perf_counter() - _started[0]
    entry = _stats[info["generation"]]
    entry[0] += 1
    entry[1] += pause
    entry[2] = max(entry[2], pause)


gc.callbacks.append(_timer)


async def gc_stats(request: Request) -> JSONResponse:
    body: dict[str, Any] = {
        str(g): {"runs": int(n), "seconds": total, "max": longest} for g, (n, total, longest) in _stats.items()
    }
    body["plans"] = {**plan_counts, **direct_counts}
    body["requests"] = dict(_requests)
    if request.query_params.get("reset"):
        for entry in _stats.values():
            entry[:] = [0, 0.0, 0.0]
        plan_counts.update(planned=0, fallback=0)
        direct_counts.update(direct=0, standard=0)
        _requests["done"] = 0
    return JSONResponse(body)


app.router.routes.insert(0, Route("/bench/gc", gc_stats))

# GraphQL requests finished and in flight, counted here rather than by wrk: when the server is overloaded, wrk gives
# up on requests the server still completes (and spends CPU on).
_requests = {"done": 0, "in_flight": 0}


async def counting(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http" or scope["path"] != "/graphql":
        await app(scope, receive, send)
        return
    _requests["in_flight"] += 1
    try:
        await app(scope, receive, send)
    finally:
        _requests["in_flight"] -= 1
        _requests["done"] += 1


bench_app = counting
