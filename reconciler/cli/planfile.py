"""Saved plans: a dry run's plan written to a file for review, and applied
later exactly as reviewed, refusing each write whose resource moved since.

    reconcile --dry-run --env E --out PLANFILE     save (this module's `save`)
    reconcile apply PLANFILE                       verify (`load`, `verify`), then apply with `plan_guard.LiveGuard`
    reconcile show-plan PLANFILE                   render (`load`)

The format is documented with its version in docs/plan-format.md ("Saved
plans"). What the file holds per runnable change: the desired body (secrets
only as a keyed fingerprint), the action, and what the plan saw live: the
etag where the type is guarded by one (`If-Match`), else a digest of the live
values the comparison looked at. No state file is involved: live etags are
the reference, as Terraform's saved plan uses its state's serial.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import local_files
from adapters.base import Adapter
from adapters.errors import Reason
from desired_state.errors import ReconcilerError
from desired_state.state import DesiredState
from reconciler.cli.common import tool_version
from reconciler.engine.attribution_record import Attribution
from reconciler.engine.convergence import NotKept
from reconciler.engine.engine import Engine, Live, Observation, secret_fingerprint
from reconciler.engine.plan import Change, DiffEntry, Plan
from reconciler.runtime.logs import redact_value

#: Identifies the file; `SAVED_PLAN_VERSION` is bumped on any incompatible change.
SAVED_PLAN_FORMAT = "azure-reconciler/saved-plan"
SAVED_PLAN_VERSION = 1
DEFAULT_MAX_AGE = timedelta(hours=24)
#: A plan dated this far in the future is refused (clocks of the plan and apply jobs disagree).
CLOCK_SKEW = timedelta(minutes=5)
#: Live fields that change without anyone changing the resource.
_VOLATILE = ("etag", "systemData")


class PlanFileError(ReconcilerError, ValueError):
    """The saved plan may not be applied (one line: why, and what to do)."""

    outcome = "validation"


class StaleResource(ReconcilerError):
    """The live resource is no longer what the plan saw: its write is refused."""

    outcome = "stale"

    def __init__(self, address: str, what: str) -> None:
        super().__init__(f"changed since the plan was saved ({what}); not overwritten, plan again")
        self.address = address


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def desired_digest(state: DesiredState) -> str:
    """A digest of one environment's desired state: every resource's address,
    id, type, body, dependencies and secret *paths* (never secret values, so
    a rotated secret is caught per resource by its fingerprint instead)."""
    resources = [
        {
            "address": r.address, "id": r.id, "type": r.type, "body": r.body,
            "depends_on": list(r.depends_on), "secret_paths": sorted(r.secrets),
            "tolerate_foreign_tags": r.tolerate_foreign_tags,
        }
        for r in state.resources
    ]
    return "sha256:" + hashlib.sha256(_canonical({"environment": state.environment, "resources": resources})).hexdigest()


def compared_live(live: Any, desired: Any) -> Any:
    """The part of a live body that comparison looks at: the paths the desired
    body declares (lists and scalars whole), and all tags (foreign ones count)."""
    if not isinstance(desired, dict) or not isinstance(live, dict):
        return live
    by_lower = {k.lower(): k for k in live}
    out: dict[str, Any] = {}
    for key, want in desired.items():
        live_key = key if key in live else by_lower.get(key.lower())
        if live_key is not None:
            out[key] = live[live_key] if key == "tags" else compared_live(live[live_key], want)
    return out


def live_digest(live: Mapping[str, Any], desired: Mapping[str, Any] | None) -> str:
    """Digest of the compared live values (of the whole body less volatile
    fields for a resource that is to be deleted, which has no desired body)."""
    if desired is None:
        seen: Any = {k: v for k, v in live.items() if k not in _VOLATILE}
    else:
        seen = compared_live(dict(live), dict(desired))
    return "sha256:" + hashlib.sha256(_canonical(seen)).hexdigest()


def etag_seen(adapter: Adapter, resource_id: str, live: Mapping[str, Any]) -> str | None:
    """The etag a write of this type sends as If-Match, or None where it takes none."""
    return adapter.etag_of(resource_id, live)


def _guards_with_etag(adapter: Adapter) -> bool:
    return adapter.entry.etag


def content_digest(document: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of the document without its own digest, keyed like the
    secret fingerprints (RECONCILER_FINGERPRINT_KEY, else the subscription id)."""
    body = {k: v for k, v in document.items() if k != "content_digest"}
    return "hmac-sha256:" + hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


# -- save ---------------------------------------------------------------------------------------


