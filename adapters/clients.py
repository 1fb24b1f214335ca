"""One azure-mgmt SDK client per service per subscription, built lazily and reused.

Every client gets the same pipeline shape: our `ArmRetryPolicy` *as* the
retry policy (so the SDK never retries a second time), then per try the
`EndpointGuardPolicy` (nothing leaves for a host other than the client's ARM
endpoint, LRO poll URLs included), the `RateLimitPolicy` (ARM token buckets)
and the `RequestCounter`.

Targets: real Azure (`for_azure`), the in-process emulator transport
(`for_transport`) and the emulator served over loopback HTTP
(`for_endpoint`; azure-core's bearer policy refuses non-https URLs, so a
plain header policy carries the fake token there).
"""

from __future__ import annotations

import base64
import importlib
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import HttpTransport
from azure.core.polling import LROPoller

from adapters.breaker import CircuitBreaker
from adapters.endpoint_guard import EndpointGuardPolicy
from adapters.errors import one_line
from adapters.paging import max_pages
from adapters.ratelimit import RateLimiter, RateLimitPolicy, RequestCounter
from adapters.retry import WAIT_LEFT, ArmRetryPolicy, Backoff, RecentPuts, RetryStats
from adapters.sdk_imports import SDK_IMPORTS
from adapters.wait_budget import RunClock, WaitBudget
from desired_state.errors import ReconcilerError

#: Service key (the SDK module name) -> "module:ClientClass".
SERVICES: dict[str, str] = {
    "network": "azure.mgmt.network:NetworkManagementClient",
    "dns": "azure.mgmt.dns:DnsManagementClient",
    "privatedns": "azure.mgmt.privatedns:PrivateDnsManagementClient",
    "keyvault": "azure.mgmt.keyvault:KeyVaultManagementClient",
    "msi": "azure.mgmt.msi:ManagedServiceIdentityClient",
    "authorization": "azure.mgmt.authorization:AuthorizationManagementClient",
    "monitor": "azure.mgmt.monitor:MonitorManagementClient",
    "loganalytics": "azure.mgmt.loganalytics:LogAnalyticsManagementClient",
    "applicationinsights": "azure.mgmt.applicationinsights:ApplicationInsightsManagementClient",
    "sql": "azure.mgmt.sql:SqlManagementClient",
    "servicebus": "azure.mgmt.servicebus:ServiceBusManagementClient",
    "storage": "azure.mgmt.storage:StorageManagementClient",
    "web": "azure.mgmt.web:WebSiteManagementClient",
    "appcontainers": "azure.mgmt.appcontainers:ContainerAppsAPIClient",
    "apimanagement": "azure.mgmt.apimanagement:ApiManagementClient",
    "cdn": "azure.mgmt.cdn:CdnManagementClient",
    "frontdoor": "azure.mgmt.frontdoor:FrontDoorManagementClient",
    "datafactory": "azure.mgmt.datafactory:DataFactoryManagementClient",
    "redis": "azure.mgmt.redis:RedisManagementClient",
    "redisenterprise": "azure.mgmt.redisenterprise:RedisEnterpriseManagementClient",
    "cosmosdb": "azure.mgmt.cosmosdb:CosmosDBManagementClient",
    "resource": "azure.mgmt.resource.resources:ResourceManagementClient",
    "resourcegraph": "azure.mgmt.resourcegraph:ResourceGraphClient",
}
#: Tenant-level clients: built without a subscription id.
_TENANT_LEVEL = frozenset({"resourcegraph"})

AZURE_BASE_URL = "https://management.azure.com"
EMULATOR_POLLING_INTERVAL = 0.05


class UnknownService(ReconcilerError, KeyError):
    """A service key that is not in `SERVICES`."""


class LroTimeout(ReconcilerError, TimeoutError):
    """A long-running operation did not finish within its timeout; its
    continuation token is kept so the next cycle resumes it."""

    outcome = "transient"


