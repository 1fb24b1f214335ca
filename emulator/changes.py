"""Who wrote what: every committed write's caller, client and before/after body.

The record feeds two read APIs, as Azure keeps two: Resource Graph's
``resourcechanges`` table (``emulator/resourcegraph.py``) and the Activity Log
(``emulator/activitylog.py``).

The caller comes from the bearer token's claims. Azure validates a signed
token; the emulator does not, and documents an unsigned test token instead:
a JWT whose header is ``{"alg": "none", "typ": "JWT"}`` and whose payload
carries the claims Azure AD puts in an ARM token (``oid``, ``appid``, ``upn``
or ``name``, ``idtyp``: ``user`` or ``app``), the three parts base64url without
padding and the signature empty: ``<header>.<payload>.`` (``unsigned_token``
builds one). An opaque token (not a JWT) is a caller the emulator cannot name.
The token itself is never stored; only these claims are.

``changedBy`` follows Resource Graph: a user's sign-in name (``upn``), else an
application's id (``appid``) (Microsoft Learn, "Get resource changes",
https://learn.microsoft.com/azure/governance/resource-graph/changes/get-resource-changes:
"changedBy: who initiated a change in your resource, like an app ID or
authorized person's email address"). The client type comes from the
``x-ms-client-app`` header when present, else from the ``User-Agent`` (the
table ``_CLIENT_TYPES``; an emulator convention, Azure derives it internally).

Knobs (environment, read by ``ChangeFeedConfig.from_env``):
``RECONCILER_EMULATOR_CHANGES_DELAY_SECONDS`` (float, 0): how long a change
takes to become visible in both APIs (Azure: "should be available in less
than five minutes"); ``RECONCILER_EMULATOR_CHANGES_FORBIDDEN``: comma list of
``resourcegraph``, ``activitylog``: the caller lacks the read permission, 403
``AuthorizationFailed``.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.errors import ArmError
from emulator.exchange import strict_json

_SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_key TEXT NOT NULL,
    target_type TEXT NOT NULL,
    sub TEXT NOT NULL,
    rg TEXT NOT NULL,
    change_type TEXT NOT NULL,
    operation TEXT NOT NULL,
    method TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_by_type TEXT NOT NULL,
    client_type TEXT NOT NULL,
    claims TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    at REAL NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS changes_target ON changes (target_key, at);
CREATE INDEX IF NOT EXISTS changes_sub ON changes (sub, at);
"""

#: (substring of x-ms-client-app or User-Agent, lower-case) -> clientType; first match wins.
_CLIENT_TYPES: tuple[tuple[str, str], ...] = (
    ("portal", "Azure Portal"),
    ("hubsextension", "Azure Portal"),
    ("mozilla/", "Azure Portal"),
    ("azure-cli", "Azure CLI"),
    ("azurecli", "Azure CLI"),
    ("azurepowershell", "Azure PowerShell"),
    ("terraform", "Terraform"),
    ("azsdk-", "Azure SDK"),
)
#: Claims kept from a token (never the token itself).
_KEPT_CLAIMS = ("oid", "appid", "upn", "name", "unique_name", "idtyp", "tid")
SOURCES = ("resourcegraph", "activitylog")


@dataclass(frozen=True)
class ChangeFeedConfig:
    """Visibility delay and denial of the two change APIs."""

    delay_seconds: float = 0.0
    forbidden: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ChangeFeedConfig:
        env = os.environ if environ is None else environ
        raw = env.get("RECONCILER_EMULATOR_CHANGES_DELAY_SECONDS", "") or "0"
        try:
            delay = float(raw)
        except ValueError:
            raise ValueError(
                f"RECONCILER_EMULATOR_CHANGES_DELAY_SECONDS={raw!r}: not a number; set it like 30 or unset it"
            ) from None
        names = {n.strip().lower() for n in env.get("RECONCILER_EMULATOR_CHANGES_FORBIDDEN", "").split(",") if n.strip()}
        unknown = names - set(SOURCES)
        if unknown:
            raise ValueError(
                f"RECONCILER_EMULATOR_CHANGES_FORBIDDEN: unknown {', '.join(sorted(unknown))}; "
                f"use a comma list of {', '.join(SOURCES)}"
            )
        return cls(delay_seconds=delay, forbidden=frozenset(names))

    def check_allowed(self, source: str, action: str, scope: str) -> None:
        """403 AuthorizationFailed when the source is denied (ARM's error for a missing RBAC action)."""
        if source in self.forbidden:
            raise ArmError(
                403,
                "AuthorizationFailed",
                f"The client does not have authorization to perform action '{action}' over scope '{scope}' "
                "or the scope is invalid.",
            )


@dataclass(frozen=True)
class Caller:
    """Who sent a request, from its token's claims and its client headers."""

    claims: Mapping[str, str]
    client_type: str
    user_agent: str

    @property
    def changed_by(self) -> str:
        return self.claims.get("upn") or self.claims.get("unique_name") or self.claims.get("appid") or ""

    @property
    def changed_by_type(self) -> str:
        if self.claims.get("idtyp") == "user" or self.claims.get("upn"):
            return "User"
        if self.claims.get("appid"):
            return "Application"
        return ""


def unsigned_token(claims: Mapping[str, str]) -> str:
    """An unsigned test token (``alg: none``) carrying ``claims``; the emulator reads, never verifies, it."""

    def part(value: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(dict(claims))}."


class MalformedToken(ValueError):
    """A JWT whose claims are not a JSON object of UTF-8 text."""


