#!/bin/bash
# The core contract, with usher as PID 1 of a fresh PID namespace and as a
# plain child (subreaper): exit statuses pass through, -e maps codes to 0,
# --help/--version, options end at the first non-option, logs stay off
# stdout, the child starts with a clean signal state, usher keeps no
# inherited descriptor and sits in /, and an idle usher never wakes up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_core.sh"
require_root

# status MODE WANT DESC [USHER-ARGS]...
status() {
	local mode=$1 want=$2 desc=$3
	shift 3
	run_usher "$mode" "$@"
	is "$R_STATUS" "$want" "$mode: $desc -> $want"
	[ -z "$R_ERR" ] || diag "stderr: $R_ERR"
}

for m in $MODES; do
	# -- exit status --------------------------------------------------
	status "$m" 0 "exit 0" sh -c 'exit 0'
	status "$m" 7 "exit 7" sh -c 'exit 7'
	status "$m" 255 "exit 255" sh -c 'exit 255'
	status "$m" 137 "child kills itself with SIGKILL" sh -c 'kill -KILL $$'
	status "$m" 143 "child kills itself with SIGTERM" sh -c 'kill -TERM $$'
	status "$m" 138 "child killed by SIGUSR1" sh -c 'kill -USR1 $$'
	status "$m" 0 "-e 143 and a TERM-killed child" -e 143 sh -c 'kill -TERM $$'
	status "$m" 0 "--success-exit 7 and exit 7" --success-exit 7 sh -c 'exit 7'
	status "$m" 8 "-e 7 and exit 8" -e 7 sh -c 'exit 8'
	status "$m" 0 "-e 1 -e 143 (repeatable) and a TERM-killed child" \
		-e 1 -e 143 sh -c 'kill -TERM $$'
	USHER_SUCCESS_EXIT=3,143 status "$m" 0 "USHER_SUCCESS_EXIT=3,143 and a TERM-killed child" \
		sh -c 'kill -TERM $$'
	USHER_SUCCESS_EXIT=3,143 status "$m" 0 "USHER_SUCCESS_EXIT=3,143 and exit 3" sh -c 'exit 3'
	USHER_SUCCESS_EXIT=3,143 status "$m" 4 "USHER_SUCCESS_EXIT=3,143 and exit 4" sh -c 'exit 4'

	# -- help, version, where options end ------------------------------
	for o in -h --help; do
		run_usher "$m" "$o"
		if [ "$R_STATUS" = 0 ] && [ -z "$R_ERR" ] &&
			printf '%s\n' "$R_OUT" | grep -qi usage &&
			printf '%s\n' "$R_OUT" | grep -q -- --pgroup; then
			ok "$m: $o prints the usage on stdout and exits 0"
		else
			not_ok "$m: $o prints the usage on stdout and exits 0"
			diag "status $R_STATUS" "stdout: $R_OUT" "stderr: $R_ERR"
		fi
	done
	for o in -V --version; do
		run_usher "$m" "$o"
		like "$R_STATUS:$R_OUT:$R_ERR" '^0:usher 0\.2\.0 - git\.[0-9A-Za-z_-]+:$' \
			"$m: $o prints 'usher 0.2.0 - git.COMMIT' on stdout and exits 0"
	done

	run_usher "$m" sh -c 'echo "args: $*"; exit 4' sh -g -e 0 -x
	is "$R_STATUS:$R_OUT" "4:args: -g -e 0 -x" "$m: options after COMMAND belong to COMMAND"
	run_usher "$m" -- sh -c 'exit 5'
	is "$R_STATUS" 5 "$m: -- ends the options"

	# -- logging: stderr only, prefixed; quiet by default --------------
	run_usher "$m" echo hello
	is "$R_STATUS:$R_OUT:$R_ERR" "0:hello:" "$m: default run: child's stdout only, nothing on stderr"
	run_usher "$m" -v -v echo hello
	is "$R_OUT" hello "$m: -v -v: stdout is the child's alone"
	if [ -n "$R_ERR" ] && ! printf '%s\n' "$R_ERR" | grep -qv '^usher: '; then
		ok "$m: -v -v logs on stderr, every line prefixed 'usher: '"
	else
		not_ok "$m: -v -v logs on stderr, every line prefixed 'usher: '"
		diag "stderr: $R_ERR"
	fi
	USHER_VERBOSE=2 run_usher "$m" true
	like "$R_ERR" '^usher: ' "$m: USHER_VERBOSE=2 logs"
	USHER_VERBOSE=3 run_usher "$m" -q true
	is "$R_STATUS:$R_ERR" "0:" "$m: -q beats USHER_VERBOSE=3 (the command line wins)"

	# -- the child's signal state --------------------------------------
	run_usher "$m" "$HELPERS/maskcheck"
	is "$R_OUT" "SigBlk=0000000000000000 SigIgn=0000000000000000" \
		"$m: the child starts with an empty mask and no ignored signal"
	case $m in
	ns) w=(unshare --pid --fork --mount-proc) ;;
	sub) w=() ;;
	esac
	out=$(env --default-signal --ignore-signal=HUP --block-signal=USR2 \
		"${w[@]}" "$USHER" "$HELPERS/maskcheck" </dev/null 2>&1)
	is "$out" "SigBlk=0000000000000800 SigIgn=0000000000000001" \
		"$m: the child gets the mask and dispositions usher started with (nohup-style HUP, blocked USR2)"

	# -- descriptors and directory after spawning ----------------------
	cd "$T_TMP" || exit 1
	usher_bg "$m" sleep 1000 5</dev/null 7</dev/null
	cd - >/dev/null || exit 1
	usher_child sleep
	if wait_for "$WAIT" only_std_fds "$U_PID"; then
		ok "$m: usher keeps only 0-2 (and its signalfd) after spawning"
	else
		not_ok "$m: usher keeps only 0-2 (and its signalfd) after spawning"
		diag "$(ls -l /proc/"$U_PID"/fd/)"
	fi
	is "$(readlink /proc/"$U_CHILD"/fd/5):$(readlink /proc/"$U_CHILD"/fd/7)" \
		"/dev/null:/dev/null" "$m: the child still has descriptors 5 and 7"
	is "$(readlink /proc/"$U_PID"/cwd)" / "$m: usher's directory is /"
	is "$(readlink /proc/"$U_CHILD"/cwd)" "$T_TMP" "$m: the child keeps the directory it was started in"

	# -- idle: blocked in one call, no wake-up -------------------------
	switches() {
		echo $(($(status_field "$1" voluntary_ctxt_switches) +
			$(status_field "$1" nonvoluntary_ctxt_switches)))
	}
	sleep 0.5 # let start-up work (closing, chdir, logging) finish
	before=$(switches "$U_PID")
	sleep 3
	after=$(switches "$U_PID")
	is "$after" "$before" "$m: idle usher makes no context switch in 3 s"

	send TERM
	usher_wait
	is "$U_STATUS" 143 "$m: TERM from outside reaches sleep -> 143"
done

done_testing