class OperationFailed(ReconcilerError, HttpResponseError):
    """A long-running operation ended `Failed` or `Canceled` (ARM RPC,
    async operations): the request was accepted, the provisioning was not.
    Writing the same body again is how ARM resources are repaired. An
    `HttpResponseError`, so whoever handles those (the adapter dropping the
    finished operation's continuation token) handles this too."""

    outcome = None  # an ARM answer: classified by its status and code


def _unsigned_jwt(claims: dict[str, str]) -> str:
    """An unsigned test token (``alg: none``), the format the emulator reads (emulator/changes.py)."""

    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


#: The reconciler's own identity against the emulator: an application, as a managed identity is.
EMULATOR_PRINCIPAL = {
    "oid": "5e1f0000-0000-4000-8000-00000000a2c1",
    "appid": "5e1f0000-0000-4000-8000-00000000a2c0",
    "name": "azure-reconciler",
    "idtyp": "app",
}
EMULATOR_TOKEN = _unsigned_jwt(EMULATOR_PRINCIPAL)


class FakeCredential:
    """A credential returning a constant unsigned token naming the reconciler (emulator targets only)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(EMULATOR_TOKEN, int(time.time()) + 3600)


class PlainBearerPolicy(SansIOHTTPPolicy[Any, Any]):
    """Sets a constant bearer token; for http loopback endpoints, where
    azure-core's BearerTokenCredentialPolicy refuses to send tokens."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        request.http_request.headers["Authorization"] = f"Bearer {EMULATOR_TOKEN}"


