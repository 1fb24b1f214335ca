"""A live resource as a typed spec of the estate's own (`reconciler.importer.typed` finds the field
values), or None when no spec class renders it exactly."""

from __future__ import annotations

from typing import Any

from adapters.compare import CompareRules, pattern_of
from desired_state.catalog import spec_classes
from desired_state.resource import ChildSpec, ExtensionSpec, ResourceGroupSpec, ResourceSpec, TopLevelSpec
from reconciler.importer.context import ImportContext
from reconciler.importer.expressions import Call, Tags
from reconciler.importer.model import Imported, concrete, equal
from reconciler.importer.reading import LiveResource
from reconciler.importer.settable import leaves, settable
from reconciler.importer.typed import solve, spec_problem

#: Shown of the live fields a typed spec leaves to Azure (the rest are counted).
_SHOWN = 8


def typed_classes(arm_type: str) -> list[type[ResourceSpec]]:
    """The estate's spec classes of a type (several for App Service `sites/config`)."""
    return [c for c in spec_classes() if c.arm_type.lower() == arm_type.lower() and c is not ResourceGroupSpec]


def typed_import(ctx: ImportContext, cls: type[ResourceSpec], r: LiveResource, parent: Imported, address: str,
                 var: str, tags: dict[str, str] | None, rules: CompareRules, children: tuple[str, ...],
                 tolerate: bool = False) -> Imported | None:
    fields = cls.model_fields
    fixed: dict[str, Any] = {"address": address, "name": r.name}
    if tolerate:
        fixed["tolerate_foreign_tags"] = True
    if issubclass(cls, TopLevelSpec):
        fixed["resource_group"] = parent.spec
    elif issubclass(cls, ChildSpec):
        fixed["parent"] = parent.spec
    elif issubclass(cls, ExtensionSpec):
        fixed["scope"] = parent.spec
    holdings = settable(r.body, rules, own_id=r.id).body
    if "location" in fields and isinstance(holdings.get("location"), str):
        fixed["location"] = holdings["location"]
    if "tags" in fields:
        if tags is None:
            return None
        fixed["tags"] = tags
    solution = solve(spec_problem(cls, fixed, r.body, holdings, rules, ctx.pool, ctx.live_by_address))
    if solution is None:
        return None
    owned = dict(fixed, tags={**fixed["tags"], **ctx.owned}) if "tags" in fixed else fixed
    try:
        spec = cls(**owned, **{k: concrete(v) for k, v in solution.values.items()})
    except Exception:  # the search's values do not make a spec with the ownership tags: not this class
        return None
    imported = Imported(r, address, var, spec, Call(cls), typed=True)
    if ctx.differences(imported, rules):
        return None
    kwargs: list[tuple[str, Any]] = [("address", address), ("name", r.name)]
    kwargs += [(key, parent.expression) for key in ("resource_group", "parent", "scope") if key in fixed]
    if "location" in fixed:
        kwargs.append(("location", fixed["location"]))
    if "tags" in fixed:
        kwargs.append(("tags", Tags(tuple(fixed["tags"].items()))))
    if tolerate:
        kwargs.append(("tolerate_foreign_tags", True))
    order = list(fields)
    for name, value in sorted(solution.values.items(), key=lambda item: order.index(item[0])):
        info = fields[name]
        if not info.is_required() and equal(value, info.get_default(call_default_factory=True)):
            continue  # the spec's default: not written
        kwargs.append((name, ctx.expr(value, imported, name)))
    imported.call = Call(cls, kwargs=tuple(kwargs))
    imported.comments += undeclared(spec, r, rules, children)
    return imported


def undeclared(spec: ResourceSpec, r: LiveResource, rules: CompareRules, children: tuple[str, ...]) -> list[str]:
    """A comment naming the settable live fields a typed spec leaves to Azure (children imported as
    resources of their own aside)."""
    declared = {pattern_of(p) for p, _ in leaves(spec.body())}
    live = {pattern_of(p) for p, _ in leaves(settable(r.body, rules, strip_lists=children, own_id=r.id).body)}
    left = sorted(
        p for p in live
        if p != "location" and not p.startswith("tags.")
        and not any(p == d or p.startswith((d + ".", d + "[")) or d.startswith((p + ".", p + "[")) for d in declared)
    )
    if not left:
        return []
    shown = ", ".join(repr(p) for p in left[:_SHOWN]) + (f" and {len(left) - _SHOWN} more" if len(left) > _SHOWN else "")
    return [f"not declared by {type(spec).__name__}, so left as Azure holds them (--generic {r.type} declares "
            f"them): {shown}"]
