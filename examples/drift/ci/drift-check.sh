#!/usr/bin/env bash
# Drift check for CI: exits 0 when every VM's CPUs match the program, non-zero (and prints the
# offending rows, e.g. `~ update [diff: ~vcpus]`) when someone changed a VM out of band.
# Needs: the pulumi CLI, the program's npm dependencies (npm ci), a backend (PULUMI_BACKEND_URL
# or pulumi login) and, for a passphrase-encrypted stack, PULUMI_CONFIG_PASSPHRASE.
# STACK defaults to "prod".
#
# --refresh reads every VM first (VmCpu's read returns the live values and a matching input
# baseline), so the preview compares the program with what the VMs really have now. Nothing is
# written: preview never changes the VMs, and --refresh in a preview does not save the state.
set -euo pipefail
cd "$(dirname "$0")/.."
exec pulumi preview --stack "${STACK:-prod}" --refresh --expect-no-changes --diff --non-interactive
