#!/usr/bin/env bash
# Refreshes requirements.lock: the exact versions of every dependency (runtime and test) that the
# tests ran against. The README's set-up, scripts/test.sh, CI and the Dockerfile all install with
# `pip install -c requirements.lock ...`, so a fresh install next month resolves the same set.
# Run it after changing the dependencies in pyproject.toml, then `python -m tools.regen` (the emulator's
# api-versions come from the installed SDKs), then run the tests and commit all of it.
#   scripts/lock.sh            resolve the newest versions that satisfy pyproject.toml
#   scripts/lock.sh --upgrade-package azure-mgmt-network   move one package only
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q "pip-tools>=7.4"
cd "$repo_root"
CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "$tools/venv/bin/pip-compile" -q --strip-extras --extra test --allow-unsafe \
  --no-emit-index-url --no-emit-find-links --output-file requirements.lock "$@" pyproject.toml
echo "requirements.lock: $(grep -c '==' requirements.lock) pinned packages"
