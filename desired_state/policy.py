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
from desired_state.settings import BREAKING_PLACEHOLDERS, ZERO_SUBSCRIPTION

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


#: `privateEndpointNetworkPolicies` values under which NSG rules filter a private endpoint's traffic.
_NSG_ON_ENDPOINTS = frozenset({"enabled", "networksecuritygroupenabled"})


def _private_endpoint_subnets(state: DesiredState) -> Iterator[PolicyViolation]:
    """A subnet holding private endpoints has an NSG, and the NSG applies to them:
    Azure's default (`privateEndpointNetworkPolicies: Disabled`) lets every source
    in the VNet past the subnet's rules to the endpoint ("Manage network policies
    for private endpoints", Microsoft Learn)."""
    subnets = {r.id.lower(): r for r in _of_type(state, "Microsoft.Network/virtualNetworks/subnets")}
    seen: set[str] = set()
    for endpoint in _of_type(state, "Microsoft.Network/privateEndpoints"):
        subnet = subnets.get(str(_get(endpoint.body, "properties.subnet.id") or "").lower())
        if subnet is None or subnet.address in seen:
            continue
        seen.add(subnet.address)
        policies = str(_get(subnet.body, "properties.privateEndpointNetworkPolicies") or "Disabled")
        if policies.lower() not in _NSG_ON_ENDPOINTS or not _get(subnet.body, "properties.networkSecurityGroup.id"):
            yield PolicyViolation(
                subnet.address, "properties.privateEndpointNetworkPolicies",
                "NSG rules apply to private endpoints",
                f"{subnet.address} holds {endpoint.address} but its NSG does not filter private endpoint traffic; "
                "give it a network_security_group and private_endpoint_network_policies='Enabled'",
            )


def _private_function_apps(state: DesiredState) -> Iterator[PolicyViolation]:
    """Function apps are private workers where private endpoints are on: no public
    network access (the app and its SCM site; Microsoft's built-in policy
    "Function apps should disable public network access")."""
    if state.environment not in PRIVATE_ENVIRONMENTS:
        return
    for r in _of_type(state, "Microsoft.Web/sites"):
        if "functionapp" in str(r.body.get("kind", "")).lower() and _get(r.body, "properties.publicNetworkAccess") != "Disabled":
            yield PolicyViolation(
                r.address, "properties.publicNetworkAccess", f"no public function app in {state.environment}",
                "set public_network_access=False on the function app and reach it through a private endpoint",
            )


def _redis_access(state: DesiredState) -> Iterator[PolicyViolation]:
    """A workload that uses an Azure Managed Redis cluster (holds a live value of
    it: its host name) authenticates with its identity, which the cache admits only
    with an access policy assignment (access keys are off: "Use Microsoft Entra ID
    for cache authentication", Microsoft Learn)."""
    identities = {r.id.lower(): r.address for r in _of_type(state, "Microsoft.ManagedIdentity/userAssignedIdentities")}
    for cluster in _of_type(state, "Microsoft.Cache/redisEnterprise"):
        assigned = {
            str(_get(a.body, "properties.user.objectId"))
            for a in _of_type(state, "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments")
            if a.id.lower().startswith(cluster.id.lower() + "/databases/")
        }
        for workload in state.resources:
            if cluster.address not in workload.depends_on or workload.type.lower() not in _WORKLOAD_TYPES:
                continue
            for identity_id in _get(workload.body, "identity.userAssignedIdentities") or {}:
                address = identities.get(str(identity_id).lower())
                if address is not None and f"{{ref:{address}:properties.principalId}}" not in assigned:
                    yield PolicyViolation(
                        workload.address, "identity", "workloads that use Redis have an access policy on it",
                        f"{workload.address} uses {cluster.address} as {address}, which has no access policy assignment "
                        "on its database; add a ManagedRedisAccessPolicyAssignmentSpec for that identity",
                    )


#: Types that run workload code as a managed identity.
_WORKLOAD_TYPES = frozenset({"microsoft.web/sites", "microsoft.app/containerapps", "microsoft.app/jobs"})


def _placeholders(state: DesiredState) -> Iterator[PolicyViolation]:
    """Against a real subscription no environment runs a placeholder that breaks
    its deployment (`BREAKING_PLACEHOLDERS`), and prod runs none at all: each is
    named with the way to set it (the local emulator, subscription 00000000-...,
    accepts them)."""
    if not state.resources or state.resources[0].subscription_id == ZERO_SUBSCRIPTION:
        return
    for setting, fix in state.settings.placeholders():
        if state.environment == "prod":
            yield PolicyViolation("settings", setting, "no placeholder values in prod", fix)
        elif setting in BREAKING_PLACEHOLDERS:
            yield PolicyViolation("settings", setting, "no placeholder value that breaks the deployment", fix)


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
    _private_endpoint_subnets,
    _private_function_apps,
    _redis_access,
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
