"""Regenerate every generated file of the repository, from the inputs in the repository.

Run from the repository root: ``python -m tools.regen`` (rewrites the files),
``python -m tools.regen --check`` (exit 1 naming each stale file; writes nothing),
or ``python -m tools.regen --out-dir DIR`` (writes the outputs under DIR instead).

Each generator reads facts copied into the repository with their provenance
(``tests/fixtures/arm-examples``, ``tests/fixtures/arm-types``, ``tests/fixtures/recordings``,
``tests/fixtures/recordings2``) and, for the
api-versions and the read routes, the installed SDKs (pinned by ``requirements.lock``); the
results table of ``bench/README.md`` comes from ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from adapters.tools import gen_field_flags as gen_adapter_flags
from adapters.tools import gen_field_rules, gen_read_routes
from bench import readme as bench_readme
from emulator.tools import gen_answer_shapes, gen_api_versions, gen_field_flags, gen_server_defaults

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "fixtures" / "arm-examples"
CASES = (ROOT / "tests" / "fixtures" / "recordings" / "cases.json", ROOT / "tests" / "fixtures" / "recordings2" / "cases.json.gz")


@dataclass(frozen=True)
class Generated:
    """One generated file: its path in the repository and how to write it to another path."""

    path: str
    write: Callable[[Path], int]


GENERATED: tuple[Generated, ...] = (
    Generated("adapters/field_rules.py", lambda out: gen_field_rules.main(
        [*(arg for cases in CASES for arg in ("--cases", str(cases))), "--examples", str(EXAMPLES), "--output", str(out)])),
    Generated("adapters/data/field_flags.jsonl.gz", lambda out: gen_adapter_flags.main(["--output", str(out)])),
    Generated("adapters/read_routes.py", lambda out: gen_read_routes.main(["--output", str(out)])),
    Generated("emulator/data/api_versions.json.gz", lambda out: gen_api_versions.main(
        ["--arm-examples", str(EXAMPLES), "--output", str(out)])),
    Generated("emulator/data/answer_shapes.json", lambda out: gen_answer_shapes.main(["--output", str(out)])),
    Generated("emulator/data/field_flags.jsonl.gz", lambda out: gen_field_flags.main(["--output", str(out)])),
    Generated("emulator/data/server_defaults.json", lambda out: gen_server_defaults.main(
        ["--arm-examples", str(EXAMPLES), "--output", str(out)])),
    # The results table of bench/README.md, from the results file the last `python -m bench` wrote.
    Generated("bench/README.md", lambda out: bench_readme.main(["--output", str(out)])),
)


def regenerate(out_dir: Path) -> list[Path]:
    """Write every generated file under `out_dir` (same relative paths)."""
    written = []
    for generated in GENERATED:
        target = out_dir / generated.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if generated.write(target) != 0:
            raise RuntimeError(f"the generator of {generated.path} failed")
        written.append(target)
    return written


def content(path: Path) -> bytes:
    """A generated file's content: a gzipped one's uncompressed bytes (zlib builds may differ in
    how they compress the same content), else its bytes; empty when missing."""
    if not path.exists():
        return b""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def stale(out_dir: Path) -> list[str]:
    """The generated files whose committed content differs from a fresh run written under `out_dir`."""
    regenerate(out_dir)
    return [g.path for g in GENERATED if content(out_dir / g.path) != content(ROOT / g.path)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if any generated file is stale")
    mode.add_argument("--out-dir", type=Path, default=None, help="write the outputs under this folder")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
            found = stale(Path(tmp))
        for path in found:
            sys.stderr.write(f"stale: {path}; run `python -m tools.regen` and commit the result\n")
        if not found:
            sys.stdout.write(f"{len(GENERATED)} generated files up to date\n")
        return 1 if found else 0
    regenerate(args.out_dir or ROOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
