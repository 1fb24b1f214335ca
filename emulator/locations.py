"""How each provider spells a location it returns.

Recorded live traffic (tests/fixtures/recordings, cases of a PUT and the later GET) shows three
habits: most providers return the location as it was sent; Microsoft.Network returns the
short name (``West US`` -> ``westus``, ``WestUs`` -> ``westus``); Service Bus, Redis, Cosmos DB
and App Service plans return the display name (``eastus`` -> ``East US``, ``westus2`` -> ``West US 2``),
and Service Bus / Redis / web app children carry their parent's location in that spelling
although the request had none.
"""

from __future__ import annotations

from typing import Literal

Spelling = Literal["as_sent", "short", "display"]

# Display names of the public regions (as ARM's GET /subscriptions/{id}/locations lists them).
_DISPLAY: dict[str, str] = {
    "eastus": "East US",
    "eastus2": "East US 2",
    "westus": "West US",
    "westus2": "West US 2",
    "westus3": "West US 3",
    "centralus": "Central US",
    "northcentralus": "North Central US",
    "southcentralus": "South Central US",
    "westcentralus": "West Central US",
    "canadacentral": "Canada Central",
    "canadaeast": "Canada East",
    "brazilsouth": "Brazil South",
    "northeurope": "North Europe",
    "westeurope": "West Europe",
    "uksouth": "UK South",
    "ukwest": "UK West",
    "francecentral": "France Central",
    "germanywestcentral": "Germany West Central",
    "switzerlandnorth": "Switzerland North",
    "norwayeast": "Norway East",
    "swedencentral": "Sweden Central",
    "eastasia": "East Asia",
    "southeastasia": "Southeast Asia",
    "japaneast": "Japan East",
    "japanwest": "Japan West",
    "australiaeast": "Australia East",
    "australiasoutheast": "Australia Southeast",
    "centralindia": "Central India",
    "koreacentral": "Korea Central",
    "uaenorth": "UAE North",
    "southafricanorth": "South Africa North",
}

_DISPLAY_PROVIDERS = ("microsoft.servicebus/", "microsoft.cache/", "microsoft.documentdb/databaseaccounts")
# Children that carry their parent's location although the request had none (recorded).
INHERITED: frozenset[str] = frozenset(
    {
        "microsoft.servicebus/namespaces/authorizationrules",
        "microsoft.servicebus/namespaces/queues",
        "microsoft.servicebus/namespaces/queues/authorizationrules",
        "microsoft.servicebus/namespaces/topics",
        "microsoft.servicebus/namespaces/topics/authorizationrules",
        "microsoft.servicebus/namespaces/topics/subscriptions",
        "microsoft.cache/redis/patchschedules",
    }
)


def spelling(type_key: str) -> Spelling:
    """How the provider of this type spells a returned location."""
    if type_key == "microsoft.web/serverfarms" or type_key.startswith(_DISPLAY_PROVIDERS):
        return "display"
    if type_key.startswith("microsoft.network/") and not type_key.startswith(
        ("microsoft.network/dnszones", "microsoft.network/privatednszones")
    ):
        return "short"
    return "as_sent"


def spelled(type_key: str, location: str) -> str:
    """The location as this type's provider returns it (unknown regions stay as sent)."""
    short = "".join(location.split()).lower()
    style = spelling(type_key)
    if style == "short" and short in _DISPLAY:
        return short
    if style == "display":
        return _DISPLAY.get(short, location)
    return location
