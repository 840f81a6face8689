"""Run a bench.frames worker under a time and memory budget and collect its lines."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "bench" / "out" / "logs"


@dataclass
class WorkerResult:
    cold: dict | None = None
    steps: list[dict] = field(default_factory=list)
    filters: list[dict] = field(default_factory=list)  # sidebar filter changes (kzunrest)
    static_files: dict[str, int | None] = field(default_factory=dict)
    failure: str | None = None  # why the run stopped early, if it did
    peak_rss_mb: int = 0
    wall_s: float = 0.0


def rss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def run_worker(impl: str, data: Path, days: list[str], *, cold_budget_s: float,
               step_budget_s: float, rss_budget_mb: int, tag: str,
               filters: bool = False) -> WorkerResult:
    """Start ``python -m bench.frames`` and stop it as soon as a budget is exceeded.

    The cold run (first page load: dataset and static files) gets ``cold_budget_s``; each
    slider step gets ``step_budget_s``; the resident memory is polled every 0.2 s.
    """
    LOGS.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "bench.frames", "--impl", impl, "--data", str(data),
           "--days", ",".join(days), "--cold-timeout", str(cold_budget_s + 5),
           "--step-timeout", str(step_budget_s + 5)] + (["--filters"] if filters else [])
    result = WorkerResult()
    started = time.monotonic()
    with open(LOGS / f"{tag}.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=log,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        buf = b""
        deadline = time.monotonic() + cold_budget_s
        phase = "the first run (loading the dataset)"
        try:
            while True:
                ready, _, _ = select.select([proc.stdout], [], [], 0.2)
                if ready:
                    chunk = os.read(proc.stdout.fileno(), 1 << 16)
                    if not chunk:
                        break
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        msg = json.loads(line)
                        result.peak_rss_mb = max(result.peak_rss_mb, msg.get("peak_rss_mb", 0))
                        kind = msg["event"]
                        if kind == "cold":
                            result.cold = msg
                        elif kind == "step":
                            result.steps.append(msg)
                        elif kind == "filter":
                            result.filters.append(msg)
                        elif kind == "done":
                            result.static_files = msg["static_files"]
                        elif kind == "error":
                            result.failure = f"error at {msg['where']}: {msg['message']}"
                        if kind in ("cold", "step", "filter"):
                            i = len(result.steps)
                            phase = (f"the step to {days[i]}" if i < len(days) else
                                     "a filter change" if filters else "the end")
                            deadline = time.monotonic() + step_budget_s
                rss = rss_mb(proc.pid)
                result.peak_rss_mb = max(result.peak_rss_mb, rss)
                if rss > rss_budget_mb:
                    result.failure = (f"over the memory budget: {rss:,} MB > {rss_budget_mb:,} MB"
                                      f" during {phase}")
                    break
                if time.monotonic() > deadline:
                    budget = cold_budget_s if result.cold is None else step_budget_s
                    result.failure = f"over the time budget: {phase} took more than {budget:.0f} s"
                    break
                if proc.poll() is not None and not ready:
                    break
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
    if result.failure is None and proc.returncode not in (0, None):
        result.failure = f"worker exited with code {proc.returncode}; see {log.name}"
    result.wall_s = round(time.monotonic() - started, 1)
    return result
