"""An Azure Blob lease: one active controller per environment (`reconciler.controller.lease`).

``BlobLease`` uses an Azure Blob lease on ``reconciler-leases/<environment>.lock`` in the lease
storage account: the holder renews it from a background thread at a third of its duration; a
holder that stops renewing (killed, partitioned) loses it when the duration runs out, and a
waiting replica takes it.

Blob lease semantics (Lease Blob, https://learn.microsoft.com/rest/api/storageservices/lease-blob):
a duration of 15 to 60 s or infinite; acquiring a blob leased by someone else is 409
``LeaseAlreadyPresent``; renewing a lease someone else now holds is 409 ``LeaseIdMismatchWithLeaseOperation``;
an expired lease can be renewed by its former holder as long as nobody else acquired it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from desired_state.errors import ReconcilerError

#: The controller's lease log, whatever module holds the lease (operators filter on it).
log = logging.getLogger("reconciler.controller.lease")

LEASE_CONTAINER = "reconciler-leases"
MIN_DURATION_S = 15
MAX_DURATION_S = 60


class LeaseLost(ReconcilerError):
    """The lease this contender held is now someone else's (or gone): stop acting."""

    outcome = "conflict"


def pause(interval_s: float, deadline: float | None, cancel: threading.Event | None) -> bool:
    """Wait before the next try to acquire; False when the deadline passed
    or `cancel` was set (give up), True to try again."""
    wait = interval_s
    if deadline is not None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        wait = min(wait, remaining)
    if cancel is not None:
        return not cancel.wait(wait)
    time.sleep(wait)
    return True


def default_holder() -> str:
    """``<hostname>-<pid>``: unique per replica, readable in the blob metadata."""
    return f"{socket.gethostname()}-{os.getpid()}"


def account_url(account: str) -> str:
    """The Blob endpoint of a storage account (Azure's public cloud)."""
    return f"https://{account}.blob.core.windows.net"


def account_container(account: str, container: str = LEASE_CONTAINER) -> Any:
    """A Blob container of the storage account `account` (an `azure.storage.blob.ContainerClient`),
    reached as `BlobLease.for_account` reaches the lease."""
    from azure.identity import DefaultAzureCredential
    from azure.storage.blob import ContainerClient

    return ContainerClient(account_url(account), container, credential=DefaultAzureCredential())


def lease_blob_name(environment: str) -> str:
    """The blob whose lease elects the active controller of ``environment``."""
    return f"{environment}.lock"


