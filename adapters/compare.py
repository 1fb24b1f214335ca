"""Desired-versus-live comparison of ARM wire bodies, with ARM-aware rules.

Pure: no SDK, no I/O. Only what the desired body declares is compared, so
server defaults and read-only fields never show up as drift. The rules of a
type (`CompareRules`) are data declared next to its adapter entry.

Path patterns in rules are dotted body paths where `[]` stands for "any
element of this list", e.g. `properties.subnets[].properties.addressPrefix`.
Concrete paths in a `Difference` name list members by key
(`properties.subnets[name=app]`) or by index for ordered lists (`x[0]`).

Secret fingerprints: the engine never stores or compares a secret's value.
To notice that the *desired* secret changed, it stores
`fingerprint(value, key, resource_id)` (a keyed HMAC-SHA256) in the tag
`reconciler-secret-fp` on the resource (or on its parent when the type has no
tags) and compares fingerprints, never values.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from adapters.normalisations import (
    CREATE_INPUT_NAME,
    LOCATION_NAME,
    SECRET_NAME,
    SKU_FIELD,
    ValueRule,
    empty_strings_only,
    equal_scalars,
    location_named,
)

#: Tag the engine writes to hold `fingerprint(...)` of a resource's desired secrets.
SECRET_FINGERPRINT_TAG = "reconciler-secret-fp"

#: Azure system tags (e.g. `hidden-link:` on metric alerts and App Insights)
#: are set by the platform and never drift.
SYSTEM_TAG_PREFIX = "hidden-"

ListKind = Literal["ordered", "set", "keyed"]
Ownership = Literal["wholly", "partly"]


@dataclass(frozen=True)
class ListRule:
    """How to compare (and merge on write) one list path.

    `keyed` lists match members by `key` (case-insensitively, as ARM names
    are); `owned="partly"` means live members absent from the desired list
    are someone else's (a VNet's subnets managed as their own resources) and
    are neither drift nor removed on write.
    """

    kind: ListKind
    key: str = "name"
    owned: Ownership = "wholly"


@dataclass(frozen=True)
class CompareRules:
    """The comparison rules of one ARM type (declared as data per type)."""

    #: Values compared case-insensitively (ids, resource group names, enums).
    case_insensitive: frozenset[str] = frozenset()
    #: Values that are Azure locations (`West US 2` == `westus2`).
    locations: frozenset[str] = frozenset({"location"})
    #: List kinds per path pattern; undeclared lists of scalars are sets,
    #: undeclared lists of objects are ordered.
    lists: Mapping[str, ListRule] = field(default_factory=dict)
    #: Write-only paths (secrets, and create-time inputs such as APIM's
    #: `sourceApiId`) that the service never echoes: never compared, reported
    #: as unverifiable when declared.
    write_only: frozenset[str] = frozenset()
    #: Create-time inputs (`x-ms-mutability` create without update, such as SQL
    #: `createMode`): sent when the resource is created, never compared, and an
    #: update keeps what the live body holds.
    create_only: frozenset[str] = frozenset()
    #: Desired path pattern -> sibling key the service may return the value
    #: under instead: as a one-element list (or the reverse; `addressPrefix` vs
    #: `addressPrefixes: [one]`), or as the same scalar under another name.
    reshaped: Mapping[str, str] = field(default_factory=dict)
    #: Path patterns whose change needs a replace (delete + create).
    immutable: frozenset[str] = frozenset({"location"})
    #: Dict paths owned wholly: a live key absent from desired is drift.
    owned_dicts: frozenset[str] = frozenset()
    #: Ids that name the same thing at different scopes, compared by their last
    #: segment (a built-in role definition id is returned at tenant scope).
    last_segment: frozenset[str] = frozenset()
    #: XML documents (API Management policies): the service re-indents them and
    #: re-escapes entities, so whitespace between tags and escaping are ignored.
    xml: frozenset[str] = frozenset()
    #: IP rules where a bare address equals the same address with `/32`.
    cidr: frozenset[str] = frozenset()
    #: Paths the server owns (ARM's `readOnly` flag): never compared, whatever the desired body says.
    read_only: frozenset[str] = frozenset()
    #: How this type returns some fields (adapters.normalisations.TYPE_RULES), each with its source.
    value_rules: tuple[ValueRule, ...] = ()
    #: JSON documents serialised into a string (a workbook's `serializedData`): equal when
    #: they parse to the same value, whatever the whitespace and key order of the text.
    json_text: frozenset[str] = frozenset()

    def list_rule(self, pattern: str, sample: list[Any]) -> ListRule:
        declared = self.lists.get(pattern)
        if declared is not None:
            return declared
        if any(isinstance(item, dict) for item in sample):
            return ListRule("ordered")
        return ListRule("set")

    def owned_by_server(self, pattern: str) -> bool:
        """Never compared: the server's (readOnly), or an instruction for the create (create-only, or
        named as one: `createMode`, `source...Id`)."""
        leaf = pattern.rsplit(".", 1)[-1]
        return matcher(self.read_only)(pattern) or matcher(self.create_only)(pattern) or bool(CREATE_INPUT_NAME.match(leaf))

    def never_returned(self, pattern: str, value: Any) -> bool:
        """Write-only: declared write-only, or a string value named as a secret (ARM never returns one)."""
        leaf = pattern.rsplit(".", 1)[-1]
        return matcher(self.write_only)(pattern) or (isinstance(value, str) and bool(SECRET_NAME.search(leaf)))

    def replace_needed(self, pattern: str) -> bool:
        return any(pattern == p or pattern.startswith(p + ".") or pattern.startswith(p + "[")
                   for p in self.immutable)


@dataclass(frozen=True)
class Difference:
    """One field where live does not satisfy desired."""

    path: str
    desired: Any
    live: Any
    requires_replace: bool = False


@dataclass
class Comparison:
    """The outcome of `compare`: differences, and secrets that cannot be checked."""

    differences: list[Difference] = field(default_factory=list)
    unverifiable: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.differences

    @property
    def requires_replace(self) -> bool:
        return any(d.requires_replace for d in self.differences)


def fingerprint(value: SecretStr, key: bytes, resource_id: str) -> str:
    """A short keyed hash of a desired secret, bound to the resource id.

    Stored by the engine in the `reconciler-secret-fp` tag so that a change of
    the desired secret is detected without ever storing or comparing it.
    The resource id is lower-cased because ARM ids are case-insensitive.
    """
    message = resource_id.lower().encode() + b"\x00" + value.get_secret_value().encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def normalise_location(value: str) -> str:
    """`West US 2`, `westus2` and `West us 2` are one location."""
    return re.sub(r"[\s_-]", "", value).lower()


def normalise_xml(value: str) -> str:
    """XML with comments, indentation and entity escaping taken out."""
    text = re.sub(r"<!--.*?-->", "", value, flags=re.DOTALL)
    text = html.unescape(text)
    return re.sub(r"\s+", " ", re.sub(r">\s+", ">", re.sub(r"\s+<", "<", text))).strip()


def _parsed(text: str) -> Any:
    """The value a JSON text holds, or the text itself when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def normalise_cidr(value: str) -> str:
    """`10.0.0.1` == `10.0.0.1/32`."""
    return value[:-3] if value.endswith("/32") else value


