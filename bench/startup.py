"""Item 5: start-up of a cold process: `reconcile --help`, and a dry run of
dev at zero latency against an emulator state where dev is in place.
Median of several runs, each a new interpreter (imports included), reported
as seconds and as the ratio to `--help` (the interpreter's own start-up and
argparse: the floor any command pays). With `--baseline-commit REV` the same
is measured on an export of REV (`git archive`), for a before/after table.
One extra dry run under `python -X importtime` says how much of it is
importing azure-mgmt SDK packages.

    python -m bench.startup [--runs 5] [--baseline-commit main]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.figures import ItemResult

REPO = Path(__file__).resolve().parents[1]
RUNS, QUICK_RUNS = 5, 3
#: The issue's target for the dry run of dev, seconds (issue 14, point 8).
TARGET_S = 1.2
_IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


def _environ(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    # A cold process, not a first run after install: the interpreter reads the bytecode it wrote
    # on an earlier run (pip writes it at install), as every user's does. A machine that sets
    # PYTHONDONTWRITEBYTECODE (this one does) would otherwise compile every module of ours on
    # every run (~0.2 s of 160 modules). The setup apply below writes the caches.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["RECONCILER_EMULATOR_THROTTLE"] = "0"
    env["RECONCILER_EMULATOR_LATENCY_MS"] = "0"
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _reconcile(tree: Path, args: list[str], env: dict[str, str], *flags: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-m", "reconciler.cli", *args], cwd=tree, env=env, capture_output=True,
        timeout=300, text=True,
    )
    return time.perf_counter() - started, done.returncode, done.stderr


def sdk_import_seconds(importtime_stderr: str) -> float:
    """Cumulative import time of the azure-mgmt packages imported at top level
    (each service's client, imported on first use), from `-X importtime`."""
    total = 0
    for line in importtime_stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match and match.group(2).startswith("azure.mgmt."):
            total += int(match.group(1))
    return total / 1e6


def measure(trees: list[Path], runs: int) -> list[dict[str, Any]]:
    """Medians of `--help` and of the dev dry run of the code in each tree. The trees' runs
    alternate (A, B, A, B, ...), so a machine whose load drifts weighs on each alike."""
    envs = [_environ(tree) for tree in trees]
    help_times: list[list[float]] = [[] for _ in trees]
    dry_times: list[list[float]] = [[] for _ in trees]
    codes: list[set[int]] = [set() for _ in trees]
    importtimes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        states = []
        for i, (tree, env) in enumerate(zip(trees, envs, strict=True)):
            _reconcile(tree, ["--help"], env)  # writes the bytecode of what --help imports
            state = str(Path(tmp) / f"dev-{i}.db")
            _, code, err = _reconcile(tree, ["--yes", "--env", "dev", "--emulator-state", state], env)
            if code != 0:
                raise RuntimeError(f"setup apply of dev exited {code} in {tree}: {err[-500:]}")
            states.append(state)
        for _ in range(runs):
            for i, (tree, env) in enumerate(zip(trees, envs, strict=True)):
                seconds, code, _ = _reconcile(tree, ["--help"], env)
                if code != 0:
                    raise RuntimeError(f"reconcile --help exited {code} in {tree}")
                help_times[i].append(seconds)
                seconds, code, _ = _reconcile(tree, _dry_run(states[i]), env)
                dry_times[i].append(seconds)
                codes[i].add(code)
        for i, (tree, env) in enumerate(zip(trees, envs, strict=True)):
            importtimes.append(_reconcile(tree, _dry_run(states[i]), env, "-X", "importtime")[2])
    figures = []
    for i in range(len(trees)):
        help_s, dry_s = statistics.median(help_times[i]), statistics.median(dry_times[i])
        figures.append({
            "help_s": round(help_s, 3),
            "help_s_runs": [round(t, 3) for t in help_times[i]],
            "dry_run_dev_s": round(dry_s, 3),
            "dry_run_dev_s_runs": [round(t, 3) for t in dry_times[i]],
            "dry_run_to_help": round(dry_s / help_s, 2),
            "dry_run_import_s": round(total_import_seconds(importtimes[i]), 3),
            "dry_run_sdk_import_s": round(sdk_import_seconds(importtimes[i]), 3),
            "dry_run_exit_codes": sorted(codes[i]),
        })
    return figures


def _dry_run(state: str) -> list[str]:
    return ["--dry-run", "--detailed-exitcode", "--env", "dev", "--emulator-state", state]


def total_import_seconds(importtime_stderr: str) -> float:
    """Cumulative time of every top-level import of a run (`_IMPORT_LINE` matches no nested one),
    from `-X importtime`."""
    matches = (_IMPORT_LINE.match(line) for line in importtime_stderr.splitlines())
    return sum(int(match.group(1)) for match in matches if match) / 1e6


def export(commit: str, into: Path) -> Path:
    """The tree of `commit` (`git archive`), without touching any checkout."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run(quick: bool = False, baseline_commit: str | None = None, runs: int | None = None) -> ItemResult:
    runs = runs or (QUICK_RUNS if quick else RUNS)
    item = ItemResult("startup", "Start-up, cold process (median)")
    load = [round(x, 2) for x in os.getloadavg()]
    if baseline_commit:
        with tempfile.TemporaryDirectory() as tmp:
            after, before = measure([REPO, export(baseline_commit, Path(tmp))], runs)
        item.figures.update(runs=runs, load_average=load, **after)
        item.figures["baseline"] = {"commit": baseline_commit, **before}
        item.figures["dry_run_before_over_after"] = round(before["dry_run_dev_s"] / after["dry_run_dev_s"], 2)
    else:
        (after,) = measure([REPO], runs)
        item.figures.update(runs=runs, load_average=load, **after)
    # The dry run must still find nothing to do, and start in under TARGET_S.
    item.check("dry-run exit code (0 = no changes)", float(max(after["dry_run_exit_codes"])), 0.0)
    item.check("dry run of dev, cold process", after["dry_run_dev_s"], TARGET_S, "s")
    return item


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=RUNS, help="fresh processes per figure (median; default 5)")
    parser.add_argument("--baseline-commit", metavar="REV", help="also measure REV (e.g. main) for before/after")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs {args.runs}: must be at least 1")
    print(json.dumps(run(baseline_commit=args.baseline_commit, runs=args.runs).to_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
