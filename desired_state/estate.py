"""The desired state of one environment as a value: its resources in dependency order.

Built by `desired_state.state.build`; read by the policy checks and everything above.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desired_state.layers.context import LAYER_ORDER
from desired_state.resource import Resource
from desired_state.settings import EnvironmentSettings


@dataclass(frozen=True)
class DesiredState:
    """All resources of one environment, each after everything it depends on."""

    environment: str
    settings: EnvironmentSettings
    resources: tuple[Resource, ...]
    _index: dict[str, Resource] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({resource.address: resource for resource in self.resources})

    def by_address(self, address: str) -> Resource:
        """The resource at `address`; KeyError when there is none."""
        return self._index[address]

    def types(self) -> list[str]:
        """The distinct ARM types in the state, sorted."""
        return sorted({resource.type for resource in self.resources})

    def layers(self) -> list[str]:
        """The layers present, in the plan's deployment order."""
        present = {resource.layer for resource in self.resources}
        return [layer for layer in LAYER_ORDER if layer in present] + sorted(present - set(LAYER_ORDER))
