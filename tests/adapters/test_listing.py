"""The generic resource listing used for pruning: ids, types and tags of owned resources."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import responses

from adapters.registry import AdapterRegistry
from tests.adapters.arm_double import BASE, SUB, factory

GROUP = f"/subscriptions/{SUB}/resourceGroups/rg1"


def item(name: str, arm_type: str, tags: dict[str, str]) -> dict[str, object]:
    return {"id": f"{GROUP}/providers/{arm_type}/{name}", "name": name, "type": arm_type,
            "location": "westus", "tags": tags}


def listing_url() -> re.Pattern[str]:
    # The SDK writes `resourcegroups` in lower case here.
    return re.compile(re.escape(f"{BASE}{GROUP}/resources") + r"\?.*", re.IGNORECASE)


def test_lists_every_page_filtered_by_all_tags() -> None:
    owned = {"managed-by": "reconciler", "environment": "dev"}
    first = [item("v1", "Microsoft.Network/virtualNetworks", owned),
             item("kv", "Microsoft.KeyVault/vaults", {"managed-by": "reconciler", "environment": "qa"})]
    second = [item("st", "Microsoft.Storage/storageAccounts", {**owned, "extra": "x"})]
    url = listing_url()
    next_link = f"{BASE}{GROUP}/resources?api-version=2025-04-01&%24skiptoken=page2"
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, url, json={"value": first, "nextLink": next_link},
                 match=[responses.matchers.query_param_matcher(
                     {"$filter": "tagName eq 'managed-by' and tagValue eq 'reconciler'"}, strict_match=False)])
        mock.add(responses.GET, url, json={"value": second})
        listed = AdapterRegistry(factory()).list_resources("rg1", owned)
        first_query = parse_qs(urlsplit(str(mock.calls[0].request.url)).query)
    assert first_query["$filter"] == ["tagName eq 'managed-by' and tagValue eq 'reconciler'"]
    assert [(r.type, r.id.rsplit("/", 1)[-1]) for r in listed] == [
        ("Microsoft.Network/virtualNetworks", "v1"), ("Microsoft.Storage/storageAccounts", "st")]
    assert listed[1].tags["extra"] == "x"


def test_quotes_in_tag_values_are_escaped() -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, listing_url(), json={"value": []})
        assert AdapterRegistry(factory()).list_resources("rg1", {"owner": "o'brien"}) == []
        query = parse_qs(urlsplit(str(mock.calls[0].request.url)).query)
    assert query["$filter"] == ["tagName eq 'owner' and tagValue eq 'o''brien'"]
