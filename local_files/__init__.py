"""The one way the product reads and writes a local file (issue 22).

Every file `reconcile` and the emulator read or write goes through here: saved plans
(`--out`, `apply PLANFILE`, `show-plan`), the record files beside the emulator state or in
``RECONCILER_WORK_DIR`` (LRO tokens, the graph write log, the not-convergent store), the
controller's documents (history) and lock files, the bodies given to `reconcile compare`,
`.env`, and the emulator's state file (opened by SQLite after `inspect` said it is a regular
file). A test (tests/reliability/test_local_files.py) fails when a module of ours opens a
file any other way.

The guarantees, each made here once:

- **Reading**: regular files only, opened with ``O_NONBLOCK`` and checked with ``fstat``, so a
  FIFO, a directory or a device is refused at once instead of hanging or being read forever;
  a size cap (checked before reading, and while reading); for JSON, a nesting cap checked
  before parsing (no ``RecursionError``), NaN/Infinity refused, text that is not UTF-8
  refused.
- **Writing**: the new content goes to a temporary file created exclusively next to the
  target without following links (``O_CREAT | O_EXCL | O_NOFOLLOW``, a random name, relative
  to the directory's descriptor), is flushed to disk, then renamed over the target
  atomically: a kill leaves the old file or the new one, never a torn one, and a link
  planted where a temporary file would go is never followed. The target itself must be a
  regular file that is ours (each caller says what "ours" looks like, the *marker*: a saved
  plan's ``format``, a record file's shape) or empty or absent; a symbolic link, a directory,
  a FIFO, a device or somebody else's file is refused, unchanged, unless the caller was asked
  to replace it (`--force` for `--out`).
- **Before the work**: `check_writable` proves the target can be written (the directory
  exists, a temporary file can be created in it, the target is a file we may replace)
  without leaving anything, so a read-only directory fails before a dry run or a write, not
  after it.
- **Errors**: `LocalFileError` (a `ValueError`, so the CLI prints it as one line), always
  ``<what> <path>: <problem>; <fix>``.

This package imports nothing of ours (an import-linter contract), so the emulator, which
imports nothing of the reconciler's, uses it too.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "LocalFileError",
    "check_writable",
    "ensure_directory",
    "inspect",
    "locked",
    "no_links_below",
    "open_lock",
    "read_bytes",
    "read_json",
    "read_prefix",
    "read_text",
    "remove",
    "write_bytes",
    "write_json",
    "write_text",
]

#: Largest file read unless the caller says otherwise (saved plans of the largest estate are ~2 MiB).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Deepest JSON nesting read: an ARM body nests about 15 levels, a plan document adds 4.
MAX_DEPTH = 128

#: Is the current content of a file ours (may it be replaced)? Given its bytes.
Marker = Callable[[bytes], bool]

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | _O_CLOEXEC | _O_NOCTTY


class LocalFileError(ValueError):
    """A local file that may not be read or written as asked: one line naming the file, the problem and the fix."""

    def __init__(self, what: str, path: Path | str, problem: str, fix: str) -> None:
        super().__init__(f"{what} {path}: {problem}; {fix}")
        self.path = Path(path)
        self.problem = problem


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _problem(error: OSError) -> str:
    return error.strerror.lower() if error.strerror else str(error)


# -- reading ------------------------------------------------------------------------------------


def _open_regular(path: Path | str, *, what: str, fix: str, missing_ok: bool) -> tuple[int, os.stat_result] | None:
    """A descriptor of a regular file and its ``fstat`` (None when it does not exist and
    `missing_ok`), opened without blocking (a FIFO never hangs us); anything else is refused,
    naming the file."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise LocalFileError(what, path, "no such file", fix) from None
    except OSError as error:
        raise LocalFileError(what, path, f"cannot be read ({_problem(error)})", fix) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LocalFileError(what, path, f"is {_kind(info.st_mode)}, not a regular file", fix)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def _read(fd: int, size: int, path: Path | str, *, what: str, fix: str) -> bytes:
    try:
        return os.read(fd, size)
    except OSError as error:
        raise LocalFileError(what, path, f"cannot be read ({_problem(error)})", fix) from None


