#!/usr/bin/env bash
# Prints a Clerk-shaped session token for a demo user, signed with the local development key
# (scripts/local-identity.sh, made by run.sh), for the credit endpoints and /docs:
#   bash scripts/token.sh USER [--admin] [--minutes N]
#   curl -H "Authorization: Bearer $(bash scripts/token.sh user_demo_ayu)" http://127.0.0.1:8080/api/credits/balance
# The same shape Clerk issues: RS256 with a kid; iss, sub, sid, azp; iat, nbf, exp as numbers;
# --admin adds metadata.role = "admin" (a session-token claim from the user's public metadata;
# an organization role alone never makes an admin). Valid N minutes (default 60; Clerk's own
# last 60 seconds and are refreshed by its SDK). Needs only bash and openssl; no network.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BILLING_LOCAL_CLERK_DIR:-$repo/.local/clerk}"

usage() { echo "usage: bash scripts/token.sh USER [--admin] [--minutes N]" >&2; exit 2; }
user=""; admin=0; minutes=60
while [ $# -gt 0 ]; do
  case "$1" in
    --admin) admin=1 ;;
    --minutes) [ $# -ge 2 ] || usage; minutes="$2"; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$user" ] || usage; user="$1" ;;
  esac
  shift
done
[ -n "$user" ] || usage
# Clerk user ids look like user_2abc...; anything else would need JSON escaping, so refuse it.
[[ "$user" =~ ^[A-Za-z0-9_-]{1,100}$ ]] || { echo "token: USER must be letters, digits, _ or - (e.g. user_demo_ayu)" >&2; exit 2; }
[[ "$minutes" =~ ^[0-9]{1,5}$ ]] && [ "$minutes" -ge 1 ] || { echo "token: --minutes must be a whole number from 1 to 99999" >&2; exit 2; }

bash "$repo/scripts/local-identity.sh"   # makes the key on first use; quiet afterwards
# shellcheck disable=SC1091
. "$dir/clerk.env"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now="$(date +%s)"   # real time, as Clerk's: token lifetimes never follow the test clock
sid="sess_local_$(openssl rand -hex 12)"
role=""
[ "$admin" = 1 ] && role=',"metadata":{"role":"admin"}'
header="{\"alg\":\"RS256\",\"kid\":\"$LOCAL_CLERK_KID\",\"typ\":\"JWT\"}"
payload="{\"azp\":\"$CLERK_AUTHORIZED_PARTIES\",\"exp\":$((now + minutes * 60)),\"iat\":$now,\"iss\":\"$CLERK_ISSUER\",\"nbf\":$((now - 10)),\"sid\":\"$sid\",\"sub\":\"$user\",\"v\":2$role}"
input="$(printf '%s' "$header" | b64url).$(printf '%s' "$payload" | b64url)"
signature="$(printf '%s' "$input" | openssl dgst -sha256 -sign "$dir/local-signing-key.pem" -binary | b64url)"
echo "$input.$signature"
