"""The client-side token buckets block before a request would exceed ARM's budget."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from adapters.ratelimit import BucketShape, RateLimiter, bucket_of
from adapters.registry import AdapterRegistry
from tests.adapters.arm_double import factory, make_id, url_of
from tests.adapters.examples import example
from tests.adapters.test_retry import Sleeps

VNET = "Microsoft.Network/virtualNetworks"


def test_requests_draw_from_arm_buckets() -> None:
    assert [bucket_of(m) for m in ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE")] == [
        "reads", "reads", "writes", "writes", "writes", "deletes"]


def test_default_shape_is_arms_documented_buckets() -> None:
    limiter = RateLimiter()
    assert {n: (b.shape.capacity, b.shape.refill_per_second) for n, b in limiter.buckets.items()} == {
        "reads": (250, 25), "writes": (200, 10), "deletes": (200, 10)}
    assert RateLimiter(scale=0.1).buckets["writes"].shape == BucketShape(20, 1)


def test_limiter_blocks_instead_of_exceeding_a_bucket() -> None:
    sleeps = Sleeps()
    limiter = RateLimiter(clock=sleeps.clock, sleep=sleeps, shapes={
        "reads": BucketShape(3, 1), "writes": BucketShape(2, 0.5), "deletes": BucketShape(1, 1)})
    sent_at = []
    for _ in range(6):
        limiter.acquire("GET")
        sent_at.append(sleeps.now)
    start = sent_at[0]
    # Three at once (the burst), then one per second as the bucket refills.
    assert [t - start for t in sent_at] == pytest.approx([0, 0, 0, 1, 2, 3])
    # In no window of length w do more than capacity + w * rate requests leave.
    for i, t in enumerate(sent_at):
        for j in range(i, len(sent_at)):
            assert j - i + 1 <= 3 + (sent_at[j] - t) * 1 + 1e-9
    # Writes are a separate bucket, untouched by the reads.
    assert limiter.acquire("PUT") == 0


def test_limiter_adapts_to_the_budget_arm_reports() -> None:
    sleeps = Sleeps()
    limiter = RateLimiter(clock=sleeps.clock, sleep=sleeps)
    limiter.observe({"x-ms-ratelimit-remaining-subscription-reads": "0"})
    waited = limiter.acquire("GET")
    assert waited == pytest.approx(1 / 25)
    limiter.observe({"x-ms-ratelimit-remaining-subscription-reads": "10000"})  # never raised above capacity
    assert limiter.buckets["reads"].available() <= 250
    limiter.observe({"x-ms-ratelimit-remaining-subscription-global-writes": "3"})
    assert limiter.buckets["writes"].available() == 3


def test_the_pipeline_waits_when_arm_says_the_budget_is_spent() -> None:
    sleeps = Sleeps()
    reg = AdapterRegistry(factory(sleep=sleeps, clock=sleeps.clock))
    body = example(VNET, "GET").live_body()
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, url_of(make_id(VNET)), json=body,
                 headers={"x-ms-ratelimit-remaining-subscription-reads": "0"})
        reg.for_type(VNET).read(make_id(VNET))
        assert sleeps.delays == []
        reg.for_type(VNET).read(make_id(VNET))
    assert sleeps.delays == [pytest.approx(1 / 25)]
    stats: dict[str, Any] = reg.clients.stats()
    assert stats["rate_limiter"]["waits"] == 1
