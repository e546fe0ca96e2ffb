#!/bin/bash
# Signals sent to usher from outside (for PID 1, from outside its PID
# namespace) reach the child: every forwardable one, real-time included,
# once each and in order. -g reaches a shell's background job; -r rewrites
# and drops; -e 143 turns a forwarded TERM into 0; a storm of 20000 SIGUSR1
# hurts neither usher nor the status; -p makes the death of usher's parent
# a signal that is forwarded like any other.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_core.sh"
require_root

REC=$HELPERS/sigrec
N=0
newrec() { N=$((N + 1)); F=$T_TMP/rec.$N; }

# Named in the issue; then every other signal usher must forward. Not sent:
# KILL and STOP (cannot be caught or blocked), CHLD (usher's own), and the
# synchronous faults SEGV BUS ILL FPE TRAP SYS ABRT (never forwarded, and
# fatal to usher by design). INT and TERM go last: the first of them starts
# the stop timeline (README, "Shutdown"), which follows it with SIGCONT and
# counts down the grace period.
NAMED="HUP QUIT USR1 USR2 WINCH CONT TSTP TTIN TTOU RTMIN RTMIN+3"
OTHERS="PIPE ALRM STKFLT URG XCPU XFSZ VTALRM PROF IO PWR"
for i in 1 2 4 5 6 7 8 9 10 11 12 13 14 15; do OTHERS="$OTHERS RTMIN+$i"; done
for i in 14 13 12 11 10 9 8 7 6 5 4 3 2 1; do OTHERS="$OTHERS RTMAX-$i"; done
STOPS="INT TERM"

# forwarded MODE NAME: send NAME to usher, wait for the recorder ($F) to
# get it; append the number to $sent. After a first loss, wait only 1 s for
# the others, so a broken usher fails in seconds rather than minutes.
forwarded() {
	local n
	n=$(signum "$2")
	send "$n"
	sent="$sent $n"
	wait_for "$fwd_wait" rec_has "$F" "$n" || { fwd_wait=1; return 1; }
}

