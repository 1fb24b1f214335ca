#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine: replays its build steps (ENV, WORKDIR, COPY,
# RUN) in a clean virtual environment in a temp dir, then runs the image's command from it:
#   1. `reconcile --help`;
#   2. when the `run` command exists, `reconcile run --env dev --once` against a temp emulator state;
#   3. then the image's default CMD with its runtime ENV, until the HEALTHCHECK command passes,
#      then SIGTERM, expecting exit 0.
# The steps are read from the Dockerfile itself, so they cannot drift apart. Exits non-zero on
# any failure. Needs only PyPI (pip uses the machine's configured index).
# Usage: scripts/check-dockerfile.sh [--keep]   (--keep leaves the temp dir for inspection)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python_bin="${PYTHON:-$(command -v python3.11 || command -v python3)}"
exec "$python_bin" - "$repo_root" "$@" <<'PY'
"""Replays a Dockerfile's build in a venv and smoke-tests the resulting `reconcile` command."""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

repo = Path(sys.argv[1])
keep = "--keep" in sys.argv[2:]
work = Path(tempfile.mkdtemp(prefix="check-dockerfile-"))
venv = work / "venv"
root = work / "root"  # the image's filesystem: Dockerfile absolute paths are mapped under it
# Steps that change the system rather than the Python install (they need root on the host).
SYSTEM_STEPS = ("useradd", "groupadd", "apt-get", "chown")


def say(text: str) -> None:
    print(f"check-dockerfile: {text}", flush=True)


def fail(text: str) -> None:
    say(f"FAILED: {text}")
    sys.exit(1)


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and backslash continuations joined."""
    result, pending = [], ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def in_image(path: str, workdir: Path) -> Path:
    return root / path.lstrip("/") if path.startswith("/") else workdir / path


def mapped(command: str) -> str:
    # Absolute paths of the image live under `root`; /tmp too, so nothing lands in the host's /tmp.
    return re.sub(r"(?<![\w./-])/(src|tmp|app|home)(?=[/\s]|$)", lambda m: f"{root}/{m.group(1)}", command)


def parse_env(arguments: str) -> dict[str, str]:
    return dict(token.split("=", 1) for token in shlex.split(arguments))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: list[str], env: dict[str, str], cwd: Path, what: str, timeout: float = 600) -> None:
    say(f"{what}: {' '.join(args)}")
    done = subprocess.run(args, env=env, cwd=cwd, timeout=timeout)
    if done.returncode != 0:
        fail(f"{what} exited {done.returncode}")


def main() -> None:
    say(f"work dir {work}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # A fresh container's environment: no Azure identity or telemetry settings from this machine.
    foreign = ("AZURE_", "ARM_", "APPLICATIONINSIGHTS_", "RECONCILER_", "VIRTUAL_ENV", "PYTHON")
    env = {k: v for k, v in os.environ.items() if not k.startswith(foreign)}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", VIRTUAL_ENV=str(venv))
    workdir = root
    cmd: list[str] = []
    healthcheck = ""
    saw_from = False
    for keyword, arguments in instructions(repo / "Dockerfile"):
        if keyword == "FROM":
            saw_from = True
            image = arguments.split()[0]
            version = f"{sys.version_info.major}.{sys.version_info.minor}"
            if not image.startswith(f"python:{version}"):
                fail(f"the Dockerfile builds on {image}, this check runs Python {version}")
        elif keyword == "ENV":
            env.update(parse_env(arguments))
        elif keyword == "WORKDIR":
            workdir = in_image(arguments, workdir)
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, destination = shlex.split(arguments)
            if any(s.startswith("--") for s in sources):
                fail(f"COPY options are not replayed: {arguments}")
            target = in_image(destination, workdir)
            for source in sources:
                origin = repo / source
                if origin.is_dir():
                    shutil.copytree(origin, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                else:
                    if destination.endswith("/"):
                        target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target / origin.name if target.is_dir() else target)
        elif keyword == "RUN":
            if any(re.search(rf"(^|[\s;&|]){step}\b", arguments) for step in SYSTEM_STEPS):
                say(f"skipped (system step, image only): RUN {arguments}")
                continue
            (root / "tmp").mkdir(parents=True, exist_ok=True)
            run(["/bin/sh", "-c", mapped(arguments)], env, workdir, "RUN", timeout=1800)
        elif keyword == "CMD":
            cmd = json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
        elif keyword == "HEALTHCHECK":
            healthcheck = arguments.split(" CMD ", 1)[1] if " CMD " in arguments else ""
        elif keyword in ("USER", "EXPOSE", "LABEL", "ARG", "ENTRYPOINT"):
            if keyword == "ENTRYPOINT":
                fail("ENTRYPOINT is not replayed by this check")
        else:
            fail(f"unknown instruction {keyword}")
    if not saw_from or not cmd or not healthcheck:
        fail("the Dockerfile needs FROM, CMD and HEALTHCHECK")

    reconcile = venv / "bin" / cmd[0]
    if not reconcile.exists():
        fail(f"{reconcile} was not installed by the Dockerfile's steps")
    home = workdir
    run([str(reconcile), "--help"], env, home, "installed command")
    usage = subprocess.run([str(reconcile), "--help"], env=env, cwd=home, capture_output=True, text=True).stdout
    # The CLI lists its subcommands in --help; once `run` is among them it must work.
    if not re.search(r"\brun\b", usage):
        say("`reconcile run` does not exist yet: stopping after --help")
        return
    run([str(reconcile), "run", "--help"], env, home, "run command")
    run([str(reconcile), "run", "--env", "dev", "--once", "--emulator-state", str(work / "emulator.db"),
         "--health-port", "-1"], env, home, "one cycle", timeout=600)

    port = free_port()
    runtime = {**env, "RECONCILER_HEALTH_HOST": "127.0.0.1", "RECONCILER_HEALTH_PORT": str(port)}
    say(f"default command with health on port {port}: {' '.join(cmd)}")
    process = subprocess.Popen([str(venv / "bin" / cmd[0]), *cmd[1:]], env=runtime, cwd=home)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                fail(f"the default command exited {process.returncode} before it was healthy")
            probe = subprocess.run(["/bin/sh", "-c", healthcheck], env=runtime, cwd=home,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if probe.returncode == 0:
                say("HEALTHCHECK passed")
                break
            if time.monotonic() > deadline:
                fail("the HEALTHCHECK never passed")
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=300)
        if code != 0:
            fail(f"SIGTERM: the default command exited {code}, not 0")
        say("SIGTERM: exited 0")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


try:
    main()
    say("OK")
finally:
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
PY
