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

T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT
