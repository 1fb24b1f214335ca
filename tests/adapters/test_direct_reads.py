"""Reads by id through the generic resources client send exactly the request
the type's own SDK client sends (so a read needs no per-service SDK import),
and the generated table of those requests is up to date with the SDKs."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.arm_id import arguments
from adapters.clients import ClientFactory
from adapters.direct_reads import list_url, read_route
from adapters.generic import GenericAdapter
from adapters.read_routes import GET_ROUTES, LIST_ROUTES
from adapters.registry import ENTRIES
from adapters.siblings import LIST_OPERATIONS, list_siblings
from adapters.tools import gen_read_routes
from adapters.tools.gen_read_routes import _Recorded, _Recorder, sample_id

SUB = "00000000-0000-0000-0000-000000000000"


def sent(call: Any) -> tuple[str, str, dict[str, list[str]]]:
    try:
        call()
    except _Recorded as recorded:
        url = urlsplit(recorded.request.url)
        return recorded.request.method, f"{url.scheme}://{url.netloc}{url.path}", parse_qs(url.query)
    raise AssertionError("no request was sent")


def real_id(entry: Any) -> str:
    """`sample_id`, with the names the SDK fixes (a storage account's one blob service)."""
    return sample_id(entry).replace("/blobServices/n2/", "/blobServices/default/")


def test_the_generated_table_is_up_to_date_with_the_installed_sdks() -> None:
    assert gen_read_routes.main(["--check"]) == 0


def test_most_declared_types_are_read_without_their_sdk() -> None:
    assert len(GET_ROUTES) >= 60
    assert set(LIST_ROUTES) <= set(GET_ROUTES)


def id_of(template: str) -> str:
    """An id the template matches, its names of every unreserved character kind."""
    names = iter(f"abc-{i}.x_y~z" for i in range(20))
    path = template.replace("{scope}", f"/subscriptions/{SUB}/resourceGroups/rg-1").replace("{subscription}", SUB)
    return "/".join(next(names) if part == "*" else part for part in path.split("/"))


ROUTES = [(key, route) for key, routes in sorted(GET_ROUTES.items()) for route in routes]


@pytest.mark.parametrize(("key", "route"), ROUTES, ids=[f"{k}:{r[1].rsplit('/', 1)[-1]}" for k, r in ROUTES])
def test_a_direct_read_sends_what_the_sdk_sends(key: str, route: tuple[str, ...]) -> None:
    rid = id_of(route[1])
    entry = ENTRIES[key].for_name(rid.rsplit("/", 1)[-1])
    assert read_route(entry, rid, SUB) == route
    direct = GenericAdapter(ENTRIES[key], ClientFactory.for_transport(SUB, _Recorder()))
    sdk = getattr(ClientFactory.for_transport(SUB, _Recorder()).client(entry.service), entry.operations)
    ours = sent(lambda: direct.read(rid))
    # The SDK call as the adapter makes it, with the entry's own arguments (a workbook's `can_fetch_content`).
    theirs = sent(lambda: getattr(sdk, entry.get)(*arguments(rid, entry.args), **dict(entry.get_kwargs)))
    assert ours == theirs
    assert direct.clients._clients.keys() == {"resource"}  # no SDK of the type's own service was built


def test_app_service_settings_are_read_with_their_list_action() -> None:
    entry = ENTRIES["microsoft.web/sites/config"]
    site = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/app1"
    assert sent(lambda: GenericAdapter(entry, ClientFactory.for_transport(SUB, _Recorder())).read(
        f"{site}/config/appsettings")) == ("POST", f"https://management.azure.com{site}/config/appsettings/list",
                                           {"api-version": [GET_ROUTES["microsoft.web/sites/config"][0][3]]})
    assert read_route(entry, f"{site}/config/logs", SUB) is None  # a name the SDK's call would not read


@pytest.mark.parametrize("key", sorted(LIST_ROUTES))
def test_a_direct_sibling_list_sends_what_the_sdk_sends(key: str) -> None:
    entry = ENTRIES[key]
    rid = real_id(entry)
    factory = ClientFactory.for_transport(SUB, _Recorder())
    ours = sent(lambda: list_siblings(entry, factory, rid))
    sdk = getattr(ClientFactory.for_transport(SUB, _Recorder()).client(entry.service), entry.operations)
    method, extra = LIST_OPERATIONS[key]
    theirs = sent(lambda: next(getattr(sdk, method)(*arguments(rid, entry.args)[:-1], **extra).by_page()))
    assert ours == theirs
    assert list_url(entry, rid, factory.base_url, SUB) is not None
    assert factory._clients.keys() == {"resource"}


@pytest.mark.parametrize(
    "name", ["a(b)", "a b", "caf\u00e9", "a%2Fb", "a@b"], ids=["parens", "space", "non-ascii", "escaped", "at"]
)
def test_a_name_the_sdk_would_quote_keeps_the_sdk_call(name: str) -> None:
    entry = ENTRIES["microsoft.network/virtualnetworks"]
    rid = sample_id(entry).replace("/n1", f"/{name}")
    assert read_route(entry, rid, SUB) is None
    factory = ClientFactory.for_transport(SUB, _Recorder())
    sent(lambda: GenericAdapter(entry, factory).read(rid))
    assert "network" in factory._clients


def test_an_id_cased_otherwise_than_the_sdk_template_keeps_the_sdk_call() -> None:
    entry = ENTRIES["microsoft.network/virtualnetworks"]
    rid = sample_id(entry)
    assert read_route(entry, rid, SUB) is not None
    assert read_route(entry, rid.replace("virtualNetworks", "virtualnetworks"), SUB) is None
    assert read_route(entry, rid.replace("resourceGroups", "resourcegroups"), SUB) is None
    assert read_route(entry, rid + "/subnets/s1", SUB) is None  # another type's id


def test_a_role_assignment_at_any_scope_is_read_by_id() -> None:
    entry = ENTRIES["microsoft.authorization/roleassignments"]
    vault = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app"
    assignment = "/providers/Microsoft.Authorization/roleAssignments/5e1f0000-0000-4000-8000-000000000001"
    assert read_route(entry, vault + assignment, SUB) is not None
    assert read_route(entry, f"/subscriptions/{SUB}" + assignment, SUB) is not None
    assert read_route(entry, assignment, SUB) is None  # no scope


def test_a_name_the_sdk_fixes_must_be_that_name() -> None:
    entry = ENTRIES["microsoft.storage/storageaccounts/blobservices/containers"]
    account = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1"
    assert read_route(entry, f"{account}/blobServices/default/containers/c1", SUB) is not None
    assert read_route(entry, f"{account}/blobServices/other/containers/c1", SUB) is None


def test_an_id_in_another_subscription_keeps_the_sdk_call() -> None:
    # The SDK puts its client's subscription in the URL, whatever the id says.
    entry = ENTRIES["microsoft.network/virtualnetworks"]
    rid = sample_id(entry)
    assert read_route(entry, rid, SUB) is not None
    assert read_route(entry, rid, "11111111-1111-1111-1111-111111111111") is None
