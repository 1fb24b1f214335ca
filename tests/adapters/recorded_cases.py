"""The comparison over real cases recorded against live Azure: how many show false drift.

A case (``cases.json`` of a recorded corpus, see ``tests/fixtures/recordings/CASES.md``) is the
body last PUT to live ARM (``desired_raw``) and what ARM returned for it afterwards (``live``).
A correct comparison finds no drift between them once it knows the type's write-only,
create-only, read-only and normalised fields: every difference it reports is false drift.

``python -m tests.adapters.recorded_cases [CASES ...]`` prints the figure and every case with
drift (default: both corpora of the fixtures; a CASES file is ``cases.json`` or ``.json.gz``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.compare import Difference, compare
from adapters.registry import rules_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: The recorded cases of the fixtures, by corpus.
CASE_FILES = {"recordings": FIXTURES / "recordings" / "cases.json", "recordings2": FIXTURES / "recordings2" / "cases.json.gz"}


def load(path: Path) -> list[dict[str, Any]]:
    """The cases of one file (plain or gzipped JSON)."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    cases: list[dict[str, Any]] = json.loads(raw.decode("utf-8"))
    return cases


def name_of(case: dict[str, Any]) -> str:
    return str(case["name"])


@dataclass(frozen=True)
class Verdict:
    """One case: the differences the comparison found between what was sent and what came back."""

    name: str
    arm_type: str
    differences: tuple[Difference, ...]

    @property
    def drifted(self) -> bool:
        return bool(self.differences)


def judge(case: dict[str, Any]) -> Verdict:
    """Compare what was sent with what Azure returned, with the type's rules."""
    rules = rules_for(case["type"])
    result = compare(case["desired_raw"], case["live"], rules)
    return Verdict(name_of(case), case["type"], tuple(result.differences))


def report(verdicts: list[Verdict], allowed: frozenset[str] = frozenset()) -> str:
    """The false-drift figure and one line per drifted case (``*`` marks allow-listed ones)."""
    drifted = [v for v in verdicts if v.drifted]
    lines = [
        f"compared {len(verdicts)} recorded cases: {len(drifted)} with drift "
        f"({100.0 * len(drifted) / max(len(verdicts), 1):.1f}%)"
    ]
    for verdict in drifted:
        mark = "*" if verdict.name in allowed else " "
        shown = "; ".join(f"{d.path}: {json.dumps(d.desired)[:60]} vs {json.dumps(d.live)[:60]}" for d in verdict.differences[:4])
        lines.append(f"{mark} {verdict.name} [{verdict.arm_type}] {shown}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("cases", nargs="*", type=Path, help="cases files (default: both fixtures)")
    args = parser.parse_args(argv)
    for path in args.cases or list(CASE_FILES.values()):
        sys.stdout.write(f"{path}\n{report([judge(c) for c in load(path)])}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
