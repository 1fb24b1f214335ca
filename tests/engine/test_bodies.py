from __future__ import annotations

import pytest

from reconciler.engine.plan import KNOWN_AFTER_APPLY
from reconciler.engine.resolve import Unresolved, leaves, resolve_refs

LIVE = {"security.identity.orders": {"properties": {"principalId": "1111-2222"}},
        "microservices.app.users": {"properties": {"configuration": {"ingress": {"fqdn": "users.example"}}}}}


def test_a_whole_string_placeholder_takes_the_live_value() -> None:
    body = {"properties": {"principalId": "{ref:security.identity.orders:properties.principalId}"}}
    assert resolve_refs(body, LIVE, strict=True) == {"properties": {"principalId": "1111-2222"}}


def test_a_placeholder_inside_a_string_is_substituted() -> None:
    body = {"serviceUrl": "https://{ref:microservices.app.users:properties.configuration.ingress.fqdn}/api"}
    assert resolve_refs(body, LIVE, strict=True) == {"serviceUrl": "https://users.example/api"}


def test_an_unknown_value_is_known_after_apply_in_plans_and_an_error_when_writing() -> None:
    body = {"principalId": "{ref:security.identity.missing:properties.principalId}"}
    assert resolve_refs(body, LIVE, strict=False) == {"principalId": KNOWN_AFTER_APPLY}
    with pytest.raises(Unresolved):
        resolve_refs(body, LIVE, strict=True)


def test_leaves_name_keyed_list_members() -> None:
    body = {"properties": {"subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24"}}],
                           "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    assert dict(leaves(body)) == {
        "properties.subnets[name=app].properties.addressPrefix": "10.0.1.0/24",
        "properties.addressSpace.addressPrefixes": ["10.0.0.0/16"],
    }
