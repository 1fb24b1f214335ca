"""What every `reconcile` subcommand shares: exit codes, the argument parser
that reports usage errors as `UsageError`, the options common to commands that
open a target, and logging set-up. Imported by `reconciler.cli`
and by the subcommands' own modules (controller, saved plans, history), so none
of them imports the dispatcher that imports them."""

from __future__ import annotations

import argparse
import os
from typing import NoReturn

from desired_state.errors import ReconcilerError

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
DEFAULT_ENV = os.environ.get("RECONCILER_ENV", "dev")


class UsageError(ReconcilerError):
    """Bad command-line input: one line naming the option and the fix."""

    outcome = "validation"


class Parser(argparse.ArgumentParser):
    # argparse exits 2 on usage errors, which would read as "changes present".
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def add_common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", default=DEFAULT_ENV, help="environment: dev, qa, staging or prod (default %(default)s)")
    p.add_argument("--emulator-state", metavar="PATH", help="emulator state file (default .reconciler/emulator.db)")
    p.add_argument("--emulator-url", metavar="URL", help="a served emulator, e.g. http://127.0.0.1:8443")
    p.add_argument("--log-format", choices=("auto", "json", "text"), default="auto")
    p.add_argument("--log-level", default=os.environ.get("RECONCILER_LOG_LEVEL", "WARNING"))


def configure_logging_from(args: argparse.Namespace) -> None:
    from reconciler.runtime.logs import configure_logging

    configure_logging(args.log_format, args.log_level)
