"""Writes Azure refuses although their body is well formed: rules that look
at the request together with the resources it points at.

`refuse(type_key, payload, creating, lookup)` raises the `ArmError` Azure
answers, or returns. `lookup(resource_id)` gives the stored body of another
resource (or None), so a rule can read the SKU of the plan or namespace a
request refers to. Each rule names its source; where the exact error code
was not found in recorded traffic or Microsoft's documentation, the rule
says so and uses the provider's generic validation code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.errors import ArmError
from emulator.per_type import PerType

Lookup = Callable[[str], dict[str, Any] | None]


def _get(body: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def _sql_server(payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """A server is created with a SQL login and its password, unless its
    administrators are Entra-only (learn.microsoft.com/azure/azure-sql/database/
    authentication-azure-ad-only-authentication-create-server). Azure answers
    InvalidParameterValue naming the missing parameter (hashicorp/
    terraform-provider-azurerm#29155 shows the code for the login)."""
    if not creating:
        return
    if _get(payload, "properties.administrators.azureADOnlyAuthentication") is True:
        for field in ("sid", "login", "tenantId"):
            if not _get(payload, f"properties.administrators.{field}"):
                raise ArmError(
                    400, "InvalidParameterValue",
                    f"Invalid value given for parameter administrators.{field}. Specify a valid parameter value.",
                    target=f"properties.administrators.{field}",
                )
        return
    for field, label in (("administratorLogin", "Login"), ("administratorLoginPassword", "Password")):
        if not _get(payload, f"properties.{field}"):
            raise ArmError(
                400, "InvalidParameterValue",
                f"Invalid value given for parameter {label}. Specify a valid parameter value.",
                target=f"properties.{field}",
            )


def _named_value(payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """A named value holds a value or a Key Vault secret reference
    (NamedValueCreateContractProperties in the 2024-05-01 REST spec). API
    Management reports field errors as ValidationError (Azure/apiops#181)."""
    if _get(payload, "properties.value") in (None, "") and not _get(payload, "properties.keyVault.secretIdentifier"):
        raise ArmError(
            400, "ValidationError",
            "One or more fields contain incorrect values: 'value' or 'keyVault.secretIdentifier' is required.",
            target="properties.value",
        )
    if _get(payload, "properties.keyVault.secretIdentifier") and _get(payload, "properties.secret") is not True:
        # hashicorp/terraform-provider-azurerm#26150: a Key Vault named value must be secret.
        raise ArmError(
            400, "ValidationError", "One or more fields contain incorrect values: a Key Vault named value must be secret.",
            target="properties.secret",
        )


#: API Management tiers and the virtual network types they accept. Classic
#: Developer/Premium inject the gateway (External or Internal); Standard v2
#: integrates outbound only (External); Premium v2 does both; Basic,
#: Standard, Consumption and Basic v2 have no VNet mode
#: (learn.microsoft.com/azure/api-management/virtual-network-concepts).
_APIM_VNET_TYPES: dict[str, frozenset[str]] = {
    "developer": frozenset({"external", "internal"}),
    "premium": frozenset({"external", "internal"}),
    "isolated": frozenset({"external", "internal"}),
    "standardv2": frozenset({"external"}),
    "premiumv2": frozenset({"external", "internal"}),
}


def _apim_service(payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """VNet mode per tier (see `_APIM_VNET_TYPES`). The code is the one API
    Management answers when it refuses a parameter of the service itself:
    `InvalidParameters`, message "Invalid parameter: ..." (recorded PUT of
    Microsoft.ApiManagement/service, tests/fixtures/recordings/interactions.jsonl,
    apimanagement/test_apimanagement.test_apiservice2.yaml seq 0;
    `ValidationError` is what its child entities answer, as the named value
    rule above). The message for this very case was not found in any
    recording or issue: the code is the service's, the wording is ours."""
    mode = str(_get(payload, "properties.virtualNetworkType") or "None").lower()
    if mode == "none":
        return
    sku = str(_get(payload, "sku.name") or "").lower()
    if mode not in _APIM_VNET_TYPES.get(sku, frozenset()):
        raise ArmError(
            400, "InvalidParameters",
            f"Invalid parameter: virtual network type '{mode}' is not supported for the '{sku}' tier of API Management.",
            target="properties.virtualNetworkType",
        )
    if not _get(payload, "properties.virtualNetworkConfiguration.subnetResourceId"):
        raise ArmError(
            400, "InvalidParameters",
            "Invalid parameter: virtualNetworkConfiguration.subnetResourceId is required when a virtual network type is set.",
            target="properties.virtualNetworkConfiguration.subnetResourceId",
        )


def _managed_environment(payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """An internal environment needs its infrastructure subnet
    (ManagedEnvironment.vnetConfiguration.internal: "must provide
    infrastructureSubnetId if enabling this property", Microsoft.App REST
    spec); the code is the one Azure gives for network configuration errors
    (microsoft/azure-container-apps#1220)."""
    if _get(payload, "properties.vnetConfiguration.internal") is True and not _get(
        payload, "properties.vnetConfiguration.infrastructureSubnetId"
    ):
        raise ArmError(
            400, "ManagedEnvironmentInvalidNetworkConfiguration",
            "The environment network configuration is invalid: an internal environment requires infrastructureSubnetId.",
            target="properties.vnetConfiguration.infrastructureSubnetId",
        )


def _private_endpoint(payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """Service Bus private endpoints exist on the Premium tier only
    (learn.microsoft.com/azure/service-bus-messaging/private-link-service).
    Network forwards the connection to the target's provider and answers with
    that provider's code, its message wrapped as "Call to <type> failed. Error
    message: ..." (hashicorp/terraform-provider-azurerm#30296: `NotSupported:
    Call to Microsoft.ApiManagement/service failed`). Service Bus refuses an
    operation its tier lacks with `BadRequest` (recorded:
    tests/fixtures/recordings/interactions.jsonl, servicebus/
    test_cli_mgmt_servicebus.test_namespace.yaml seq 17, "Operation 'Migrate' is
    not allowed for given namespace sku"; learn.microsoft.com/azure/
    service-bus-messaging/service-bus-resource-manager-exceptions lists tier
    refusals as Bad Request, SubCode=40000). The combination, a private
    endpoint to a Standard namespace, was not found recorded: inferred."""
    for connection in _get(payload, "properties.privateLinkServiceConnections") or []:
        target = _get(connection, "properties.privateLinkServiceId")
        if isinstance(target, str) and "/providers/microsoft.web/sites/" in target.lower():
            _site_endpoint(target, lookup)
        if not isinstance(target, str) or "/providers/microsoft.servicebus/namespaces/" not in target.lower():
            continue
        namespace = lookup(target)
        tier = str(_get(namespace, "sku.name") or "").lower() if namespace is not None else ""
        if tier != "premium":
            raise ArmError(
                400, "BadRequest",
                "Call to Microsoft.ServiceBus/namespaces failed. Error message: SubCode=40000. Private endpoints are "
                f"supported on Premium Service Bus namespaces only; '{target}' is '{tier or 'unknown'}'.",
                target="properties.privateLinkServiceConnections",
            )


def _site_endpoint(target: str, lookup: Lookup) -> None:
    """Inbound private endpoints exist for apps on Elastic Premium, Dedicated and Flex
    Consumption plans, not on Consumption (learn.microsoft.com/azure/azure-functions/
    functions-networking-options, the features table). The provider's validation code
    `BadRequest` wrapped as Network forwards it (see `_private_endpoint`); the message
    is ours: no recording shows this refusal."""
    site = lookup(target)
    plan_id = _get(site, "properties.serverFarmId") if site is not None else None
    plan = lookup(plan_id) if isinstance(plan_id, str) else None
    if plan is not None and str(_get(plan, "sku.tier") or "").lower() == "dynamic":
        raise ArmError(
            400, "BadRequest",
            "Call to Microsoft.Web/sites failed. Error message: Private endpoints are not supported for apps on a "
            f"Consumption (Dynamic) plan; '{target}' runs on one.",
            target="properties.privateLinkServiceConnections",
        )


def _workbook(payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """A workbook's content is a JSON document serialised into a string
    (`serializedData`: type string in the 2023-06-01 REST spec, example
    WorkbookAdd.json); an object there does not deserialise. The name rule
    (a GUID) is the type's `name_rule` in emulator/types.py. Code: ARM's generic
    `InvalidRequestContent` for a body that does not deserialise (inferred)."""
    data = _get(payload, "properties.serializedData")
    if data is not None and not isinstance(data, str):
        raise ArmError(
            400, "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: 'properties.serializedData' must be a string.",
            target="properties.serializedData",
        )


def _site(payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """Consumption (Y1, tier Dynamic) apps have no virtual network integration
    (learn.microsoft.com/azure/azure-functions/functions-networking-options,
    "Virtual network integration"). App Service refuses an invalid site
    property with `BadRequest` and an ErrorEntity detail (Azure/azure-cli#29410
    quotes `{"Code":"BadRequest","Message":"Site.FunctionAppConfig is invalid. ..."`).
    Not verified for this case: Azure/azure-cli#19469 (2021) shows the API
    *accepting* a subnet on a Dynamic plan, which is why the CLI validates it
    client-side ("Virtual network integration is not allowed for consumption
    plans", Azure/azure-cli#24912); the app then has no VNet path at run time.
    The emulator refuses it, so the estate can never rely on it."""
    subnet = _get(payload, "properties.virtualNetworkSubnetId")
    plan_id = _get(payload, "properties.serverFarmId")
    if not subnet or not isinstance(plan_id, str):
        return
    plan = lookup(plan_id)
    if plan is not None and str(_get(plan, "sku.tier") or "").lower() == "dynamic":
        raise ArmError(
            400, "BadRequest",
            "Virtual network integration is not supported on a Consumption (Dynamic) plan; use Flex Consumption, "
            "Elastic Premium or a dedicated plan.",
            target="properties.virtualNetworkSubnetId",
        )


_RULES: PerType[[dict[str, Any], bool, Lookup]] = PerType({
    "microsoft.sql/servers": _sql_server,
    "microsoft.apimanagement/service/namedvalues": _named_value,
    "microsoft.apimanagement/service": _apim_service,
    "microsoft.app/managedenvironments": _managed_environment,
    "microsoft.network/privateendpoints": _private_endpoint,
    "microsoft.web/sites": _site,
    "microsoft.insights/workbooks": _workbook,
})


def refuse(type_key: str, payload: dict[str, Any], creating: bool, lookup: Lookup) -> None:
    """Raise the ArmError Azure answers to this PUT, if it refuses it."""
    _RULES.run(type_key, payload, creating, lookup)
