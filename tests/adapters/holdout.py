"""How well the comparison generalises to providers it never saw: leave one provider out.

The per-type facts learned from the recorded cases (``adapters/field_rules.py``: fields observed
not returned or re-cased) are learned again without the held-out provider's cases (the REST
examples and the specs' facts stay), and that provider's cases are compared with rules built from
them, ARM's field flags, the conventions and the value rules: the situation of a provider no
recording shows. The figure counts cases with any difference left (false drift, since each case is
a body Azure accepted and what it returned for it).

``python -m tests.adapters.holdout [NAMESPACE ...]`` prints one line per held-out provider and the
total (default: every provider of the recorded cases). ``--without-declared`` also leaves out the held-out
types' own declared rules (their adapter entries' and service modules'): a provider with none of our rules.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters import registry
from adapters.compare import CompareRules, compare
from adapters.tools import gen_field_rules
from tests.adapters.recorded_cases import CASE_FILES, load

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "arm-examples"


def namespace_of(case: dict[str, Any]) -> str:
    return str(case["type"]).split("/", 1)[0].lower()


def learned_without(cases: list[dict[str, Any]], namespace: str) -> dict[str, dict[str, tuple[str, str]]]:
    """adapters/field_rules.py's facts, learned from every case but the namespace's."""
    findings = gen_field_rules.Findings()
    for arm_type, path, kind, source in gen_field_rules.SPEC_FACTS:
        if arm_type.split("/", 1)[0].lower() != namespace:
            findings.add(arm_type, path, kind, source)
    for case in cases:
        if namespace_of(case) == namespace:
            continue
        for path in case.get("write_only_stripped") or ():
            findings.add(case["type"], path, "write_only", "recordings")
        if case.get("live_source") == "get":
            findings.record(case["type"], case["desired_raw"], case["live"], "recordings")
    gen_field_rules.from_examples(findings, EXAMPLES)
    return findings.settle()


def declared_rules(arm_type: str) -> CompareRules:
    """A type's own declared rules (its adapter entry's or its service module's), before any facts."""
    for module in registry.SERVICE_MODULES:
        for entry in module.TYPES:
            if entry.arm_type.lower() == arm_type.lower():
                return entry.rules
    return registry.GENERIC_RULES.get(arm_type.lower(), CompareRules())


@contextmanager
def facts(learned: dict[str, dict[str, tuple[str, str]]]) -> Iterator[None]:
    """`registry.with_field_rules` reads `learned` inside the block."""
    kept = dict(registry._FIELD_RULES)
    registry._FIELD_RULES.clear()
    registry._FIELD_RULES.update({t.lower(): paths for t, paths in learned.items()})
    try:
        yield
    finally:
        registry._FIELD_RULES.clear()
        registry._FIELD_RULES.update(kept)


def held_out(cases: list[dict[str, Any]], namespace: str, *, declared: bool = True) -> tuple[int, int]:
    """(cases with drift, cases) of the namespace, with facts learned without it (and, unless `declared`,
    without its types' declared rules)."""
    with facts(learned_without(cases, namespace)):
        drifted = 0
        mine = [c for c in cases if namespace_of(c) == namespace]
        for case in mine:
            base = declared_rules(case["type"]) if declared else CompareRules()
            rules = registry.with_field_rules(case["type"], base)
            drifted += not compare(case["desired_raw"], case["live"], rules).in_sync
    return drifted, len(mine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("namespaces", nargs="*", help="providers to hold out one at a time (default: all)")
    parser.add_argument("--without-declared", action="store_true", help="also leave out the types' declared rules")
    args = parser.parse_args(argv)
    cases = [c for path in CASE_FILES.values() for c in load(path)]
    chosen = [ns.lower() for ns in args.namespaces] or sorted({namespace_of(c) for c in cases})
    drifted = total = 0
    for namespace in chosen:
        bad, count = held_out(cases, namespace, declared=not args.without_declared)
        drifted, total = drifted + bad, total + count
        sys.stdout.write(f"{namespace}: {bad}/{count} cases with drift held out\n")
    sys.stdout.write(f"all held out one at a time: {drifted}/{total} ({100.0 * drifted / max(total, 1):.1f}%) with drift\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
