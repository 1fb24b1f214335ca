#!/usr/bin/env bash
# Installs Azurite (the Azure Storage emulator, from the npm registry) into .tools/azurite
# of this repository. Idempotent: returns at once when the pinned version is already there.
set -euo pipefail

AZURITE_VERSION="${AZURITE_VERSION:-3.37.0}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$repo_root/.tools/azurite"
bin="$prefix/node_modules/.bin/azurite-blob"

installed_version() {
  node -p "require('$prefix/node_modules/azurite/package.json').version" 2>/dev/null || true
}

if [[ -x "$bin" && "$(installed_version)" == "$AZURITE_VERSION" ]]; then
  echo "$bin"
  exit 0
fi

command -v npm >/dev/null || { echo "npm is required to install Azurite" >&2; exit 1; }
mkdir -p "$prefix"
# .tools/ holds downloaded tools, never committed.
[[ -f "$repo_root/.tools/.gitignore" ]] || printf '*\n' > "$repo_root/.tools/.gitignore"
npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "azurite@$AZURITE_VERSION" >&2
echo "$bin"
