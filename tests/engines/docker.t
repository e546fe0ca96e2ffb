#!/bin/bash
# tests/engines/docker.t: usher under a real dockerd 20.10 (a private
# containerd + dockerd, see lib_engine.sh), as the ENTRYPOINT of a
# scratch-like image and as dockerd's --init. Root.
# Commands for the container are single-quoted on purpose.
# Helpers are called through wait_for and eval.
# shellcheck disable=SC2016,SC2317,SC2119
# shellcheck source=tests/lib_engine.sh
. "$(dirname "$0")/../lib_engine.sh"
require_root
[ -x "$HELPERS/sigrec" ] || skip_all "$HELPERS/sigrec is not built (make tests/helpers/sigrec)"

# dockerd's --init binary: a copy, so a rebuild of ./usher cannot swap it
cp "$USHER" "$E/usher-init"
docker_start --init-path "$E/usher-init" || skip_all "docker: $ENG_WHY"
eng_rootfs "$E/rootfs"
{ docker_import usher-test "$E/rootfs" 'ENTRYPOINT ["/usher","--"]' &&
	docker_import usher-bare "$E/rootfs"; } ||
	skip_all "docker import failed: $(tail -n 2 "$E/dockerd.log")"
diag "dockerd $(dk version -f '{{.Server.Version}}'), client $DOCKER $(dk version -f '{{.Client.Version}}')"

# out DIR: a fresh directory for a container's /out, writable by anyone
out() { rm -rf "${E:?}/$1"; mkdir -p "$E/$1"; chmod 1777 "$E/$1"; echo "$E/$1"; }

# zombies NAME: zombie processes in the container right now
zombies() { dk exec "$1" sh -c 'grep -l "^State:.Z" /proc/[0-9]*/status 2>/dev/null | wc -l'; }

# kids_are NAME N: the container's PID 1 has N children
kids_are() { [ "$(dk exec "$1" cat /proc/1/task/1/children | wc -w)" = "$2" ]; }

# logs_have NAME REGEX
logs_have() { dlogs "$1" | grep -Eq -- "$2"; }

# stop_case NAME WHAT: `docker stop -t 3` of a container whose command
# ignores TERM; usher's grace of 3 s (USHER_GRACE=3) must end it with 137
# before dockerd's SIGKILL
stop_case() {
	local n=$1 what=$2 t0 dt
	wait_for 20 logs_have "$n" '^up$' || diag "$n: no 'up' in its log"
	t0=$(now_ms)
	dk stop -t 3 "$n" >/dev/null
	dt=$(ms_since "$t0")
	is "$(dstate "$n" ExitCode)" 137 "$what: docker stop -t 3 of a TERM-ignoring command: 137"
	# the proof is dockerd's log, not a stopwatch on a loaded machine
	diag "$what: docker stop took ${dt} ms (usher's kill point: 2.7 s)"
	check "$what: ... dockerd's log shows no forced kill" eval '! forced "$n"'
	like "$(dlogs "$n")" 'usher: .*kill point of the 3(\.0+)?s grace reached: SIGKILL' \
		"$what: ... usher's kill-point line is in docker logs"
}

IGNORE_TERM='trap "" TERM; echo up; while :; do sleep 1; done'

