#!/usr/bin/env bash
# Installs the real Prometheus and Alertmanager (Debian's packages: Prometheus 2.42,
# Alertmanager 0.25, with promtool and amtool) for the alerting-chain test. Idempotent:
# does nothing when both binaries are already on PATH (Debian names Alertmanager's
# binary prometheus-alertmanager; an upstream install names it alertmanager). Non-interactive, and starts no
# daemons: the packages' maintainer scripts ask invoke-rc.d before starting a service,
# and a policy-rc.d that exits 101 tells them not to (the test starts its own processes).
set -euo pipefail

have_alerting() {
  command -v prometheus >/dev/null 2>&1 &&
    { command -v alertmanager >/dev/null 2>&1 || command -v prometheus-alertmanager >/dev/null 2>&1; }
}
if have_alerting; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-alerting.sh: needs root to apt-get install prometheus prometheus-alertmanager" >&2
  exit 1
fi

# Forbid service starts for the duration of the install, keeping any policy already there.
policy=/usr/sbin/policy-rc.d
placed_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  placed_policy=true
fi
cleanup() { if [ "$placed_policy" = true ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No recommends: they bring node-exporter and friends, which this test does not use.
apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager

have_alerting
