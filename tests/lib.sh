# tests/lib.sh: TAP helpers sourced by every integration test (tests/*.t).
# Each test prints TAP on stdout; diagnostics go to stdout as "# ..." lines.
set -u
: "${USHER:?set USHER to the usher binary (make check does)}"
TESTS=$(cd "$(dirname "$0")" && pwd)
HELPERS=$TESTS/helpers
. "$(dirname "${BASH_SOURCE[0]}")/lib_proc.sh"
T_N=0
T_FAILED=0

ok()     { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }
diag()   { printf '%s\n' "$@" | sed 's/^/# /'; }
skip()   { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
# check DESC CMD...: passes when CMD succeeds
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then ok "$3"
	else not_ok "$3"; diag "got:  '$1'" "want: '$2'"; fi
}
# like GOT REGEX DESC (grep -E)
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok "$3"
	else not_ok "$3"; diag "got:  '$1'" "want match: '$2'"; fi
}
skip_all()     { echo "1..0 # SKIP $*"; exit 0; }
require_root() { [ "$(id -u)" = 0 ] || skip_all "needs root for PID namespaces"; }
done_testing() { echo "1..$T_N"; [ "$T_FAILED" = 0 ]; exit; }

# in_ns CMD...: run CMD as PID 1 of a fresh PID namespace with its own /proc
in_ns() { unshare --pid --fork --mount-proc "$@"; }

# run CMD...: RC, OUT and ERR (stdout, stderr) of CMD
run() {
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}
# one_usher_line DESC: ERR is exactly one line, and it starts "usher: "
one_usher_line() {
	if [ "$(printf '%s' "$ERR" | grep -c '')" = 1 ] && [ "${ERR#usher: }" != "$ERR" ]; then
		ok "$1"
	else not_ok "$1"; diag "stderr: '$ERR'"; fi
}
# nginx_conf DIR MAIN SERVER: DIR/nginx.conf for an nginx a test starts
# itself, every file it writes under DIR (none in /var/lib/nginx or /run):
# MAIN the top-level lines that differ (workers, error_log, daemon), SERVER
# the body of its one server block
nginx_conf() {
	cat >"$1/nginx.conf" <<-EOF
		$2
		pid $1/nginx.pid;
		events { worker_connections 64; }
		http {
			access_log $1/access.log;
			client_body_temp_path $1/body;
			proxy_temp_path $1/proxy;
			fastcgi_temp_path $1/fastcgi;
			uwsgi_temp_path $1/uwsgi;
			scgi_temp_path $1/scgi;
			server { $3 }
		}
	EOF
}
# chroot_usher: STATIC, a static usher to copy into a chroot (the ASan
# pass runs a dynamic glibc build, so then the static ./usher next to it),
# and CHROOT_WHY, empty when STATIC and a static /bin/busybox are there,
# else why no chroot can be built
chroot_usher() {
	local u
	STATIC=
	for u in "$USHER" "$(dirname "$USHER")/usher"; do
		if [ -x "$u" ] && file -L "$u" 2>/dev/null | grep -q 'statically linked'; then
			STATIC=$u
			break
		fi
	done
	CHROOT_WHY=
	if [ -z "$STATIC" ]; then
		CHROOT_WHY="no static usher next to $USHER (run make usher)"
	elif ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
		CHROOT_WHY="no static /bin/busybox (apt-get install busybox-static)"
	fi
}

T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT
