"""The imported layer as a model: for each live resource, in dependency order, its spec (a typed spec of
the estate's own where one renders the live body, the generic spec otherwise), the expression that
writes it, the settings it reads, and what it cannot declare.

Every spec is checked here as the planner will check it: its body, with the ownership tags it adds,
is compared with the live body by `adapters.compare` and the type's rules. A generic body keeps only
what compares equal (a value ARM returns otherwise than it takes is left out, said in a comment and
reported as not verifiable), so the first plan with the layer shows nothing but the ownership tags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from adapters.compare import CompareRules, compare, pattern_of
from adapters.registry import rules_for
from desired_state.catalog import spec_classes
from desired_state.references import live_ref
from desired_state.resource import ChildSpec, ExtensionSpec, ResourceGroupSpec, ResourceSpec, TopLevelSpec
from desired_state.specs.generic import GenericSpec
from desired_state.tags import ownership_tags
from reconciler.engine.resolve import resolve_refs
from reconciler.importer.expressions import Call, Declared, Tags, Var
from reconciler.importer.reading import LiveResource
from reconciler.importer.references import LiveValue, Names, ids_in, live_values, ordered, snake
from reconciler.importer.settable import Settable, leaves, settable
from reconciler.importer.typed import SecretSetting, Solution, SpecPool, solve, spec_problem

#: Names the generated module defines or imports besides spec classes.
HELPERS = ("build", "ctx", "declared", "owned", "LAYER", "secret_setting", "live_ref", "ownership_tags",
           "annotations", "Mapping", "LayerContext", "ResourceSpec")


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


@dataclass
class ImportedLayer:
    layer: str
    environment: str
    groups: list[str]
    resources: list[Imported] = field(default_factory=list)
    #: (id, why) of live resources not written as their own spec (held inline by their parent's spec).
    inline: list[tuple[str, str]] = field(default_factory=list)

    @property
    def settings(self) -> list[Setting]:
        return [s for r in self.resources for s in r.settings]

    def classes(self) -> set[type[BaseModel]]:
        """Every spec and model class the code names."""
        found: set[type[BaseModel]] = set()

        def walk(value: Any) -> None:
            if isinstance(value, Call):
                for model in _models_named(value.func):
                    found.add(model)
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
        return found


_MODELS: dict[str, type[BaseModel]] = {}


def _models_named(name: str) -> list[type[BaseModel]]:
    model = _MODELS.get(name)
    return [model] if model is not None else []


def _register(model: type[BaseModel]) -> str:
    _MODELS.setdefault(model.__name__, model)
    return model.__name__


def typed_classes(arm_type: str) -> list[type[ResourceSpec]]:
    """The estate's spec classes of a type (several for App Service `sites/config`)."""
    return [c for c in spec_classes() if c.arm_type.lower() == arm_type.lower() and c is not ResourceGroupSpec]


