"""The benchmark suite: ``python -m bench [--quick] [--only ITEM ...]``.

Runs each item (see bench/README.md) in its own process, then the
emulator's CPU cost (bench/emulator_cost.py), prints the results table and
writes them to ``bench/results/latest.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.child import ITEMS
from bench.table import render

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
#: A bound per item, so one stuck item cannot hold the suite.
ITEM_TIMEOUT_S = 300
#: Items that run a per-resource baseline under ARM's real read bucket (minutes by design).
LONG_ITEMS_TIMEOUT_S = {"graph": 600, "graph_detection": 600}


def _environ() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_item(item: str, quick: bool) -> dict[str, Any]:
    """One item in a fresh interpreter; its JSON result (or the failure)."""
    command = [sys.executable, "-m", "bench.child", item, *(["--quick"] if quick else [])]
    timeout = LONG_ITEMS_TIMEOUT_S.get(item, ITEM_TIMEOUT_S)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=REPO, env=_environ(), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"item": item, "error": f"timed out after {timeout} s", "ok": False, "targets": []}
    seconds = round(time.perf_counter() - started, 1)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"item": item, "error": f"exit {done.returncode}: {tail}", "ok": False, "targets": [],
                "suite_seconds": seconds}
    result: dict[str, Any] = json.loads(lines[-1])
    result["suite_seconds"] = seconds
    return result


def run_emulator_cost(quick: bool, out: Path) -> dict[str, Any]:
    """bench/emulator_cost.py, writing its results file to `out`; its summary."""
    command = [sys.executable, str(BENCH / "emulator_cost.py"), "--requests", "500" if quick else "2000",
               "--out", str(out)]
    done = subprocess.run(command, cwd=REPO, env=_environ(), capture_output=True, text=True, timeout=ITEM_TIMEOUT_S)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    summary: dict[str, Any] = json.loads(out.read_text())
    return {
        "emulator_cpu_ms_per_request": round(summary["emulator_cpu_ms_per_request"], 3),
        "requests": summary["requests"],
        "target_ms": 1.0,
        "met": summary["emulator_cpu_ms_per_request"] < 1.0,
    }


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller estates and fewer cycles (about a minute)")
    parser.add_argument("--only", nargs="+", choices=ITEMS, help="run only these items")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "latest.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    items = args.only or list(ITEMS)
    results = []
    for item in items:
        print(f"running {item} ...", file=sys.stderr, flush=True)
        results.append(run_item(item, args.quick))
    # emulator_cost.json goes beside the results file (bench/results/ by default)
    cost_out = args.out.parent / "emulator_cost.json"
    emulator_cost = run_emulator_cost(args.quick, cost_out) if not args.only else None
    report = {
        "machine": machine(),
        "quick": args.quick,
        "suite_seconds": round(time.perf_counter() - started, 1),
        "items": results,
        "emulator_cost": emulator_cost,
        "ok": all(r.get("ok") for r in results) and (emulator_cost is None or bool(emulator_cost.get("met"))),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(render(report))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