for m in $MODES; do
	# -- every forwardable signal, one at a time ----------------------
	# The recorder exits 42 on RTMAX, sent last.
	newrec
	usher_bg "$m" "$REC" "$F" 64 42
	rec_ready "$F" || diag "recorder not ready"
	sent="" fwd_wait=$WAIT
	for s in $NAMED; do
		check "$m: SIG$s ($(signum "$s")) sent to usher reaches the child" forwarded "$m" "$s"
	done
	missing=
	for s in $OTHERS; do
		forwarded "$m" "$s" || missing="$missing $s"
	done
	is "$missing" "" "$m: every other forwardable signal reaches the child"
	for s in $STOPS; do
		check "$m: SIG$s ($(signum "$s")) sent to usher reaches the child" forwarded "$m" "$s"
		# the stop timeline's SIGCONT after the first stop signal
		[ "$s" = INT ] && sent="$sent 18"
	done
	send RTMAX
	sent="$sent 64"
	usher_wait
	is "$U_STATUS" 42 "$m: SIGRTMAX reaches the child, whose exit code 42 is usher's"
	is "$(rec_all "$F")" "${sent# }" \
		"$m: the child got each signal exactly once, in order, and nothing else (but the SIGCONT after INT)"

	# -- -g: the whole process group, so a shell's background job ------
	# The shell ignores USR1 and TERM and waits for the recorder, which
	# records USR1 and exits 5 on TERM: usher exits 5 only if TERM reached
	# the background job too.
	# end_job: TERM the recorder ourselves; the shell then exits with
	# its code, and usher with the shell's.
	end_job() {
		local rec
		if rec=$(descendant "$U_PID" sigrec); then
			kill -TERM "$rec"
		else
			diag "recorder not found under usher"
		fi
		usher_wait
	}
	for variant in "-g" "--pgroup" "USHER_PGROUP=1" "USHER_PGROUP=0 -g" \
		"plain" "USHER_PGROUP=0"; do
		newrec
		vars=() opts=()
		for w in $variant; do
			case $w in
			USHER_*) vars+=("$w") ;;
			-*) opts+=("$w") ;;
			esac
		done
		if [ ${#vars[@]} -gt 0 ]; then export "${vars[@]}"; fi
		usher_bg "$m" "${opts[@]}" sh -c 'trap "" USR1 TERM; "$0" "$1" 15 5 & wait $!' \
			"$REC" "$F"
		for v in "${vars[@]}"; do unset "${v%%=*}"; done
		rec_ready "$F"
		send USR1
		case $variant in
		plain | USHER_PGROUP=0)
			sleep 1 # nothing may arrive; give it the time to
			is "$(rec_all "$F")" "" "$m: $variant: only the shell gets USR1, not its background job"
			end_job
			is "$U_STATUS" 5 "$m: $variant: usher exits with the job's code"
			;;
		*)
			if wait_for "$WAIT" rec_has "$F" 10; then
				ok "$m: $variant: USR1 reaches a background job of the shell"
				send TERM
				usher_wait
				is "$U_STATUS" 5 "$m: $variant: TERM too; usher exits with the job's code"
			else
				not_ok "$m: $variant: USR1 reaches a background job of the shell"
				not_ok "$m: $variant: TERM too (not tried)"
				end_job
			fi
			;;
		esac
	done

	# -- rewriting ------------------------------------------------------
	# rewrite DESC EXITSIG WANT-RECORDED [ENV=V]... -- [USHER-OPTS]... -- SIGNALS...
	rewrite() {
		local desc=$1 exitsig=$2 want=$3 vars=() opts=()
		shift 3
		while [ "$1" != -- ]; do vars+=("$1"); shift; done
		shift
		while [ "$1" != -- ]; do opts+=("$1"); shift; done
		shift
		newrec
		if [ ${#vars[@]} -gt 0 ]; then export "${vars[@]}"; fi
		usher_bg "$m" "${opts[@]}" "$REC" "$F" "$exitsig" 0
		for v in "${vars[@]}"; do unset "${v%%=*}"; done
		rec_ready "$F"
		send "$1"
		shift
		for s in "$@"; do
			# one at a time, so usher surely receives them in order
			sleep 0.5
			send "$s"
		done
		usher_wait
		is "$U_STATUS:$(rec_all "$F")" "0:$want" "$m: $desc"
	}
	rewrite "-r TERM:QUIT: TERM arrives as QUIT" 3 3 -- -r TERM:QUIT -- TERM
	rewrite "--rewrite sigusr2:hup: USR2 arrives as HUP" 1 1 -- --rewrite sigusr2:hup -- USR2
	rewrite "-r USR1:0 drops USR1, other signals pass" 12 "12" -- -r USR1:0 -- USR1 USR2
	rewrite "-r RTMIN+3:RTMAX-1 rewrites real-time signals" 63 63 -- -r RTMIN+3:RTMAX-1 -- RTMIN+3
	rewrite "rewrites apply once, not in a chain" 3 3 -- -r TERM:QUIT -r QUIT:HUP -- TERM
	rewrite "USHER_REWRITE=TERM:QUIT,USR1:0" 3 3 USHER_REWRITE=TERM:QUIT,USR1:0 -- -- USR1 TERM
	rewrite "-r TERM:HUP beats USHER_REWRITE=TERM:QUIT" 1 1 USHER_REWRITE=TERM:QUIT -- -r TERM:HUP -- TERM

	# -- -e 143 and a TERM forwarded from outside ------------------------
	for variant in "-e 143" "USHER_SUCCESS_EXIT=143" ""; do
		if [ "$variant" = USHER_SUCCESS_EXIT=143 ]; then
			USHER_SUCCESS_EXIT=143 usher_bg "$m" sleep 1000
		else
			usher_bg "$m" $variant sleep 1000
		fi
		usher_child sleep
		send TERM
		usher_wait
		if [ -n "$variant" ]; then
			is "$U_STATUS" 0 "$m: $variant: a child killed by the forwarded TERM -> 0"
		else
			is "$U_STATUS" 143 "$m: without -e: a child killed by the forwarded TERM -> 143"
		fi
	done

	# -- a storm of 20000 SIGUSR1 ---------------------------------------
	newrec
	usher_bg "$m" "$REC" "$F" 15 7
	rec_ready "$F"
	sent=$("$HELPERS/sigstorm" "$U_PID" 10 20000)
	is "$sent" 20000 "$m: 20000 SIGUSR1 sent to usher"
	check "$m: usher survives the storm" alive "$U_PID"
	send USR2
	check "$m: and still forwards (USR2)" wait_for "$WAIT" rec_has "$F" 12
	send TERM
	usher_wait
	is "$U_STATUS" 7 "$m: the exit status survives the storm"
	# Standard signals merge while pending, so any number from 1 up is
	# right; none at all would mean usher stopped forwarding.
	check "$m: the child got SIGUSR1 during the storm" rec_has "$F" 10

	# The child exits (7, on USR2) while 20000 SIGUSR1 are still arriving.
	newrec
	usher_bg "$m" "$REC" "$F" 12 7
	rec_ready "$F"
	"$HELPERS/sigstorm" "$U_PID" 10 20000 >/dev/null &
	storm=$!
	wait_for "$WAIT" rec_has "$F" 10
	send USR2
	usher_wait
	wait "$storm"
	is "$U_STATUS" 7 "$m: the child's status survives a storm that outlasts it"

	# -- -p: the death of usher's parent --------------------------------
	newrec
	case $m in
	ns)
		# usher's parent is unshare
		usher_bg ns -p USR1 "$REC" "$F" 10 0
		rec_ready "$F"
		parent=$U_WRAP
		;;
	sub)
		# usher's parent is a shell that does not exec it
		sh -c '"$@"; :' sh env --default-signal "$USHER" -p USR1 "$REC" "$F" 10 0 &
		parent=$!
		wait_for "$WAIT" eval 'U_PID=$(children_of "$parent"); [ -n "$U_PID" ]'
		core_track "$U_PID"
		rec_ready "$F"
		;;
	esac
	# (bash would report the killed job on stderr)
	{ kill -KILL "$parent"; wait "$parent"; } 2>/dev/null
	check "$m: -p USR1: usher's parent dies, the child gets USR1" wait_for "$WAIT" rec_has "$F" 10
	check "$m: -p USR1: and usher exits with it" wait_for "$WAIT" _gone "$U_PID"
done

# The same from the environment, once.
newrec
USHER_PDEATHSIG=SIGUSR2 usher_bg ns "$REC" "$F" 12 0
rec_ready "$F"
{ kill -KILL "$U_WRAP"; wait "$U_WRAP"; } 2>/dev/null
check "USHER_PDEATHSIG=SIGUSR2 works like -p" wait_for "$WAIT" rec_has "$F" 12
wait_for "$WAIT" _gone "$U_PID"

done_testing
