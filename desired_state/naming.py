"""Resource naming: the convention and Azure's per-type name rules.

Convention: `{abbr}-{workload}[-{qualifier}]-{env}-{region}` with the Cloud
Adoption Framework abbreviations
(learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations).
Types whose names are globally unique (they become DNS names) get a stable
six-character suffix derived from the subscription id and the environment,
so two subscriptions never collide and every run yields the same name.
Rules per type are declared on the type's spec class (`name_rule`, see
`desired_state.name_rule`); this module only collects them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from desired_state.catalog import declared_name_rules
from desired_state.errors import DesiredStateError
from desired_state.name_rule import GENERIC, NameRule

REGION_CODES: dict[str, str] = {"westus2": "wus2", "westeurope": "weu"}


#: Rules of the types in the estate, from each spec class's `name_rule`;
#: types not listed use ARM's generic rule.
NAME_RULES: Mapping[str, NameRule] = declared_name_rules()


def name_rule(arm_type: str) -> NameRule:
    """The name rule of `arm_type` (ARM's generic rule for unlisted types)."""
    return NAME_RULES.get(arm_type, GENERIC)


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