def _seen(engine: Engine, change: Change, live: Live, desired: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the plan saw live: absent, an etag, or a digest of the compared values."""
    if live is None:
        return {"exists": False}
    adapter = engine.adapters.for_type(change.type)
    etag = etag_seen(adapter, change.id, live)
    if etag is None and _guards_with_etag(adapter):
        # Observed through a list (no ETag header): read it for its etag, and
        # make sure it is still the body that was planned from.
        fresh = adapter.read(change.id)
        if fresh is None or live_digest(fresh, desired) != live_digest(live, desired):
            raise PlanFileError(f"{change.address} changed while planning; run the dry run again")
        etag = etag_seen(adapter, change.id, fresh)
    if etag is not None:
        return {"exists": True, "etag": etag}
    return {"exists": True, "digest": live_digest(live, desired)}


def build_document(
    engine: Engine,
    plan: Plan,
    observation: Observation,
    *,
    subscription_id: str,
    options: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The saved-plan document of `plan` (see docs/plan-format.md)."""
    if plan.errors:
        raise PlanFileError(
            f"--out: {len(plan.errors)} resource(s) could not be read, so the plan is incomplete and was not saved; "
            "fix the read errors and plan again"
        )
    changes: list[dict[str, Any]] = []
    for change in plan.changes:
        entry = change.to_json()
        entry["layer"] = change.layer
        if change.runnable:
            resource = engine.resources.get(change.address)
            desired = resource.body if resource is not None else None
            live = observation.live.get(change.address) if resource is not None else engine.adapters.for_type(
                change.type
            ).read(change.id)
            entry["desired"] = desired
            entry["secret_fingerprint"] = (
                secret_fingerprint(resource, engine.fingerprint_key) if resource is not None and resource.secrets else None
            )
            entry["live"] = _seen(engine, change, live, desired)
        changes.append(entry)
    document: dict[str, Any] = {
        "format": SAVED_PLAN_FORMAT,
        "format_version": SAVED_PLAN_VERSION,
        "environment": plan.environment,
        "target": {"kind": plan.target, "subscription_id": subscription_id},
        "tool_version": tool_version(),
        "created_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "desired_state_digest": desired_digest(engine.state),
        "options": dict(options),
        "summary": plan.summary,
        "changes": changes,
    }
    # Secrets are masked in the file as on the terminal (a secret quoted in a caller's name,
    # an error message): the output funnel's registry, before the digest is taken.
    document = redact_value(document)
    document["content_digest"] = content_digest(document, engine.fingerprint_key)
    return document


#: Largest saved plan read (the plan of the largest estate is about 2 MiB).
MAX_PLAN_BYTES = 64 * 1024 * 1024
_OUT_FIX = "choose another path for --out"


def is_saved_plan(content: bytes) -> bool:
    """The marker of a saved plan: a JSON object whose ``format`` is ours (a file --out may replace)."""
    try:
        if local_files.json_depth(content) > local_files.MAX_DEPTH:
            return False
        document = json.loads(content)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict) and document.get("format") == SAVED_PLAN_FORMAT


def check_out(path: Path, *, force: bool = False) -> None:
    """Before the dry run: `--out` can be written, and replaces nothing but an earlier saved plan
    (`--force` replaces any regular file); never a link, a directory or another special file."""
    local_files.check_writable(
        path, what="--out", fix=_OUT_FIX if path.parent.is_dir() else "create it or choose another path",
        is_ours=is_saved_plan, force=force, force_hint="--force",
    )


def save(path: Path, document: Mapping[str, Any], *, force: bool = False) -> None:
    """Write atomically (a half-written plan must never be applied), through the one safe
    writer (`local_files`): registered secrets were masked when the document was built."""
    local_files.write_json(
        path, document, indent=2, what="--out", fix=_OUT_FIX, is_ours=is_saved_plan, force=force, force_hint="--force"
    )


# -- load and verify ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedPlan:
    """A saved plan read back: its document and the plan it describes."""

    path: Path
    document: dict[str, Any]

    @property
    def environment(self) -> str:
        return str(self.document["environment"])

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(str(self.document["created_at"]))

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        return {str(c["address"]): c for c in self.document["changes"]}

    def plan(self) -> Plan:
        changes = tuple(
            Change(
                address=c["address"], id=c["id"], type=c["type"], action=c["action"],
                depends_on=tuple(c.get("depends_on") or ()),
                diff=tuple(DiffEntry(d["path"], d["before"], d["after"]) for d in c.get("diff") or ()),
                unverifiable=tuple(c.get("unverifiable") or ()), blocked=c.get("blocked"), layer=c.get("layer", ""),
                not_convergent=tuple(NotKept(n["path"], n.get("wrote"), n.get("returned")) for n in c.get("not_convergent") or ()),
                attribution=Attribution.from_json(c["attribution"]) if c.get("attribution") else None,
                reason=_reason(c.get("reason")),
            )
            for c in self.document["changes"]
        )
        target = self.document["target"]["kind"]
        return Plan(self.environment, "azure" if target == "azure" else "emulator", changes, {})


