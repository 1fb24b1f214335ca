"""Resource naming: the convention and Azure's per-type name rules.

Convention: `{abbr}-{workload}[-{qualifier}]-{env}-{region}` with the Cloud
Adoption Framework abbreviations
(learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations).
Types whose names are globally unique (they become DNS names) get a stable
six-character suffix derived from the subscription id and the environment,
so two subscriptions never collide and every run yields the same name.
Rules per type follow "Naming rules and restrictions for Azure resources"
(learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from desired_state.errors import DesiredStateError

REGION_CODES: dict[str, str] = {"westus2": "wus2", "westeurope": "weu"}


@dataclass(frozen=True)
class NameRule:
    """One ARM type's name constraints."""

    min_length: int
    max_length: int
    pattern: str
    charset: str
    globally_unique: bool = False

    def violation(self, name: str) -> str | None:
        """What is wrong with `name`, or None when it is valid."""
        if not self.min_length <= len(name) <= self.max_length:
            return f"length {len(name)} is outside {self.min_length}-{self.max_length}"
        if re.fullmatch(self.pattern, name) is None:
            return f"{name!r} breaks the charset rule: {self.charset}"
        return None


_ALNUM_HYPHEN_EDGES = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_GENERIC = NameRule(1, 80, r"[^<>%&:\\?/#*]+", "no <>%&:\\?/#*")

