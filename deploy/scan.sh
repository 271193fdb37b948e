#!/usr/bin/env bash
# Lint and scan cronbridge's CloudFormation: the template `cronbridge package` exports from
# jobs.yaml, and the CI bootstrap deploy/ci-role.yaml.
#   cfn-lint  from the project venv (a dev dependency; also run by `make test`)
#   checkov   from its OWN venv, because installing it beside cronbridge downgrades boto3
# Exit status is non-zero on any cfn-lint finding or any unsuppressed checkov finding.
# Usage: deploy/scan.sh            env: CATALOGUE=path/jobs.yaml STAGE=prod VENV=.venv
#                                       CHECKOV_VENV=.cronbridge/checkov-venv
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
CHECKOV_VENV=${CHECKOV_VENV:-$ROOT/.cronbridge/checkov-venv}
CATALOGUE=${CATALOGUE:-$ROOT/jobs.yaml}
STAGE=${STAGE:-dev}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== cronbridge package ($CATALOGUE, stage $STAGE)"
"$VENV/bin/cronbridge" package -f "$CATALOGUE" -o "$OUT" --stage "$STAGE"

echo "== cfn-lint (errors, warnings and informational)"
"$VENV/bin/cfn-lint" --include-checks I --regions us-east-1 eu-west-1 -- \
    "$OUT/template.json" "$OUT/code-bucket.json" "$ROOT/deploy/ci-role.yaml"
echo "cfn-lint: no findings"

if [ ! -x "$CHECKOV_VENV/bin/checkov" ]; then
    echo "== installing checkov into $CHECKOV_VENV"
    python3 -m venv "$CHECKOV_VENV"
    "$CHECKOV_VENV/bin/pip" install --quiet checkov
fi
echo "== checkov (suppressions live in each resource's Metadata, with the reason)"
# --skip-download: run offline, without fetching guidelines from the Prisma Cloud API.
"$CHECKOV_VENV/bin/checkov" --framework cloudformation --skip-download --compact --quiet \
    -f "$OUT/template.json" -f "$OUT/code-bucket.json" -f "$ROOT/deploy/ci-role.yaml"
