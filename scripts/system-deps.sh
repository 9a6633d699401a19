#!/usr/bin/env bash
# Debian packages the project needs beyond Python wheels, installed only when missing:
# dbus-daemon (private bus for the BLE emulator tests), the shared libraries Qt's offscreen
# platform loads, and libxcb-cursor0, without which Qt 6 refuses to start on an X11 desktop.
set -euo pipefail
missing=()
command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus-daemon)
for lib in libEGL.so.1 libfontconfig.so.1 libxkbcommon.so.0 libglib-2.0.so.0 libxcb-cursor.so.0; do
  ldconfig -p | grep -q "$lib" || missing+=("$lib")
done
[ ${#missing[@]} -eq 0 ] && exit 0
declare -A package=(
  [dbus-daemon]=dbus-daemon [libEGL.so.1]=libegl1 [libfontconfig.so.1]=libfontconfig1
  [libxkbcommon.so.0]=libxkbcommon0 [libglib-2.0.so.0]=libglib2.0-0
  [libxcb-cursor.so.0]=libxcb-cursor0
)
debs=()
for item in "${missing[@]}"; do debs+=("${package[$item]}"); done
echo "installing Debian packages: ${debs[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${debs[@]}"