#: Rules for the types in the estate; types not listed use ARM's generic rule.
NAME_RULES: dict[str, NameRule] = {
    "Microsoft.Resources/resourceGroups": NameRule(1, 90, r"[\w\-.()]*[\w\-()]", "letters, digits, _-.() and not ending in ."),
    "Microsoft.Network/virtualNetworks": NameRule(2, 64, r"\w[\w.-]*\w", "letters, digits, _-. starting and ending with a letter/digit/_"),
    "Microsoft.Network/virtualNetworks/subnets": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-. starting with a letter/digit/_"),
    "Microsoft.Network/networkSecurityGroups": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/natGateways": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/publicIPAddresses": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/privateEndpoints": NameRule(2, 64, r"\w[\w.-]*\w", "letters, digits, _-."),
    "Microsoft.Network/ddosProtectionPlans": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/azureFirewalls": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/routeTables": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/firewallPolicies": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/firewallPolicies/ruleCollectionGroups": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.Network/dnsZones": NameRule(1, 253, r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", "lowercase DNS labels separated by dots"),
    "Microsoft.Network/dnsZones/CNAME": NameRule(1, 63, r"@|[A-Za-z0-9_*-]+", "a DNS label or @"),
    "Microsoft.Network/privateDnsZones": NameRule(1, 253, r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", "lowercase DNS labels separated by dots"),
    "Microsoft.Network/privateDnsZones/A": NameRule(1, 63, r"@|\*|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*", "a relative DNS name, @ or the wildcard *"),
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": NameRule(1, 80, r"\w(?:[\w.-]*\w)?", "letters, digits, _-."),
    "Microsoft.KeyVault/vaults": NameRule(3, 24, r"[A-Za-z](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]", "letters, digits and single hyphens, starting with a letter, ending with a letter or digit", True),
    "Microsoft.ManagedIdentity/userAssignedIdentities": NameRule(3, 128, r"[A-Za-z0-9][\w-]*", "letters, digits, _ and -, starting with a letter or digit"),
    "Microsoft.Authorization/roleAssignments": NameRule(36, 36, r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "a lowercase GUID"),
    "Microsoft.OperationalInsights/workspaces": NameRule(4, 63, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, starting and ending with a letter or digit"),
    "Microsoft.Insights/components": NameRule(1, 255, r"[^%&\\?/]+", "no %&\\?/"),
    "Microsoft.Insights/actionGroups": NameRule(1, 260, r"[^%&\\?/:<>#]+", "no %&\\?/:<>#"),
    "Microsoft.Insights/metricAlerts": NameRule(1, 260, r"[^*#&+:<>?@%{}\\/]+", "no *#&+:<>?@%{}\\/"),
    "Microsoft.Insights/scheduledQueryRules": NameRule(1, 260, r"[^*#&+:<>?@%{}\\/]+", "no *#&+:<>?@%{}\\/"),
    "Microsoft.Insights/diagnosticSettings": NameRule(1, 260, r"[^*#&+:<>?@%{}\\/]+", "no *#&+:<>?@%{}\\/"),
    "Microsoft.Sql/servers": NameRule(1, 63, r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", "lowercase letters, digits and hyphens, not starting or ending with a hyphen", True),
    "Microsoft.Sql/servers/databases": NameRule(1, 128, r"[^<>*%&:\\/?]*[^<>*%&:\\/?. ]", "no <>*%&:\\/? and not ending in . or space"),
    "Microsoft.Sql/servers/firewallRules": NameRule(1, 128, r"[^<>*%&:;\\/?]*[^<>*%&:;\\/?.]", "no <>*%&:;\\/? and not ending in ."),
    "Microsoft.ServiceBus/namespaces": NameRule(6, 50, r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]", "letters, digits and hyphens, starting with a letter, ending with a letter or digit", True),
    "Microsoft.ServiceBus/namespaces/queues": NameRule(1, 260, r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?", "letters, digits, _-. starting and ending with a letter or digit"),
    "Microsoft.ServiceBus/namespaces/topics": NameRule(1, 260, r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?", "letters, digits, _-. starting and ending with a letter or digit"),
    "Microsoft.ServiceBus/namespaces/topics/subscriptions": NameRule(1, 50, r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?", "letters, digits, _-. starting and ending with a letter or digit"),
    "Microsoft.Storage/storageAccounts/fileServices/shares": NameRule(3, 63, r"[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]", "lowercase letters, digits and single hyphens, starting and ending with a letter or digit"),
    "Microsoft.Storage/storageAccounts": NameRule(3, 24, r"[a-z0-9]+", "lowercase letters and digits only", True),
    "Microsoft.Storage/storageAccounts/blobServices/containers": NameRule(3, 63, r"[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]", "lowercase letters, digits and single hyphens"),
    "Microsoft.Web/serverfarms": NameRule(1, 60, r"[A-Za-z0-9-]+", "letters, digits and hyphens"),
    "Microsoft.Web/sites": NameRule(2, 60, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, not starting or ending with a hyphen", True),
    "Microsoft.Web/staticSites": NameRule(1, 40, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, not starting or ending with a hyphen", True),
    "Microsoft.App/managedEnvironments": NameRule(2, 60, r"[a-z][a-z0-9-]*[a-z0-9]", "lowercase letters, digits and hyphens, starting with a letter"),
    "Microsoft.App/containerApps": NameRule(2, 32, r"[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]", "lowercase letters, digits and single hyphens, starting with a letter"),
    "Microsoft.ApiManagement/service": NameRule(1, 50, r"[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?", "letters, digits and hyphens, starting with a letter", True),
    "Microsoft.ApiManagement/service/apis": NameRule(1, 80, r"[A-Za-z0-9][A-Za-z0-9-]*", "letters, digits and hyphens"),
    "Microsoft.ApiManagement/service/products": NameRule(1, 80, r"[A-Za-z0-9][A-Za-z0-9-]*", "letters, digits and hyphens"),
    "Microsoft.ApiManagement/service/subscriptions": NameRule(1, 256, r"[A-Za-z0-9][A-Za-z0-9-]*", "letters, digits and hyphens"),
    "Microsoft.ApiManagement/service/policies": NameRule(6, 6, r"policy", "the literal name 'policy'"),
    "Microsoft.ApiManagement/service/apis/policies": NameRule(6, 6, r"policy", "the literal name 'policy'"),
    "Microsoft.ApiManagement/service/namedValues": NameRule(1, 256, r"[A-Za-z0-9][A-Za-z0-9._-]*", "letters, digits and ._-"),
    "Microsoft.Cdn/profiles": NameRule(1, 260, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, starting and ending with a letter or digit"),
    "Microsoft.Cdn/profiles/afdEndpoints": NameRule(1, 46, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, starting and ending with a letter or digit", True),
    "Microsoft.Cdn/profiles/originGroups": NameRule(1, 90, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens"),
    "Microsoft.Cdn/profiles/originGroups/origins": NameRule(1, 90, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens"),
    "Microsoft.Cdn/profiles/afdEndpoints/routes": NameRule(1, 90, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens"),
    "Microsoft.Cdn/profiles/securityPolicies": NameRule(1, 260, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens"),
    # WAF policy names: a letter, then letters and digits only (no hyphens).
    "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies": NameRule(1, 128, r"[A-Za-z][A-Za-z0-9]*", "a letter, then letters and digits"),
    "Microsoft.DataFactory/factories": NameRule(3, 63, _ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, starting and ending with a letter or digit", True),
    "Microsoft.Cache/redis": NameRule(1, 63, r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]", "letters, digits and single hyphens", True),
    "Microsoft.Cache/redisEnterprise": NameRule(1, 60, r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]", "letters, digits and single hyphens", True),
    # Azure Managed Redis has exactly one database, named `default`.
    "Microsoft.Cache/redisEnterprise/databases": NameRule(7, 7, r"default", "exactly `default`"),
    "Microsoft.DocumentDB/databaseAccounts": NameRule(3, 44, r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", "lowercase letters, digits and hyphens", True),
}


def name_rule(arm_type: str) -> NameRule:
    """The name rule of `arm_type` (ARM's generic rule for unlisted types)."""
    return NAME_RULES.get(arm_type, _GENERIC)


def check_name(address: str, arm_type: str, name: str) -> None:
    """Raise DesiredStateError naming the resource, `name`, the rule and the fix."""
    rule = name_rule(arm_type)
    problem = rule.violation(name)
    if problem is not None:
        raise DesiredStateError(
            f"{problem}; {arm_type} names need {rule.min_length}-{rule.max_length} characters of {rule.charset}; "
            "shorten or rename it in the spec (or the workload/qualifier it is derived from)",
            resource=address,
            field="name",
        )


def unique_suffix(subscription_id: str, environment: str) -> str:
    """Six stable hex characters for globally unique names (not a secret)."""
    return hashlib.sha256(f"{subscription_id.lower()}:{environment}".encode()).hexdigest()[:6]


def region_code(region: str) -> str:
    """Short code of an Azure region (`westus2` -> `wus2`)."""
    key = region.replace(" ", "").lower()
    return REGION_CODES.get(key, key)


@dataclass(frozen=True)
class Namer:
    """Names of one environment's resources, all derived from the convention."""

    workload: str
    environment: str
    region: str
    subscription_id: str

    @property
    def suffix(self) -> str:
        return unique_suffix(self.subscription_id, self.environment)

    def standard(self, abbr: str, qualifier: str | None = None, *, region: str | None = None) -> str:
        """`{abbr}-{workload}[-{qualifier}]-{env}-{region}`."""
        parts = [abbr, self.workload, qualifier, self.environment, region_code(region or self.region)]
        return "-".join(p for p in parts if p)

    def unique(self, abbr: str, qualifier: str | None = None, *, max_length: int = 63) -> str:
        """`{abbr}-{workload}[-{qualifier}]-{env}-{suffix}`, the workload shortened to fit."""
        tail = "-".join(p for p in (qualifier, self.environment, self.suffix) if p)
        room = max_length - len(abbr) - len(tail) - 2
        return f"{abbr}-{self.workload[: max(room, 1)]}-{tail}"

    def compact(self, abbr: str, qualifier: str = "", *, max_length: int = 24) -> str:
        """Hyphen-free lowercase unique name (storage accounts): `{abbr}{workload}{qualifier}{env}{suffix}`."""
        tail = f"{qualifier}{self.environment}{self.suffix}"
        room = max_length - len(abbr) - len(tail)
        return re.sub(r"[^a-z0-9]", "", f"{abbr}{self.workload[: max(room, 0)]}{tail}".lower())
