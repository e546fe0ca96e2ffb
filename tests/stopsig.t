#!/bin/bash
# Stopping real images right (issue 11), played from outside like `docker
# stop` (lib_stop.sh): which signals start the stop (--stop-signal), signals
# dropped for good (--rewrite SIG:0), hooks that stop the program
# themselves (--hook-stops), the drain delay (--stop-delay), the namespace
# drain of processes usher did not start, and what usher says when it
# kills or a hook fails. Timing bounds are loose: the ASan pass may be slow.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_stop.sh"

# no_line REGEX DESC: usher's stderr has no line matching REGEX
no_line() {
	if grep -qE -- "$1" "$ERR"; then not_ok "$2"; diag "$(grep -E -- "$1" "$ERR")"
	else ok "$2"; fi
}

# ---- --stop-signal -------------------------------------------------------------

scenario "--stop-signal QUIT, child ignores QUIT, --grace 3"
drive -n -g 3 -a "wait=$READY" -a stop=QUIT -- "$USHER" --stop-signal QUIT -t 3 \
	-H "$(rec hook) --env USHER_SIGNAL --exit-after 100:0" \
	-- "${R[@]}" main --on QUIT=ignore --ready "$READY"
is "$DRV_CODE" 137 "QUIT as the stop signal, ignored by the child: usher exits 137"
is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
between "$DRV_MS" 2200 2950 "... having killed the child at K (~2.7 s)"
is "$(count hook '^start')" 1 "the stop hook runs on QUIT"
is "$(env_of hook USHER_SIGNAL)" QUIT "... and sees USHER_SIGNAL=QUIT"
before "$(at hook '^exit')" "$(at main '^sig QUIT')" "QUIT is forwarded as received, after the hook"
like "$(cat "$ERR")" "main process $(field main pid) \\(stoprec\\) did not exit by the kill point: killed" \
	"the warning says the main process was killed"

scenario "QUIT is not a stop signal by default"
play_run 10 -a "wait=$READY" -a sig=QUIT -- "$USHER" -t 1 -H "$(rec hook)" \
	-- "${R[@]}" main --on QUIT=exit:3 --ready "$READY"
is "$DRV_CODE" 3 "default set: QUIT is forwarded, the child exits 3"
is "$(count hook '^start')" 0 "... and no stop hook runs"

scenario "--stop-signal QUIT replaces the default: INT is a plain signal"
play_run 10 -a "wait=$READY" -a sig=INT -- "$USHER" --stop-signal QUIT -t 1 \
	-H "$(rec hook)" -- "${R[@]}" main --on INT=exit:5 --ready "$READY"
is "$DRV_CODE" 5 "INT forwarded, the child exits 5"
is "$(count hook '^start')" 0 "... no stop hook: INT no longer stops"

scenario "USHER_STOP_SIGNAL=WINCH,TERM (httpd's stop signal)"
drive -n -g 5 -a "wait=$READY" -a stop=WINCH -- "$(command -v env)" USHER_STOP_SIGNAL=WINCH,TERM "$USHER" -t 5 \
	-H "$(rec hook) --env USHER_SIGNAL --exit-after 100:0" \
	-- "${R[@]}" main --on WINCH=exit:0 --ready "$READY"
is "$DRV_CODE" 0 "WINCH from the environment starts the stop: exit 0"
is "$(env_of hook USHER_SIGNAL)" WINCH "... the hook ran and saw USHER_SIGNAL=WINCH"

# ---- --rewrite SIG:0 -------------------------------------------------------------

scenario "--rewrite INT:0 drops INT entirely"
play_run 10 -a "wait=$READY" -a sig=INT -- "$USHER" -v -t 1 --rewrite INT:0 -H "$(rec hook)" \
	-- "${R[@]}" main --exit-after 1500:0 --ready "$READY"
is "$DRV_CODE" 0 "INT dropped: the child runs on and exits 0 on its own (no K, no 137)"
is "$(count main '^sig INT')" 0 "... it never saw INT"
is "$(count hook '^start')" 0 "... no stop hook ran"
no_kill_warning "... and nothing was SIGKILLed"
no_line 'forwarding INT|INT received' "-v logs no forwarding and no stop for the dropped INT"

scenario "--rewrite TERM:0 -v, docker stop"
play_stop 5 -- "$USHER" -v -t 1 --rewrite TERM:0 \
	-- "${R[@]}" main --exit-after 1500:0 --ready "$READY"
is "$DRV_CODE" 0 "TERM dropped: no stop sequence, the child exits 0 on its own"
is "$(count main '^sig TERM')" 0 "... it never saw TERM"
no_line 'forwarding' "-v never logs 'forwarding' for the dropped TERM"

scenario "--rewrite INT:USR1 with INT in the stop set"
drive -n -g 5 -a "wait=$READY" -a stop=INT -- "$USHER" -v -t 5 --rewrite INT:USR1 \
	-H "$(rec hook) --env USHER_SIGNAL --exit-after 100:0" \
	-- "${R[@]}" main --on USR1=exit:7 --ready "$READY"
