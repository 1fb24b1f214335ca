"""Every api-version the installed SDKs send for a type in use is served, and providers list them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import azure.mgmt
from azure.core.rest import HttpRequest

from emulator import Emulator
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.types import TYPES

SUB = "00000000-0000-0000-0000-0000000000aa"


def _builders() -> Iterator[tuple[str, Any]]:
    """Every ``build_*_request`` function of every installed azure-mgmt package's operations."""
    for package in pkgutil.iter_modules(azure.mgmt.__path__):
        for name in (f"azure.mgmt.{package.name}.operations._operations",):
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            for attr, value in vars(module).items():
                if attr.startswith("build_") and attr.endswith("_request") and callable(value):
                    yield f"{name}.{attr}", value
    # azure-mgmt-resource keeps its operations one level down
    from azure.mgmt.resource.resources.operations import _operations as resources_ops

    for attr, value in vars(resources_ops).items():
        if attr.startswith("build_") and attr.endswith("_request"):
            yield f"azure.mgmt.resource.resources.{attr}", value


def _built(builder: Any) -> HttpRequest | None:
    args: dict[str, Any] = {}
    for param in inspect.signature(builder).parameters.values():
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or param.default is not param.empty:
            continue
        args[param.name] = SUB if param.name == "subscription_id" else "x1"
    try:
        request = builder(**args)
    except (TypeError, ValueError, KeyError):  # builders that need a body's content type: not GETs
        return None
    return request if isinstance(request, HttpRequest) else None


def _used_type(path: str) -> str | None:
    segs = [s.lower() for s in path.split("/") if s]
    if "providers" not in segs:
        return "microsoft.resources/resourcegroups" if len(segs) == 4 and segs[2] == "resourcegroups" else None
    at = len(segs) - 1 - segs[::-1].index("providers")
    tail = segs[at + 1 :]
    if len(tail) < 3:
        return None
    key = "/".join([tail[0], *tail[1::2]])
    return key if key in TYPES and len(tail) % 2 == 1 else None


def test_every_installed_sdk_default_version_of_a_used_type_is_served(tmp_path: Path) -> None:
    emulator = Emulator(tmp_path / "state.db")
    checked: set[str] = set()
    refused: list[str] = []
    for name, builder in _builders():
        request = _built(builder)
        if request is None or request.method != "GET":
            continue
        parts = urlsplit(request.url)
        if _used_type(parts.path) is None:
            continue
        version = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("api-version", "")
        answer = emulator.handle("GET", f"https://management.azure.com{request.url}", {}, None)
        checked.add(_used_type(parts.path) or "")
        if answer.status == 400:
            refused.append(f"{name}: {parts.path} api-version={version}: {answer.json()['error']['code']}")
    emulator.close()
    assert len(checked) >= 30, sorted(checked)
    assert not refused, "\n".join(refused)


def test_an_unpublished_version_is_refused_with_the_list(tmp_path: Path) -> None:
    emulator = Emulator(tmp_path / "state.db")
    url = (
        f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/rg/providers/"
        "Microsoft.Network/virtualNetworks/v?api-version=2001-01-01"
    )
    answer = emulator.handle("GET", url, {}, None)
    emulator.close()
    assert answer.status == 400
    assert answer.json()["error"]["code"] == "NoRegisteredProviderFound"
    assert "2024-07-01" in answer.json()["error"]["message"]


def test_provider_lists_its_types_with_their_api_versions(tmp_path: Path) -> None:
    emulator = Emulator(tmp_path / "state.db")
    url = f"https://management.azure.com/subscriptions/{SUB}/providers/Microsoft.Network?api-version=2021-04-01"
    answer = emulator.handle("GET", url, {}, None)
    emulator.close()
    assert answer.status == 200
    by_type = {t["resourceType"].lower(): t["apiVersions"] for t in answer.json()["resourceTypes"]}
    versions = by_type["virtualnetworks"]
    assert set(versions) == set(KNOWN_API_VERSIONS["microsoft.network/virtualnetworks"])
    assert versions == sorted(versions, reverse=True)  # newest first, as ARM lists them
    assert "2019-09-01" in versions  # a version only the recorded live traffic shows


def test_every_version_arm_publishes_is_served_even_where_no_sdk_or_recording_shows_it(tmp_path: Path) -> None:
    """Service Bus rules at 2021-11-01 and network interfaces at 2019-09-01 (issue 23: refused before),
    an Event Hubs namespace at 2015-08-01: published versions (arm-types index), so ARM serves them."""
    emulator = Emulator(tmp_path / "state.db")
    base = f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/rg/providers"
    for path, version in (
        ("Microsoft.ServiceBus/namespaces/n/topics/t/subscriptions/s/rules/r", "2021-11-01"),
        ("Microsoft.Network/networkInterfaces/nic", "2019-09-01"),
        ("Microsoft.Network/serviceEndpointPolicies/p", "2024-07-01"),
        ("Microsoft.EventHub/namespaces/n", "2015-08-01"),
    ):
        answer = emulator.handle("GET", f"{base}/{path}?api-version={version}", {}, None)
        assert answer.status == 404, (path, answer.json())  # not refused: simply not there
    emulator.close()


def test_a_path_that_is_no_resource_type_is_served_at_any_version_of_its_provider(tmp_path: Path) -> None:
    """A view (`virtualMachines/{name}/instanceView`) has no type definition: its provider's versions count;
    a version the provider never published is refused with ARM's code and the list."""
    emulator = Emulator(tmp_path / "state.db")
    base = f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute"
    served = emulator.handle("GET", f"{base}/virtualMachines/vm/instanceView?api-version=2020-12-01", {}, None)
    refused = emulator.handle("GET", f"{base}/virtualMachines/vm/instanceView?api-version=2001-01-01", {}, None)
    emulator.close()
    assert served.status != 400
    assert refused.status == 400 and refused.json()["error"]["code"] == "NoRegisteredProviderFound"
    assert "2020-12-01" in refused.json()["error"]["message"]
