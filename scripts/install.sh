#!/usr/bin/env bash
# `make install` / `make uninstall`: Warden's files where the unit and the README say.
#   PREFIX      (default /usr/local)  bin/warden → lib/warden/releases/VERSION/warden; share/warden/{data,runbooks,prometheus,grafana,examples}
#   SYSCONFDIR  (default /etc)        warden/warden.yml from the example, never over an existing one
#   UNITDIR     (default /etc/systemd/system) warden.service, its paths set to PREFIX and SYSCONFDIR
#   USER_UNIT=1                       a unit for a user manager (systemd --user): no User=/Group= or namespace sandboxing
#   DESTDIR                           staged installs (packaging): every path above under it
#   BINARY      (default .build/release/warden)
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-install}
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-/etc/systemd/system}
BINARY=${BINARY:-.build/release/warden}
DESTDIR=${DESTDIR:-}
USER_UNIT=${USER_UNIT:-0}
share=$DESTDIR$PREFIX/share/warden
releases=$DESTDIR$PREFIX/lib/warden/releases

case "$action" in
install)
  [ -x "$BINARY" ] || { echo "install: no binary at $BINARY (run make release first)" >&2; exit 1; }
  version=$("$BINARY" --version | awk '{print $2}')-$(sha256sum "$BINARY" | cut -c1-12)
  install -d "$releases/$version" "$DESTDIR$PREFIX/bin" "$share" "$DESTDIR$SYSCONFDIR/warden" "$DESTDIR$UNITDIR"
  install -m 0755 "$BINARY" "$releases/$version/warden"
  # The symlink is what `warden deploy` swaps: replaced in one rename, never half-written.
  ln -sfn "$PREFIX/lib/warden/releases/$version/warden" "$DESTDIR$PREFIX/bin/warden.new"
  mv -Tf "$DESTDIR$PREFIX/bin/warden.new" "$DESTDIR$PREFIX/bin/warden"
  for dir in runbooks prometheus grafana examples; do
    rm -rf "${share:?}/$dir"
    cp -R "$dir" "$share/$dir"
  done
  install -d "$share/data"
  install -m 0644 data/*.csv.gz data/README.md data/SOURCES.md "$share/data/"
  if [ -e "$DESTDIR$SYSCONFDIR/warden/warden.yml" ]; then
    echo "install: kept the existing $SYSCONFDIR/warden/warden.yml (the example is in $PREFIX/share/warden/examples)"
  else
    install -m 0640 examples/warden.yml "$DESTDIR$SYSCONFDIR/warden/warden.yml"
  fi
  unit=$DESTDIR$UNITDIR/warden.service
  sed -e "s#^ExecStart=.*#ExecStart=$PREFIX/bin/warden supervise --config $SYSCONFDIR/warden/warden.yml#" \
      systemd/warden.service >"$unit.tmp"
  if [ "$USER_UNIT" = 1 ]; then
    # A user manager cannot switch users or set up mount namespaces; the rest of the unit applies.
    grep -vE '^(User|Group|ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|ProtectKernelTunables|ProtectKernelModules|ProtectKernelLogs|ProtectControlGroups|ProtectClock|ProtectHostname|ProtectProc|DevicePolicy|RemoveIPC)=' \
      "$unit.tmp" | sed 's#^WantedBy=multi-user.target#WantedBy=default.target#' >"$unit"
    rm "$unit.tmp"
  else
    mv "$unit.tmp" "$unit"
    if [ -z "$DESTDIR" ] && [ "$(id -u)" = 0 ] && ! id warden >/dev/null 2>&1; then
      useradd --system --no-create-home --home-dir /var/lib/warden --shell /usr/sbin/nologin warden
    fi
    [ -z "$DESTDIR" ] && [ "$(id -u)" = 0 ] && chgrp warden "$DESTDIR$SYSCONFDIR/warden/warden.yml" 2>/dev/null || true
  fi
  echo "installed warden $version: $PREFIX/bin/warden, $unit"
  ;;
uninstall)
  # Configuration and state (the database, backups) are the operator's: they stay.
  rm -f "$DESTDIR$PREFIX/bin/warden" "$DESTDIR$UNITDIR/warden.service"
  rm -rf "${share:?}" "$DESTDIR$PREFIX/lib/warden"
  echo "uninstalled warden from $PREFIX (kept $SYSCONFDIR/warden and the state directory)"
  ;;
*)
  echo "usage: $0 install|uninstall" >&2
  exit 64
  ;;
esac
