#!/bin/bash
# usher started on a terminal, as `docker run -it` does: its child's process
# group becomes the terminal's foreground group, so Ctrl-C reaches the child
# exactly once (from the terminal, not a second time from usher), Ctrl-Z
# delivers SIGTSTP to it, and an interactive bash gets job control.
# tests/helpers/ptyrun provides the terminal: a pty that is the controlling
# terminal of a new session, whose leader is usher (or unshare, in ns mode).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_core.sh"
require_root

PTY=$HELPERS/ptyrun
N=0
bash_path=$(command -v bash)

for m in $MODES; do
	case $m in
	ns) W=(env --default-signal unshare --pid --fork --mount-proc "$USHER") ;;
	sub) W=(env --default-signal "$USHER") ;;
	esac

	# -- the child's group is the foreground group ----------------------
	# shellcheck disable=SC2016
	out=$("$PTY" -t "$((3 * WAIT))" -- "${W[@]}" sh -c \
		'set -- $(cat /proc/$$/stat); echo "pid=$1 pgrp=$5 sid=$6 tpgid=$8"')
	st=$?
	out=${out//$'\r'/}
	is "$st" 0 "$m: on a terminal the command runs and usher exits 0"
	pid=$(printf '%s\n' "$out" | sed -n 's/.*pid=\([0-9]*\) pgrp.*/\1/p')
	pgrp=$(printf '%s\n' "$out" | sed -n 's/.*pgrp=\([0-9]*\).*/\1/p')
	sid=$(printf '%s\n' "$out" | sed -n 's/.*sid=\([0-9]*\).*/\1/p')
	tpgid=$(printf '%s\n' "$out" | sed -n 's/.*tpgid=\([0-9-]*\).*/\1/p')
	if [ -n "$pid" ] && [ "$pgrp" = "$pid" ] && [ "$pgrp" != "$sid" ]; then
		ok "$m: the child leads its own process group"
	else
		not_ok "$m: the child leads its own process group"
		diag "output: $out"
	fi
	if [ -n "$pgrp" ] && [ "$tpgid" = "$pgrp" ]; then
		ok "$m: the child's group is the terminal's foreground group"
	else
		not_ok "$m: the child's group is the terminal's foreground group"
		diag "output: $out"
	fi

	# -- Ctrl-C once, Ctrl-Z, then Ctrl-\ to end ------------------------
	# The pauses give a second delivery (usher forwarding a SIGINT it got
	# from the terminal too) the time to show up.
	N=$((N + 1))
	F=$T_TMP/rec.$N
	"$PTY" -t "$((3 * WAIT))" -e "$F.ready" \
		-s $'\x03' -n "$F:1" -d 1000 \
		-s $'\x1a' -n "$F:2" -d 1000 \
		-s $'\x1c' -- "${W[@]}" "$HELPERS/sigrec" "$F" 3 0 >/dev/null
	st=$?
	is "$st:$(rec_all "$F")" "0:2 20 3" \
		"$m: Ctrl-C reaches the child once, Ctrl-Z gives it SIGTSTP, Ctrl-\\ SIGQUIT"

	# -- job control for an interactive shell ----------------------------
	# Without the terminal, bash -i says "no job control in this shell" (or
	# stops itself with SIGTTIN until ptyrun's timeout).
	if [ -n "$bash_path" ]; then
		# shellcheck disable=SC2016
		out=$("$PTY" -t "$((3 * WAIT))" -- "${W[@]}" "$bash_path" --norc --noprofile -i -c \
			'case $- in *m*) echo "job control: on" ;; *) echo "job control: off" ;; esac')
		st=$?
		out=${out//$'\r'/}
		if [ "$st" = 0 ] && printf '%s\n' "$out" | grep -qx 'job control: on' &&
			! printf '%s\n' "$out" | grep -q 'no job control'; then
			ok "$m: bash -i under usher has job control"
		else
			not_ok "$m: bash -i under usher has job control"
			diag "status $st" "output: $out"
		fi
	else
		skip "$m: bash -i job control: no bash"
	fi

	# -- the terminal back to the caller at exit --------------------------
	# A shell without job control runs usher in its own group; after
	# usher exits the shell must own the terminal again and read from it
	# (it got EIO: the foreground group was the dead child's). In ns mode
	# usher cannot name its caller's group (outside its PID namespace).
	if [ "$m" = sub ]; then
		for cmd in true /nonexistent/cmd; do
			N=$((N + 1))
			F=$T_TMP/back.$N
			# shellcheck disable=SC2016
			out=$("$PTY" -t "$((3 * WAIT))" -e "$F" -d 200 -s $'hello\r' -- sh -c \
				'm=$1; shift; "$@"; set -- $(cat /proc/$$/stat)
				echo "pgrp=$5 tpgid=$8"; : >"$m"
				if read -r x; then echo "read: $x"; else echo "read failed"; fi' \
				sh "$F" "${W[@]}" -- "$cmd")
			st=$?
			out=${out//$'\r'/}
			pgrp=$(printf '%s\n' "$out" | sed -n 's/.*pgrp=\([0-9]*\).*/\1/p')
			tpgid=$(printf '%s\n' "$out" | sed -n 's/.*tpgid=\([0-9-]*\).*/\1/p')
			if [ "$st" = 0 ] && [ -n "$pgrp" ] && [ "$pgrp" = "$tpgid" ] &&
				printf '%s\n' "$out" | grep -qx 'read: hello'; then
				ok "$m: after 'usher -- $cmd' the calling shell has the terminal back and reads from it"
			else
				not_ok "$m: after 'usher -- $cmd' the calling shell has the terminal back and reads from it"
				diag "status $st" "output: $out"
			fi
		done
	fi

	# -- a terminal on stdin that is not usher's own ---------------------
	# setsid -w: a new session without a controlling terminal; usher must
	# leave the terminal alone and still run the command.
	"$PTY" -t "$((3 * WAIT))" -- setsid -w "${W[@]}" sh -c 'exit 3' >/dev/null
	is "$?" 3 "$m: a terminal that is not usher's controlling terminal is left alone"
done

done_testing
