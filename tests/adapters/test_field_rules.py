"""Each entry of the field-rules table names its source, and the facts reach the
comparison rules. That the table is its generator's output (recorded read-backs,
REST examples, cited spec facts) is checked with every other generated file by
tests/test_generated.py."""

from __future__ import annotations

from pathlib import Path

from adapters.field_rules import FIELD_RULES
from adapters.registry import rules_for
from adapters.tools import gen_field_rules


def test_every_entry_names_its_source() -> None:
    for paths in FIELD_RULES.values():
        for kind, source in paths.values():
            assert kind in ("write_only", "create_only", "case_insensitive")
            assert source.startswith(("sent, not returned: ", "returned re-cased: ", "recordings ", "REST spec "))


def test_the_facts_reach_the_comparison_rules() -> None:
    assert "properties.siteConfig" in rules_for("Microsoft.Web/sites").write_only
    assert "properties.template" in rules_for("Microsoft.Resources/deployments").write_only
    assert "properties.createMode" in rules_for("Microsoft.Sql/servers/databases").create_only
    # A field returned under another name (Container Apps' environmentId) stays compared.
    assert "properties.environmentId" not in rules_for("Microsoft.App/containerApps").write_only


def test_a_swagger_mutability_is_read(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text("""{
      "paths": {"/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Foo/bars/{name}": {"put": {
        "parameters": [{"in": "body", "name": "parameters", "schema": {"$ref": "#/definitions/Bar"}}]}}},
      "definitions": {
        "Bar": {"properties": {"properties": {"$ref": "#/definitions/BarProperties"}}},
        "BarProperties": {"properties": {
          "password": {"type": "string", "x-ms-secret": true},
          "mode": {"type": "string", "x-ms-mutability": ["create", "read"]},
          "token": {"type": "string", "x-ms-mutability": ["create", "update"]},
          "size": {"type": "integer"}}}}}""")
    findings = gen_field_rules.Findings()
    gen_field_rules.from_spec(findings, spec)
    rules = findings.settle()["Microsoft.Foo/bars"]
    assert {p: kind for p, (kind, _source) in rules.items()} == {
        "properties.password": "write_only", "properties.mode": "create_only", "properties.token": "write_only",
    }
