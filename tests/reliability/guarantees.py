"""Guarantees by construction (issue 22): the real CLI in a subprocess (or `reconcile emulator
serve`), tried against a hostile setup for each mechanism issue 22 made the one path. Each case
returns the ways the run fell short (empty: pass); each names the issue's item it checks.

Items (the issue's numbering; 1 and 2, ownership and per-type facts, are tested with the engine):

3. files we write: one safe writer (`local_files`): a planted link never followed, a file that
   is not ours never replaced, a directory or a read-only directory refused before the work;
4. one pager (`adapters/paging.py`): a repeated or endless `nextLink`/`$skipToken` ends the
   listing, naming the endpoint;
5. files we read: regular files only, without blocking, capped in size and nesting;
6. one output funnel: remote text cannot forge a plan line or break the encoding, and secrets are
   masked in saved plans as on the terminal;
7. one id constructor: a live value or listed id that would address something else is refused;
8. the run-wide circuit breaker: an endpoint that never answers ends the run in one line;
9. history from every write path;
10. the smaller points (saved plan refusals, the health port, SIGTERM, the emulator's HTTP surface).
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.reliability.bad_inputs import clean_environment
from tests.reliability.hardening import (
    Ran,
    _silent_listener,
    _state_copy,
    _strict_json,
    _writes,
    reconcile,
)
from tests.reliability.hostile_arm import Answer, HostileArm, RewritingProxy

SUB = "00000000-0000-0000-0000-000000000000"
SECRET = "Sup3r-Secret-Pa55!w0rd"
FORGED = "No changes. dev matches the desired state (1 resources)."
RG_ID = f"/subscriptions/{SUB}/resourceGroups/rg-platform-dev-wus2"
RG_API = "2025-04-01"
#: Breaker cases must end well within this (the issue: "within about 60 s").
BREAKER_LIMIT_S = 90.0


@dataclass(frozen=True)
class Case:
    name: str
    item: int
    what: str
    run: Callable[[Path, Path], list[str]]
    """(work directory, applied dev state template) -> problems."""


# -- helpers ----------------------------------------------------------------------------------------


def _unsigned(claims: dict[str, str]) -> str:
    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}."


def portal_tag(state: Path, tags: dict[str, str], caller: str = "eve@contoso.com") -> None:
    """Someone changes the resource group's tags in the portal (their token names them)."""
    from emulator import Emulator

    emu = Emulator(state)
    try:
        url = f"https://management.azure.com{RG_ID}?api-version={RG_API}"
        body = json.loads(emu.handle("GET", url, {"Authorization": "Bearer x"}, None).body)
        body["tags"] = {**body.get("tags", {}), **tags}
        token = _unsigned({"oid": "0e0e0000-0000-4000-8000-000000000005", "upn": caller, "idtyp": "user"})
        answer = emu.handle("PUT", url, {"Authorization": f"Bearer {token}", "User-Agent": "Mozilla/5.0"},
                            json.dumps({k: body[k] for k in ("location", "tags")}).encode())
        assert answer.status in (200, 201), answer.body
    finally:
        emu.close()


def _lines(data: bytes) -> list[str]:
    return [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]


def _one_error_line(ran: Ran, *needles: str) -> list[str]:
    lines = _lines(ran.err)
    problems = []
    if len(lines) != 1 or not lines[0].startswith("reconcile: error: "):
        problems.append(f"{len(lines)} stderr lines, not one `reconcile: error:` line: {lines[:3]}")
    text = " ".join(lines)
    problems += [f"the error does not say {n!r}: {text[-300:]!r}" for n in needles if n not in text]
    return problems


def _no_state(work: Path) -> list[str]:
    made = [p.name for p in (work / ".reconciler").glob("*")] if (work / ".reconciler").exists() else []
    return [f"files were created before the refusal: {made}"] if made else []


