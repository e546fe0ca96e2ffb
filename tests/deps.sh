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
	# make check-release: cross gcc, qemu-user, the .deb's tools
	for t in aarch64-linux-gnu arm-linux-gnueabihf arm-linux-gnueabi i686-linux-gnu \
		powerpc64le-linux-gnu s390x-linux-gnu riscv64-linux-gnu; do
		command -v "$t-gcc" >/dev/null 2>&1 || want "gcc-$t"
	done
	command -v qemu-aarch64-static >/dev/null 2>&1 || want qemu-user-static
	command -v dpkg-buildpackage >/dev/null 2>&1 || want dpkg-dev
	command -v dh >/dev/null 2>&1 || want debhelper
	command -v lintian >/dev/null 2>&1 || want lintian
	# tests/daemons.t: real daemons behind --pidfile, in a private netns
	command -v ip >/dev/null 2>&1 || want iproute2
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || want postgresql
	command -v redis-server >/dev/null 2>&1 || want redis-server
	command -v apache2ctl >/dev/null 2>&1 || want apache2
	# tests/wait.t: lo in its network namespace, its DNS responder
	command -v python3 >/dev/null 2>&1 || want python3
	# tests/stopsig.t: a process entered with nsenter, as docker exec does
	command -v nsenter >/dev/null 2>&1 || want util-linux
	# the engine tests (tests/engines/*.t, make check-engines); tini-static
	# is bench/engines' peer (python3, above, edits runc's config.json)
	command -v dockerd >/dev/null 2>&1 || want docker.io
	command -v containerd >/dev/null 2>&1 || want containerd
	command -v runc >/dev/null 2>&1 || want runc
	command -v podman >/dev/null 2>&1 || want podman
	[ -d /usr/lib/cni ] || want containernetworking-plugins
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
