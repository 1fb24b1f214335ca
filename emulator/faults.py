"""Injected latency, throttling and faults, reproducible from a seed.

Environment variables read by :meth:`FaultConfig.from_env` (all optional):

==========================================================  ===========================================
``RECONCILER_EMULATOR_SEED``                                 int, seed of every fault stream (0)
``RECONCILER_EMULATOR_LATENCY_MS``                           float, added to every request (0)
``RECONCILER_EMULATOR_LRO_SECONDS``                          float, default LRO duration (0)
``RECONCILER_EMULATOR_LRO_SECONDS_BY_TYPE``                  ``Microsoft.Sql/servers=5,Microsoft.Web/sites=2``
``RECONCILER_EMULATOR_THROTTLE``                             ``1``/``0``: ARM token buckets on (1)
``RECONCILER_EMULATOR_THROTTLE_SCALE``                       float, multiplies bucket sizes and refill (1)
``RECONCILER_EMULATOR_ERROR_RATE``                           float 0..1, random 500/503
``RECONCILER_EMULATOR_LRO_FAILURE_RATE``                     float 0..1, LRO ends ``Failed``
``RECONCILER_EMULATOR_LRO_FAIL_NAMES``                       comma list of fnmatch patterns of names
``RECONCILER_EMULATOR_HANG_RATE``                            float 0..1, request sleeps ``HANG_SECONDS``
``RECONCILER_EMULATOR_HANG_SECONDS``                         float (30)
``RECONCILER_EMULATOR_DROP_RATE``                            float 0..1, connection dropped
``RECONCILER_EMULATOR_PRINCIPAL_DELAY_SECONDS``              float, PrincipalNotFound window (0)
``RECONCILER_EMULATOR_READ_AFTER_CREATE_404_SECONDS``        float, GET 404 window after a create (0)
``RECONCILER_EMULATOR_CONFLICT_RATE``                        float 0..1, random 409 on writes
``RECONCILER_EMULATOR_REWRITE``                              ``Type:dotted.path=value,...``: the server
                                                             stores ``value`` whatever was sent there
``RECONCILER_EMULATOR_GRAPH_QUOTA``                          int, Resource Graph queries per user and
                                                             window (15; 0 = unlimited); scaled by
                                                             ``THROTTLE_SCALE``, off with ``THROTTLE=0``
``RECONCILER_EMULATOR_GRAPH_QUOTA_WINDOW_SECONDS``           float, the quota's window (5)
``RECONCILER_EMULATOR_GRAPH_STALENESS_SECONDS``              float, how far Resource Graph's tables
                                                             are behind the store (0); see
                                                             ``emulator/graph_tables.py``
``RECONCILER_EMULATOR_GRAPH_CHANGES_ALL_TYPES``              ``1``: ``resourcechanges`` rows for every
                                                             write, child types too (not Azure); 0,
                                                             the default: only the types Azure tracks
==========================================================  ===========================================

The rewrite models a value ARM replaces (recorded: a Log Analytics workspace
created with SKU ``PerNode`` reads back ``pergb2018``), e.g.
``Microsoft.OperationalInsights/workspaces:properties.sku.name=pergb2018``.

Throttling follows ARM's token buckets per subscription (ARM-SEMANTICS.md,
Throttling): reads 250 + 25/s, writes 200 + 10/s, deletes 200 + 10/s.
"""

from __future__ import annotations

import fnmatch
import math
import os
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

BucketKind = Literal["reads", "writes", "deletes"]
# (capacity, refill per second) per bucket, from ARM's 2024 throttling model.
_BUCKETS: dict[BucketKind, tuple[float, float]] = {
    "reads": (250.0, 25.0),
    "writes": (200.0, 10.0),
    "deletes": (200.0, 10.0),
}
_ENV = "RECONCILER_EMULATOR_"


