#!/bin/bash
# tests/noreaper.t: usher not PID 1 where PR_SET_CHILD_SUBREAPER is refused
# with EPERM (AWS Lambda, tini issue #218; here a seccomp filter installed
# by helpers/noreaper): one warning, then COMMAND runs as usual, gets its
# signals and passes on its status; usher exited 125 before. Each run is
# inside a PID namespace whose init is a shell, so orphans that usher
# cannot adopt are reaped there, not on the host.
. "$(dirname "$0")/lib.sh"
require_root
NR=$HELPERS/noreaper
[ -x "$NR" ] || skip_all "$NR is not built (make $NR)"
NS=(timeout -k 5 30 unshare --pid --fork --kill-child --mount-proc)

"${NS[@]}" sh -c '"$1" "$2" -- sh -c "exit 3"; echo "rc=$?"' sh "$NR" "$USHER" \
	>"$T_TMP/out" 2>"$T_TMP/err"
is "$(cat "$T_TMP/out")" "rc=3" "subreaper refused (EPERM): usher runs COMMAND and exits with its status 3"
is "$(grep -c '' "$T_TMP/err")" 1 "... after one line on stderr"
like "$(cat "$T_TMP/err")" '^usher: not PID 1 and cannot become a subreaper .*: Operation not permitted$' \
	"... a warning saying it cannot become a subreaper, and why"

# TERM still reaches the command and starts the stop sequence
# shellcheck disable=SC2016
"${NS[@]}" sh -c '"$1" "$2" -q -t 5 -- sh -c "trap \"exit 5\" TERM; kill -TERM \$PPID; sleep 3 & wait"
	echo "rc=$?"' sh "$NR" "$USHER" >"$T_TMP/out" 2>"$T_TMP/err"
is "$(cat "$T_TMP/out")" "rc=5" "... signals are forwarded as usual (TERM trapped, exit 5)"

"${NS[@]}" sh -c '"$1" "$2" -v -- true 2>&1 | grep started' sh "$NR" "$USHER" >"$T_TMP/out"
like "$(cat "$T_TMP/out")" '\(usher is no subreaper\)' "-v does not claim usher is a subreaper"

done_testing