def looks_like_arm_id(value: str) -> bool:
    """ARM ids are compared case-insensitively wherever they appear."""
    lowered = value.lower()
    return lowered.startswith("/subscriptions/") or lowered.startswith("/providers/")


_ARM_TYPE_VALUE = re.compile(r"^microsoft\.[a-z0-9]+(/[a-z0-9-]+)+$", re.IGNORECASE)


def looks_like_arm_type(value: str) -> bool:
    """`Microsoft.Network/virtualNetworks`: ARM type strings match case-insensitively
    (providers return `Microsoft.Sql/servers/databases`, `microsoft.insights/...`)."""
    return bool(_ARM_TYPE_VALUE.match(value))


def pattern_of(path: str) -> str:
    """`properties.subnets[name=a].x` -> `properties.subnets[].x`."""
    return re.sub(r"\[[^\]]*\]", "[]", path)


@functools.lru_cache(maxsize=4096)
def matcher(patterns: frozenset[str]) -> Callable[[str], bool]:
    """Membership of a path pattern in `patterns`, where `*` in a pattern stands for any one map key
    (ARM's field flags write map values as `tags.*`); names match case-insensitively."""
    exact = frozenset(p.lower() for p in patterns if "*" not in p)
    wild = [
        re.compile("^" + re.escape(p.lower()).replace(r"\*", r"[^.\[]+") + "$")
        for p in patterns if "*" in p
    ]

    def covers(pattern: str) -> bool:
        low = pattern.lower()
        return low in exact or any(w.match(low) for w in wild)

    return covers


