#!/bin/sh
# Install, through apt-get and only when missing, what building (deps.sh
# build) or testing (deps.sh check) usher needs on Debian. Used by
# `make demo`, `make check` and .ci/run, so a fresh machine with only gcc
# and make can run the README's two commands.
set -eu
need=""
want() { need="$need $1"; }
command -v musl-gcc >/dev/null 2>&1 || want musl-tools
command -v unshare >/dev/null 2>&1 || want util-linux
if [ "${1:-build}" = check ]; then
	[ -e /usr/include/cmocka.h ] || want libcmocka-dev
	command -v groff >/dev/null 2>&1 || want groff-base
	command -v prove >/dev/null 2>&1 || want perl
	command -v script >/dev/null 2>&1 || want bsdutils
	command -v ps >/dev/null 2>&1 || want procps
	command -v file >/dev/null 2>&1 || want file
	command -v setpriv >/dev/null 2>&1 || want util-linux
	[ -x /bin/busybox ] || want busybox-static
	command -v gosu >/dev/null 2>&1 || want gosu
	[ -x /usr/sbin/nginx ] || want nginx-light
	command -v curl >/dev/null 2>&1 || want curl
	# the engine tests (tests/engines/*.t, make check-engines); python3
	# edits runc's config.json; tini-static is bench/engines' peer
	command -v dockerd >/dev/null 2>&1 || want docker.io
	command -v containerd >/dev/null 2>&1 || want containerd
	command -v runc >/dev/null 2>&1 || want runc
	command -v podman >/dev/null 2>&1 || want podman
	[ -d /usr/lib/cni ] || want containernetworking-plugins
	command -v python3 >/dev/null 2>&1 || want python3
	[ -x /usr/bin/tini-static ] || want tini
fi
[ -n "$need" ] || exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "installing:$need" >&2
# Keep package scripts from starting nginx as a service on port 80, or a
# system dockerd and containerd: the tests start their own nginx on a free
# port and their own private engines, and leave no daemon behind.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ] && [ -z "$sudo" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >&2
