"""What every `reconcile` subcommand shares: exit codes, the argument parser
that reports usage errors as `UsageError`, the options common to commands that
open a target, and logging set-up. Imported by `reconciler.cli`
and by the subcommands' own modules (controller, saved plans, history), so none
of them imports the dispatcher that imports them."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Collection
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, NoReturn

from desired_state.errors import ReconcilerError
from reconciler.runtime.suggest import closest, did_you_mean

if TYPE_CHECKING:
    from desired_state import DesiredState

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
DEFAULT_ENV = os.environ.get("RECONCILER_ENV", "dev")


def tool_version() -> str:
    """The installed `azure-reconciler` version (`reconcile version`, saved plans)."""
    try:
        return version("azure-reconciler")
    except PackageNotFoundError:  # running from a source tree without installing
        return "unknown"


class UsageError(ReconcilerError):
    """Bad command-line input: one line naming the option and the fix."""

    outcome = "validation"


_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<word>[^']*)' \(choose from (?P<known>.*)\)$")
_UNRECOGNIZED = "unrecognized arguments: "


class Parser(argparse.ArgumentParser):
    """argparse that raises `UsageError` (argparse exits 2 on usage errors, which would read as
    "changes present") and suggests the closest option or choice for a typo (`--dryrun`)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}{self._suggestion(message)} (see `{self.prog} --help`)")

    def _suggestion(self, message: str) -> str:
        if message.startswith(_UNRECOGNIZED):
            options = [s for action in self._actions for s in action.option_strings]
            for token in message.removeprefix(_UNRECOGNIZED).split():
                found = closest(token.split("=", 1)[0], options) if token.startswith("-") else None
                if found is not None:
                    return f"; did you mean {found}?"
            return ""
        choice = _INVALID_CHOICE.search(message)
        if choice is not None:
            found = closest(choice["word"], re.findall(r"'([^']*)'", choice["known"]))
            return f"; did you mean {found}?" if found is not None else ""
        return ""


def environment_name(text: str) -> str:
    """`--env` (and `$RECONCILER_ENV`, its default): one of the environments, else a usage error
    naming them and the closest one."""
    from desired_state.settings import ENVIRONMENTS

    if text in ENVIRONMENTS:
        return text
    raise argparse.ArgumentTypeError(
        f"unknown environment {text!r} (from --env or $RECONCILER_ENV); valid environments are "
        f"{', '.join(ENVIRONMENTS)}{did_you_mean(text, ENVIRONMENTS)}"
    )


def add_env_option(p: argparse.ArgumentParser, default: str | None = DEFAULT_ENV) -> None:
    """`--env E`, checked (with a suggestion) before anything is read."""
    p.add_argument("--env", default=default, type=environment_name,
                   help="environment: dev, qa, staging or prod" + (" (default %(default)s)" if default else ""))


def add_common_options(p: argparse.ArgumentParser) -> None:
    add_env_option(p)
    p.add_argument("--emulator-state", metavar="PATH", help="emulator state file (default .reconciler/emulator.db)")
    p.add_argument("--emulator-url", metavar="URL", help="a served emulator, e.g. http://127.0.0.1:8443")
    p.add_argument("--log-format", choices=("auto", "json", "text"), default="auto")
    p.add_argument("--log-level", default=os.environ.get("RECONCILER_LOG_LEVEL", "WARNING"))


def add_layer_file_option(p: argparse.ArgumentParser) -> None:
    """`--layer-file PATH.py`: a layer added to the environment for this run (what `reconcile import` writes)."""
    p.add_argument("--layer-file", action="append", default=[], metavar="PATH.py",
                   help="add the layer this file defines to the environment for this run, e.g. one written by "
                        "`reconcile import` (repeatable; docs/import.md)")


def add_out_options(p: argparse.ArgumentParser, *, hidden: bool, with_dry_run: bool) -> None:
    """`--out PLANFILE` (save the plan) and `--force` (replace a file that is not a saved plan)."""
    p.add_argument("--out", metavar="PLANFILE",
                   help=argparse.SUPPRESS if hidden else "save the plan to PLANFILE for `reconcile apply PLANFILE`"
                   + (" (with --dry-run)" if with_dry_run else ""))
    p.add_argument("--force", action="store_true",
                   help=argparse.SUPPRESS if hidden else "with --out: replace PLANFILE even when it is not a saved plan "
                   "(never a link or a directory)")


def configure_default_logging() -> None:
    """Every command's log records pass the one log funnel from the start (one line each, secrets
    masked, no third-party traceback); a command with --log-format/--log-level sets its own later."""
    from reconciler.runtime.logs import configure_logging

    configure_logging("auto", "WARNING")


def configure_logging_from(args: argparse.Namespace) -> None:
    from reconciler.runtime.logs import configure_logging

    configure_logging(args.log_format, args.log_level)


def desired_state(environment: str) -> DesiredState:
    """The desired state of `environment` (nothing is read from Azure)."""
    from desired_state import build
    from desired_state.settings import AppSecrets

    return build(environment, secrets=AppSecrets())


def check_address(address: str, known: Collection[str], environment: str, option: str = "") -> str:
    """`address` when `environment` has it, else a usage error naming the closest address."""
    if address not in known:
        raise UsageError(f"{option + ' ' if option else ''}{address}: no such address in {environment}"
                         f"{did_you_mean(address, known)} (`reconcile show --env {environment}` lists them)")
    return address
