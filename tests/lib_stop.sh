# shellcheck shell=bash
# tests/lib_stop.sh: the outside test driver for the shutdown and pidfile
# tests (shutdown.t, pidfile.t, nginx.t). Source after tests/lib.sh.
#
# helpers/stopdrv plays the platform: it starts usher, sends the stop signal
# from outside and SIGKILLs usher at the deadline, as `docker stop` does.
# helpers/stoprec plays the processes inside: each appends
# "<CLOCK_MONOTONIC ms> <who> <event>" lines to the scenario's log, so the
# test can tell which process saw what, and when.
#
# A scenario:
#   scenario "name"                       fresh $LOG, $ERR, $READY, $S (prefix),
#                                         R: "${R[@]}" WHO ... runs a recorder
#   play_stop GRACE [DRIVER-OPTS] -- USHER-ARGS...
#                                         usher as PID 1; once $READY exists,
#                                         SIGTERM, SIGKILL GRACE s later
#   play_run LIMIT [DRIVER-OPTS] -- ...   usher as PID 1, no stop signal
#   sub_stop / sub_run                    the same with usher not PID 1: the
#                                         driver is PID 1 of the namespace and
#                                         starts an unrelated recorder beside
#                                         usher, which must survive untouched
# then assertions on DRV_* (see stopdrv.c) and on the log:
#   at WHO REGEX          ms of WHO's first event matching REGEX (or empty)
#   count WHO REGEX       how many of WHO's events match
#   between VAL LO HI DESC, before A B DESC
# A scenario that had a failure dumps its log and usher's stderr as TAP
# diagnostics when the next one starts (and at the end).

STOPREC=$HELPERS/stoprec
STOPDRV=$HELPERS/stopdrv
for h in "$STOPREC" "$STOPDRV"; do
	[ -x "$h" ] || skip_all "$h is not built (make $h)"
done
require_root

S_NUM=0
S_FAILED_BEFORE=0
S=

# scenario NAME: start a new scenario with its own files.
scenario() {
	story_if_failed
	S_NUM=$((S_NUM + 1))
	S=$T_TMP/$S_NUM
	LOG=$S.log ERR=$S.err READY=$S.ready
	# shellcheck disable=SC2034 # used by the .t files
	R=("$STOPREC" "$LOG") # "${R[@]}" WHO [OPTION]...: a recorder as argv
	: >"$LOG"
	: >"$ERR"
	S_NAME=$1
	S_FAILED_BEFORE=$T_FAILED
	unset DRV_CODE DRV_T0 DRV_END DRV_MS DRV_STOPPED DRV_KILLED DRV_LEAKED \
		DRV_UNRELATED DRV_SIGNALS DRV_WAIT_TIMEOUT
}

# story_if_failed: show what happened in a scenario that failed something.
story_if_failed() {
	[ -n "$S" ] && [ "$T_FAILED" != "$S_FAILED_BEFORE" ] || return 0
	diag "--- scenario '$S_NAME' failed; its log (ms relative to t0):"
	diag "$(rel_log)"
	diag "--- usher's stderr:"
	diag "$(cat "$ERR")"
	S_FAILED_BEFORE=$T_FAILED
}

# rel_log: the log sorted by time, with times relative to the driver's t0.
rel_log() {
	sort -n -s -k1,1 "$LOG" | awk -v t0="${DRV_T0:-0}" \
		'{ $1 = sprintf("%+6d", $1 - t0); print }'
}

# rec WHO: the stoprec command line recording as WHO into $LOG, as one
# string (for --stop-hook, which usher splits at blanks).
rec() { echo "$STOPREC $LOG $1"; }

# drive [DRIVER-OPTS] -- USHER-ARGS: run stopdrv and import its result.
drive() {
	local out
	out=$("$STOPDRV" -l "$LOG" -e "$ERR" "$@")
	eval "$out"
	: "${DRV_CODE:=none}"
}

# The driver's options come before "--", usher's command line after it.
# _split ARGS...: D_OPTS (before "--") and U_ARGS (after it).
_split() {
	D_OPTS=() U_ARGS=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do D_OPTS+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	U_ARGS=("$@")
}

# play_stop GRACE [DRIVER-OPTS] -- USHER-ARGS...: docker stop against usher
# as PID 1 of a fresh PID namespace: once $READY exists (and after any
# DRIVER-OPTS actions), SIGTERM, then SIGKILL GRACE seconds later.
play_stop() {
	local grace=$1; shift
	_split "$@"
	drive -n -g "$grace" -a "wait=$READY" "${D_OPTS[@]}" -a stop=TERM \
		-- "${U_ARGS[@]}"
}

