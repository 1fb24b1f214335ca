"""ARM request paths: what a URL addresses, and ARM's name rules.

Path shapes follow the ARM RPC contract (Azure/azure-resource-manager-rpc,
"Resource API reference"): ``/subscriptions/{sub}``,
``.../resourceGroups/{rg}``, ``.../providers/{Namespace}/{type}/{name}[/{childType}/{childName}...]``
and extension resources ``{scope}/providers/{Namespace}/{type}/{name}`` on any scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from emulator.errors import ArmError

AddressKind = Literal[
    "subscriptions",
    "subscription",
    "resource_groups",
    "resource_group",
    "resource",
    "collection",
    "generic_list",
    "providers",
    "provider",
    "provider_register",
    "operation_status",
    "operation_result",
]

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# ARM resource group names: letters, digits, '-', '_', '.', '(', ')', at most 90, not ending in '.'.
_RG_NAME = re.compile(r"^[-\w._()]{1,90}$")
# ARM generic resource name rule (ARM-SEMANTICS.md, Addressing).
_FORBIDDEN = set('<>%&:\\?/#')
_RESOURCE_NAME_MAX = 260


@dataclass(frozen=True)
class Address:
    """What one request path addresses; ids keep the caller's casing."""

    kind: AddressKind
    sub: str = ""
    rg: str | None = None
    id: str = ""
    type_key: str = ""
    arm_type: str = ""
    name: str = ""
    parent_id: str = ""
    extension: bool = False
    namespace: str = ""
    op_id: str = ""

    @property
    def key(self) -> str:
        """The store key: the id lower-cased."""
        return self.id.lower()

    @property
    def rg_id(self) -> str:
        """The id of the resource group this address lives in, or ''."""
        if self.rg is None:
            return ""
        return f"/subscriptions/{self.sub}/resourceGroups/{self.rg}"


def _canonical(segs: list[str]) -> str:
    """Join segments into an id with ARM's keyword casing (resourceGroups, providers)."""
    out: list[str] = []
    for i, seg in enumerate(segs):
        low = seg.lower()
        prev = segs[i - 1].lower() if i else ""
        if low == "resourcegroups" and prev != "providers" and i % 2 == 0:
            out.append("resourceGroups")
        elif low in ("subscriptions", "providers") and i % 2 == 0:
            out.append(low)
        else:
            out.append(seg)
    return "/" + "/".join(out)


def parse_path(path: str) -> Address:
    """Classify an ARM path (already stripped of scheme, host and query)."""
    segs = [unquote(s) for s in path.strip("/").split("/") if s != ""]
    if not segs or segs[0].lower() != "subscriptions":
        raise ArmError(404, "NotFound", f"The path '{path}' is not an ARM path this emulator serves.")
    if len(segs) == 1:
        return Address("subscriptions")
    sub = segs[1]
    if not _GUID.match(sub):
        raise ArmError(400, "InvalidSubscriptionId", f"The provided subscription identifier '{sub}' is malformed or invalid.")
    rest = segs[2:]
    low = [s.lower() for s in segs]
    if not rest:
        return Address("subscription", sub=sub, id=f"/subscriptions/{sub}")
    providers_at = [i for i in range(2, len(segs) - 1) if low[i] == "providers" and i % 2 == 0]
    if not providers_at:
        return _parse_plain(sub, rest, path)
    at = providers_at[-1]
    scope, tail = segs[:at], segs[at + 1 :]
    namespace = tail[0]
    if at == 2:
        return _parse_subscription_provider(sub, namespace, tail, path)
    rg: str | None = None
    extension = True
    if len(scope) >= 4 and low[2] == "resourcegroups":
        rg = scope[3]
        extension = len(scope) > 4
    if len(tail) < 2:
        raise ArmError(404, "NotFound", f"The path '{path}' does not address a resource or a collection.")
    types, names = tail[1::2], tail[2::2]
    arm_type = "/".join([namespace, *types])
    scope_id = _canonical(scope)
    if len(types) > len(names):
        parent = scope_id + "/providers/" + "/".join(tail[:-1]) if len(tail) > 2 else scope_id
        return Address(
            "collection",
            sub=sub,
            rg=rg,
            id=scope_id + "/providers/" + "/".join(tail),
            type_key=arm_type.lower(),
            arm_type=arm_type,
            parent_id=parent,
            extension=extension,
            namespace=namespace,
        )
    rid = scope_id + "/providers/" + "/".join(tail)
    parent = scope_id if len(tail) == 3 else scope_id + "/providers/" + "/".join(tail[:-2])
    return Address(
        "resource",
        sub=sub,
        rg=rg,
        id=rid,
        type_key=arm_type.lower(),
        arm_type=arm_type,
        name=names[-1],
        parent_id=parent,
        extension=extension,
        namespace=namespace,
    )


