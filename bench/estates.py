"""Synthetic estates built through the real desired-state machinery (typed
specs -> `assemble`), and a fast way to put them in place in the emulator.

- `dense(n)`: one resource group holding a Service Bus namespace, a storage
  account, and the rest split between queues, blob containers and NSGs:
  siblings the engine reads with a few list calls.
- `cells(n)`: the same in groups of 100 (no parent lists more than one page).
- `sparse(n)`: n/4 resource groups, each with an identity, an NSG and a
  public IP: every resource has its own parent, so each is one GET (and each
  group one prune-scan list); the shape that meets ARM's read bucket.
"""

from __future__ import annotations

import json
from typing import Any

from desired_state.resource import ResourceGroupSpec, ResourceSpec
from desired_state.settings import get_environment_settings
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.network import NetworkSecurityGroupSpec, PublicIpAddressSpec, SecurityRule
from desired_state.specs.servicebus import ServiceBusNamespaceSpec, ServiceBusQueueSpec
from desired_state.specs.storage import BlobContainerSpec, StorageAccountSpec
from desired_state.state import DesiredState, assemble
from desired_state.tags import standard_tags
from emulator import Emulator
from emulator.api_versions import KNOWN_API_VERSIONS
from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION

ENVIRONMENT = "bench"
LOCATION = "westus2"
_BASE = "https://management.azure.com"


def _tags() -> dict[str, str]:
    return standard_tags(ENVIRONMENT, workload="bench", owner="bench", cost_center="cc-bench")


def _settings() -> Any:
    # dev's settings under another environment name: the ownership tags say "bench"
    return get_environment_settings("dev").model_copy(update={"environment": ENVIRONMENT})


def _group(name: str) -> ResourceGroupSpec:
    return ResourceGroupSpec(
        address=f"bench.{name}", name=name, subscription_id=EMULATOR_SUBSCRIPTION, location=LOCATION, tags=_tags()
    )


def _nsg(address: str, name: str, group: ResourceGroupSpec) -> NetworkSecurityGroupSpec:
    rule = SecurityRule(
        name="deny-all-inbound", priority=4096, direction="Inbound", access="Deny", protocol="*",
        source_address_prefix="*", destination_address_prefix="*",
    )
    return NetworkSecurityGroupSpec(
        address=address, name=name, resource_group=group, location=LOCATION, tags=_tags(), rules=(rule,)
    )


def _dense_specs(n: int, label: str) -> list[ResourceSpec]:
    if n < 6:
        raise ValueError(f"a dense estate needs at least 6 resources, not {n}")
    group = _group(f"rg-bench-{label}")
    namespace = ServiceBusNamespaceSpec(
        address=f"bench.{label}.sbns", name=f"sbns-bench-{label}", resource_group=group, location=LOCATION,
        tags=_tags(), sku="Standard",
    )
    account = StorageAccountSpec(
        address=f"bench.{label}.st", name=f"stbench{label}", resource_group=group, location=LOCATION, tags=_tags()
    )
    specs: list[ResourceSpec] = [group, namespace, account]
    for i in range(n - len(specs)):
        if i % 3 == 0:
            specs.append(ServiceBusQueueSpec(address=f"bench.{label}.queue.{i}", name=f"queue-{i}", parent=namespace))
        elif i % 3 == 1:
            specs.append(
                BlobContainerSpec(address=f"bench.{label}.container.{i}", name=f"container-{i}", parent=account)
            )
        else:
            specs.append(_nsg(f"bench.{label}.nsg.{i}", f"nsg-bench-{label}-{i}", group))
    return specs


def dense(n: int) -> DesiredState:
    """n resources in one group: namespace + account + queues, containers, NSGs."""
    return assemble(_settings(), {"bench": _dense_specs(n, "dense")})


def cells(n: int, cell: int = 100) -> DesiredState:
    """n resources as groups of `cell` resources each shaped like `dense`, so no
    parent holds more than one page (100) of one type: how large estates grow."""
    specs: list[ResourceSpec] = []
    for c in range((n + cell - 1) // cell):
        size = min(cell, n - c * cell)
        if size < 6:
            break
        specs.extend(_dense_specs(size, f"c{c}"))
    return assemble(_settings(), {"bench": specs})


def sparse(n: int) -> DesiredState:
    """n resources as n/4 groups of (group, identity, NSG, public IP)."""
    groups = max(1, n // 4)
    specs: list[ResourceSpec] = []
    for g in range(groups):
        group = _group(f"rg-bench-{g}")
        specs.append(group)
        specs.append(UserAssignedIdentitySpec(
            address=f"bench.id.{g}", name=f"id-bench-{g}", resource_group=group, location=LOCATION, tags=_tags()
        ))
        specs.append(_nsg(f"bench.nsg.{g}", f"nsg-bench-{g}", group))
        specs.append(PublicIpAddressSpec(
            address=f"bench.pip.{g}", name=f"pip-bench-{g}", resource_group=group, location=LOCATION, tags=_tags()
        ))
    return assemble(_settings(), {"bench": specs})


def _api_version(arm_type: str) -> str:
    return max(KNOWN_API_VERSIONS[arm_type.lower()])


def put_in_place(emulator: Emulator, state: DesiredState) -> None:
    """PUT every desired body straight into the emulator, parents first (much
    faster than an apply through the SDKs; the benchmark checks that the
    engine then plans no change)."""
    for resource in state.resources:
        url = f"{_BASE}{resource.id}?api-version={_api_version(resource.type)}"
        answer = emulator.handle("PUT", url, {"Content-Type": "application/json"}, json.dumps(resource.body).encode())
        if answer.status >= 300:
            raise RuntimeError(f"PUT {resource.id}: {answer.status} {answer.body[:200]!r}")
