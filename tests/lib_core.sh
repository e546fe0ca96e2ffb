# tests/lib_core.sh: shell helpers for the core integration tests
# (core.t, errors.t, signals.t, reap.t, tty.t). Source after tests/lib.sh.
# shellcheck shell=bash disable=SC2034
# (SC2034: the variables set here are read by the sourcing tests.)
#
# usher runs in one of two modes:
#   ns   PID 1 of a fresh PID namespace (unshare --pid --fork --mount-proc)
#   sub  a plain child of the test, where it must make itself a subreaper
# Background starts go through `env --default-signal`: a non-interactive
# shell starts background jobs with SIGINT and SIGQUIT ignored, and usher
# hands its starting dispositions on to its child, which would hide INT and
# QUIT from the tests.

# Seconds to wait for something that must happen. Generous: the second pass
# of `make check` runs an ASan build on a possibly loaded 2-core machine.
WAIT=${CORE_WAIT:-10}

# alive PID: PID exists and is not a zombie.
alive() {
	local st
	st=$(sed 's/.*) //' /proc/"$1"/stat 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# status_field PID FIELD: a value from /proc/PID/status ("PPid", "SigBlk").
status_field() { awk -v f="$2:" '$1 == f { print $2 }' /proc/"$1"/status 2>/dev/null; }

# starttime PID: when PID started (clock ticks since boot); with the PID it
# names one process for good, even after the PID is reused.
starttime() { sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | cut -d' ' -f20; }

# Every usher started, as "pid:starttime", for the exit cleanup.
CORE_STARTED=
# core_track PID: kill PID's tree at exit if that very process still runs.
core_track() { CORE_STARTED="$CORE_STARTED $1:$(starttime "$1")"; }

# usher_bg MODE [USHER-ARGS]...: start usher in the background in MODE (ns
# or sub). Redirections on the call apply to usher. Sets U_WRAP (what to
# wait for: unshare in ns mode) and U_PID (usher's PID as seen from here).
# Status 1, with a diagnostic, when usher does not show up.
usher_bg() {
	local mode=$1; shift
	U_PID=
	case $mode in
	ns)
		env --default-signal unshare --pid --fork --mount-proc "$USHER" "$@" &
		U_WRAP=$!
		# unshare's only child is the namespace's PID 1: usher.
		wait_for "$WAIT" _usher_forked || { diag "usher did not start in a namespace"; return 1; }
		;;
	sub)
		env --default-signal "$USHER" "$@" &
		U_WRAP=$! U_PID=$!
		;;
	*) echo "usher_bg: bad mode '$mode'" >&2; exit 2 ;;
	esac
	core_track "$U_PID"
}
_usher_forked() { U_PID=$(children_of "$U_WRAP"); [ -n "$U_PID" ]; }

# usher_child [COMM]: wait for usher's (first) child, whose comm is COMM
# when given (so it has exec'd), and set U_CHILD to its PID.
usher_child() {
	U_CHILD=
	wait_for "$WAIT" _usher_child_is "${1-}" || { diag "no child of usher${1:+ named $1}"; return 1; }
}
_usher_child_is() {
	local c
	for c in $(children_of "$U_PID"); do
		if [ -z "$1" ] || [ "$(cat /proc/"$c"/comm 2>/dev/null)" = "$1" ]; then
			U_CHILD=$c
			return 0
		fi
	done
	return 1
}

# usher_wait [SECONDS]: wait for the usher started last to exit and set
# U_STATUS to its exit status (as the shell reports it: 128+N for a
# signal). After SECONDS (default WAIT) kill it, set U_STATUS=timeout and
# return 1.
usher_wait() {
	if ! wait_for "${1:-$WAIT}" _gone "$U_WRAP"; then
		diag "usher (pid $U_PID) did not exit in time; killing it"
		kill_tree "$U_PID"
		wait "$U_WRAP" 2>/dev/null
		U_STATUS=timeout
		return 1
	fi
	wait "$U_WRAP"
	U_STATUS=$?
}
_gone() { ! alive "$1"; }

# kill_tree PID: SIGKILL PID and every descendant, children first so none
# is orphaned on the way. Only ever called on processes a test started.
kill_tree() {
	local c
	for c in $(children_of "$1"); do kill_tree "$c"; done
	kill -KILL "$1" 2>/dev/null
}

# Kill whatever a failed test left running (an usher in ns mode takes its
# whole namespace with it), then run the cleanup tests/lib.sh installed.
eval "set -- $(trap -p EXIT)"
CORE_PREV_TRAP=${3-}
core_cleanup() {
	local e
	for e in $CORE_STARTED; do
		alive "${e%%:*}" && [ "$(starttime "${e%%:*}")" = "${e#*:}" ] &&
			kill_tree "${e%%:*}"
	done
	eval "$CORE_PREV_TRAP"
}
trap core_cleanup EXIT
set --

# send SIG: send SIG (name or number) to the usher started last.
send() { kill -s "$1" "$U_PID"; }

# Signal recorder (tests/helpers/sigrec) files.
rec_ready() { wait_for "$WAIT" test -e "$1.ready"; }
rec_has()   { [ -e "$1" ] && grep -qx -- "$2" "$1"; }
# shellcheck disable=SC2046,SC2005
rec_all()   { [ -e "$1" ] && echo $(cat "$1"); }

# signum NAME: number of a signal name as Linux/glibc number it (RTMIN 34).
signum() {
	case $1 in
	RTMIN) echo 34 ;;
	RTMIN+*) echo $((34 + ${1#RTMIN+})) ;;
	RTMAX) echo 64 ;;
	RTMAX-*) echo $((64 - ${1#RTMAX-})) ;;
	*) kill -l "$1" ;;
	esac
}

# Modes every test runs in; CORE_MODES="ns" narrows it when debugging.
MODES=${CORE_MODES:-ns sub}

# run_usher MODE [USHER-ARGS]...: run usher in the foreground with stdin
# from /dev/null (a terminal there would be handed to the child); sets
# R_STATUS, R_OUT and R_ERR.
run_usher() {
	local mode=$1; shift
	case $mode in
	ns) env --default-signal unshare --pid --fork --mount-proc "$USHER" "$@" ;;
	sub) env --default-signal "$USHER" "$@" ;;
	esac </dev/null >"$T_TMP/run.out" 2>"$T_TMP/run.err"
	R_STATUS=$?
	R_OUT=$(cat "$T_TMP/run.out")
	R_ERR=$(cat "$T_TMP/run.err")
}

# one_error_line TEXT: TEXT is exactly one line and starts with "usher: ".
one_error_line() {
	[ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" = 1 ] && [ "${1#usher: }" != "$1" ]
}

# only_std_fds PID: PID holds descriptors 0-2 and, besides them, nothing
# but signalfds (how usher may wait for signals).
only_std_fds() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		case ${fd##*/} in 0 | 1 | 2) continue ;; esac
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[signalfd]" ] || return 1
	done
}

# descendant PID COMM: the first descendant of PID whose comm is COMM, as a
# PID valid here (a recorder's own getpid() is its namespace's number).
descendant() {
	local c d
	for c in $(children_of "$1"); do
		if [ "$(cat /proc/"$c"/comm 2>/dev/null)" = "$2" ]; then
			echo "$c"
			return 0
		fi
		d=$(descendant "$c" "$2") && { echo "$d"; return 0; }
	done
	return 1
}
