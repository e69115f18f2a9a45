"""The load: wrk (bench/tools.py says why) with one thread per client, so each client is one keep-alive connection
with its own session token and its own slice of ticket numbers. One continuous run per workload: a warm-up, then
the measured window; wrk's Lua counts and times the responses that complete inside the window (its own summary
covers the whole run), and this module reads the CPU time of the server process, of the PostgreSQL backends of
the bench database, of wrk and of the whole machine from /proc at the window's two edges.

A response counts as failed when its status is not 200 or its body carries a GraphQL or payload error
(`"errors": [{`); wrk's own socket errors and timeouts are reported too. Every run is bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.processes import TICKS, backend_pids, backends_cpu, cpu_seconds
from bench.workloads import RequestTemplate

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
-- CLOCK_MONOTONIC, the clock of Python's time.monotonic(): the measured window is given on it.
local function now() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9 end

local body_template = [==[%(body)s]==]
local path = "%(path)s"
local bearer = %(bearer)s
local nthreads = %(threads)d
local numbers = {%(numbers)s}
local tokens = {%(tokens)s}
local window_start, window_end = %(start).6f, %(end).6f
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  count, bad, sample, sent = 0, 0, "", 0
  latencies = {}
  token = tokens[((id - 1) %% #tokens) + 1]
  per = math.max(1, math.floor(#numbers / nthreads))
  headers = { ["Content-Type"] = "application/json" }
  if bearer then headers["Authorization"] = "Bearer " .. token end
  with_token = (body_template:gsub("@TOKEN@", token))
end

-- One connection per thread and no pipelining: request() and response() alternate, so `sent` is this response's.
function request()
  local n = numbers[(((id - 1) * per + (count %% per)) %% #numbers) + 1]
  count = count + 1
  sent = now()
  return wrk.format("POST", path, headers, (with_token:gsub("@NUMBER@", tostring(n))))
end

function response(status, headers, body)
  local done_at = now()
  if done_at < window_start or done_at > window_end then return end
  latencies[#latencies + 1] = done_at - sent
  if status ~= 200 or string.find(body, '"errors"%%s*:%%s*%%[%%s*{') then
    bad = bad + 1
    if sample == "" then sample = string.sub(body or "", 1, 300) end
  end
end

function done(summary, latency, requests)
  local all, failed, first = {}, 0, ""
  for _, t in ipairs(threads) do
    for _, v in ipairs(t:get("latencies")) do all[#all + 1] = v end
    failed = failed + t:get("bad")
    if first == "" then first = t:get("sample") or "" end
  end
  table.sort(all)
  local function pct(p) if #all == 0 then return 0 end return all[math.max(1, math.ceil(p / 100 * #all))] end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"p50_s":%%.6f,"p99_s":%%.6f,"socket_errors":%%d,"timeouts":%%d,"bad":%%d}\n',
    #all, pct(50), pct(99), e.connect + e.read + e.write, e.timeout, failed))
  io.write("BENCH_SAMPLE " .. (first:gsub("\n", " ")) .. "\n")
end
"""


