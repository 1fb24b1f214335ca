"""The import itself: check, read, refuse, model, write (docs/import.md).

Everything that can be refused is refused before anything is written: an `--out` that is not a
previous import of the same groups (unless `force`), a group in another subscription than the
target, a group that does not exist, and any resource the environment already manages (declared by
its desired state, or carrying this tool's ownership tags, of any environment: taking it over would
take it from its controller).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import local_files
from adapters.arm_id import check_name
from adapters.registry import AdapterRegistry
from desired_state.errors import ReconcilerError
from desired_state.layers.context import LayerContext
from desired_state.resource import ResourceSpec
from desired_state.state import build_layers
from desired_state.tags import ENVIRONMENT_TAG, OWNER_TAG, OWNER_VALUE
from reconciler.engine.session import Session
from reconciler.importer.codegen import formatted, header, read_header, source
from reconciler.importer.layer import LayerBuilder
from reconciler.importer.model import ImportedLayer
from reconciler.importer.reading import GROUP_TYPE, GroupReader

_GROUP_ID = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<name>[^/]+)/?$", re.IGNORECASE)
#: ARM's rule for resource group names (desired_state.resource.ResourceGroupSpec).
_GROUP_NAME = re.compile(r"^[\w\-.()]{0,89}[\w\-()]$")
#: Refused resources named in one message (the rest are counted).
_NAMED = 10


class ImportRefused(ReconcilerError, ValueError):
    """An import that would write something it must not: one line naming what and the fix."""

    outcome = "validation"


@dataclass
class ImportResult:
    layer: ImportedLayer
    out: Path
    warnings: list[str] = field(default_factory=list)
    types: int = 0


def group_name(given: str) -> tuple[str | None, str]:
    """(subscription or None, name) of one `--resource-group` (a name, or a group id); ImportRefused
    for what is not a group name. Needs no target: the import command checks every group with it
    before the target opens (a bad name creates no state file and sends nothing)."""
    match = _GROUP_ID.match(given)
    subscription, name = (match["sub"], match["name"]) if match is not None else (None, given)
    if not _GROUP_NAME.match(name):
        raise ImportRefused(
            f"--resource-group {given!r}: not a resource group name (letters, digits, _-.() up to 90, not ending "
            "in .); give a name or /subscriptions/ID/resourceGroups/NAME"
        )
    check_name(name, GROUP_TYPE, source=f"--resource-group {given}")  # the one id constructor's rule
    return subscription, name


def group_ids(groups: Sequence[str], subscription_id: str) -> list[str]:
    """Each `--resource-group` (a name, or a group id) as an id in the target's subscription;
    ImportRefused for one in another subscription or not a group name."""
    ids: list[str] = []
    for given in groups:
        subscription, name = group_name(given)
        if subscription is not None and subscription.lower() != subscription_id.lower():
            raise ImportRefused(
                f"--resource-group {given}: in subscription {subscription}, not the target's {subscription_id}; "
                "import it with that subscription as the target (AZURE_SUBSCRIPTION_ID), nothing was written"
            )
        ids.append(f"/subscriptions/{subscription_id}/resourceGroups/{name}")
    return list(dict.fromkeys(ids))


#: How `--out` is named in what the one file writer says.
OUT, OUT_FIX = "--out", "choose another path for --out"


def previous_import(groups: Sequence[str]) -> Callable[[bytes], bool]:
    """The one file writer's test that a file is ours to replace: a previous import of the same groups."""
    wanted = sorted(g.lower() for g in groups)

    def is_ours(content: bytes) -> bool:
        header = read_header(content.decode("utf-8", "replace"))
        return header is not None and header.get("groups") == wanted

    return is_ours


def check_out(out: Path, groups: Sequence[str], layer: str, *, force: bool) -> None:
    """`--out` may be written (the one file writer's check): absent, or a previous import of the same
    groups (else `force`); never a link, a directory or another special file."""
    if out.suffix != ".py":
        raise ImportRefused(f"--out {out}: not a .py file; the import is a Python module, name it like imported.py")
    if not out.parent.is_dir():
        raise ImportRefused(f"--out {out}: directory {out.parent} does not exist; create it or choose another path")
    if not force:  # say which it is: not an import at all, or one of other groups
        content = local_files.read_prefix(out, 64 * 1024, what=OUT, fix=OUT_FIX)
        if content and not previous_import(groups)(content):
            what = "an import of other resource groups" if read_header(content.decode("utf-8", "replace")) else (
                "not a file `reconcile import` wrote")
            raise ImportRefused(f"--out {out}: exists and is {what}; it was left unchanged (pass --force to replace it)")
    local_files.check_writable(out, what=OUT, fix=OUT_FIX, is_ours=previous_import(groups), force=force,
                               force_hint="--force")