def _parse_plain(sub: str, rest: list[str], path: str) -> Address:
    low = [s.lower() for s in rest]
    base = f"/subscriptions/{sub}"
    if low == ["resourcegroups"]:
        return Address("resource_groups", sub=sub, id=base + "/resourceGroups")
    if len(low) == 2 and low[0] == "resourcegroups":
        return Address(
            "resource_group",
            sub=sub,
            rg=rest[1],
            id=f"{base}/resourceGroups/{rest[1]}",
            type_key="microsoft.resources/resourcegroups",
            arm_type="Microsoft.Resources/resourceGroups",
            name=rest[1],
            parent_id=base,
        )
    if low == ["resources"]:
        return Address("generic_list", sub=sub, id=base + "/resources")
    if len(low) == 3 and low[0] == "resourcegroups" and low[2] == "resources":
        return Address("generic_list", sub=sub, rg=rest[1], id=f"{base}/resourceGroups/{rest[1]}/resources")
    if low == ["providers"]:
        return Address("providers", sub=sub)
    if len(low) == 3 and low[0] == "resourcegroups":
        # an action on a group (POST .../resourceGroups/{rg}/moveResources)
        group = f"{base}/resourceGroups/{rest[1]}"
        return Address(
            "collection",
            sub=sub,
            rg=rest[1],
            id=f"{group}/{rest[2]}",
            type_key=f"microsoft.resources/resourcegroups/{low[2]}",
            arm_type=f"Microsoft.Resources/resourceGroups/{rest[2]}",
            parent_id=group,
            namespace="Microsoft.Resources",
        )
    raise ArmError(404, "NotFound", f"The path '{path}' is not an ARM path this emulator serves.")


def _parse_subscription_provider(sub: str, namespace: str, tail: list[str], path: str) -> Address:
    low = [s.lower() for s in tail]
    if len(tail) == 1:
        return Address("provider", sub=sub, namespace=namespace)
    if len(tail) == 2 and low[1] == "register":
        return Address("provider_register", sub=sub, namespace=namespace)
    if len(tail) == 5 and low[1] == "locations" and low[3] in ("operationstatuses", "operationresults"):
        kind: AddressKind = "operation_status" if low[3] == "operationstatuses" else "operation_result"
        return Address(kind, sub=sub, namespace=namespace, op_id=tail[4])
    base = f"/subscriptions/{sub}"
    types, names = tail[1::2], tail[2::2]
    arm_type = "/".join([namespace, *types])
    rid = base + "/providers/" + "/".join(tail)
    if len(types) > len(names):
        # a subscription-wide list of a type (across resource groups)
        return Address(
            "collection",
            sub=sub,
            id=rid,
            type_key=arm_type.lower(),
            arm_type=arm_type,
            parent_id=base,
            extension=False,
            namespace=namespace,
        )
    parent = base if len(tail) == 3 else base + "/providers/" + "/".join(tail[:-2])
    return Address(
        "resource",
        sub=sub,
        id=rid,
        type_key=arm_type.lower(),
        arm_type=arm_type,
        name=names[-1],
        parent_id=parent,
        extension=True,
        namespace=namespace,
    )


def check_resource_group_name(name: str) -> None:
    """ARM's resource group name rule: 1-90 of letters, digits, -_.(), not ending in '.'."""
    if not _RG_NAME.match(name) or name.endswith("."):
        raise ArmError(
            400,
            "InvalidResourceGroup",
            f"The provided resource group name '{name}' is invalid: at most 90 characters, letters, digits, "
            "'-', '_', '.', '(' and ')' only, and not ending in '.'.",
            target="resourceGroupName",
        )


def check_resource_name(name: str) -> None:
    """ARM's generic resource name rule: at most 260 characters, none of ``<>%&:\\?/#``."""
    bad = sorted(_FORBIDDEN.intersection(name))
    if len(name) > _RESOURCE_NAME_MAX or bad or not name.strip() or any(ord(c) < 32 for c in name):
        raise ArmError(
            400,
            "InvalidResourceName",
            f"The resource name '{name}' is invalid: at most {_RESOURCE_NAME_MAX} characters and none of "
            f"'<>%&:\\?/#' (found {''.join(bad) or 'length/control characters'}).",
            target="name",
        )
