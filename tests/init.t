#!/bin/bash
# init.t: what usher must survive from the way it is started, and the build
# budget. Root for the PID namespace parts.
. "$(dirname "$0")/lib.sh"
require_root

# An inherited SIG_IGN for SIGCHLD would let the kernel reap for usher and
# lose the exit status (usher used to hang here forever).
timeout 10 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' \
	unshare --pid --fork --mount-proc "$USHER" -- sh -c 'sleep 0.1 & exit 7'
is "$?" 7 "SIGCHLD ignored by the parent: usher still sees the exit status"
# No shell and no unshare in between: both reset SIGCHLD themselves.
# Bit 17 (SIGCHLD) is 0x10000.
out=$(timeout 10 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' \
	"$USHER" -- grep ^SigIgn /proc/self/status)
# Leave out signals 32-34 (bits 0x1c0000000): libc-reserved, and GNU make
# starts its children with 32 and 33 ignored.
ign=$(( 0x${out##*[[:space:]]} & ~0x1c0000000 ))
is "$(printf '%x' "$ign")" 10000 "... and the child gets the inherited SIG_IGN back"

out=$(timeout 10 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$USHER" -- sh -c 'sleep 0.2 & exit 3')
is "$?" 3 "... also as a subreaper"

# Options: getopt's '+' rules without getopt
for spec in "-gv:0" "-t5:0" "-t 5:0" "--grace=2:0" "--gr 2:0" "--pgroup=1:125" "--p x:125" "-vx:125"; do
	args=${spec%:*} want=${spec##*:}
	# shellcheck disable=SC2086
	"$USHER" $args true 2>"$T_TMP/err"
	is "$?" "$want" "usher $args true exits $want"
	if [ "$want" = 125 ]; then
		is "$(wc -l <"$T_TMP/err")" 1 "... with one line on stderr"
		like "$(cat "$T_TMP/err")" '^usher: ' "... prefixed usher:"
	fi
done

# Budget: the static product binary next to the Makefile (the ASan pass's
# $USHER is a dynamic glibc build, so look at ./usher itself).
bin=$TESTS/../usher
if [ -x "$bin" ]; then
	size=$(stat -c %s "$bin")
	check "./usher is $size bytes, within 80 KiB (the resolver of --wait and --probe included)" [ "$size" -le 81920 ]
	like "$(file -b "$bin")" 'statically linked|static-pie linked' "./usher is static"
else
	skip "./usher not built"
	skip "./usher not built"
fi
done_testing
