#!/bin/sh
# Install the built one-folder program on Linux, with its menu entry, icons and metainfo.
#
#   sudo packaging/linux/install.sh             # for every user: /opt/consult, /usr/local/...
#   packaging/linux/install.sh --user           # for you only: ~/.local/opt/consult, ~/.local/...
#   packaging/linux/install.sh --uninstall [--user]
#
# Run it from a checkout after `python packaging/build.py` (it installs dist/consult). DESTDIR
# is honoured, for staging. Uninstalling removes the program only: the clinic's data folder
# (~/.local/share/consult, or CONSULT_DATA_DIR) is never touched.
set -eu

APP_ID=org.consult.Consult
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUNDLE=${BUNDLE:-$ROOT/dist/consult}
DESTDIR=${DESTDIR:-}

scope=system
action=install
for arg in "$@"; do
  case $arg in
    --user) scope=user ;;
    --uninstall) action=uninstall ;;
    *) echo "install.sh: unknown option $arg (use --user and/or --uninstall)" >&2; exit 2 ;;
  esac
done

if [ "$scope" = user ]; then
  prefix=${XDG_DATA_HOME:-$HOME/.local/share}
  share=$DESTDIR$prefix
  appdir=$DESTDIR$HOME/.local/opt/consult
  bindir=$DESTDIR$HOME/.local/bin
else
  share=$DESTDIR/usr/local/share
  appdir=$DESTDIR/opt/consult
  bindir=$DESTDIR/usr/local/bin
fi
sizes="16 32 48 64 128 256"

refresh() {
  if [ -z "$DESTDIR" ]; then
    command -v update-desktop-database >/dev/null 2>&1 && \
      update-desktop-database -q "$share/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && \
      gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
  fi
}

if [ "$action" = uninstall ]; then
  rm -rf "$appdir"
  rm -f "$bindir/consult" "$share/applications/$APP_ID.desktop" \
    "$share/metainfo/$APP_ID.metainfo.xml" "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
  for size in $sizes; do
    rm -f "$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
  done
  refresh
  echo "Removed consult. The clinic's data folder was left as it was."
  exit 0
fi

if [ ! -x "$BUNDLE/consult" ]; then
  echo "install.sh: no built program at $BUNDLE; run python packaging/build.py first" >&2
  exit 1
fi

# The program: a fresh copy (an old version's files must not linger), then a link on the PATH.
mkdir -p "$(dirname "$appdir")" "$bindir"
rm -rf "$appdir.new"
cp -a "$BUNDLE" "$appdir.new"
rm -rf "$appdir"
mv "$appdir.new" "$appdir"
ln -sf "${appdir#"$DESTDIR"}/consult" "$bindir/consult"

install -D -m 644 "$HERE/$APP_ID.desktop" "$share/applications/$APP_ID.desktop"
if [ "$scope" = user ]; then
  # ~/.local/bin may not be on the menu's PATH: start the program by its full path.
  sed -i "s|^Exec=consult\$|Exec=${appdir#"$DESTDIR"}/consult|" \
    "$share/applications/$APP_ID.desktop"
fi
install -D -m 644 "$HERE/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
install -D -m 644 "$ROOT/resources/icons/consult.svg" \
  "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in $sizes; do
  install -D -m 644 "$ROOT/resources/icons/consult-$size.png" \
    "$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
refresh
echo "Installed consult in ${appdir#"$DESTDIR"} (command: ${bindir#"$DESTDIR"}/consult)."
