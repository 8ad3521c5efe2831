#!/usr/bin/env bash
# Installs the Debian 12 packages QueueDesk needs to build, run and test. Safe to run again: apt-get skips
# what is already there. Uses sudo when not root.
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-charts-dev qt6-svg-dev
  libqt6sql6-sqlite libqt6sql6-psql libqt6sql6-mysql libsqlite3-dev sqlite3 zlib1g-dev libpq-dev
  postgresql-15 mariadb-server libmariadb-dev
  librabbitmq-dev rabbitmq-server
  libsodium-dev libssl-dev openssl qtkeychain-qt6-dev gnome-keyring dbus-daemon
  qt6-image-formats-plugins libxkbcommon-dev libgl-dev
  xvfb xauth fonts-dejavu-core e2fsprogs
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
