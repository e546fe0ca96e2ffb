#!/bin/bash
# release/smoke.t: every release binary, under qemu-user for foreign
# architectures, as PID 1 of a fresh PID namespace (qemu 7.2 refuses
# PR_SET_CHILD_SUBREAPER, so never as a subreaper). TAP, for prove.
#
#   DIST=dist prove release/smoke.t      (make check-release)
#
# The emulated usher's children are host programs (sh, sleep, id and the
# static sigrec helper): qemu passes execve to the kernel, which runs them
# natively. So each check exercises the emulated usher's own logic: its
# signal names and numbers, its syscalls (the 32-bit-id ones on i386 and
# arm), its exit status handling, reaping and timeline.
# shellcheck disable=SC2016
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=${DIST:-$ROOT/dist}
SIGREC=$ROOT/tests/helpers/sigrec
. "$ROOT/release/arches.sh"
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=("${RELEASE_ARCHES[@]}")
# the integration tests' TAP helpers (ok, is, like, skip, done_testing),
# their temporary directory T_TMP; USHER only satisfies their guard here
USHER=${USHER:-$ROOT/usher}
. "$ROOT/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root for PID namespaces"; exit 0; }
[ -x "$SIGREC" ] || { echo "1..0 # SKIP $SIGREC not built (make tests/helpers/sigrec)"; exit 0; }
# What every binary must print: the build's own version, from the native
# one (an asset left from another commit would differ).
WANT_VERSION=$("$DIST/usher-amd64" --version 2>&1 || "$ROOT/usher" --version 2>&1)
T=$T_TMP
# wait_file FILE: up to 10 s (qemu starts slowly on a loaded machine)
wait_file() { wait_for 10 test -e "$1"; }

# The account --user resolves: ids above 65535 (a 16-bit call would
# truncate them) and two supplementary groups, one of them big too.
printf 'root:x:0:0::/root:/bin/sh\nsmoke:x:70000:70001::/:/bin/sh\n' >"$T/passwd"
printf 'root:x:0:\nsmokeg:x:70001:\nextra:x:70002:smoke\nbig:x:100000:root,smoke\n' >"$T/group"

