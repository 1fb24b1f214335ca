"""A live resource as the generic spec: its settable body with ids of imported (and the estate's)
resources as references and values Azure generated in another imported resource as `live_ref`s. What
the planner's comparison does not find equal is left out (ARM returns it otherwise than it takes it),
named in a comment and reported as not verifiable."""

from __future__ import annotations

from typing import Any

from adapters.compare import CompareRules
from desired_state.references import live_ref
from desired_state.specs.generic import GenericSpec
from reconciler.importer.context import ImportContext
from reconciler.importer.expressions import Call, Tags
from reconciler.importer.model import DIFFERS, Imported, remove
from reconciler.importer.reading import LiveResource
from reconciler.importer.settable import Settable, settable

DIFFERS_WHY = "ARM returns it otherwise than it is written: not declared, left as Azure holds it"


def generic_import(ctx: ImportContext, r: LiveResource, parent: Imported, address: str, var: str,
                   tags: dict[str, str] | None, rules: CompareRules, children: tuple[str, ...],
                   tolerate: bool = False) -> Imported:
    taken = settable(r.body, rules, strip_lists=children, own_id=r.id)
    first = _from(ctx, taken, r, parent, address, var, tags, tolerate)
    dropped = ctx.differences(first, rules)
    if not dropped:
        return first
    for path in dropped:
        remove(taken.body, path)
        taken.not_verifiable.append(path)
        taken.reasons[path] = DIFFERS_WHY
    ctx.settings_names.used -= {s.name.lower() for s in first.settings}  # the names are taken again
    return ctx.checked(_from(ctx, taken, r, parent, address, var, tags, tolerate), rules)


def _from(ctx: ImportContext, taken: Settable, r: LiveResource, parent: Imported, address: str, var: str,
          tags: dict[str, str] | None, tolerate: bool) -> Imported:
    body = dict(taken.body)
    body.pop("tags", None)
    location = body.pop("location", None)
    props = body.pop("properties", None)
    imported = Imported(r, address, var, GenericSpec(address=address, name=r.name, type=r.type, parent=parent.spec),
                        Call(GenericSpec), typed=False)
    imported.not_verifiable = [(path, taken.reasons.get(path, "")) for path in taken.not_verifiable]
    imported.comments += [f"{path!r} is not declared: {why}" for path, why in imported.not_verifiable]
    refers: list[Imported] = []
    secrets = {path: ctx.setting(imported, path) for path in taken.secrets}
    envelope, envelope_code = _linked(ctx, body, imported, refers)
    linked_props = _linked(ctx, props, imported, refers) if isinstance(props, dict) else None
    segment = r.segment if r.kind != "top" and r.segment != r.type.rsplit("/", 1)[-1] else None
    imported.spec = GenericSpec(
        address=address, name=r.name, type=r.type, parent=parent.spec, segment=segment,
        location=location if isinstance(location, str) else None,
        tags={**tags, **ctx.owned} if tags is not None else None,
        envelope=envelope, props=linked_props[0] if linked_props else None,
        secrets=dict.fromkeys(secrets), not_verifiable_paths=tuple(taken.not_verifiable),
        refers_to=tuple(i.spec for i in refers), tolerate_foreign_tags=tolerate,
    )
    call: list[tuple[str, Any]] = [("address", address), ("name", r.name), ("type", r.type), ("parent", parent.expression)]
    if segment is not None:
        call.append(("segment", segment))
    if isinstance(location, str):
        call.append(("location", location))
    if tags is not None:
        call.append(("tags", Tags(tuple(tags.items()))))
    if tolerate:
        call.append(("tolerate_foreign_tags", True))
    if envelope_code:
        call.append(("envelope", envelope_code))
    if linked_props is not None:
        call.append(("props", linked_props[1]))
    if secrets:
        call.append(("secrets", {p: Call("secret_setting", (s.name,)) for p, s in secrets.items()}))
    if taken.not_verifiable:
        call.append(("not_verifiable_paths", tuple(taken.not_verifiable)))
    if refers:
        call.append(("refers_to", tuple(i.expression for i in refers)))
    imported.call = Call(GenericSpec, kwargs=tuple(call))
    return imported


def _linked(ctx: ImportContext, value: Any, imported: Imported, refers: list[Imported]) -> tuple[Any, Any]:
    """(in-memory value, expression) of a body part: ids as references, generated values as live references."""
    if isinstance(value, dict):
        pairs = {k: _linked(ctx, v, imported, refers) for k, v in value.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if isinstance(value, list):
        items = [_linked(ctx, v, imported, refers) for v in value]
        return [p[0] for p in items], [p[1] for p in items]
    if isinstance(value, str):
        target = ctx.reference(value, imported)
        if target is not None:
            return target
        generated = ctx.generated.get(value)
        source = ctx.done.get(generated.source_id.lower()) if generated is not None else None
        if generated is not None and source is not None and source is not imported and \
                (imported.live.id.lower(), source.live.id.lower()) not in ctx.broken:
            if source not in refers:
                refers.append(source)
            return live_ref(source.spec, generated.path), Call("live_ref", (source.expression, generated.path))
    return value, value


__all__ = ["DIFFERS", "generic_import"]
