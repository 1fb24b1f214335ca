"""What every benchmark item returns: figures, and targets checked against them."""

from __future__ import annotations

import os
import resource
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Comparison = Literal["<=", ">="]


@dataclass
class TargetCheck:
    """One acceptance target of the issue: `value` compared with `limit`."""

    name: str
    value: float
    limit: float
    unit: str = ""
    comparison: Comparison = "<="

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.comparison == "<=" else self.value >= self.limit

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


@dataclass
class ItemResult:
    """One benchmark item: free-form figures plus its targets."""

    item: str
    title: str
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[TargetCheck] = field(default_factory=list)

    def check(self, name: str, value: float, limit: float, unit: str = "", comparison: Comparison = "<=") -> None:
        self.targets.append(TargetCheck(name, round(value, 4), limit, unit, comparison))

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "title": self.title,
            "figures": self.figures,
            "targets": [t.to_json() for t in self.targets],
            "ok": all(t.met for t in self.targets),
        }


def rss_mib() -> float:
    """Resident memory of this process now (Linux /proc), MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
