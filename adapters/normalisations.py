"""How ARM returns a value it was sent, where it is not byte for byte the same: rules with their source.

Each rule is a fact about Azure's read-back that someone hit as false drift and proved, most of them
encoded in Terraform's AzureRM provider (a ``DiffSuppressFunc`` or a read-time normalisation tied to
an issue) or seen in the recorded live traffic of ``tests/fixtures/recordings*``. Two kinds:

- ``equal_scalars``: value conventions that hold for any field of any type (a number sent as a
  string, a timestamp's precision, a URL's trailing ``/``, a comma-separated set re-ordered...);
- ``TYPE_RULES``: a fact about one field of one type (Service Bus sizes multiplied by 16 when
  partitioned, Redis returning its full version...), as ``ValueRule`` data the comparison applies.

Conventions by name (ARM's resource-provider contract): secrets are never returned by a GET
(Azure/azure-resource-manager-rpc, resource-api-reference.md: "secrets ... MUST NOT be returned",
recorded: VM ``adminPassword``, SQL ``administratorLoginPassword``, alert policies'
``storageAccountAccessKey``), and create-time inputs (``createMode``, ``source...Id``) describe how a
resource was made, not what it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

#: A string field with such a name holds a secret ARM never returns (compared by fingerprint only).
SECRET_NAME = re.compile(
    r"(password|secret|accesskey|sharedkey|primarykey|secondarykey|token|connectionstring|sastoken|credential)$",
    re.IGNORECASE,
)
#: A field with such a name is an instruction for the create (Microsoft.Sql `createMode`, Compute
#: `creationData.sourceUri`, MySQL `sourceServerId`, `restorePointInTime`): sent, never compared.
CREATE_INPUT_NAME = re.compile(r"^(createMode|restorePointInTime|sampleName|source\w*(Id|Uri))$")

#: A field with such a name holds an Azure location, compared normalised (`East US` == `eastus`) like the
#: envelope's `location`: AzureRM applies go-azure-helpers' `location.DiffSuppressFunc` to nested location
#: fields (`source_location`, `endpoint_location`, `target_resource_location`, `workspace_region`,
#: `target_region.name`); recorded: Cosmos DB `properties.locations[].locationName` sent `eastus`, read
#: `East US` (cosmosdb/test_cli_mgmt_cosmosdb_notebook_workspace.test_dbaccount.yaml).
LOCATION_NAME = re.compile(r"^(location|locationName|[a-z]\w*Location|[a-z]\w*Region)$")
_LOCATION_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9 ]*$")
#: ARM's common SKU object: its name, tier and family come back in the service's casing (recorded:
#: App Service plan `sku.tier` `STANDARD` -> `Standard`, relay namespace `sku.tier` `standard` ->
#: `Standard`); AzureRM suppresses case differences of SKU families (`azurerm_redis_cache` `family`:
#: `DiffSuppressFunc: suppress.CaseDifference`, internal/services/redis/redis_cache_resource.go).
SKU_FIELD = re.compile(r"(^|\.)sku\.(name|tier|family)$", re.IGNORECASE)


def location_named(pattern: str, want: str, got: str) -> bool:
    """A field named as a location whose two values both look like location names (no URL, no id)."""
    leaf = pattern.rsplit(".", 1)[-1]
    return bool(LOCATION_NAME.match(leaf) and _LOCATION_VALUE.match(want) and _LOCATION_VALUE.match(got))


_ISO_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}(/32)?$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_TOKEN = re.compile(r"^[\w./:*@-]+$")
_URL = re.compile(r"^https?://", re.IGNORECASE)


def _timestamp(value: str) -> datetime | None:
    if not _TIMESTAMP.match(value):
        return None
    text = value.replace(" ", "T").replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # .NET writes 7 fractional digits
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)  # ARM's clock is UTC


def _duration(value: str) -> float | None:
    """Seconds of an ISO 8601 duration (``PT5M``, ``P14D``) or a .NET TimeSpan (``00:05:00``, ``14.00:00:00``)."""
    iso = _ISO_DURATION.match(value)
    if iso and value.upper() not in ("P", "PT"):
        weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in iso.groups())
        return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    span = _TIMESPAN.match(value)
    if span:
        day, hour, minute, second, fraction = span.groups()
        whole = ((int(day or 0) * 24 + int(hour)) * 60 + int(minute)) * 60 + int(second)
        return whole + (float(f"0.{fraction}") if fraction else 0.0)
    return None


def _csv_tokens(value: str) -> frozenset[str] | None:
    if "," not in value:
        return None
    items = [item.strip() for item in value.split(",")]
    if not all(item and _TOKEN.match(item) for item in items):
        return None
    return frozenset(item.lower() for item in items)


def _json_document(value: str) -> Any:
    stripped = value.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def equal_scalars(want: Any, got: Any) -> bool:
    """Whether ARM's answer `got` is the value `want` that was sent, by a convention that holds for any field.

    - a number or boolean sent as a string (or the reverse), booleans in any casing: AzureRM reads
      API Management ``customProperties`` "True"/"False" strings as booleans
      (azure-rest-api-specs#6249: the values are the strings ``True``/``False``);
    - timestamps at another precision or offset (``.000Z`` vs ``Z``, ``+00:00``): recorded SQL job
      schedules (sql/test_cli_mgmt_sql_job.test_job.yaml); AzureRM's ``suppress.RFC3339Time``;
    - a duration as an ISO 8601 duration or a .NET TimeSpan (``PT30M`` / ``00:30:00``, ``P14D`` /
      ``14.00:00:00``): Service Bus takes one and answers the other (Azure/azure-service-bus#306,
      hashicorp/terraform-provider-azurerm#646);
    - an IPv4 address with or without ``/32`` (a firewall or network rule of one address: AzureRM's
      registries and Key Vault report a single address as /32: hashicorp/terraform-provider-azurerm#5444);
    - a URL with or without its trailing ``/``: recorded SQL auditing and threat-detection policies'
      ``storageEndpoint`` (sql/test_cli_mgmt_sql_server.test_server_blob_auditing_policy.yaml);
    - an ARM id with or without its leading or trailing ``/``: recorded Compute image
      ``osDisk.snapshot.id`` (compute/test_mgmt_compute_disks.test_compute_shot.yaml), resource links'
      ``targetId`` (resource/test_mgmt_resource_links.test_links.yaml);
    - a comma-separated set the service re-orders or re-spaces (storage ``networkAcls.bypass``
      "Logging, Metrics, AzureServices", firewall SNAT private ranges, ``identity.type``
      "SystemAssigned, UserAssigned"): AzureRM models them as sets
      (hashicorp/terraform-provider-azurerm#5082, Azure/bicep#6787);
    - a JSON document held in a string, re-serialised by the service (action group ITSM
      ``ticketConfiguration``): AzureRM's ``structure.SuppressJsonDiff``
      (hashicorp/terraform-provider-azurerm#4638).
    """
    if isinstance(want, bool) or isinstance(got, bool):
        return _as_bool(want) is not None and _as_bool(want) == _as_bool(got)
    if isinstance(want, int | float) and isinstance(got, str) and _NUMBER.match(got.strip()):
        return float(want) == float(got)
    if isinstance(got, int | float) and isinstance(want, str) and _NUMBER.match(want.strip()):
        return float(want) == float(got)
    if not (isinstance(want, str) and isinstance(got, str)):
        return False
    if _URL.match(want) and _URL.match(got):
        return want.rstrip("/").lower() == got.rstrip("/").lower()
    if want.lower().startswith(("subscriptions/", "/subscriptions/")) and got.lower().startswith(("subscriptions/", "/subscriptions/")):
        return want.strip("/").lower() == got.strip("/").lower()
    when, then = _timestamp(want), _timestamp(got)
    if when is not None and then is not None:
        return when == then
    span, spent = _duration(want), _duration(got)
    if span is not None and spent is not None:
        return span == spent
    if _IPV4.match(want) and _IPV4.match(got):
        return want.removesuffix("/32") == got.removesuffix("/32")
    if _as_bool(want) is not None and _as_bool(got) is not None:
        return _as_bool(want) == _as_bool(got)
    tokens = _csv_tokens(want)
    if tokens is not None and tokens == _csv_tokens(got):
        return True
    document = _json_document(want)
    return document is not None and document == _json_document(got)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def empty_strings_only(value: Any) -> bool:
    """``[""]``: how SQL security alert policies return an empty list (recorded:
    sql/test_cli_mgmt_sql_vulnerability_assessment.test_vulnerability_assessment.yaml, `disabledAlerts`)."""
    return isinstance(value, list) and all(item == "" for item in value)


RuleKind = Literal["multiplied", "major_version", "sku_spelling", "absent_when_default", "server_member"]


@dataclass(frozen=True)
class ValueRule:
    """A fact about how one type returns one field (a path pattern of the comparison)."""

    path: str
    kind: RuleKind
    source: str
    #: `multiplied`: live = desired x factor while the sibling flag `when` is true in the live body
    factor: int = 1
    when: str = ""
    #: `server_member`: the fields of a list member the server adds by itself
    member: Mapping[str, Any] = field(default_factory=dict)

    def explains(self, want: Any, got: Any, live_parent: Mapping[str, Any]) -> bool:
        """Whether `got` (live) is what the service makes of `want` (desired) by this rule."""
        if self.kind == "multiplied":
            flag = live_parent.get(self.when)
            return flag is True and isinstance(want, int | float) and isinstance(got, int | float) and got == want * self.factor
        if self.kind == "major_version":
            return isinstance(want, str | int | float) and isinstance(got, str) and str(got).split(".")[0] == str(want).split(".")[0]
        if self.kind == "sku_spelling":
            return isinstance(want, str) and isinstance(got, str) and _sku(want) == _sku(got)
        if self.kind == "absent_when_default":
            return got is None
        return False

    def added_by_server(self, member: Any) -> bool:
        """Whether a live list member nobody declared is one the server adds by itself."""
        return self.kind == "server_member" and isinstance(member, dict) and all(
            str(member.get(k, "")).lower() == str(v).lower() for k, v in self.member.items()
        )


def _sku(name: str) -> str:
    """SQL sku names spelled long or short: ``GP_Gen5`` / ``GP_G5``, ``GP_Gen8IH`` / ``GP_G8IH``."""
    return re.sub(r"_gen(\d)", r"_g\1", name.lower())


_SB_SIZE = (
    "Service Bus standard tier: a partitioned entity has 16 partitions and reports 16 x the size sent "
    "(Azure/azure-service-bus-dotnet#619, Azure/azure-sdk-for-net#3855; AzureRM divides by 16 on read)"
)

#: type (lower-case) -> its value rules.
TYPE_RULES: dict[str, tuple[ValueRule, ...]] = {
    "microsoft.servicebus/namespaces/queues": (
        ValueRule("properties.maxSizeInMegabytes", "multiplied", _SB_SIZE, factor=16, when="enablePartitioning"),
    ),
    "microsoft.servicebus/namespaces/topics": (
        ValueRule("properties.maxSizeInMegabytes", "multiplied", _SB_SIZE, factor=16, when="enablePartitioning"),
    ),
    "microsoft.cache/redis": (
        ValueRule(
            "properties.redisVersion", "major_version",
            "Redis is created at a major version and returns the full one (6 -> 6.0.x); AzureRM's "
            "azurerm_redis_cache `redis_version` compares the major version only",
        ),
    ),
    "microsoft.sql/managedinstances": (
        ValueRule(
            "sku.name", "sku_spelling",
            "SQL returns sku names in their short form (GP_Gen8IH -> GP_G8IH): "
            "hashicorp/terraform-provider-azurerm#19750",
        ),
    ),
    "microsoft.sql/servers/elasticpools": (
        ValueRule("sku.name", "sku_spelling", "SQL sku names short or long (GP_Gen5 / GP_G5): as managed instances"),
    ),
    "microsoft.sql/servers/databases": (
        ValueRule("sku.name", "sku_spelling", "SQL sku names short or long (GP_Gen5 / GP_G5): as managed instances"),
    ),
    "microsoft.keyvault/vaults": (
        ValueRule(
            "properties.softDeleteRetentionInDays", "absent_when_default",
            "Key Vault defaults the retention to 90 days but does not return it unless explicitly configured "
            "(hashicorp/terraform-provider-azurerm#10088)",
        ),
    ),
    "microsoft.app/managedenvironments": (
        ValueRule(
            "properties.workloadProfiles", "server_member",
            "the Consumption workload profile is present whether declared or not as soon as another "
            "profile is (hashicorp/terraform-provider-azurerm#25285)",
            member={"name": "Consumption", "workloadProfileType": "Consumption"},
        ),
    ),
}
