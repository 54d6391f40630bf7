#!/usr/bin/env bash
# Installs Debian's nginx and haproxy for test/proxies when missing (idempotent; needs root and apt-get).
# The packages' own services are kept from starting: the tests run their own instances on loopback ports.
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -eq 0 ]; then
  echo "proxies: nginx and haproxy already installed"
  exit 0
fi
echo "proxies: installing ${missing[*]} with apt-get"
# invoke-rc.d asks policy-rc.d before starting a service; 101 means "not allowed". Ours only if none is there.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=300 -o APT::Get::Assume-Yes=true "$@"; }
apt_get update -qq
apt_get install -qq --no-install-recommends "${missing[@]}" >/dev/null
# Under systemd, deb-systemd-invoke may still have started them: the tests need their ports and no stray daemons.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now "${missing[@]}" >/dev/null 2>&1 || true
fi
echo "proxies: installed $(nginx -v 2>&1 | tr -d '\n'), $(haproxy -v | head -n 1)"