def _transient(error: Exception) -> bool:
    """A storage error worth retrying: no answer at all, throttling, or a server-side failure."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return True
    status = getattr(error, "status_code", None) if isinstance(error, HttpResponseError) else None
    return status is not None and (status == 429 or status >= 500)

class BlobLease:
    """A lease on ``reconciler-leases/<environment>.lock`` (created when missing), kept by renewal.

    ``service`` is an ``azure.storage.blob.BlobServiceClient`` for the lease storage account.
    ``on_lost`` is called from the renewal thread when the lease is lost, so the controller can
    stop writing before another replica starts.
    """

    def __init__(
        self,
        service: Any,
        environment: str,
        *,
        holder: str | None = None,
        duration_s: int = 30,
        retry_interval_s: float | None = None,
        on_lost: Callable[[], None] | None = None,
        container: str = LEASE_CONTAINER,
    ) -> None:
        if not MIN_DURATION_S <= duration_s <= MAX_DURATION_S:
            raise ValueError(f"a blob lease lasts {MIN_DURATION_S} to {MAX_DURATION_S} s, not {duration_s}")
        self._service = service
        self.environment = environment
        self._holder = holder or default_holder()
        self.duration_s = duration_s
        self.renew_interval_s = duration_s / 3
        self.retry_interval_s = retry_interval_s if retry_interval_s is not None else duration_s / 5
        self._on_lost = on_lost
        self._container = container
        self._blob = service.get_blob_client(container, lease_blob_name(environment))
        self._lease_id = str(uuid.uuid4())
        self._lease_client: Any = None
        self._held = False
        # Each storage call gets a bounded share of the lease (the SDK's own default read timeout
        # is 60 s with retries on top, longer than any lease): a hung call must not outlive it.
        self._call_timeout_s = max(1.0, duration_s / 10)
        self._call_options: dict[str, Any] = {
            "connection_timeout": self._call_timeout_s,
            "read_timeout": self._call_timeout_s,
            "retry_total": 0,  # the renewal loop retries, knowing the deadline
        }
        self._renew_retry_s = max(0.5, duration_s / 15)
        # Monotonic time until which the lease is surely ours: the last successful acquire/renew was
        # *sent* at least `duration_s` before it, and the service counts from when it received it.
        self._valid_until = 0.0
        self._state_lock = threading.Lock()
        self._stop_renewing = threading.Event()
        self._renewer: threading.Thread | None = None

    @classmethod
    def from_connection_string(cls, connection_string: str, environment: str, **options: Any) -> BlobLease:
        """For Azurite and key-based accounts."""
        from azure.storage.blob import BlobServiceClient

        return cls(BlobServiceClient.from_connection_string(connection_string), environment, **options)

    @classmethod
    def from_account_url(
        cls, account_url: str, credential: Any, environment: str, **options: Any
    ) -> BlobLease:
        """For Azure with a token credential (the managed identity needs Storage Blob Data Contributor)."""
        from azure.storage.blob import BlobServiceClient

        return cls(BlobServiceClient(account_url, credential=credential), environment, **options)

    @classmethod
    def for_account(cls, account: str, environment: str, **options: Any) -> BlobLease:
        """On the storage account `account`, as `DefaultAzureCredential` finds who we are (managed or
        workload identity, a service principal in the environment, `az login`)."""
        from azure.identity import DefaultAzureCredential

        return cls.from_account_url(account_url(account), DefaultAzureCredential(), environment, **options)

    @property
    def holder(self) -> str:
        return self._holder

    @property
    def held(self) -> bool:
        return self._held

    def current_holder(self) -> str | None:
        """Who holds the lease now, from the blob metadata; None when it is free or unknown."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            properties = self._blob.get_blob_properties(**self._call_options)
        except ResourceNotFoundError:
            return None
        except Exception as error:
            if _transient(error):
                return None
            raise
        if properties.lease.state != "leased":
            return None
        holder = properties.metadata.get("holder")
        return str(holder) if holder else None

    def acquire(self, timeout: float | None = None, cancel: threading.Event | None = None) -> bool:
        if self._held:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        ensured = False
        announced = False
        while True:
            try:
                if not ensured:
                    self._ensure_blob()
                    ensured = True
                if self._try_acquire():
                    return True
                held_elsewhere = True
            except Exception as error:
                if not _transient(error):
                    raise
                # Storage unreachable or busy for a moment: a standby just keeps polling.
                log.warning(
                    "lease storage unavailable: %s; retrying",
                    type(error).__name__,
                    extra={"environment": self.environment, "holder": self._holder},
                )
                held_elsewhere = False
            if held_elsewhere and not announced:
                log.info(
                    "lease held by another replica; waiting",
                    extra={"environment": self.environment, "holder": self.current_holder()},
                )
                announced = True
            if not pause(self.retry_interval_s, deadline, cancel):
                return False

    def _ensure_blob(self) -> None:
        from azure.core.exceptions import HttpResponseError, ResourceExistsError

        try:
            self._service.create_container(self._container, **self._call_options)
        except ResourceExistsError:
            pass
        except HttpResponseError as error:
            # 403: a role scoped to the container itself cannot create it; it must exist already.
            if error.status_code != 403:
                raise
        # 409 BlobAlreadyExists, or LeaseIdMissing when it exists and is leased: either way it exists.
        with contextlib.suppress(ResourceExistsError):
            self._blob.upload_blob(b"", overwrite=False, **self._call_options)

    def _try_acquire(self) -> bool:
        from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

        sent = time.monotonic()
        try:
            self._lease_client = self._blob.acquire_lease(
                lease_duration=self.duration_s, lease_id=self._lease_id, **self._call_options
            )
        except ResourceNotFoundError:
            # Deleted between the existence check and the lease: recreate and retry next round.
            self._ensure_blob()
            return False
        except (ResourceExistsError, HttpResponseError) as error:
            if getattr(error, "status_code", None) == 409:
                return False
            raise
        with self._state_lock:
            self._held = True
            self._valid_until = sent + self.duration_s
        self._start_renewing()
        log.info("lease acquired", extra={"environment": self.environment, "holder": self._holder})
        try:
            self._blob.set_blob_metadata({"holder": self._holder}, lease=self._lease_client, **self._call_options)
        except HttpResponseError as error:
            # Only informational: the lease, not the metadata, decides who is active.
            log.warning("could not record the lease holder: %s", error.status_code)
        return True

    def _start_renewing(self) -> None:
        self._stop_renewing.clear()
        self._renewer = threading.Thread(target=self._renew_forever, name="lease-renewal", daemon=True)
        self._renewer.start()

    def _renew_forever(self) -> None:
        wait = self.renew_interval_s
        while not self._stop_renewing.wait(wait):
            try:
                self.renew()
                wait = self.renew_interval_s
                continue
            except LeaseLost:
                log.error(
                    "lease lost; stopping", extra={"environment": self.environment, "holder": self._holder}
                )
                if self._on_lost is not None:
                    self._on_lost()
                return
            except Exception as error:
                # Transient (network, 5xx): the lease survives until its duration; retry soon.
                log.warning(
                    "lease renewal failed: %s",
                    type(error).__name__,
                    extra={"environment": self.environment, "holder": self._holder},
                )
                wait = self._renew_retry_s
            if not self._can_still_renew():
                # Another replica may take the lease the moment it runs out: stop acting before that.
                with self._state_lock:
                    self._held = False
                log.error(
                    "lease could not be renewed before running out; stopping",
                    extra={"environment": self.environment, "holder": self._holder},
                )
                if self._on_lost is not None:
                    self._on_lost()
                return

    def _can_still_renew(self) -> bool:
        """Whether one more renewal attempt (after the retry wait, bounded by the call timeouts)
        could still land before the lease surely lasts."""
        attempt_s = self._renew_retry_s + 2 * self._call_timeout_s  # connecting, then reading
        return time.monotonic() + attempt_s < self._valid_until

    def renew(self) -> None:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        if self._lease_client is None or not self._held:
            raise LeaseLost("the lease is not held")
        sent = time.monotonic()
        try:
            self._lease_client.renew(**self._call_options)
        except (ResourceNotFoundError, HttpResponseError) as error:
            if getattr(error, "status_code", None) in (404, 409, 412):
                with self._state_lock:
                    self._held = False
                raise LeaseLost(f"lease on {lease_blob_name(self.environment)} lost") from error
            raise
        with self._state_lock:
            self._valid_until = sent + self.duration_s

    def release(self) -> None:
        from azure.core.exceptions import AzureError, HttpResponseError

        self._stop_renewing.set()
        if self._renewer is not None and self._renewer is not threading.current_thread():
            self._renewer.join()
        with self._state_lock:
            was_held, self._held = self._held, False
        if was_held and self._lease_client is not None:
            try:
                self._lease_client.release(**self._call_options)
                log.info("lease released", extra={"environment": self.environment, "holder": self._holder})
            except HttpResponseError as error:
                # Already expired and taken: nothing of ours to release.
                log.warning(
                    "lease release failed: %s", error.status_code, extra={"environment": self.environment}
                )
            except AzureError as error:
                # Unreachable storage: the lease runs out by itself within its duration.
                log.warning(
                    "lease release failed: %s", type(error).__name__, extra={"environment": self.environment}
                )
