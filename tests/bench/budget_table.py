"""`python -m tests.bench.budget_table [--latency-ms 200] [--waves ENV MODE]`: the figures the
budget tests assert (tests/bench/test_budgets.py), as a Markdown table with each estate's read
floor (bench/read_floor.py), measured the same way: each environment applied once from
empty, then a no-op `reconcile --dry-run` per observe mode on a copy at the injected latency. `--waves ENV MODE` also lists that run's requests wave by wave (what each
round trip carried), from the emulator's request log."""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.read_floor import read_floor
from desired_state import build
from emulator.request_log import read_request_log, request_kind, wave_numbers
from tests.bench.test_budgets import ENVIRONMENTS, LATENCY_MS, DryRuns
from tests.estates import AppliedEstates

MODES = ("per-resource", "graph")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.budget_table", description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS)
    parser.add_argument("--waves", nargs=2, metavar=("ENV", "MODE"), help="list one run's requests by wave")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="budget-table-"))
    runs = DryRuns(AppliedEstates(root / "applied"), root / "runs")
    print("| env | mode | waves | ARM requests | read floor | per resource | queries | by kind |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for environment in ENVIRONMENTS:
        for mode in MODES:
            run = runs(environment, mode, args.latency_ms)
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(run.profile.by_kind.items()))
            floor = read_floor(build(environment), mode)
            print(f"| {environment} ({run.resources}) | {mode} | {run.profile.waves} | {run.profile.arm_requests} | "
                  f"{floor} | {run.arm_requests_per_resource:.2f} | {run.profile.graph_queries} | {kinds} |")
    if args.waves:
        environment, mode = args.waves
        runs(environment, mode, args.latency_ms)
        state = root / "runs" / f"{environment}-{mode}-{args.latency_ms:g}" / "state.db"
        records = read_request_log(state)
        by_wave: dict[int, list[str]] = defaultdict(list)
        for record, wave in zip(records, wave_numbers(records), strict=True):
            by_wave[wave].append(f"{request_kind(record.method, record.path)} {record.path}")
        for wave in sorted(by_wave):
            print(f"\nwave {wave}: {len(by_wave[wave])} requests")
            for line in sorted(by_wave[wave]):
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
