"""What every layer builder receives: settings, naming, tags and identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from desired_state.naming import Namer
from desired_state.resource import ResourceSpec
from desired_state.settings import ZERO_SUBSCRIPTION, AppSecrets, EnvironmentSettings
from desired_state.tags import standard_tags

SpecT = TypeVar("SpecT", bound=ResourceSpec)

#: The plan's deployment order. Observability comes before database and
#: messaging (the plan numbers them 4, 5, 6) because their diagnostic settings
#: and alerts point at the Log Analytics workspace and the action group.
LAYER_ORDER: tuple[str, ...] = (
    "core",
    "networking",
    "security",
    "observability",
    "database",
    "messaging",
    "cache",
    "etl",
    "functions",
    "microservices",
    "gateway",
    "frontend",
    "dashboards",
)

#: Rank per layer: layers of equal rank are independent branches of the plan.
LAYER_RANK: dict[str, int] = {
    "core": 0,
    "networking": 1,
    "security": 2,
    "observability": 3,
    "database": 4,
    "messaging": 4,
    "cache": 4,
    "etl": 4,
    "functions": 5,
    "microservices": 6,
    "gateway": 7,
    "frontend": 8,
    # The operations workbook shows every other layer, so it comes last.
    "dashboards": 9,
}


@dataclass(frozen=True)
class LayerContext:
    """Inputs shared by all layer builders of one environment."""

    settings: EnvironmentSettings
    secrets: AppSecrets
    subscription_id: str = ZERO_SUBSCRIPTION
    namer: Namer = field(init=False)

    def __post_init__(self) -> None:
        namer = Namer(
            workload=self.settings.workload,
            environment=self.settings.environment,
            region=self.settings.regions.primary,
            subscription_id=self.subscription_id,
        )
        object.__setattr__(self, "namer", namer)

    @property
    def env(self) -> str:
        return self.settings.environment

    @property
    def location(self) -> str:
        return self.settings.regions.primary

    @property
    def tenant_id(self) -> str:
        return self.secrets.tenant_id or ZERO_SUBSCRIPTION

    @property
    def private(self) -> bool:
        """Whether private endpoints are on (and public access therefore off)."""
        return self.settings.security.enable_private_endpoints

    @property
    def tags(self) -> dict[str, str]:
        s = self.settings
        return standard_tags(s.environment, workload=s.workload, owner=s.owner, cost_center=s.cost_center)


@dataclass
class LayerSpecs:
    """The specs one layer contributes, in the order they were declared."""

    layer: str
    specs: list[ResourceSpec] = field(default_factory=list)

    def add(self, spec: SpecT) -> SpecT:
        self.specs.append(spec)
        return spec