def write_module(out: Path, groups: Sequence[str], text: str, *, force: bool) -> None:
    """The module, through the one file writer: atomically, replacing only a previous import of the
    same groups (or anything regular with `force`)."""
    local_files.write_text(out, text, what=OUT, fix=OUT_FIX, is_ours=previous_import(groups), force=force,
                           force_hint="--force")


def declared_specs(session: Session) -> dict[str, ResourceSpec]:
    """The environment's own specs by address (what imported resources may refer to)."""
    ctx = LayerContext(settings=session.state.settings, secrets=session.secrets,
                       subscription_id=session.target.subscription_id)
    return {spec.address: spec for specs in build_layers(ctx).values() for spec in specs}


def shared_ids(declared: dict[str, ResourceSpec]) -> set[str]:
    """Lower-cased ids the environment declares but claims for no environment: declared without tags and
    under nothing it tags (the subscription's network watcher and its group, which every environment of
    a subscription shares). An import refers to them instead of refusing or writing them."""
    tagged = [spec.id.lower() for spec in declared.values() if "tags" in spec.body()]
    return {
        spec.id.lower() for spec in declared.values()
        if "tags" not in spec.body() and not any(spec.id.lower().startswith(t + "/") for t in tagged)
    }


def managed(resources: Sequence[tuple[str, Any]], declared: dict[str, ResourceSpec], environment: str) -> list[str]:
    """Why each (id, tags) the environment (or another environment of this tool) manages is."""
    shared = shared_ids(declared)
    addresses = {spec.id.lower(): address for address, spec in declared.items() if spec.id.lower() not in shared}
    found: list[str] = []
    for rid, tags in resources:
        address = addresses.get(rid.lower())
        folded = {str(k).lower(): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {}
        if address is not None:
            found.append(f"{rid} (declared by {environment} as {address})")
        elif folded.get(OWNER_TAG) == OWNER_VALUE:
            found.append(f"{rid} (owned by environment {folded.get(ENVIRONMENT_TAG, '?')!r}: ownership tags)")
    return found


def refuse_managed(resources: Sequence[tuple[str, Any]], declared: dict[str, ResourceSpec], environment: str) -> None:
    refused = managed(resources, declared, environment)
    if refused:
        more = f" and {len(refused) - _NAMED} more" if len(refused) > _NAMED else ""
        raise ImportRefused(
            f"{len(refused)} resource(s) in the groups are already managed: {'; '.join(refused[:_NAMED])}{more}; "
            "import groups that hold none (a managed resource is changed through its own layer), nothing was written"
        )


def run_import(
    session: Session, groups: Sequence[str], out: Path, layer: str, *, force: bool, tool_version: str,
    generic: Sequence[str] = (),
) -> tuple[ImportResult, str]:
    """Read the groups and make the layer module's source (formatted); nothing is written here."""
    ids = group_ids(groups, session.target.subscription_id)
    check_out(out, ids, layer, force=force)
    registry = session.engine.adapters
    assert isinstance(registry, AdapterRegistry)
    reader = GroupReader(registry)
    declared = declared_specs(session)
    environment = session.state.environment
    for group in ids:  # first what ARM lists with its tags: a group the environment manages is refused at once
        body = reader.read(GROUP_TYPE, group)
        if body is None:
            raise ImportRefused(
                f"--resource-group {group.rsplit('/', 1)[-1]}: no such resource group in subscription "
                f"{session.target.subscription_id}; nothing was written"
            )
        listed = registry.list_resources(group.rsplit("/", 1)[-1])
        refuse_managed([(group, body.get("tags")), *((r.id, r.tags) for r in listed)], declared, environment)
    for group in ids:
        reader.group(group)
    resources = reader.reading.resources
    refuse_managed([(r.id, r.body.get("tags")) for r in resources], declared, environment)
    builder = LayerBuilder(layer, environment, session.target.subscription_id, declared,
                           generic=frozenset(t.lower() for t in generic))
    imported = builder.build(resources, ids)
    text = formatted(source(imported, tool_version))
    compile(text, str(out), "exec")  # what was generated is Python (a failure here is ours, not the estate's)
    result = ImportResult(imported, out, warnings=list(reader.reading.warnings),
                          types=len({r.live.type.lower() for r in imported.resources}))
    assert header(imported)["groups"] == sorted(g.lower() for g in ids)
    return result, text
