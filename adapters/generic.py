"""The one adapter class: interprets an `ArmType` entry against its SDK client.

Reads return the raw wire JSON of the response (through the SDK's `cls=`
callback, whose signature is `(pipeline_response, deserialized, headers)` in
both SDK generations), so live bodies are never reshaped by the SDK.
"""

from __future__ import annotations

import json
import logging
import pickle
import threading
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import DeserializationError, HttpResponseError, ResourceNotFoundError
from azure.core.pipeline import PipelineResponse

from adapters.arm_id import arguments
from adapters.arm_type import ArmType
from adapters.base import LroTokenStore
from adapters.bodies import request_payload, resolve_model
from adapters.clients import ClientFactory
from adapters.direct_reads import read_call
from adapters.endpoint_guard import ForeignEndpointError
from adapters.merge import overlay, with_secrets
from adapters.sdk_imports import SDK_IMPORTS
from adapters.siblings import SiblingListing, list_siblings
from desired_state.errors import ReconcilerError
from desired_state.resource import Resource

log = logging.getLogger("adapters")

#: Marks a call without a request body (deletes) in `_resume`.
_NO_BODY = object()


class ConcurrentModification(ReconcilerError):
    """412: the resource changed since it was read; re-read and re-plan."""

    outcome = "stale"

    def __init__(self, resource_id: str) -> None:
        super().__init__(f"{resource_id}: changed since it was read (412 Precondition Failed); re-read and re-plan")
        self.resource_id = resource_id


class UnsupportedDelete(ReconcilerError):
    """The type has no ARM delete (Key Vault secrets are deleted in the vault's data plane)."""

    outcome = "validation"

    def __init__(self, arm_type: str, resource_id: str) -> None:
        super().__init__(
            f"{resource_id}: {arm_type} cannot be deleted through Azure Resource Manager; "
            "delete it where it lives (for a Key Vault secret: az keyvault secret delete)"
        )
        self.resource_id = resource_id


def _json_of(http_response: Any) -> Any:
    """The body as sent; a non-object body is returned as it is, so the engine's
    live-body gate (reconciler/engine/live_shape.py) reports it instead of reading `{}`."""
    text = http_response.text()
    if not text:
        return {}
    return json.loads(text)


def raw_json(pipeline_response: PipelineResponse[Any, Any], deserialized: Any, headers: Any) -> Any:
    """`cls=` callback: the response body exactly as the service sent it."""
    return _json_of(pipeline_response.http_response)


def call_raw(method: Any, *args: Any, etag_out: list[str] | None = None, **kwargs: Any) -> Any:
    """Call an SDK operation and return the raw wire JSON of its response.

    msrest SDKs deserialise before calling `cls`, and fail on bodies real
    services send (metric alerts' `Pt1m` durations, App Insights' `tags: ""`);
    the raw response is captured by `raw_response_hook` and returned then.
    The response's `ETag` header, when there is one, is appended to `etag_out`.
    """
    captured: list[Any] = []
    try:
        result = method(*args, cls=raw_json, raw_response_hook=lambda r: captured.append(r.http_response), **kwargs)
    except DeserializationError:
        if not captured:
            raise
        result = _json_of(captured[-1])
    if etag_out is not None and captured:
        etag = captured[-1].headers.get("ETag")
        if etag:
            etag_out.append(str(etag))
    if isinstance(result, dict):
        return dict(result)
    return result if isinstance(result, list | str | int | float) else {}


