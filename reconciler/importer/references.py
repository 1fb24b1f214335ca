"""References between imported resources, their order, and their names in code.

An id in a body that names another imported resource (or one the environment declares) becomes a
reference to its spec; a value Azure generated in another imported resource (an identity's
`principalId`, a workspace's `customerId`: a `readOnly` value found in exactly one place) becomes a
`live_ref` to it, as the estate's own layers write it. The resources are then ordered so that each
comes after its parent and everything it refers to (a reference that would close a cycle stays the
id it was). Names in code (variables, addresses, setting names) are made from the resource names,
reduced to identifiers, never pasted: the names themselves are only ever written as literals.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.compare import matcher, pattern_of
from adapters.registry import rules_for
from reconciler.importer.reading import LiveResource
from reconciler.importer.settable import leaves

#: Shortest generated value taken as another resource's live value (shorter ones, such as
#: `Enabled` or `1`, match by chance).
MIN_LIVE_VALUE = 16


@dataclass(frozen=True)
class LiveValue:
    """A value Azure generated in another resource, referred to where another body holds it."""

    source_id: str
    path: str


def live_values(resources: Iterable[LiveResource], subscription_id: str) -> dict[str, LiveValue]:
    """Generated values that name one resource: each `readOnly` string found at exactly one place."""
    seen: dict[str, list[LiveValue]] = {}
    for resource in resources:
        read_only = matcher(rules_for(resource.type, resource.name).read_only)
        for path, value in leaves(resource.body):
            if "[" in path or not isinstance(value, str) or len(value) < MIN_LIVE_VALUE or value.startswith("/"):
                continue
            if read_only(pattern_of(path)) and value.lower() != subscription_id.lower():
                seen.setdefault(value, []).append(LiveValue(resource.id, path))
    return {value: places[0] for value, places in seen.items() if len(places) == 1}


def ids_in(body: Any) -> list[str]:
    """Every string of a body that looks like an ARM id, lower-cased, in order."""
    found: list[str] = []
    for _path, value in leaves(body):
        if isinstance(value, str) and value.lower().startswith("/subscriptions/") and value.lower() not in found:
            found.append(value.lower())
    return found


def ordered(resources: Sequence[LiveResource], needs: Mapping[str, set[str]]) -> tuple[list[LiveResource], set[tuple[str, str]]]:
    """`resources` so that each comes after what it needs (lower-cased ids), stable in reading order;
    and the (resource, needed) edges left out because they closed a cycle."""
    by_id = {r.id.lower(): r for r in resources}
    position = {rid: i for i, rid in enumerate(by_id)}
    done: set[str] = set()
    dropped: set[tuple[str, str]] = set()
    result: list[LiveResource] = []
    visiting: list[str] = []

    def visit(rid: str) -> None:
        if rid in done:
            return
        visiting.append(rid)
        for need in sorted((n for n in needs.get(rid, ()) if n in by_id), key=position.__getitem__):
            if need in done:
                continue
            if need in visiting:
                dropped.add((rid, need))
                continue
            visit(need)
        visiting.pop()
        done.add(rid)
        result.append(by_id[rid])

    for resource in resources:
        visit(resource.id.lower())
    return result, dropped


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(text: str) -> str:
    """`vnet-Handmade.01` -> `vnet_handmade_01`; `virtualNetworks` -> `virtual_networks`."""
    words = _NOT_WORD.sub("_", _CAMEL.sub("_", text).lower()).strip("_")
    return words or "resource"


class Names:
    """Unique identifiers in one generated module."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.used: set[str] = {*reserved, *keyword.kwlist, *keyword.softkwlist}

    def take(self, *candidates: str) -> str:
        """The first candidate not taken yet (each made a valid identifier), else the last numbered."""
        made = [self._identifier(c) for c in candidates if c]
        for name in made:
            if name not in self.used:
                self.used.add(name)
                return name
        base, n = made[-1], 2
        while f"{base}_{n}" in self.used:
            n += 1
        self.used.add(f"{base}_{n}")
        return f"{base}_{n}"

    @staticmethod
    def _identifier(text: str) -> str:
        name = snake(text)
        return f"r_{name}" if name[0].isdigit() else name
