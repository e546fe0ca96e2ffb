#!/bin/bash
# Fault injection: usher under the conditions a container can throw at it.
#   - fork fails at start-up (process limit): 125 and one line, nothing runs
#   - fork fails for the stop hook: a warning, the shutdown still completes
#   - no usable /proc while usher is not PID 1: the drain kills nothing it
#     cannot prove is its own, says so, and exits with the main status
#   - stdout/stderr closed, or a pipe nobody reads: usher carries on, -v and
#     all, and its exit status (125/127 included) is intact
#   - the main process exits while the stop hook runs
#   - SIGSTOP/SIGCONT storms at usher: the exit status is not lost
#   - a child forking faster than usher reaps: no zombie, status intact
#   - valgrind (memcheck) on a plain glibc build: no error, no leak
# Each runs with usher as PID 1 of a fresh PID namespace (ns) and as a plain
# child, a subreaper (sub), where the difference matters.
. "$(dirname "$0")/lib.sh"
. "$TESTS/lib_core.sh"
require_root

FAULT=$HELPERS/fault
SIGREC=$HELPERS/sigrec
for h in "$FAULT" "$SIGREC"; do
	[ -x "$h" ] || skip_all "$h is not built (make $h)"
done
TOP=$(cd "$TESTS/.." && pwd)

# start MODE CMD...: like usher_bg, for a CMD that ends by exec'ing usher
# (prlimit, setpriv, fault epipe ...), so usher keeps the PID seen here.
start() {
	local mode=$1; shift
	U_PID=
	case $mode in
	ns)
		env --default-signal unshare --pid --fork --mount-proc "$@" &
		U_WRAP=$!
		wait_for "$WAIT" _forked || { diag "nothing started in the namespace"; return 1; }
		;;
	sub)
		env --default-signal "$@" &
		U_WRAP=$! U_PID=$!
		;;
	esac
	CORE_STARTED="$CORE_STARTED $mode:$U_PID"
}
_forked() { U_PID=$(children_of "$U_WRAP"); [ -n "$U_PID" ]; }

# in_mode MODE CMD...: run CMD in the foreground, as PID 1 of a new PID
# namespace or plainly; the status is CMD's. Killed after 3 x WAIT.
in_mode() {
	local mode=$1; shift
	case $mode in
	ns) timeout -k 2 $((3 * WAIT)) unshare --pid --fork --mount-proc "$@" ;;
	sub) timeout -k 2 $((3 * WAIT)) "$@" ;;
	esac
}

