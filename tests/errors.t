#!/bin/bash
# usher's own failures: 125 for bad usage or values (options and USHER_*
# variables), 126 for a command that exists but cannot be executed, 127 for
# one that does not exist. Each prints exactly one "usher: " line on stderr,
# nothing on stdout, and starts nothing. Valid spellings of the same values
# are accepted, so rejecting everything cannot pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_core.sh"
require_root

MARK=$T_TMP/started
mkdir "$T_TMP/dir"
printf '#!/bin/sh\nexit 0\n' >"$T_TMP/noexec"
chmod 0644 "$T_TMP/noexec"

# fails MODE WANT DESC [ENV=VALUE]... -- [USHER-ARGS]...
# The command, when there is one, would create $MARK if it were started.
fails() {
	local mode=$1 want=$2 desc=$3 vars=() bad=
	shift 3
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	rm -f "$MARK"
	if [ ${#vars[@]} -gt 0 ]; then
		export "${vars[@]}"
	fi
	run_usher "$mode" "$@"
	for v in "${vars[@]}"; do unset "${v%%=*}"; done
	is "$R_STATUS" "$want" "$mode: $desc exits $want"
	one_error_line "$R_ERR" || bad="stderr is not one 'usher: ' line;"
	[ -z "$R_OUT" ] || bad="$bad stdout is not empty;"
	[ ! -e "$MARK" ] || bad="$bad the command was started;"
	if [ -z "$bad" ]; then
		ok "$mode: $desc: one error line, nothing started"
	else
		not_ok "$mode: $desc: $bad"
		diag "stderr: $R_ERR" "stdout: $R_OUT"
	fi
}

# accepted MODE DESC [USHER-ARGS]...: usher runs the command, exits 0, and
# says nothing (default verbosity: warnings and errors only).
accepted() {
	local mode=$1 desc=$2
	shift 2
	rm -f "$MARK"
	run_usher "$mode" "$@"
	if [ "$R_STATUS" = 0 ] && [ -e "$MARK" ] && [ -z "$R_ERR" ]; then
		ok "$mode: $desc is accepted"
	else
		not_ok "$mode: $desc is accepted"
		diag "status: $R_STATUS" "stderr: $R_ERR" "started: $([ -e "$MARK" ] && echo yes || echo no)"
	fi
}

T=(touch "$MARK")
for m in $MODES; do
	fails "$m" 125 "an unknown short option" -- -Z "${T[@]}"
	fails "$m" 125 "an unknown long option" -- --no-such-option "${T[@]}"
	fails "$m" 125 "-r with an unknown signal name" -- -r FOO:TERM "${T[@]}"
	fails "$m" 125 "-r with a bad target" -- -r TERM:NOPE "${T[@]}"
	fails "$m" 125 "-r without a colon" -- -r TERM "${T[@]}"
	fails "$m" 125 "-r with signal 65" -- -r 65:TERM "${T[@]}"
	fails "$m" 125 "-r RTMIN+31 (past RTMAX)" -- -r RTMIN+31:TERM "${T[@]}"
	fails "$m" 125 "-p with an unknown signal" -- -p NOPE "${T[@]}"
	fails "$m" 125 "-e with a word" -- -e abc "${T[@]}"
	fails "$m" 125 "-e 256" -- -e 256 "${T[@]}"
	fails "$m" 125 "-e -1" -- -e -1 "${T[@]}"
	fails "$m" 125 "an option missing its value" -- -r
	fails "$m" 125 "no COMMAND at all" --
	fails "$m" 125 "options but no COMMAND" -- -g -v
	fails "$m" 125 "-- and no COMMAND" -- --
	fails "$m" 125 "USHER_PGROUP=maybe" USHER_PGROUP=maybe -- "${T[@]}"
	fails "$m" 125 "USHER_REWRITE=FOO:TERM" USHER_REWRITE=FOO:TERM -- "${T[@]}"
	fails "$m" 125 "USHER_REWRITE with a bad second entry" USHER_REWRITE=TERM:QUIT,USR1 -- "${T[@]}"
	fails "$m" 125 "USHER_SUCCESS_EXIT=abc" USHER_SUCCESS_EXIT=abc -- "${T[@]}"
	fails "$m" 125 "USHER_SUCCESS_EXIT=143,x" USHER_SUCCESS_EXIT=143,x -- "${T[@]}"
	fails "$m" 125 "USHER_PDEATHSIG=NOPE" USHER_PDEATHSIG=NOPE -- "${T[@]}"
	fails "$m" 125 "USHER_VERBOSE=loud" USHER_VERBOSE=loud -- "${T[@]}"
	fails "$m" 126 "a file that is not executable" -- "$T_TMP/noexec"
	fails "$m" 126 "a directory" -- "$T_TMP/dir"
	fails "$m" 127 "a missing path" -- "$T_TMP/no/such/command"
	fails "$m" 127 "a name not on PATH" -- usher-no-such-command-$$
	fails "$m" 127 "-- -g (a command named -g)" -- -- -g

	accepted "$m" "signal names in any case, with or without SIG" \
		-r sigterm:SIGquit -r Hup:usr1 -- "${T[@]}"
	accepted "$m" "signal numbers and RTMIN+N / RTMAX-N" \
		-r 10:12 -r RTMIN+3:RTMAX-1 -r RTMIN:RTMAX -p 1 -- "${T[@]}"
	accepted "$m" "a rewrite to 0 (drop)" -r USR1:0 "${T[@]}"
	accepted "$m" "long options" --pgroup --rewrite TERM:QUIT --success-exit 143 \
		--pdeathsig TERM -- "${T[@]}"
	USHER_PGROUP=0 USHER_REWRITE=TERM:QUIT,USR1:0 USHER_SUCCESS_EXIT=143,1 \
		USHER_PDEATHSIG=SIGTERM accepted "$m" "valid USHER_* values" "${T[@]}"
	USHER_PGROUP=yes accepted "$m" "USHER_PGROUP=yes" "${T[@]}"
done

# stop signals, --hook-stops, --stop-delay (issue 11)
for m in $MODES; do
	fails "$m" 125 "--stop-signal with an unknown signal" -- --stop-signal NOPE "${T[@]}"
	fails "$m" 125 "--stop-signal KILL" -- --stop-signal KILL "${T[@]}"
	fails "$m" 125 "--stop-signal with an empty item" -- --stop-signal TERM,,INT "${T[@]}"
	fails "$m" 125 "USHER_STOP_SIGNAL=CHLD" USHER_STOP_SIGNAL=CHLD -- "${T[@]}"
	fails "$m" 125 "--hook-stops without a stop hook" -- --hook-stops "${T[@]}"
	fails "$m" 125 "USHER_HOOK_STOPS=1 without a stop hook" USHER_HOOK_STOPS=1 -- "${T[@]}"
	fails "$m" 125 "--stop-delay 5s" -- --stop-delay 5s "${T[@]}"
	fails "$m" 125 "USHER_STOP_DELAY=-1" USHER_STOP_DELAY=-1 -- "${T[@]}"
	accepted "$m" "--stop-signal lists and repeats" --stop-signal QUIT,WINCH \
		--stop-signal RTMIN+2 --stop-delay 0.5 -- "${T[@]}"
	accepted "$m" "--hook-stops with a hook" --hook-stops -H true -- "${T[@]}"
done

done_testing
