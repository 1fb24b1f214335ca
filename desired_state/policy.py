"""Policy checks on a desired state before any call to Azure (the plan's
CrossGuard policies). Each rule looks at rendered bodies, so a spec that
bypasses the layers is checked just the same."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from desired_state.errors import DesiredStateError
from desired_state.estate import DesiredState
from desired_state.naming import name_rule
from desired_state.resource import Resource
from desired_state.settings import ZERO_SUBSCRIPTION

#: Environments that must have private endpoints (and therefore no public data plane).
PRIVATE_ENVIRONMENTS: frozenset[str] = frozenset({"staging", "prod"})


@dataclass(frozen=True)
class PolicyViolation:
    """One broken rule: where, which rule, and how to fix it."""

    resource: str
    field: str
    rule: str
    fix: str

    def error(self) -> DesiredStateError:
        return DesiredStateError(f"policy '{self.rule}' violated; {self.fix}", resource=self.resource, field=self.field)


def _get(body: dict[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _purge_protection(state: DesiredState) -> Iterator[PolicyViolation]:
    for r in _of_type(state, "Microsoft.KeyVault/vaults"):
        if state.environment == "prod" and _get(r.body, "properties.enablePurgeProtection") is not True:
            yield PolicyViolation(
                r.address, "properties.enablePurgeProtection", "prod Key Vaults have purge protection",
                "set SecuritySettings.enable_purge_protection=True for prod",
            )


def _private_endpoints(state: DesiredState) -> Iterator[PolicyViolation]:
    if state.environment in PRIVATE_ENVIRONMENTS and not state.settings.security.enable_private_endpoints:
        yield PolicyViolation(
            "settings.security", "enable_private_endpoints", f"private endpoints are on in {state.environment}",
            "set SecuritySettings.enable_private_endpoints=True",
        )


_TLS_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Microsoft.Storage/storageAccounts": ("properties.minimumTlsVersion", ("TLS1_2", "TLS1_3")),
    "Microsoft.Sql/servers": ("properties.minimalTlsVersion", ("1.2", "1.3")),
    "Microsoft.Cache/redis": ("properties.minimumTlsVersion", ("1.2", "1.3")),
    # A site's siteConfig is its `config/web` resource (a site GET does not return it).
    "Microsoft.Web/sites/config": ("properties.minTlsVersion", ("1.2", "1.3")),
    "Microsoft.Cache/redisEnterprise": ("properties.minimumTlsVersion", ("1.2", "1.3")),
}
#: Types of which only one resource name holds the TLS field.
_TLS_NAMED = {"Microsoft.Web/sites/config": "web"}


def _tls(state: DesiredState) -> Iterator[PolicyViolation]:
    for r in state.resources:
        rule = _TLS_FIELDS.get(r.type)
        named = _TLS_NAMED.get(r.type)
        if named is not None and r.name.lower() != named:
            continue
        if rule is not None and _get(r.body, rule[0]) not in rule[1]:
            yield PolicyViolation(
                r.address, rule[0], "TLS 1.2 minimum", f"set {rule[0]} to {rule[1][0]} (or newer)"
            )


def _public_sql(state: DesiredState) -> Iterator[PolicyViolation]:
    if not state.settings.security.enable_private_endpoints:
        return
    for r in _of_type(state, "Microsoft.Sql/servers"):
        if _get(r.body, "properties.publicNetworkAccess") != "Disabled":
            yield PolicyViolation(
                r.address, "properties.publicNetworkAccess", "no public SQL access where private endpoints are on",
                "set public_network_access=False on the SQL server spec",
            )


def _private_dependencies(state: DesiredState) -> Iterator[PolicyViolation]:
    """An app without VNet integration cannot reach a dependency whose public
    access is disabled (Consumption plans have no VNet path:
    learn.microsoft.com/azure/azure-functions/functions-networking-options)."""
    by_address = {r.address: r for r in state.resources}
    for r in _of_type(state, "Microsoft.Web/sites"):
        if _get(r.body, "properties.virtualNetworkSubnetId"):
            continue
        for dep in r.depends_on:
            target = by_address.get(dep)
            if target is not None and _get(target.body, "properties.publicNetworkAccess") == "Disabled":
                yield PolicyViolation(
                    r.address, "properties.virtualNetworkSubnetId", "apps reach private dependencies over the VNet",
                    f"{r.address} has no VNet integration but depends on {target.address}, whose public network "
                    "access is disabled; run it on a plan with VNet integration (EP1) and set its subnet",
                )


def _placeholders(state: DesiredState) -> Iterator[PolicyViolation]:
    """Prod against a real subscription runs no placeholder: every setting
    left at its example value is named with the way to set it (the local
    emulator, subscription 00000000-..., accepts them)."""
    if state.environment != "prod" or not state.resources or state.resources[0].subscription_id == ZERO_SUBSCRIPTION:
        return
    for setting, fix in state.settings.placeholders():
        yield PolicyViolation("settings", setting, "no placeholder values in prod", fix)


def _subnets(state: DesiredState) -> Iterator[PolicyViolation]:
    vnets = {r.id.lower(): r for r in _of_type(state, "Microsoft.Network/virtualNetworks")}
    placed: dict[str, list[tuple[str, ipaddress.IPv4Network]]] = {}
    for r in _of_type(state, "Microsoft.Network/virtualNetworks/subnets"):
        vnet_id = r.id.lower().rsplit("/subnets/", 1)[0]
        vnet = vnets.get(vnet_id)
        net = ipaddress.IPv4Network(str(_get(r.body, "properties.addressPrefix")), strict=False)
        if vnet is not None:
            spaces = [ipaddress.IPv4Network(p) for p in _get(vnet.body, "properties.addressSpace.addressPrefixes") or []]
            if not any(net.subnet_of(space) for space in spaces):
                yield PolicyViolation(
                    r.address, "properties.addressPrefix", "subnets lie inside their VNet",
                    f"pick a range inside {', '.join(map(str, spaces))}",
                )
        for other, other_net in placed.setdefault(vnet_id, []):
            if net.overlaps(other_net):
                yield PolicyViolation(
                    r.address, "properties.addressPrefix", "subnets do not overlap",
                    f"{net} overlaps {other} ({other_net}); give each subnet its own range",
                )
        placed[vnet_id].append((r.address, net))


def _names(state: DesiredState) -> Iterator[PolicyViolation]:
    for r in state.resources:
        if "{ref:" in r.name:
            continue  # a live value, known after apply: Azure generated it, so it is valid
        rule = name_rule(r.type)
        problem = rule.violation(r.name)
        if problem is not None:
            yield PolicyViolation(r.address, "name", f"valid {r.type} name", f"{problem}; rename it")


def _of_type(state: DesiredState, arm_type: str) -> Iterator[Resource]:
    return (r for r in state.resources if r.type.lower() == arm_type.lower())


RULES: tuple[Callable[[DesiredState], Iterator[PolicyViolation]], ...] = (
    _purge_protection,
    _private_endpoints,
    _tls,
    _public_sql,
    _private_dependencies,
    _placeholders,
    _subnets,
    _names,
)


def violations(state: DesiredState) -> list[PolicyViolation]:
    """Every policy violation of `state`."""
    return [violation for rule in RULES for violation in rule(state)]


def check(state: DesiredState) -> None:
    """Raise DesiredStateError for the first violation (naming resource, rule and fix)."""
    found = violations(state)
    if found:
        raise found[0].error()