# basics LABEL [DOCKER-RUN-OPTS...]: what the ENTRYPOINT must do, under
# the given run options (none, then --read-only with a tmpfs /run). With
# ENTRYPOINT ["/usher","--"] usher's options come as USHER_* variables:
# whatever follows the image name is the command.
basics() {
	local l=$1; shift
	local o d n r

	drun --rm "$@" usher-test sh -c 'exit 7' >/dev/null 2>&1
	is "$?" 7 "$l: exit 7 of the command is the container's exit code"
	o=$(drun --rm "$@" usher-test /no/such 2>&1)
	r=$?
	is "$r" 127 "$l: a missing command: 127"
	like "$o" "^usher: cannot run '/no/such': command not found" "$l: ... with usher's line"

	# signals from docker kill reach the command, RTMIN+3 included
	d=$(out "sig-$l")
	n=sig-$l
	drun -d --name "$n" -v "$d:/out" "$@" usher-test /sigrec /out/rec >/dev/null
	if wait_for 20 test -s "$d/rec.ready"; then
		for s in HUP USR1 WINCH RTMIN+3; do dk kill -s "$s" "$n" >/dev/null; done
		wait_for 5 sh -c "[ \$(wc -l <'$d/rec') -ge 4 ]"
		is "$(tr '\n' ' ' <"$d/rec")" "1 10 28 37 " "$l: docker kill -s HUP, USR1, WINCH, RTMIN+3 reach the command"
		dk kill -s TERM "$n" >/dev/null
		is "$(dk wait "$n")" 0 "$l: ... and TERM ends it with its own status"
	else
		not_ok "$l: the signal recorder did not start: $(dlogs "$n")"
	fi

	# orphans of a docker exec'd shell become usher's children, and are reaped
	# (they live until /run/go exists, whatever the load; their output goes
	# elsewhere: docker exec waits for its stdout to close)
	n=zomb-$l
	drun -d --name "$n" "$@" usher-test sleep 1000 >/dev/null
	dk exec "$n" sh -c 'for i in 1 2 3 4 5 6 7 8; do
		(while [ ! -e /run/go ]; do sleep 0.1; done) >/dev/null 2>&1 & done'
	local kids
	kids=$(dk exec "$n" cat /proc/1/task/1/children | wc -w)
	check "$l: docker exec'd orphans are reparented to usher ($kids children)" [ "$kids" -ge 9 ]
	dk exec "$n" touch /run/go
	wait_for 20 kids_are "$n" 1
	is "$(zombies "$n")" 0 "$l: ... and reaped: no zombie in the container"

	# --user: a real drop to uid and gid 65534 with no /etc/passwd; Docker's
	# own --user keeps gid 0
	o=$(drun --rm "$@" -e USHER_USER=65534 usher-test grep -E '^(Uid|Gid|Groups)' /proc/self/status | tr -s '\t\n' '  ')
	is "$o" "Uid: 65534 65534 65534 65534 Gid: 65534 65534 65534 65534 Groups: 65534 " \
		"$l: usher --user 65534: uid and gid 65534, no group 0"
	o=$(drun --rm --user 65534 "$@" usher-test grep -E '^Gid' /proc/self/status | tr -s '\t' ' ')
	is "$o" "Gid: 0 0 0 0" "$l: (Docker's own --user 65534 leaves gid 0)"
	o=$(drun --rm --cap-drop ALL "$@" -e USHER_USER=65534 usher-test sh -c 'echo RAN' 2>&1)
	r=$?
	is "$r" 125 "$l: --cap-drop ALL with usher --user: 125"
	like "$o" '^usher: ' "$l: ... with usher's line"
	check "$l: ... and nothing ran" eval '! printf "%s" "$o" | grep -q RAN'

	# the stop sequence
	n=stop-$l
	drun -d --name "$n" "$@" -e USHER_GRACE=3 usher-test sh -c "$IGNORE_TERM" >/dev/null
	stop_case "$n" "$l"

	# the stop hook's output comes before the command's TERM
	n=hook-$l
	drun -d --name "$n" "$@" -e USHER_GRACE=5 -e 'USHER_STOP_HOOK=echo HOOK-OUTPUT' usher-test \
		sh -c 'trap "echo CMD-GOT-TERM; exit 0" TERM; echo up; while :; do sleep 0.1; done' >/dev/null
	wait_for 20 logs_have "$n" '^up$'
	dk stop -t 5 "$n" >/dev/null
	o=$(dlogs "$n" | grep -nE '^(HOOK-OUTPUT|CMD-GOT-TERM)$' | tr '\n' ' ')
	like "$o" '^[0-9]+:HOOK-OUTPUT [0-9]+:CMD-GOT-TERM $' "$l: the stop hook's output is in docker logs before the command sees TERM"
	is "$(dstate "$n" ExitCode)" 0 "$l: ... and the command's status 0 is the container's"

	# a docker exec'd process outside usher's tree gets TERM before usher exits
	n=exec-$l
	d=$(out "exec-$l")
	drun -d --name "$n" -v "$d:/out" "$@" -e USHER_GRACE=5 usher-test sleep 1000 >/dev/null
	dk exec -d "$n" sh -c 'trap "echo term >/out/got; exit 0" TERM; echo >/out/ready; while :; do sleep 0.1; done'
	wait_for 20 test -e "$d/ready"
	dk stop -t 5 "$n" >/dev/null
	# The exec'd process is no child of usher (its parent is the shim
	# outside); before issue 11a's namespace drain usher exited as soon as
	# its own children were gone. 11a brings --stop-signal too, so that
	# option tells whether the drain is there (checked against 11a: passes).
	if usher_has --stop-signal; then
		check "$l: a docker exec'd process that traps TERM gets it before usher exits" test -s "$d/got"
	else
		todo "needs issue 11 drain" "$l: a docker exec'd process that traps TERM gets it before usher exits" \
			test -s "$d/got"
	fi
	dk rm -f "sig-$l" "zomb-$l" "stop-$l" "hook-$l" "exec-$l" >/dev/null 2>&1
}

basics plain; diag "plain: ${SECONDS}s"
basics read-only --read-only --tmpfs /run; diag "read-only: ${SECONDS}s"

