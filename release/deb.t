#!/bin/bash
# release/deb.t: each .deb in $DIST installs into an empty dpkg root (a
# --root of its own, with the package's architecture added there: the
# system's dpkg database is never touched), its /usr/bin/usher is the
# release binary byte for byte and runs as PID 1 of a PID namespace (under
# qemu-user for a foreign architecture), the man page is there, and a purge
# leaves nothing behind.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=${DIST:-$ROOT/dist}
. "$ROOT/release/arches.sh"
# the integration tests' TAP helpers (ok, is, like, skip, done_testing),
# their temporary directory T_TMP; USHER only satisfies their guard here
USHER=${USHER:-$ROOT/usher}
. "$ROOT/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root for dpkg --root and PID namespaces"; exit 0; }
shopt -s nullglob
debs=("$DIST"/usher_*.deb)
[ ${#debs[@]} -gt 0 ] || { echo "1..0 # SKIP no usher_*.deb in $DIST (make release)"; exit 0; }
host=$(dpkg --print-architecture)
T=$T_TMP

# name_of DEBARCH: the release name (usher-NAME) of a Debian architecture
name_of() {
	local a
	for a in "${RELEASE_ARCHES[@]}" "${EXTRA_ARCHES[@]}"; do
		arch_info "$a" && [ "$A_DEB" = "$1" ] && { echo "$a"; return 0; }
	done
	return 1
}

for deb in "${debs[@]}"; do
	d=$(dpkg-deb -f "$deb" Architecture)
	ver=$(dpkg-deb -f "$deb" Version)
	name=$(name_of "$d") || { not_ok "$(basename "$deb"): unknown architecture $d"; continue; }
	arch_info "$name"
	run=()
	if [ "$d" != "$host" ]; then
		run=("$A_QEMU")
		[ -z "$A_QEMU_CPU" ] || run+=(-cpu "$A_QEMU_CPU")
	fi
	R=$T/root-$d
	mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
	: >"$R/var/lib/dpkg/status"
	[ "$d" = "$host" ] || dpkg --root="$R" --add-architecture "$d"

	dpkg --root="$R" -i "$deb" >"$T/log" 2>&1
	is "$?" 0 "$d: dpkg -i $(basename "$deb") into an empty root"
	is "$(dpkg --root="$R" -s usher 2>/dev/null | sed -n 's/^Status: //p')" "install ok installed" \
		"$d: ... dpkg says installed"
	check "$d: /usr/bin/usher is usher-$name of the release, byte for byte" \
		cmp -s "$R/usr/bin/usher" "$DIST/usher-$name"
	check "$d: usher(8) is installed" test -s "$R/usr/share/man/man8/usher.8.gz"
	is "$("${run[@]}" "$R/usr/bin/usher" --version | awk '{ print $2 }')" "$ver" \
		"$d: usher --version agrees with the package version $ver"
	# shellcheck disable=SC2016 # the inner shell's $PPID
	unshare --pid --fork --mount-proc "${run[@]}" "$R/usr/bin/usher" -- \
		sh -c 'test $PPID = 1 && exit 9'
	is "$?" 9 "$d: the installed usher runs COMMAND as PID 1 of a namespace, passes its exit code"

	dpkg --root="$R" -P usher >>"$T/log" 2>&1
	is "$?" 0 "$d: dpkg -P usher"
	is "$(dpkg --root="$R" -l usher 2>/dev/null | grep -c '^.i')" 0 "$d: ... nothing installed any more"
	left=$(cd "$R" && find . -mindepth 1 -not -path './var' -not -path './var/lib' \
		-not -path './var/lib/dpkg*')
	is "$left" "" "$d: ... and no file left outside dpkg's own database"
done
done_testing
