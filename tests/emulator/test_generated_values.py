"""Values the service generates from the resource itself (emulator/computed.py),
through the real SDK clients: a Container Apps environment's default domain and
static IP, which other resources are named after or point at."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.network import NetworkManagementClient

from .conftest import SUB

Build = Callable[..., Any]
DOMAIN = re.compile(r"[a-z]+-[0-9a-f]{8}\.westus2\.azurecontainerapps\.io")


def _environment(internal: bool, subnet: str) -> dict[str, Any]:
    return {
        "location": "West US 2",
        "properties": {
            "vnetConfiguration": {"infrastructureSubnetId": subnet, "internal": internal},
            "workloadProfiles": [{"name": "Consumption", "workloadProfileType": "Consumption"}],
        },
    }


def test_environment_domain_and_ip_are_generated_per_environment_and_stable(make_client: Build, rg: str) -> None:
    network = make_client(NetworkManagementClient)
    network.virtual_networks.begin_create_or_update(rg, "vnet", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
            {"name": "a", "properties": {"addressPrefix": "10.0.0.0/24"}},
            {"name": "b", "properties": {"addressPrefix": "10.0.1.0/24"}},
        ]},
    }).result()
    subnet = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/"
    apps = make_client(ContainerAppsAPIClient)
    internal = apps.managed_environments.begin_create_or_update(rg, "cae-in", _environment(True, subnet + "a")).result()
    external = apps.managed_environments.begin_create_or_update(rg, "cae-out", _environment(False, subnet + "b")).result()

    assert DOMAIN.fullmatch(internal.default_domain) and DOMAIN.fullmatch(external.default_domain)
    assert internal.default_domain != external.default_domain
    # An internal environment's load balancer takes a host address of its own subnet (not Azure's reserved ones).
    assert ipaddress.ip_address(internal.static_ip) in ipaddress.ip_network("10.0.0.0/24")
    assert internal.static_ip not in ("10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.255")
    assert not ipaddress.ip_address(external.static_ip).is_private
    again = apps.managed_environments.begin_create_or_update(rg, "cae-in", _environment(True, subnet + "a")).result()
    assert (again.default_domain, again.static_ip) == (internal.default_domain, internal.static_ip)
    read = apps.managed_environments.get(rg, "cae-in")
    assert (read.default_domain, read.static_ip) == (internal.default_domain, internal.static_ip)
