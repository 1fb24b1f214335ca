"""requirements.lock is the tested dependency set: it satisfies pyproject.toml, and the packages
installed here (by scripts/test.sh, with `-c requirements.lock`) are exactly the pinned ones."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return [Requirement(text) for text in names]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    stale = []
    for requirement in _declared():
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
            stale.append(f"{requirement} (lock: {pinned})")
    assert not stale, f"requirements.lock is stale, run scripts/lock.sh: {stale}"


def test_installed_versions_are_the_locked_ones() -> None:
    pins = _pins()
    assert len(pins) > 50
    differ = {}
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            differ[name] = (version, None)
            continue
        if installed != version:
            differ[name] = (version, installed)
    assert not differ, f"installed packages differ from requirements.lock (lock, installed): {differ}"
