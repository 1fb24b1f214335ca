"""`python -m tests.reliability.patched_cli CASE ARGS...`: the real CLI with one
environment setting broken, for bad inputs that live in settings (a CIDR, a
name, a policy) rather than on the command line."""

from __future__ import annotations

import sys
from collections.abc import Callable

from desired_state import settings as settings_module
from desired_state.settings import EnvironmentSettings, NetworkSettings, SecuritySettings

_original = settings_module._settings


def _network(env: str, **changes: object) -> EnvironmentSettings:
    base = _original(env)
    data = {**base.network.model_dump(), **changes}
    return base.model_copy(update={"network": NetworkSettings(**data)})


def _overlap(env: str) -> EnvironmentSettings:
    subnets = dict(_original(env).network.subnets)
    subnets["app"] = subnets["gateway"]
    return _network(env, subnets=subnets)


def _outside(env: str) -> EnvironmentSettings:
    subnets = dict(_original(env).network.subnets)
    subnets["data"] = "192.168.7.0/24"
    return _network(env, subnets=subnets)


def _bad_name(env: str) -> EnvironmentSettings:
    return _original(env).model_copy(update={"dns_zone_name": "Prod_Zone!example"})


def _no_private_endpoints(env: str) -> EnvironmentSettings:
    base = _original(env)
    security = SecuritySettings(**{**base.security.model_dump(), "enable_private_endpoints": False})
    return base.model_copy(update={"security": security})


def _retention(env: str) -> EnvironmentSettings:
    base = _original(env)
    security = SecuritySettings(**{**base.security.model_dump(), "soft_delete_retention_days": 3})
    return base.model_copy(update={"security": security})


PATCHES: dict[str, Callable[[str], EnvironmentSettings]] = {
    "invalid-cidr": lambda env: _network(env, vnet_cidr="10.2.0.0/33"),
    "host-bits-cidr": lambda env: _network(env, vnet_cidr="10.2.0.1/16"),
    "overlapping-subnets": _overlap,
    "subnet-outside-vnet": _outside,
    "name-breaks-azure-rules": _bad_name,
    "policy-violation": _no_private_endpoints,
    "setting-out-of-range": _retention,
}


def main(argv: list[str]) -> int:
    case, *rest = argv
    settings_module._settings = PATCHES[case]  # type: ignore[assignment]
    from reconciler.cli.main import main as cli_main

    return cli_main(rest)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
