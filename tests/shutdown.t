#!/bin/bash
# Graceful shutdown (issue 3), played from outside like `docker stop`: the
# driver sends SIGTERM to usher, then SIGKILL at the deadline (--grace), and
# every process records what it saw with CLOCK_MONOTONIC times (lib_stop.sh).
# Kill point K = deadline - min(1 s, grace/10). Timing bounds are loose on
# purpose: the second pass of make check runs an ASan build, maybe loaded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_stop.sh"

# ---- the main process ------------------------------------------------------

scenario "child traps TERM and exits 42"
play_stop 5 -- "$USHER" -t 5 -- "${R[@]}" main --on TERM=exit:42 --ready "$READY"
is "$DRV_CODE" 42 "TERM trapped, exit 42: usher exits 42"
between "$DRV_MS" 0 4900 "... well before the deadline"
like "$(at main '^sig TERM')" '^[0-9]+$' "... the child saw the TERM"
no_kill_warning "... and usher reports no SIGKILL"

scenario "child ignores TERM, --grace 3"
play_stop 3 -- "$USHER" -t 3 -- "${R[@]}" main --on TERM=ignore --ready "$READY"
is "$DRV_CODE" 137 "TERM ignored: usher exits 137"
is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
between "$DRV_MS" 2200 2950 "... having killed the child at K (~2.7 s)"
like "$(at main '^sig TERM')" '^[0-9]+$' "... which had been sent TERM first"
warned "$(field main pid)" stoprec "... with a warning naming it (PID and command)"

scenario "child ignores TERM, default grace"
play_stop 10 -- "$USHER" -- "${R[@]}" main --on TERM=ignore --ready "$READY"
is "$DRV_CODE" 137 "default grace is docker's 10 s: exit 137"
between "$DRV_MS" 8500 9950 "... the child is killed at K (~9 s)"

scenario "stopped child"
play_stop 5 -- "$USHER" -t 5 -- "${R[@]}" main --on TERM=exit:42 --stop-self --ready "$READY"
is "$DRV_CODE" 42 "a stopped (SIGSTOP) child still handles TERM: exit 42"
between "$DRV_MS" 0 4900 "... well before the deadline"
before "$(at main '^seen stopped')" "$(at driver '^stop')" "... it was stopped when the stop signal came"
like "$(at main '^continued')" '^[0-9]+$' "... it was continued (SIGCONT follows TERM)"

# ---- the stop hook -----------------------------------------------------------

scenario "stop hook"
play_stop 5 -- "$USHER" -v -t 5 \
	-H "$(rec hook) --env USHER_CHILD_PID,USHER_SIGNAL,USHER_DEADLINE --exit-after 300:7" \
	-- "${R[@]}" main --on TERM=exit:42 --ready "$READY"
is "$DRV_CODE" 42 "with a stop hook exiting 7: usher still exits with the child's 42"
before "$(at hook '^start')" "$(at main '^sig TERM')" "the hook runs before TERM reaches the child"
before "$(at hook '^exit 7')" "$(at main '^sig TERM')" "... and TERM is forwarded once it has exited"
between "$(rel "$(at hook '^exit')")" 200 1500 "... which it did on its own after 0.3 s"
is "$(env_of hook USHER_CHILD_PID)" "$(field main pid)" "the hook sees USHER_CHILD_PID (the main process)"
is "$(env_of hook USHER_SIGNAL)" TERM "the hook sees USHER_SIGNAL=TERM"
deadline=$(env_of hook USHER_DEADLINE)
if awk -v d="$deadline" 'BEGIN { exit !(d ~ /^[0-9]+(\.[0-9]+)?$/ && d >= 4 && d <= 5) }'; then
	ok "the hook sees USHER_DEADLINE, seconds left (4..5 of --grace 5)"
else
	not_ok "the hook sees USHER_DEADLINE, seconds left (4..5 of --grace 5)"; diag "got '$deadline'"
