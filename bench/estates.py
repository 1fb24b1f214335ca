"""Synthetic estates built through the real desired-state machinery (typed
specs -> `assemble`), and a fast way to put them in place in the emulator.

- `dense(n)`: one resource group holding a Service Bus namespace, a storage
  account, and the rest split between queues, blob containers and NSGs:
  siblings the engine reads with a few list calls.
- `cells(n)`: the same in groups of 100 (no parent lists more than one page).
- `sparse(n)`: n/4 resource groups, each with an identity, an NSG and a
  public IP: every resource has its own parent, so each is one GET (and each
  group one prune-scan list); the shape that meets ARM's read bucket.
- `mixed(n)`: groups of 100 as a platform team grows them: 25 VNets (one with
  8 subnets), 10 NSGs, 25 Service Bus namespaces (one with 8 queues), 4
  storage accounts (one with 8 blob containers), public IPs, identities;
  every fifth group also hosts a Function App (plan, site, its two
  `sites/config`, identity, Key Vault). Many top-level resources per group
  (one GET each for VNets and namespaces, which have no list here), children
  under a few parents.
"""

from __future__ import annotations

import json
from typing import Any

from desired_state.resource import ResourceGroupSpec, ResourceSpec
from desired_state.settings import get_environment_settings
from desired_state.specs.keyvault import KeyVaultSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.network import (
    NetworkSecurityGroupSpec,
    PublicIpAddressSpec,
    SecurityRule,
    SubnetSpec,
    VirtualNetworkSpec,
)
from desired_state.specs.servicebus import ServiceBusNamespaceSpec, ServiceBusQueueSpec
from desired_state.specs.storage import BlobContainerSpec, StorageAccountSpec
from desired_state.specs.web import AppServicePlanSpec, FunctionAppSpec
from desired_state.state import DesiredState, assemble
from desired_state.tags import standard_tags
from emulator import Emulator
from emulator.api_versions import KNOWN_API_VERSIONS
from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION
from reconciler.engine.resolve import has_unknown, resolve_refs

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


def _mixed_cell(c: int, with_site: bool) -> list[ResourceSpec]:
    """100 resources in one group (see `mixed`)."""
    group = _group(f"rg-mix-{c}")
    tags, where = _tags(), {"location": LOCATION, "resource_group": group}
    specs: list[ResourceSpec] = [group]
    vnets = [
        VirtualNetworkSpec(address=f"mix.{c}.vnet.{v}", name=f"vnet-mix-{c}-{v}", tags=tags,
                           address_prefixes=[f"10.{v}.0.0/16"], **where)
        for v in range(25)
    ]
    specs += vnets
    specs += [SubnetSpec(address=f"mix.{c}.snet.{s}", name=f"snet-{s}", parent=vnets[0],
                         address_prefix=f"10.0.{s}.0/24") for s in range(8)]
    namespaces = [
        ServiceBusNamespaceSpec(address=f"mix.{c}.sbns.{i}", name=f"sbns-mix-{c}-{i}", tags=tags, sku="Standard", **where)
        for i in range(25)
    ]
    specs += namespaces
    specs += [ServiceBusQueueSpec(address=f"mix.{c}.queue.{q}", name=f"queue-{q}", parent=namespaces[0]) for q in range(8)]
    accounts = [
        StorageAccountSpec(address=f"mix.{c}.st.{i}", name=f"stmix{c}x{i}", tags=tags, **where) for i in range(4)
    ]
    specs += accounts
    containers = [BlobContainerSpec(address=f"mix.{c}.container.{k}", name=f"container-{k}", parent=accounts[0])
                  for k in range(8)]
    specs += containers
    specs += [_nsg(f"mix.{c}.nsg.{i}", f"nsg-mix-{c}-{i}", group) for i in range(10)]
    specs += [PublicIpAddressSpec(address=f"mix.{c}.pip.{i}", name=f"pip-mix-{c}-{i}", tags=tags, **where)
              for i in range(5)]
    specs += [UserAssignedIdentitySpec(address=f"mix.{c}.id.{i}", name=f"id-mix-{c}-{i}", tags=tags, **where)
              for i in range(6 if not with_site else 1)]
    if with_site:
        plan = AppServicePlanSpec(address=f"mix.{c}.plan", name=f"asp-mix-{c}", tags=tags, sku="Y1", **where)
        vault = KeyVaultSpec(address=f"mix.{c}.kv", name=f"kv-mix-{c}", tags=tags, tenant_id=_TENANT,
                             soft_delete_retention_days=7, purge_protection=False, **where)
        # The app runs from a package in a container of its host account (issue 28).
        site = FunctionAppSpec(address=f"mix.{c}.func", name=f"func-mix-{c}", tags=tags, plan=plan,
                               identity=specs[-1], storage=accounts[0], packages=containers[0], key_vault=vault, **where)
        specs += [plan, vault, site, *site.config_specs()]
    return specs


#: The tenant the emulator issues tokens for (any GUID is accepted).
_TENANT = "00000000-0000-0000-0000-000000000001"


def mixed(n: int) -> DesiredState:
    """About n resources as groups of 100 (see the module docstring)."""
    specs: list[ResourceSpec] = []
    for c in range(max(1, round(n / 100))):
        specs.extend(_mixed_cell(c, with_site=c % 5 == 0))
    return assemble(_settings(), {"bench": specs})


def _api_version(arm_type: str) -> str:
    return max(KNOWN_API_VERSIONS[arm_type.lower()])


def put_in_place(emulator: Emulator, state: DesiredState) -> None:
    """PUT every desired body straight into the emulator, parents first (much
    faster than an apply through the SDKs; the benchmark checks that the
    engine then plans no change). References (`{ref:...}`) are resolved from
    the answers to earlier PUTs, as the engine resolves them from live bodies."""
    placed: dict[str, Any] = {}
    for resource in state.resources:
        url = f"{_BASE}{resource.id}?api-version={_api_version(resource.type)}"
        body = resolve_refs(resource.body, placed, strict=False)
        if has_unknown(body):
            raise RuntimeError(f"PUT {resource.id}: a reference is unknown; put its target first")
        answer = emulator.handle("PUT", url, {"Content-Type": "application/json"}, json.dumps(body).encode())
        if answer.status >= 300:
            raise RuntimeError(f"PUT {resource.id}: {answer.status} {answer.body[:200]!r}")
        placed[resource.address] = json.loads(answer.body) if answer.body else None
