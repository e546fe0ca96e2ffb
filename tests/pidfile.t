#!/bin/bash
# --pidfile (issue 5): usher follows a daemon that forks into the background.
# helpers/daemon detaches the classic way (fork, setsid, fork, the middle
# exits), writes its PID once re-parented, then records like stoprec. The
# platform is played from outside by stopdrv (lib_stop.sh). Signals sent
# before usher has read the pidfile have no main process to go to, so the
# tests give it a second to follow the daemon before signalling it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_stop.sh"
DAEMON=$HELPERS/daemon
[ -x "$DAEMON" ] || skip_all "$DAEMON is not built (make $DAEMON)"

# every_line_usher DESC: stderr is not empty and each line is usher's.
every_line_usher() {
	if [ -s "$ERR" ] && ! grep -qv '^usher: ' "$ERR"; then ok "$1"
	else not_ok "$1"; diag "stderr: $(cat "$ERR")"; fi
}

scenario "daemon traps TERM, exits 3"
play_stop 5 -a sleep=1000 -a sig=HUP -a sleep=200 -- "$USHER" -t 5 -P "$S.pid" \
	-H "$(rec hook) --env USHER_CHILD_PID --exit-after 100:0" \
	-- "$DAEMON" "$S.pid" "${R[@]}" daemon --on TERM=exit:3 --on HUP=ignore --ready "$READY"
is "$DRV_CODE" 3 "a daemon that double-forks, traps TERM and exits 3: usher exits 3"
like "$(at starter '^exit 0')" '^[0-9]+$' "... its starter had exited 0 (usher kept following)"
between "$DRV_MS" 0 4900 "... well before the deadline"
is "$(field daemon ppid)" 1 "... the daemon was re-parented to usher (PID 1)"
like "$(at daemon '^sig HUP from=1$')" '^[0-9]+$' "other signals are forwarded to the followed daemon"
like "$(at daemon '^sig TERM from=1$')" '^[0-9]+$' "the stop signal is forwarded to it"
is "$(env_of hook USHER_CHILD_PID)" "$(field daemon pid)" "the stop hook's USHER_CHILD_PID is the daemon"

scenario "USHER_PIDFILE"
play_stop 5 -a sleep=1000 -- /usr/bin/env USHER_PIDFILE="$S.pid" "$USHER" -t 5 \
	-- "$DAEMON" "$S.pid" "${R[@]}" daemon --on TERM=exit:3 --ready "$READY"
is "$DRV_CODE" 3 "USHER_PIDFILE=FILE works as --pidfile: exit 3"

scenario "pidfile written late"
play_stop 5 -a sleep=1000 -- "$USHER" -t 5 -P "$S.pid" \
	-- "$DAEMON" --pidfile-delay 1500 "$S.pid" "${R[@]}" daemon --on TERM=exit:3 --ready "$READY"
is "$DRV_CODE" 3 "a pidfile written 1.5 s after the starter exits is waited for: exit 3"
like "$(at daemon '^sig TERM from=1$')" '^[0-9]+$' "... and TERM reached the daemon"

scenario "docker stop while usher waits for the pidfile"
drive -n -g 5 -a sleep=300 -a stop=TERM -- "$USHER" -t 5 -P "$S.pid" \
	-- "$DAEMON" --pidfile-delay 1000 "$S.pid" "${R[@]}" daemon --on TERM=exit:3
is "$DRV_CODE" 3 "a stop before the pidfile appears still reaches the daemon: exit 3"
before "$(at driver '^stop')" "$(at daemon '^sig TERM from=1$')" "... once usher follows it"

scenario "subreaper: daemon"
sub_stop 5 -a sleep=1000 -- "$USHER" -t 5 -P "$S.pid" \
	-- "$DAEMON" "$S.pid" "${R[@]}" daemon --on TERM=exit:3 --ready "$READY"
is "$DRV_CODE" 3 "subreaper: the daemon is followed, exit 3"
untouched "subreaper, daemon"

