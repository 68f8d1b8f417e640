#!/usr/bin/env bash
# Installs the real services the test suite runs against (idempotent).
# Package scripts must not start anything on default ports: policy-rc.d says no,
# and PostgreSQL must not create its default cluster.
set -euo pipefail

PKGS=(slapd ldap-utils postgresql mariadb-server postfix postfix-ldap postfix-pgsql
      postfix-mysql postfix-sqlite dovecot-core dovecot-imapd dovecot-lmtpd dovecot-ldap
      dovecot-pgsql dovecot-mysql dovecot-sqlite knot knot-dnsutils dnsutils swaks
      borgbackup sqlite3 tmux hyperfine openssl openssh-server socat prometheus
      postfixadmin php-cli php-sqlite3 zsh fish man-db lintian mmdebstrap systemd)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "services: all test packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "services: missing packages (${missing[*]}) and not root: install them or run as root" >&2
    exit 1
  fi
fi

if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
fi
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/postier-test.conf >/dev/null
printf '%s\n' "slapd slapd/no_configuration boolean true" \
  "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections

echo "services: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
${SUDO:+$SUDO -E} apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "services: installed"
