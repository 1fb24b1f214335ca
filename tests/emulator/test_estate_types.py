"""The types issue 28 adds, through the real SDK clients against the emulator:
what Azure generates for them, and what Azure refuses (emulator/computed.py,
emulator/refusals.py, emulator/types.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.cdn import CdnManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.redisenterprise import RedisEnterpriseManagementClient
from azure.mgmt.web import WebSiteManagementClient

from emulator import Emulator
from emulator.transport import EmulatorTransport

from .conftest import BASE, SUB

Build = Callable[..., Any]
RG = f"/subscriptions/{SUB}/resourceGroups"
LOC = "westus2"
WORKBOOK = "6d7a2f0e-2b1c-4e8f-9a6d-0c3b5e7f1a24"


def _refused(call: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(HttpResponseError) as caught:
        call()
    assert caught.value.error is not None
    return int(caught.value.status_code or 0), str(caught.value.error.code)


def _workbook(content: Any) -> dict[str, Any]:
    return {"location": LOC, "kind": "shared", "properties": {
        "displayName": "Operations", "category": "workbook", "serializedData": content, "version": "Notebook/1.0",
        "sourceId": f"{RG}/rg1/providers/Microsoft.Insights/components/appi"}}


def test_a_workbook_keeps_its_serialised_content_and_gets_a_new_revision_when_it_changes(make_client: Build, rg: str) -> None:
    insights = make_client(ApplicationInsightsManagementClient)
    first = json.dumps({"version": "Notebook/1.0", "items": [{"type": 1, "content": {"json": "# one"}}]})
    created = insights.workbooks.create_or_update(rg, WORKBOOK, _workbook(first))
    read = insights.workbooks.get(rg, WORKBOOK, can_fetch_content=True)
    assert read.serialized_data == first and read.revision == created.revision
    second = first.replace("# one", "# two")
    insights.workbooks.create_or_update(rg, WORKBOOK, _workbook(second))
    again = insights.workbooks.get(rg, WORKBOOK, can_fetch_content=True)
    assert again.serialized_data == second and again.revision != read.revision


def test_a_workbook_not_named_by_guid_or_with_content_that_is_not_a_string_is_refused(
    make_client: Build, rg: str, emulator: Emulator
) -> None:
    insights = make_client(ApplicationInsightsManagementClient, retry_total=0)
    content = json.dumps({"version": "Notebook/1.0", "items": []})
    assert _refused(lambda: insights.workbooks.create_or_update(rg, "operations", _workbook(content))) == (
        400, "InvalidResourceName"
    )
    # A raw request: the SDK's model would not even send an object as serializedData.
    client: PipelineClient[Any, Any] = PipelineClient(base_url=BASE, transport=EmulatorTransport(emulator))
    request = HttpRequest(
        "PUT", f"{BASE}{RG}/{rg}/providers/Microsoft.Insights/workbooks/{WORKBOOK}",
        params={"api-version": "2023-06-01"}, json=_workbook({"version": "Notebook/1.0", "items": []}),
    )
    answer = client.send_request(request)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidRequestContent"


def test_managed_redis_answers_its_host_name(make_client: Build, rg: str) -> None:
    redis = make_client(RedisEnterpriseManagementClient)
    cluster = redis.redis_enterprise.begin_create(rg, "amr-one", {"location": LOC, "sku": {"name": "Balanced_B0"}}).result()
    assert cluster.host_name == f"amr-one.{LOC}.redis.azure.net"
    redis.databases.begin_create(rg, "amr-one", "default", {"properties": {"accessKeysAuthentication": "Disabled"}}).result()
    assignment = redis.access_policy_assignment.begin_create_update(
        rg, "amr-one", "default", "microservices",
        {"properties": {"accessPolicyName": "default", "user": {"objectId": "6497c918-11ad-41e7-9b0f-7c518a87d0b0"}}},
    ).result()
    assert (assignment.access_policy_name, assignment.user.object_id) == ("default", "6497c918-11ad-41e7-9b0f-7c518a87d0b0")


def test_a_front_door_custom_domain_answers_a_validation_token_of_its_own(make_client: Build, rg: str) -> None:
    cdn = make_client(CdnManagementClient)
    cdn.profiles.begin_create(rg, "afd1", {"location": "global", "sku": {"name": "Premium_AzureFrontDoor"}}).result()
    body = {"properties": {"hostName": "www.contoso.net", "tlsSettings": {"certificateType": "ManagedCertificate",
                                                                         "minimumTlsVersion": "TLS12"}}}
    www = cdn.afd_custom_domains.begin_create(rg, "afd1", "www", body).result()
    api = cdn.afd_custom_domains.begin_create(rg, "afd1", "api", {**body, "properties": {**body["properties"], "hostName": "api.contoso.net"}}).result()
    tokens = {www.validation_properties.validation_token, api.validation_properties.validation_token}
    assert len(tokens) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", token) for token in tokens)
    assert www.profile_name == "afd1"  # not the example's "profile1"
    again = cdn.afd_custom_domains.get(rg, "afd1", "www")
    assert again.validation_properties.validation_token == www.validation_properties.validation_token


def test_an_apim_logger_answers_its_credentials_as_a_named_value_reference(make_client: Build, rg: str) -> None:
    apim = make_client(ApiManagementClient)
    apim.api_management_service.begin_create_or_update(rg, "apim1", {
        "location": LOC, "sku": {"name": "Developer", "capacity": 1},
        "properties": {"publisherEmail": "ops@contoso.net", "publisherName": "ops"}}).result()
    logger = apim.logger.create_or_update(rg, "apim1", "app-insights", {"properties": {
        "loggerType": "applicationInsights", "credentials": {"connectionString": "InstrumentationKey=abc;IngestionEndpoint=x"}}})
    (value,) = logger.credentials.values()
    assert re.fullmatch(r"\{\{Logger-Credentials--[0-9a-f]{24}\}\}", value) and "abc" not in value


@pytest.mark.parametrize(("sku", "tier", "refused"), [("Y1", "Dynamic", True), ("EP1", "ElasticPremium", False)])
def test_a_private_endpoint_to_an_app_on_consumption_is_refused(
    make_client: Build, rg: str, sku: str, tier: str, refused: bool
) -> None:
    net = make_client(NetworkManagementClient, retry_total=0)
    net.virtual_networks.begin_create_or_update(rg, "vnet", {
        "location": LOC, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                        "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}).result()
    web = make_client(WebSiteManagementClient, retry_total=0)
    plan = web.app_service_plans.begin_create_or_update(
        rg, "plan1", {"location": LOC, "kind": "functionapp", "sku": {"name": sku, "tier": tier}, "properties": {"reserved": True}}
    ).result()
    app = web.web_apps.begin_create_or_update(
        rg, "func1", {"location": LOC, "kind": "functionapp,linux", "properties": {"serverFarmId": plan.id}}
    ).result()
    endpoint = {"location": LOC, "properties": {
        "subnet": {"id": f"{RG}/{rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/s"},
        "privateLinkServiceConnections": [{"name": "f", "properties": {"privateLinkServiceId": app.id, "groupIds": ["sites"]}}]}}
    create = lambda: net.private_endpoints.begin_create_or_update(rg, "pe-func", endpoint).result()  # noqa: E731
    if refused:
        assert _refused(create) == (400, "BadRequest")
    else:
        assert create().name == "pe-func"


def test_dns_record_sets_answer_their_fqdn_in_their_own_zone(make_client: Build, rg: str) -> None:
    from azure.mgmt.dns import DnsManagementClient

    dns = make_client(DnsManagementClient)
    dns.zones.create_or_update(rg, "contoso.net", {"location": "global"})
    record = dns.record_sets.create_or_update(
        rg, "contoso.net", "_dnsauth.www", "TXT", {"properties": {"TTL": 3600, "TXTRecords": [{"value": ["token"]}]}}
    )
    assert record.fqdn == "_dnsauth.www.contoso.net." and record.txt_records[0].value == ["token"]
