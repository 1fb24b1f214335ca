"""`--output markdown`: the plan for a CI run's summary page or a pull request comment.

GitHub Actions shows what a step appends to `$GITHUB_STEP_SUMMARY`, Azure DevOps what
`##vso[task.uploadsummary]FILE` names (docs/deploy.md, "CI pipeline"). The document is
GitHub-flavoured Markdown with the HTML elements GitHub keeps (`details`, `summary`, `pre`,
`code`, `table`):

- a heading, the summary line and a table of counts per action (after an apply: applied, failed
  and skipped too);
- one collapsible `<details>` per change, problems first and open: resources that could not be
  read, failed changes, blocked ones, skipped ones, each with its reason; then the rest, destructive
  actions first (replace, delete, update, create), closed. Each holds the address, type, action,
  the field diffs, the drift attribution (who, when, how) and the not-convergent notes;
- one `<details>` listing the unchanged resources with their notes.

Hostile text. Every string that can come from Azure or from a person (a tag, a caller's name, an
error message, a value) passes `escape`, the one escaping function: secrets masked and control
characters made visible by the output funnel's `clean`, the line breaks and invisible formatting
characters it leaves made visible too, and every ASCII punctuation character but `, - / ; =`
written as a numeric character reference. What is left has no `<`, `&`, backtick, `|`, `[`, `!`,
`#`, `*`, `_`, `:` or line break of its own, so it can open no tag (an image, a closing
`</details>`), no link or autolink, no heading, no table cell, no code span or fence and no
emphasis, in Markdown text and in HTML alike. Such text is only ever written inside raw HTML
blocks (which end at a blank line, and an escaped string holds none), in `<code>` or `<pre>`, where
GitHub also links no `@mention`.

Size. GitHub refuses a step summary above 1 MiB: "each step is restricted to a maximum size of
1MiB ... If more than 1MiB of content is added for a step, then the upload for the step will fail
and an error annotation will be created" ("Workflow commands for GitHub Actions", section "Step
isolation and limits", docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands).
The document stays within `MAX_BYTES` (UTF-8): when the whole would not fit, the problems keep
their details (their reasons are the point), every other section keeps at least its summary line
and gets its details back in order while they fit, so the long list of unchanged resources (last)
is the first collapsed; only when even summary lines do not fit are the least urgent sections left
out. The end of the document says what was cut (`fit`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TextIO

from reconciler.cli.plan_values import elide
from reconciler.cli.renderers.text import row_lines
from reconciler.runtime.safe_output import clean

if TYPE_CHECKING:
    from reconciler.cli.plan_view import ChangeView, PlanView
    from reconciler.cli.renderers import RenderOptions

#: GitHub's limit of one step's summary, 1 MiB (module docstring).
STEP_SUMMARY_LIMIT = 1024 * 1024
#: What the document may take: under GitHub's limit, leaving the step room for lines of its own.
MAX_BYTES = 1_000_000
#: The longest free text (a reason, an error message) is shown before its middle is elided.
TEXT_WIDTH = 1000

#: ASCII kept as it is by `escape`: letters, digits, space and punctuation no Markdown or HTML
#: construct starts with or is made of.
_KEEP = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,-/;=")
#: Unicode categories written as visible `\uXXXX`: controls, invisible format characters (zero
#: width spaces, bidirectional overrides that reorder what a reviewer reads), line and paragraph
#: separators, private use, surrogates and unassigned code points.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})

_VERB = {"create": "create", "update": "update in place", "replace": "replace", "delete": "delete"}
_SYMBOL = {"create": "\u2795", "update": "\U0001f504", "replace": "\u267b\ufe0f", "delete": "\u2796"}
#: The order of changes that ran or will run, after the problems: destructive first.
_ACTION_ORDER = ("replace", "delete", "update", "create")
_ROW_SYMBOL = {"add": "+", "remove": "-", "change": "~"}

Kind = Literal["error", "failed", "blocked", "skipped", "change", "unchanged"]
#: Sections kept in full first when the document must be cut: their reasons are the point.
_PROBLEMS = frozenset({"error", "failed", "blocked", "skipped"})


def escape(text: str) -> str:
    """`text` safe in Markdown and in HTML: masked and cleaned by the output funnel, every line
    break, control and invisible character shown as `\\uXXXX`, every ASCII punctuation character
    but `, - / ; =` a numeric character reference (`<` is `&#60;`). Nothing of `text` can then
    start a tag, a link, a heading, a table cell, a code span or fence, or end a block."""
    out: list[str] = []
    for char in clean(text):
        if char in _KEEP:
            out.append(char)
        elif char.isascii() and char.isprintable():
            out.append(f"&#{ord(char)};")
        elif not char.isascii() and unicodedata.category(char) not in _INVISIBLE:
            out.append(char)
        else:
            out.append("".join(f"&#{ord(c)};" if c == "\\" else c for c in _visible(char)))
    return "".join(out)


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def code(text: str) -> str:
    """Remote text as inline code (no @mention or link is made of it)."""
    return f"<code>{escape(text)}</code>"


def _reason(text: str) -> str:
    return code(elide(text, TEXT_WIDTH))


@dataclass
class _Section:
    """One `<details>` of the document, in full and collapsed (summary line only)."""

    kind: Kind
    full: str
    short: str
    state: Literal["full", "short", "dropped"] = "full"

    def text(self) -> str:
        return {"full": self.full, "short": self.short, "dropped": ""}[self.state]


def _details(summary: str, body: list[str], *, opened: bool) -> str:
    """A raw HTML block: no blank line inside (escaped text holds no line break), one after."""
    return "\n".join([f"<details{' open' if opened else ''}>", f"<summary>{summary}</summary>", *body,
                      "</details>"]) + "\n\n"


def _change_kind(change: ChangeView) -> Kind:
    if change.outcome is not None and change.outcome.status in ("failed", "skipped"):
        return change.outcome.status
    return "blocked" if change.blocked else "change"


def _change_summary(change: ChangeView, kind: Kind) -> str:
    mark = {"failed": "\u274c <b>failed</b>", "blocked": "\u26d4 <b>blocked</b>",
            "skipped": "\u23ed\ufe0f <b>skipped</b>"}.get(kind, "")
    applied = change.outcome is not None and change.outcome.status == "applied"
    parts = [mark, f"{_SYMBOL[change.action]} <b>{_VERB[change.action]}</b>", code(change.address),
             f"({code(change.type)})", "\u2714\ufe0f applied" if applied else "",
             "\U0001f575\ufe0f drifted" if change.attribution is not None else ""]
    return " ".join(p for p in parts if p)


def _diff_lines(change: ChangeView) -> list[str]:
    lines = [f"id: {change.id}"]
    lines += [text for row in change.rows for _, text in row_lines(row, "")]
    lines += [f"? {path}: write-only, cannot be verified" for path in change.unverifiable]
    return lines


def _change_body(change: ChangeView, kind: Kind) -> list[str]:
    body: list[str] = []
    if kind in ("failed", "skipped") and change.outcome is not None:
        label = "Failed" if kind == "failed" else "Skipped"
        body.append(f"<p><b>{label}:</b> {_reason(change.outcome.reason)}</p>")
    if change.blocked:
        body.append(f"<p><b>Blocked, not in this run:</b> {_reason(change.blocked)}</p>")
    found = change.attribution
    if found is not None:
        body.append(f"<p><b>Drift:</b> {_reason(found.headline)}</p>")
        facts = [(name, value) for name, value in (("Who", found.who), ("When", found.when), ("How", found.how))
                 if value]
        if facts:
            body.append("<table>" + "".join(f"<tr><th>{name}</th><td>{code(value)}</td></tr>" for name, value in facts)
                        + "</table>")
        if found.properties:
            changed = [f"~ {p.path}: {p.before} -> {p.after}" for p in found.properties]
            body.append("<p>What they changed:</p>")
            body.append("<pre>" + "\n".join(escape(line) for line in changed) + "</pre>")
    body.append("<pre>" + "\n".join(escape(line) for line in _diff_lines(change)) + "</pre>")
    if change.not_convergent:
        body.append("<p><b>Not convergent</b> (not rewritten; the desired state must change):</p>")
        body.append("<ul>" + "".join(f"<li>{_reason(m)}</li>" for m in change.not_convergent) + "</ul>")
    return body


_CUT_NOTE = "<p><i>Details cut to stay under the size limit (see the end of this summary).</i></p>"


def _change_section(change: ChangeView) -> _Section:
    kind = _change_kind(change)
    summary = _change_summary(change, kind)
    opened = kind != "change"
    return _Section(kind, _details(summary, _change_body(change, kind), opened=opened),
                    _details(summary, [_CUT_NOTE], opened=opened))


def _error_section(address: str, error: str) -> _Section:
    summary = f"\u2757 <b>could not be read</b> {code(address)}"
    return _Section("error", _details(summary, [f"<p><b>Error:</b> {_reason(error)}</p>"], opened=True),
                    _details(summary, [_CUT_NOTE], opened=True))


def _unchanged_section(view: PlanView) -> _Section | None:
    unchanged = [c for c in view.plan.changes if not c.is_change]
    if not unchanged:
        return None
    notes: dict[str, list[str]] = {}
    for note in view.unverifiable:
        notes.setdefault(note.address, []).append(
            "write-only, cannot be verified: " + ", ".join(note.items))
    for note in view.not_convergent:
        notes.setdefault(note.address, []).extend(f"not convergent: {m}" for m in note.items)
    items = [f"<li>{code(c.address)} ({code(c.type)})"
             + "".join(f"<br>{_reason(n)}" for n in notes.get(c.address, ())) + "</li>" for c in unchanged]
    with_notes = f", {len(notes)} with notes" if notes else ""
    summary = f"{len(unchanged)} unchanged resource{'s' if len(unchanged) != 1 else ''}{with_notes}"
    return _Section("unchanged", _details(summary, ["<ul>", *items, "</ul>"], opened=False),
                    _details(summary, ["<p><i>The list was cut to stay under the size limit.</i></p>"],
                             opened=False))


def sections(view: PlanView) -> list[_Section]:
    """The document's sections, most urgent first (the order they are shown and kept in)."""
    changes = [_change_section(c) for c in view.changes]
    ordered = [_error_section(a, e) for a, e in view.errors]
    for kind in ("failed", "blocked", "skipped"):
        ordered += [s for s in changes if s.kind == kind]
    rest = [(c, s) for c, s in zip(view.changes, changes, strict=True) if s.kind == "change"]
    for action in _ACTION_ORDER:
        ordered += [s for c, s in rest if c.action == action]
    unchanged = _unchanged_section(view)
    return [*ordered, unchanged] if unchanged is not None else ordered