class LayerBuilder:
    """Turns what was read into the imported layer."""

    def __init__(self, layer: str, environment: str, subscription_id: str, declared: Mapping[str, ResourceSpec]) -> None:
        self.layer = layer
        self.environment = environment
        self.subscription_id = subscription_id
        self.declared = dict(declared)
        self.pool = SpecPool(list(declared.values()))
        self.declared_address = {spec.id.lower(): address for address, spec in declared.items()}
        self.names = Names(HELPERS + tuple(c.__name__ for c in spec_classes()) + ("GenericSpec", "SecurityRule"))
        self.addresses: set[str] = set()
        self.settings_names = Names()
        self.owned = ownership_tags(environment)
        #: lower-cased id -> what was imported for it
        self.done: dict[str, Imported] = {}
        self.live_by_address: dict[str, Mapping[str, Any] | None] = {}

    # -- the whole layer --------------------------------------------------------------------------
    def build(self, resources: Sequence[LiveResource], groups: list[str]) -> ImportedLayer:
        result = ImportedLayer(self.layer, self.environment, groups)
        self.resources = resources
        generated = live_values(resources, self.subscription_id)
        rules = {r.id.lower(): rules_for(r.type, r.name) for r in resources}
        listed = {r.id.lower() for r in resources}
        needs: dict[str, set[str]] = {}
        for r in resources:
            body = settable(r.body, rules[r.id.lower()], strip_lists=_inline_lists(r, resources)).body
            refs = {i for i in ids_in(body) if i in listed and i != r.id.lower()}
            refs |= {v.source_id.lower() for v in _live_values_in(body, generated) if v.source_id.lower() != r.id.lower()}
            needs[r.id.lower()] = refs | ({r.parent_id.lower()} if r.parent_id else set())
        order, broken = ordered(resources, needs)
        self.broken = broken
        self.generated = generated
        self.address_of: dict[str, str] = {}
        for r in order:
            self.address_of[r.id.lower()] = address = self._address(r)
            self.live_by_address[address] = r.body
        for r in order:
            parent = self.done.get(r.parent_id.lower()) if r.parent_id else None
            if r.kind != "group" and parent is None:
                continue  # its parent was not imported (held inline by its own parent's spec)
            if r.inline_in and parent is not None and _declares(parent.spec, r.inline_in):
                result.inline.append((r.id, f"declared inline in {parent.address} ({r.inline_in})"))
                continue
            imported = self._resource(r, parent, rules[r.id.lower()], resources)
            self.done[r.id.lower()] = imported
            self.pool.add(imported.spec)
            result.resources.append(imported)
        return result

    # -- names ------------------------------------------------------------------------------------
    def _address(self, r: LiveResource) -> str:
        parent = self.address_of.get(r.parent_id.lower()) if r.parent_id else None
        kind = "resource_group" if r.kind == "group" else snake(r.type.rsplit("/", 1)[-1])
        base = f"{parent}.{kind}" if parent is not None and r.kind != "top" else f"{self.layer}.{kind}"
        address = f"{base}.{snake(r.name)}"
        if address in self.addresses:
            n = 2
            while f"{address}_{n}" in self.addresses:
                n += 1
            address = f"{address}_{n}"
        self.addresses.add(address)
        return address

    # -- one resource -----------------------------------------------------------------------------
    def _resource(self, r: LiveResource, parent: Imported | None, rules: CompareRules,
                  resources: Sequence[LiveResource]) -> Imported:
        address = self.address_of[r.id.lower()]
        var = self.names.take(r.name, f"{snake(r.type.rsplit('/', 1)[-1])}_{r.name}",
                              f"{parent.var}_{r.name}" if parent else r.name)
        tags = self._tags(r)
        if r.kind == "group":
            spec = ResourceGroupSpec(address=address, name=r.name, subscription_id=self.subscription_id,
                                     location=str(r.body.get("location")), tags={**(tags or {}), **self.owned})
            call = Call(_register(ResourceGroupSpec), kwargs=(
                ("address", address), ("name", r.name), ("subscription_id", Var("ctx.subscription_id")),
                ("location", spec.location), ("tags", Tags(tuple((tags or {}).items()))),
            ))
            return self._checked(Imported(r, address, var, spec, call, typed=True), rules)
        assert parent is not None
        for cls in typed_classes(r.type):
            imported = self._typed(cls, r, parent, address, var, tags, rules)
            if imported is not None:
                return imported
        return self._generic(r, parent, address, var, tags, rules, resources)

    def _tags(self, r: LiveResource) -> dict[str, str] | None:
        """The live tags of a resource that holds tags (tracked, or returned with tags), else None."""
        live = r.body.get("tags")
        if isinstance(live, dict):
            return {str(k): str(v) for k, v in live.items()}
        # ARM's tracked resources (top-level, with a location) hold tags, whether they have any yet or not
        return {} if r.kind in ("group", "top") and isinstance(r.body.get("location"), str) else None

    def _typed(self, cls: type[ResourceSpec], r: LiveResource, parent: Imported, address: str, var: str,
               tags: dict[str, str] | None, rules: CompareRules) -> Imported | None:
        fields = cls.model_fields
        fixed: dict[str, Any] = {"address": address, "name": r.name}
        if issubclass(cls, TopLevelSpec):
            fixed["resource_group"] = parent.spec
        elif issubclass(cls, ChildSpec):
            fixed["parent"] = parent.spec
        elif issubclass(cls, ExtensionSpec):
            fixed["scope"] = parent.spec
        if "location" in fields and isinstance(r.body.get("location"), str):
            fixed["location"] = r.body["location"]
        if "tags" in fields:
            if tags is None:
                return None
            fixed["tags"] = tags
        problem = spec_problem(cls, fixed, r.body, settable(r.body, rules, own_id=r.id).body, rules, self.pool,
                               self.live_by_address)
        solution = solve(problem)
        if solution is None:
            return None
        owned = dict(fixed, tags={**tags, **self.owned}) if "tags" in fixed and tags is not None else fixed
        try:
            spec = cls(**owned, **{k: _concrete(v) for k, v in solution.values.items()})
        except Exception:
            return None
        imported = Imported(r, address, var, spec, Call(cls.__name__), typed=True)
        kwargs: list[tuple[str, Any]] = [("address", address), ("name", r.name)]
        for key in ("resource_group", "parent", "scope"):
            if key in fixed:
                kwargs.append((key, Var(parent.var)))
        if "location" in fixed:
            kwargs.append(("location", fixed["location"]))
        if "tags" in fixed:
            kwargs.append(("tags", Tags(tuple(fixed["tags"].items()))))
        for name, value in sorted(solution.values.items(), key=lambda item: list(fields).index(item[0])):
            info = fields[name]
            if not info.is_required() and _equal(value, info.get_default(call_default_factory=True)):
                continue  # the spec's default: not written
            kwargs.append((name, self._expr(value, imported, name)))
        imported.call = Call(_register(cls), kwargs=tuple(kwargs))
        imported.comments += self._undeclared(spec, r, rules, _inline_lists(r, self.resources))
        return imported if not self._checked(imported, rules).not_verifiable else None

    def _generic(self, r: LiveResource, parent: Imported, address: str, var: str, tags: dict[str, str] | None,
                 rules: CompareRules, resources: Sequence[LiveResource]) -> Imported:
        taken = settable(r.body, rules, strip_lists=_inline_lists(r, resources), own_id=r.id)
        imported = self._generic_from(taken, r, parent, address, var, tags)
        self._checked(imported, rules)
        dropped = [path for path, why in imported.not_verifiable if why == DIFFERS]
        if not dropped:
            return imported
        # What does not compare equal is left out (ARM returns it otherwise than it takes it).
        for path in dropped:
            remove(taken.body, path)
            taken.not_verifiable.append(path)
            taken.reasons[path] = "ARM returns it otherwise than it is written: not declared, left as Azure holds it"
        rebuilt = self._generic_from(taken, r, parent, address, var, tags)
        self._checked(rebuilt, rules)
        return rebuilt

    def _generic_from(self, taken: Settable, r: LiveResource, parent: Imported, address: str, var: str,
                      tags: dict[str, str] | None) -> Imported:
        body = dict(taken.body)
        body.pop("tags", None)
        location = body.pop("location", None)
        props = body.pop("properties", None)
        imported = Imported(r, address, var, GenericSpec(address=address, name=r.name, type=r.type, parent=parent.spec),
                            Call("GenericSpec"), typed=False)
        imported.not_verifiable = [(path, taken.reasons.get(path, "")) for path in taken.not_verifiable]
        for path, why in imported.not_verifiable:
            imported.comments.append(f"{path!r} is not declared: {why}")
        refers: list[Imported] = []
        secrets = {path: self._setting(imported, path) for path in taken.secrets}
        envelope, envelope_code = self._linked(body, imported, refers, "")
        spec_props = self._linked(props, imported, refers, "properties") if isinstance(props, dict) else None
        segment = r.segment if r.kind != "top" and r.segment != r.type.rsplit("/", 1)[-1] else None
        imported.spec = GenericSpec(
            address=address, name=r.name, type=r.type, parent=parent.spec, segment=segment,
            location=location if isinstance(location, str) else None,
            tags={**tags, **self.owned} if tags is not None else None,
            envelope=envelope, props=spec_props[0] if spec_props else None,
            secrets=dict.fromkeys(secrets), not_verifiable_paths=tuple(taken.not_verifiable),
            refers_to=tuple(i.spec for i in refers),
        )
        call: list[tuple[str, Any]] = [("address", address), ("name", r.name), ("type", r.type), ("parent", Var(parent.var))]
        if segment is not None:
            call.append(("segment", segment))
        if isinstance(location, str):
            call.append(("location", location))
        if tags is not None:
            call.append(("tags", Tags(tuple(tags.items()))))
        if envelope_code:
            call.append(("envelope", envelope_code))
        if spec_props is not None:
            call.append(("props", spec_props[1]))
        if secrets:
            call.append(("secrets", {p: Call("secret_setting", (s.name,)) for p, s in secrets.items()}))
        if taken.not_verifiable:
            call.append(("not_verifiable_paths", tuple(taken.not_verifiable)))
        if refers:
            call.append(("refers_to", tuple(Var(i.var) for i in refers)))
        imported.call = Call(_register(GenericSpec), kwargs=tuple(call))
        return imported

    # -- references and settings ------------------------------------------------------------------
    def _linked(self, value: Any, imported: Imported, refers: list[Imported], path: str) -> tuple[Any, Any]:
        """(in-memory value, expression) of a generic body part: ids as references, generated values as
        live references."""
        if isinstance(value, dict):
            pairs = {k: self._linked(v, imported, refers, f"{path}.{k}" if path else k) for k, v in value.items()}
            return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
        if isinstance(value, list):
            pairs_list = [self._linked(v, imported, refers, f"{path}[]") for v in value]
            return [p[0] for p in pairs_list], [p[1] for p in pairs_list]
        if isinstance(value, str):
            target = self._reference(value, imported)
            if target is not None:
                return target
            generated = self.generated.get(value)
            if generated is not None and generated.source_id.lower() != imported.live.id.lower():
                source = self.done.get(generated.source_id.lower())
                if source is not None and (imported.live.id.lower(), source.live.id.lower()) not in self.broken:
                    if source not in refers:
                        refers.append(source)
                    return live_ref(source.spec, generated.path), Call("live_ref", (Var(source.var), generated.path))
        return value, value

    def _reference(self, value: str, imported: Imported) -> tuple[Any, Any] | None:
        key = value.lower()
        if not key.startswith("/subscriptions/") or key == imported.live.id.lower():
            return None
        if (imported.live.id.lower(), key) in self.broken:
            imported.comments.append(f"{value!r} stays an id: a reference to it would close a cycle")
            return None
        done = self.done.get(key)
        if done is not None:
            return done.spec, Var(done.var)
        address = self.declared_address.get(key)
        if address is not None:
            return self.declared[address], Declared(address)
        return None

    def _setting(self, imported: Imported, path: str) -> Setting:
        name = self.settings_names.take(f"{self.layer}_{imported.var}_{path.rsplit('.', 1)[-1]}").upper()
        setting = Setting(name, imported.address, path)
        imported.settings.append(setting)
        imported.comments.append(f"secret {path!r}: read from the environment variable {name} (never written here)")
        return setting

    def _expr(self, value: Any, imported: Imported, field_name: str) -> Any:
        if isinstance(value, ResourceSpec):
            done = self.done.get(value.id.lower())
            if done is not None:
                return Var(done.var)
            return Declared(self.declared_address[value.id.lower()])
        if isinstance(value, SecretSetting):
            return Call("secret_setting", (self._setting(imported, field_name).name,))
        if isinstance(value, Solution):
            defaults = value.model.model_fields
            order = list(defaults)
            return Call(_register(value.model), kwargs=tuple(
                (k, self._expr(v, imported, k)) for k, v in sorted(value.values.items(), key=lambda i: order.index(i[0]))
                if defaults[k].is_required() or not _equal(v, defaults[k].get_default(call_default_factory=True))
            ))
        if isinstance(value, tuple):
            return tuple(self._expr(v, imported, field_name) for v in value)
        if isinstance(value, list):
            return [self._expr(v, imported, field_name) for v in value]
        if isinstance(value, dict):
            return {k: self._expr(v, imported, field_name) for k, v in value.items()}
        return value

    # -- checks -----------------------------------------------------------------------------------
    def _checked(self, imported: Imported, rules: CompareRules) -> Imported:
        """The spec compared with the live body as the planner compares them: each difference other
        than the ownership tags is a field that does not round-trip (`DIFFERS`)."""
        resource = imported.spec.to_resource(self.layer)
        desired = resolve_refs(resource.body, self.live_by_address, strict=False)
        result = compare(desired, imported.live.body, rules, secret_paths=tuple(resource.secrets))
        owned = {f"tags.{key}".lower() for key in self.owned}
        for difference in result.differences:
            if difference.path.lower() not in owned:
                imported.not_verifiable.append((_differing_path(difference.path), DIFFERS))
        return imported

    def _undeclared(self, spec: ResourceSpec, r: LiveResource, rules: CompareRules, children: tuple[str, ...]) -> list[str]:
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
        shown = ", ".join(repr(p) for p in left[:8]) + (f" and {len(left) - 8} more" if len(left) > 8 else "")
        return [f"not declared by {type(spec).__name__}, so left as Azure holds them: {shown}"]


