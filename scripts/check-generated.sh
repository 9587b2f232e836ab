#!/usr/bin/env bash
# Regenerates every generated file and fails when the committed copies differ.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent openapi >/dev/null
stale=$(git status --porcelain -- openapi client/sdk/src/generated)
if [ -n "$stale" ]; then
  echo "Generated files are out of date:"
  echo "$stale"
  git --no-pager diff --stat -- openapi client/sdk/src/generated
  echo "Fix: run 'npm run openapi' and commit the result."
  exit 1
fi

if ! npm run --silent migration:check; then
  echo "The entities differ from the committed migrations."
  echo "Fix: run 'npm run migration:create' and add the new migration to src/migrations/index.ts."
  exit 1
fi
echo "Generated files are up to date."