# --- dockerd --init-path usher + docker run --init ---------------------------
o=$(drun --rm --init -e USHER_GRACE=3 usher-bare sh -c 'tr "\0" " " </proc/1/cmdline; exit 7')
r=$?
is "$r" 7 "--init: exit 7 through dockerd's init"
like "$o" '^/sbin/docker-init -- sh ' "--init: ... and PID 1 is the --init-path binary, started as 'docker-init -- CMD'"
# shellcheck disable=SC2016
o=$(drun --rm --init -e USHER_VERBOSE=1 -e USHER_SUCCESS_EXIT=3 usher-bare \
	sh -c 'env | grep -c "^USHER_"; exit 3' 2>"$E/init-env.err")
r=$?
is "$r" 0 "--init: configured by -e USHER_SUCCESS_EXIT=3: CMD's exit 3 becomes 0"
like "$(cat "$E/init-env.err")" '^usher: started sh as process' "... and by -e USHER_VERBOSE=1: it logs"
is "$o" 0 "... while CMD's environment holds no USHER_* variable"
drun -d --init -e USHER_GRACE=3 --name init-stop usher-bare sh -c "$IGNORE_TERM" >/dev/null
stop_case init-stop "--init, -e USHER_GRACE=3"
info=$(dk info -f '{{.InitBinary}} {{.InitCommit.ID}}' 2>&1)
diag "docker info: init $info"
if "$USHER" --version | grep -q ' - git\.'; then
	want=$("$USHER" --version | sed 's/.* - git\.//')
	is "${info##* }" "$want" "docker info shows usher's commit ($want) as the init's"
	check "... with no parse warning in dockerd's log" \
		eval "! grep -E 'failed to (parse|retrieve) .*usher-init' '$E/dockerd.log'"
else
	skip "needs --version as 'usher X - git.COMMIT' (issue 11b)"
	skip "needs --version as 'usher X - git.COMMIT' (issue 11b)"
fi

# --- not PID 1: --pid=container:OTHER (a pod with shareProcessNamespace) ------
d=$(out pidns)
drun -d --name pid-a usher-test sleep 1001 >/dev/null
drun -d --name pid-b --pid container:pid-a -v "$d:/out" -e USHER_GRACE=5 usher-test sh -c \
	'sh -c "trap \"echo term >/out/orphan; exit 0\" TERM; while :; do sleep 0.1; done" &
	 echo up; exec sleep 1002' >/dev/null
wait_for 20 logs_have pid-b '^up$'
o=$(dk exec pid-a ps -o pid,args)
like "$o" 'usher -- sh' "--pid=container: usher runs beside the other container's processes"
dk stop -t 5 pid-b >/dev/null
is "$(dstate pid-b ExitCode)" 143 "--pid=container: docker stop: the command's TERM status 143"
check "... usher drained its own orphan with TERM (a subreaper's drain)" test -s "$d/orphan"
is "$(dstate pid-a Running)" true "... the other container is still running"
like "$(dk exec pid-a ps -o args)" 'sleep 1001' "... with its process untouched"
dk rm -f pid-a pid-b >/dev/null

# --- cgroup limits ----------------------------------------------------------
# (137 alone would not tell usher's report from usher itself OOM-killed:
# its verbose log says who died and what it exits with)
drun --name oom --memory 32m --memory-swap 32m -e USHER_VERBOSE=1 usher-test \
	sh -c 'a=0123456789abcdef; while :; do a=$a$a; done' >/dev/null 2>&1
is "$?" 137 "memory limit: the command is OOM-killed, the container exits 137"
o=$(dlogs oom)
like "$o" '^usher: main process [0-9]+ killed by (SIG)?KILL' "... usher saw its command killed"
like "$o" '^usher: exiting 137' "... and reported 137 itself"
diag "OOMKilled=$(dstate oom OOMKilled)"
dk rm -f oom >/dev/null

# pids: the command fills the limit exactly (usher, sh and 4 sleeps); a
# fork in the container fails, usher stays up; at stop its own fork of the
# hook fails: it says so and still stops the command the normal way
drun -d --name pids --pids-limit 6 -e USHER_GRACE=5 -e 'USHER_STOP_HOOK=echo HOOK' usher-test \
	sh -c 'trap "echo TERM; exit 0" TERM; for i in 1 2 3 4; do sleep 1000 & done; echo up; wait' >/dev/null
wait_for 20 logs_have pids '^up$'
# a docker exec'd process is moved into the cgroup past the limit; its
# own fork is what fails
o=$(dk exec pids sh -c 'sleep 1 & wait' 2>&1)
like "$o" "can't fork" "pids limit: a fork in the container fails"
is "$(dstate pids Running)" true "... usher stays up"
dk stop -t 5 pids >/dev/null
o=$(dlogs pids)
like "$o" '^usher: cannot fork the stop hook: Resource temporarily unavailable' \
	"... at stop usher's fork of the hook fails: usher says so"
like "$o" '^TERM$' "... and still forwards TERM to the command"
is "$(dstate pids ExitCode)" 0 "... whose status 0 is the container's"
dk rm -f pids >/dev/null

eng_finish
