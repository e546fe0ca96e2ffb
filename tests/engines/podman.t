#!/bin/bash
# tests/engines/podman.t: usher under podman 4 (runc, cgroupfs, file events,
# a private --root/--runroot, --rootfs DIR: no image store, no registry),
# as the command and as podman's --init. crun is skipped: it refuses this
# machine's hybrid cgroup layout. Root.
# Commands for the container are single-quoted on purpose; helpers are
# called through wait_for and eval.
# shellcheck disable=SC2016,SC2317
# shellcheck source=tests/lib_engine.sh
. "$(dirname "$0")/../lib_engine.sh"
require_root
[ -x "$HELPERS/sigrec" ] || skip_all "$HELPERS/sigrec is not built (make tests/helpers/sigrec)"

podman_setup || skip_all "podman: $ENG_WHY"
R=$E/rootfs
eng_rootfs "$R"
cp "$USHER" "$E/usher-init"
diag "podman $(pm version -f '{{.Client.Version}}' 2>&1), runtime $(pm info -f '{{.Host.OCIRuntime.Path}}' 2>&1)"

plogs() { pm logs "$1" 2>&1; }
pstate() { pm inspect -f "{{.State.$2}}" "$1" 2>/dev/null; }
plogs_have() { plogs "$1" | grep -Eq -- "$2"; }
IGNORE_TERM='trap "" TERM; echo up; while :; do sleep 1; done'

# pstop_case NAME WHAT: podman stop -t 3 of a TERM-ignoring command
pstop_case() {
	local n=$1 what=$2 t0 dt err
	wait_for 20 plogs_have "$n" '^up$' || diag "$n: no 'up' in its log"
	t0=$(now_ms)
	err=$(pm stop -t 3 "$n" 2>&1 >/dev/null)
	dt=$(ms_since "$t0")
	is "$(pstate "$n" ExitCode)" 137 "$what: podman stop -t 3 of a TERM-ignoring command: 137"
	diag "$what: podman stop took ${dt} ms (usher's kill point: 2.7 s)"
	# podman's own warning when it has to: "StopSignal SIGTERM failed to
	# stop container NAME in 3 seconds, resorting to SIGKILL"
	check "$what: ... podman did not have to SIGKILL" eval '! printf "%s" "$err" | grep -q "resorting to SIGKILL"'
	[ -z "$err" ] || diag "podman stop: $err"
	like "$(plogs "$n")" 'usher: .*kill point of the 3(\.0+)?s grace reached: SIGKILL' \
		"$what: ... usher's kill-point line is in podman logs"
}

prun --rm --rootfs "$R" /usher -- sh -c 'exit 7' >/dev/null 2>&1
is "$?" 7 "podman: exit 7 of the command is the container's"
o=$(prun --rm --rootfs "$R" /usher -- /no/such 2>&1)
is "$?" 127 "podman: a missing command: 127"
like "$o" "^usher: cannot run '/no/such': command not found" "... with usher's line"

mkdir -p "$E/sig" && chmod 1777 "$E/sig"
prun -d --name sig -v "$E/sig:/out" --rootfs "$R" /usher -- /sigrec /out/rec >/dev/null
if wait_for 20 test -s "$E/sig/rec.ready"; then
	for s in HUP USR1 WINCH RTMIN+3; do pm kill -s "$s" sig >/dev/null; done
	wait_for 5 sh -c "[ \$(wc -l <'$E/sig/rec') -ge 4 ]"
	is "$(tr '\n' ' ' <"$E/sig/rec")" "1 10 28 37 " "podman kill -s HUP, USR1, WINCH, RTMIN+3 reach the command"
	pm kill -s TERM sig >/dev/null
	is "$(pm wait sig)" 0 "... and TERM ends it with its own status"
else
	not_ok "the signal recorder did not start: $(plogs sig)"
fi

o=$(prun --rm -e USHER_USER=65534 --rootfs "$R" /usher -- grep -E '^(Uid|Gid|Groups)' /proc/self/status | tr -s '\t\n' '  ')
is "$o" "Uid: 65534 65534 65534 65534 Gid: 65534 65534 65534 65534 Groups: 65534 " \
	"podman: USHER_USER=65534: uid and gid 65534, no group 0"

prun -d --name stop -e USHER_GRACE=3 --rootfs "$R" /usher -- sh -c "$IGNORE_TERM" >/dev/null
pstop_case stop "podman"

# orphans of a podman exec'd shell are reparented to usher and reaped
# (they live until /run/go exists; their output goes elsewhere: exec
# waits for its stdout to close)
pkids_are() { [ "$(pm exec "$1" cat /proc/1/task/1/children | wc -w)" = "$2" ]; }
rm -f "$R/run/go" # --rootfs shares the directory between containers
prun -d --name zomb --rootfs "$R" /usher -- sleep 1000 >/dev/null
pm exec zomb sh -c 'for i in 1 2 3 4 5 6 7 8; do
		(while [ ! -e /run/go ]; do sleep 0.1; done) >/dev/null 2>&1 & done'
kids=$(pm exec zomb cat /proc/1/task/1/children | wc -w)
check "podman exec'd orphans are reparented to usher ($kids children)" [ "$kids" -ge 9 ]
pm exec zomb touch /run/go
wait_for 20 pkids_are zomb 1
is "$(pm exec zomb sh -c 'grep -l "^State:.Z" /proc/[0-9]*/status 2>/dev/null | wc -l')" 0 \
	"... and reaped: no zombie in the container"
pm rm -f -t 0 zomb >/dev/null 2>&1

# the stop hook's output before the command's TERM, read-only root
prun -d --name hook --read-only --tmpfs /run -e USHER_GRACE=5 -e 'USHER_STOP_HOOK=echo HOOK-OUTPUT' \
	--rootfs "$R" /usher -- sh -c 'trap "echo CMD-GOT-TERM; exit 0" TERM; echo up; while :; do sleep 0.1; done' >/dev/null
wait_for 20 plogs_have hook '^up$'
pm stop -t 5 hook >/dev/null
like "$(plogs hook | grep -nE '^(HOOK-OUTPUT|CMD-GOT-TERM)$' | tr '\n' ' ')" \
	'^[0-9]+:HOOK-OUTPUT [0-9]+:CMD-GOT-TERM $' \
	"podman --read-only: the stop hook's output is in podman logs before the command sees TERM"
is "$(pstate hook ExitCode)" 0 "... and the command's status 0 is the container's"

# --- podman run --init --init-path usher, configured by USHER_* ------------
o=$(prun --rm --init --init-path "$E/usher-init" -e USHER_GRACE=3 --rootfs "$R" \
	sh -c 'tr "\0" " " </proc/1/cmdline; exit 7')
is "$?" 7 "podman --init --init-path usher: exit 7"
like "$o" '^/run/podman-init -- sh ' "... PID 1 is usher, started as 'podman-init -- CMD'"
prun -d --name init-stop --init --init-path "$E/usher-init" -e USHER_GRACE=3 --rootfs "$R" \
	sh -c "$IGNORE_TERM" >/dev/null
pstop_case init-stop "podman --init, -e USHER_GRACE=3"

if command -v crun >/dev/null; then
	skip "crun: refuses this machine's hybrid cgroup v1 layout; podman runs with --runtime runc"
else
	skip "crun: not installed (and refuses hybrid cgroups); podman runs with --runtime runc"
fi
eng_finish
