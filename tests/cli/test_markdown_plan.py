"""`--output markdown`: a plan for a CI summary page or a pull request (issue 27).

The plan here has every action, a blocked replace and a blocked delete, a change that failed and
one skipped after it, a resource that could not be read, unchanged resources with notes, and a
drift whose caller and tag are hostile: a closing `</details>` with an image, a newline, a
backtick fence, a heading, a table row, a link, a script and an @mention. The document is rendered
as a browser gets it (CommonMark with GitHub's tables and raw HTML, tests/cli/markdown_html.py) and
its structure checked; nothing hostile may become markup. The bodies are real ARM bodies
(Microsoft's REST examples, tests/fixtures/arm-examples); the error texts are ARM's error shapes.
"""

from __future__ import annotations

import io
import re
from typing import TextIO, cast

import pytest

from adapters.errors import Failure, Reason
from reconciler.cli.plan_view import PlanView
from reconciler.cli.render import render_markdown
from reconciler.cli.renderers import RenderOptions, choose, formats
from reconciler.cli.renderers.markdown import MAX_BYTES, STEP_SUMMARY_LIMIT, MarkdownRenderer, escape
from reconciler.engine.applier import ApplyResult, Skip
from reconciler.engine.attribution_record import Attribution, PropertyChange
from reconciler.engine.convergence import NotKept
from reconciler.engine.plan import Change, DiffEntry, Plan
from reconciler.runtime.logs import forget_secrets, register_secret
from reconciler.runtime.safe_output import SafeStream
from tests.cli.markdown_html import read, to_html
from tests.cli.test_plan_review import NSG_APP, RG, example_rule

HOSTILE = ("</details><img src=x>\n```\n# heading\n| a | b |\n[link](https://evil.example) "
           "![img](https://evil.example/i.png) <script>alert(1)</script> @octocat www.evil.example *bold* ~~x~~")
#: What a reader must see of it: the same characters, the line breaks shown as \u000a.
HOSTILE_SHOWN = HOSTILE.replace("\n", "\\u000a")

SQL = f"{RG}/Microsoft.Sql/servers/sql-platform-dev-wus2"
KV = f"{RG}/Microsoft.KeyVault/vaults/kv-platform-dev-wus2"
STORAGE = f"{RG}/Microsoft.Storage/storageAccounts/stplatformdevwus2"
PLAN_ASP = f"{RG}/Microsoft.Web/serverfarms/asp-platform-dev-wus2"
SITE = f"{RG}/Microsoft.Web/sites/func-platform-orders-dev-wus2"
LEFTOVER = f"{RG}/Microsoft.Network/publicIPAddresses/pip-debug"
WORKSPACE = f"{RG}/Microsoft.OperationalInsights/workspaces/log-platform-dev-wus2"

CONFLICT = ("HttpResponseError: (Conflict) Another operation is in progress on the resource "
            f"'{SITE}'. Code: Conflict Message: </details><img src=x> retry later")