@contextmanager
def _immutable(directory: Path) -> Iterator[None]:
    """A directory (or file) nobody may write in, root included (`chattr +i`; ext4 and most Linux file systems)."""
    subprocess.run(["chattr", "+i", str(directory)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def _fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def _saved_plan(work: Path, state: Path, name: str = "plan.json") -> Ran:
    return reconcile(work, "--dry-run", "--env", "dev", "--emulator-state", str(state), "--out", name)


# -- 3. files we write ------------------------------------------------------------------------------


def _out_planted_links(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    victim = work / "victim.txt"
    victim.write_text("keep me\n")
    for name in ("plan.json.tmp", ".plan.json.tmp", "plan.tmp"):
        (work / name).symlink_to(victim)
    ran = _saved_plan(work, state)
    problems = []
    if victim.read_text() != "keep me\n":
        problems.append("the file a planted link points to was overwritten")
    plan = work / "plan.json"
    if plan.is_symlink() or not plan.is_file():
        problems.append("plan.json is not a regular file")
    elif not json.loads(plan.read_text()).get("format", "").endswith("saved-plan"):
        problems.append("plan.json is not a saved plan")
    if ran.code != 0:
        problems.append(f"exit {ran.code}: {ran.text[-300:]!r}")
    return problems


def _out_foreign_file(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    (work / "notes.txt").write_text("my notes\n")
    ran = reconcile(work, "--dry-run", "--env", "dev", "--out", "notes.txt")
    problems = _one_error_line(ran, "notes.txt", "--force")
    if (work / "notes.txt").read_text() != "my notes\n":
        problems.append("notes.txt was replaced")
    if ran.code != 1:
        problems.append(f"exit {ran.code}")
    problems += _no_state(work)
    forced = reconcile(work, "--dry-run", "--env", "dev", "--out", "notes.txt", "--force")
    if forced.code != 0 or '"format"' not in (work / "notes.txt").read_text():
        problems.append(f"--force did not replace it: exit {forced.code} {forced.text[-200:]!r}")
    return problems


def _out_directory(work: Path, template: Path) -> list[str]:
    (work / "plan.json").mkdir(parents=True)
    ran = reconcile(work, "--dry-run", "--env", "dev", "--out", "plan.json")
    problems = _one_error_line(ran, "plan.json", "directory")
    left = [p.name for p in work.rglob("*") if p.name != "plan.json"]
    if left:
        problems.append(f"left {left}")
    return problems + _no_state(work)


def _out_read_only_directory(work: Path, template: Path) -> list[str]:
    (work / "ro").mkdir(parents=True)
    with _immutable(work / "ro"):
        ran = reconcile(work, "--dry-run", "--env", "dev", "--out", "ro/plan.json")
    problems = _one_error_line(ran, "ro/plan.json", "writable")
    if "Errno" in ran.text:
        problems.append("a bare errno")
    return problems + _no_state(work)  # refused before the dry run opened anything


def _write_log_planted_link(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    victim = work / "victim.txt"
    victim.write_text("keep me\n")
    for name in ("graph-writes-dev.tmp", ".graph-writes-dev.json.tmp"):
        (work / name).symlink_to(victim)
    portal_tag(state, {"cost-center": "cc-portal"})
    ran = reconcile(work, "--yes", "--env", "dev", "--emulator-state", str(state), "--observe", "graph")
    problems = [] if ran.code == 0 else [f"exit {ran.code}: {ran.text[-300:]!r}"]
    if victim.read_text() != "keep me\n":
        problems.append("the graph write log was written through a planted link")
    log = work / "graph-writes-dev.json"
    if log.is_symlink() or not log.is_file():
        problems.append("graph-writes-dev.json is missing or a link")
    return problems


def _controller_history_through_a_link(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    (work / "history").symlink_to(elsewhere, target_is_directory=True)
    portal_tag(state, {"cost-center": "cc-portal"})
    ran = reconcile(work, "run", "--once", "--env", "dev", "--emulator-state", str(state), "--health-port", "-1",
                    "--lease", "none", timeout=300)
    problems = [] if ran.code == 0 else [f"exit {ran.code}: {ran.text[-300:]!r}"]
    written = [p.name for p in elsewhere.rglob("*")]
    if written:
        problems.append(f"history written through a linked directory: {written[:3]}")
    return problems


def _read_only_state(work: Path, template: Path) -> list[str]:
    """An intact emulator state that cannot be written (read-only file) (h30): the error advised
    `reconcile emulator reset`, which wipes the estate; the one state-file error says "writable"."""
    state = _state_copy(template, work)
    before = state.read_bytes()
    with _immutable(state):
        ran = reconcile(work, "plan", "--env", "dev", "--emulator-state", str(state))
    problems = _one_error_line(ran, "state.db", "writable")
    if "reset" in ran.text:
        problems.append("advised a reset, which would wipe an intact estate")
    if state.read_bytes() != before:
        problems.append("the state file changed")
    return problems


def _unmanaged_group(state: Path, name: str) -> None:
    """Another team's resource group (no ownership tags): something `reconcile import` may take in."""
    from emulator import Emulator

    emu = Emulator(state)
    try:
        url = f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/{name}?api-version={RG_API}"
        answer = emu.handle("PUT", url, {"Authorization": "Bearer x", "Content-Type": "application/json"},
                            json.dumps({"location": "westus2", "tags": {"team": "legacy"}}).encode())
        assert answer.status in (200, 201), answer.body
    finally:
        emu.close()


def _import_out_planted_links(work: Path, template: Path) -> list[str]:
    """`reconcile import --out` (issue 26) writes through the one file writer too: links planted at
    the temporary names it would use are never followed, and a file that is not an import stays."""
    state = _state_copy(template, work)
    _unmanaged_group(state, "rg-legacy-dev")
    victim = work / "victim.txt"
    victim.write_text("keep me\n")
    for name in (".imported.py.tmp", "imported.py.tmp", "imported.tmp"):
        (work / name).symlink_to(victim)
    ran = reconcile(work, "import", "--env", "dev", "--emulator-state", str(state), "-g", "rg-legacy-dev",
                    "--out", "imported.py")
    problems = [] if ran.code == 0 else [f"exit {ran.code}: {ran.text[-300:]!r}"]
    if victim.read_text() != "keep me\n":
        problems.append("the file a planted link points to was overwritten")
    out = work / "imported.py"
    if out.is_symlink() or not out.is_file() or not out.read_text().startswith("# reconcile import:"):
        problems.append("imported.py is not the imported module, as a regular file")
    (work / "notes.py").write_text("print('my script')\n")
    foreign = reconcile(work, "import", "--env", "dev", "--emulator-state", str(state), "-g", "rg-legacy-dev",
                        "--out", "notes.py")
    error = _lines(foreign.err)[-1:]  # after the target's banner: the import checks it knows the groups first
    if foreign.code != 1 or not error or not error[0].startswith("reconcile: error: ") or not all(
            n in error[0] for n in ("notes.py", "--force")):
        problems.append(f"--out over a script: exit {foreign.code}, not one error naming it and --force: {error}")
    if (work / "notes.py").read_text() != "print('my script')\n":
        problems.append("notes.py was replaced")
    return problems


# -- 4. paging --------------------------------------------------------------------------------------


def _paging(behaviour: str, needle: str, *extra: str, env: dict[str, str] | None = None) -> Callable[[Path, Path], list[str]]:
    def run(work: Path, template: Path) -> list[str]:
        work.mkdir(parents=True, exist_ok=True)
        with HostileArm(behaviour) as arm:
            ran = reconcile(work, "--dry-run", "--env", "dev", "--emulator-url", arm.url, *extra, env=env, timeout=120)
            asked = len(arm.seen.requests)
            foreign = len(arm.foreign_seen.requests)
        problems = []
        if ran.seconds > 30:
            problems.append(f"took {ran.seconds:.0f} s ({asked} requests): the listing was followed on and on")
        if needle not in ran.text:
            problems.append(f"the listing's end is not explained ({needle!r}): {ran.text[-300:]!r}")
        if foreign:
            problems.append(f"{foreign} request(s) followed a nextLink to another host")
        return problems

    return run


# -- 5. files we read -------------------------------------------------------------------------------


def _plan_file_fifo(command: str) -> Callable[[Path, Path], list[str]]:
    def run(work: Path, template: Path) -> list[str]:
        _fifo(work / "plan.json")
        ran = reconcile(work, command, "plan.json", timeout=60)
        problems = []
        if ran.code == -9:
            return [f"`reconcile {command}` hung on a FIFO"]
        problems += _one_error_line(ran, "plan.json", "FIFO")
        return problems + _no_state(work)

    return run


def _plan_file_huge(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    with (work / "plan.json").open("wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: 4 GiB that take no disk
    ran = reconcile(work, "show-plan", "plan.json", timeout=60)
    if ran.code == -9:
        return ["a 4 GiB plan file was read for a minute"]
    return _one_error_line(ran, "plan.json", "GiB") + ([f"took {ran.seconds:.0f} s"] if ran.seconds > 20 else [])


def _plan_file_directory(work: Path, template: Path) -> list[str]:
    (work / "plan.json").mkdir(parents=True)
    ran = reconcile(work, "apply", "plan.json")
    return _one_error_line(ran, "plan.json", "directory") + _no_state(work)


def _record_fifo(name: str) -> Callable[[Path, Path], list[str]]:
    def run(work: Path, template: Path) -> list[str]:
        state = _state_copy(template, work)
        _fifo(work / name)
        extra = ("--observe", "graph") if name.startswith("graph") else ()
        dry = reconcile(work, "--dry-run", "--env", "dev", "--emulator-state", str(state), *extra, timeout=120)
        problems = []
        if dry.code == -9:
            return [f"a dry run hung on {name} as a FIFO"]
        if dry.code != 0:
            problems.append(f"dry run exit {dry.code}: {dry.text[-300:]!r}")
        if name not in dry.text:
            problems.append(f"no warning names {name}")
        portal_tag(state, {"cost-center": "cc-portal"})
        before = len(_writes(state))
        apply = reconcile(work, "--yes", "--env", "dev", "--emulator-state", str(state), *extra, timeout=120)
        if apply.code != 1 or name not in apply.err.decode():
            problems.append(f"apply exit {apply.code}, not refused naming {name}: {apply.text[-300:]!r}")
        if len(_writes(state)) != before:
            problems.append("a write was sent although it could not be recorded")
        return problems

    return run


def _record_deep(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    (work / "not-convergent-dev.json").write_bytes(b"[" * 50_000)
    ran = reconcile(work, "--dry-run", "--env", "dev", "--emulator-state", str(state))
    problems = [] if ran.code == 0 else [f"exit {ran.code}: {ran.text[-300:]!r}"]
    if "RecursionError" in ran.text or "Traceback" in ran.text:
        problems.append("RecursionError")
    if "not-convergent-dev.json" not in ran.text:
        problems.append("no warning names the file")
    if (work / "not-convergent-dev.json").read_bytes() != b"[" * 50_000:
        problems.append("the file was changed")
    return problems


def _history_damaged(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    from reconciler.controller.history import document_name

    document = work / document_name("dev", "core.resource_group")
    document.parent.mkdir(parents=True)
    document.write_text(json.dumps({"address": "core.resource_group", "events": [{"n": "x", "kind": "drift"}]}))
    ran = reconcile(work, "history", "core.resource_group", "--env", "dev", "--emulator-state", str(state))
    return _one_error_line(ran, document.name, "damaged")


def _layer_file_fifo(work: Path, template: Path) -> list[str]:
    """`--layer-file` (issue 26) is read by the one safe reader: a FIFO is refused at once."""
    state = _state_copy(template, work)
    _fifo(work / "imported.py")
    ran = reconcile(work, "plan", "--env", "dev", "--emulator-state", str(state), "--layer-file", "imported.py",
                    timeout=60)
    if ran.code == -9:
        return ["`reconcile plan --layer-file` hung on a FIFO"]
    return _one_error_line(ran, "imported.py", "FIFO")


# -- 6. remote text ---------------------------------------------------------------------------------


def _forged_lines(out: bytes) -> list[str]:
    lines = out.decode("utf-8", "replace").splitlines()
    problems = []
    if any(line.startswith("No changes.") for line in lines):
        problems.append("a forged 'No changes.' line was printed")
    if sum(line.startswith("Plan: ") for line in lines) != 1:
        problems.append("not exactly one 'Plan:' line")
    return problems


def _tag_name_forges(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    portal_tag(state, {"cost-center": "cc-portal", f"x\n{FORGED}\n": "y", "cr\rlf": "v\r"})
    ran = reconcile(work, "--dry-run", "--env", "dev", "--emulator-state", str(state))
    problems = _forged_lines(ran.out)
    if b"\r" in ran.out:
        problems.append("a raw carriage return was printed")
    as_json = reconcile(work, "--dry-run", "--env", "dev", "--emulator-state", str(state), "--output", "json")
    problems += _strict_json(as_json.out)
    return problems


def _path_forges_lines(work: Path, template: Path) -> list[str]:
    """A path given with a newline (a CI variable, a careless paste) (h30): `--out`, `show-plan` and the
    emulator state's banner printed it raw, so a forged "No changes." line started a line of its own."""
    state = _state_copy(template, work)
    portal_tag(state, {"cost-center": "cc-portal"})
    name = f"x\n{FORGED}\n.json"
    saved = reconcile(work, "plan", "--env", "dev", "--emulator-state", str(state), "--out", name)
    shown = reconcile(work, "show-plan", name)
    fresh = reconcile(work, "plan", "--env", "dev", "--emulator-state", f"n\n{FORGED}\n.db")
    problems = []
    for what, ran in (("plan --out", saved), ("show-plan", shown), ("plan --emulator-state", fresh)):
        if ran.code != 0:
            problems.append(f"{what}: exit {ran.code}: {ran.text[-200:]!r}")
        if any(line.startswith("No changes.") for line in ran.text.splitlines()):
            problems.append(f"{what}: a forged 'No changes.' line was printed")
    return problems


@contextmanager
def _served(state: Path, replacements: dict[bytes, bytes], answer: Answer | None = None) -> Iterator[str]:
    from emulator.server import running_server

    with running_server(state) as server, RewritingProxy(server.base_url, replacements, answer) as proxy:
        yield proxy.url


def _reads_group(method: str, path: str) -> bool:
    return method == "GET" and urlsplit(path).path.rstrip("/").lower() == RG_ID.lower()


def _html_error_page(work: Path, template: Path) -> list[str]:
    """A gateway in front of ARM answers a read 500 with an HTML page (h30): the SDK's failsafe
    deserializer logged a Python traceback (raw on `show --live`, which had no log handler; as a JSON
    `exception` in the plan's log). Every record passes the one log funnel, another library's as one line."""
    state = _state_copy(template, work)

    def answer(method: str, path: str, status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if _reads_group(method, path):
            return 500, {"Content-Type": "text/html"}, b"<html><body><h1>Internal Server Error</h1></body></html>"
        return status, headers, body

    with _served(state, {}, answer) as url:
        show = reconcile(work, "show", "core.resource_group", "--live", "--emulator-url", url)
        plan = reconcile(work, "plan", "--env", "dev", "--emulator-url", url)
    problems = _one_error_line(show, "core.resource_group", "Internal Server Error")
    for what, ran in (("show --live", show), ("plan", plan)):
        if "Traceback" in ran.text:
            problems.append(f"{what} printed a traceback")
    if plan.code != 1 or "core.resource_group: could not be read" not in plan.text:
        problems.append(f"plan exit {plan.code}, the unread group not named: {plan.text[-300:]!r}")
    return problems


def _caller_name_forges(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    portal_tag(state, {"cost-center": "cc-portal"}, caller="mallory-MARK@contoso.com")
    # Resource Graph's change records name the caller with what no service should send.
    evil = b"mallory\\ud800\\n" + FORGED.encode() + b"\\u001b[2J@contoso.com"
    with _served(state, {b"mallory-MARK@contoso.com": evil}) as url:
        ran = reconcile(work, "--dry-run", "--env", "dev", "--emulator-url", url)
    problems = _forged_lines(ran.out)
    if ran.code != 0:
        problems.append(f"exit {ran.code}: {ran.err[-300:]!r}")
    if "stdout was closed" in ran.text:
        problems.append("the plan was dropped (an unpaired surrogate broke the output)")
    if "mallory" not in ran.out.decode("utf-8", "replace"):
        problems.append("the caller is not shown")
    return problems


def _secret_in_caller_saved(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    portal_tag(state, {"cost-center": "cc-portal"}, caller=f"eve {SECRET}")
    env = {"THIRDPARTY_API_KEY": SECRET}
    ran = reconcile(work, "--dry-run", "--env", "dev", "--emulator-state", str(state), "--out", "plan.json", env=env)
    problems = [] if ran.code == 0 else [f"exit {ran.code}: {ran.text[-300:]!r}"]
    saved = (work / "plan.json").read_bytes() if (work / "plan.json").exists() else b""
    for form in (SECRET.encode(), base64.b64encode(SECRET.encode())):
        if form in saved or form in ran.out + ran.err:
            problems.append("the secret is in the saved plan or the output")
    if b"***" not in saved:
        problems.append("the caller's name is not in the saved plan (masked)")
    shown = reconcile(work, "show-plan", "plan.json", env=env)
    if shown.code != 0 or SECRET in shown.text:
        problems.append(f"show-plan of the masked plan: exit {shown.code} {shown.text[-200:]!r}")
    return problems


# -- 7. ids -----------------------------------------------------------------------------------------


def _default_domain_traversal(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    state = work / "staging.db"
    base = ("--env", "staging", "--emulator-state", str(state))
    made = reconcile(work, "--yes", *base, "--target-resource", "microservices.environment", timeout=600)
    if made.code != 0:
        return [f"could not apply the environment: {made.text[-300:]!r}"]
    with closing(sqlite3.connect(state)) as conn:
        conn.execute("UPDATE resources SET body = json_set(body, '$.properties.defaultDomain', "
                     "'apps/../../../virtualNetworks/evil') WHERE lower(type) LIKE '%managedenvironments'")
        conn.commit()
    target = ("--target-resource", "microservices.dns.record.wildcard")
    dry = reconcile(work, "--dry-run", *base, *target, "--output", "json")
    problems = _strict_json(dry.out)
    if not problems:
        plan = json.loads(dry.out)
        bad = [c["id"] for c in plan.get("changes", []) if ".." in c["id"] or "evil" in c["id"]]
        if bad:
            problems.append(f"planned ids built from the live value: {bad[:2]}")
        if not any("UnsafeName" in str(e) for e in plan.get("errors", {}).values()):
            problems.append(f"the refused name is not reported: {plan.get('errors')}")
    before = len(_writes(state))
    apply = reconcile(work, "--yes", *base, *target)
    sent = [w for w in _writes(state)[before:] if ".." in w or "evil" in w]
    if sent:
        problems.append(f"written to an id built from the live value: {sent[:2]}")
    if apply.code == 0:
        problems.append("apply exit 0")
    return problems


def _body_of_another_id(work: Path, template: Path) -> list[str]:
    """ARM answers a GET by id with another subscription's resource (h30): `show --live` said "In
    sync" and the apply compared it, and wrote over the group read, as the one asked for. The one
    live-body gate (and `Ownership.condemn`) refuses a body whose id is not the id read."""
    state = _state_copy(template, work)
    portal_tag(state, {"cost-center": "cc-portal"})
    other = RG_ID.replace(SUB, "11111111-1111-1111-1111-111111111111").encode()

    def answer(method: str, path: str, status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if _reads_group(method, path) and status == 200:
            return status, headers, re.sub(re.escape(RG_ID.encode()), other, body, flags=re.IGNORECASE)
        return status, headers, body

    before = len(_writes(state))
    with _served(state, {}, answer) as url:
        show = reconcile(work, "show", "core.resource_group", "--live", "--emulator-url", url)
        apply = reconcile(work, "--yes", "--env", "dev", "--emulator-url", url)
    problems = _one_error_line(show, "core.resource_group", "another resource's id")
    if apply.code != 1 or "another resource's id" not in apply.text:
        problems.append(f"apply exit {apply.code}, the group not reported unreadable: {apply.text[-300:]!r}")
    written = [w for w in _writes(state)[before:] if w.split(" ", 1)[1].split("?")[0].lower() == RG_ID.lower()]
    if written:
        problems.append(f"written to the group on the strength of another resource's body: {written[:2]}")
    return problems


# -- 8. the circuit breaker -------------------------------------------------------------------------


def _closed_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _breaker(url_of: Callable[[], Any], cause: str) -> Callable[[Path, Path], list[str]]:
    def run(work: Path, template: Path) -> list[str]:
        work.mkdir(parents=True, exist_ok=True)
        with url_of() as url:
            ran = reconcile(work, "--dry-run", "--env", "dev", "--emulator-url", url, timeout=240)
        problems = []
        if ran.seconds > BREAKER_LIMIT_S:
            problems.append(f"took {ran.seconds:.0f} s")
        host = url.split("//", 1)[1]
        problems += _one_error_line(ran, host, cause)
        if ran.code != 1:
            problems.append(f"exit {ran.code}")
        return problems

    return run


@contextmanager
def _refused() -> Iterator[str]:
    yield f"http://127.0.0.1:{_closed_port()}"


@contextmanager
def _unresolvable() -> Iterator[str]:
    yield "http://reconciler-test.invalid:8443"


@contextmanager
def _plain_http_as_tls() -> Iterator[str]:
    class Plain(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _throttling() -> Iterator[str]:
    with HostileArm("throttle-forever") as arm:
        yield arm.url


def _controller_breaker(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    port = _closed_port()
    ran = reconcile(work, "run", "--once", "--env", "dev", "--emulator-url", f"http://127.0.0.1:{port}",
                    "--health-port", "-1", "--lease", "none", "--log-format", "json", timeout=240)
    problems = []
    if ran.code != 1 or ran.seconds > 30:
        problems.append(f"exit {ran.code} after {ran.seconds:.0f} s")
    cycles = [json.loads(line) for line in _lines(ran.err) if '"ReconcilerCycle"' in line]
    errors = [str(c.get("error")) for c in cycles]
    if not errors or f"127.0.0.1:{port}" not in errors[0] or "refused" not in errors[0]:
        problems.append(f"the failed cycle does not name the endpoint and cause: {errors or ran.text[-300:]!r}")
    return problems


def _graph_retry_after(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    with HostileArm("graph-retry-after") as arm:
        ran = reconcile(work, "--dry-run", "--env", "dev", "--emulator-url", arm.url, "--observe", "graph", timeout=240)
    problems = []
    if ran.seconds > BREAKER_LIMIT_S:
        problems.append(f"took {ran.seconds:.0f} s")
    # (This fake ARM answers a few generic reads 404: their errors are not this case's concern.)
    if "Plan: " not in ran.out.decode() or "EndpointUnreachable" in ran.text:
        problems.append(f"exit {ran.code}: the plan was not made from ARM reads: {ran.text[-300:]!r}")
    if "Resource Graph unavailable" not in ran.text or "RECONCILER_REQUEST_BUDGET" not in ran.text:
        problems.append("the fallback and its cause are not said")
    return problems


# -- 9. history from every write path ---------------------------------------------------------------


def _history_after(way: str) -> Callable[[Path, Path], list[str]]:
    def run(work: Path, template: Path) -> list[str]:
        state = _state_copy(template, work)
        portal_tag(state, {"cost-center": "cc-emergency"})
        base = ("--env", "dev", "--emulator-state", str(state))
        if way == "one-shot":
            ran = reconcile(work, "--yes", *base)
        else:
            saved = reconcile(work, "--dry-run", *base, "--out", "plan.json")
            if saved.code != 0:
                return [f"could not save the plan: {saved.text[-300:]!r}"]
            ran = reconcile(work, "apply", "plan.json", "--emulator-state", str(state))
        problems = [] if ran.code == 0 else [f"{way} exit {ran.code}: {ran.text[-300:]!r}"]
        history = reconcile(work, "history", "core.resource_group", *base, "--output", "json")
        events = json.loads(history.out).get("events", []) if history.code == 0 else []
        drift = [e for e in events if e.get("kind") == "drift"]
        if not drift:
            return [*problems, f"no drift kept by {way}: {history.text[-300:]!r}"]
        if (drift[-1].get("overwritten") or {}).get("tags", {}).get("cost-center") != "cc-emergency":
            problems.append("the overwritten body is not kept")
        if not (drift[-1].get("attribution") or {}).get("known"):
            problems.append("no attribution with the drift")
        if not any(e.get("kind") == "write" and e.get("outcome") == "applied" for e in events):
            problems.append("our write is not kept")
        return problems

    return run


def _refused_apply_records_nothing(work: Path, template: Path) -> list[str]:
    """A bad `RECONCILER_PROGRESS_INTERVAL` with `reconcile --yes` (h30): it was refused only after the
    plan, when the history had already recorded a drift "written back" by a write never sent. The
    variables a run reads are checked where the target opens (`runtime.inputs.check_client_variables`)."""
    state = _state_copy(template, work)
    portal_tag(state, {"cost-center": "cc-portal"})
    before = len(_writes(state))
    ran = reconcile(work, "--yes", "--env", "dev", "--emulator-state", str(state),
                    env={"RECONCILER_PROGRESS_INTERVAL": "nan"})
    problems = _one_error_line(ran, "RECONCILER_PROGRESS_INTERVAL", "e.g. 30")
    history = reconcile(work, "history", "core.resource_group", "--env", "dev", "--emulator-state", str(state),
                        "--output", "json")
    if history.code != 0:
        problems.append(f"history exit {history.code}: {history.text[-200:]!r}")
    elif events := json.loads(history.out).get("events", []):
        problems.append(f"history recorded {len(events)} event(s) of an apply that never ran")
    sent = [w for w in _writes(state)[before:] if "microsoft.resourcegraph" not in w.lower()]  # queries: reads
    if sent:
        problems.append(f"a write was sent: {sent[:2]}")
    return problems


# -- 10. smaller points -----------------------------------------------------------------------------


def _max_age_creates_nothing(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    saved = _saved_plan(work, state)
    if saved.code != 0:
        return [f"could not save: {saved.text[-300:]!r}"]
    state.unlink()
    ran = reconcile(work, "apply", "plan.json", "--max-age", "1ms")
    problems = _one_error_line(ran, "--max-age")
    return problems + _no_state(work)


def _max_age_variable(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    ran = reconcile(work, "apply", "plan.json", env={"RECONCILER_PLAN_MAX_AGE": "soon"})
    return _one_error_line(ran, "RECONCILER_PLAN_MAX_AGE", "soon")


def _apply_yes(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    portal_tag(state, {"cost-center": "cc-portal"})
    saved = _saved_plan(work, state)
    ran = reconcile(work, "apply", "plan.json", "--yes", "--emulator-state", str(state))
    if saved.code != 0 or ran.code != 0:
        return [f"save exit {saved.code}, apply --yes exit {ran.code}: {ran.text[-300:]!r}"]
    return []


def _health_port_taken(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    with closing(socket.socket()) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        ran = reconcile(work, "run", "--once", "--env", "dev", "--health-port", str(port), "--lease", "none",
                        "--log-format", "json")
    problems = _one_error_line(ran, "--health-port", str(port), "in use")
    return problems + _no_state(work)


def _sigterm_while_reading(work: Path, template: Path) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    with _silent_listener() as url:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", "run", "--env", "dev", "--emulator-url", url, "--health-port",
             "-1", "--lease", "none", "--log-format", "json", "--shutdown-grace", "30s"],
            cwd=work, env=clean_environment(work), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(6)  # the first cycle is reading (the endpoint never answers)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        took = time.monotonic() - signalled
    problems = []
    if took > 10:
        problems.append(f"took {took:.0f} s after SIGTERM with no write in flight (grace 30 s)")
    if b"writes still in flight" in err:
        problems.append("logs 'writes still in flight' with none")
    if proc.returncode != 0:
        problems.append(f"exit {proc.returncode}")
    return problems


def _lease_choice(*extra: str, needle: str) -> Callable[[Path, Path], list[str]]:
    """`reconcile run` (and `history`) with a lease storage that cannot be used (h30): `--lease blob` on
    the emulator searched for Azure credentials for 80 s and ended in the SDK's words; a malformed
    connection string was the SDK's "Connection string is either blank or malformed." naming no option.
    The one place a lease kind picks a storage (`controller_state.documents_for`) refuses it in one line."""
    def run(work: Path, template: Path) -> list[str]:
        state = _state_copy(template, work)
        problems = []
        for command in (("run", "--once", "--health-port", "-1"), ("history", "core.resource_group")):
            ran = reconcile(work, *command, "--env", "dev", "--emulator-state", str(state), *extra, timeout=120)
            if ran.seconds > 20:
                problems.append(f"{command[0]}: took {ran.seconds:.0f} s")
            error = _lines(ran.err)[-1:]
            if ran.code != 1 or not error or not error[0].startswith("reconcile: error: ") or needle not in error[0]:
                problems.append(f"{command[0]}: exit {ran.code}, not one error naming {needle}: {error}")
            if "Traceback" in ran.text:
                problems.append(f"{command[0]}: a traceback")
        return problems

    return run


#: Malformed requests to `reconcile emulator serve`: (what, raw HTTP request bytes, status wanted).
def _malformed_requests(port: int) -> list[tuple[str, bytes, int]]:
    graph = "/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01"
    rgs = f"/subscriptions/{SUB}/resourcegroups?api-version={RG_API}"
    put = f"/subscriptions/{SUB}/resourcegroups/rg-x?api-version={RG_API}"

    def request(method: str, path: str, body: bytes = b"", token: str = "Bearer x", **headers: str) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Authorization: {token}",
                 f"Content-Length: {headers.pop('length', len(body))}", "Connection: close",
                 *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def query(options: str) -> bytes:
        return f'{{"subscriptions": ["{SUB}"], "query": "resources", "options": {options}}}'.encode()

    token = "Bearer " + ".".join(base64.urlsafe_b64encode(p).decode().rstrip("=")
                                 for p in (b'{"alg":"none"}', b'{"upn":"\xff\xfe"}', b""))
    surrogate = "Bearer " + ".".join(base64.urlsafe_b64encode(p).decode().rstrip("=")
                                     for p in (b'{"alg":"none"}', b'{"upn":"\\ud800"}', b""))
    return [
        ("Resource Graph options as a string", request("POST", graph, query('"x"')), 400),
        ("Resource Graph $top 1e999", request("POST", graph, query('{"$top": 1e999}')), 400),
        ("Resource Graph $top -1", request("POST", graph, query('{"$top": -1}')), 400),
        ("Resource Graph $skip 1e999", request("POST", graph, query('{"$skip": 1e999}')), 400),
        ("Resource Graph $skipToken with offset Infinity", request("POST", graph, query(
            json.dumps({"$skipToken": base64.urlsafe_b64encode(b'{"offset":1e999}').decode()}))), 400),
        ("Resource Graph subscriptions not strings", request("POST", graph, b'{"subscriptions": [{}], "query": "r"}'), 400),
        ("Resource Graph body 100 000 deep", request("POST", graph, b"[" * 100_000 + b"]" * 100_000), 400),
        ("token claims not UTF-8", request("GET", rgs, token=token), 400),
        ("token claims with an unpaired surrogate", request("PUT", put, b'{"location": "westus2"}', token=surrogate), 400),
        ("body not JSON", request("PUT", put, b'{"location":'), 400),
        ("body NaN", request("PUT", put, b'{"location": "westus2", "tags": {"a": NaN}}'), 400),
        ("body 1e999", request("PUT", put, b'{"location": "westus2", "properties": {"x": 1e999}}'), 400),
        ("body not UTF-8", request("PUT", put, b'{"location": "westus2", "tags": {"a": "\xff"}}'), 400),
        ("body tags a list", request("PUT", put, b'{"location": "westus2", "tags": [1]}'), 400),
        ("Content-Length not a number", request("GET", rgs, length="abc"), 400),
        ("Content-Length negative", request("GET", rgs, length="-5"), 400),
        ("Content-Length 100 GB", request("PUT", put, b"{}", length="99999999999"), 413),
        ("$skiptoken not issued", request("GET", rgs.replace("?", "?$skiptoken=%ff&")), 400),
        ("unknown method", request("OPTIONS", rgs), 405),
        ("request line garbage", b"GARBAGE\r\n\r\n", 400),
    ]


def _raw_exchange(port: int, data: bytes) -> bytes:
    with closing(socket.create_connection(("127.0.0.1", port), timeout=20)) as conn:
        conn.sendall(data)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def _emulator_serve_malformed(work: Path, template: Path) -> list[str]:
    state = _state_copy(template, work)
    port = _closed_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "emulator", "serve", "--state", str(state), "--port", str(port)],
        cwd=work, env=clean_environment(work), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    problems = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with closing(socket.socket()) as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        for what, data, wanted in _malformed_requests(port):
            answer = _raw_exchange(port, data)
            head, _, body = answer.partition(b"\r\n\r\n")
            status = head.split(b" ", 2)[1].decode() if head.startswith(b"HTTP/1.") else "none"
            try:
                error = json.loads(body)["error"]
                shaped = isinstance(error.get("code"), str) and isinstance(error.get("message"), str)
            except (ValueError, KeyError, TypeError, AttributeError):
                shaped = False
            if status != str(wanted) or not shaped:
                problems.append(f"{what}: answered {status} {body[:80]!r}, not {wanted} in ARM's error shape")
        if proc.poll() is not None:
            problems.append("the server died")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    if b"Traceback" in err:
        problems.append(f"a traceback: {err[-300:]!r}")
    return problems


CASES: tuple[Case, ...] = (
    Case("out-planted-links", 3, "links planted at PLAN.tmp (and other guessable temporary names) before --out PLAN",
         _out_planted_links),
    Case("out-foreign-file", 3, "--out notes.txt over a file that is not a plan (then --force)", _out_foreign_file),
    Case("out-directory", 3, "--out onto a directory", _out_directory),
    Case("out-read-only-directory", 3, "--out into a read-only directory (refused before the dry run)",
         _out_read_only_directory),
    Case("write-log-planted-link", 3, "a link planted at the graph write log's temporary name, graph-mode apply",
         _write_log_planted_link),
    Case("import-out-planted-links", 3, "links planted at the import's temporary names, then --out over a script",
         _import_out_planted_links),
    Case("read-only-state", 3, "an intact emulator state file that cannot be written", _read_only_state),
    Case("history-directory-linked", 3, "the controller's history directory is a link elsewhere",
         _controller_history_through_a_link),
    Case("next-link-repeated", 4, "an ARM list whose nextLink points to itself",
         _paging("repeat-next-link", "same nextLink twice")),
    Case("next-link-endless", 4, "an ARM list with a new nextLink on every page (RECONCILER_MAX_PAGES=30)",
         _paging("endless-next-link", "more than 30 pages", env={"RECONCILER_MAX_PAGES": "30"})),
    Case("next-link-foreign", 4, "an ARM list whose nextLink is on another host",
         _paging("foreign-next-link", "not the ARM endpoint")),
    Case("skip-token-repeated", 4, "Resource Graph answering the same $skipToken forever (--observe graph)",
         _paging("repeat-skip-token", "same $skipToken twice", "--observe", "graph")),
    Case("plan-file-fifo-apply", 5, "reconcile apply on a FIFO", _plan_file_fifo("apply")),
    Case("plan-file-fifo-show", 5, "reconcile show-plan on a FIFO", _plan_file_fifo("show-plan")),
    Case("plan-file-4gib", 5, "a 4 GiB plan file", _plan_file_huge),
    Case("plan-file-directory", 5, "a plan file that is a directory", _plan_file_directory),
    Case("tokens-fifo", 5, "a FIFO in place of lro-tokens-dev.json (dry run, then apply)",
         _record_fifo("lro-tokens-dev.json")),
    Case("write-log-fifo", 5, "a FIFO in place of graph-writes-dev.json (graph mode)",
         _record_fifo("graph-writes-dev.json")),
    Case("not-convergent-fifo", 5, "a FIFO in place of not-convergent-dev.json", _record_fifo("not-convergent-dev.json")),
    Case("layer-file-fifo", 5, "a FIFO given as --layer-file", _layer_file_fifo),
    Case("record-50000-brackets", 5, "50 000 '[' in a record file", _record_deep),
    Case("history-damaged", 5, "a history document whose event number is not a number", _history_damaged),
    Case("tag-name-forges-lines", 6, "a tag name holding newlines and a forged 'No changes.' line, CR elsewhere",
         _tag_name_forges),
    Case("caller-name-forges-lines", 6, "a caller's name with an unpaired surrogate, a newline and a forged line",
         _caller_name_forges),
    Case("secret-in-caller-saved-plan", 6, "a secret quoted in a caller's name, saved with --out",
         _secret_in_caller_saved),
    Case("path-forges-lines", 6, "--out, show-plan and --emulator-state paths holding a newline and a forged line",
         _path_forges_lines),
    Case("html-error-page", 6, "a read answered 500 with an HTML page (show --live, plan)", _html_error_page),
    Case("body-of-another-id", 7, "a GET by id answered with another subscription's resource (show --live, apply)",
         _body_of_another_id),
    Case("default-domain-traversal", 7, "a defaultDomain holding '/' and '..' names a private DNS zone",
         _default_domain_traversal),
    Case("breaker-refused", 8, "connection refused", _breaker(_refused, "connection refused")),
    Case("breaker-dns", 8, "a host name that does not resolve", _breaker(_unresolvable, "does not resolve")),
    Case("breaker-tls", 8, "a TLS handshake with a plain HTTP server", _breaker(_plain_http_as_tls, "TLS")),
    Case("breaker-hung", 8, "an endpoint that accepts and never answers (default budgets)",
         _breaker(_silent_listener, "did not answer")),
    Case("breaker-retry-after", 8, "429 with Retry-After: 1000000000 on every request (default budgets)",
         _breaker(_throttling, "Retry-After")),
    Case("breaker-controller", 8, "reconcile run --once against a refused endpoint", _controller_breaker),
    Case("graph-retry-after", 8, "Resource Graph answering Retry-After: 1000000000 (graph mode falls back to ARM)",
         _graph_retry_after),
    Case("history-one-shot", 9, "reconcile --yes overwrites an emergency portal change", _history_after("one-shot")),
    Case("history-saved-plan", 9, "reconcile apply PLANFILE overwrites an emergency portal change",
         _history_after("saved-plan")),
    Case("refused-apply-records-nothing", 9, "reconcile --yes with RECONCILER_PROGRESS_INTERVAL=nan after portal drift",
         _refused_apply_records_nothing),
    Case("max-age-creates-nothing", 10, "apply --max-age refusing an old plan", _max_age_creates_nothing),
    Case("max-age-variable", 10, "RECONCILER_PLAN_MAX_AGE=soon", _max_age_variable),
    Case("apply-plan-yes", 10, "reconcile apply PLANFILE --yes", _apply_yes),
    Case("health-port-taken", 10, "--health-port on a port in use", _health_port_taken),
    Case("lease-blob-on-emulator", 10, "run/history --lease blob on the emulator, no connection string",
         _lease_choice("--lease", "blob", needle="--lease-connection-string")),
    Case("lease-connection-string-malformed", 10, "run/history --lease blob --lease-connection-string garbage",
         _lease_choice("--lease", "blob", "--lease-connection-string", "garbage", needle="--lease-connection-string")),
    Case("sigterm-while-reading", 10, "SIGTERM while the cycle only reads (grace 30 s)", _sigterm_while_reading),
    Case("emulator-serve-malformed", 10, "malformed requests to reconcile emulator serve", _emulator_serve_malformed),
)


def main() -> int:
    """Run every case (python -m tests.reliability.guarantees [NAME ...])."""
    import tempfile

    from tests.reliability.hardening import make_template

    wanted = set(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="guarantees-") as tmp:
        template = make_template(Path(tmp) / "template")
        failed = 0
        for case in CASES:
            if wanted and case.name not in wanted:
                continue
            problems = case.run(Path(tmp) / case.name, template)
            failed += bool(problems)
            print(f"{case.item} {case.name}: {problems or 'pass'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.pop("SQL_ADMIN_PASSWORD", None)
    raise SystemExit(main())
