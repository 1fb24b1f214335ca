"""Shared fixtures: built states per environment, and secrets that never read `.env`."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from desired_state.settings import ENVIRONMENTS, AppSecrets
from desired_state.state import DesiredState, build

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
THIRDPARTY_KEY = "3rd-party-api-key-never-in-bodies!"
BASIC_AUTH = "Basic dXNlcjpub3QtaW4tYm9kaWVz"


def secrets() -> AppSecrets:
    """Secrets built in code (no `.env`), with every secret set."""
    return AppSecrets.model_validate(
        {
            "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION,
            "AZURE_TENANT_ID": "99999999-8888-7777-6666-555555555555",
            "AZURE_CLIENT_SECRET": "client-secret-value-never-in-bodies",
            "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=never-in-bodies",
            "THIRDPARTY_API_KEY": THIRDPARTY_KEY,
            "APIM_BASIC_AUTH_HEADER": BASIC_AUTH,
            "RECONCILER_FINGERPRINT_KEY": "fingerprint-key-never-in-bodies",
        }
    )


@pytest.fixture(scope="session")
def states() -> dict[str, DesiredState]:
    return {env: build(env, secrets=secrets()) for env in ENVIRONMENTS}


@pytest.fixture(scope="session")
def all_secret_values() -> list[str]:
    values: list[str] = []
    for value in secrets().model_dump().values():
        if isinstance(value, SecretStr):
            values.append(value.get_secret_value())
    return values