def read_bytes(
    path: Path | str, *, what: str, fix: str, max_bytes: int = DEFAULT_MAX_BYTES, missing_ok: bool = False
) -> bytes | None:
    """The content of a regular file (None when it does not exist and `missing_ok`).

    Opened without blocking (a FIFO never hangs us), checked with ``fstat`` to be a regular
    file, refused above `max_bytes` before it is read."""
    opened = _open_regular(path, what=what, fix=fix, missing_ok=missing_ok)
    if opened is None:
        return None
    fd, info = opened
    try:
        if info.st_size > max_bytes:
            raise LocalFileError(what, path, f"is {_size(info.st_size)}, more than the {_size(max_bytes)} it can be", fix)
        chunks: list[bytes] = []
        total = 0
        while chunk := _read(fd, 1 << 20, path, what=what, fix=fix):
            total += len(chunk)
            if total > max_bytes:  # grew while being read
                raise LocalFileError(what, path, f"is more than the {_size(max_bytes)} it can be", fix)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_prefix(path: Path | str, size: int, *, what: str, fix: str) -> bytes | None:
    """The first `size` bytes of a regular file (None when absent), with `read_bytes`'s checks
    but no size cap (for a file header: the emulator's SQLite state)."""
    opened = _open_regular(path, what=what, fix=fix, missing_ok=True)
    if opened is None:
        return None
    fd, _ = opened
    try:
        return _read(fd, size, path, what=what, fix=fix)
    finally:
        os.close(fd)


def read_text(
    path: Path | str, *, what: str, fix: str, max_bytes: int = DEFAULT_MAX_BYTES, missing_ok: bool = False
) -> str | None:
    """`read_bytes` decoded as UTF-8 (text that is not UTF-8 is refused)."""
    data = read_bytes(path, what=what, fix=fix, max_bytes=max_bytes, missing_ok=missing_ok)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LocalFileError(what, path, f"is not UTF-8 text (byte {error.start})", fix) from None


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(data: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, found without parsing it
    (so a text of 50 000 ``[`` is measured, not recursed into)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b'""', data)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} (JSON has no spelling for it)")


def parse_json(data: bytes, *, what: str, path: Path | str, fix: str, max_depth: int = MAX_DEPTH) -> Any:
    """JSON text to a value: UTF-8 only, at most `max_depth` levels, no NaN/Infinity."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LocalFileError(what, path, f"is not UTF-8 text (byte {error.start})", fix) from None
    depth = json_depth(data)
    if depth > max_depth:
        raise LocalFileError(what, path, f"nests deeper than {max_depth} levels ({depth})", fix)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise LocalFileError(
            what, path, f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})", fix
        ) from None
    except (ValueError, RecursionError) as error:
        raise LocalFileError(what, path, f"is not valid JSON ({error})", fix) from None


def read_json(
    path: Path | str,
    *,
    what: str,
    fix: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    missing_ok: bool = False,
) -> Any:
    """The JSON value of a file (None when it does not exist and `missing_ok`)."""
    data = read_bytes(path, what=what, fix=fix, max_bytes=max_bytes, missing_ok=missing_ok)
    if data is None:
        return None
    return parse_json(data, what=what, path=path, fix=fix, max_depth=max_depth)


# -- the target of a write ---------------------------------------------------------------------


def inspect(path: Path | str, *, what: str, fix: str, allow_symlink: bool = False) -> Literal["absent", "file"]:
    """Whether `path` is absent or a regular file; anything else (a symbolic link unless
    `allow_symlink`, a directory, a FIFO, a device) is refused without being opened."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "absent"
    except OSError as error:
        raise LocalFileError(what, path, f"cannot be examined ({_problem(error)})", fix) from None
    if stat.S_ISLNK(info.st_mode):
        if not allow_symlink:
            raise LocalFileError(what, path, "is a symbolic link, which is never followed to write", fix)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise LocalFileError(what, path, "is a symbolic link to nothing", fix) from None
        except OSError as error:
            raise LocalFileError(what, path, f"cannot be examined ({_problem(error)})", fix) from None
    if not stat.S_ISREG(info.st_mode):
        raise LocalFileError(what, path, f"is {_kind(info.st_mode)}, not a regular file", fix)
    return "file"