def compare(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    rules: CompareRules,
    *,
    tolerate_foreign_tags: bool = False,
    secret_paths: Iterable[str] = (),
) -> Comparison:
    """Compare the declared fields of `desired` with `live`."""
    explicit = sorted({pattern_of(p) for p in secret_paths})
    walker = _Walker(rules, set(explicit) | set(rules.write_only), tolerate_foreign_tags)
    walker.object(desired, live, "")
    for path in explicit:
        if path not in walker.unverifiable:
            walker.unverifiable.append(path)
    return Comparison(differences=walker.differences, unverifiable=walker.unverifiable)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class _Walker:
    def __init__(self, rules: CompareRules, secrets: set[str], tolerate_foreign_tags: bool) -> None:
        self.rules = rules
        self.secrets = secrets
        self.tolerate_foreign_tags = tolerate_foreign_tags
        self.differences: list[Difference] = []
        self.unverifiable: list[str] = []
        self.is_secret = matcher(frozenset(secrets))
        self.is_case_insensitive = matcher(rules.case_insensitive)
        self.value_rules = {r.path.lower(): r for r in rules.value_rules}

    def differ(self, path: str, desired: Any, live: Any) -> None:
        replace = self.rules.replace_needed(pattern_of(path))
        self.differences.append(Difference(path, desired, live, replace))

    # -- objects ---------------------------------------------------------------
    def object(self, desired: Mapping[str, Any], live: Any, path: str) -> None:
        live_map: Mapping[str, Any] = live if isinstance(live, dict) else {}
        if live is not None and not isinstance(live, dict):
            self.differ(path, desired, live)
            return
        if path == "tags":
            self.tags(desired, live_map)
            return
        if set(live_map) == {"id"} and isinstance(desired.get("id"), str):
            # ARM collapsed an embedded object to its reference (`{"id": ...}`):
            # the object is the one the id names, compared by id alone.
            self.value(desired["id"], live_map["id"], _join(path, "id"))
            return
        live_by_lower = {k.lower(): k for k in live_map}
        for key, want in desired.items():
            child = _join(path, key)
            pattern = pattern_of(child)
            live_key = key if key in live_map else live_by_lower.get(key.lower(), key)
            got = live_map.get(live_key)
            if self.rules.owned_by_server(pattern):
                continue  # the server's, or an instruction for the create: never compared
            if self.is_secret(pattern) or (isinstance(want, str) and SECRET_NAME.search(key) and got != want):
                # never returned (ARM's write-only flag, or a secret by name): compared by fingerprint only
                if pattern not in self.unverifiable:
                    self.unverifiable.append(pattern)
                continue
            if live_key not in live_map and self.reshaped(child, want, live_map):
                continue
            rule = self.value_rules.get(pattern.lower())
            if rule is not None and rule.explains(want, got, live_map):
                continue
            self.value(want, got, child)
        if pattern_of(path) in self.rules.owned_dicts:
            desired_lower = {k.lower() for k in desired}
            for key, got in live_map.items():
                if key.lower() not in desired_lower:
                    self.differ(_join(path, key), None, got)

    def tags(self, desired: Mapping[str, Any], live: Mapping[str, Any]) -> None:
        # Tag names are case-insensitive in ARM; values are not.
        live_lower = {k.lower(): v for k, v in live.items()}
        for key, want in desired.items():
            got = live_lower.get(key.lower())
            if got != want:
                self.differ(f"tags.{key}", want, got)
        if self.tolerate_foreign_tags:
            return
        desired_lower = {k.lower() for k in desired}
        for key, got in live.items():
            if key.lower().startswith(SYSTEM_TAG_PREFIX) or key.lower() in desired_lower:
                continue
            self.differ(f"tags.{key}", None, got)

    def reshaped(self, path: str, want: Any, live_map: Mapping[str, Any]) -> bool:
        """True when the service returned `want` under its sibling reshaped key."""
        sibling = self.rules.reshaped.get(pattern_of(path))
        if sibling is None or sibling not in live_map:
            return False
        got = live_map[sibling]
        if isinstance(got, list) and not isinstance(want, list):
            return len(got) == 1 and self.equal_scalar(want, got[0], path)
        if isinstance(want, list) and not isinstance(got, list):
            return len(want) == 1 and self.equal_scalar(want[0], got, path)
        if not isinstance(want, list | dict) and not isinstance(got, list | dict):
            return self.equal_scalar(want, got, path)
        return False

    # -- values ----------------------------------------------------------------
    def value(self, want: Any, got: Any, path: str) -> None:
        if want is None:
            return  # an explicit null declares nothing
        if isinstance(want, dict):
            self.object(want, got, path)
        elif isinstance(want, list):
            self.sequence(want, got, path)
        elif not self.equal_scalar(want, got, path):
            self.differ(path, want, got)

    def equal_scalar(self, want: Any, got: Any, path: str) -> bool:
        if got is None and (want is False or want == "" or (type(want) in (int, float) and want == 0)):
            # a service omits a field at its zero value (AzureRM reads nil as the zero value:
            # go-azure-helpers `pointer.From`); a zero declared is what is there
            return True
        if isinstance(want, bool) and isinstance(got, bool):
            return want is got
        if isinstance(want, int | float) and isinstance(got, int | float) and not isinstance(want, bool) and not isinstance(got, bool):
            return float(want) == float(got)
        if isinstance(want, str) and isinstance(got, str):
            pattern = pattern_of(path)
            if pattern in self.rules.xml:
                return normalise_xml(want) == normalise_xml(got)
            if pattern in self.rules.cidr:
                return normalise_cidr(want) == normalise_cidr(got)
            if pattern in self.rules.json_text:
                return bool(_parsed(want) == _parsed(got))
            if pattern in self.rules.last_segment:
                return want.rstrip("/").rsplit("/", 1)[-1].lower() == got.rstrip("/").rsplit("/", 1)[-1].lower()
            if pattern in self.rules.locations or location_named(pattern, want, got):
                return normalise_location(want) == normalise_location(got)
            # ARM resource names and ids match case-insensitively; so do enums (ARM's field flags) and
            # ARM's common SKU fields (adapters.normalisations.SKU_FIELD)
            if (self.is_case_insensitive(pattern) or pattern == "name" or looks_like_arm_id(want)
                    or looks_like_arm_type(want) or SKU_FIELD.search(pattern)) and want.lower() == got.lower():
                return True
        return bool(want == got) or equal_scalars(want, got)

    # -- lists -----------------------------------------------------------------
    def sequence(self, want: list[Any], got: Any, path: str) -> None:
        if got is None or (empty_strings_only(got) and "" not in want):
            got = []  # ARM often omits empty lists (SQL returns one as [""])
        if not isinstance(got, list):
            self.differ(path, want, got)
            return
        rule = self.rules.list_rule(pattern_of(path), want or got)
        if rule.kind == "keyed":
            self.keyed(want, got, path, rule)
        elif rule.kind == "set":
            self.unordered(want, got, path, rule)
        else:
            self.ordered(want, got, path)

    def ordered(self, want: list[Any], got: list[Any], path: str) -> None:
        if len(want) != len(got):
            self.differ(path, want, got)
            return
        for index, (w, g) in enumerate(zip(want, got, strict=True)):
            self.value(w, g, f"{path}[{index}]")

    def unordered(self, want: list[Any], got: list[Any], path: str, rule: ListRule) -> None:
        unmatched = list(got)
        missing = False
        for w in want:
            for i, g in enumerate(unmatched):
                if self.satisfies(w, g, f"{path}[]"):
                    del unmatched[i]
                    break
            else:
                missing = True
        unmatched = [g for g in unmatched if not self.server_member(path, g)]
        if missing or (unmatched and rule.owned == "wholly"):
            self.differ(path, want, got)

    def keyed(self, want: list[Any], got: list[Any], path: str, rule: ListRule) -> None:
        is_location = f"{pattern_of(path)}[].{rule.key}" in self.rules.locations or bool(LOCATION_NAME.match(rule.key))

        def key_of(item: Any) -> str | None:
            if isinstance(item, dict) and isinstance(item.get(rule.key), str):
                value = str(item[rule.key])
                return normalise_location(value) if is_location else value.lower()
            return None

        live_by_key = {key_of(g): g for g in got if key_of(g) is not None}
        keyless_live = [g for g in got if key_of(g) is None]
        desired_keys = set()
        for index, w in enumerate(want):
            k = key_of(w)
            if k is None:
                # A member without the key (a diagnostic log by categoryGroup): match it by content.
                match = next((i for i, g in enumerate(keyless_live) if self.satisfies(w, g, f"{path}[]")), None)
                if match is None:
                    self.differ(f"{path}[{index}]", w, None)
                else:
                    del keyless_live[match]
                continue
            desired_keys.add(k)
            member_path = f"{path}[{rule.key}={w[rule.key]}]"
            if k not in live_by_key:
                self.differ(member_path, w, None)
            else:
                # The key already matched (case-insensitively, as ARM names do).
                rest = {field: v for field, v in w.items() if field != rule.key}
                self.value(rest, live_by_key[k], member_path)
        if rule.owned == "wholly":
            for g in got:
                k = key_of(g)
                if k is not None and k not in desired_keys and not self.server_member(path, g):
                    self.differ(f"{path}[{rule.key}={g[rule.key]}]", None, g)
            for g in keyless_live:
                if not self.server_member(path, g):
                    self.differ(f"{path}[]", None, g)

    def server_member(self, path: str, member: Any) -> bool:
        """A live list member nobody declared that the server lists by itself: a member the type's
        rules name (Container Apps' Consumption profile), or one listed as disabled (diagnostic
        settings return every category, the ones not asked for with `enabled: false`:
        hashicorp/terraform-provider-azurerm#17172, #10388)."""
        if isinstance(member, dict) and member.get("enabled") is False:
            return True
        rule = self.value_rules.get(pattern_of(path).lower())
        return rule is not None and rule.added_by_server(member)

    def satisfies(self, want: Any, got: Any, path: str) -> bool:
        """Whether `got` satisfies `want` (used to match set members)."""
        probe = _Walker(self.rules, self.secrets, self.tolerate_foreign_tags)
        probe.value(want, got, path)
        return not probe.differences


def render(value: Any) -> str:
    """One-line JSON of a value for plans and the compare command."""
    return _canonical(value) if not isinstance(value, str) else json.dumps(value)