fi
is "$(field hook pgid)" "$(field hook pid)" "the hook is its own process group"
is "$(field hook fd0)" /dev/null "the hook's stdin is /dev/null"
like "$(cat "$ERR")" '^usher: \+[0-9]+\.[0-9]{3}s .*hook' "-v logs the hook with the time since the stop (+S.mmms)"

scenario "stop hook on SIGINT"
drive -n -g 5 -a "wait=$READY" -a stop=INT -- "$USHER" -t 5 \
	-H "$(rec hook) --env USHER_SIGNAL --exit-after 100:0" \
	-- "${R[@]}" main --on INT=exit:43 --ready "$READY"
is "$DRV_CODE" 43 "SIGINT as the stop signal: the child handles INT, exit 43"
is "$(env_of hook USHER_SIGNAL)" INT "... and the hook saw USHER_SIGNAL=INT"

scenario "hook never ends, --hook-timeout 1"
play_stop 5 -- "$USHER" -t 5 --hook-timeout 1 \
	-H "$(rec hook) --on TERM=ignore --leftover hookkid:ignore" \
	-- "${R[@]}" main --on TERM=exit:42 --ready "$READY"
is "$DRV_CODE" 42 "a hook that never ends: TERM still reaches the child, exit 42"
between "$(rel "$(at main '^sig TERM')")" 800 1900 "... at --hook-timeout (1 s)"
is "$(count hook '^exit')" 0 "... the hook did not end on its own"
warned "$(field hook pid)" stoprec "... usher warns that it killed the hook (PID and command)"
between "$DRV_MS" 800 3400 "the hook's whole group is killed: its child does not hold usher until K"

scenario "hook never ends, default hook timeout"
play_stop 4 -- "$USHER" -t 4 -H "$(rec hook) --on TERM=ignore" \
	-- "${R[@]}" main --on TERM=exit:42 --ready "$READY"
is "$DRV_CODE" 42 "default hook timeout: exit 42"
between "$(rel "$(at main '^sig TERM')")" 1700 2900 "... TERM forwarded at half the grace (2 s of 4)"

scenario "hook timeout beyond K"
play_stop 3 -- "$USHER" -t 3 --hook-timeout 10 -H "$(rec hook) --on TERM=ignore" \
	-- "${R[@]}" main --on TERM=ignore --ready "$READY"
is "$DRV_KILLED" 0 "--hook-timeout longer than the grace: the hook wait ends at K anyway"
between "$DRV_MS" 2200 2950 "... usher is done by K (~2.7 s), before the platform's SIGKILL"
is "$(count hook '^exit')" 0 "... the hook was killed"

scenario "three SIGTERMs"
drive -n -g 5 -a "wait=$READY" -a stop=TERM -a sleep=150 -a stop=TERM \
	-a sleep=150 -a stop=TERM -- "$USHER" -t 5 \
	-H "$(rec hook) --exit-after 2000:0 --on TERM=ignore" \
	-- "${R[@]}" main --on TERM=delay:500:42 --ready "$READY"
is "$(count hook '^start')" 1 "three SIGTERMs: the hook runs once"
is "$DRV_CODE" 42 "... the child exits 42"
stop2=$(awk '$2 == "driver" && $3 == "stop" { n++; if (n == 2) { print $1; exit } }' "$LOG")
before "$stop2" "$(at main '^sig TERM')" "... the child gets TERM after the second stop signal"
between "$(rel "$(at main '^sig TERM')")" 100 1500 "... which ends the hook's wait at once (not after 2 s)"

# ---- leftovers: usher as PID 1 -----------------------------------------------

scenario "leftover traps TERM and writes a file"
play_run 10 -- "$USHER" -t 5 -- "${R[@]}" main --exit-after 300:0 \
	--leftover bg:write:300:"$S.file"
is "$DRV_CODE" 0 "main exits 0 leaving a background process: usher exits 0"
check "... the leftover's file exists" test -e "$S.file"
before "$(at main '^exit')" "$(at bg '^sig TERM')" "... the leftover got TERM once the main process had exited"
before "$(at bg '^wrote')" "$DRV_END" "... and wrote its file before usher exited"
between "$(gap "$(at bg '^exit')" "$DRV_END")" 0 1000 "... usher exits as soon as it is gone"