def token_claims(token: str) -> dict[str, str]:
    """The kept claims of a JWT (signed or not; no verification), {} for an opaque token;
    `MalformedToken` for a JWT whose claims cannot be read (the request's root answers 400)."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        raw = base64.b64decode(parts[1] + "=" * (-len(parts[1]) % 4), altchars=b"-_", validate=True)
        payload = strict_json(raw)
    except (ValueError, UnicodeEncodeError) as err:
        raise MalformedToken(f"the access token's claims cannot be read: {err}") from None
    if not isinstance(payload, dict):
        raise MalformedToken("the access token's claims are not a JSON object")
    return {k: str(payload[k]) for k in _KEPT_CLAIMS if isinstance(payload.get(k), str | int)}


def check_token(headers: Mapping[str, str]) -> None:
    """At the root of every request: a JWT's claims must be readable (400 otherwise, as ARM
    refuses a token it cannot read), so no handler meets them broken."""
    try:
        caller_of(headers)
    except MalformedToken as err:
        raise ArmError(400, "InvalidAuthenticationToken", f"The access token is invalid: {err}.") from None


def caller_of(headers: Mapping[str, str]) -> Caller:
    """The caller of a request whose header names are lower-cased."""
    auth = headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    agent = headers.get("user-agent", "")
    hint = f"{headers.get('x-ms-client-app', '')} {agent}".lower()
    client = next((name for needle, name in _CLIENT_TYPES if needle in hint), "Other")
    return Caller(token_claims(token), client, agent[:200])


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Add the ``changes`` table to a state file (other tables untouched)."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def record(
    conn: sqlite3.Connection,
    *,
    caller: Caller,
    method: str,
    target_id: str,
    arm_type: str,
    before: str | None,
    after: str | None,
    at: float,
    correlation_id: str,
) -> None:
    """Record one committed write, in the caller's transaction."""
    segs = target_id.strip("/").split("/")
    sub = segs[1].lower() if len(segs) > 1 else ""
    rg = segs[3].lower() if len(segs) > 3 and segs[2].lower() == "resourcegroups" else ""
    change_type = "Delete" if after is None else "Create" if before is None else "Update"
    verb = "delete" if after is None else "write"
    conn.execute(
        "INSERT INTO changes (change_id, target_id, target_key, target_type, sub, rg, change_type, operation, "
        "method, changed_by, changed_by_type, client_type, claims, correlation_id, user_agent, at, before, after) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            str(uuid.uuid4()), target_id, target_id.lower(), arm_type.lower(), sub, rg, change_type,
            f"{arm_type.lower()}/{verb}", method, caller.changed_by, caller.changed_by_type, caller.client_type,
            json.dumps(dict(caller.claims), sort_keys=True), correlation_id, caller.user_agent, at, before, after,
        ),
    )


@dataclass(frozen=True)
class ChangeRow:
    """One recorded write."""

    seq: int
    change_id: str
    target_id: str
    target_type: str
    sub: str
    rg: str
    change_type: str
    operation: str
    method: str
    changed_by: str
    changed_by_type: str
    client_type: str
    claims: dict[str, str]
    correlation_id: str
    at: float
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def visible(conn: sqlite3.Connection, sub: str, *, now: float, delay: float, target: str | None = None) -> list[ChangeRow]:
    """The changes of a subscription (one target when given) visible at ``now``, oldest first."""
    sql = (
        "SELECT seq, change_id, target_id, target_type, sub, rg, change_type, operation, method, changed_by, "
        "changed_by_type, client_type, claims, correlation_id, at, before, after FROM changes "
        "WHERE sub = ? AND at <= ?"
    )
    args: list[Any] = [sub.lower(), now - delay]
    if target is not None:
        sql += " AND target_key = ?"
        args.append(target.lower())
    try:
        rows = conn.execute(sql + " ORDER BY seq", args).fetchall()
    except sqlite3.OperationalError:
        return []  # a state file from before the table existed
    return [
        ChangeRow(
            seq=r[0], change_id=r[1], target_id=r[2], target_type=r[3], sub=r[4], rg=r[5], change_type=r[6],
            operation=r[7], method=r[8], changed_by=r[9], changed_by_type=r[10], client_type=r[11],
            claims=json.loads(r[12]), correlation_id=r[13], at=r[14],
            before=json.loads(r[15]) if r[15] else None, after=json.loads(r[16]) if r[16] else None,
        )
        for r in rows
    ]


#: Paths Resource Graph counts as changed by the platform, not by the caller.
_SYSTEM_PATHS = ("properties.provisioningState", "etag")
_IGNORED = frozenset({"id", "name", "type"})


def property_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Resource Graph's ``changes`` map: dotted path -> previousValue/newValue/category/type."""
    old = dict(_leaves(before or {}))
    new = dict(_leaves(after or {}))
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(set(old) | set(new)):
        if path.split(".")[0].split("[")[0] in _IGNORED:
            continue
        if old.get(path) == new.get(path) and (path in old) == (path in new):
            continue
        kind = "Insert" if path not in old else "Remove" if path not in new else "Update"
        out[path] = {
            "newValue": _text(new.get(path)),
            "previousValue": _text(old.get(path)),
            "changeCategory": "System" if path in _SYSTEM_PATHS else "User",
            "propertyChangeType": kind,
            "isTruncated": "false",
        }
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        out: list[tuple[str, Any]] = []
        for key, item in value.items():
            out.extend(_leaves(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = []
        for index, item in enumerate(value):
            out.extend(_leaves(item, f"{prefix}[{index}]"))
        return out
    return [(prefix, value)] if prefix else []