def hostile_plan() -> Plan:
    mallory = Attribution(
        known=True, changed_by=HOSTILE, changed_by_type="User", client_type="Azure Portal",
        operation="microsoft.network/networksecuritygroups/write", timestamp="2026-11-28T14:02:31.123Z",
        source="resourcegraph", resource_id=NSG_APP,
        properties=(PropertyChange(f"tags.{HOSTILE}", None, HOSTILE), PropertyChange("tags.owner", "platform-team", "x")),
    )
    return Plan(environment="dev", target="emulator", changes=(
        Change(address="storage.account", id=STORAGE, type="Microsoft.Storage/storageAccounts", action="create",
               diff=(DiffEntry("location", None, "westus2"), DiffEntry("sku.name", None, "Standard_ZRS"))),
        Change(address="networking.nsg.app", id=NSG_APP, type="Microsoft.Network/networkSecurityGroups",
               action="update", attribution=mallory, diff=(
                   DiffEntry("properties.securityRules[name=rule1]", example_rule(), None),
                   DiffEntry(f"tags.{HOSTILE}", HOSTILE, None),
                   DiffEntry("tags.owner", "x", "platform-team"))),
        Change(address="functions.plan", id=PLAN_ASP, type="Microsoft.Web/serverfarms", action="update",
               diff=(DiffEntry("sku.name", "EP1", "EP2"),)),
        Change(address="functions.app.orders", id=SITE, type="Microsoft.Web/sites", action="update",
               depends_on=("functions.plan",), diff=(DiffEntry("properties.httpsOnly", False, True),)),
        Change(address="data.sql", id=SQL, type="Microsoft.Sql/servers", action="replace",
               blocked="replacing needs --allow-replace", diff=(DiffEntry("location", "eastus", "westus2"),)),
        Change(address=f"pruned:{LEFTOVER}", id=LEFTOVER, type="Microsoft.Network/publicIPAddresses",
               action="delete", blocked="no longer desired; deleting needs --prune"),
        Change(address="security.key_vault", id=KV, type="Microsoft.KeyVault/vaults", action="noop",
               unverifiable=("properties.accessPolicies",)),
        Change(address="observability.log_analytics", id=WORKSPACE, type="Microsoft.OperationalInsights/workspaces",
               action="noop", not_convergent=(NotKept("properties.sku.name", "PerNode", HOSTILE),)),
    ), errors={"messaging.namespace": Failure(
        Reason.AUTHORIZATION, "HttpResponseError: (AuthorizationFailed) The client does not have "
        "authorization to perform action 'Microsoft.ServiceBus/namespaces/read'", "AuthorizationFailed")})


def applied() -> ApplyResult:
    """The apply of `hostile_plan`: the App Service plan and the NSG were written, the function
    app's write failed, and the storage account's create, waiting on the app, was skipped."""
    return ApplyResult(applied=["functions.plan", "networking.nsg.app"],
                       failed={"functions.app.orders": Failure(Reason.CONFLICT, CONFLICT, "Conflict", retryable=True)},
                       skipped={"storage.account": Skip.of("functions.app.orders")})


@pytest.fixture(autouse=True)
def _no_secrets() -> object:
    yield
    forget_secrets()


def test_markdown_is_a_format_that_writes_an_apply_after_it() -> None:
    assert formats() == ("text", "json", "markdown")
    markdown = choose("markdown", RenderOptions())
    assert markdown.for_machines and markdown.with_outcome  # stdout holds the document only
    assert not choose("text", RenderOptions()).with_outcome and not choose("json", RenderOptions()).with_outcome


def test_the_structure_of_a_plan_with_everything() -> None:
    page = read(render_markdown(hostile_plan()))
    # One <details> per change, one per unreadable resource, one for the unchanged: all closed.
    assert page.opened["details"] == page.closed["details"] == 6 + 1 + 1
    assert page.opened["summary"] == page.closed["summary"] == 8
    assert page.opened["pre"] == page.closed["pre"]
    # The counts table: its header and a row per action, then the unchanged.
    counts = page.tables[0]
    assert counts[0] == ["Action", "Planned", "Blocked"]
    assert [row[1:] for row in counts[1:]] == [["1", "0"], ["3", "0"], ["1", "1"], ["1", "1"], ["2", ""]]
    assert [row[0].split()[-1] for row in counts[1:]] == ["create", "place", "replace", "delete", "unchanged"]
    # Problems first, each with its reason; then destructive actions before the rest.
    assert [s.split("(")[0].strip() for s in page.summaries] == [
        "\u2757 could not be read messaging.namespace",
        "\u26d4 blocked \u267b\ufe0f replace data.sql",
        f"\u26d4 blocked \u2796 delete pruned:{LEFTOVER}",
        "\U0001f504 update in place networking.nsg.app",
        "\U0001f504 update in place functions.plan",
        "\U0001f504 update in place functions.app.orders",
        "\u2795 create storage.account",
        "2 unchanged resources, 2 with notes",
    ]
    assert "Blocked, not in this run: replacing needs --allow-replace" in page.text
    assert "Error: HttpResponseError: (AuthorizationFailed)" in page.text


