"""The api-version gate: every ARM request names one, and the type's provider must serve it.

Error codes as ARM answers them (docs/arm-semantics.md): MissingApiVersionParameter,
InvalidApiVersionParameter, NoRegisteredProviderFound.
"""

from __future__ import annotations

import re

from emulator.api_versions import KNOWN_API_VERSIONS, PROVIDER_API_VERSIONS
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
    """400 NoRegisteredProviderFound for a version the type (else its provider) is not published at.

    ARM routes a request by the provider's registration: a resource type serves the versions
    published for it; a path of the provider that is no resource type (an action, a view, a
    poll) any version the provider publishes. A provider nothing names is not checked.
    """
    known = KNOWN_API_VERSIONS.get(type_key)
    if known is None:
        known = PROVIDER_API_VERSIONS.get(type_key.split("/", 1)[0])
    if known is None or version in known:
        return
    # ARM's message names the type without its namespace (recorded: "for type
    # 'namespaces/disasterrecoveryconfigs'. The supported api-versions are '2017-04-01'.")
    raise ArmError(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for location 'emulator' and API version '{version}' for type "
        f"'{type_key.split('/', 1)[-1]}'. The supported api-versions are '{', '.join(sorted(known))}'. "
        "The supported locations are ''.",
    )