def _reason(code: Any) -> Reason | None:
    """A change's reason code as saved (None for a file saved before codes, or an unknown code)."""
    try:
        return Reason(code) if isinstance(code, str) else None
    except ValueError:
        return None


_REQUIRED = ("environment", "target", "tool_version", "created_at", "desired_state_digest", "changes", "content_digest")


def load(path: Path) -> SavedPlan:
    """Read a plan file and check its format (no call to Azure)."""
    where = f"plan file {path}"
    try:
        document = local_files.read_json(
            path, what="plan file", fix=f"save one with `reconcile --dry-run --out {path}`", max_bytes=MAX_PLAN_BYTES
        )
    except local_files.LocalFileError as error:
        raise PlanFileError(str(error)) from None
    if not isinstance(document, dict) or document.get("format") != SAVED_PLAN_FORMAT:
        raise PlanFileError(f"{where}: not a saved plan (no \"format\": \"{SAVED_PLAN_FORMAT}\"); save one with --out")
    if document.get("format_version") != SAVED_PLAN_VERSION:
        raise PlanFileError(
            f"{where}: format_version {document.get('format_version')!r}, this tool reads {SAVED_PLAN_VERSION}; "
            "plan again with this version"
        )
    missing = [k for k in _REQUIRED if k not in document]
    if missing:
        raise PlanFileError(f"{where}: missing {', '.join(missing)}; the file was altered, plan again")
    try:
        saved = SavedPlan(path, document)
        _ = (saved.created_at, saved.plan())  # both parse the fields they read
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanFileError(f"{where}: malformed ({type(exc).__name__}: {exc}); the file was altered, plan again") from None
    return saved


def check_integrity(saved: SavedPlan, key: bytes) -> None:
    """The file's own digest: refused when any byte that matters was edited."""
    expected = content_digest(saved.document, key)
    if not hmac.compare_digest(expected, str(saved.document["content_digest"])):
        raise PlanFileError(
            f"plan file {saved.path}: content digest does not match (the file was edited after it was saved, "
            "or RECONCILER_FINGERPRINT_KEY differs from the plan job's); plan again"
        )


def check_offline(saved: SavedPlan, *, key: bytes, max_age: timedelta, now: datetime | None = None) -> None:
    """What `verify` checks that needs no target (integrity, age, clock): run before the target is
    opened, so a refused plan creates nothing (not even the emulator's state file)."""
    check_integrity(saved, key)
    _check_age(saved, max_age, now or datetime.now(UTC))


def _check_age(saved: SavedPlan, max_age: timedelta, now: datetime) -> None:
    where = f"plan file {saved.path}"
    created = saved.created_at
    if created.tzinfo is None:
        raise PlanFileError(f"{where}: created_at has no time zone; the file was altered, plan again")
    age = now - created
    if age > max_age:
        raise PlanFileError(
            f"{where} is {_duration(age)} old, older than --max-age {_duration(max_age)}; plan again "
            "(or pass a larger --max-age)"
        )
    if age < -CLOCK_SKEW:
        raise PlanFileError(f"{where} is dated {created.isoformat()}, in the future; check the clocks and plan again")


def verify(
    saved: SavedPlan,
    *,
    environment: str | None,
    target_kind: str,
    subscription_id: str,
    key: bytes,
    state: DesiredState,
    max_age: timedelta = DEFAULT_MAX_AGE,
    now: datetime | None = None,
) -> None:
    """Everything checked before any call: environment, target, integrity,
    age, and that the desired state is the one the plan was made from."""
    where = f"plan file {saved.path}"
    if environment is not None and environment != saved.environment:
        raise PlanFileError(f"{where} is for {saved.environment}, not --env {environment}; use a plan saved for {environment}")
    target = saved.document["target"]
    if target.get("kind") != target_kind or str(target.get("subscription_id", "")).lower() != subscription_id.lower():
        raise PlanFileError(
            f"{where} was made against {target.get('kind')} subscription {target.get('subscription_id')}, "
            f"this run targets {target_kind} subscription {subscription_id}; apply it where it was planned"
        )
    check_integrity(saved, key)
    _check_age(saved, max_age, now or datetime.now(UTC))
    if saved.document["desired_state_digest"] != desired_digest(state):
        raise PlanFileError(
            f"{where} was made from another desired state of {saved.environment} (desired-state digest differs: "
            "the code or settings changed since); plan again and review the new plan"
        )


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{delta.total_seconds():.3g}s"