def _header(view: PlanView) -> str:
    s = view.summary
    plan_line = (f"{s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
                 f"{s['delete']} to delete, {s['noop']} unchanged.")
    outcomes = [c.outcome.status for c in view.changes if c.outcome is not None]
    title = "Apply to" if view.applied else "Plan for"
    lines = [f"## {title} {escape(view.environment)} ({escape(view.target)})", ""]
    if view.applied:
        lines.append(f"**Apply: {outcomes.count('applied')} applied, {outcomes.count('failed')} failed, "
                     f"{outcomes.count('skipped')} skipped.** Plan: {plan_line}")
    elif not view.changes and not view.errors:
        lines.append(f"**No changes.** {escape(view.environment)} matches the desired state ({s['noop']} resources).")
    else:
        lines.append(f"**Plan: {plan_line}**")
    extra = [f"{view.blocked} blocked" if view.blocked else "",
             f"{len(view.errors)} could not be read" if view.errors else ""]
    if any(extra):
        lines[-1] += " " + ", ".join(e for e in extra if e) + " (shown first)."
    lines += ["", _table(view), ""]
    return "\n".join(lines) + "\n"


def _table(view: PlanView) -> str:
    columns = ["Planned", "Blocked", *(("Applied", "Failed", "Skipped") if view.applied else ())]
    rows = ["| Action | " + " | ".join(columns) + " |", "| :-- | " + " | ".join("--:" for _ in columns) + " |"]
    for action in ("create", "update", "replace", "delete"):
        mine = [c for c in view.changes if c.action == action]
        counts = [view.summary[action], sum(1 for c in mine if c.blocked)]
        if view.applied:
            statuses = [c.outcome.status for c in mine if c.outcome is not None]
            counts += [statuses.count("applied"), statuses.count("failed"), statuses.count("skipped")]
        rows.append(f"| {_SYMBOL[action]} {_VERB[action]} | " + " | ".join(str(n) for n in counts) + " |")
    rows.append(f"| unchanged | {view.summary['noop']} |" + " |" * (len(columns) - 1))
    return "\n".join(rows)


