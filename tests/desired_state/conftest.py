"""Shared fixtures: built states per environment, and secrets that never read `.env`."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from desired_state.settings import ENVIRONMENTS, AppSecrets, DeploySettings, ServiceImage
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


def deploy(env: str = "prod") -> DeploySettings:
    """A deployment's real values (against a subscription, prod refuses every
    placeholder and the other environments those that break a deployment)."""
    return DeploySettings(
        _env_file=None, dns_zone="platform.contoso.net" if env == "prod" else f"{env}.platform.contoso.net",
        alert_email="oncall@contoso.net", thirdparty_api_hosts=("api.partner.net",),
        service_images={s: ServiceImage(image=f"contoso.azurecr.io/{s}-api:1.0.0", port=8080)
                        for s in ("users", "orders", "products", "payments")},
        sql_tools_image="contoso.azurecr.io/go-sqlcmd:1.8",
    )


def minimal_deploy(env: str) -> DeploySettings:
    """Only the values every environment needs against a subscription; the rest stay placeholders."""
    full = deploy(env)
    return DeploySettings(_env_file=None, dns_zone=full.dns_zone, sql_tools_image=full.sql_tools_image)


@pytest.fixture(scope="session")
def states() -> dict[str, DesiredState]:
    """Prod with every deployment value, the others with only those they need."""
    return {
        env: build(env, secrets=secrets(), deploy=deploy() if env == "prod" else minimal_deploy(env)) for env in ENVIRONMENTS
    }


@pytest.fixture(scope="session")
def all_secret_values() -> list[str]:
    values: list[str] = []
    for value in secrets().model_dump().values():
        if isinstance(value, SecretStr):
            values.append(value.get_secret_value())
    return values
