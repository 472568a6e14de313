#!/usr/bin/env bash
# API fuzzing: schemathesis (pinned in requirements.txt, in a virtualenv outside the clone)
# against the OpenAPI document a freshly set-up server serves, with a valid bearer token,
# every check (not_a_server_error, response_schema_conformance, negative_data_rejection,
# ignored_auth, ...) and the phases examples, coverage, fuzzing and stateful, bounded by
# SECONDS. Exit status 0 only when schemathesis reports no failure and no error.
#
#   scripts/schemathesis/run.sh [SECONDS]        (default 300; CI runs 240)
#
# The server binary is $INVOICEPILOT_BIN, else the debug build in $CARGO_TARGET_DIR (or
# ./target); it runs on a scratch SQLite database with API_RATE_LIMIT=0, so the fuzzer
# measures the API, not the flood control (which has its own tests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
budget="${1:-300}"
venv="${SCHEMATHESIS_VENV:-$HOME/.cache/invoicepilot-venv}"
bin="${INVOICEPILOT_BIN:-${CARGO_TARGET_DIR:-$here/../../target}/debug/invoicepilot}"
[ -x "$bin" ] || { echo "FATAL: no invoicepilot binary at $bin (cargo build first)" >&2; exit 1; }

if ! "$venv/bin/python" -c 'import schemathesis' 2>/dev/null \
   || [ "$("$venv/bin/schemathesis" --version | awk '{print $NF}')" != "$(sed -n 's/^schemathesis==//p' "$here/requirements.txt")" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi

work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export STORAGE_PATH="$work/storage" API_RATE_LIMIT=0 APP_ENV=testing LOG_LEVEL=warn
unset DATABASE_URL MAIL_HOST SLACK_WEBHOOK_URL
company="$("$bin" company create --name "株式会社スキーマ検査" --registration-number T7120001168421)"
echo "a long enough password" | "$bin" user create --email fuzz@example.com --company "$company" --role owner >/dev/null
token="$("$bin" token create --email fuzz@example.com)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$bin" serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/serve.log" >&2; echo "FATAL: server did not start" >&2; exit 1; }

status=0
cd "$work" # schemathesis keeps a cache folder in the working directory
PYTHONPATH="$here" SCHEMATHESIS_HOOKS=hooks "$venv/bin/schemathesis" \
  --config-file "$here/schemathesis.toml" run "http://127.0.0.1:$port/api/openapi.json" \
  --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $token" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-time "$budget" \
  --workers 2 \
  --seed "${SCHEMATHESIS_SEED:-$RANDOM}" \
  --report junit --report-dir "${SCHEMATHESIS_REPORT_DIR:-$work/report}" || status=$?
if grep -q -E 'panicked|PANIC' "$work/serve.log"; then
  echo "FATAL: the server panicked during the run:" >&2
  grep -E -A5 'panicked|PANIC' "$work/serve.log" | head -40 >&2
  status=1
fi
exit "$status"
