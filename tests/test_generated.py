"""Every generated file is what its generator writes from the inputs in the repository,
and `python -m tools.regen` knows every generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.server_defaults import BODY_SHAPE, SERVER_DEFAULTS
from emulator.tools import gen_server_defaults
from tools.regen import GENERATED, ROOT, stale


def test_no_generated_file_is_stale(tmp_path: Path) -> None:
    assert stale(tmp_path) == [], "run `python -m tools.regen` and commit the result"


#: Data files kept by hand, each with its sources inside (`_source`): facts read from
#: documentation, with nothing in the repository to generate them from.
CURATED = {"emulator/data/graph_types.json"}


def test_every_data_file_has_its_generator_in_the_one_command() -> None:
    data = {f"emulator/data/{p.name}" for p in (ROOT / "emulator" / "data").glob("*.json*")}
    assert data - CURATED <= {g.path for g in GENERATED}
    for path in CURATED:
        assert json.loads((ROOT / path).read_text()).get("_source"), f"{path} names no source"


def test_server_defaults_come_from_the_example_minus_the_curation(tmp_path: Path) -> None:
    """Public IP: the example's server-filled values stay, its NIC and fqdn are curated out."""
    defaults = SERVER_DEFAULTS["microsoft.network/publicipaddresses"]["properties"]
    assert defaults == {"publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Dynamic", "idleTimeoutInMinutes": 4}
    assert BODY_SHAPE["microsoft.network/publicipaddresses"] == (True, False, True)
    # Without the curation the example's own NIC reaches the table: the curation is what removes it.
    empty = tmp_path / "curation.json"
    empty.write_text(json.dumps({"types": {}}))
    out = tmp_path / "raw.json"
    gen_server_defaults.main(["--curation", str(empty), "--output", str(out)])
    raw = json.loads(out.read_text())["server_defaults"]["microsoft.network/publicipaddresses"]["properties"]
    assert "ipConfiguration" in raw


def test_example_names_and_ids_become_templates() -> None:
    assert SERVER_DEFAULTS["microsoft.keyvault/vaults"]["properties"]["vaultUri"] == "https://${name}.vault.azure.net"
    connections = SERVER_DEFAULTS["microsoft.network/privateendpoints"]["properties"]["privateLinkServiceConnections"]
    assert connections["__each__"]["id"].startswith("${id}/")


def test_a_curation_that_no_longer_matches_its_example_is_an_error(tmp_path: Path) -> None:
    curation = tmp_path / "curation.json"
    curation.write_text(json.dumps({"types": {"microsoft.web/sites": {"drop": [["properties", "noSuchField"]]}}}))
    with pytest.raises(ValueError, match=r"microsoft.web/sites: curation drops properties.noSuchField"):
        gen_server_defaults.main(["--curation", str(curation), "--output", str(tmp_path / "out.json")])
