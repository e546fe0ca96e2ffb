#!/bin/bash
# tests/soak.sh: usher as PID 1 of fresh PID namespaces under a random mix
# of signals, orphan bursts, SIGSTOP/SIGCONT, a stop hook and a final
# docker stop, round after round until SOAK_SECONDS (default 60) elapse.
#
#   USHER=./usher SOAK_SECONDS=60 [SOAK_SEED=N] tests/soak.sh   (make soak)
#
# One usher lives through the whole soak; each round also starts a fresh
# one and docker-stops it. Checked: every signal type sent reaches the child
# (real-time signals exactly as often as sent; standard ones at least once,
# as the kernel merges those, except the stop signals TSTP TTIN TTOU, which
# a later SIGCONT discards while pending), a dropped signal (-r URG:0) never does, no
# zombie and no orphan is left after a burst, every exit status is the
# child's, the stop hook runs, each stop ends before the grace; and for the
# long-lived usher no descriptor and no memory growth between the end of
# the first round and the end of the soak. The seed is printed; the same
# seed replays the same mix. Prints totals; exits 1 on any failure, 2 when
# it cannot run. Lines starting "FAIL:" name each failure.
set -u
: "${USHER:?set USHER to the usher binary}"
SOAK_SECONDS=${SOAK_SECONDS:-60}
SEED=${SOAK_SEED:-$(($(date +%s%N) / 1000 % 1000000))}
TESTS=$(cd "$(dirname "$0")" && pwd)
. "$TESTS/lib_proc.sh"
SOAKCHILD=$TESTS/helpers/soakchild
WAIT=${SOAK_WAIT:-10} # seconds for anything that must happen

[ "$(id -u)" = 0 ] || { echo "soak: needs root for PID namespaces"; exit 2; }
[ -x "$SOAKCHILD" ] || { echo "soak: $SOAKCHILD is not built (make $SOAKCHILD)"; exit 2; }
[ -x "$USHER" ] || { echo "soak: $USHER is not executable"; exit 2; }
case $SOAK_SECONDS in '' | *[!0-9]*) echo "soak: SOAK_SECONDS must be whole seconds"; exit 2 ;; esac

RANDOM=$SEED
echo "# soak: seed $SEED (SOAK_SEED=$SEED replays it), ${SOAK_SECONDS}s, usher $USHER"

TMP=$(mktemp -d)
# soak copies: the tree may be rebuilt meanwhile (make replaces the files),
# and one soak tests one binary
cp "$USHER" "$TMP/usher" && cp "$SOAKCHILD" "$TMP/soakchild" || exit 2
USHER=$TMP/usher SOAKCHILD=$TMP/soakchild
FAILS=0 ROUNDS=0 SIGNALS=0 ORPHANS=0 BURSTS=0 STOPS=0 STORMS=0
STARTED=() # unshare wrappers still running, killed on exit

fail() { FAILS=$((FAILS + 1)); echo "FAIL: round $ROUNDS: $*"; }

cleanup() {
	local w
	for w in "${STARTED[@]}"; do
		# unshare's child is usher, PID 1 of its namespace: killing it
		# takes the namespace down
		# shellcheck disable=SC2046 # one PID per word
		kill -KILL $(children_of "$w") 2>/dev/null
		kill -KILL "$w" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null; } # "PID PID ..."
state_of() { sed 's/.*) //; s/ .*//' /proc/"$1"/stat 2>/dev/null; }
gone() { local s; s=$(state_of "$1"); [ -z "$s" ] || [ "$s" = Z ]; }

# Signals of the mix. Not in it: TERM/INT (stop usher), USR2 (bursts),
# RTMAX (count dump), CHLD (usher's own), KILL/STOP, and the faults, which
# usher does not forward. URG is dropped by -r URG:0.
MIX=(1 3 10 14 18 20 21 22 23 26 27 28 29 30 34 35 40 48 50 58 63)
# 32 and 33 too, which the musl product forwards though libcs keep them for
# threads; a glibc build (usher-asan) cannot block them: glibc takes them
if ! ASAN_OPTIONS=help=1 "$USHER" --version 2>&1 | grep -q AddressSanitizer; then
	MIX+=(32 33)
fi
RT_FROM=32 # from here on signals queue: counted exactly

# ---- one usher -------------------------------------------------------------
# Per usher U (a name): U_wrap, U_pid, U_dir, U_code, sent counts in
# SENT_U[sig], bursts and orphans made.
declare -A SENT
long_pid= # set, like every NAME_* variable, by start_usher's eval

