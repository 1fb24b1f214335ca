"""Fixtures: an emulator on a temporary state file, real SDK clients wired to it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo

from emulator import Emulator, FaultConfig
from emulator.transport import EmulatorTransport

SUB = "00000000-0000-0000-0000-0000000000aa"
BASE = "https://management.azure.com"
EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "arm-examples"

ClientT = TypeVar("ClientT")


class FakeCredential:
    """Any token will do: the emulator accepts every bearer token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fake", 4_102_444_800)

    def get_token_info(self, *scopes: str, **kwargs: Any) -> AccessTokenInfo:
        return AccessTokenInfo("fake", 4_102_444_800)


def load_example(name: str) -> dict[str, Any]:
    """One file of tests/fixtures/arm-examples."""
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "emulator.db"


@pytest.fixture
def emulator(state_path: Path) -> Iterator[Emulator]:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False))
    yield emu
    emu.close()


@pytest.fixture
def make_client(emulator: Emulator) -> Callable[..., Any]:
    """Build a real azure-mgmt client whose transport is the emulator."""

    def build(cls: type[ClientT], emu: Emulator | None = None, **kwargs: Any) -> ClientT:
        return cls(  # type: ignore[call-arg]
            credential=FakeCredential(),
            subscription_id=SUB,
            transport=EmulatorTransport(emu or emulator),
            polling_interval=0,
            **kwargs,
        )

    return build


@pytest.fixture
def rg(make_client: Callable[..., Any]) -> str:
    from azure.mgmt.resource.resources import ResourceManagementClient

    client = make_client(ResourceManagementClient)
    client.resource_groups.create_or_update("rg1", {"location": "westus2"})
    return "rg1"
