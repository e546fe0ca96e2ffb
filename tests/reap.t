#!/bin/bash
# Reaping: orphans of the command are adopted by usher (PID 1, or a child
# subreaper when it is not PID 1) and reaped, so no zombie remains; a burst
# of 5000 exits at once (merged SIGCHLDs) loses no status, the main one's
# included.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_core.sh"
require_root

ORPHANS=$HELPERS/orphans

# An orphan's parent is usher (the shell's $PPID); once killed it is
# reaped: /proc/PID disappears instead of staying a zombie.
# shellcheck disable=SC2016
ADOPT='
	sh -c "sleep 1000 </dev/null >/dev/null 2>&1 & echo \$! >$DIR/orphan.pid"
	pid=$(cat "$DIR/orphan.pid")
	ppid=$(awk "/^PPid:/ { print \$2 }" /proc/$pid/status)
	if [ "$ppid" != "$PPID" ]; then
		echo "orphan $pid has parent $ppid, not usher ($PPID)"
		kill $pid
		exit 1
	fi
	kill $pid
	i=0
	while [ -e /proc/$pid ] && [ $i -lt $((WAIT * 50)) ]; do sleep 0.02; i=$((i + 1)); done
	if [ -e /proc/$pid ]; then
		echo "orphan $pid not reaped: $(grep State /proc/$pid/status)"
		exit 2
	fi
	echo adopted and reaped
'

for m in $MODES; do
	DIR=$T_TMP WAIT=$WAIT run_usher "$m" sh -c "$ADOPT"
	is "$R_STATUS:$R_OUT" "0:adopted and reaped" "$m: an orphan's parent is usher, which reaps it"

	run_usher "$m" "$ORPHANS" -w 200 42
	is "$R_STATUS" 42 "$m: 200 orphans are all adopted and reaped: no zombie left"
	[ -z "$R_ERR" ] || diag "$R_ERR"

	run_usher "$m" "$ORPHANS" -w 5000 43
	is "$R_STATUS" 43 "$m: 5000 orphans released at once are all reaped"
	[ -z "$R_ERR" ] || diag "$R_ERR"

	# Without -w the main process exits while the burst is being reaped.
	for i in 1 2 3; do
		run_usher "$m" "$ORPHANS" 5000 44
		is "$R_STATUS" 44 "$m: the exit status survives a burst of 5000 orphans ($i)"
		[ -z "$R_ERR" ] || diag "$R_ERR"
	done
done

done_testing
