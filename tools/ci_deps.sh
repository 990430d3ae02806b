#!/usr/bin/env bash
# Debian packages the vendored-peer tests need: the Arm toolchain and QEMU for the Cortex-M
# board, 32-bit libc for the 32-bit unix port, cmake for Wakaama, socat for pretend boards.
# Installs only what is missing; needs root (CI runs as root).
set -euo pipefail
pkgs="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc-multilib cmake socat"
missing=""
for p in $pkgs; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "ci_deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q $missing >/dev/null
