#!/bin/bash
# release/deb.t: the .deb in $DIST installs into an empty dpkg root (a
# chroot-style --root: the system's dpkg database is never touched), its
# /usr/bin/usher is the release binary byte for byte and runs as PID 1 of a
# PID namespace, the man page is there, and a purge leaves nothing behind.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=${DIST:-$ROOT/dist}
T_N=0 T_FAILED=0
ok()     { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
is() {
	if [ "$1" = "$2" ]; then ok "$3"
	else not_ok "$3"; printf '# got:  %s\n# want: %s\n' "$1" "$2"; fi
}
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root for dpkg --root and PID namespaces"; exit 0; }
arch=$(dpkg --print-architecture)
debs=("$DIST"/usher_*_"$arch".deb)
[ -e "${debs[0]}" ] || { echo "1..0 # SKIP no usher_*_$arch.deb in $DIST (make release)"; exit 0; }
deb=${debs[0]}
R=$(mktemp -d)
trap 'rm -rf "$R" "$R.log"' EXIT
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"

dpkg --root="$R" -i "$deb" >"$R.log" 2>&1
is "$?" 0 "dpkg -i $(basename "$deb") into an empty root"
is "$(dpkg --root="$R" -s usher 2>/dev/null | sed -n 's/^Status: //p')" "install ok installed" \
	"... dpkg says installed"
check "/usr/bin/usher is usher-$arch of the release, byte for byte" cmp -s "$R/usr/bin/usher" "$DIST/usher-$arch"
check "usher(8) is installed" test -s "$R/usr/share/man/man8/usher.8.gz"
ver=$(dpkg-deb -f "$deb" Version)
is "$("$R/usr/bin/usher" --version | awk '{ print $2 }')" "$ver" "usher --version agrees with the package version $ver"
# shellcheck disable=SC2016 # the inner shell's $PPID
unshare --pid --fork --mount-proc "$R/usr/bin/usher" -- sh -c 'test $PPID = 1 && exit 9'
is "$?" 9 "the installed usher runs COMMAND as PID 1 of a namespace and passes its exit code"

dpkg --root="$R" -P usher >>"$R.log" 2>&1
is "$?" 0 "dpkg -P usher"
is "$(dpkg --root="$R" -l usher 2>/dev/null | grep -c '^.i')" 0 "... nothing installed any more"
left=$(cd "$R" && find . -mindepth 1 -not -path './var' -not -path './var/lib' -not -path './var/lib/dpkg*')
is "$left" "" "... and no file left outside dpkg's own database"
rm -f "$R.log"
echo "1..$T_N"
[ "$T_FAILED" = 0 ]
