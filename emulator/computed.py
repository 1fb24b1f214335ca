"""Server-computed values, derived from the resource itself (never an example's values).

What the real services fill in from a resource's own id, name and body:

- a private endpoint's network interface: ``{endpoint}.nic.{guid}`` in the endpoint's group
  (Microsoft.Network names it so; REST spec example PrivateEndpointCreate.json shows the shape);
- a public IP's ``dnsSettings.fqdn``: ``{domainNameLabel}.{region}.cloudapp.azure.com``;
  an unattached public IP has no ``ipConfiguration``;
- a Service Bus / Event Hubs namespace's ``metricId``: ``{subscriptionId}:{namespace}``;
- a web app's ``resourceGroup``: the group it lives in;
- a Container Apps environment's generated ``defaultDomain`` and ``staticIp``: the domain is
  ``{words}-{8 hex}.{region}.azurecontainerapps.io`` (a generated label, then the region: the
  REST spec example ContainerApps_Get.json shows an app FQDN under
  ``demokube-t24clv0g.eastus.<suffix>``; Microsoft Learn "Networking in Azure Container Apps
  environment" gives the suffix), stable per environment. The static IP is public for an
  external environment and private for an internal one, whose load balancer takes an address
  of the infrastructure subnet (``place_in_subnet`` reads the stored subnet; a stable 10.x
  address stays when the subnet is not stored);
- an Azure Managed Redis cluster's ``hostName``: ``{name}.{region}.redis.azure.net`` ("Azure
  Managed Redis" host names, Microsoft Learn);
- a Front Door custom domain's ``validationProperties.validationToken`` (a token Front Door
  generates, the value of the `_dnsauth` TXT record; REST example AFDCustomDomains_Create.json
  shows the shape with an empty token) and ``profileName``;
- an API Management logger's ``credentials``: the service keeps them as a secret named value and
  answers a ``{{...}}`` reference (REST example ApiManagementCreateAILogger.json);
- a DNS record set's ``fqdn``: ``{record}.{zone}.`` (REST example CreateOrUpdateTXTRecordset.json);
- a workbook's ``revision``: a hash of its content, new whenever the content changes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from emulator.bodies import normalise_location, stable_guid
from emulator.per_type import PerType
from emulator.web_config import site_config_as_read


def _props(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties")
    if not isinstance(props, dict):
        props = {}
        body["properties"] = props
    return props


def _segments(rid: str) -> tuple[str, str]:
    segs = rid.split("/")
    return segs[2], segs[4] if len(segs) > 4 else ""


def _private_endpoint(body: dict[str, Any], rid: str, key: str) -> None:
    sub, group = _segments(rid)
    name = rid.rsplit("/", 1)[1]
    nic = f"{name}.nic.{stable_guid(key, 'nic')}"
    _props(body)["networkInterfaces"] = [
        {"id": f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/networkInterfaces/{nic}"}
    ]


def _public_ip(body: dict[str, Any], rid: str, key: str) -> None:
    dns = _props(body).get("dnsSettings")
    label = dns.get("domainNameLabel") if isinstance(dns, dict) else None
    if isinstance(dns, dict) and isinstance(label, str) and isinstance(body.get("location"), str):
        dns["fqdn"] = f"{label}.{normalise_location(body['location'])}.cloudapp.azure.com"


def _namespace(body: dict[str, Any], rid: str, key: str) -> None:
    sub, _group = _segments(rid)
    _props(body)["metricId"] = f"{sub}:{rid.rsplit('/', 1)[1]}"


def _site(body: dict[str, Any], rid: str, key: str) -> None:
    _sub, group = _segments(rid)
    _props(body)["resourceGroup"] = group
    # the configuration lives in sites/config; a site GET shows siteConfig as recorded (emulator.web_config)
    _props(body)["siteConfig"] = site_config_as_read()


_DOMAIN_WORDS = ("happy", "calm", "brave", "gentle", "proud", "lucky", "salmon", "orange", "purple", "yellow")
_DOMAIN_NOUNS = ("hill", "river", "sea", "stone", "field", "bush", "pond", "desert", "meadow", "forest")


def _managed_environment(body: dict[str, Any], rid: str, key: str) -> None:
    props = _props(body)
    seed = stable_guid(key, "defaultDomain").replace("-", "")
    words = _DOMAIN_WORDS[int(seed[0], 16) % 10] + _DOMAIN_NOUNS[int(seed[1], 16) % 10]
    region = normalise_location(body["location"]) if isinstance(body.get("location"), str) else "westus2"
    props["defaultDomain"] = f"{words}-{seed[2:10]}.{region}.azurecontainerapps.io"
    octets = bytes.fromhex(seed[10:16])
    vnet = props.get("vnetConfiguration")
    if isinstance(vnet, dict) and vnet.get("internal") is True:
        props["staticIp"] = f"10.{octets[0]}.{octets[1]}.{max(4, octets[2] % 255)}"
    else:
        props["staticIp"] = f"20.{octets[0]}.{octets[1]}.{max(1, octets[2] % 255)}"


def _redis_cluster(body: dict[str, Any], rid: str, key: str) -> None:
    region = normalise_location(body["location"]) if isinstance(body.get("location"), str) else "westus2"
    _props(body)["hostName"] = f"{rid.rsplit('/', 1)[1].lower()}.{region}.redis.azure.net"


def _custom_domain(body: dict[str, Any], rid: str, key: str) -> None:
    props = _props(body)
    props["profileName"] = rid.split("/")[-3]
    token = stable_guid(key, "validationToken").replace("-", "")
    props["validationProperties"] = {"validationToken": token, "expirationDate": ""}
    props["domainValidationState"] = "Pending"


def _logger(body: dict[str, Any], rid: str, key: str) -> None:
    credentials = _props(body).get("credentials")
    if isinstance(credentials, dict):
        ref = stable_guid(key, "credentials").replace("-", "")[:24]
        _props(body)["credentials"] = {name: f"{{{{Logger-Credentials--{ref}}}}}" for name in credentials}


def _record_set(body: dict[str, Any], rid: str, key: str) -> None:
    segs = rid.split("/")
    _props(body)["fqdn"] = f"{segs[-1]}.{segs[-3]}."


def _workbook(body: dict[str, Any], rid: str, key: str) -> None:
    props = _props(body)
    content = props.get("serializedData")
    props["revision"] = stable_guid(key, str(content)).replace("-", "")


_BY_TYPE: PerType[[dict[str, Any], str, str]] = PerType({
    "microsoft.network/privateendpoints": _private_endpoint,
    "microsoft.network/publicipaddresses": _public_ip,
    "microsoft.servicebus/namespaces": _namespace,
    "microsoft.eventhub/namespaces": _namespace,
    "microsoft.web/sites": _site,
    "microsoft.app/managedenvironments": _managed_environment,
    "microsoft.cache/redisenterprise": _redis_cluster,
    "microsoft.cdn/profiles/customdomains": _custom_domain,
    "microsoft.apimanagement/service/loggers": _logger,
    "microsoft.network/dnszones/txt": _record_set,
    "microsoft.network/dnszones/cname": _record_set,
    "microsoft.insights/workbooks": _workbook,
})


def fill(type_key: str, body: dict[str, Any], rid: str, key: str) -> None:
    """Set the values the service computes for this type, in place."""
    _BY_TYPE.run(type_key, body, rid, key)


def place_in_subnet(type_key: str, body: dict[str, Any], lookup: Callable[[str], dict[str, Any] | None]) -> None:
    """An internal Container Apps environment's static IP: a stable host address of
    its stored infrastructure subnet, after the addresses Azure reserves in every
    subnet (the first four and the last: learn.microsoft.com/azure/virtual-network/
    virtual-networks-faq), in place."""
    if type_key != "microsoft.app/managedenvironments":
        return
    props = body.get("properties")
    if not isinstance(props, dict):
        return
    vnet = props.get("vnetConfiguration")
    if not isinstance(vnet, dict) or vnet.get("internal") is not True or not isinstance(vnet.get("infrastructureSubnetId"), str):
        return
    subnet = lookup(vnet["infrastructureSubnetId"]) or {}
    prefix = (subnet.get("properties") or {}).get("addressPrefix")
    try:
        network = ipaddress.ip_network(prefix) if isinstance(prefix, str) else None
    except ValueError:
        network = None
    if network is None or network.num_addresses < 8:
        return
    seed = int(stable_guid(str(body.get("id", "")).lower(), "staticIp").replace("-", "")[:8], 16)
    props["staticIp"] = str(network.network_address + 4 + seed % (network.num_addresses - 5))

