"""The imported layer: for each live resource, in dependency order, a typed spec of the estate's own
where one renders the live body (`as_typed`), the generic spec otherwise (`as_generic`).

Every spec is checked as the planner will check it: its body, with the ownership tags it adds, is
compared with the live body by `adapters.compare` and the type's rules. A typed spec is taken only
when nothing differs; a generic body keeps only what compares equal. So the first plan with the
layer shows nothing but the ownership tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.compare import normalise_location
from adapters.registry import rules_for
from desired_state.catalog import spec_classes
from desired_state.references import REF_PATTERN
from desired_state.resource import ResourceGroupSpec, ResourceSpec
from reconciler.importer.as_generic import generic_import
from reconciler.importer.as_typed import typed_classes, typed_import
from reconciler.importer.context import ImportContext
from reconciler.importer.expressions import Call, Tags, Var
from reconciler.importer.model import Imported, ImportedLayer, declares, inline_lists
from reconciler.importer.reading import LiveResource
from reconciler.importer.references import LiveValue, Names, ids_in, live_values, ordered, snake
from reconciler.importer.settable import leaves, settable

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: Names the generated module defines or imports besides spec classes.
HELPERS = ("build", "ctx", "declared", "owned", "LAYER", "secret_setting", "live_ref", "ownership_tags",
           "annotations", "Mapping", "LayerContext", "ResourceSpec", "GenericSpec")


class LayerBuilder:
    """Turns what was read into the imported layer."""

    def __init__(self, layer: str, environment: str, subscription_id: str, declared: Mapping[str, ResourceSpec],
                 generic: frozenset[str] = frozenset()) -> None:
        self.ctx = ImportContext(layer, environment, subscription_id, dict(declared))
        #: Lower-cased types (or "all") written as the generic spec even where a typed one fits (`--generic`).
        self.generic = generic
        self.names = Names(HELPERS + tuple(c.__name__ for c in spec_classes()))
        self.addresses: set[str] = set()
        self.address_of: dict[str, str] = {}

    def build(self, resources: Sequence[LiveResource], groups: list[str]) -> ImportedLayer:
        ctx = self.ctx
        result = ImportedLayer(ctx.layer, ctx.environment, groups)
        ctx.generated = live_values(resources, ctx.subscription_id)
        rules = {r.id.lower(): rules_for(r.type, r.name) for r in resources}
        children = {r.id.lower(): inline_lists(r, resources) for r in resources}
        listed = {r.id.lower() for r in resources}
        needs: dict[str, set[str]] = {}
        for r in resources:
            own = r.id.lower()
            body = settable(r.body, rules[own], strip_lists=children[own], own_id=r.id).body
            refs = {i for i in ids_in(body) if i in listed and i != own}
            refs |= {v.source_id.lower() for v in _live_values_in(body, ctx.generated) if v.source_id.lower() != own}
            needs[own] = refs | ({r.parent_id.lower()} if r.parent_id else set())
        order, ctx.broken = ordered(resources, needs)
        for r in order:
            declared = ctx.declared_address.get(r.id.lower())
            self.address_of[r.id.lower()] = address = declared if declared is not None else self._address(r)
            ctx.live_by_address[address] = r.body
        for r in order:
            parent = ctx.done.get(r.parent_id.lower()) if r.parent_id else None
            shared = ctx.declared_address.get(r.id.lower())
            if shared is not None:  # the environment's own, shared (`shared_ids`): referred to, not written
                ctx.done[r.id.lower()] = Imported(r, shared, "", ctx.declared[shared], Call(""), typed=True, declared=True)
                result.referenced.append((r.id, shared))
                continue
            if r.kind != "group" and parent is None:
                continue  # its parent was not imported (held inline by its own parent's spec)
            if r.inline_in and parent is not None and declares(parent.spec, r.inline_in):
                result.inline.append((r.id, f"declared inline in {parent.address} ({r.inline_in})"))
                continue
            imported = self._resource(r, parent, children[r.id.lower()])
            ctx.done[r.id.lower()] = imported
            ctx.pool.add(imported.spec)
            result.resources.append(imported)
        return result

    def _address(self, r: LiveResource) -> str:
        """`LAYER.TYPE.NAME`, a child's under its parent's (`imported.namespaces.sb.topics.orders`)."""
        parent = self.address_of.get(r.parent_id.lower()) if r.parent_id else None
        if parent is not None and not parent.startswith(f"{self.ctx.layer}."):
            parent = None  # under a resource the environment declares: an address of the layer's own
        kind = "resource_group" if r.kind == "group" else snake(r.type.rsplit("/", 1)[-1])
        base = f"{parent}.{kind}" if parent is not None and r.kind != "top" else f"{self.ctx.layer}.{kind}"
        address, n = f"{base}.{snake(r.name)}", 2
        while address in self.addresses:
            address, n = f"{base}.{snake(r.name)}_{n}", n + 1
        self.addresses.add(address)
        return address

    def _resource(self, r: LiveResource, parent: Imported | None, children: tuple[str, ...]) -> Imported:
        ctx = self.ctx
        address = self.address_of[r.id.lower()]
        kind = snake(r.type.rsplit("/", 1)[-1])
        # a GUID (a role assignment's name) reads better as its kind and first group: role_assignments_0afde220
        name = f"{kind}_{r.name[:8]}" if _GUID.fullmatch(r.name) else r.name
        var = self.names.take(name, f"{kind}_{name}", f"{parent.var}_{name}" if parent and parent.var else name)
        rules = rules_for(r.type, r.name)
        tags = _tags(r)
        unsafe = sorted(k for k, v in (tags or {}).items() if REF_PATTERN.search(k) or REF_PATTERN.search(v))
        if tags is not None and unsafe:
            # A tag the desired state would read as a live-value placeholder cannot be declared: it is left
            # out, and tags not declared are tolerated on this resource (else the plan would remove it).
            tags = {k: v for k, v in tags.items() if k not in unsafe}
        tolerate = bool(unsafe)
        if r.kind == "group":
            location = normalise_location(str(r.body.get("location")))
            spec = ResourceGroupSpec(address=address, name=r.name, subscription_id=ctx.subscription_id, location=location,
                                     tags={**(tags or {}), **ctx.owned}, tolerate_foreign_tags=tolerate)
            call = Call(ResourceGroupSpec, kwargs=(
                ("address", address), ("name", r.name), ("subscription_id", Var("ctx.subscription_id")),
                ("location", location), ("tags", Tags(tuple((tags or {}).items()))),
                *((("tolerate_foreign_tags", True),) if tolerate else ()),
            ))
            return _noted(ctx.checked(Imported(r, address, var, spec, call, typed=True), rules), unsafe)
        assert parent is not None
        typed = [] if {"all", r.type.lower()} & self.generic else typed_classes(r.type)
        for cls in typed:
            imported = typed_import(ctx, cls, r, parent, address, var, tags, rules, children, tolerate)
            if imported is not None:
                return _noted(imported, unsafe)
        return _noted(generic_import(ctx, r, parent, address, var, tags, rules, children, tolerate), unsafe)


def _noted(imported: Imported, unsafe: list[str]) -> Imported:
    if unsafe:
        imported.comments.append(
            f"tags {unsafe!r} hold text read as a live-value placeholder ({{ref:...}}): not declared, and tags not "
            "declared here are left as they are (tolerate_foreign_tags)"
        )
    return imported


def _tags(r: LiveResource) -> dict[str, str] | None:
    """The live tags of a resource that holds tags (tracked, or returned with tags), else None."""
    live = r.body.get("tags")
    if isinstance(live, dict):
        return {str(k): str(v) for k, v in live.items()}
    # ARM's tracked resources (top-level, with a location) hold tags, whether they have any yet or not
    return {} if r.kind in ("group", "top") and isinstance(r.body.get("location"), str) else None


def _live_values_in(body: Any, generated: Mapping[str, LiveValue]) -> list[LiveValue]:
    return [generated[v] for _p, v in leaves(body) if isinstance(v, str) and v in generated]
