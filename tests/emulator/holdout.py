"""How well the emulator's conventions generalise to providers they never saw: leave one provider out.

For each provider namespace of the recorded corpora, the answer-shape conventions
(``emulator.tools.gen_answer_shapes.learn``) are learned again from the traffic of every other
provider, the emulator answers with them (in this process only), and every cassette of both
corpora is replayed (``tests.emulator.replay``); the figure counts the requests of the held-out
provider only. That is the situation of a provider no recording shows: its types get ARM's
common convention, its api-versions and field flags come from the ARM type index as always.

``python -m tests.emulator.holdout [NAMESPACE ...]`` prints one line per held-out provider and
the total (default: every provider with at least 20 recorded requests). ``--unmodelled`` also takes the
held-out provider's rows out of ``emulator.types`` for the run: a provider truly never seen has no
declared answer style, server defaults or name rules either (stricter: the default keeps them).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from emulator import shapes, types
from emulator.tools import gen_answer_shapes
from tests.emulator.replay import CORPORA, Outcome, load, replay
from tests.emulator.test_replay import ALLOWED

_MIN_REQUESTS = 20


def namespace_of(row: dict[str, Any]) -> str:
    return str(row.get("arm_type") or "").split("/", 1)[0].lower()


@contextmanager
def conventions(learned: dict[str, Any]) -> Iterator[None]:
    """The emulator answers with `learned` conventions inside the block."""
    kept = dict(shapes.CONVENTIONS)
    shapes.CONVENTIONS.clear()
    shapes.CONVENTIONS.update(learned)
    try:
        yield
    finally:
        shapes.CONVENTIONS.clear()
        shapes.CONVENTIONS.update(kept)


@contextmanager
def unmodelled(namespace: str) -> Iterator[None]:
    """Inside the block, no row of ``emulator.types`` declares a type of `namespace` (resource groups stay)."""
    rows = {k: v for k, v in types.TYPES.items() if k.split("/", 1)[0] == namespace and k != "microsoft.resources/resourcegroups"}
    embedded = {k: v for k, v in types.EMBEDDED_IN.items() if k in rows}
    for key in rows:
        del types.TYPES[key]
    for key in embedded:
        del types.EMBEDDED_IN[key]
    try:
        yield
    finally:
        types.TYPES.update(rows)
        types.EMBEDDED_IN.update(embedded)


def held_out(rows: list[dict[str, Any]], namespace: str, *, strict: bool = False) -> list[Outcome]:
    """The replayed requests of `namespace`, with conventions learned without it (`strict`: and with
    no declared row of its types)."""
    index = gen_answer_shapes.TypeIndex(gen_answer_shapes.ARM_TYPES)
    learned = gen_answer_shapes.learn(rows, index, exclude=[namespace])
    with conventions(learned):
        if strict:
            with unmodelled(namespace):
                outcomes = replay(rows)
        else:
            outcomes = replay(rows)
    return [o for o in outcomes if o.arm_type.split("/", 1)[0].lower() == namespace]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("namespaces", nargs="*", help="providers to hold out one at a time (default: all recorded)")
    parser.add_argument("--unmodelled", action="store_true", help="also leave out the provider's emulator.types rows")
    args = parser.parse_args(argv)
    rows = [row for corpus in CORPORA.values() for row in load(corpus)]
    counts = Counter(namespace_of(r) for r in rows)
    chosen = [ns.lower() for ns in args.namespaces] or sorted(ns for ns, n in counts.items() if n >= _MIN_REQUESTS and ns)
    allowed = {key for entries in ALLOWED.values() for key in entries}
    agree = total = listed = agree_rest = 0
    for namespace in chosen:
        outcomes = held_out(rows, namespace, strict=args.unmodelled)
        ok = sum(o.agrees for o in outcomes)
        agree, total = agree + ok, total + len(outcomes)
        listed += sum(o.key in allowed for o in outcomes)
        agree_rest += sum(o.agrees for o in outcomes if o.key not in allowed)
        sys.stdout.write(f"{namespace}: {ok}/{len(outcomes)} ({100.0 * ok / max(len(outcomes), 1):.1f}%) agree held out\n")
    rest = total - listed  # allow-listed requests differ even with every provider learned (their reasons: test_replay)
    sys.stdout.write(f"all held out one at a time: {agree}/{total} ({100.0 * agree / max(total, 1):.1f}%); "
                     f"of the {rest} not on the replay allow-list: {agree_rest} ({100.0 * agree_rest / max(rest, 1):.1f}%)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
