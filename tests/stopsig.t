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
warned "$(field main pid)" "main process" "the warning says the main process was killed"

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

done_testing
