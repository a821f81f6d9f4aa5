#!/usr/bin/env bash
# Install the Debian packages vgis needs, when missing (root only; others get a hint).
set -euo pipefail
packages=(postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting fonts-noto-cjk
          chromium chromium-driver gdal-bin poppler-utils libreoffice-writer-nogui)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
