"""ARM wire JSON <-> SDK model, for both generations of azure-mgmt SDKs.

- TypeSpec-generated models (`azure.mgmt.<x>._utils.model_base.Model`) are
  mutable mappings over the wire JSON: `Model(body)` keeps every key, known
  or not, and `as_dict()` gives the wire JSON back.
- msrest-style models (`azure.mgmt.<x>._serialization.Model`) are built with
  `Model.deserialize(body)` and sent with `serialize()`: keys the model does
  not know are DROPPED, and `serialize()` drops read-only fields (which is
  what a request wants); `serialize(keep_readonly=True)` keeps them.

`tests/adapters/test_bodies.py` round-trips every arm-example body through
its SDK model and lists the keys msrest drops.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Mapping
from typing import Any, Literal

from adapters.sdk_imports import SDK_IMPORTS

ModelKind = Literal["typespec", "msrest"]


def model_kind(model_cls: type) -> ModelKind:
    """Which SDK generation a model class comes from."""
    for base in model_cls.__mro__:
        if base.__name__ == "Model" and base.__module__.endswith("model_base"):
            return "typespec"
        if base.__name__ == "Model" and base.__module__.endswith(("_serialization", ".serialization")):
            return "msrest"
    raise TypeError(f"{model_cls.__module__}.{model_cls.__qualname__} is not an azure-mgmt SDK model")


def resolve_model(dotted: str) -> type:
    """`"azure.mgmt.network.models:VirtualNetwork"` -> the class."""
    module_name, _, class_name = dotted.partition(":")
    with SDK_IMPORTS:  # adapters/sdk_imports.py
        cls = getattr(importlib.import_module(module_name), class_name)
    if not isinstance(cls, type):
        raise TypeError(f"{dotted} is not a class")
    return cls


def to_model(model_cls: type, wire: Mapping[str, Any]) -> Any:
    """The SDK model for a wire body (validated by the SDK on the way)."""
    if model_kind(model_cls) == "typespec":
        return model_cls(dict(wire))
    return model_cls.deserialize(dict(wire))  # type: ignore[attr-defined]


def body_paths(body: Any, prefix: str = "") -> set[str]:
    """Every dotted key path of a wire body (`[]` for list members)."""
    found: set[str] = set()
    if isinstance(body, Mapping):
        for key, value in body.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.add(path)
            found |= body_paths(value, path)
    elif isinstance(body, list):
        for item in body:
            found |= body_paths(item, f"{prefix}[]")
    return found


def lost_paths(model_cls: type, declared: Mapping[str, Any]) -> set[str]:
    """Declared key paths that the model loses on a round trip (msrest only)."""
    if model_kind(model_cls) == "typespec":
        return set()
    kept = body_paths(to_wire(to_model(model_cls, declared), keep_readonly=True))
    return body_paths(declared) - kept


def request_payload(model_cls: type | None, body: dict[str, Any], declared: Mapping[str, Any]) -> Any:
    """What to hand the SDK's create method: the SDK model, unless the model
    would silently drop a declared field (an msrest model older than the
    field, e.g. monitor 7's `ruleResolveConfiguration`, or a key spelt
    differently such as `webhookProperties`), in which case the wire JSON
    goes as bytes, which every generated operation accepts."""
    if model_cls is None:
        return body
    if lost_paths(model_cls, declared):
        return io.BytesIO(json.dumps(body).encode())
    return to_model(model_cls, body)


def to_wire(model: Any, *, keep_readonly: bool = True) -> dict[str, Any]:
    """The wire JSON of an SDK model (either generation)."""
    if model is None:
        return {}
    kind = model_kind(type(model))
    if kind == "typespec":
        return dict(model.as_dict())
    result = model.serialize(keep_readonly=keep_readonly)
    return dict(result) if isinstance(result, Mapping) else {}
