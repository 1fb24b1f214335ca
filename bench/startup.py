"""Item 5: start-up of a cold process: `reconcile --help`, and a dry run of
dev at zero latency against an emulator state where dev is in place.
Median of several runs, each a new interpreter (imports included)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import ItemResult

REPO = Path(__file__).resolve().parents[1]
RUNS, QUICK_RUNS = 5, 3


def _environ() -> dict[str, str]:
    env = dict(os.environ)
    env["RECONCILER_EMULATOR_THROTTLE"] = "0"
    env["RECONCILER_EMULATOR_LATENCY_MS"] = "0"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _reconcile(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args], cwd=REPO, env=env, capture_output=True, timeout=300
    )
    return time.perf_counter() - started, done.returncode


def run(quick: bool = False) -> ItemResult:
    runs = QUICK_RUNS if quick else RUNS
    env = _environ()
    item = ItemResult("startup", "Start-up, cold process (median)")
    help_times = []
    for _ in range(runs):
        seconds, code = _reconcile(["--help"], env)
        if code != 0:
            raise RuntimeError(f"reconcile --help exited {code}")
        help_times.append(seconds)
    with tempfile.TemporaryDirectory() as tmp:
        state = str(Path(tmp) / "dev.db")
        _, code = _reconcile(["--yes", "--env", "dev", "--emulator-state", state], env)
        if code != 0:
            raise RuntimeError(f"setup apply of dev exited {code}")
        dry_times = []
        codes = set()
        for _ in range(runs):
            seconds, code = _reconcile(
                ["--dry-run", "--detailed-exitcode", "--env", "dev", "--emulator-state", state], env
            )
            dry_times.append(seconds)
            codes.add(code)
    item.figures.update(
        runs=runs,
        help_s=round(statistics.median(help_times), 3),
        help_s_runs=[round(t, 3) for t in help_times],
        dry_run_dev_s=round(statistics.median(dry_times), 3),
        dry_run_dev_s_runs=[round(t, 3) for t in dry_times],
        dry_run_exit_codes=sorted(codes),
    )
    # No time target for start-up in the issue; the dry run must still find nothing to do.
    item.check("dry-run exit code (0 = no changes)", float(max(codes)), 0.0)
    return item