scenario "followed daemon dies of TERM"
play_stop 5 -a sleep=1000 -- "$USHER" -t 5 -P "$S.pid" \
	-- "$DAEMON" "$S.pid" "${R[@]}" daemon --on TERM=die --ready "$READY"
is "$DRV_CODE" 143 "the followed daemon killed by TERM: usher exits 143 (128+N)"

scenario "followed daemon exits on its own"
play_run 10 -- "$USHER" -P "$S.pid" \
	-- "$DAEMON" "$S.pid" "${R[@]}" daemon --exit-after 500:5
is "$DRV_CODE" 5 "the followed daemon exits 5 on its own: usher exits 5"
between "$(gap "$(at daemon '^exit')" "$DRV_END")" 0 1000 "... at once"

scenario "followed daemon ignores TERM"
play_stop 3 -a sleep=1000 -- "$USHER" -t 3 -P "$S.pid" \
	-- "$DAEMON" "$S.pid" "${R[@]}" daemon --on TERM=ignore --ready "$READY"
is "$DRV_CODE" 137 "the shutdown sequence applies: a daemon ignoring TERM is killed, 137"
between "$DRV_MS" 2200 2950 "... at K (~2.7 s of --grace 3)"
warned "$(field daemon pid)" stoprec "... with a warning naming it"

scenario "binary upgrade"
drive -n -g 5 -a "wait=$S.old" -a sleep=1000 -a sig=USR2 -a "wait=$READY" -a sleep=1000 -a stop=TERM \
	-- "$USHER" -t 5 -P "$S.pid" \
	-- "$DAEMON" --upgrade "$S.old" "$S.pid" "${R[@]}" new --on TERM=exit:3 --ready "$READY"
like "$(at old '^exit 0')" '^[0-9]+$' "binary upgrade: the old master exited 0 after USR2"
is "$DRV_CODE" 3 "... usher re-read the pidfile, followed the new master: exit 3"
before "$(at old '^exit 0')" "$(at new '^sig TERM from=1$')" "... which got the stop signal"

scenario "pidfile never appears"
play_run 15 -- "$USHER" -P "$S.pid" \
	-- "$DAEMON" --no-pidfile "$S.pid" "${R[@]}" daemon --on TERM=exit:0
is "$DRV_CODE" 125 "a pidfile that never appears: usher exits 125"
between "$DRV_MS" 4000 8000 "... after about 5 s"
every_line_usher "... saying why on stderr"
like "$(cat "$ERR")" "$S.pid" "... naming the file"
like "$(at daemon '^sig TERM')" '^[0-9]+$' "... after draining what is left (the daemon got TERM)"

scenario "COMMAND exits 1"
play_run 10 -- "$USHER" -P "$S.pid" \
	-- "$DAEMON" --starter-exit 1 --no-pidfile "$S.pid" "${R[@]}" daemon --on TERM=exit:0
is "$DRV_CODE" 1 "COMMAND exits 1: usher exits 1"
between "$DRV_MS" 0 2000 "... at once, without waiting for the pidfile"

scenario "pidfile names a grandchild"
play_run 15 -- "$USHER" -P "$S.pid" \
	-- "$DAEMON" --keep-parent "$S.pid" "${R[@]}" daemon --on TERM=exit:0
is "$DRV_CODE" 125 "the pidfile names a process that is not usher's child: exit 125"
between "$DRV_MS" 0 8000 "... within about 5 s"
every_line_usher "... saying why on stderr"
like "$(at daemon '^sig TERM')" '^[0-9]+$' "... the process is drained as a leftover"

scenario "subreaper: pidfile names an unrelated process"
sub_run 15 -U "$S.pid" -- "$USHER" -P "$S.pid" -- /bin/true
is "$DRV_CODE" 125 "subreaper: the pidfile names a process outside usher: exit 125"
between "$DRV_MS" 0 8000 "... within about 5 s"
untouched "subreaper, foreign pidfile"

done_testing