scenario "leftover ignores TERM, --grace 3"
play_run 10 -- "$USHER" -t 3 -- "${R[@]}" main --exit-after 300:0 --leftover bg:ignore
is "$DRV_CODE" 0 "a leftover ignoring TERM: usher exits 0 (the main process's status)"
like "$(at bg '^sig TERM')" '^[0-9]+$' "... the leftover was sent TERM"
between "$(gap "$(at main '^exit')" "$DRV_END")" 2200 2950 \
	"... and SIGKILLed at K counted from the main exit (~2.7 s), not later"
warned "$(field bg pid)" "bg\|stoprec" "... with a warning naming it"

scenario "no leftover"
play_run 10 -- "$USHER" -- "${R[@]}" main --exit-after 300:0
is "$DRV_CODE" 0 "no leftover: exit 0"
between "$(gap "$(at main '^exit')" "$DRV_END")" 0 1000 "... at once (not at K)"

scenario "docker stop with a leftover that traps TERM"
play_stop 5 -- "$USHER" -t 5 -- "${R[@]}" main --on TERM=exit:0 \
	--leftover bg:write:300:"$S.file" --zombies 3 --ready "$READY"
is "$DRV_CODE" 0 "docker stop, main exits 0 on TERM: usher exits 0"
check "... the leftover was drained: its file exists" test -e "$S.file"
before "$(at main '^exit')" "$(at bg '^sig TERM')" "... it got TERM after the main process exited"
between "$DRV_MS" 0 4900 "... well before the deadline"

scenario "docker stop with a leftover that ignores TERM"
play_stop 3 -- "$USHER" -t 3 -- "${R[@]}" main --on TERM=exit:0 \
	--leftover bg:ignore --ready "$READY"
is "$DRV_CODE" 0 "docker stop, leftover ignores TERM: usher exits 0"
is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
between "$DRV_MS" 2200 2950 "... the leftover is killed at K (~2.7 s)"

# ---- leftovers: usher not PID 1 (subreaper) ------------------------------------

scenario "subreaper: leftover traps TERM"
sub_run 10 -- "$USHER" -t 5 -- "${R[@]}" main --exit-after 300:0 \
	--leftover bg:write:300:"$S.file" --zombies 3
is "$DRV_CODE" 0 "subreaper: main exits 0 leaving a background process: exit 0"
check "... the leftover's file exists" test -e "$S.file"
before "$(at bg '^wrote')" "$DRV_END" "... written before usher exited"
untouched "subreaper, trapping leftover"

scenario "subreaper: leftover ignores TERM"
sub_run 10 -- "$USHER" -t 3 -- "${R[@]}" main --exit-after 300:0 --leftover bg:ignore
is "$DRV_CODE" 0 "subreaper: a leftover ignoring TERM: exit 0"
between "$(gap "$(at main '^exit')" "$DRV_END")" 2200 2950 "... killed at K (~2.7 s after the main exit)"
warned "$(field bg pid)" "bg\|stoprec" "... with a warning naming it"
untouched "subreaper, stubborn leftover"

scenario "subreaper: no leftover"
sub_run 10 -- "$USHER" -- "${R[@]}" main --exit-after 300:0
is "$DRV_CODE" 0 "subreaper: no leftover: exit 0"
between "$(gap "$(at main '^exit')" "$DRV_END")" 0 1000 "... at once"
untouched "subreaper, no leftover"

scenario "subreaper: docker stop"
sub_stop 5 -- "$USHER" -t 5 -- "${R[@]}" main --on TERM=exit:0 \
	--leftover bg:write:300:"$S.file" --ready "$READY"
is "$DRV_CODE" 0 "subreaper: docker stop with a leftover: exit 0"
check "... the leftover was drained: its file exists" test -e "$S.file"
between "$DRV_MS" 0 4900 "... well before the deadline"
untouched "subreaper, docker stop"

done_testing
