"""`--output markdown` end to end, through the real CLI, SDK clients and emulator: a drift made
by a caller whose name and tag are hostile, planned (`reconcile plan`), saved and shown
(`show-plan`), applied with its outcome (`reconcile apply --auto-approve`, `reconcile apply
PLANFILE`), a saved plan whose resource moved since failing with its reason code, and the next
plan clean. stdout holds the document and nothing else (`>> $GITHUB_STEP_SUMMARY`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.changes import unsigned_token
from emulator.server import running_server
from reconciler.cli.main import main
from tests.cli.markdown_html import Page, read
from tests.engine.conftest import applied_dev
from tests.estates import copy_state

__all__ = ["applied_dev"]  # a module fixture: the dev estate applied once

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform-dev-wus2/providers"
NSG_APP = f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-platform-app-dev-wus2"
NETWORK_API = "2024-07-01"
PORTAL = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Edg/131.0"
#: A caller's name and a tag name a reviewer must see as text.
HOSTILE_NAME = "</details><img src=x>\n```\n# mallory [x](https://evil.example)"
HOSTILE_TAG = "</details><img src=x>\n```|a|b|"


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE", "RECONCILER_ENV",
                 "RECONCILER_EMULATOR_CHANGES_FORBIDDEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def state(applied_dev: Path, tmp_path: Path) -> Path:
    return copy_state(applied_dev, tmp_path / "dev.db")


def hand_drift(state: Path, owner: str = "mallory") -> None:
    """The caller adds a hostile tag to the app NSG and changes its owner tag, as the portal would
    (GET, change, PUT the whole body)."""
    token = unsigned_token({"oid": "0a11ce00-0000-4000-8000-000000000009", "upn": HOSTILE_NAME, "idtyp": "user"})
    headers = {"Authorization": f"Bearer {token}", "User-Agent": PORTAL}
    with running_server(state) as server:
        url, params = f"{server.base_url}{NSG_APP}", {"api-version": NETWORK_API}
        nsg: dict[str, Any] = requests.get(url, params=params, headers=headers, timeout=30).json()
        nsg["tags"][HOSTILE_TAG] = "![i](https://evil.example/x.png)"
        nsg["tags"]["owner"] = owner
        answer = requests.put(url, params=params, headers=headers, json=nsg, timeout=30)
    assert answer.status_code == 200, answer.text


def run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> tuple[str, str]:
    exit_code = main(list(argv))
    captured = capsys.readouterr()
    assert exit_code == code, captured.err
    return captured.out, captured.err


def assert_safe(markdown: str, page: Page) -> None:
    assert markdown.startswith("## ")  # the document only: the banner went to stderr
    assert page.opened["details"] == page.closed["details"] and markdown.count("</details>") == page.closed["details"]
    for tag in ("img", "a", "script", "h1", "h3", "hr"):
        assert page.opened[tag] == 0, tag
    assert "```" not in markdown and "<img" not in markdown and "](" not in markdown


def test_a_drift_by_a_hostile_caller_is_planned_applied_and_then_clean(
    capsys: pytest.CaptureFixture[str], state: Path
) -> None:
    hand_drift(state)
    markdown, err = run(capsys, "plan", "--env", "dev", "--emulator-state", str(state), "--output", "markdown")
    assert "local ARM emulator" in err and "local ARM emulator" not in markdown
    page = read(markdown)
    assert_safe(markdown, page)
    assert page.summaries[0].startswith("\U0001f504 update in place networking.nsg.app")
    assert page.summaries[0].endswith("drifted")
    shown_name = HOSTILE_NAME.replace("\n", "\\u000a")
    (facts,) = [t for t in page.tables[1:] if t and t[0][0] == "Who"]
    assert facts[0] == ["Who", f"{shown_name} (User)"]
    assert facts[2][1].startswith("Azure Portal, microsoft.network/networksecuritygroups/write, from ")
    assert f"- tags.{HOSTILE_TAG.replace(chr(10), chr(92) + 'u000a')} = " in page.text
    assert '~ tags.owner: "mallory" -> "platform-team"' in page.text

    markdown, err = run(capsys, "apply", "--env", "dev", "--emulator-state", str(state), "--auto-approve",
                        "--output", "markdown")
    page = read(markdown)
    assert_safe(markdown, page)
    assert markdown.startswith("## Apply to dev (emulator)")
    assert "Apply: 1 applied, 0 failed, 0 skipped." in page.text
    assert page.summaries[0].endswith("\u2714\ufe0f applied \U0001f575\ufe0f drifted")
    assert "Apply complete: 1 applied" in err  # the status lines, on stderr

    markdown, _ = run(capsys, "plan", "--env", "dev", "--emulator-state", str(state), "--output", "markdown")
    assert "No changes. dev matches the desired state" in read(markdown).text


def test_apply_with_markdown_needs_auto_approve(capsys: pytest.CaptureFixture[str], state: Path) -> None:
    _, err = run(capsys, "apply", "--env", "dev", "--emulator-state", str(state), "--output", "markdown", code=1)
    assert "--output markdown writes the plan after the apply, with each change's outcome, so it cannot ask " \
           "first: add --auto-approve" in err


def test_a_saved_plan_shown_and_applied_and_a_stale_one_failing_with_its_reason(
    capsys: pytest.CaptureFixture[str], state: Path, tmp_path: Path
) -> None:
    hand_drift(state)
    planfile = tmp_path / "dev.plan.json"
    planned, _ = run(capsys, "plan", "--env", "dev", "--emulator-state", str(state), "--out", str(planfile),
                     "--output", "markdown")
    shown, err = run(capsys, "show-plan", str(planfile), "--output", "markdown")
    assert f"Saved plan {planfile}" in err and shown == planned  # the approval page shows what was planned

    # The resource moves after the plan: the saved plan's write is refused, by name, with the reason.
    hand_drift(state, owner="someone-else")
    markdown, err = run(capsys, "apply", str(planfile), "--emulator-state", str(state), "--output", "markdown",
                        code=1)
    page = read(markdown)
    assert_safe(markdown, page)
    assert "Apply: 0 applied, 1 failed, 0 skipped." in page.text
    assert page.summaries[0].startswith("\u274c failed \U0001f504 update in place networking.nsg.app")
    assert "Failed: StaleResource: " in page.text and "tags.owner" in page.text.split("Failed: ")[1]
    assert "Apply complete: 0 applied, 1 failed (1 stale)" in err
