#!/usr/bin/env bash
# Checks the Debian package `make deb` built, as Debian would and as an
# admin installs it: lintian finds no error, systemd accepts the units,
# and the package installs, works, is removed and purged cleanly with
# dpkg in a throwaway Debian root (mmdebstrap, never this machine's own
# dpkg database). Each failed check names itself and the script exits 1.
#
# Usage: tests/package/check.sh PATH/postier_VERSION_ARCH.deb
set -euo pipefail

deb=$(realpath "${1:?usage: tests/package/check.sh PATH/postier_VERSION_ARCH.deb}")
suite=${POSTIER_PACKAGE_SUITE:-bookworm}
for tool in lintian mmdebstrap dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "package check: $tool is missing (tests/services/install.sh installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "package check: needs root (a chroot)" >&2; exit 1; }

work=$(mktemp -d /tmp/postier-package.XXXXXX)
root=$work/root
cleanup() {
  for m in proc dev; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1" >&2; failures=$((failures + 1)); }
# check NAME COMMAND...: the command must succeed.
check() {
  local name=$1
  shift
  if "$@" >"$work/out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/     /' "$work/out" >&2; fi
}
# expect NAME WANTED ACTUAL
expect() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: wanted '$2', got '$3'"; fi
}
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# 1. lintian: no error (warnings and notes are printed, not fatal).
echo "== lintian $deb"
if lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian" 2>&1; then
  pass "lintian: no error"
else
  fail "lintian: errors"
fi
sed 's/^/     /' "$work/lintian"

# 2. What the package holds.
dpkg-deb -c "$deb" >"$work/contents"
for path in ./usr/bin/postier ./etc/postier/postier.toml ./usr/share/man/man1/postier.1.gz \
  ./usr/share/man/man1/postier-mailbox-add.1.gz ./usr/share/bash-completion/completions/postier \
  ./usr/share/zsh/vendor-completions/_postier ./usr/share/fish/vendor_completions.d/postier.fish \
  ./lib/systemd/system/postier-hooks.service ./lib/systemd/system/postier-metrics.service \
  ./lib/systemd/system/postier-metrics.timer ./usr/share/doc/postier/examples/sshd-postier-backup.conf \
  ./usr/share/doc/postier/fr/README.md; do
  if grep -q " $path\$" "$work/contents"; then pass "holds $path"; else fail "holds $path"; fi
done
expect "conffiles" "/etc/postier/postier.toml" "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)"

# 3. A throwaway Debian root to install it into.
echo "== a $suite root (mmdebstrap)"
mmdebstrap --quiet --variant=minbase --include=adduser,systemd,man-db "$suite" "$root" >"$work/mmdebstrap" 2>&1 || {
  cat "$work/mmdebstrap" >&2
  echo "package check: could not make a $suite root with mmdebstrap (is the Debian archive reachable?)" >&2
  exit 1
}
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp "$deb" "$root/tmp/postier.deb"

echo "== install"
check "dpkg -i installs it" in_root dpkg -i /tmp/postier.deb
version=$(dpkg-deb -f "$deb" Version)
expect "postier --version" "postier ${version%-*}" "$(in_root postier --version)"
# Owners as the installed system names them (not this machine's names).
expect "config is 0640 root:postier" "640 root:postier" "$(in_root stat -c '%a %U:%G' /etc/postier/postier.toml)"
expect "/var/lib/postier is 2770 root:postier" "2770 root:postier" "$(in_root stat -c '%a %U:%G' /var/lib/postier)"
check "the hooks account exists, in group postier" in_root sh -c 'id -nG postier-hooks | grep -qw postier'
check "the hooks account has no login shell" in_root sh -c 'getent passwd postier-hooks | grep -q ":/usr/sbin/nologin$"'
# It works as shipped: the default directory is created, a domain and a
# mailbox go in and come back.
check "db migrate on the shipped config" in_root postier db migrate
check "domain add" in_root postier domain add exemple.org
check "mailbox add" in_root sh -c 'printf "un mot de passe assez long\n" | postier mailbox add anna@exemple.org --password-stdin'
expect "mailbox list --json" "anna@exemple.org" "$(in_root postier --json mailbox list | grep -o '"address": *"anna@exemple.org"' | grep -o 'anna@exemple.org')"
check "man postier-mailbox-add is there" test -s "$root/usr/share/man/man1/postier-mailbox-add.1.gz"

# 4. systemd accepts the units as installed: run inside the root, where
# the binary of ExecStart= and the man pages of Documentation= are.
echo "== systemd-analyze verify"
for unit in postier-hooks.service postier-metrics.service postier-metrics.timer; do
  if in_root systemd-analyze verify "/lib/systemd/system/$unit" >"$work/verify" 2>&1 &&
    ! grep -v -e '^$' "$work/verify" | grep -q .; then
    pass "systemd-analyze verify $unit"
  else
    fail "systemd-analyze verify $unit"
    sed 's/^/     /' "$work/verify" >&2
  fi
done

# 5. Remove keeps the conffile and the data; purge takes the conffile,
# the account and the group, and still leaves the admins' data.
echo "== remove and purge"
check "dpkg -r removes it" in_root dpkg -r postier
check "the binary is gone" test ! -e "$root/usr/bin/postier"
check "the conffile stays after remove" test -e "$root/etc/postier/postier.toml"
check "dpkg --purge purges it" in_root dpkg --purge postier
check "the conffile is gone after purge" test ! -e "$root/etc/postier"
check "the hooks account is gone" in_root sh -c '! getent passwd postier-hooks'
check "the group is gone" in_root sh -c '! getent group postier'
check "the directory's data stays" test -s "$root/var/lib/postier/directory.db"
expect "dpkg knows nothing of it" "" "$(in_root dpkg-query -W -f='${Status}' postier 2>/dev/null || true)"

if [ "$failures" -ne 0 ]; then
  echo "package check: $failures check(s) failed" >&2
  exit 1
fi
echo "package check: all passed"
