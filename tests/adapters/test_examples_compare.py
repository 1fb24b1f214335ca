"""Every PUT example: the request as desired, the real 200/201 body as live, no drift.

The only exceptions are in `GENUINELY_DIFFERENT`, each where the example's
response holds a different value than was sent (README of arm-examples).
"""

from __future__ import annotations

import pytest

from adapters.compare import compare
from adapters.registry import rules_for
from tests.adapters.examples import Example, examples

_REDIS = "Microsoft.Cache/redis"
_REDIS_REASON = "example response is of another cache (West US, non-SSL port off, no VNet, no shards)"
_ORIGIN_GROUP_REASON = "inconsistent example: request probes /path2 NotSet/NotSet, every response /path1 HEAD/Http"

#: (type, status, path) -> why the example's response genuinely differs.
GENUINELY_DIFFERENT: dict[tuple[str, str, str], str] = {
    **{
        ("Microsoft.App/containerApps", code, path): reason
        for code in ("200", "201")
        for path, reason in (
            ("properties.configuration.ingress.traffic", "response splits traffic 80/20 over two revisions"),
            ("properties.template.containers[name=testcontainerapptcp].image", "response image v4, request v1"),
        )
    },
    **{
        (_REDIS, code, path): _REDIS_REASON
        for code in ("200", "201")
        for path in ("location", "properties.enableNonSslPort", "properties.shardCount",
                     "properties.subnetId", "properties.staticIP")
    },
    (_REDIS, "200", "properties.redisConfiguration.maxmemory-policy"): "200 body's redisConfiguration differs from the request",
    **{
        ("Microsoft.Cdn/profiles/originGroups", code, f"properties.healthProbeSettings.{field}"): _ORIGIN_GROUP_REASON
        for code in ("200", "201")
        for field in ("probePath", "probeRequestType", "probeProtocol")
    },
    ("Microsoft.DocumentDB/databaseAccounts", "200", "properties.enablePerRegionPerPartitionAutoscale"):
        "not echoed by this example's response",
    ("Microsoft.Web/staticSites", "200", "properties.branch"): "response branch demo, request master",
    # Examples added by issue 28, inconsistent as their SOURCE.md notes say.
    ("Microsoft.ApiManagement/service/diagnostics", "200", "properties.loggerId"):
        "200 names logger applicationinsights, the request azuremonitor",
    **{
        ("Microsoft.App/jobs", code, path): reason
        for code in ("200", "201")
        for path, reason in (
            ("properties.template.containers[0].image", "response image v4, request v1"),
            ("properties.template.containers[0].probes[0].initialDelaySeconds", "response 3 s, request 5 s"),
        )
    },
    **{
        ("Microsoft.Cdn/profiles/customDomains", code, "properties.hostName"): "response www.contoso.com, request www.someDomain.net"
        for code in ("200", "201")
    },
}

CASES = [
    pytest.param(ex, code, body, id=f"{ex.arm_type}-{code}")
    for ex in examples("PUT")
    for code, body in ex.response_bodies().items()
]


def test_every_put_example_has_a_response_body() -> None:
    covered = {case.values[0].arm_type for case in CASES}  # type: ignore[union-attr]
    assert covered == {ex.arm_type for ex in examples("PUT")}


@pytest.mark.parametrize(("ex", "code", "live"), CASES)
def test_put_response_satisfies_its_request(ex: Example, code: str, live: dict[str, object]) -> None:
    result = compare(ex.request_body(), live, rules_for(ex.arm_type))
    unexpected = [
        d for d in result.differences if (ex.arm_type, code, d.path) not in GENUINELY_DIFFERENT
    ]
    assert unexpected == []


def test_allow_list_entries_all_still_differ() -> None:
    """Keeps the allow-list honest: every entry names a difference that exists."""
    seen = set()
    for case in CASES:
        ex, code, live = case.values
        assert isinstance(ex, Example)
        for d in compare(ex.request_body(), live, rules_for(ex.arm_type)).differences:  # type: ignore[arg-type]
            seen.add((ex.arm_type, code, d.path))
    assert set(GENUINELY_DIFFERENT) <= seen
