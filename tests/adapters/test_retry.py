"""The one retry layer, through real SDK clients against `responses`."""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests
import responses
from azure.core.exceptions import HttpResponseError, ServiceRequestError

from adapters.registry import AdapterRegistry
from adapters.retry import Backoff, RecentPuts, retry_after_seconds
from desired_state.resource import Resource
from tests.adapters.arm_double import factory, make_id, url_of
from tests.adapters.examples import example

VNET = "Microsoft.Network/virtualNetworks"
ROLE = "Microsoft.Authorization/roleAssignments"


class Sleeps:
    """Injected sleep: records every delay and advances a fake clock."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.now = 1000.0

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def registry(sleeps: Sleeps, **kwargs: Any) -> AdapterRegistry:
    return AdapterRegistry(factory(sleep=sleeps, clock=sleeps.clock, rng=random.Random(7), **kwargs))


def vnet_body() -> dict[str, Any]:
    return example(VNET, "GET").live_body()


def test_retry_after_is_honoured_never_earlier(mock: Any) -> None:
    sleeps = Sleeps()
    url = url_of(make_id(VNET))
    mock.add(responses.GET, url, status=429, headers={"Retry-After": "7"},
             json={"error": {"code": "TooManyRequests", "message": "throttled"}})
    mock.add(responses.GET, url, status=503, headers={"retry-after-ms": "2500"}, json={})
    mock.add(responses.GET, url, status=200, json=vnet_body())
    reg = registry(sleeps)
    assert reg.for_type(VNET).read(make_id(VNET)) == vnet_body()
    assert len(sleeps.delays) == 2
    assert sleeps.delays[0] >= 7.0
    assert sleeps.delays[1] >= 2.5
    stats = reg.clients.stats()
    assert stats["retry"]["throttled_429"] == 1
    assert stats["retry"]["retries_by_reason"] == {"throttled": 1, "http-503": 1}
    assert stats["requests"]["GET"] == {"429": 1, "503": 1, "200": 1}


def test_backoff_grows_exponentially_with_full_jitter() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    backoff = Backoff(base=0.5, cap=30.0, max_tries=8)
    assert [backoff.delay(n, Top()) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    rng = random.Random(1)
    draws = [backoff.delay(5, rng) for _ in range(50)]
    assert all(0 <= d <= 8 for d in draws)
    assert len(set(draws)) == 50  # jittered, never a fixed pace


def test_transient_failures_back_off_within_growing_bounds_then_give_up(mock: Any) -> None:
    sleeps = Sleeps()
    mock.add(responses.GET, url_of(make_id(VNET)), status=503, json={"error": {"code": "ServiceUnavailable"}})
    reg = registry(sleeps)
    with pytest.raises(HttpResponseError) as caught:
        reg.for_type(VNET).read(make_id(VNET))
    assert caught.value.status_code == 503
    assert len(sleeps.delays) == 7  # 8 tries, 7 waits
    assert all(d <= 0.5 * 2 ** i for i, d in enumerate(sleeps.delays))
    assert reg.clients.stats()["retry"]["gave_up"] == 1


def test_dropped_connections_are_retried(mock: Any) -> None:
    sleeps = Sleeps()
    url = url_of(make_id(VNET))
    mock.add(responses.GET, url, body=requests.ConnectionError("reset by peer"))
    mock.add(responses.GET, url, status=200, json=vnet_body())
    reg = registry(sleeps)
    assert reg.for_type(VNET).read(make_id(VNET)) == vnet_body()
    assert reg.clients.stats()["retry"]["retries_by_reason"] == {"connection": 1}


def test_connection_failures_give_up_after_the_try_budget(mock: Any) -> None:
    sleeps = Sleeps()
    mock.add(responses.GET, url_of(make_id(VNET)), body=requests.ConnectionError("down"))
    with pytest.raises(ServiceRequestError):
        registry(sleeps, backoff=Backoff(max_tries=3)).for_type(VNET).read(make_id(VNET))
    assert len(sleeps.delays) == 2


def role_assignment() -> Resource:
    return Resource(address="sec.role", type=ROLE, id=make_id(ROLE), layer="security",
                    body=example(ROLE, "PUT").request_body())


def test_principal_not_found_on_role_assignment_put_is_retried(mock: Any) -> None:
    sleeps = Sleeps()
    url = url_of(make_id(ROLE))
    mock.add(responses.PUT, url, status=400, json={"error": {"code": "PrincipalNotFound", "message": "Principal x does not exist"}})
    mock.add(responses.PUT, url, status=201, json=example(ROLE, "PUT").live_body())
    reg = registry(sleeps)
    result = reg.for_type(ROLE).write(role_assignment(), None)
    assert result == example(ROLE, "PUT").live_body()
    assert reg.clients.stats()["retry"]["retries_by_reason"] == {"principal-not-found": 1}
    assert len(sleeps.delays) == 1


def test_another_operation_in_progress_is_retried(mock: Any) -> None:
    sleeps = Sleeps()
    url = url_of(make_id(ROLE))
    mock.add(responses.PUT, url, status=409, json={"error": {"Code": "AnotherOperationInProgress", "Message": "busy"}})
    mock.add(responses.PUT, url, status=201, json=example(ROLE, "PUT").live_body())
    reg = registry(sleeps)
    reg.for_type(ROLE).write(role_assignment(), None)
    assert reg.clients.stats()["retry"]["retries_by_reason"] == {"another-operation-in-progress": 1}


def test_a_400_that_is_not_eventual_consistency_is_not_retried(mock: Any) -> None:
    sleeps = Sleeps()
    mock.add(responses.PUT, url_of(make_id(ROLE)), status=400,
             json={"error": {"code": "InvalidRoleDefinitionId", "message": "bad role"}})
    reg = registry(sleeps)
    with pytest.raises(HttpResponseError) as caught:
        reg.for_type(ROLE).write(role_assignment(), None)
    assert caught.value.status_code == 400
    assert sleeps.delays == []
    assert reg.clients.stats()["requests"]["PUT"] == {"400": 1}


def test_a_404_right_after_our_own_put_is_retried_but_a_plain_404_is_not(mock: Any) -> None:
    sleeps = Sleeps()
    url = url_of(make_id(ROLE))
    not_found = {"error": {"code": "RoleAssignmentNotFound", "message": "not found"}}
    reg = registry(sleeps)
    mock.add(responses.GET, url, status=404, json=not_found)
    assert reg.for_type(ROLE).read(make_id(ROLE)) is None  # nothing PUT yet: a genuine 404
    assert sleeps.delays == []

    mock.replace(responses.GET, url, status=404, json=not_found)
    mock.add(responses.PUT, url, status=201, json=example(ROLE, "PUT").live_body())
    reg.for_type(ROLE).write(role_assignment(), None)
    mock.add(responses.GET, url, status=200, json=example(ROLE, "GET").live_body())
    assert reg.for_type(ROLE).read(make_id(ROLE)) == example(ROLE, "GET").live_body()
    assert reg.clients.stats()["retry"]["retries_by_reason"] == {"not-yet-visible": 1}


def test_a_deleted_parent_takes_its_childrens_recent_puts_with_it() -> None:
    """A GET 404 of a child after its parent's DELETE is the child gone with it, not a PUT not yet visible
    (a site's config read after the site was deleted waited out the whole retry budget)."""
    puts = RecentPuts()
    site = make_id("Microsoft.Web/sites")
    site, config, sibling = (f"https://management.azure.com{path}?api-version=2024-04-01"
                             for path in (site, f"{site}/config/web", f"{site}2"))
    for url in (site, config, sibling):
        puts.remember(url, now=100.0, window=30.0)
    puts.forget(site)
    assert [puts.within(url, now=101.0, window=30.0) for url in (site, config, sibling)] == [False, False, True]


def test_retry_after_header_forms() -> None:
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"x-ms-retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({}) is None
