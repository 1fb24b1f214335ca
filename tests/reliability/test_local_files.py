"""One safe reader and writer of local files (`local_files`, issue 22).

The mechanism's own behaviour (a FIFO refused without blocking, a planted link never
followed, a foreign file never replaced, caps on size and nesting), and a scan that fails
when a module of ours reads or writes a file any other way; the same guarantees through the
real CLI are in `tests/reliability/guarantees.py`.
"""

from __future__ import annotations

import ast
import json
import os
import threading
from pathlib import Path

import pytest

import local_files
from local_files import LocalFileError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("reconciler", "adapters", "emulator", "desired_state")

#: Calls that open, create, replace or delete a file.
_FILE_FUNCTIONS = {
    ("", "open"), ("io", "open"), ("os", "open"), ("os", "fdopen"), ("os", "replace"), ("os", "rename"),
    ("os", "remove"), ("os", "unlink"), ("os", "mkdir"), ("os", "makedirs"), ("os", "truncate"),
    ("os", "symlink"), ("os", "link"), ("json", "load"), ("json", "dump"), ("sqlite3", "connect"),
    ("shutil", "copy"), ("shutil", "copyfile"), ("shutil", "copy2"), ("shutil", "move"), ("shutil", "rmtree"),
    ("tempfile", "mkstemp"), ("tempfile", "NamedTemporaryFile"), ("tempfile", "TemporaryFile"),
    ("tempfile", "mkdtemp"),
}
#: `pathlib.Path` methods that read, write, create or delete.
_PATH_METHODS = {
    "open", "read_text", "write_text", "read_bytes", "write_bytes", "touch", "mkdir", "unlink", "rename",
    "rmdir", "symlink_to", "hardlink_to",
}

#: (module, call) -> why it may stay: each one a file the one layer cannot own.
ALLOWED = {
    ("reconciler/cli/main.py", "os.open"): "opens /dev/null over a closed stdout, no file of ours",
    ("emulator/store.py", "sqlite3.connect"):
        "the emulator state, after state_marker.classify and check_directory (local_files) passed",
    ("emulator/state_marker.py", "sqlite3.connect"): "a read-only look (mode=ro) after classify read the header",
    ("emulator/request_log.py", "sqlite3.connect"): "reads a state file local_files.inspect found regular",
}
#: `_DATA.read_text()` / `_DATA.read_bytes()`: package data shipped inside the package (emulator/data),
#: read-only files of the code itself, not local files a user or another process can put there.
PACKAGE_DATA = "_DATA"
#: Developer tools that regenerate source files of the checkout (python -m tools.regen), not the product.
TOOL_DIRECTORIES = ("adapters/tools/", "emulator/tools/")


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and ("", func.id) in _FILE_FUNCTIONS:
            found.append((node.lineno, func.id))
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            if (owner, func.attr) in _FILE_FUNCTIONS:
                found.append((node.lineno, f"{owner}.{func.attr}"))
            elif func.attr in _PATH_METHODS and owner not in ("local_files", "os", "self", PACKAGE_DATA):
                found.append((node.lineno, f".{func.attr}"))
    return found


def test_no_module_of_ours_reads_or_writes_a_file_except_through_local_files() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if module.startswith(TOOL_DIRECTORIES):
                continue
            for line, call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
                if (module, call) not in ALLOWED:
                    offenders.append(f"{module}:{line}: {call}(...)")
    assert not offenders, (
        "read and write files through local_files (regular files only, caps, atomic no-follow writes, never "
        "replacing a file that is not ours), or add the call to ALLOWED with the reason:\n" + "\n".join(offenders)
    )


def test_the_scan_finds_a_direct_open() -> None:
    tree = ast.parse("from pathlib import Path\nPath('x').write_text('y')\nopen('z')\njson.load(f)\n")
    assert sorted(call for _, call in _calls(tree)) == [".write_text", "json.load", "open"]


def test_every_allowed_call_still_exists() -> None:
    for module, call in ALLOWED:
        calls = {c for _, c in _calls(ast.parse((ROOT / module).read_text(encoding="utf-8")))}
        assert call in calls, f"{module} no longer calls {call}: drop it from ALLOWED"


# -- the mechanism ---------------------------------------------------------------------------------


def _ours(content: bytes) -> bool:
    return content.startswith(b'{"mine"')


def test_a_fifo_is_refused_at_once_for_reading_and_writing(tmp_path: Path) -> None:
    fifo = tmp_path / "tokens.json"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            local_files.read_json(fifo, what="token file", fix="move it away")
        except BaseException as error:  # recorded for the assertion
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], LocalFileError)
    assert str(outcome[0]) == f"token file {fifo}: is a FIFO (named pipe), not a regular file; move it away"
    with pytest.raises(LocalFileError, match="FIFO"):
        local_files.write_json(fifo, {}, what="token file", fix="move it away")
    with pytest.raises(LocalFileError, match="FIFO"):
        local_files.check_writable(fifo, what="token file", fix="move it away")


def test_a_link_planted_where_a_temporary_file_would_go_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    target = tmp_path / "plan.json"
    for name in ("plan.json.tmp", ".plan.json.tmp"):
        (tmp_path / name).symlink_to(victim)
    local_files.write_json(target, {"mine": 1}, what="plan file", fix="-")
    assert victim.read_text() == "keep"
    assert not target.is_symlink() and json.loads(target.read_text()) == {"mine": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".plan.json.tmp", "plan.json", "plan.json.tmp",
                                                          "victim.txt"]


def test_a_link_a_directory_or_a_foreign_file_at_the_target_is_left_unchanged(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "link.json").symlink_to(victim)
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "notes.json").write_text("my notes")
    for name, problem in (("link.json", "symbolic link"), ("dir.json", "a directory"),
                          ("notes.json", "not a file this tool wrote")):
        with pytest.raises(LocalFileError, match=problem):
            local_files.check_writable(tmp_path / name, what="plan file", fix="-", is_ours=_ours)
        with pytest.raises(LocalFileError, match=problem):
            local_files.write_bytes(tmp_path / name, b'{"mine": 2}', what="plan file", fix="-", is_ours=_ours)
    assert victim.read_text() == "keep" and (tmp_path / "notes.json").read_text() == "my notes"
    assert (tmp_path / "dir.json").is_dir() and not list((tmp_path / "dir.json").iterdir())
    local_files.write_bytes(tmp_path / "notes.json", b'{"mine": 3}', what="plan file", fix="-", is_ours=_ours,
                            force=True)
    assert (tmp_path / "notes.json").read_bytes() == b'{"mine": 3}'
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_size_and_nesting_caps_refuse_before_parsing(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 50_000 + b"]" * 50_000)
    with pytest.raises(LocalFileError, match="nests deeper than 128 levels"):
        local_files.read_json(deep, what="record file", fix="-")
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(5 * 1024 * 1024)
    with pytest.raises(LocalFileError, match=r"is 5\.0 MiB, more than the 1\.0 MiB"):
        local_files.read_json(big, what="record file", fix="-", max_bytes=1024 * 1024)
    nan = tmp_path / "nan.json"
    nan.write_bytes(b'{"a": NaN}')
    with pytest.raises(LocalFileError, match="NaN"):
        local_files.read_json(nan, what="record file", fix="-")


def test_a_symlinked_directory_below_the_base_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    base = tmp_path / "work"
    base.mkdir()
    (base / "history").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(LocalFileError, match="symbolic link"):
        local_files.no_links_below(base, base / "history" / "dev" / "a.json", what="history", fix="-")
