#!/usr/bin/env bash
# The local development identity: a stand-in for a Clerk instance, so the credit endpoints can
# be called on this machine. Makes once (git-ignored, in .local/clerk/) an RS256 key pair and
# writes .local/clerk/clerk.env, the settings that trust it (sourced by run.sh, read by
# docker compose). scripts/token.sh signs session tokens with the private half.
#
# The key is made with the RSA public exponent 65539, not the 65537 every Clerk key has: the
# service recognises that mark in the key itself and refuses to start with it in any
# environment but Development, so this key can never be trusted by a real deployment.
#   BILLING_LOCAL_CLERK_DIR  where the key lives (default .local/clerk)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BILLING_LOCAL_CLERK_DIR:-$repo/.local/clerk}"
key="$dir/local-signing-key.pem"
pub="$dir/local-public-key.pem"
envfile="$dir/clerk.env"
issuer="https://clerk.local-development.invalid"   # .invalid never resolves: nobody else issues for it
party="http://localhost:3000"                        # the web app's local origin (azp)

if ! command -v openssl >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "local-identity: installing Debian's openssl package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null) >&2
  fi
  command -v openssl >/dev/null || { echo "local-identity: openssl is needed (apt-get install openssl)" >&2; exit 1; }
fi

if [ ! -s "$key" ]; then
  mkdir -p "$dir"
  chmod 700 "$dir"
  (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
     -pkeyopt rsa_keygen_pubexp:65539 -out "$key" 2>/dev/null)
  echo "local-identity: made a local development signing key in ${dir#"$repo"/}" >&2
fi
if [ ! -s "$pub" ] || [ "$key" -nt "$pub" ]; then
  openssl pkey -in "$key" -pubout -out "$pub"
fi
# Clerk puts its instance key's id in every token header; ours is derived from the key.
kid="local-$(openssl pkey -pubin -in "$pub" -outform DER | sha256sum | cut -c1-16)"
{
  echo "# Written by scripts/local-identity.sh: the local development identity (Development only)."
  echo "CLERK_JWT_KEY=\"$(awk 'NF { printf "%s\\n", $0 }' "$pub" | sed 's/\\n$//')\""
  echo "CLERK_ISSUER=\"$issuer\""
  echo "CLERK_AUTHORIZED_PARTIES=\"$party\""
  echo "LOCAL_CLERK_KID=\"$kid\""
} >"$envfile.tmp"
mv "$envfile.tmp" "$envfile"
[ "${1:-}" = "--print-env" ] && echo "$envfile"
exit 0
