"""Bad input, each case run as the real CLI in a subprocess, in a directory of
its own with a clean environment. Every case must exit 1 (the documented
error code), print exactly one stderr line `reconcile: error: ...` naming what
is wrong and how to fix it, show no traceback, and write nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXIT_BAD_INPUT = 1
PREFIX = "reconcile: error: "
SUB = "11111111-2222-3333-4444-555555555555"
#: The deployment values no environment deploys without against a subscription.
DEPLOY_VALUES = (("RECONCILER_DNS_ZONE", "dev.platform.contoso.net"), ("RECONCILER_SQL_TOOLS_IMAGE", "contoso.azurecr.io/go-sqlcmd:1"))


@dataclass(frozen=True)
class BadInput:
    """One bad input and what its error line must say."""

    name: str
    what: str
    argv: tuple[str, ...]
    #: Substrings the line must hold: the field/option named, then the fix.
    names: str
    fix: str
    env: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()
    #: A settings patch of tests.reliability.patched_cli, for settings-borne input.
    patch: str | None = None


STATE = ("--emulator-state", "state.db")
DRY = ("--dry-run", "--env", "dev", *STATE)
PROD = ("--dry-run", "--env", "prod", *STATE)
GARBAGE = b"this is not a database\x00\xff" * 40
VNET = "Microsoft.Network/virtualNetworks"


def _foreign_sqlite() -> bytes:
    """Another application's SQLite database (a table of its own, no marker)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    return conn.serialize()


FOREIGN_SQLITE = _foreign_sqlite()