class GenericAdapter:
    """Reads, writes and deletes one ARM type as its `ArmType` entry says."""

    def __init__(self, entry: ArmType, clients: ClientFactory) -> None:
        self.entry = entry
        self.arm_type = entry.arm_type
        self.clients = clients
        self._models: dict[str, type | None] = {}
        # ETag headers of the last read per lower-cased id: many types (VNets,
        # Service Bus, Web...) carry no `etag` in the body, only in the header.
        self._header_etags: dict[str, str] = {}
        self._etag_lock = threading.Lock()

    def _operations(self) -> Any:
        client = self.clients.client(self.entry.service)
        with SDK_IMPORTS:  # a multi-API client imports its operations module here (adapters/sdk_imports.py)
            return getattr(client, self.entry.operations)

    def _method(self, name: str) -> Any:
        return getattr(self._operations(), name)

    def _entry(self, resource_id: str) -> ArmType:
        return self.entry.for_name(resource_id.rstrip("/").rsplit("/", 1)[-1]) if self.entry.by_name else self.entry

    def _model(self, entry: ArmType) -> type | None:
        if entry.model is None:
            return None
        if entry.model not in self._models:
            self._models[entry.model] = resolve_model(entry.model)
        return self._models[entry.model]

    def read(self, resource_id: str) -> dict[str, Any] | None:
        """The live body, or None only for a genuine 404."""
        entry = self._entry(resource_id)
        etags: list[str] = []
        # The SDK's request through the generic client, without importing the SDK (adapters/direct_reads.py).
        get, args, kwargs = read_call(entry, resource_id, self.clients) or (
            self._method(entry.get), arguments(resource_id, entry.args), dict(entry.get_kwargs)
        )
        try:
            # Any: a body of another shape is handed on for the engine's gate to report.
            body: Any = call_raw(get, *args, etag_out=etags, **kwargs)
        except ResourceNotFoundError:
            with self._etag_lock:
                self._header_etags.pop(resource_id.lower(), None)
            return None
        with self._etag_lock:
            if etags:
                self._header_etags[resource_id.lower()] = etags[-1]
            else:
                self._header_etags.pop(resource_id.lower(), None)
        return body  # type: ignore[no-any-return]

    def etag_of(self, resource_id: str, live: Mapping[str, Any]) -> str | None:
        """The etag an update of `live` sends as `If-Match` (the body's, else the
        ETag header of the last read), or None where the type takes none."""
        if not self.entry.etag:
            return None
        etag = live.get("etag")
        if isinstance(etag, str) and etag:
            return etag
        with self._etag_lock:
            return self._header_etags.get(resource_id.lower())

    def list_siblings(self, resource_id: str) -> SiblingListing | None:
        """Every resource of this type under `resource_id`'s parent, read with one
        list call; None when the type's list does not return full bodies."""
        return list_siblings(self.entry, self.clients, resource_id)

    def request_body(self, resource: Resource, live: dict[str, Any] | None) -> dict[str, Any]:
        """Read-merge-write body (without secrets): live with the declared fields over it."""
        entry = self._entry(resource.id)
        body = overlay(live, resource.body, entry.rules, tolerate_foreign_tags=resource.tolerate_foreign_tags)
        for path in entry.write_strip:
            _remove(body, path)
        return body

    def write(
        self,
        resource: Resource,
        live: dict[str, Any] | None,
        *,
        lro_tokens: LroTokenStore | None = None,
        resume_only: bool = False,
    ) -> dict[str, Any]:
        """Create or update, wait for the LRO, return the live body after. With
        `resume_only`, follow only an operation left in flight; when its token is
        missing or unusable nothing is sent and the resource is re-read (the next
        plan decides whether a write is due: never a blind second create)."""
        etag = (live or {}).get("etag")
        if live is not None and not (isinstance(etag, str) and etag):
            with self._etag_lock:
                etag = self._header_etags.get(resource.id.lower())
            if not etag and self.entry.etag:
                # Observed through a list call (no etag in body or header): merge
                # over a fresh read instead, guarded by its etag, so a write made
                # since the observation is kept, not silently overwritten.
                live = self.read(resource.id)
                etag = (live or {}).get("etag")
                if live is not None and not (isinstance(etag, str) and etag):
                    with self._etag_lock:
                        etag = self._header_etags.get(resource.id.lower())
        body = with_secrets(self.request_body(resource, live), resource.secrets)
        entry = self._entry(resource.id)
        parameters = request_payload(self._model(entry), body, resource.body)
        kwargs: dict[str, Any] = dict(entry.create_kwargs)
        if entry.etag and isinstance(etag, str) and etag:
            kwargs["headers"] = {"If-Match": etag}
        create = self._method(entry.create)
        args = arguments(resource.id, entry.args)
        try:
            if entry.create_is_lro:
                result = self._run_lro(create, args, parameters, kwargs, resource.id, lro_tokens, resume_only)
            elif resume_only:
                result = None
            else:
                result = call_raw(create, *args, parameters, **kwargs)
        except DeserializationError:
            result = {}  # an LRO's final body the msrest model cannot read: read it raw below
        except HttpResponseError as error:
            if error.status_code == 412:
                raise ConcurrentModification(resource.id) from None
            raise
        if isinstance(result, dict) and result:
            return dict(result)
        return self.read(resource.id) or {}

    def _run_lro(
        self,
        begin: Any,
        args: list[str],
        parameters: Any,
        kwargs: dict[str, Any],
        resource_id: str,
        lro_tokens: LroTokenStore | None,
        resume_only: bool = False,
    ) -> Any:
        what = f"{self.arm_type} {resource_id}"
        poller = self._resume(begin, args, parameters, kwargs, resource_id, lro_tokens)
        if poller is not None:
            try:
                return self._finish(poller, what, resource_id, lro_tokens)
            except _UNUSABLE_TOKEN as error:
                # A token whose poller cannot follow its operation (stale, or from
                # another SDK version): drop it, never fail for ever.
                assert lro_tokens is not None
                _drop_token(lro_tokens, resource_id, error)
        if resume_only:
            return None  # nothing in flight to follow: the caller re-reads, the plan decides
        poller = begin(*args, parameters, cls=raw_json, **kwargs)
        if lro_tokens is not None:
            _keep_token(lro_tokens, resource_id, poller)
        return self._finish(poller, what, resource_id, lro_tokens)

    def _resume(
        self,
        begin: Any,
        args: list[Any],
        parameters: Any,
        kwargs: Mapping[str, Any],
        resource_id: str,
        lro_tokens: LroTokenStore | None,
    ) -> Any:
        """A poller resumed from a stored token, or None (no token, or one that no longer resolves)."""
        token = lro_tokens.get(resource_id) if lro_tokens else None
        if not token or lro_tokens is None:
            return None
        try:
            if parameters is _NO_BODY:
                return begin(*args, continuation_token=token, **kwargs)
            return begin(*args, parameters, continuation_token=token, cls=raw_json, **kwargs)
        except _UNREADABLE_TOKEN as error:
            _drop_token(lro_tokens, resource_id, error)
            return None

    def _finish(self, poller: Any, what: str, resource_id: str, lro_tokens: LroTokenStore | None) -> Any:
        """Wait for the operation; its token goes once it is over (success or failure),
        and stays only on `LroTimeout`, so the next cycle resumes it."""
        try:
            result = self.clients.wait(poller, what)
        except DeserializationError:
            result = {}  # finished, but an msrest model cannot read the final body: the caller reads it raw
        except (HttpResponseError, ForeignEndpointError):
            # Over, or never to be followed (a poll URL off the ARM endpoint): the token goes.
            if lro_tokens is not None:
                lro_tokens.clear(resource_id)
            raise
        if lro_tokens is not None:
            lro_tokens.clear(resource_id)
        return result

    def delete(self, resource_id: str, *, lro_tokens: LroTokenStore | None = None) -> None:
        """Delete and wait; a resource already gone is not an error."""
        if self.entry.deleted_with_parent:
            return
        if not self.entry.delete:
            raise UnsupportedDelete(self.arm_type, resource_id)
        delete = self._method(self.entry.delete)
        args = arguments(resource_id, self.entry.args)
        try:
            if not self.entry.delete_is_lro:
                delete(*args, **self.entry.delete_kwargs)
                return
            what = f"delete {self.arm_type} {resource_id}"
            poller = self._resume(delete, [*args], _NO_BODY, self.entry.delete_kwargs, resource_id, lro_tokens)
            if poller is not None:
                try:
                    self._finish(poller, what, resource_id, lro_tokens)
                    return
                except _UNUSABLE_TOKEN as error:
                    assert lro_tokens is not None
                    _drop_token(lro_tokens, resource_id, error)
            poller = delete(*args, **self.entry.delete_kwargs)
            if lro_tokens is not None:
                _keep_token(lro_tokens, resource_id, poller)
            self._finish(poller, what, resource_id, lro_tokens)
        except ResourceNotFoundError:
            if lro_tokens is not None:
                lro_tokens.clear(resource_id)
        except HttpResponseError as error:
            # 200 (deleted) and 204 (did not exist) are ARM's synchronous delete
            # answers (ARM RPC), though some SDK operations list only 202/204 or 200/202.
            if error.status_code not in (200, 204):
                raise


#: What a poller built from a malformed or stale continuation token raises
#: (azure-core reads the token's JSON without checking its shape).
_UNUSABLE_TOKEN: tuple[type[Exception], ...] = (AttributeError, KeyError, TypeError, ValueError, IndexError)
#: ... and what building the poller from it may raise besides.
_UNREADABLE_TOKEN: tuple[type[Exception], ...] = (*_UNUSABLE_TOKEN, pickle.UnpicklingError, HttpResponseError)


def _drop_token(store: LroTokenStore, resource_id: str, error: BaseException) -> None:
    log.warning("discarding the stored LRO token of %s (%s: unusable); starting over", resource_id, type(error).__name__)
    store.clear(resource_id)


def _keep_token(store: LroTokenStore, resource_id: str, poller: Any) -> None:
    try:
        token = poller.continuation_token()
    except (TypeError, ValueError, AttributeError, pickle.PicklingError):
        return  # some transports' responses cannot be pickled: no resume, still correct
    if token:
        store.put(resource_id, token)


def _remove(body: dict[str, Any], dotted: str) -> None:
    node: Any = body
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(parts[-1], None)
