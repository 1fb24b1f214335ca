"""A type with no entry anywhere in our tables: ARM's field flags (and ARM's common conventions) alone
give the emulator's read-back and the comparison, through the real SDK.

Azure Database for PostgreSQL flexible servers (and their databases): no emulator row, no server
defaults, no recorded answer (no recording of the provider at all), no adapter entry, no generated
field rule, no value rule. Their definitions at 2024-08-01 (ARM type index) flag
`properties.administratorLoginPassword` write-only, `properties.fullyQualifiedDomainName` read-only,
`sku.tier` an enum (`Burstable`...), and a database's `location` neither required nor server-set.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from azure.mgmt.resource.resources import ResourceManagementClient

from adapters import registry
from adapters.compare import compare
from adapters.field_rules import FIELD_RULES
from adapters.normalisations import TYPE_RULES
from emulator import Emulator, shapes
from emulator.server_defaults import SERVER_DEFAULTS
from emulator.types import TYPES
from tests.emulator.conftest import SUB

Build = Callable[..., Any]
SERVER = "Microsoft.DBforPostgreSQL/flexibleServers"
DATABASE = "Microsoft.DBforPostgreSQL/flexibleServers/databases"
VERSION = "2024-08-01"


def test_the_type_has_no_entry_in_any_table() -> None:
    for arm_type in (SERVER, DATABASE):
        key = arm_type.lower()
        assert key not in TYPES and key not in SERVER_DEFAULTS
        assert key not in shapes.CONVENTIONS["types"] and key not in shapes.CONVENTIONS["recorded"]
        assert key.split("/")[0] not in shapes.CONVENTIONS["providers"]
        assert key not in registry.ENTRIES and key not in registry.GENERIC_RULES and key not in TYPE_RULES
        assert key not in {t.lower() for t in FIELD_RULES}


def _ids(rg: str) -> tuple[str, str]:
    server = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{SERVER}/pg-flags-1"
    return server, f"{server}/databases/app"


def test_the_flags_give_the_read_back_and_the_comparison(emulator: Emulator, rg: str, make_client: Build) -> None:
    client = make_client(ResourceManagementClient)
    server_id, database_id = _ids(rg)
    desired_server = {
        "location": "westus2",
        "sku": {"name": "Standard_B1ms", "tier": "burstable"},  # an enum, sent in another casing
        "properties": {
            "version": "16",
            "administratorLogin": "pgadmin",
            "administratorLoginPassword": "S3cret-value-1",  # write-only
            "fullyQualifiedDomainName": "spoofed.example.com",  # read-only: the server's
        },
    }
    desired_database = {"location": "westus2", "properties": {"charset": "UTF8"}}  # a proxy child's location
    client.resources.begin_create_or_update_by_id(server_id, copy.deepcopy(desired_server), api_version=VERSION).result()
    create = next(r for r in reversed(emulator.request_log) if r.method == "PUT")
    assert create.status == shapes.arm_common(SERVER.lower(), "PUT-create", VERSION).status  # ARM's common answer
    client.resources.begin_create_or_update_by_id(database_id, copy.deepcopy(desired_database), api_version=VERSION).result()

    server = client.resources.get_by_id(server_id, api_version=VERSION).as_dict()
    database = client.resources.get_by_id(database_id, api_version=VERSION).as_dict()
    props = server["properties"]
    assert "administrator_login_password" not in props and "administratorLoginPassword" not in props
    assert props.get("fullyQualifiedDomainName") != "spoofed.example.com"
    assert server["sku"]["tier"] == "Burstable"
    assert "location" not in database or database["location"] is None

    live_server = _wire(client, server_id)
    live_database = _wire(client, database_id)
    result = compare(desired_server, live_server, registry.rules_for(SERVER))
    assert result.in_sync, result.differences
    assert "properties.administratorLoginPassword" in result.unverifiable
    assert compare(desired_database, live_database, registry.rules_for(DATABASE)).in_sync

    drifted = copy.deepcopy(live_server)
    drifted["properties"]["version"] = "15"
    drifted["sku"]["tier"] = "GeneralPurpose"
    paths = {d.path for d in compare(desired_server, drifted, registry.rules_for(SERVER)).differences}
    assert paths == {"properties.version", "sku.tier"}  # real drift is still found


def _wire(client: ResourceManagementClient, resource_id: str) -> dict[str, Any]:
    """The ARM wire body of a GET (what the reconciler's generic adapter compares)."""
    from azure.core.rest import HttpRequest

    answer = client._client.send_request(HttpRequest("GET", f"https://management.azure.com{resource_id}?api-version={VERSION}"))
    assert answer.status_code == 200, answer.text()
    body: dict[str, Any] = answer.json()
    return body