CASES: tuple[BadInput, ...] = (
    BadInput("unknown-environment", "--env prd", ("--dry-run", "--env", "prd", *STATE),
             "unknown environment 'prd'", "valid environments are"),
    BadInput("unknown-environment-variable", "RECONCILER_ENV=prd", ("--dry-run", *STATE),
             "unknown environment 'prd'", "valid environments are", env=(("RECONCILER_ENV", "prd"),)),
    BadInput("malformed-dotenv", ".env line without '='", DRY, ".env: line 2", "fix or remove that line",
             files=((".env", b"A=1\n=hunter2-secret\n"),)),
    BadInput("dotenv-unclosed-quote", ".env with an unclosed quote", DRY, ".env: line 1", "close every quote",
             files=((".env", b"THIRDPARTY_API_KEY='hunter2\n"),)),
    BadInput("dotenv-not-utf8", ".env in a legacy encoding", DRY, ".env", "save it as UTF-8",
             files=((".env", b"THIRDPARTY_API_KEY=caf\xe9\n"),)),
    # With the deployment values every environment needs against a subscription (issue 28), so
    # that what is missing is the credentials.
    BadInput("missing-azure-credentials", "AZURE_SUBSCRIPTION_ID without credentials",
             ("--dry-run", "--env", "dev"), "no Azure credentials", "AZURE_CLIENT_SECRET",
             env=(("AZURE_SUBSCRIPTION_ID", SUB), *DEPLOY_VALUES)),
    BadInput("partial-service-principal", "ARM_CLIENT_ID without the secret and tenant",
             ("--dry-run", "--env", "dev"), "no Azure credentials", "AZURE_TENANT_ID",
             env=(("ARM_SUBSCRIPTION_ID", SUB), ("ARM_CLIENT_ID", "abc"), *DEPLOY_VALUES)),
    # Random bytes may be anyone's file: refused and left as they are, never "reset" (issue 18).
    BadInput("corrupted-emulator-state", "state file of random bytes", DRY, "state.db is unusable",
             "left unchanged", files=(("state.db", GARBAGE),)),
    BadInput("unreadable-emulator-state", "state path is a directory", DRY, "state.db is unusable",
             "left unchanged", files=(("state.db/keep", b""),)),
    BadInput("compare-malformed-type", "reconcile compare --type routeTables (no namespace)",
             ("compare", "--type", "routeTables", "d.json", "l.json"), "--type 'routeTables'",
             "pass Namespace/type", files=(("d.json", b"{}"), ("l.json", b"{}"))),
    BadInput("compare-invalid-json", "desired body is not JSON", ("compare", "--type", VNET, "d.json", "l.json"),
             "d.json is not valid JSON", "fix the desired body", files=(("d.json", b"{"), ("l.json", b"{}"))),
    BadInput("compare-json-not-object", "live body is a JSON list", ("compare", "--type", VNET, "d.json", "l.json"),
             "l.json holds a JSON list", "fix the live body", files=(("d.json", b"{}"), ("l.json", b"[]"))),
    BadInput("compare-missing-file", "desired body file missing", ("compare", "--type", VNET, "d.json", "l.json"),
             "d.json", "pass a readable JSON file", files=(("l.json", b"{}"),)),
    BadInput("dry-run-and-yes", "--dry-run with --yes", ("--dry-run", "--yes", "--env", "dev", *STATE),
             "--dry-run and --yes conflict", "drop one of them"),
    BadInput("state-and-url", "--emulator-state with --emulator-url",
             ("--dry-run", "--env", "dev", *STATE, "--emulator-url", "http://127.0.0.1:9"),
             "--emulator-state and --emulator-url conflict", "choose"),
    BadInput("apply-without-confirmation", "apply with no --yes and no terminal", ("--env", "dev", *STATE),
             "refusing to apply without confirmation", "pass --yes"),
    BadInput("parallelism-zero", "--parallelism 0", (*DRY, "--parallelism", "0"), "--parallelism 0",
             "at least 1"),
    BadInput("parallelism-not-number", "--parallelism many", (*DRY, "--parallelism", "many"), "--parallelism",
             "--help"),
    BadInput("unknown-option", "--frobnicate", (*DRY, "--frobnicate"), "--frobnicate", "--help"),
    BadInput("bad-output-format", "--output xml", (*DRY, "--output", "xml"), "--output", "--help"),
    BadInput("bad-log-level", "--log-level chatty", (*DRY, "--log-level", "chatty"), "--log-level 'chatty'",
             "use DEBUG"),
    BadInput("bad-emulator-url", "--emulator-url ftp://...", ("--dry-run", "--env", "dev", "--emulator-url",
             "ftp://127.0.0.1"), "--emulator-url", "use e.g. http://127.0.0.1"),
    BadInput("adopt-unknown-address", "--adopt of an address that does not exist", (*DRY, "--adopt", "no.such"),
             "--adopt no.such", "reconcile show"),
    BadInput("target-unknown-address", "--target-resource that does not exist",
             (*DRY, "--target-resource", "no.such"), "--target-resource no.such", "reconcile show"),
    BadInput("fault-variable-not-number", "RECONCILER_EMULATOR_ERROR_RATE=often", DRY,
             "RECONCILER_EMULATOR_ERROR_RATE", "set it like", env=(("RECONCILER_EMULATOR_ERROR_RATE", "often"),)),
    BadInput("interval-zero", "reconcile run --interval 0", ("run", "--once", "--interval", "0", *STATE),
             "--interval '0'", "greater than zero"),
    BadInput("interval-not-duration", "reconcile run --interval soon",
             ("run", "--once", "--interval", "soon", *STATE), "--interval 'soon'", "use e.g. 30s"),
    BadInput("jitter-out-of-range", "reconcile run --jitter 1.5", ("run", "--once", "--jitter", "1.5", *STATE),
             "--jitter 1.5", "below 1"),
    BadInput("serve-port-out-of-range", "reconcile emulator serve --port 70000",
             ("emulator", "serve", "--port", "70000", "--state", "state.db"), "--port 70000", "use 0-65535"),
    # Hardening (issue 18): foreign files, and inputs that failed with bare Python errors.
    BadInput("state-is-a-text-file", "--emulator-state notes.txt (a text file)",
             ("--dry-run", "--env", "dev", "--emulator-state", "notes.txt"), "notes.txt is unusable (is not an "
             "emulator state file", "left unchanged", files=(("notes.txt", b"my notes\n"),)),
    BadInput("state-is-another-apps-sqlite", "--emulator-state of another application's SQLite database",
             ("--dry-run", "--env", "dev", "--emulator-state", "app.db"), "app.db is unusable",
             "left unchanged", files=(("app.db", FOREIGN_SQLITE),)),
    BadInput("reset-a-text-file", "reconcile emulator reset --state notes.txt",
             ("emulator", "reset", "--state", "notes.txt"), "notes.txt is unusable (is not an emulator state file",
             "left unchanged", files=(("notes.txt", b"my notes\n"),)),
    BadInput("empty-emulator-state", "--emulator-state ''", ("--dry-run", "--env", "dev", "--emulator-state", ""),
             "--emulator-state ''", "pass a state file"),
    BadInput("emulator-url-port-out-of-range", "--emulator-url http://127.0.0.1:99999",
             ("--dry-run", "--env", "dev", "--emulator-url", "http://127.0.0.1:99999"), "--emulator-url",
             "use e.g. http://127.0.0.1:8443"),
    BadInput("health-port-variable-not-number", "RECONCILER_HEALTH_PORT=abc", ("run", "--once", *STATE),
             "RECONCILER_HEALTH_PORT 'abc'", "use 0-65535", env=(("RECONCILER_HEALTH_PORT", "abc"),)),
    BadInput("health-port-out-of-range", "reconcile run --health-port 70000",
             ("run", "--once", "--health-port", "70000", *STATE), "--health-port '70000'", "use 0-65535"),
    BadInput("seed-not-a-number", "RECONCILER_EMULATOR_SEED=NaN", DRY, "RECONCILER_EMULATOR_SEED='NaN'",
             "set it like 42", env=(("RECONCILER_EMULATOR_SEED", "NaN"),)),
    BadInput("rate-infinite", "RECONCILER_EMULATOR_DROP_RATE=inf", DRY, "RECONCILER_EMULATOR_DROP_RATE='inf'",
             "set it like 0.1", env=(("RECONCILER_EMULATOR_DROP_RATE", "inf"),)),
    BadInput("interval-overflow", "reconcile run --interval 9999999999999h",
             ("run", "--once", "--interval", "9999999999999h", *STATE), "--interval '9999999999999h'", "at most"),
    BadInput("compare-deep-json", "100 000-deep JSON to compare", ("compare", "--type", VNET, "d.json", "l.json"),
             "d.json nests deeper than", "fix the desired body",
             files=(("d.json", b"[" * 100_000 + b"]" * 100_000), ("l.json", b"{}"))),
    BadInput("compare-nan", "NaN in a body given to compare", ("compare", "--type", VNET, "d.json", "l.json"),
             "l.json holds NaN", "fix the live body", files=(("d.json", b"{}"), ("l.json", b'{"a": NaN}'))),
    # The clients' variables are checked where every command opens its target (h30): before, a bad
    # RECONCILER_MAX_PAGES was each listing's error mid-plan, and a bad budget created the state first.
    BadInput("max-pages-variable-not-number", "RECONCILER_MAX_PAGES=-1", DRY, "RECONCILER_MAX_PAGES='-1'",
             "set it like 1000", env=(("RECONCILER_MAX_PAGES", "-1"),)),
    BadInput("budget-variable-show-live", "RECONCILER_RUN_BUDGET=soon with show ADDRESS --live",
             ("show", "core.resource_group", "--live", *STATE), "RECONCILER_RUN_BUDGET='soon'",
             "set it like 30s", env=(("RECONCILER_RUN_BUDGET", "soon"),)),
    BadInput("history-since-overflow", "reconcile history ADDRESS --since 99999999999d",
             ("history", "core.resource_group", "--since", "99999999999d", *STATE), "--since '99999999999d'",
             "use e.g. 30m"),
    # `reconcile import` checks its options' form before the target opens (h30): a group name with
    # `..` created the emulator state first; a --generic that is no ARM type was silently ignored.
    BadInput("import-group-traversal", "reconcile import -g ../x", ("import", "-g", "../x", "--out", "x.py", *STATE),
             "--resource-group '../x'", "give a name or /subscriptions/ID/resourceGroups/NAME"),
    BadInput("import-generic-not-a-type", "reconcile import --generic nonsense",
             ("import", "-g", "rg-x", "--out", "x.py", "--generic", "nonsense", *STATE), "--generic 'nonsense'",
             "pass Namespace/type"),
    BadInput("lease-duration-negative", "reconcile run --lease-duration -5 (h30: a lease always expired)",
             ("run", "--once", "--health-port", "-1", "--lease-duration", "-5", *STATE), "--lease-duration -5",
             "15 to 60 seconds"),
    BadInput("invalid-cidr", "VNet CIDR 10.2.0.0/33", PROD, "vnet_cidr",
             "write it like 10.0.1.0/24", patch="invalid-cidr"),
    BadInput("cidr-host-bits", "VNet CIDR 10.2.0.1/16 (host bits set)", PROD, "vnet_cidr",
             "host bits zero", patch="host-bits-cidr"),
    BadInput("overlapping-subnets", "app subnet equal to the gateway subnet", PROD,
             "subnets.app", "give each subnet its own range", patch="overlapping-subnets"),
    BadInput("subnet-outside-vnet", "data subnet 192.168.7.0/24", PROD, "subnets.data",
             "pick a range inside it", patch="subnet-outside-vnet"),
    BadInput("name-breaks-azure-rules", "DNS zone name Prod_Zone!example", PROD,
             "Prod_Zone!example", "lowercase DNS labels", patch="name-breaks-azure-rules"),
    BadInput("policy-violation", "private endpoints off in prod", PROD,
             "enable_private_endpoints", "private endpoints are on in prod", patch="policy-violation"),
    BadInput("setting-out-of-range", "Key Vault soft-delete retention of 3 days", PROD,
             "soft_delete_retention_days", "greater than or equal to 7", patch="setting-out-of-range"),
)


