"""Did you mean ...? The closest known spelling of a mistyped command, option, environment or
address, as git, az and Terraform offer one (`difflib`'s ratio, Python standard library)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Below this similarity (difflib's ratio, 0..1) a known word is no suggestion but noise.
CUTOFF = 0.6


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word closest to `word`, or None when none is close enough.

    Case is ignored for the comparison (`--Dry-Run`, `Prod`), the known spelling is returned."""
    by_folded: dict[str, str] = {}
    for candidate in known:
        by_folded.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(word.lower(), list(by_folded), n=1, cutoff=CUTOFF)
    return by_folded[found[0]] if found else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``"; did you mean plan?"`` to append to an error line, or ``""`` when nothing is close."""
    found = closest(word, known)
    return f"; did you mean {found}?" if found is not None else ""