#: Why a field is not verifiable when the comparison found it different.
DIFFERS = "differs"


def _differing_path(path: str) -> str:
    """The body path of a difference, list members by `[]` (`properties.x[name=a].y` -> `properties.x[].y`)."""
    return pattern_of(path)


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


def _declares(spec: ResourceSpec, list_path: str) -> bool:
    """Whether a spec's body declares the list at `list_path` (an NSG's `properties.securityRules`)."""
    node: Any = spec.body()
    for part in list_path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, list)


def _inline_lists(r: LiveResource, resources: Sequence[LiveResource]) -> tuple[str, ...]:
    """The lists of `r`'s body that hold children read as resources of their own."""
    return tuple(sorted({c.inline_in for c in resources if c.inline_in and c.parent_id.lower() == r.id.lower()}))


def _live_values_in(body: Any, generated: Mapping[str, LiveValue]) -> list[LiveValue]:
    return [generated[v] for _p, v in leaves(body) if isinstance(v, str) and v in generated]


def _concrete(value: Any) -> Any:
    if isinstance(value, SecretSetting):
        return None
    if isinstance(value, Solution):
        return value.build()
    if isinstance(value, tuple):
        return tuple(_concrete(v) for v in value)
    if isinstance(value, list):
        return [_concrete(v) for v in value]
    if isinstance(value, dict):
        return {k: _concrete(v) for k, v in value.items()}
    return value


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, ResourceSpec | Solution | SecretSetting) or isinstance(b, ResourceSpec):
        return False
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False
