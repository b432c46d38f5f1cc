#!/usr/bin/env bash
# Prints a Clerk-shaped session token for a local admin, signed (RS256) with a local key, for the
# operator console in Development (SPEC §9.5). The service verifies it with the key's public half,
# which scripts/run.sh passes as CLERK_JWT_KEY. Never use this key outside a developer's machine.
#   bash scripts/console-token.sh KEY.pem [USER_ID] [HOURS]
set -euo pipefail
key="$1"; user="${2:-user_local_admin}"; hours="${3:-8}"
role="${CLERK_ADMIN_ROLE:-admin}"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now="$(date -u +%s)"
header="$(printf '{"alg":"RS256","typ":"JWT","kid":"local-console"}' | b64url)"
payload="$(printf '{"sub":"%s","sid":"sess_local_%s","v":2,"iat":%d,"nbf":%d,"exp":%d,"metadata":{"role":"%s"}}' \
  "$user" "$now" "$((now - 10))" "$((now - 10))" "$((now + hours * 3600))" "$role" | b64url)"
signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$key" -binary | b64url)"
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
