#!/usr/bin/env bash
# Starts `orderlab emulate` on a free loopback port and drives it with the AWS CLI (installed
# from PyPI into a private virtualenv when it is not on PATH): DynamoDB, Step Functions,
# EventBridge and SES calls must answer like AWS. The emulator is always stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orderlab-target}"

if ! command -v aws >/dev/null 2>&1 || ! aws --version >/dev/null 2>&1; then
  venv="${TMPDIR:-/tmp}/orderlab-awscli-venv"
  [ -x "$venv/bin/aws" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet awscli; }
  export PATH="$venv/bin:$PATH"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cargo build --quiet --bin orderlab
"$CARGO_TARGET_DIR/debug/orderlab" emulate --port "$port" >"${TMPDIR:-/tmp}/orderlab-emulate.log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null || true' EXIT

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
endpoint="http://127.0.0.1:$port"
awsl() { aws --endpoint-url "$endpoint" --output json "$@"; }

for _ in $(seq 1 100); do
  curl -sf "$endpoint/_orderlab/health" >/dev/null 2>&1 && break
  sleep 0.1
done

check() { # check DESCRIPTION EXPECTED-SUBSTRING COMMAND...
  local what=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1) || true
  if grep -q -- "$want" <<<"$out"; then echo "ok   $what"; passed=$((passed + 1))
  else echo "FAIL $what: wanted '$want' in:"; echo "$out"; failed=$((failed + 1)); fi
}
passed=0 failed=0

check "dynamodb list-tables (empty)" '"TableNames": \[\]' awsl dynamodb list-tables
check "dynamodb create-table" '"TableStatus": "ACTIVE"' awsl dynamodb create-table --table-name cli \
  --attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH \
  --billing-mode PAY_PER_REQUEST
check "dynamodb list-tables" '"cli"' awsl dynamodb list-tables
check "dynamodb put-item" '' awsl dynamodb put-item --table-name cli --item '{"id":{"S":"a"},"n":{"N":"1.50"}}'
check "dynamodb get-item" '"N": "1.5"' awsl dynamodb get-item --table-name cli --key '{"id":{"S":"a"}}'
check "dynamodb conditional failure" 'ConditionalCheckFailedException' awsl dynamodb put-item --table-name cli \
  --item '{"id":{"S":"a"}}' --condition-expression 'attribute_not_exists(id)'
check "dynamodb missing table" 'ResourceNotFoundException' awsl dynamodb describe-table --table-name nope
check "stepfunctions create + start" 'executionArn' bash -c "
  arn=\$(aws --endpoint-url $endpoint stepfunctions create-state-machine --name cli --role-arn arn:aws:iam::000000000000:role/r \
    --definition '{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}' --query stateMachineArn --output text)
  aws --endpoint-url $endpoint stepfunctions start-execution --state-machine-arn \"\$arn\" --input '{\"x\":1}'"
check "events put-rule" 'RuleArn' awsl events put-rule --name cli --event-pattern '{"source":["cli"]}'
check "ses verify + send" 'MessageId' bash -c "
  aws --endpoint-url $endpoint ses verify-email-identity --email-address a@example.com &&
  aws --endpoint-url $endpoint ses send-email --from a@example.com --destination ToAddresses=b@example.com \
    --message 'Subject={Data=hi},Body={Text={Data=hello}}'"
check "ses outbox" '"Subject":"hi"' curl -sf "$endpoint/_aws/ses"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
