#!/usr/bin/env bash
# Installs a Vulkan driver that Dawn (the `webgpu` npm package) accepts on a Debian 12 / Ubuntu
# machine without a GPU driver: Mesa's lavapipe (a CPU Vulkan implementation). Dawn rejects
# Mesa < 24, so on Debian 12 (bookworm) Mesa comes from bookworm-backports.
# Idempotent; needs root. Leaves a machine with another Vulkan driver alone.
set -euo pipefail
mesa_ok() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -Eq '^(2[4-9]|[3-9][0-9])\.'; }
loader_ok() { ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; }
if mesa_ok && loader_ok; then
  echo "install-vulkan: Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) is installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-vulkan: root is needed to install Mesa's Vulkan driver; run: sudo bash runtime/setup/install-vulkan.sh" >&2
  exit 1
fi
. /etc/os-release
export DEBIAN_FRONTEND=noninteractive
if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    > /etc/apt/sources.list.d/bookworm-backports.sources
  apt-get update -qq
  apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
else
  apt-get update -qq
  apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
fi
echo "install-vulkan: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
