#!/bin/bash
# tests/engines/runc.t: usher under plain runc, the runtime below containerd
# and Kubernetes: a bundle from `runc spec` (read-only rootfs, no network
# but a loopback), the test playing the platform: `runc kill` TERM, then
# KILL 3 s later. Root.
# Commands for the container are single-quoted on purpose; helpers are
# called through wait_for.
# shellcheck disable=SC2016,SC2317
# shellcheck source=tests/lib_engine.sh
. "$(dirname "$0")/../lib_engine.sh"
require_root
[ -x "$HELPERS/sigrec" ] || skip_all "$HELPERS/sigrec is not built (make tests/helpers/sigrec)"
command -v runc >/dev/null || skip_all "runc: not installed (tests/deps.sh check installs it)"
eng_hold || skip_all "runc: no private namespace"
R=$E/rootfs
eng_rootfs "$R"
diag "$(runc --version | head -n 1)"

# bundle ID ARG...: a fresh bundle, /out a writable bind mount of $E/ID.out
bundle() {
	local id=$1; shift
	mkdir -p "$E/$id.out" && chmod 1777 "$E/$id.out"
	runc_bundle "$E/$id" "$R" "$id" "$@" &&
		python3 - "$E/$id/config.json" "$E/$id.out" <<-'EOF'
		import json, sys
		c = json.load(open(sys.argv[1]))
		c["mounts"].append({"destination": "/out", "type": "bind",
				    "source": sys.argv[2], "options": ["rbind", "rw"]})
		c["process"]["env"].append("USHER_GRACE=3")
		json.dump(c, open(sys.argv[1], "w"), indent=1)
		EOF
}
# start ID: `runc run` in the background (it waits for the container and
# exits with its status); RUN_PID is that runc
start() { rc run -b "$E/$1" "$1" >"$E/$1.log" 2>&1 & RUN_PID=$!; }
status_is() { [ "$(rc state "$1" 2>/dev/null | sed -n 's/.*"status": "\(.*\)".*/\1/p')" = "$2" ]; }

bundle exit7 /usher -- sh -c 'exit 7'
rc run -b "$E/exit7" exit7 >/dev/null 2>&1
is "$?" 7 "runc: exit 7 of the command is the container's"
bundle nosuch /usher -- /no/such
o=$(rc run -b "$E/nosuch" nosuch 2>&1)
is "$?" 127 "runc: a missing command: 127"
like "$o" "^usher: cannot run '/no/such': command not found" "... with usher's line"

bundle sig /usher -- /sigrec /out/rec
start sig
if wait_for 20 test -s "$E/sig.out/rec.ready"; then
	# runc takes names without SIG, and RTMIN+3 as its number (glibc's
	# RTMIN is 34)
	for s in HUP USR1 WINCH 37; do rc kill sig "$s"; done
	wait_for 5 sh -c "[ \$(grep -cvx 23 '$E/sig.out/rec') -ge 4 ]"
	# a foreground `runc run` forwards what it receives, the Go runtime's
	# own preemption signal too (URG, 23): usher passes it on like any other
	grep -qx 23 "$E/sig.out/rec" && diag "the command also got URG (23) from runc run's forwarding"
	is "$(grep -vx 23 "$E/sig.out/rec" | tr '\n' ' ')" "1 10 28 37 " "runc kill HUP, USR1, WINCH, RTMIN+3 reach the command"
	rc kill sig TERM
	wait "$RUN_PID"
	is "$?" 0 "... and TERM ends it with its own status"
else
	not_ok "the signal recorder did not start: $(cat "$E/sig.log")"
fi

# the platform's stop: TERM, then KILL at 3 s unless it is gone already
bundle stop /usher -- sh -c 'trap "" TERM; echo up >/out/up; while :; do sleep 1; done'
start stop
wait_for 20 test -s "$E/stop.out/up"
t0=$(now_ms)
rc kill stop TERM
forced=no
if ! wait_for 3 eval '! kill -0 $RUN_PID 2>/dev/null'; then
	rc kill stop KILL && forced=yes
fi
wait "$RUN_PID"
r=$?
dt=$(ms_since "$t0")
is "$r" 137 "runc kill TERM of a TERM-ignoring command with USHER_GRACE=3: 137"
is "$forced" no "... ended by usher in ${dt} ms, before the platform's KILL at 3 s"
like "$(cat "$E/stop.log")" 'usher: .*kill point of the 3(\.0+)?s grace reached: SIGKILL' \
	"... usher's kill-point line on its stderr"
rc delete -f stop >/dev/null 2>&1

eng_finish