is "$DRV_CODE" 7 "INT starts the stop and is forwarded as USR1: the child exits 7"
is "$(env_of hook USHER_SIGNAL)" INT "... the hook ran, USHER_SIGNAL=INT (as received)"
like "$(cat "$ERR")" 'forwarding USR1' "... -v logs the USR1 forwarded"

# ---- --hook-stops ------------------------------------------------------------------

# script NAME BODY: an executable /bin/sh script in $T_TMP (the hook is
# split at blanks, so anything with quoting goes into a script)
script() { printf '#!/bin/sh\n%s\n' "$2" >"$T_TMP/$1"; chmod 755 "$T_TMP/$1"; echo "$T_TMP/$1"; }
# shellcheck disable=SC2016 # expanded by the hook's own shell
QUIT_HOOK=$(script quit-hook 'kill -USR2 "$USHER_CHILD_PID"')

scenario "--hook-stops: the hook starts a graceful stop, usher forwards nothing"
play_stop 5 -- "$USHER" -v -t 5 --hook-stops -H "$QUIT_HOOK" \
	-- "${R[@]}" main --on USR2=delay:800:0 --on TERM=exit:1 --ready "$READY"
is "$DRV_CODE" 0 "the program finishes its work after the hook's USR2 and exits 0"
is "$(count main '^sig TERM')" 0 "... TERM was never forwarded"
between "$DRV_MS" 700 4400 "... usher waited for it (0.8 s), not for K"
like "$(cat "$ERR")" 'hook-stops' "... -v says the hook stops the program"

scenario "--hook-stops: a program the hook did not stop is killed at K"
play_stop 3 -- "$USHER" -t 3 --hook-stops -H "$QUIT_HOOK" \
	-- "${R[@]}" main --on USR2=ignore --on TERM=exit:1 --ready "$READY"
is "$DRV_CODE" 137 "usher waits until K, then SIGKILLs: exit 137"
is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
is "$(count main '^sig TERM')" 0 "... still without forwarding TERM"

scenario "--hook-stops, but the hook fails (exit 1): the stop signal goes after all"
play_stop 5 -- "$USHER" -t 5 --hook-stops -H "$(script fail-hook 'exit 1')" \
	-- "${R[@]}" main --on TERM=exit:42 --ready "$READY"
is "$DRV_CODE" 42 "TERM forwarded once the hook failed: the child exits 42"
like "$(cat "$ERR")" '^usher: .*stop hook .*fail-hook exited 1' \
	"a failed hook warns at the default level (exit status and name)"

# ---- a stop hook that fails warns (no -v) --------------------------------------------

scenario "stop hook killed by a signal warns"
play_stop 5 -- "$USHER" -t 5 -H "$(script die-hook 'kill -KILL $$')" \
	-- "${R[@]}" main --on TERM=exit:0 --ready "$READY"
is "$DRV_CODE" 0 "the hook dies of SIGKILL; TERM still reaches the child: exit 0"
like "$(cat "$ERR")" '^usher: .*stop hook .*die-hook killed by KILL' "... usher warns, naming the signal"

scenario "stop hook that cannot start warns"
play_stop 5 -- "$USHER" -t 5 -H "$T_TMP/no-such-hook" \
	-- "${R[@]}" main --on TERM=exit:0 --ready "$READY"
is "$DRV_CODE" 0 "a missing hook: TERM still reaches the child: exit 0"
like "$(cat "$ERR")" '^usher: .*no-such-hook' "... usher warns at the default level"

scenario "a hook that exits 0 is silent at the default level"
play_stop 5 -- "$USHER" -t 5 -H "$(script ok-hook 'exit 0')" \
	-- "${R[@]}" main --on TERM=exit:0 --ready "$READY"
is "$(cat "$ERR")" "" "no line on stderr"

# ---- --stop-delay --------------------------------------------------------------------

scenario "--stop-delay 1: keep serving, then the hook and TERM"
play_stop 5 -- "$USHER" -v -t 5 --stop-delay 1 \
	-H "$(rec hook) --env USHER_DEADLINE --exit-after 100:0" \
	-- "${R[@]}" main --on TERM=exit:42 --ready "$READY"
is "$DRV_CODE" 42 "the child gets TERM and exits 42"
between "$(rel "$(at hook '^start')")" 950 2000 "the hook starts after the 1 s delay"
between "$(rel "$(at main '^sig TERM')")" 1000 2500 "... TERM comes after it"
deadline=$(env_of hook USHER_DEADLINE)
if awk -v d="$deadline" 'BEGIN { exit !(d ~ /^[0-9]+(\.[0-9]+)?$/ && d >= 3 && d <= 4.05) }'; then
	ok "the hook's USHER_DEADLINE accounts for the delay (3..4 s of 5)"
else
	not_ok "the hook's USHER_DEADLINE accounts for the delay (3..4 s of 5)"; diag "got '$deadline'"