@dataclass
class _Cuts:
    collapsed: int = 0
    dropped: int = 0
    unchanged: Literal["kept", "collapsed", "dropped"] = "kept"


def _footer(cuts: _Cuts, view: PlanView) -> str:
    if not (cuts.collapsed or cuts.dropped or cuts.unchanged != "kept"):
        return ""
    what = []
    if cuts.unchanged != "kept":
        what.append("the list of unchanged resources")
    if cuts.collapsed:
        what.append(f"the details of {_resources(cuts.collapsed)} (their summary line stays)")
    if cuts.dropped:
        what.append(f"{_resources(cuts.dropped)} left out whole, the least urgent")
    whole = ("`reconcile show-plan PLANFILE` or `--output json`" if not view.applied
             else "the run's log (`--output text`) or `--output json`")
    return (f"---\n\n\u2702\ufe0f **Cut to stay under GitHub's 1 MiB step-summary limit:** {'; '.join(what)}. "
            f"The whole plan: {whole}.\n")


def _resources(count: int) -> str:
    return f"{count} resource{'s' if count != 1 else ''}"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def fit(parts: list[_Section], fixed: int, limit: int) -> _Cuts:
    """Keep the document within `limit`. Problems (first) in full where they fit, so their reasons
    stay; then every other section's summary line that fits, in order (the rest are left out, so
    what is listed stays a prefix); then, in order, each collapsed section in full where its
    details fit in the room left: the long list of unchanged resources, last, is the first cut."""
    room = limit - fixed
    listing = True
    for section in parts:
        wanted = section.full if section.kind in _PROBLEMS else section.short
        if listing and _size(wanted) <= room:
            section.state = "full" if wanted is section.full else "short"
        elif listing and _size(section.short) <= room:
            section.state = "short"
        else:
            section.state, listing = "dropped", False
            continue
        room -= _size(section.text())
    for section in parts:
        grows = _size(section.full) - _size(section.short)
        if section.state == "short" and grows <= room:
            room -= grows
            section.state = "full"
    cuts = _Cuts()
    for section in parts:
        if section.kind == "unchanged":
            cuts.unchanged = "kept" if section.state == "full" else ("collapsed" if section.state == "short"
                                                                      else "dropped")
        elif section.state == "short":
            cuts.collapsed += 1
        elif section.state == "dropped":
            cuts.dropped += 1
    return cuts


def document(view: PlanView, max_bytes: int = MAX_BYTES) -> str:
    """The whole Markdown document of `view`, at most `max_bytes` bytes of UTF-8."""
    header = _header(view)
    parts = sections(view)
    # The footer's room is kept whatever is cut: its longest form, every count at its largest.
    worst = _footer(_Cuts(len(parts), len(parts), "dropped"), view)
    cuts = fit(parts, _size(header) + _size(worst), max_bytes)
    return header + "".join(s.text() for s in parts) + _footer(cuts, view)


@dataclass(frozen=True)
class MarkdownRenderer:
    #: stdout holds the document and nothing else (`>> $GITHUB_STEP_SUMMARY`): the banner and
    #: the status lines go to stderr.
    for_machines: bool = True
    #: An apply's document is written once the apply has finished, with each change's outcome.
    with_outcome: bool = True
    max_bytes: int = field(default=MAX_BYTES)

    def write(self, view: PlanView, out: TextIO) -> None:
        out.write(document(view, self.max_bytes))


def renderer(options: RenderOptions) -> MarkdownRenderer:
    """Markdown is never coloured and always lists every write-only note (collapsed)."""
    return MarkdownRenderer()