# play_run LIMIT [DRIVER-OPTS] -- USHER-ARGS...: usher as PID 1, no stop
# signal; the driver SIGKILLs it after LIMIT seconds if it is still there.
play_run() {
	local limit=$1; shift
	drive -n -T "$limit" "$@"
}

# sub_drive [DRIVER-OPTS] -- USHER-ARGS: stopdrv as PID 1 of a fresh
# namespace (so nothing usher could do reaches the host), usher as its plain
# child, and an unrelated recorder started beside usher, before it.
sub_drive() {
	local out
	out=$(in_ns "$STOPDRV" -l "$LOG" -e "$ERR" \
		-u "$STOPREC $LOG unrelated --ready $S.unrelated" \
		-W "$S.unrelated" "$@")
	eval "$out"
	: "${DRV_CODE:=none}"
}
sub_stop() {
	local grace=$1; shift
	_split "$@"
	sub_drive -g "$grace" -a "wait=$READY" "${D_OPTS[@]}" -a stop=TERM \
		-- "${U_ARGS[@]}"
}
sub_run() {
	local limit=$1; shift
	sub_drive -T "$limit" "$@"
}

# at WHO REGEX: ms of WHO's first event matching REGEX; empty when none.
at() {
	awk -v w="$1" -v re="$2" '$2 == w {
		e = $0; sub(/^[^ ]+ [^ ]+ /, "", e)
		if (e ~ re) { print $1; exit }
	}' "$LOG"
}
# count WHO REGEX: how many of WHO's events match REGEX.
count() {
	awk -v w="$1" -v re="$2" '$2 == w {
		e = $0; sub(/^[^ ]+ [^ ]+ /, "", e)
		if (e ~ re) n++
	} END { print n + 0 }' "$LOG"
}
# field WHO KEY: KEY=value from WHO's start line (pid, ppid, pgid, fd0).
field() {
	awk -v w="$1" -v k="$2" '$2 == w && $3 == "start" {
		for (i = 4; i <= NF; i++)
			if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
	}' "$LOG"
}
# env_of WHO NAME: the value WHO recorded for environment variable NAME.
env_of() {
	awk -v w="$1" -v n="$2" '$2 == w && $3 == "env" && index($4, n "=") == 1 {
		print substr($4, length(n) + 2); exit
	}' "$LOG"
}
# rel MS: MS relative to the driver's t0 (first stop, else usher's start).
rel() { [ -n "$1" ] && echo $(($1 - DRV_T0)); }

# gap A B: B - A in ms, empty unless both are known.
gap() { [ -n "$1" ] && [ -n "$2" ] && echo $(($2 - $1)); }

# between VAL LO HI DESC: LO <= VAL <= HI, integers (ms).
between() {
	if [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; then ok "$4"
	else not_ok "$4"; diag "got: '${1}' ms, want $2..$3 ms"; fi
}
# before A B DESC: A <= B (both ms, both present).
before() {
	if [ -n "$1" ] && [ -n "$2" ] && [ "$1" -le "$2" ]; then ok "$3"
	else not_ok "$3"; diag "want '$1' <= '$2'"; fi
}

# warned PID NAME DESC: usher's stderr has a "usher: " line naming the
# process by PID (as a whole number) and by NAME.
warned() {
	if grep -E "^usher: " "$ERR" | grep -E "(^|[^0-9])$1([^0-9]|$)" |
		grep -q -- "$2"; then ok "$3"
	else not_ok "$3"; diag "no 'usher: ' line naming $1 and $2"; fi
}
# no_kill_warning DESC: usher did not claim to have SIGKILLed anything.
no_kill_warning() {
	if grep -qi kill "$ERR"; then not_ok "$1"; diag "$(grep -i kill "$ERR")"
	else ok "$1"; fi
}

# untouched DESC: (sub_* only) the unrelated process outlived usher, saw no
# signal, and usher left nothing behind for its parent.
untouched() {
	local sigs
	sigs=$(count unrelated '^sig ')
	if [ "$DRV_UNRELATED" = alive ] && [ "$sigs" = 0 ] && [ -z "$DRV_SIGNALS" ]; then
		ok "$1: an unrelated process outside usher survives, unsignalled"
	else
		not_ok "$1: an unrelated process outside usher survives, unsignalled"
		diag "unrelated: $DRV_UNRELATED, signals it saw: $sigs," \
			"signals usher's parent saw: '$DRV_SIGNALS'"
	fi
	is "$DRV_LEAKED" "" "$1: nothing of usher's outlives it (no orphan, no zombie)"
}

trap 'story_if_failed; rm -rf "$T_TMP"' EXIT