# zombies_of PID: how many children of PID are zombies.
zombies_of() {
	local c n=0
	for c in $(children_of "$1"); do
		[ "$(sed 's/.*) //; s/ .*//' /proc/"$c"/stat 2>/dev/null)" = Z ] && n=$((n + 1))
	done
	echo "$n"
}
no_zombie_child() { [ "$(zombies_of "$1")" = 0 ]; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A uid no process runs as: RLIMIT_NPROC counts the processes of the real
# uid, and root is exempt from it (so is root mapped into a user namespace:
# the kernel checks the real user, which stays root), hence setpriv.
FU=$((40000 + $$ % 20000))
as_limited() { local n=$1; shift; prlimit --nproc="$n" setpriv --reuid="$FU" --regid="$FU" --clear-groups "$@"; }
# the limited user must reach its files; T_TMP is 0700 root
chmod 0711 "$T_TMP"
LIM=$T_TMP/lim
mkdir "$LIM" && chown "$FU:$FU" "$LIM"

# ---- fork fails at start-up ------------------------------------------------
# usher's fork of COMMAND is its first: with a limit of one process (usher
# itself) it fails. Exit 125, one line naming the fork, nothing started.
for mode in $MODES; do
	rm -f "$LIM/never.ready"
	in_mode "$mode" prlimit --nproc=1 setpriv --reuid="$FU" --regid="$FU" --clear-groups \
		"$USHER" -v "$SIGREC" "$LIM/never" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	st=$? err=$(cat "$T_TMP/err")
	is "$st" 125 "$mode: fork failing at start-up exits 125"
	if one_error_line "$err" && printf '%s' "$err" | grep -q 'fork'; then
		ok "$mode: ... with one 'usher: ' line about the fork"
	else
		not_ok "$mode: ... with one 'usher: ' line about the fork"
		diag "stderr: $err"
	fi
	check "$mode: ... and nothing started" test ! -e "$LIM/never.ready"
done

# ---- fork fails for the stop hook ------------------------------------------
# Room for usher and its child only: the hook's fork fails at SIGTERM. usher
# warns and goes on with the shutdown: TERM to the child, its status.
for mode in $MODES; do
	rm -f "$LIM"/main* "$LIM/hook"*
	start "$mode" prlimit --nproc=2 setpriv --reuid="$FU" --regid="$FU" --clear-groups \
		"$USHER" -t 10 -H "$SIGREC $LIM/hook" -- "$SIGREC" "$LIM/main" 15 7 \
		2>"$T_TMP/err" </dev/null
	rec_ready "$LIM/main" || diag "main process not ready"
	t=$(now_ms)
	send TERM
	usher_wait
	t=$(($(now_ms) - t))
	is "$U_STATUS" 7 "$mode: hook fork fails: shutdown completes with the child's status"
	like "$(cat "$T_TMP/err")" '^usher: .*cannot fork the stop hook' "$mode: ... and usher says the hook could not start"
	check "$mode: ... the child got TERM" rec_has "$LIM/main" 15
	check "$mode: ... the hook never ran" test ! -e "$LIM/hook.ready"
	check "$mode: ... without waiting for a deadline (${t} ms)" test "$t" -lt 5000
done

# ---- no usable /proc, usher not PID 1 --------------------------------------
# A mount namespace where /proc is an empty tmpfs, or unmounted (an empty
# directory), or still the procfs of the parent PID namespace (unshare
# --pid without --mount-proc): its PIDs and parents are not ours. A shell
# is PID 1 of the PID namespace; usher is its first child (PID 2, which in
# the parent's procfs is kthreadd, the parent of every kernel thread), a
# subreaper, with COMMAND leaving a background process behind and exiting
# 3; an unrelated process runs beside usher. usher cannot tell which
# processes are its descendants: it must signal neither, say why, and
# still exit 3 (at the kill point: it cannot know the leftover is gone).
cat >"$T_TMP/noproc.sh" <<'EOF'
#!/bin/sh
# noproc.sh USHER HELPERS DIR tmpfs|umount|foreign: PID 1 of the scenario
U=$1 H=$2 D=$3
case $4 in
umount) umount -l /proc || exit 90; [ ! -e /proc/self ] || exit 91 ;;
tmpfs) mount -t tmpfs none /proc || exit 90; [ ! -e /proc/self ] || exit 91 ;;
foreign) read -r self _ </proc/self/stat && [ "$self" != 1 ] || exit 91 ;;
esac
# no fork before this one: usher must be PID 2
"$U" -v -t 2 sh -c "while [ ! -e \"$D/unrelated.ready\" ]; do sleep 0.02; done
	\"$H/sigrec\" \"$D/left\" &
	while [ ! -e \"$D/left.ready\" ]; do sleep 0.02; done
	exit 3" 2>"$D/err" &
u=$!
"$H/sigrec" "$D/unrelated" &
wait "$u"
echo "$?" >"$D/status"
sleep 0.2
kill -0 "$(cat "$D/left.ready")" && echo >"$D/left.alive"
kill -0 "$(cat "$D/unrelated.ready")" && echo >"$D/unrelated.alive"
exit 0
EOF
chmod +x "$T_TMP/noproc.sh"
ASAN_BUILD=false
ASAN_OPTIONS=help=1 "$USHER" --version 2>&1 | grep -q AddressSanitizer && ASAN_BUILD=true
for how in tmpfs umount foreign; do
	D=$T_TMP/noproc-$how
	mkdir "$D"
	t=$(now_ms)
	timeout -k 2 $((3 * WAIT)) unshare --pid --fork --mount --propagation private \
		"$T_TMP/noproc.sh" "$USHER" "$HELPERS" "$D" "$how" </dev/null
	st=$? t=$(($(now_ms) - t))
	if [ "$st" != 0 ]; then
		not_ok "/proc $how: the scenario ran (status $st)"
		continue
	fi
	st=$(cat "$D/status" 2>/dev/null)
	# usher-asan: LeakSanitizer needs /proc at exit and fails the exit
	# after usher is done (it reads ASAN_OPTIONS from /proc/self/environ,
	# so it cannot be turned off here); usher's last line tells its code
	if [ "$st" = 1 ] && $ASAN_BUILD && grep -q 'LeakSanitizer has encountered a fatal error' "$D/err"; then
		st=$(sed -n 's/^usher: exiting \([0-9]*\)$/\1/p' "$D/err")
		diag "usher-asan: LeakSanitizer failed at exit without /proc; usher said 'exiting $st'"
	fi
	is "$st" 3 "/proc $how: usher exits with the main status"
	check "/proc $how: ... within the grace and a margin (${t} ms)" test "$t" -lt 6000
	if [ -e "$D/left.alive" ] && ! rec_has "$D/left" 15 && ! rec_has "$D/left" 9; then
		ok "/proc $how: the leftover was not signalled"
	else
		not_ok "/proc $how: the leftover was not signalled"
		diag "left: $(rec_all "$D/left")"
	fi
	if [ -e "$D/unrelated.alive" ] && [ -z "$(rec_all "$D/unrelated")" ]; then
		ok "/proc $how: the unrelated process was not signalled"
	else
		not_ok "/proc $how: the unrelated process was not signalled"
		diag "unrelated: $(rec_all "$D/unrelated")"
	fi
	like "$(cat "$D/err")" '^usher: .*(left|/proc)' "/proc $how: usher warns that something was left"
	like "$(cat "$D/err")" '^usher: .*/proc' "/proc $how: ... and names /proc as the reason"
done

# ---- stdout and stderr closed, or a pipe nobody reads -----------------------
# usher -v writes a line per event; every write fails (EBADF or EPIPE, and
# SIGPIPE). The forwarding goes on and the exit status is the child's.
# usher's own failures keep their codes: 125 for a bad option, 127 for a
# command not found.
# run_out closed|epipe MODE USHER-ARGS...: usher in the foreground that way
run_out() {
	local out=$1 mode=$2; shift 2
	if [ "$out" = closed ]; then
		in_mode "$mode" "$USHER" "$@" >&- 2>&- </dev/null
	else
		in_mode "$mode" "$FAULT" epipe "$USHER" "$@" </dev/null
	fi
}
for out in closed epipe; do
	for mode in $MODES; do
		rm -f "$T_TMP/rec"*
		if [ "$out" = closed ]; then
			start "$mode" "$USHER" -vvv -- "$SIGREC" "$T_TMP/rec" 15 7 >&- 2>&- </dev/null
		else
			start "$mode" "$FAULT" epipe "$USHER" -vvv -- "$SIGREC" "$T_TMP/rec" 15 7 </dev/null
		fi
		rec_ready "$T_TMP/rec" || diag "child not ready"
		send USR1
		wait_for "$WAIT" rec_has "$T_TMP/rec" 10
		send HUP
		wait_for "$WAIT" rec_has "$T_TMP/rec" 1
		send TERM
		usher_wait
		is "$U_STATUS" 7 "$mode, stdout+stderr $out, -vvv: the child's status"
		is "$(rec_all "$T_TMP/rec")" "10 1 15" "$mode, $out: ... and every signal forwarded"
		run_out "$out" "$mode" -v --no-such-option true
		is "$?" 125 "$mode, $out: a bad option still exits 125"
		run_out "$out" "$mode" -v "$T_TMP/no-such-command"
		is "$?" 127 "$mode, $out: a missing command still exits 127"
	done
done

# ---- the main process exits while the stop hook runs -----------------------
# The hook lets the main process go, then works for a while. usher waits
# for the hook (it is not cut short by the main exit), then exits with the
# main status, long before the grace.
cat >"$T_TMP/hook.sh" <<EOF
#!/bin/sh
: >"$T_TMP/go"
sleep \${1:-1}
: >"$T_TMP/hook.done"
EOF
chmod +x "$T_TMP/hook.sh"
for mode in $MODES; do
	rm -f "$T_TMP/go" "$T_TMP/hook.done" "$T_TMP/main.ready"
	start "$mode" "$USHER" -v -t 20 -H "/bin/sh $T_TMP/hook.sh 1" -- sh -c \
		": >'$T_TMP/main.ready'; while [ ! -e '$T_TMP/go' ]; do sleep 0.02; done; exit 5" \
		2>"$T_TMP/err" </dev/null
	wait_for "$WAIT" test -e "$T_TMP/main.ready"
	t=$(now_ms)
	send TERM
	usher_wait
	t=$(($(now_ms) - t))
	is "$U_STATUS" 5 "$mode: main exits during the hook: its status"
	check "$mode: ... the hook ran to its end" test -e "$T_TMP/hook.done"
	check "$mode: ... usher waited for it, not for the grace (${t} ms)" \
		test "$t" -ge 900 -a "$t" -lt 10000
	if grep -q SIGKILL "$T_TMP/err"; then
		not_ok "$mode: ... nothing was killed"
		diag "$(cat "$T_TMP/err")"
	else
		ok "$mode: ... nothing was killed"
	fi
done
# and a hook that outlives its timeout once the main process is gone
for mode in $MODES; do
	rm -f "$T_TMP/go" "$T_TMP/hook.done" "$T_TMP/main.ready"
	start "$mode" "$USHER" -t 20 --hook-timeout 1 -H "/bin/sh $T_TMP/hook.sh 30" -- sh -c \
		": >'$T_TMP/main.ready'; while [ ! -e '$T_TMP/go' ]; do sleep 0.02; done; exit 5" \
		2>"$T_TMP/err" </dev/null
	wait_for "$WAIT" test -e "$T_TMP/main.ready"
	t=$(now_ms)
	send TERM
	usher_wait
	t=$(($(now_ms) - t))
	is "$U_STATUS" 5 "$mode: main gone, hook past --hook-timeout: the main status"
	check "$mode: ... the hook was cut at its timeout (${t} ms)" test "$t" -ge 900 -a "$t" -lt 8000
	check "$mode: ... and did not finish" test ! -e "$T_TMP/hook.done"
	like "$(cat "$T_TMP/err")" 'stop hook .*SIGKILL' "$mode: ... usher says it killed the hook"
done

# ---- a pidfile that is a FIFO -------------------------------------------------
# --pidfile names a FIFO nobody writes (a mistake, or a hostile image):
# opening it must not block usher, which then could not even stop. It gives
# up on the pidfile and exits 125 by the kill point of a SIGTERM. A child
# stays (sleep), so usher keeps waiting for the file until the stop: with
# no child left it would give up at once.
for mode in $MODES; do
	rm -f "$T_TMP/fifo"
	mkfifo "$T_TMP/fifo"
	start "$mode" "$USHER" -t 2 -P "$T_TMP/fifo" -- sh -c 'sleep 5 & exit 0' 2>"$T_TMP/err" </dev/null
	sleep 0.5
	send TERM
	usher_wait 8
	is "$U_STATUS" 125 "$mode: --pidfile on a FIFO: usher still stops, exit 125"
	like "$(cat "$T_TMP/err")" '^usher: .*pidfile' "$mode: ... saying the pidfile held no PID"
done

# ---- SIGSTOP/SIGCONT storms ------------------------------------------------
# From outside (through the namespace boundary, where STOP reaches even a
# namespace's init). The child exits while usher is stopped half the time:
# the SIGCHLD waits for SIGCONT, the status must not be lost.
for mode in $MODES; do
	# exit on a forwarded signal during the storm
	rm -f "$T_TMP/rec"*
	start "$mode" "$USHER" -- "$SIGREC" "$T_TMP/rec" 10 9 2>"$T_TMP/err" </dev/null
	rec_ready "$T_TMP/rec"
	"$FAULT" stopstorm "$U_PID" 1500 200 >"$T_TMP/storm" &
	storm=$!
	sleep 0.3
	send USR1
	wait "$storm"
	usher_wait
	is "$U_STATUS" 9 "$mode: STOP/CONT storm ($(cat "$T_TMP/storm") signals), child exits on a forwarded USR1: its status"
	# the child exits on its own during the storm
	start "$mode" "$USHER" -- sh -c 'sleep 0.4; exit 9' 2>"$T_TMP/err" </dev/null
	"$FAULT" stopstorm "$U_PID" 2500 200 >"$T_TMP/storm"
	usher_wait
	is "$U_STATUS" 9 "$mode: STOP/CONT storm ($(cat "$T_TMP/storm") signals), child exits by itself: its status"
	# docker stop in the middle of the storm
	rm -f "$T_TMP/rec"*
	start "$mode" "$USHER" -t 10 -- "$SIGREC" "$T_TMP/rec" 15 4 2>"$T_TMP/err" </dev/null
	rec_ready "$T_TMP/rec"
	"$FAULT" stopstorm "$U_PID" 1500 200 >"$T_TMP/storm" &
	storm=$!
	sleep 0.3
	send TERM
	wait "$storm"
	usher_wait
	is "$U_STATUS" 4 "$mode: STOP/CONT storm, SIGTERM in the middle: the child's status"
done

# ---- a child that forks faster than usher reaps -----------------------------
# 20 000 processes in batches of 500, each batch orphaned at once (many
# already zombies); then the child waits for TERM. usher must have reaped
# every one while it still runs, and keep the status.
FORKS=20000
for mode in $MODES; do
	rm -f "$T_TMP/rec"* "$T_TMP/forks"
	start "$mode" "$USHER" -- sh -c "'$FAULT' forks $FORKS 500 0 >'$T_TMP/forks' && exec '$SIGREC' '$T_TMP/rec' 15 6" \
		2>"$T_TMP/err" </dev/null
	wait_for $((3 * WAIT)) test -e "$T_TMP/rec.ready"
	is "$(cat "$T_TMP/forks" 2>/dev/null)" "$FORKS" "$mode: $FORKS short-lived orphans made"
	if wait_for "$WAIT" no_zombie_child "$U_PID"; then
		ok "$mode: ... usher reaped them all: no zombie child"
	else
		not_ok "$mode: ... usher reaped them all: no zombie child"
		diag "zombies: $(zombies_of "$U_PID")"
	fi
	is "$(children_of "$U_PID" | wc -w)" 1 "$mode: ... and only the main process is left"
	send TERM
	usher_wait
	is "$U_STATUS" 6 "$mode: ... exit status intact"
done

# ---- valgrind ----------------------------------------------------------------
# memcheck on a glibc build without sanitizers, through the paths that touch
# memory most: parsing, spawning, forwarding, the hook, the /proc scan of
# the drain, --user resolution, errors.
vg_run() { # vg_run MODE WANT DESC [USHER-ARGS]...: run usher under valgrind
	local mode=$1 want=$2 desc=$3; shift 3
	# --vgdb=no: every valgrind running as PID 1 would share the same
	# /tmp/vgdb-pipe-*-1-* names, and two at once report an error
	in_mode "$mode" valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --log-file="$T_TMP/vg.%p" \
		"$T_TMP/usher-vg" "$@" >/dev/null 2>"$T_TMP/vg.err" </dev/null
	local st=$? log
	# memcheck's findings are "==PID==" lines; "--PID--" lines are
	# valgrind's own notes, such as its not knowing pidfd_open (it then
	# fails with ENOSYS, so leftovers go unsignalled in sub mode here)
	log=$(grep -h '^==' "$T_TMP"/vg.[0-9]* 2>/dev/null)
	grep -qh 'unhandled .* syscall' "$T_TMP"/vg.[0-9]* 2>/dev/null &&
		VG_NOTE=$(grep -h 'unhandled .* syscall' "$T_TMP"/vg.[0-9]* | sort -u)
	rm -f "$T_TMP"/vg.[0-9]*
	if [ "$st" = "$want" ] && [ -z "$log" ]; then
		ok "valgrind, $mode: $desc: exit $want, no error, no leak"
	else
		not_ok "valgrind, $mode: $desc: exit $want, no error, no leak"
		diag "status: $st" "$log" "$(cat "$T_TMP/vg.err")"
	fi
}
if ! command -v valgrind >/dev/null; then
	skip "valgrind is not installed (apt-get install valgrind)"
elif ! command -v gcc >/dev/null; then
	skip "gcc is not installed: no plain build for valgrind"
elif ! (cd "$TOP" && gcc -std=c11 -D_GNU_SOURCE -g -O1 -o "$T_TMP/usher-vg" ./*.c) 2>"$T_TMP/cc.err"; then
	not_ok "valgrind: the plain glibc build"
	diag "$(cat "$T_TMP/cc.err")"
else
	for mode in sub ns; do
		vg_run "$mode" 7 "exit status" -v -- sh -c 'exit 7'
		# shellcheck disable=SC2016 # $PPID is the inner shell's
		vg_run "$mode" 0 "signals, stop hook and leftovers" -vvv -t 5 -H "/bin/sh -c true" \
			-r USR2:0 -- sh -c 'trap "" TERM USR1; sleep 3 & kill -USR1 $PPID; kill -USR2 $PPID; kill -TERM $PPID; sleep 0.5; exit 0'
		vg_run "$mode" 3 "orphans and -e" -e 4 -- sh -c 'for i in 1 2 3 4 5 6 7 8; do (sleep 0.1 &) ; done; exit 3'
		vg_run "$mode" 125 "bad option" --grace=nope true
		vg_run "$mode" 127 "command not found" "$T_TMP/no-such-command"
		vg_run "$mode" 125 "unknown user" -u no-such-user-here true
		vg_run "$mode" 0 "--user by number, --no-new-privs" -u 4321:4321 --no-new-privs true
	done
	[ -z "${VG_NOTE-}" ] || diag "valgrind said: $VG_NOTE"
fi

done_testing
