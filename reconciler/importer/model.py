"""The imported layer as data: each resource's spec, the expression that writes it, the settings it
reads and what it cannot declare; and the small operations on bodies the builders share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from desired_state.resource import ResourceSpec
from reconciler.importer.expressions import Call, Declared, Var
from reconciler.importer.reading import LiveResource
from reconciler.importer.typed import SecretSetting, Solution

#: Why a field is not verifiable when the comparison found it different.
DIFFERS = "differs"


@dataclass(frozen=True)
class Setting:
    """A secret read from the environment by the generated code."""

    name: str
    address: str
    path: str


@dataclass
class Imported:
    """One imported resource."""

    live: LiveResource
    address: str
    var: str
    spec: ResourceSpec
    call: Call
    typed: bool
    comments: list[str] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)
    #: (path, why) of each field the code cannot declare.
    not_verifiable: list[tuple[str, str]] = field(default_factory=list)
    #: A resource the environment declares and shares (the subscription's network watcher): referred
    #: to as `declared[ADDRESS]`, never written into the module.
    declared: bool = False

    @property
    def expression(self) -> Var | Declared:
        """How the module refers to it."""
        return Declared(self.address) if self.declared else Var(self.var)


@dataclass
class ImportedLayer:
    """Everything `reconcile import` writes into one module."""

    layer: str
    environment: str
    groups: list[str]
    resources: list[Imported] = field(default_factory=list)
    #: (id, why) of live resources not written as their own spec (held inline by their parent's spec).
    inline: list[tuple[str, str]] = field(default_factory=list)
    #: (id, address) of the environment's shared resources found in the groups: referred to, not written.
    referenced: list[tuple[str, str]] = field(default_factory=list)

    @property
    def settings(self) -> list[Setting]:
        return [s for r in self.resources for s in r.settings]

    def classes(self) -> list[type[BaseModel]]:
        """Every spec and model class the code names, in a stable order."""
        found: dict[str, type[BaseModel]] = {}

        def walk(value: Any) -> None:
            if isinstance(value, Call):
                if isinstance(value.func, type):
                    found.setdefault(f"{value.func.__module__}.{value.func.__qualname__}", value.func)
                for arg in value.args:
                    walk(arg)
                for _key, arg in value.kwargs:
                    walk(arg)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    walk(item)

        for resource in self.resources:
            walk(resource.call)
        return [found[key] for key in sorted(found)]


def remove(body: Any, pattern: str) -> None:
    """Take the field at `pattern` (`[]` = every member) out of `body`."""
    head, _, rest = pattern.partition(".")
    member = head.endswith("[]")
    key = head[:-2] if member else head
    if not isinstance(body, dict) or key not in body:
        return
    if not rest:
        del body[key]
        return
    if member and isinstance(body[key], list):
        for item in body[key]:
            remove(item, rest)
    else:
        remove(body[key], rest)


def declares(spec: ResourceSpec, list_path: str) -> bool:
    """Whether a spec's body declares the list at `list_path` (an NSG's `properties.securityRules`)."""
    node: Any = spec.body()
    for part in list_path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, list)


def inline_lists(r: LiveResource, resources: Sequence[LiveResource]) -> tuple[str, ...]:
    """The lists of `r`'s body that hold children read as resources of their own."""
    return tuple(sorted({c.inline_in for c in resources if c.inline_in and c.parent_id.lower() == r.id.lower()}))


def concrete(value: Any) -> Any:
    """A searched value as a field value (a secret setting: not configured)."""
    if isinstance(value, SecretSetting):
        return None
    if isinstance(value, Solution):
        return value.build()
    if isinstance(value, tuple):
        return tuple(concrete(v) for v in value)
    if isinstance(value, list):
        return [concrete(v) for v in value]
    if isinstance(value, dict):
        return {k: concrete(v) for k, v in value.items()}
    return value


def equal(a: Any, b: Any) -> bool:
    """Whether a value is a field's default (so the generated code need not write it)."""
    if isinstance(a, ResourceSpec | Solution | SecretSetting) or isinstance(b, ResourceSpec):
        return False
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False
