"""Planning: desired against live, one resource at a time, into a `Plan` of plain data.

`plan_one` is the whole decision for one desired resource (create, update, replace or no-op;
blocked by a safety rule or by ownership); `plan` adds the prune deletes of an observation's
strays and who changed what (attribution).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from adapters.compare import Comparison, compare, render
from adapters.errors import Reason
from adapters.registry import rules_for
from desired_state.resource import Resource
from reconciler.engine.attribution import Attributor, attach
from reconciler.engine.convergence import FileConvergenceStore
from reconciler.engine.desired import DesiredResources
from reconciler.engine.observation import Live, Observation
from reconciler.engine.ownership import Ownership
from reconciler.engine.plan import SENSITIVE, Action, Change, DiffEntry, Plan, Refusal
from reconciler.engine.resolve import has_unknown, leaves, resolve_refs
from reconciler.engine.safety import SafetyPolicy

log = logging.getLogger("reconciler.engine")

#: Terminal provisioning states of a failed operation (ARM RPC, async operations).
FAILED_STATES = frozenset({"failed", "canceled"})


def compare_resource(resource: Resource, desired: Mapping[str, Any], live: Mapping[str, Any]) -> Comparison:
    """Desired against live with the type's rules and the resource's options."""
    return compare(
        desired,
        live,
        rules_for(resource.type, resource.name),
        tolerate_foreign_tags=resource.tolerate_foreign_tags,
        secret_paths=tuple(sorted(resource.secrets)),
    )


class Planner:
    """Plans one environment's changes from an observation, under one safety policy."""

    def __init__(
        self,
        desired: DesiredResources,
        ownership: Ownership,
        *,
        target: Literal["emulator", "azure"],
        safety: SafetyPolicy | None = None,
        convergence: FileConvergenceStore | None = None,
        attributor: Attributor | None = None,
    ) -> None:
        self.desired = desired
        self.environment = desired.environment
        self.ownership = ownership
        self.target = target
        self.safety = safety or SafetyPolicy()
        self.convergence = convergence
        #: Looks up who changed drifted resources (None: plans carry no attribution).
        self.attributor = attributor

    def plan_one(self, resource: Resource, live: Mapping[str, Live]) -> Change:
        """The change that makes `resource` as desired, given the live bodies of this run."""
        current = live.get(resource.address)
        desired: dict[str, Any] = resolve_refs(resource.body, live, strict=False)
        secret_paths = tuple(sorted(resource.secrets))

        def change(action: Action, diff: tuple[DiffEntry, ...], **extra: Any) -> Change:
            return Change(
                address=resource.address, id=resource.id, type=resource.type, action=action,
                depends_on=resource.depends_on, layer=resource.layer, diff=diff, **extra,
            )

        if current is None:
            created = [DiffEntry(p, None, v) for p, v in leaves(desired)]
            created += [DiffEntry(p, None, SENSITIVE) for p in secret_paths]
            return change("create", tuple(created))
        if has_unknown(desired):
            # A reference is not known although the resource exists: compare
            # the rest; the unknown part is settled once its target exists.
            desired = _drop_unknown(desired)
        result = compare_resource(resource, desired, current)
        known = self.convergence.not_kept(resource.id) if self.convergence is not None else {}
        # A field ARM did not keep when we last wrote this value is not rewritten:
        # it is reported until the desired value changes.
        stuck = tuple(
            known[d.path] for d in result.differences
            if d.path in known and _same(known[d.path].wrote, d.desired) and not d.requires_replace
        )
        stuck_paths = {n.path for n in stuck}
        diff = tuple(
            DiffEntry(d.path, _mask(d.path, d.live, secret_paths), _mask(d.path, d.desired, secret_paths))
            for d in result.differences
            if d.path not in stuck_paths
        )
        state = (current.get("properties") or {}).get("provisioningState")
        if isinstance(state, str) and state.lower() in FAILED_STATES:
            # A resource whose last operation failed is repaired by writing it
            # again (ARM PUTs are idempotent), even where its body matches.
            diff += (DiffEntry("properties.provisioningState", state, "Succeeded"),)
        action: Action = "noop"
        refusal: Refusal | None = None
        if diff:
            replace = any(d.requires_replace for d in result.differences)
            action = "replace" if replace else "update"
            if replace:
                refusal = self.safety.destroy_block(self.environment, resource.type, replace=True)
            refusal = self.ownership.owner_state(resource, live) or refusal
        reason = refusal.reason if refusal is not None else Reason.NOT_CONVERGENT if stuck and not diff else None
        # What ARM never returns: the write-only paths declared, and those the desired state could not declare.
        unverifiable = tuple(dict.fromkeys((*result.unverifiable, *resource.unverifiable)))
        return change(
            action, diff, unverifiable=unverifiable, blocked=refusal.why if refusal else None,
            reason=reason, not_convergent=stuck,
        )

    def plan(self, observation: Observation, addresses: Iterable[str] | None = None) -> Plan:
        """Every selected resource's change (default: all), then the prune deletes: each
        candidate the observation found that a fresh GET shows is ours (`Ownership.condemn`)."""
        resources = self.desired.resources
        selected = list(addresses) if addresses is not None else list(resources)
        changes = [
            self.plan_one(resources[a], observation.live)
            for a in selected
            if a not in observation.errors
        ]
        verdicts = self.ownership.condemn_all(observation.strays)
        for rid, rtype in dict.fromkeys(observation.strays):
            why = verdicts[rid]
            if why is not None:  # a candidate the fresh read does not show as ours: no change at all
                log.info("not pruned: %s %s", rid, why, extra={"id": rid, "type": rtype, "phase": "plan"})
                continue
            refusal = self.safety.destroy_block(self.environment, rtype, replace=False)
            changes.append(
                Change(
                    address=f"pruned:{rid}",
                    id=rid,
                    type=rtype,
                    action="delete",
                    blocked=refusal.why if refusal else None,
                    reason=refusal.reason if refusal else None,
                )
            )
        if self.attributor is not None:
            secrets = {a: tuple(r.secrets) for a, r in resources.items()}
            # A resource that is not ours yet (or is being adopted) has not drifted from anything we wrote:
            # its differences are the adoption, and whoever last wrote it is no answer to a question.
            foreign = {
                c.address for c in changes if c.address in resources and (
                    c.address in self.ownership.adopt
                    or self.ownership.owner_state(resources[c.address], observation.live) is not None
                )
            }
            attributed = [c for c in changes if c.address not in foreign]
            changes = list(attach(changes, self.attributor.attribute(attributed, secrets)))
        return Plan(self.environment, self.target, tuple(changes), dict(observation.errors))


def _same(a: Any, b: Any) -> bool:
    return render(a) == render(b)


def _mask(path: str, value: Any, secret_paths: tuple[str, ...]) -> Any:
    return SENSITIVE if value is not None and path in secret_paths else value


def _drop_unknown(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _drop_unknown(v) for k, v in body.items() if not has_unknown(v) or isinstance(v, dict)}
    return body
