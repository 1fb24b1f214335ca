"""The api-version gate: every ARM request names one, and the type's provider must serve it.

Error codes as ARM answers them (docs/arm-semantics.md): MissingApiVersionParameter,
InvalidApiVersionParameter, NoRegisteredProviderFound.
"""

from __future__ import annotations

import re

from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.errors import ArmError

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-[a-zA-Z]+)?$")


def require_api_version(version: str) -> None:
    """400 MissingApiVersionParameter when the query has no api-version."""
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )


def check_api_version_format(version: str) -> None:
    """400 Missing/InvalidApiVersionParameter unless the api-version is date-formatted."""
    require_api_version(version)
    if not _API_VERSION.match(version):
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid. The supported versions are date-formatted "
            "(yyyy-mm-dd, optionally with a suffix such as -preview).",
        )


def check_api_version(type_key: str, version: str) -> None:
    """400 NoRegisteredProviderFound for a version the type's provider does not serve."""
    probe = type_key
    while probe.count("/") >= 1:
        known = KNOWN_API_VERSIONS.get(probe)
        if known is not None:
            if version in known:
                return
            raise ArmError(
                400,
                "NoRegisteredProviderFound",
                f"No registered resource provider found for API version '{version}' and type "
                f"'{type_key}'. The supported api-versions are '{', '.join(sorted(known))}'.",
            )
        probe = probe.rsplit("/", 1)[0]