# run_ns CMD...: CMD as PID 1 of a new PID and mount namespace whose
# /etc/passwd and /etc/group are the ones above (exec keeps PID 1).
NS_CMD=(unshare --pid --fork --mount-proc sh -c
	'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group &&
	 shift 2 && exec "$@"' sh "$T/passwd" "$T/group")
run_ns() { "${NS_CMD[@]}" "$@"; }

# bg_ns CMD...: run_ns in the background; sets NS (unshare) and P1 (the
# host PID of the namespace's PID 1) once FILE $READY exists.
bg_ns() {
	"${NS_CMD[@]}" "$@" >"$T/out" 2>"$T/err" &
	NS=$!
	P1=""
	wait_file "$READY" && P1=$(cat /proc/"$NS"/task/*/children 2>/dev/null)
}
end_ns() { # sets RC; kills the namespace if it outlived 20 s
	local i
	for i in $(seq 400); do kill -0 "$NS" 2>/dev/null || break; sleep 0.05; done
	[ "$i" -lt 400 ] || { kill -KILL "$P1" 2>/dev/null; diag "had to kill it"; }
	wait "$NS"
	RC=$?
}

smoke() {
	local a=$1 bin=$DIST/usher-$1 u out t0 dt
	arch_info "$a"
	if [ -e "$DIST/SKIPPED" ] && grep -q "^$a " "$DIST/SKIPPED"; then
		skip "$(grep "^$a " "$DIST/SKIPPED" | head -1) (release/build.sh)"
		return
	fi
	if [ ! -x "$bin" ]; then
		not_ok "$a: $bin is missing (make release)"
		return
	fi
	u=("$bin")
	if [ -n "$A_QEMU" ]; then
		if ! command -v "$A_QEMU" >/dev/null; then
			skip "$a: no $A_QEMU (apt-get install qemu-user-static)"
			return
		fi
		u=("$A_QEMU")
		[ -z "$A_QEMU_CPU" ] || u+=(-cpu "$A_QEMU_CPU")
		u+=("$bin")
	fi

	out=$("${u[@]}" --version 2>&1)
	like "$out" '^usher [0-9]+\.[0-9]+\.[0-9]+' "$a${A_QEMU_CPU:+ on $A_QEMU_CPU}: --version"
	is "$out" "$WANT_VERSION" "$a: the same version as the build host's ./usher"

	run_ns "${u[@]}" -- sh -c 'exit 7'
	is "$?" 7 "$a: exit code 7 passed through"
	run_ns "${u[@]}" -- sh -c 'kill -s KILL $$'
	is "$?" 137 "$a: killed by SIGKILL: 137"
	run_ns "${u[@]}" -- /nonexistent 2>/dev/null
	is "$?" 127 "$a: command not found: 127"

	# Forwarding, by the emulated usher's own names and numbers: HUP as
	# it is, USR1 rewritten to USR2 and WINCH to PWR, two RT signals as
	# they are, TERM last. Not an RT name as a rewrite target: qemu 7.2
	# renumbers RT signals, so a guest's RTMIN+3 (37) reaches the host as
	# 39; host RT signals passed through untouched map back to themselves.
	rm -f "$T/rec" "$T/rec.ready"
	READY=$T/rec.ready
	bg_ns "${u[@]}" -r USR1:USR2,WINCH:PWR -- "$SIGREC" "$T/rec" 15
	if [ -z "$P1" ]; then
		not_ok "$a: sigrec did not start under usher"; diag "$(cat "$T/err")"
		kill -KILL "$NS" 2>/dev/null; wait "$NS"
	else
		for s in HUP USR1 WINCH 35 64 TERM; do kill -s "$s" "$P1"; sleep 0.1; done
		end_ns
		is "$RC" 0 "$a: TERM forwarded, child exits 0, usher exits 0"
		is "$(tr '\n' ' ' <"$T/rec")" "1 12 30 35 64 15 " \
			"$a: HUP, USR1 as USR2, WINCH as PWR, 35, 64, TERM forwarded"
	fi

	# An orphan re-parented to usher is reaped: no zombie in the
	# namespace while the main child still runs.
	out=$(run_ns "${u[@]}" -- sh -c '(sleep 0.1 &) ; sleep 1;
		grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l')
	is "$out" 0 "$a: orphan reaped, no zombie"

	# Leftover drained: the main child exits, usher TERMs what is left
	# and waits for it before exiting with the child's status.
	rm -f "$T/left" "$T/left.ready"
	run_ns "${u[@]}" -- sh -c '(trap "echo drained >$1; exit 0" TERM;
		touch $1.ready; while :; do sleep 0.05; done) &
		while [ ! -e '"$T"'/left.ready ]; do sleep 0.05; done; exit 3' sh "$T/left" \
		2>/dev/null
	is "$?" 3 "$a: leftover: usher exits with the main child's 3"
	like "$(cat "$T/left" 2>/dev/null)" '^drained$' "$a: leftover got TERM and finished first"

	# The kill point: TERM ignored, --grace 1: SIGKILL at K = 0.9 s.
	READY=$T/g.ready
	rm -f "$READY"
	bg_ns "${u[@]}" --grace 1 -- sh -c 'trap "" TERM; touch "$1"; exec sleep 30' sh "$READY"
	if [ -z "$P1" ]; then
		not_ok "$a: --grace child did not start"
		kill -KILL "$NS" 2>/dev/null; wait "$NS"
	else
		sleep 0.1
		t0=$(now_ms)
		kill -TERM "$P1"
		end_ns
		dt=$(($(now_ms) - t0))
		is "$RC" 137 "$a: --grace 1, TERM ignored: killed, 137"
		if [ "$dt" -ge 600 ] && [ "$dt" -le 4000 ]; then
			ok "$a: ... at the kill point (${dt} ms after TERM, want ~900)"
		else
			not_ok "$a: ... at the kill point (${dt} ms after TERM, want ~900)"
		fi
	fi

	# --user: ids above 65535 and supplementary groups, from the files.
	out=$(run_ns "${u[@]}" --user smoke -- sh -c 'echo $(id -u) $(id -g) $(id -G | tr " " "\n" | sort -n)')
	is "$out" "70000 70001 70001 70002 100000" "$a: --user smoke: uid 70000, gid 70001, groups 70002 100000"
	out=$(run_ns "${u[@]}" --user 80000:90000 -- sh -c 'echo $(id -u) $(id -G)')
	is "$out" "80000 90000" "$a: --user 80000:90000: exactly those ids, no other group"
}

for a in "${ARCHES[@]}"; do
	if ! arch_info "$a"; then
		not_ok "unknown architecture '$a'"
		continue
	fi
	smoke "$a"
done
done_testing