@dataclass(frozen=True)
class FaultConfig:
    """What to inject; the default injects nothing but ARM's real throttling."""

    seed: int = 0
    latency_ms: float = 0.0
    lro_default_seconds: float = 0.0
    lro_seconds: Mapping[str, float] = field(default_factory=dict)
    throttle: bool = True
    throttle_scale: float = 1.0
    error_rate: float = 0.0
    lro_failure_rate: float = 0.0
    lro_fail_names: tuple[str, ...] = ()
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    drop_rate: float = 0.0
    principal_delay_seconds: float = 0.0
    read_after_create_404_seconds: float = 0.0
    conflict_rate: float = 0.0
    #: (ARM type, dotted path, value): a written field the server replaces with `value`.
    rewrite: tuple[tuple[str, str, str], ...] = ()
    #: Resource Graph: queries per user per window (emulator/graph_quota.py; 0 = unlimited).
    graph_quota: int = 15
    graph_quota_window_seconds: float = 5.0
    #: Resource Graph: seconds a committed write takes to show in its tables (emulator/graph_tables.py).
    graph_staleness_seconds: float = 0.0
    #: Resource Graph: `resourcechanges` rows for every type written (not Azure: it tracks the types of
    #: its resources/resourcecontainers tables only); for callers written before the emulator knew.
    graph_changes_all_types: bool = False

    def rewrites(self, type_key: str) -> list[tuple[str, str]]:
        """(path, value) the server substitutes in a body of this (lower-cased) type."""
        return [(path, value) for arm_type, path, value in self.rewrite if arm_type.lower() == type_key]

    def lro_duration(self, type_key: str) -> float:
        """Seconds an LRO of this (lower-cased) ARM type stays in progress."""
        for name, seconds in self.lro_seconds.items():
            if name.lower() == type_key:
                return seconds
        return self.lro_default_seconds

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FaultConfig:
        """Build from ``RECONCILER_EMULATOR_*`` variables (see the module docstring)."""
        env = os.environ if environ is None else environ

        def number(variable: str, raw: str) -> float:
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{variable}={raw!r}: not a number; set it like 0.1 or unset it") from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{variable}={raw!r}: must be a finite number of at least 0; set it like 0.1 or unset it")
            if variable.endswith("_RATE") and value > 1:
                raise ValueError(f"{variable}={raw!r}: a rate is between 0 and 1; set it like 0.1 or unset it")
            return value

        def integer(variable: str, default: int) -> int:
            raw = env.get(variable)
            if raw in (None, ""):
                return default
            try:
                return int(raw.strip())
            except ValueError:
                raise ValueError(f"{variable}={raw!r}: not an integer; set it like 42 or unset it") from None

        def num(name: str, default: float) -> float:
            raw = env.get(_ENV + name)
            return number(_ENV + name, raw) if raw not in (None, "") else default

        by_type: dict[str, float] = {}
        for part in env.get(_ENV + "LRO_SECONDS_BY_TYPE", "").split(","):
            if "=" in part:
                name, _, secs = part.partition("=")
                by_type[name.strip()] = number(_ENV + "LRO_SECONDS_BY_TYPE", secs)
        names = tuple(p.strip() for p in env.get(_ENV + "LRO_FAIL_NAMES", "").split(",") if p.strip())
        rewrite: list[tuple[str, str, str]] = []
        for part in env.get(_ENV + "REWRITE", "").split(","):
            arm_type, colon, assignment = part.strip().partition(":")
            path, equals, value = assignment.partition("=")
            if not part.strip():
                continue
            if not (colon and equals and arm_type and path):
                raise ValueError(
                    f"{_ENV}REWRITE={part.strip()!r}: not Type:dotted.path=value; "
                    "set it like Microsoft.OperationalInsights/workspaces:properties.sku.name=pergb2018"
                )
            rewrite.append((arm_type, path, value))
        return cls(
            seed=integer(_ENV + "SEED", 0),
            latency_ms=num("LATENCY_MS", 0.0),
            lro_default_seconds=num("LRO_SECONDS", 0.0),
            lro_seconds=by_type,
            throttle=env.get(_ENV + "THROTTLE", "1").strip().lower() not in ("0", "false", "no", "off"),
            throttle_scale=num("THROTTLE_SCALE", 1.0),
            error_rate=num("ERROR_RATE", 0.0),
            lro_failure_rate=num("LRO_FAILURE_RATE", 0.0),
            lro_fail_names=names,
            hang_rate=num("HANG_RATE", 0.0),
            hang_seconds=num("HANG_SECONDS", 30.0),
            drop_rate=num("DROP_RATE", 0.0),
            principal_delay_seconds=num("PRINCIPAL_DELAY_SECONDS", 0.0),
            read_after_create_404_seconds=num("READ_AFTER_CREATE_404_SECONDS", 0.0),
            conflict_rate=num("CONFLICT_RATE", 0.0),
            rewrite=tuple(rewrite),
            graph_quota=integer(_ENV + "GRAPH_QUOTA", 15),
            graph_quota_window_seconds=num("GRAPH_QUOTA_WINDOW_SECONDS", 5.0),
            graph_staleness_seconds=num("GRAPH_STALENESS_SECONDS", 0.0),
            graph_changes_all_types=env.get(_ENV + "GRAPH_CHANGES_ALL_TYPES", "0").strip().lower()
            in ("1", "true", "yes", "on"),
        )


@dataclass
class _Bucket:
    capacity: float
    refill: float
    tokens: float
    stamp: float

    def take(self, now: float) -> tuple[bool, int, float]:
        """Spend one token; returns (allowed, remaining, seconds until one is back)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.refill)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True, int(self.tokens), 0.0
        wait = (1.0 - self.tokens) / self.refill if self.refill > 0 else 60.0
        return False, 0, wait


class FaultInjector:
    """Draws faults per request, one ``random.Random`` stream per fault kind."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._streams = {
            kind: random.Random(f"{config.seed}:{kind}")
            for kind in ("error", "error_kind", "lro_failure", "hang", "drop", "conflict")
        }
        self._buckets: dict[tuple[str, BucketKind], _Bucket] = {}

    def draw(self, kind: str, rate: float) -> bool:
        """True when the fault of this kind fires for this request (deterministic per seed)."""
        if rate <= 0.0:
            return False
        with self._lock:
            return self._streams[kind].random() < rate

    def error_status(self) -> int:
        """500 or 503 for an injected server error."""
        with self._lock:
            return 500 if self._streams["error_kind"].random() < 0.5 else 503

    def lro_fails(self, name: str) -> bool:
        """Whether the LRO for a resource of this name ends ``Failed``."""
        low = name.lower()
        if any(fnmatch.fnmatch(low, pat.lower()) for pat in self.config.lro_fail_names):
            return True
        return self.draw("lro_failure", self.config.lro_failure_rate)

    def throttle(self, sub: str, kind: BucketKind) -> tuple[bool, int, int]:
        """Spend from the subscription's bucket: (allowed, remaining, Retry-After seconds)."""
        capacity, refill = _BUCKETS[kind]
        scale = self.config.throttle_scale
        if not self.config.throttle or scale <= 0:
            return True, int(capacity), 0
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get((sub, kind))
            if bucket is None:
                bucket = _Bucket(capacity * scale, refill * scale, capacity * scale, now)
                self._buckets[(sub, kind)] = bucket
            allowed, remaining, wait = bucket.take(now)
        return allowed, remaining, max(1, math.ceil(wait))
