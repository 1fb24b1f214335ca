"""API Management (azure-mgmt-apimanagement 5, msrest models, api-version 2024-05-01).

Child deletes require `If-Match`; `*` deletes whatever version exists.
Policies are XML the service re-indents and re-escapes (compared normalised).
"""

from __future__ import annotations

from adapters.arm_type import ArmType, GenericType
from adapters.compare import CompareRules, ListRule

_M = "azure.mgmt.apimanagement.models:"
_ANY_ETAG = {"if_match": "*"}
_POLICY_RULES = CompareRules(
    xml=frozenset({"properties.value"}),
    write_only=frozenset({"properties.format"}),  # GET returns the value in its default format
    immutable=frozenset(),
)

TYPES = (
    ArmType(
        arm_type="Microsoft.ApiManagement/service",
        service="apimanagement", operations="api_management_service",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "ApiManagementServiceResource",
        rules=CompareRules(
            case_insensitive=frozenset({"sku.name", "properties.virtualNetworkType", "properties.publicNetworkAccess"}),
            immutable=frozenset({"location"}),
        ),
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/apis",
        service="apimanagement", operations="api",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "service", "name"), model=_M + "ApiCreateOrUpdateParameter",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.protocols[]", "properties.type", "properties.apiType"}),
            # Create-time inputs (make a revision of / import from) the service does not echo.
            write_only=frozenset({"properties.sourceApiId", "properties.value", "properties.format"}),
            immutable=frozenset(),
        ),
        delete_kwargs=_ANY_ETAG,
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/apis/operations",
        service="apimanagement", operations="api_operation",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "service", "apis", "name"), model=_M + "OperationContract",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.method"}),
            lists={"properties.templateParameters": ListRule("keyed", "name")},
            immutable=frozenset(),
        ),
        delete_kwargs=_ANY_ETAG,
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/apis/policies",
        service="apimanagement", operations="api_policy",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "service", "apis", "name"), model=_M + "PolicyContract",
        rules=_POLICY_RULES, delete_kwargs=_ANY_ETAG,
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/loggers",
        service="apimanagement", operations="logger",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "service", "name"), model=_M + "LoggerContract",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.loggerType"}),
            # The service moves the credentials into a secret named value and answers its
            # `{{...}}` reference (REST example ApiManagementCreateAILogger.json).
            write_only=frozenset({"properties.credentials"}),
            immutable=frozenset(),
        ),
        delete_kwargs=_ANY_ETAG,
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/namedValues",
        service="apimanagement", operations="named_value",
        get="get", create="begin_create_or_update", delete="delete",
        args=("resource_group", "service", "name"), model=_M + "NamedValueCreateContract",
        rules=CompareRules(immutable=frozenset()), delete_kwargs=_ANY_ETAG,
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/policies",
        service="apimanagement", operations="policy",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "service", "name"), model=_M + "PolicyContract",
        rules=_POLICY_RULES, delete_kwargs=_ANY_ETAG,
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/products",
        service="apimanagement", operations="product",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "service", "name"), model=_M + "ProductContract",
        rules=CompareRules(case_insensitive=frozenset({"properties.state"}), immutable=frozenset()),
        delete_kwargs=_ANY_ETAG,
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/products/apiLinks",
        service="apimanagement", operations="product_api_link",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "service", "products", "name"), model=_M + "ProductApiLinkContract",
        rules=CompareRules(case_insensitive=frozenset({"properties.apiId"}), immutable=frozenset({"properties.apiId"})),
    ),
    ArmType(
        arm_type="Microsoft.ApiManagement/service/subscriptions",
        service="apimanagement", operations="subscription",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "service", "name"), model=_M + "SubscriptionCreateParameters",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.state"}),
            write_only=frozenset({"properties.primaryKey", "properties.secondaryKey"}),
            immutable=frozenset(),
        ),
        delete_kwargs=_ANY_ETAG,
    ),
)

#: Types managed generically (by id): nothing the defaults get wrong.
GENERIC = (
    GenericType(arm_type="Microsoft.ApiManagement/service/diagnostics"),
)