def test_the_structure_after_an_apply_puts_failed_and_skipped_first() -> None:
    page = read(render_markdown(hostile_plan(), applied()))
    assert page.opened["details"] == page.closed["details"] == 8
    assert page.tables[0][0] == ["Action", "Planned", "Blocked", "Applied", "Failed", "Skipped"]
    assert page.tables[0][2][1:] == ["3", "0", "2", "1", "0"]  # updates: 2 applied, the app failed
    assert page.tables[0][1][1:] == ["1", "0", "0", "0", "1"]  # the create was skipped
    order = [s.split("(")[0].strip() for s in page.summaries][:5]
    assert order == [
        "\u2757 could not be read messaging.namespace",
        "\u274c failed \U0001f504 update in place functions.app.orders",
        "\u26d4 blocked \u267b\ufe0f replace data.sql",
        f"\u26d4 blocked \u2796 delete pruned:{LEFTOVER}",
        "\u23ed\ufe0f skipped \u2795 create storage.account",
    ]
    # The failure's reason, its code first, shown as text (its </details><img> too).
    assert "Failed: HttpResponseError: (Conflict) Another operation is in progress" in page.text
    assert "Message: </details><img src=x> retry later" in page.text
    assert "Skipped: depends on functions.app.orders, which did not apply" in page.text
    assert "Apply: 2 applied, 1 failed, 1 skipped." in page.text


def test_the_attribution_says_who_when_and_how() -> None:
    page = read(render_markdown(hostile_plan()))
    (facts,) = [t for t in page.tables[1:] if t and t[0][0] == "Who"]
    assert facts == [["Who", f"{HOSTILE_SHOWN} (User)"], ["When", "2026-11-28T14:02:31.123Z"],
                     ["How", "Azure Portal, microsoft.network/networksecuritygroups/write, from Resource Graph "
                             "change history"]]


def test_nothing_hostile_survives_unescaped() -> None:
    for markdown in (render_markdown(hostile_plan()), render_markdown(hostile_plan(), applied())):
        page = read(markdown)
        # No element the plan did not write: no image, link, script, heading but its own, no rule.
        for tag in ("img", "a", "script", "h1", "h3", "h4", "h5", "h6", "hr", "em", "del", "ol"):
            assert page.opened[tag] == 0, (tag, markdown)
        assert page.opened["h2"] == 1 and page.opened["strong"] == 1  # the title and the summary line
        assert len(page.tables[0]) == 6  # no row smuggled into the counts table
        # The hostile text is shown as it is, where it is (the tag, the caller, the ARM message).
        assert markdown.count("&#60;/details&#62;&#60;img src=x&#62;") >= 4
        assert HOSTILE_SHOWN in page.text
        # In the Markdown itself: no fence, no raw tag, no link or autolink syntax, no line of it.
        assert "```" not in markdown and "<img" not in markdown and "<script" not in markdown
        assert "](" not in markdown and "https://" not in markdown and "www.evil" not in markdown
        assert "@octocat" not in markdown and "\n# heading" not in markdown and "| a | b |" not in markdown
        assert markdown.count("</details>") == markdown.count("<details")  # only our own


@pytest.mark.parametrize("text", [
    "</details>", "<img src=x onerror=alert(1)>", "```", "~~~", "\n\n# h", "| x |", "[a](b)", "![a](b)",
    "<https://evil.example>", "https://evil.example", "www.evil.example", "a@b.example", "*a* _b_", "&lt;",
    "\\", "\r\n", "\t", "\x1b[31m", "\u202egnp.exe", "a\u200bb", "\u2028", "`code`", "<!-- x -->", "&#60;",
])
def test_one_escaping_function_leaves_no_markup(text: str) -> None:
    escaped = escape(text)
    assert re.fullmatch(r"[A-Za-z0-9 ,\-/;=]*(?:&#\d+;[A-Za-z0-9 ,\-/;=]*)*", escaped), escaped
    # Rendered in Markdown text and in HTML alike, it reads as the same characters, no more.
    html = to_html(f"x {escaped}\n")
    assert html.count("<") == 2 and "<a" not in html  # <p> and </p>
    shown = read(f"x {escaped}\n").text.strip()[2:]
    expected = (text.replace("\r", "\\u000d").replace("\n", "\\u000a").replace("\t", "\\u0009")
                .replace("\x1b", "\\u001b").replace("\u202e", "\\u202e").replace("\u200b", "\\u200b")
                .replace("\u2028", "\\u2028"))
    assert shown == expected.strip()


