"""Generated code is safe against hostile names and values: a tag, a rule's description or a resource
name holding quotes, line breaks, `\"\"\"`, a backslash, a Unicode line separator or code meant to run
is written as the literal it is (repr), never as code; text the desired state would read as a
live-value placeholder (`{ref:...}`) is not declared at all. The values read back from the generated
module are exactly Azure's, and the plan with it shows nothing but the ownership tags."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from desired_state import build
from desired_state.layer_file import load
from emulator import Emulator
from reconciler.importer.codegen import comment, literal, read_header
from reconciler.importer.expressions import Call, Tags, Var
from tests.importing.estate import api_version, copy_of, reconcile

PAYLOADS = (
    'x"""\nimport os\nos.system("touch pwned")\n"""',
    "it's \"quoted\" and 'again'",
    "line\nbreak\r\nand\u2028separator\u2029and\x0bvertical\x0cform feed",
    "back\\slash\\n not a newline\\",
    "# not a comment'); import os; ('",
    "bidi \u202e override \U0001f600 and \x00 nul",
)
PLACEHOLDER = "{ref:networking.vnet:properties.addressSpace}"
GROUP = "rg-hostile.(test)_1"
SUB = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize("text", PAYLOADS)
def test_a_literal_is_the_value_and_a_comment_one_line(text: str) -> None:
    value = {text: [text, (text, 1.5, None, True)], "k": {"nested": text}}
    assert ast.literal_eval(literal(value)) == value
    line = comment(f"about {text!r}")
    assert line.startswith("# ") and len(line.splitlines()) == 1 and line.isprintable()
    code = literal(Call("f", kwargs=(("tags", Tags(((text, text),))), ("x", Var("v")))))
    tree = ast.parse(code, mode="eval")
    assert isinstance(tree.body, ast.Call) and isinstance(tree.body.keywords[0].value, ast.Dict)
    assert ast.literal_eval(tree.body.keywords[0].value.keys[0]) == text  # type: ignore[arg-type]


def test_a_header_that_is_not_ours_is_no_header() -> None:
    assert read_header("print('hi')\n") is None
    assert read_header("# reconcile import: {not json\n") is None
    assert read_header('# reconcile import: {"groups": ["a"]}\n') == {"groups": ["a"]}


def _put(emulator: Emulator, resource_id: str, arm_type: str, body: dict[str, object]) -> None:
    answer = emulator.handle("PUT", f"https://management.azure.com{resource_id}?api-version={api_version(arm_type)}",
                             {"Content-Type": "application/json"}, json.dumps(body).encode())
    assert answer.status in (200, 201), (resource_id, answer.status, answer.body[:300])


def test_hostile_names_and_values_round_trip_as_literals(handmade_state: Path, tmp_path: Path) -> None:
    state = copy_of(handmade_state, tmp_path)
    tags = {f"k{i}": payload for i, payload in enumerate(PAYLOADS)} | {'key "with" quotes': "v", "p": PLACEHOLDER}
    group = f"/subscriptions/{SUB}/resourceGroups/{GROUP}"
    nsg = f"{group}/providers/Microsoft.Network/networkSecurityGroups/nsg-hostile"
    emulator = Emulator(state)
    try:
        _put(emulator, group, "Microsoft.Resources/resourceGroups", {"location": "westus2", "tags": tags})
        _put(emulator, nsg, "Microsoft.Network/networkSecurityGroups", {"location": "westus2", "tags": tags, "properties": {
            "securityRules": [{"name": "r1", "properties": {
                "description": PAYLOADS[0], "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                "access": "Allow", "destinationPortRange": "443", "sourcePortRange": "*", "priority": 100,
                "direction": "Inbound"}}]}})
    finally:
        emulator.close()
    out = tmp_path / "imported.py"
    done = reconcile(tmp_path, "import", "--env", "staging", "-g", GROUP, "--out", str(out), "--emulator-state", str(state))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    ast.parse(text)
    statements = [line.strip() for line in text.splitlines()]
    assert not [s for s in statements if s.startswith(("import os", "os.system"))]
    assert not (tmp_path / "pwned").exists()

    layer = load(out)
    assert not (tmp_path / "pwned").exists()
    state_with = build("staging", layer_files=[layer])
    resources = {r.id.lower(): r for r in state_with.resources if r.layer == "imported"}
    declared = {k: v for k, v in tags.items() if k != "p"}
    for rid in (group.lower(), nsg.lower()):
        got = {k: v for k, v in resources[rid].body["tags"].items() if k not in ("managed-by", "reconciler-environment")}
        assert got == declared  # exactly Azure's, the placeholder-looking one left out
        assert resources[rid].tolerate_foreign_tags
    rule = resources[nsg.lower()].body["properties"]["securityRules"][0]  # a typed NSG's rule, declared inline
    assert rule["properties"]["description"] == PAYLOADS[0]
    assert "SecurityRule(" in text
    assert "live-value placeholder" in text

    plan = reconcile(tmp_path, "plan", "--env", "staging", "--layer-file", str(out), "--emulator-state", str(state),
                     "--output", "json")
    assert plan.returncode == 0, plan.stderr
    for change in json.loads(plan.stdout)["changes"]:
        if change["address"].startswith("imported."):
            assert {d["path"] for d in change["diff"]} <= {"tags.managed-by", "tags.reconciler-environment"}, change
