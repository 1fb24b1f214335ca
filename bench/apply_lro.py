"""Item 2: apply of prod from empty with per-type LRO durations shaped like
real Azure, against the critical-path bound (the longest dependency chain
of LRO durations: no executor can finish sooner).

Durations are typical real provisioning times in minutes, scaled by
`SECONDS_PER_MINUTE`: API Management's create "can take 30 to 40 minutes"
(Microsoft Learn, "Quickstart: Create a new Azure API Management instance");
Azure Cache for Redis about 15-20 minutes; Azure Firewall and Container Apps
environments several minutes; SQL servers and databases a few; network
objects seconds to a minute. Resource groups are synchronous (0).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.figures import ItemResult
from bench.target import import_sdks, open_target
from desired_state import build
from desired_state.state import DesiredState
from emulator import FaultConfig
from emulator.types import behaviour_for

#: Scaled seconds per real minute of provisioning.
SECONDS_PER_MINUTE = 0.1

#: Typical real provisioning minutes per ARM type (creates).
LRO_MINUTES: dict[str, float] = {
    "Microsoft.ApiManagement/service": 45,
    "Microsoft.Cache/redis": 20,
    "Microsoft.Network/azureFirewalls": 10,
    "Microsoft.App/managedEnvironments": 8,
    "Microsoft.Sql/servers": 3,
    "Microsoft.Sql/servers/databases": 2,
    "Microsoft.ServiceBus/namespaces": 2,
    "Microsoft.Cdn/profiles": 2,
    "Microsoft.Cdn/profiles/afdEndpoints": 1,
    "Microsoft.Cdn/profiles/afdEndpoints/routes": 1,
    "Microsoft.Cdn/profiles/originGroups": 0.5,
    "Microsoft.Cdn/profiles/originGroups/origins": 0.5,
    "Microsoft.Web/serverfarms": 1,
    "Microsoft.Web/sites": 1,
    "Microsoft.Web/staticSites": 1,
    "Microsoft.App/containerApps": 1,
    "Microsoft.KeyVault/vaults": 1,
    "Microsoft.OperationalInsights/workspaces": 1,
    "Microsoft.Network/ddosProtectionPlans": 1,
    "Microsoft.Network/privateEndpoints": 1,
    "Microsoft.Network/virtualNetworks": 0.5,
    "Microsoft.Network/natGateways": 0.5,
    "Microsoft.Network/privateDnsZones": 0.5,
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": 0.5,
    "Microsoft.Storage/storageAccounts": 0.5,
    "Microsoft.Network/virtualNetworks/subnets": 0.25,
    "Microsoft.Network/publicIPAddresses": 0.25,
    "Microsoft.Network/networkSecurityGroups": 0.25,
    "Microsoft.ApiManagement/service/apis": 0.25,
    "Microsoft.ApiManagement/service/namedValues": 0.25,
}
#: Any other type the emulator answers asynchronously.
DEFAULT_MINUTES = 0.25


def lro_faults() -> FaultConfig:
    """The emulator's fault config for this item: the scaled table, no throttling, no latency."""
    return FaultConfig(
        throttle=False,
        lro_default_seconds=DEFAULT_MINUTES * SECONDS_PER_MINUTE,
        lro_seconds={t.lower(): m * SECONDS_PER_MINUTE for t, m in LRO_MINUTES.items()},
    )


def lro_seconds(arm_type: str, faults: FaultConfig) -> float:
    """How long the emulator keeps a create of this type in progress (0 for synchronous types)."""
    if behaviour_for(arm_type.lower(), arm_type).put_style == "sync":
        return 0.0
    return faults.lro_duration(arm_type.lower())


def critical_path(state: DesiredState, faults: FaultConfig) -> tuple[float, list[str]]:
    """The longest dependency chain of LRO durations (seconds) and its addresses, root first."""
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for resource in state.resources:  # dependency order
        before = max(resource.depends_on, key=lambda a: finish[a], default=None)
        finish[resource.address] = lro_seconds(resource.type, faults) + (finish[before] if before else 0.0)
        via[resource.address] = before
    end = max(finish, key=lambda a: finish[a])
    chain: list[str] = []
    cursor: str | None = end
    while cursor is not None:
        chain.append(cursor)
        cursor = via[cursor]
    return finish[end], chain[::-1]


def run(quick: bool = False, environment: str = "prod") -> ItemResult:
    import_sdks()
    state = build(environment)
    faults = lro_faults()
    bound, chain = critical_path(state, faults)
    item = ItemResult("apply_lro", f"Apply of {environment} from empty, per-type LRO durations")
    with tempfile.TemporaryDirectory() as tmp:
        target = open_target(state, Path(tmp) / "estate.db", faults)
        started, epoch = time.perf_counter(), time.time()
        observation = target.engine.observe()
        observed = time.perf_counter()
        plan = target.engine.plan(observation)
        planned = time.perf_counter()
        result = target.engine.apply(plan, observation)
        wall = time.perf_counter() - started
        requests = target.requests()
        # when the slowest chain's first LRO was sent: time lost before it started
        first_lro = next((a for a in chain if lro_seconds(state.by_address(a).type, faults) > 0), None)
        first_lro_id = state.by_address(first_lro).id.lower() if first_lro else ""
        sent = [r.at - epoch for r in target.emulator.request_log if r.method == "PUT" and r.path.lower() == first_lro_id]
        target.close()
        after = open_target(state, Path(tmp) / "estate.db", FaultConfig(throttle=False))
        remaining = after.engine.plan(after.engine.observe()).has_changes
        after.close()
    item.figures.update(
        environment=environment,
        resources=len(state.resources),
        applied=len(result.applied),
        failed=len(result.failed),
        wall_s=round(wall, 3),
        critical_path_s=round(bound, 3),
        critical_path=chain,
        observe_s=round(observed - started, 3),
        plan_s=round(planned - observed, 3),
        apply_s=round(wall - (planned - started), 3),
        slowest_lro_sent_at_s=round(sent[0], 3) if sent else None,
        ratio=round(wall / bound, 3),
        arm_requests=requests,
        changes_left_after=remaining,
        seconds_per_real_minute=SECONDS_PER_MINUTE,
    )
    item.check("wall / critical-path bound", wall / bound, 1.15)
    item.check("failed writes", float(len(result.failed)), 0.0)
    item.check("changes left after the apply (0 = none)", float(remaining), 0.0)
    return item