@dataclass
class Outcome:
    """What the CLI did with one bad input."""

    case: BadInput
    code: int
    stderr_lines: list[str]
    stdout: str
    written: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        return self.stderr_lines[0] if self.stderr_lines else ""

    def problems(self) -> list[str]:
        """Every way this answer falls short (empty: ok)."""
        found = []
        if self.code != EXIT_BAD_INPUT:
            found.append(f"exit code {self.code}, not {EXIT_BAD_INPUT}")
        if len(self.stderr_lines) != 1:
            found.append(f"{len(self.stderr_lines)} stderr lines: {self.stderr_lines[:3]}")
        if not self.line.startswith(PREFIX):
            found.append(f"line does not start with {PREFIX!r}: {self.line!r}")
        if "Traceback" in "\n".join(self.stderr_lines) + self.stdout:
            found.append("traceback shown")
        for label, needle in (("what is wrong", self.case.names), ("the fix", self.case.fix)):
            if needle not in self.line:
                found.append(f"line does not name {label} ({needle!r}): {self.line!r}")
        if self.written:
            found.append(f"wrote {self.written}")
        return found


def _tree(directory: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        rel = str(path.relative_to(directory))
        out[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def clean_environment(home: Path, extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """No AZURE_*/ARM_*/RECONCILER_* from the caller; no `az` on PATH."""
    return {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
        **dict(extra),
    }


def run_bad_input(case: BadInput, workdir: Path) -> Outcome:
    """Run one case in `workdir` (created) and report what happened."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name, content in case.files:
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    before = _tree(workdir)
    module = ["-m", "tests.reliability.patched_cli", case.patch] if case.patch else ["-m", "reconciler.cli"]
    proc = subprocess.run(
        [sys.executable, *module, *case.argv],
        cwd=workdir,
        env=clean_environment(workdir, case.env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    after = _tree(workdir)
    written = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    return Outcome(case, proc.returncode, lines, proc.stdout, written)