start_usher() { # start_usher NAME CODE USHER-ARGS...
	local name=$1 code=$2 dir=$TMP/$1; shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	env --default-signal unshare --pid --fork --mount-proc \
		"$USHER" "$@" -- "$SOAKCHILD" "$dir" "$code" 2>>"$dir/err" </dev/null &
	local wrap=$!
	STARTED+=("$wrap")
	eval "${name}_wrap=$wrap ${name}_dir=$dir ${name}_code=$code ${name}_bursts=0 ${name}_orphans=0 ${name}_dumps=0"
	if ! wait_for "$WAIT" test -e "$dir/ready"; then
		fail "$name: usher or its child did not start: $(cat "$dir/err")"
		return 1
	fi
	eval "${name}_pid=$(children_of "$wrap")"
	local s
	for s in "${MIX[@]}"; do SENT[$name.$s]=0; done
}

# send_mix NAME N: N random signals from the mix to usher, sometimes a
# SIGSTOP/SIGCONT pair in between
send_mix() {
	local name=$1 n=$2 pid s i
	eval "pid=\$${name}_pid"
	for ((i = 0; i < n; i++)); do
		s=${MIX[RANDOM % ${#MIX[@]}]}
		if ! kill -n "$s" "$pid" 2>/dev/null; then
			fail "$name: usher is gone (sending signal $s)"
			return 1
		fi
		SENT[$name.$s]=$((SENT[$name.$s] + 1))
		SIGNALS=$((SIGNALS + 1))
		if ((RANDOM % 64 == 0)); then
			kill -STOP "$pid"
			kill -CONT "$pid"
			STORMS=$((STORMS + 1))
		fi
	done
}

# burst NAME K: K orphans at once for usher to reap
burst() {
	local name=$1 k=$2 pid dir b
	eval "pid=\$${name}_pid dir=\$${name}_dir b=\$${name}_bursts"
	echo "$k" >"$dir/burst"
	kill -USR2 "$pid"
	b=$((b + 1))
	if ! wait_for "$WAIT" grep -q "^$b " "$dir/bursts" 2>/dev/null; then
		fail "$name: burst $b not made"
		return 1
	fi
	eval "${name}_bursts=$b ${name}_orphans=\$((${name}_orphans + k))"
	BURSTS=$((BURSTS + 1)) ORPHANS=$((ORPHANS + k))
}

# settled NAME: usher's only child is the soak child, and it has no zombie
settled() {
	local pid kids c
	eval "pid=\$${1}_pid"
	read -ra kids <<<"$(children_of "$pid")"
	[ "${#kids[@]}" = 1 ] || return 1
	for c in "${kids[@]}"; do [ "$(state_of "$c")" != Z ] || return 1; done
}
settle() {
	local pid
	eval "pid=\$${1}_pid"
	wait_for "$WAIT" settled "$1" ||
		fail "$1: orphans or zombies left: children of usher: $(for c in $(children_of "$pid"); do printf '%s(%s) ' "$c" "$(state_of "$c")"; done)"
}

# check_counts NAME FILE: what the child counted against what was sent
check_counts() {
	local name=$1 file=$2 s got sent bad=
	declare -A cnt=()
	while read -r s got; do cnt[$s]=$got; done <"$file"
	for s in "${MIX[@]}"; do
		sent=${SENT[$name.$s]}
		got=${cnt[$s]:-0}
		if [ "$s" = 23 ] && [ "$DROP_URG" = 1 ]; then
			[ "$got" = 0 ] || bad="$bad URG(dropped):sent=$sent,got=$got"
		elif [ "$s" -ge "$RT_FROM" ]; then
			[ "$got" = "$sent" ] || bad="$bad $s:sent=$sent,got=$got"
		elif [ "$s" = 18 ]; then
			: # CONT: usher forwards those of the STOP/CONT pairs too
		elif [ "$s" -ge 20 ] && [ "$s" -le 22 ]; then
			# TSTP TTIN TTOU: a later SIGCONT discards them while
			# pending (at usher or at the child), kernel rules; never
			# invented, though
			[ "$got" -le "$sent" ] || bad="$bad $s:sent=$sent,got=$got"
		elif [ "$sent" -gt 0 ]; then
			# merged while pending, never lost, never invented
			[ "$got" -ge 1 ] && [ "$got" -le "$sent" ] || bad="$bad $s:sent=$sent,got=$got"
		else
			[ "$got" = 0 ] || bad="$bad $s:sent=0,got=$got"
		fi
	done
	[ -z "$bad" ] || fail "$name: signals counted by the child differ:$bad"
}

# dump NAME: have the child write its counts, then check them
dump() {
	local name=$1 pid dir d
	eval "pid=\$${name}_pid dir=\$${name}_dir d=\$((${name}_dumps + 1))"
	kill -n 64 "$pid"
	if ! wait_for "$WAIT" grep -qx "dumps $d" "$dir/counts" 2>/dev/null; then
		fail "$name: the child did not report its counts"
		return 1
	fi
	eval "${name}_dumps=$d"
	check_counts "$name" "$dir/counts"
}

# docker_stop NAME GRACE [HOOK-MARKER]: SIGTERM, SIGKILL after GRACE s as
# docker does; the status must be the child's code, before the grace
docker_stop() {
	local name=$1 grace=$2 marker=${3-} pid wrap code t st
	eval "pid=\$${name}_pid wrap=\$${name}_wrap code=\$${name}_code"
	t=$(now_ms)
	kill -TERM "$pid"
	if ! wait_for "$grace" gone "$pid"; then
		kill -KILL "$pid"
		fail "$name: usher did not stop within the ${grace}s grace: SIGKILLed"
	fi
	wait "$wrap"
	st=$?
	t=$(($(now_ms) - t))
	STOPS=$((STOPS + 1))
	[ "$st" = "$code" ] || fail "$name: exit status $st after docker stop, want $code; stderr: $(tail -n 5 "$TMP/$name/err")"
	if [ -n "$marker" ] && [ ! -e "$marker" ]; then
		fail "$name: the stop hook did not run"
	fi
	[ "$t" -lt $((grace * 1000)) ] || fail "$name: stop took ${t} ms"
}

fd_count() { find /proc/"$1"/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' /proc/"$1"/status 2>/dev/null; }

# a round of work for usher NAME: signals, bursts, a check
work() {
	local name=$1 i
	for ((i = RANDOM % 3 + 1; i > 0; i--)); do
		send_mix "$name" $((RANDOM % 150 + 20)) || return 1
		if ((RANDOM % 2)); then
			burst "$name" $((RANDOM % 200 + 1)) || return 1
		fi
	done
	settle "$name"
	dump "$name"
}

# ---- the soak ------------------------------------------------------------------
DROP_URG=1
start_usher long 0 -g -r URG:0 -t 10 || exit 1
work long
FD0=$(fd_count "$long_pid") RSS0=$(rss_kb "$long_pid")
echo "# long-lived usher $long_pid: $FD0 descriptors, VmRSS $RSS0 kB after round 1"

t_end=$(($(now_ms) + SOAK_SECONDS * 1000))
while [ "$(now_ms)" -lt "$t_end" ]; do
	ROUNDS=$((ROUNDS + 1))
	# the long-lived usher gets a round of work
	work long
	# a fresh usher: random options, work, then a docker stop
	code=$((RANDOM % 120))
	args=(-t 5 -H "touch $TMP/short/hook.done" -r URG:0)
	((RANDOM % 2)) && args+=(-g)
	((RANDOM % 3 == 0)) && args+=(-vv)
	if start_usher short "$code" "${args[@]}"; then
		work short
		docker_stop short 5 "$TMP/short/hook.done"
	fi
	[ "$FAILS" -gt 20 ] && { echo "# too many failures: stopping"; break; }
done

FD1=$(fd_count "$long_pid") RSS1=$(rss_kb "$long_pid")
echo "# long-lived usher $long_pid: $FD1 descriptors, VmRSS $RSS1 kB at the end"
[ "$FD1" = "$FD0" ] || fail "long: descriptors grew from $FD0 to $FD1"
# pages first touched late (a code path seen only now) may add a little;
# a leak per signal or per orphan would add far more over a soak
if [ -z "$RSS1" ] || [ "$RSS1" -gt $((RSS0 + RSS0 / 10 + 64)) ]; then
	fail "long: VmRSS grew from $RSS0 kB to $RSS1 kB"
fi
docker_stop long 10

echo "# soak: $ROUNDS rounds, $SIGNALS signals sent, $STORMS STOP/CONT pairs," \
	"$BURSTS bursts, $ORPHANS orphans reaped, $STOPS docker stops, $FAILS failures (seed $SEED)"
[ "$FAILS" = 0 ]