def no_links_below(base: Path | str, path: Path | str, *, what: str, fix: str) -> None:
    """Refuse when a directory between `base` and `path` is a symbolic link (a history
    directory pointed elsewhere): files under a base directory stay under it."""
    base, path = Path(base), Path(path)
    try:
        parts = path.parent.relative_to(base).parts
    except ValueError:
        raise LocalFileError(what, path, f"is not under {base}", fix) from None
    current = base
    for part in parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return
        except OSError as error:
            raise LocalFileError(what, path, f"{current} cannot be examined ({_problem(error)})", fix) from None
        if stat.S_ISLNK(info.st_mode):
            raise LocalFileError(what, path, f"{current} is a symbolic link, which is never followed", fix)
        if not stat.S_ISDIR(info.st_mode):
            raise LocalFileError(what, path, f"{current} is {_kind(info.st_mode)}, not a directory", fix)


def _open_directory(directory: Path, what: str, path: Path, fix: str) -> int:
    try:
        return os.open(directory, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except FileNotFoundError:
        raise LocalFileError(what, path, f"directory {directory} does not exist", fix) from None
    except NotADirectoryError:
        raise LocalFileError(what, path, f"{directory} is not a directory", fix) from None
    except OSError as error:
        raise LocalFileError(what, path, f"directory {directory} cannot be opened ({_problem(error)})", fix) from None


def _check_target(
    dir_fd: int, name: str, path: Path, *, what: str, fix: str, is_ours: Marker | None, force: bool, force_hint: str
) -> None:
    """The file a write would replace: absent, empty, or a regular file that is ours."""
    try:
        info = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    except OSError as error:
        raise LocalFileError(what, path, f"cannot be examined ({_problem(error)})", fix) from None
    if stat.S_ISLNK(info.st_mode):
        raise LocalFileError(what, path, "is a symbolic link; it is not replaced and not followed", fix)
    if not stat.S_ISREG(info.st_mode):
        raise LocalFileError(what, path, f"is {_kind(info.st_mode)}, not a regular file; it is not replaced", fix)
    if force or is_ours is None or info.st_size == 0:
        return
    try:
        fd = os.open(name, _READ_FLAGS | _O_NOFOLLOW, dir_fd=dir_fd)
    except OSError as error:
        raise LocalFileError(what, path, f"cannot be read to check it is ours ({_problem(error)})", fix) from None
    try:
        content = os.read(fd, min(info.st_size, DEFAULT_MAX_BYTES) + 1)
    finally:
        os.close(fd)
    if not is_ours(content):
        hint = f" (or pass {force_hint} to replace it)" if force_hint else ""
        raise LocalFileError(
            what, path, "exists and is not a file this tool wrote; it was left unchanged", fix + hint
        )


def _temporary_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(6)}.tmp"


