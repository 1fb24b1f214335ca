"""What the builders of one import share: the specs made so far, the estate's, the live bodies by
address, the generated values, the settings' names; and the operations on them (references,
settings, expressions, the planner's check)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.compare import CompareRules, compare, pattern_of
from desired_state.resource import ResourceSpec
from desired_state.tags import ownership_tags
from reconciler.engine.resolve import resolve_refs
from reconciler.importer.expressions import Call, Declared
from reconciler.importer.model import DIFFERS, Imported, Setting, equal
from reconciler.importer.references import LiveValue, Names
from reconciler.importer.typed import SecretSetting, Solution, SpecPool


@dataclass
class ImportContext:
    """The state of one import."""

    layer: str
    environment: str
    subscription_id: str
    declared: dict[str, ResourceSpec]
    pool: SpecPool = field(init=False)
    declared_address: dict[str, str] = field(init=False)
    owned: dict[str, str] = field(init=False)
    #: lower-cased id -> what was imported for it
    done: dict[str, Imported] = field(default_factory=dict)
    live_by_address: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)
    generated: dict[str, LiveValue] = field(default_factory=dict)
    #: (resource, referred) lower-cased ids whose reference would close a cycle: they stay ids
    broken: set[tuple[str, str]] = field(default_factory=set)
    settings_names: Names = field(default_factory=Names)

    def __post_init__(self) -> None:
        self.pool = SpecPool(list(self.declared.values()))
        self.declared_address = {spec.id.lower(): address for address, spec in self.declared.items()}
        self.owned = ownership_tags(self.environment)

    def reference(self, value: str, imported: Imported) -> tuple[Any, Any] | None:
        """(spec, expression) of the imported or declared resource an id names, or None."""
        key = value.lower()
        if not key.startswith("/subscriptions/") or key == imported.live.id.lower():
            return None
        if (imported.live.id.lower(), key) in self.broken:
            imported.comments.append(f"{value!r} stays an id: a reference to it would close a cycle")
            return None
        done = self.done.get(key)
        if done is not None:
            return done.spec, done.expression
        address = self.declared_address.get(key)
        if address is not None:
            return self.declared[address], Declared(address)
        return None

    def setting(self, imported: Imported, path: str) -> Setting:
        """The environment variable a secret of `imported` is read from."""
        name = self.settings_names.take(f"{self.layer}_{imported.var}_{path.rsplit('.', 1)[-1]}").upper()
        setting = Setting(name, imported.address, path)
        imported.settings.append(setting)
        imported.comments.append(f"secret {path!r}: read from the environment variable {name} (never written here)")
        return setting

    def expr(self, value: Any, imported: Imported, field_name: str) -> Any:
        """The expression writing a searched field value."""
        if isinstance(value, ResourceSpec):
            done = self.done.get(value.id.lower())
            return done.expression if done is not None else Declared(self.declared_address[value.id.lower()])
        if isinstance(value, SecretSetting):
            return Call("secret_setting", (self.setting(imported, field_name).name,))
        if isinstance(value, Solution):
            fields = value.model.model_fields
            order = list(fields)
            return Call(value.model, kwargs=tuple(
                (k, self.expr(v, imported, k)) for k, v in sorted(value.values.items(), key=lambda i: order.index(i[0]))
                if fields[k].is_required() or not equal(v, fields[k].get_default(call_default_factory=True))
            ))
        if isinstance(value, tuple):
            return tuple(self.expr(v, imported, field_name) for v in value)
        if isinstance(value, list):
            return [self.expr(v, imported, field_name) for v in value]
        if isinstance(value, dict):
            return {k: self.expr(v, imported, field_name) for k, v in value.items()}
        return value

    def differences(self, imported: Imported, rules: CompareRules) -> list[str]:
        """The spec compared with the live body as the planner compares them: the path of each
        difference other than the ownership tags (a field that does not round-trip)."""
        resource = imported.spec.to_resource(self.layer)
        desired = resolve_refs(resource.body, self.live_by_address, strict=False)
        result = compare(desired, imported.live.body, rules, secret_paths=tuple(resource.secrets),
                         tolerate_foreign_tags=resource.tolerate_foreign_tags)
        owned = {f"tags.{key}".lower() for key in self.owned}
        return [pattern_of(d.path) for d in result.differences if d.path.lower() not in owned]

    def checked(self, imported: Imported, rules: CompareRules) -> Imported:
        """`imported` with each difference noted as not verifiable (`DIFFERS`)."""
        imported.not_verifiable += [(path, DIFFERS) for path in self.differences(imported, rules)]
        return imported