def test_secrets_are_masked_in_markdown_as_everywhere() -> None:
    """A secret holding Markdown and HTML characters is masked before it is escaped (escaped
    first, the funnel could no longer recognise it) and again by the funnel."""
    secret = "hunter2<&|`*"
    register_secret(secret)
    leaked = Plan(environment="dev", target="emulator", changes=(
        Change(address="security.key_vault", id=KV, type="Microsoft.KeyVault/vaults", action="update",
               diff=(DiffEntry("tags.note", f"password is {secret}", "none"),)),
    ))
    result = ApplyResult(failed={"security.key_vault": Failure(
        Reason.VALIDATION, f"HttpResponseError: (BadRequest) value {secret} refused", "BadRequest")})
    out = io.StringIO()
    MarkdownRenderer().write(PlanView.of(leaked, result), cast(TextIO, SafeStream(out)))
    written = out.getvalue()
    assert "hunter2" not in written and "hunter2" not in read(written).text
    assert "password is ***" in read(written).text and "value *** refused" in read(written).text


def big_plan(changes: int) -> Plan:
    """`changes` updates of 1 KiB diffs each, a failed-to-read resource and 500 unchanged."""
    return Plan(environment="prod", target="azure", changes=(
        *(Change(address=f"app.site_{i:05d}", id=f"{SITE}-{i}", type="Microsoft.Web/sites", action="update",
                 diff=tuple(DiffEntry(f"properties.siteConfig.appSettings[name=SETTING_{n}].value", "a" * 40, "b" * 40)
                            for n in range(8)))
          for i in range(changes)),
        Change(address="data.sql", id=SQL, type="Microsoft.Sql/servers", action="replace",
               blocked="replacing needs --allow-replace", diff=(DiffEntry("location", "eastus", "westus2"),)),
        *(Change(address=f"app.unchanged_{i:05d}", id=f"{SITE}-u{i}", type="Microsoft.Web/sites", action="noop")
          for i in range(500)),
    ))


def test_a_plan_over_githubs_limit_is_cut_from_the_least_urgent_and_says_so() -> None:
    plan = big_plan(2000)
    whole = render_markdown(plan, max_bytes=10**9)
    assert len(whole.encode()) > STEP_SUMMARY_LIMIT  # the whole would be refused by GitHub
    markdown = render_markdown(plan)
    assert len(markdown.encode()) <= MAX_BYTES < STEP_SUMMARY_LIMIT
    page = read(markdown)
    assert page.opened["details"] == page.closed["details"] == 2000 + 1 + 1  # every change still listed
    # The blocked replace keeps its details; the unchanged list went first, then the last changes'.
    assert "Blocked, not in this run: replacing needs --allow-replace" in page.text
    assert "The list was cut to stay under the size limit." in page.text
    assert "SETTING_7" in page.text.split("app.site_00001")[0]  # the first change keeps its details
    cut = markdown.count("Details cut to stay under the size limit")
    assert 0 < cut < 2000
    assert f"Cut to stay under GitHub's 1 MiB step-summary limit: the list of unchanged resources; the details " \
           f"of {cut} resources (their summary line stays). The whole plan: reconcile show-plan PLANFILE or " \
           "--output json." in page.text


def test_when_even_summary_lines_do_not_fit_sections_are_left_out_and_counted() -> None:
    markdown = render_markdown(big_plan(200), max_bytes=20_000)
    assert len(markdown.encode()) <= 20_000
    page = read(markdown)
    assert page.opened["details"] == page.closed["details"]
    assert page.summaries[0].startswith("\u26d4 blocked")  # the most urgent stays, in full:
    assert "Blocked, not in this run: replacing needs --allow-replace" in page.text
    assert "unchanged" not in page.summaries[-1]  # the unchanged list went first, whole
    left_out = 200 + 1 - page.opened["details"]
    assert left_out > 0
    assert f"the list of unchanged resources; the details of {page.opened['details'] - 1} resources (their " \
           f"summary line stays); {left_out} resources left out whole, the least urgent." in page.text


def test_a_plan_without_changes_says_so() -> None:
    plan = Plan(environment="qa", target="emulator", changes=(
        Change(address="security.key_vault", id=KV, type="Microsoft.KeyVault/vaults", action="noop"),))
    page = read(render_markdown(plan))
    assert "No changes. qa matches the desired state (1 resources)." in page.text
    assert page.summaries == ["1 unchanged resource"]
