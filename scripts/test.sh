#!/usr/bin/env bash
# The test command: installs what the tests need (idempotent), then runs the
# linters, the type checker and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${RECONCILER_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import reconciler, pytest, responses, hypothesis" 2>/dev/null \
   || [ pyproject.toml -nt "$VENV/.installed" ] || [ requirements.lock -nt "$VENV/.installed" ]; then
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null
  # The tested dependency set: requirements.lock pins every package (scripts/lock.sh refreshes it).
  "$VENV/bin/pip" install -q -c requirements.lock -e '.[test]'
  touch "$VENV/.installed"
fi
if [ -x scripts/install-azurite.sh ]; then
  bash scripts/install-azurite.sh
fi

echo "== ruff"
"$VENV/bin/ruff" check desired_state adapters reconciler emulator local_files tests bench tools
echo "== import layers"
"$VENV/bin/lint-imports"
echo "== mypy"
"$VENV/bin/mypy"
bash scripts/check-dockerfile.sh
echo "== pytest"
# Parallel workers (pytest-xdist). Most of the suite waits rather than computes (subprocesses,
# LRO timers, leases, Azurite), so more workers than the 2 cores of CI pay; `worksteal` lets
# an idle worker take tests queued on a busy one. RECONCILER_TEST_WORKERS=0 runs in this process
# (or pass `-n 0`); every applied estate is built once per worker (tests/estates.py).
"$VENV/bin/python" -m pytest -n "${RECONCILER_TEST_WORKERS:-4}" --dist worksteal "$@"