fi
like "$(cat "$ERR")" '\+0\.[0-9]{3}s serving on for 1\.000s' "-v logs the delay on the timeline"
like "$(cat "$ERR")" '\+1\.[0-9]{3}s stop delay over' "... and its end"

scenario "--stop-delay: the main process exits during the delay"
play_stop 10 -- "$USHER" -t 10 --stop-delay 4 -H "$(rec hook)" \
	-- "${R[@]}" main --exit-after 1000:3 --ready "$READY"
is "$DRV_CODE" 3 "usher exits with its status, 3"
between "$DRV_MS" 0 3000 "... straight away, not after the delay (4 s)"
is "$(count hook '^start')" 0 "... no hook ran"
is "$(count main '^sig TERM')" 0 "... no TERM was sent"

scenario "--stop-delay longer than half the grace is cut to it"
play_stop 4 -- "$USHER" -t 4 --stop-delay 30 \
	-- "${R[@]}" main --on TERM=exit:0 --ready "$READY"
is "$DRV_CODE" 0 "exit 0"
is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
between "$(rel "$(at main '^sig TERM')")" 1900 3000 "TERM at half the grace (2 s of 4)"
like "$(cat "$ERR")" '^usher: --stop-delay 30\.000s is more than half' "usher warns at start-up"

scenario "USHER_STOP_DELAY"
play_stop 5 -- "$(command -v env)" USHER_STOP_DELAY=0.5 "$USHER" -t 5 \
	-- "${R[@]}" main --on TERM=exit:0 --ready "$READY"
is "$DRV_CODE" 0 "exit 0"
between "$(rel "$(at main '^sig TERM')")" 450 2000 "TERM after the 0.5 s of USHER_STOP_DELAY"

# ---- the namespace drain: processes usher did not start -------------------------------

# play_exec ACTION: usher as PID 1, a recorder `execd` entered into its
# namespace with nsenter (as docker exec does) with that TERM action; then
# docker stop. The main process exits 0 on TERM.
play_exec() {
	local out drv upid
	"$STOPDRV" -n -l "$LOG" -e "$ERR" -g 5 -a "wait=$S.execd" -a stop=TERM \
		-- "$USHER" -t 3 -- "$STOPREC" "$LOG" main --on TERM=exit:0 --ready "$READY" >"$S.out" &
	drv=$!
	wait_for 10 test -e "$READY"
	upid=$(awk '$3 == "started" { sub("pid=", "", $5); print $5; exit }' "$LOG")
	# in a subshell whose stderr is muted: nsenter dies of its child's
	# SIGKILL in the 'ignore' case, and bash would report it
	(nsenter -t "$upid" -p -m -- "$STOPREC" "$LOG" execd --on TERM="$1" \
		--ready "$S.execd" 2>"$S.nsenter"; :) 2>/dev/null &
	wait "$drv"
	eval "$(cat "$S.out")"
	: "${DRV_CODE:=none}"
	wait
}

scenario "docker exec'd process that traps TERM and writes a file"
play_exec "write:300:$S.file"
is "$DRV_CODE" 0 "usher exits with the main process's 0"
like "$(field execd ppid)" '^0$' "the entered process is not usher's child (ppid 0 in the namespace)"
check "... it got its TERM and wrote its file" test -e "$S.file"
before "$(at execd '^wrote')" "$DRV_END" "... before usher exited"
before "$(at main '^exit')" "$(at execd '^sig TERM')" "... TERM came once the main process had exited"

scenario "docker exec'd process that ignores TERM"
play_exec ignore
is "$DRV_CODE" 0 "usher exits 0 (the main process's status)"
is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
between "$DRV_MS" 2200 2950 "... the entered process is killed at K (~2.7 s)"
warned "$(field execd pid)" stoprec "... with a warning naming it"

# ---- the kill-point warning -------------------------------------------------------------

scenario "kill point with 150 processes left"
play_stop 3 -- "$USHER" -t 2 -- /bin/sh -c \
	"trap '' TERM; i=0; while [ \$i -lt 150 ]; do sleep 60 & i=\$((i + 1)); done; touch $READY; exec sleep 60"
is "$DRV_CODE" 137 "everything ignores TERM: killed at K, exit 137"
line=$(grep 'kill point of the' "$ERR")
like "$line" 'SIGKILL to 151 processes: ' "the warning counts them all (151)"
like "$line" '\), … and [0-9]+ more$' "... lists some, then says how many more"
one_short_line() { [ "$(printf '%s\n' "$1" | wc -l)" = 1 ] && [ "$(printf '%s' "$1" | wc -c)" -lt 512 ]; }
check "... in one line shorter than 512 bytes" one_short_line "$line"
is "$(printf '%s' "$line" | grep -c '(?)')" 0 "... with every name known (read before the SIGKILL)"
like "$(cat "$ERR")" '^usher: .*main process [0-9]+ \(sleep\) did not exit by the kill point: killed' \
	"a line of its own says the main process was killed"

done_testing
