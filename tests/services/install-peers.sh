#!/usr/bin/env bash
# Installs the peers the benchmarks time postier against, where they come
# from the package registries (idempotent; `make bench` runs it):
# Modoboa (PyPI, pinned) in a virtualenv under ~/.cache/postier/peers,
# with what it needs from Debian (librrd-dev to build rrdtool-bindings,
# redis-server, which every Modoboa instance talks to). PostfixAdmin comes
# from Debian through tests/services/install.sh.
set -euo pipefail

MODOBOA_VERSION=2.12.0
peers=${POSTIER_PEERS_DIR:-$HOME/.cache/postier/peers}
venv=$peers/modoboa-$MODOBOA_VERSION

PKGS=(librrd-dev pkg-config redis-server python3-venv)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "peers: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # redis-server's package must not start a server on the default port.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
  fi
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  ${SUDO:+$SUDO -E} apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/modoboa-admin.py" ]; then
  echo "peers: installing Modoboa $MODOBOA_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "modoboa==$MODOBOA_VERSION"
fi
echo "peers: Modoboa $MODOBOA_VERSION in $venv"