def check_writable(
    path: Path | str,
    *,
    what: str,
    fix: str,
    is_ours: Marker | None = None,
    force: bool = False,
    force_hint: str = "",
    create_directory: bool = False,
) -> None:
    """Prove, before the work, that `write_bytes` could write `path`: its directory exists
    (created when `create_directory`), a temporary file can be created in it, and the target
    may be replaced. Leaves nothing behind."""
    target = Path(path)
    if create_directory:
        ensure_directory(target.parent, what=what, fix=fix, for_path=target)
    dir_fd = _open_directory(target.parent, what, target, fix)
    try:
        _check_target(dir_fd, target.name, target, what=what, fix=fix, is_ours=is_ours, force=force,
                      force_hint=force_hint)
        probe = _temporary_name(target.name)
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o600, dir_fd=dir_fd)
        except OSError as error:
            raise LocalFileError(
                what, target, f"cannot be written: directory {target.parent} is not writable ({_problem(error)})", fix
            ) from None
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(probe, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def ensure_directory(directory: Path | str, *, what: str, fix: str, for_path: Path | str | None = None) -> None:
    """Create `directory` (and its parents) if it is missing; errors name the file it is for."""
    named = for_path if for_path is not None else directory
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise LocalFileError(what, named, f"{directory} exists and is not a directory", fix) from None
    except OSError as error:
        raise LocalFileError(what, named, f"directory {directory} cannot be created ({_problem(error)})", fix) from None


# -- writing ------------------------------------------------------------------------------------


def write_bytes(
    path: Path | str,
    data: bytes,
    *,
    what: str,
    fix: str,
    is_ours: Marker | None = None,
    force: bool = False,
    force_hint: str = "",
    create_directory: bool = False,
    mode: int = 0o666,
) -> None:
    """Replace `path` with `data` atomically: a temporary file created exclusively beside it
    without following links, flushed, renamed over it. The target must be absent, empty or
    ours (`is_ours`), unless `force`; never a link, a directory or another special file."""
    target = Path(path)
    if create_directory:
        ensure_directory(target.parent, what=what, fix=fix, for_path=target)
    dir_fd = _open_directory(target.parent, what, target, fix)
    temporary = _temporary_name(target.name)
    created = False
    try:
        _check_target(dir_fd, target.name, target, what=what, fix=fix, is_ours=is_ours, force=force,
                      force_hint=force_hint)
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, mode,
                         dir_fd=dir_fd)
            created = True
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            created = False
        except OSError as error:
            if error.errno == errno.EISDIR:
                raise LocalFileError(what, target, "is a directory, not a regular file; it is not replaced", fix) from None
            raise LocalFileError(what, target, f"cannot be written ({_problem(error)})", fix) from None
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=dir_fd)
        os.close(dir_fd)


def write_text(path: Path | str, text: str, **options: Any) -> None:
    """`write_bytes` of `text` in UTF-8 (an unpaired surrogate is written as its escape, never an error)."""
    write_bytes(path, text.encode("utf-8", "backslashreplace"), **options)


def write_json(path: Path | str, value: Any, *, indent: int | None = None, **options: Any) -> None:
    """`write_bytes` of `value` as strict JSON (no NaN/Infinity; non-ASCII escaped, so the file is
    ASCII and an unpaired surrogate cannot make it unreadable)."""
    text = json.dumps(value, indent=indent, sort_keys=indent is None, allow_nan=False, default=str)
    write_bytes(path, (text + ("\n" if indent is not None else "")).encode("ascii"), **options)


def remove(path: Path | str, *, what: str, fix: str) -> None:
    """Delete a regular file or a link (never followed); absent is fine."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise LocalFileError(what, path, "is a directory; it is not removed", fix)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise LocalFileError(what, path, f"cannot be removed ({_problem(error)})", fix) from None


# -- locks --------------------------------------------------------------------------------------


def open_lock(path: Path | str, *, what: str, fix: str, create_directory: bool = True) -> int:
    """A descriptor of the lock file `path` (created if absent), never through a link and only
    a regular file; the caller `flock`s it and closes it."""
    target = Path(path)
    if create_directory:
        ensure_directory(target.parent, what=what, fix=fix, for_path=target)
    try:
        fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | _O_NOFOLLOW | _O_CLOEXEC | _O_NOCTTY, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise LocalFileError(what, target, "is a symbolic link, which is never followed", fix) from None
        raise LocalFileError(what, target, f"cannot be opened ({_problem(error)})", fix) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise LocalFileError(what, target, f"is {_kind(info.st_mode)}, not a regular file", fix)
    return fd


@contextlib.contextmanager
def locked(path: Path | str, *, what: str, fix: str) -> Iterator[int]:
    """Hold an exclusive ``flock`` on the lock file `path` for the block."""
    fd = open_lock(path, what=what, fix=fix)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
