#!/usr/bin/env bash
# Smoke test of a running periogt server (`periogt serve`), or of the Python backend's API.
#
#   scripts/smoke_test.sh <BASE_URL>            e.g. scripts/smoke_test.sh http://127.0.0.1:8000
#
# Needs bash and curl. Environment:
#   PERIOGT_API_KEY          sent as X-Api-Key when set (never printed)
#   PERIOGT_SMOKE_PROPERTY   property to predict (default: the first one GET /v1/properties lists)
#   PERIOGT_SMOKE_WAIT_S     how long to wait for the model to load (503) before failing (default 300)
#   PERIOGT_SMOKE_MAX_TIME_S per-request limit in seconds (default 600)
# Prints one line per check and "N passed, N failed"; exits 1 when a check failed, 2 on bad usage.

set -uo pipefail

if [[ $# -ne 1 || -z "${1}" ]]; then
  echo "usage: $(basename "$0") <BASE_URL>" >&2
  exit 2
fi
if ! command -v curl >/dev/null 2>&1; then
  echo "smoke_test.sh needs curl" >&2
  exit 2
fi

base="${1%/}"
wait_s="${PERIOGT_SMOKE_WAIT_S:-300}"
max_time="${PERIOGT_SMOKE_MAX_TIME_S:-600}"

body="$(mktemp)"
key_header="$(mktemp)"
trap 'rm -f "${body}" "${key_header}"' EXIT

headers=(-H "Accept: application/json")
if [[ -n "${PERIOGT_API_KEY:-}" ]]; then
  # From a private file, not the command line, so other users of a shared node cannot read it in `ps`.
  chmod 600 "${key_header}"
  printf 'X-Api-Key: %s\n' "${PERIOGT_API_KEY}" >"${key_header}"
  headers+=(-H "@${key_header}")
fi

passed=0
failed=0
status=""

# request METHOD PATH [JSON]: sets $status, leaves the response body in $body.
request() {
  local method="$1" path="$2" json="${3:-}"
  local args=(-sS -o "${body}" -w '%{http_code}' --max-time "${max_time}" -X "${method}" "${headers[@]}")
  if [[ -n "${json}" ]]; then
    args+=(-H "Content-Type: application/json" --data-binary "${json}")
  fi
  status="$(curl "${args[@]}" "${base}${path}" 2>&1)" || status="curl failed: ${status}"
}

# check NAME EXPECTED_STATUS METHOD PATH [JSON] [MUST_CONTAIN]
check() {
  local name="$1" expected="$2" method="$3" path="$4" json="${5:-}" needle="${6:-}"
  request "${method}" "${path}" "${json}"
  if [[ "${status}" == "${expected}" ]] && { [[ -z "${needle}" ]] || grep -qF -- "${needle}" "${body}"; }; then
    echo "PASS  ${name} (${status})"
    passed=$((passed + 1))
  else
    echo "FAIL  ${name}: expected ${expected}${needle:+ with ${needle}}, got ${status}"
    head -c 600 "${body}" 2>/dev/null
    echo
    failed=$((failed + 1))
  fi
}

echo "periogt smoke test: ${base}"

check "GET /v1/health" 200 GET /v1/health "" '"model_loaded"'

# The model may still be loading: properties answers 503 until it is ready.
deadline=$((SECONDS + wait_s))
request GET /v1/properties
while [[ "${status}" == "503" && ${SECONDS} -lt ${deadline} ]]; do
  echo "      model loading (503); retrying in 5 s"
  sleep 5
  request GET /v1/properties
done
if [[ "${status}" == "200" ]] && grep -qF '"properties"' "${body}"; then
  echo "PASS  GET /v1/properties (${status})"
  passed=$((passed + 1))
else
  echo "FAIL  GET /v1/properties: expected 200, got ${status}"
  head -c 600 "${body}" 2>/dev/null
  echo
  failed=$((failed + 1))
fi

property="${PERIOGT_SMOKE_PROPERTY:-}"
if [[ -z "${property}" ]]; then
  property="$(grep -o '"id" *: *"[^"]*"' "${body}" 2>/dev/null | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')"
fi
property="${property:-eps}"
echo "      property: ${property}"

check "POST /v1/predict (valid)" 200 POST /v1/predict "{\"smiles\":\"*CC(C)*\",\"property\":\"${property}\"}" '"prediction"'
check "POST /v1/predict (invalid SMILES)" 422 POST /v1/predict "{\"smiles\":\"invalid\",\"property\":\"${property}\"}" '"validation_error"'
check "POST /v1/embeddings" 200 POST /v1/embeddings '{"smiles":"*CC(C)*"}' '"embedding"'
check "POST /v1/predict/batch (2 items)" 200 POST /v1/predict/batch "{\"items\":[{\"smiles\":\"*CC*\",\"property\":\"${property}\"},{\"smiles\":\"*CC(*)C\",\"property\":\"${property}\"}]}" '"results"'

echo "${passed} passed, ${failed} failed"
if [[ ${failed} -gt 0 ]]; then
  exit 1
fi