def machine_busy_seconds() -> float:
    """CPU time all cores spent on anything but idle and I/O wait since boot (/proc/stat)."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    # guest and guest_nice (fields 9 and 10) are already counted in user and nice.
    return (sum(values[:8]) - idle) / TICKS


def lua_script(
    request: RequestTemplate, numbers: list[int], tokens: list[str], threads: int, window: tuple[float, float]
) -> str:
    if "]==]" in request.body:
        raise ValueError("the request body cannot be quoted in Lua")
    return LUA % {
        "body": request.body,
        "path": request.path,
        "bearer": "true" if request.bearer else "false",
        "threads": threads,
        "numbers": ",".join(str(n) for n in numbers or [0]),
        "tokens": ",".join(json.dumps(t) for t in tokens),
        "start": window[0],
        "end": window[1],
    }


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failed: int
    socket_errors: int
    timeouts: int
    server_cpu_s: float
    pg_cpu_s: float
    pg_backends: int
    # The whole machine's busy CPU time during the run, and wrk's own, to tell what else was running.
    machine_busy_s: float = 0.0
    wrk_cpu_s: float = 0.0
    sample_failure: str = ""

    @property
    def other_cores(self) -> float:
        """Cores kept busy by anything but the server, PostgreSQL's bench backends and wrk (other people's work)."""
        rest = self.machine_busy_s - self.server_cpu_s - self.pg_cpu_s - self.wrk_cpu_s
        return max(0.0, rest) / self.seconds if self.seconds else 0.0

    @property
    def machine_cores(self) -> float:
        return self.machine_busy_s / self.seconds if self.seconds else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_ms(self) -> float:
        return 1000 * self.server_cpu_s / self.requests if self.requests else float("nan")

    @property
    def pg_ms(self) -> float:
        return 1000 * self.pg_cpu_s / self.requests if self.requests else float("nan")


async def wait_idle(pid: int, *, limit_seconds: float = 15.0) -> None:
    """Until the process used under 5 ms of CPU in 100 ms (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_seconds
    previous = cpu_seconds(pid)
    while loop.time() < deadline:
        await asyncio.sleep(0.1)
        now = cpu_seconds(pid)
        if now - previous < 0.005:
            return
        previous = now


async def run_load(
    *,
    wrk: str,
    base_url: str,
    request: RequestTemplate,
    numbers: list[int],
    tokens: list[str],
    clients: int,
    warmup_seconds: float,
    seconds: float,
    server_pid: int,
    monitor: asyncpg.Connection,
    database: str,
    workdir: Path,
) -> LoadResult:
    """One continuous wrk run: `warmup_seconds` of load (pools, caches, JIT), then the measured window of `seconds`,
    then a moment more, so the window sees steady load from start to end. CPU is read at the window's edges;
    wrk counts (and times) the responses completed inside it, so the requests in flight at either edge balance."""
    # wrk hangs up with requests in flight, and a server may finish them anyway: start from an idle server.
    await wait_idle(server_pid)
    loop_start = time.monotonic()
    window = (loop_start + max(warmup_seconds, 0.5), loop_start + max(warmup_seconds, 0.5) + seconds)
    script = workdir / "load.lua"
    script.write_text(lua_script(request, numbers, tokens, clients, window))
    duration = math.ceil(window[1] - loop_start + 1.0)
    proc = await asyncio.create_subprocess_exec(
        wrk,
        "-t",
        str(clients),
        "-c",
        str(clients),
        "-d",
        f"{duration}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        base_url + request.path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        output = asyncio.create_task(proc.communicate())
        before = await _snapshot_at(window[0], server_pid, proc.pid, monitor, database)
        after = await _snapshot_at(window[1], server_pid, proc.pid, monitor, database)
        stdout, stderr = await asyncio.wait_for(output, timeout=duration + 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = stdout.decode(errors="replace")
    summary = next((line for line in text.splitlines() if line.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {text[-2000:]} {stderr.decode(errors='replace')[-2000:]}")
    raw = json.loads(summary.removeprefix("BENCH_JSON "))
    sample = next((line for line in text.splitlines() if line.startswith("BENCH_SAMPLE ")), "")
    # A backend that appeared during the window counts from zero; one that ended took its time with it (the pools
    # are warm by then, so that does not happen in practice; `pg_backends` shows how many were summed).
    pg_seconds = sum(cpu - before.backends.get(pid, 0.0) for pid, cpu in after.backends.items())
    return LoadResult(
        requests=int(raw["requests"]),
        seconds=after.at - before.at,
        p50_ms=1000 * float(raw["p50_s"]),
        p99_ms=1000 * float(raw["p99_s"]),
        failed=int(raw["bad"]),
        socket_errors=int(raw["socket_errors"]),
        timeouts=int(raw["timeouts"]),
        server_cpu_s=after.server - before.server,
        pg_cpu_s=pg_seconds,
        pg_backends=len(after.backends),
        machine_busy_s=after.machine - before.machine,
        wrk_cpu_s=after.wrk - before.wrk,
        sample_failure=sample.removeprefix("BENCH_SAMPLE ").strip(),
    )


@dataclass
class _Snapshot:
    at: float
    server: float
    wrk: float
    machine: float
    backends: dict[int, float]


async def _snapshot_at(
    moment: float, server_pid: int, wrk_pid: int, monitor: asyncpg.Connection, database: str
) -> _Snapshot:
    # The backend list is read just before the moment, so that the CPU readings themselves sit on its edge.
    await asyncio.sleep(max(0.0, moment - time.monotonic() - 0.05))
    pids = await backend_pids(monitor, database)
    await asyncio.sleep(max(0.0, moment - time.monotonic()))
    return _Snapshot(
        time.monotonic(), cpu_seconds(server_pid), cpu_seconds(wrk_pid), machine_busy_seconds(), backends_cpu(pids)
    )
