"""The few expression shapes generated code is made of, besides literals. A literal (str, int, float,
bool, None, dict, list, tuple) is always written with `repr` (`reconciler.importer.codegen`): no
remote text ever becomes code by any other way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Var:
    """A variable of the generated `build` function (an identifier we made)."""

    name: str


@dataclass(frozen=True)
class Declared:
    """A spec of the environment's own layers: `declared["ADDRESS"]`."""

    address: str


@dataclass(frozen=True)
class Call:
    """`func(*args, **kwargs)`: `func` is a spec or model class (imported by the module under its name,
    or an alias where two share one) or one of our helpers' names (`secret_setting`, `live_ref`)."""

    func: Any
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Tags:
    """A resource's tags as Azure holds them, plus the ownership tags: `{..., **owned}`."""

    live: tuple[tuple[str, str], ...]