class ReadTimeoutPolicy(SansIOHTTPPolicy[Any, Any]):
    """Gives every try a read timeout, so a hung request fails as a dropped
    connection (retried) instead of stalling the run; transports without a
    default of their own (the in-process emulator) need it most."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory

    def on_request(self, request: PipelineRequest[Any]) -> None:
        left = request.context.get(WAIT_LEFT)
        timeout = self.factory.read_timeout
        request.context.options["read_timeout"] = min(timeout, left) if left is not None else timeout


class ClientFactory:
    """SDK clients of one subscription, one per service, shared by all threads."""

    def __init__(
        self,
        subscription_id: str,
        credential: TokenCredential | Any,
        *,
        base_url: str = AZURE_BASE_URL,
        transport: HttpTransport[Any, Any] | None = None,
        authentication_policy: Any = None,
        polling_interval: float | None = None,
        lro_timeout: float | None = None,
        read_timeout: float | None = None,
        budget: WaitBudget | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        rate_limit_scale: float = 1.0,
    ) -> None:
        self.subscription_id = subscription_id
        self.credential = credential
        self.base_url = base_url
        self.transport = transport
        self.authentication_policy = authentication_policy
        self.polling_interval = polling_interval
        budget = budget or WaitBudget.from_env()
        max_pages()  # RECONCILER_MAX_PAGES checked with the other budgets, before anything is read
        if lro_timeout is not None:
            budget = replace(budget, lro_total=lro_timeout)
        if read_timeout is not None:
            budget = replace(budget, read_timeout=read_timeout)
        #: Every wait of this factory's requests and LROs (adapters/wait_budget.py).
        self.budget = budget
        self.run_clock = RunClock(budget, clock)
        self.lro_timeout = budget.lro_total
        self.read_timeout = budget.read_timeout
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.retry_stats = RetryStats()
        self.recent_puts = RecentPuts()
        self.limiter = RateLimiter(scale=rate_limit_scale, clock=clock, sleep=sleep)
        #: Run-wide: an endpoint that never answers ends the run at once (adapters/breaker.py).
        self.breaker = CircuitBreaker(self.base_url, clock)
        self.counter = RequestCounter()
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- targets ------------------------------------------------------------------
    @classmethod
    def for_azure(cls, subscription_id: str, credential: TokenCredential | None = None) -> ClientFactory:
        """Real Azure; `DefaultAzureCredential` when no credential is given."""
        if credential is None:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential()
        return cls(subscription_id, credential)

    @classmethod
    def for_transport(
        cls, subscription_id: str, transport: HttpTransport[Any, Any], **kwargs: Any
    ) -> ClientFactory:
        """An in-process transport (the emulator); base URL stays management.azure.com."""
        kwargs.setdefault("polling_interval", EMULATOR_POLLING_INTERVAL)
        return cls(subscription_id, FakeCredential(), transport=transport, **kwargs)

    @classmethod
    def for_endpoint(cls, subscription_id: str, base_url: str, **kwargs: Any) -> ClientFactory:
        """An ARM endpoint over HTTP (the emulator on loopback)."""
        kwargs.setdefault("polling_interval", EMULATOR_POLLING_INTERVAL)
        policy = PlainBearerPolicy() if base_url.startswith("http://") else None
        return cls(
            subscription_id,
            FakeCredential(),
            base_url=base_url.rstrip("/"),
            authentication_policy=policy,
            **kwargs,
        )

    # -- clients --------------------------------------------------------------------
    def client(self, service_key: str) -> Any:
        """The SDK client of a service (`network`, `sql`, ...), built once."""
        with self._lock:
            existing = self._clients.get(service_key)
            if existing is not None:
                return existing
            built = self._build(service_key)
            self._clients[service_key] = built
            return built

    def _build(self, service_key: str) -> Any:
        target = SERVICES.get(service_key)
        if target is None:
            raise UnknownService(f"no SDK client for service {service_key!r}; known: {', '.join(sorted(SERVICES))}")
        module_name, _, class_name = target.partition(":")
        with SDK_IMPORTS:  # adapters/sdk_imports.py
            client_cls = getattr(importlib.import_module(module_name), class_name)
        kwargs: dict[str, Any] = {
            "base_url": self.base_url,
            "retry_policy": ArmRetryPolicy(
                backoff=self.backoff,
                sleep=self.sleep,
                clock=self.clock,
                rng=self.rng,
                stats=self.retry_stats,
                recent_puts=self.recent_puts,
                budget=self.budget,
                run_clock=self.run_clock,
                breaker=self.breaker,
            ),
            "per_retry_policies": [
                EndpointGuardPolicy(self.base_url),
                ReadTimeoutPolicy(self),
                RateLimitPolicy(self.limiter),
                self.counter,
            ],
        }
        if self.transport is not None:
            kwargs["transport"] = self.transport
        if self.authentication_policy is not None:
            kwargs["authentication_policy"] = self.authentication_policy
        if self.polling_interval is not None:
            kwargs["polling_interval"] = self.polling_interval
        if service_key in _TENANT_LEVEL:
            return client_cls(self.credential, **kwargs)
        return client_cls(self.credential, self.subscription_id, **kwargs)

    # -- LROs ---------------------------------------------------------------------------
    def start_run(self) -> None:
        """A run (a controller cycle) begins: its wait budget starts now, and nothing is known
        of the endpoint yet (the circuit breaker watches its first requests again)."""
        self.run_clock.start_run()
        self.breaker.start_run()

    def wait(self, poller: LROPoller[Any], what: str) -> Any:
        """The LRO's result, or `LroTimeout` after `lro_timeout` seconds or at the run's deadline."""
        timeout = max(0.0, min(self.lro_timeout, self.run_clock.remaining()))
        try:
            result = poller.result(timeout=timeout)
        except HttpResponseError as error:
            if str(poller.status()).lower() in ("failed", "canceled", "cancelled"):
                first_line = one_line(error) if str(error).strip() else str(poller.status())
                raise OperationFailed(message=f"{what}: {first_line}", response=error.response) from error
            raise
        if not poller.done():
            raise LroTimeout(
                f"{what}: long-running operation not finished after {timeout:g} s (wait budget: "
                "RECONCILER_LRO_BUDGET per operation, RECONCILER_RUN_BUDGET per run); it is resumed next run"
            )
        return result

    # -- observability ------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Requests by method and status, retries by reason, rate-limiter waits."""
        return {
            "requests": self.counter.snapshot(),
            "retry": self.retry_stats.snapshot(),
            "rate_limiter": self.limiter.snapshot(),
        }
