#!/bin/bash
# make demo: usher as PID 1 of a fresh PID namespace, the way a container
# runs it, with a stop hook, an app that leaves zombies and a background
# worker, then a forwarded signal and a `docker stop -t 5` played from
# outside. Everything is timestamped from one clock (CLOCK_MONOTONIC, via
# tests/helpers/stoprec). Builds nothing: make builds usher and the helpers.
set -u
cd "$(dirname "$0")/.." || exit 1
USHER=${USHER:-$PWD/usher}
H=$PWD/tests/helpers
. "$PWD/tests/lib_proc.sh"
GRACE=5

for f in "$USHER" "$H/stoprec"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run 'make demo'" >&2; exit 1; }
done

# PID namespaces need root; without it a user namespace maps us to root.
if [ "$(id -u)" = 0 ]; then
	NS=(unshare --pid --fork --mount-proc)
else
	NS=(unshare --user --map-root-user --pid --fork --mount-proc)
fi
"${NS[@]}" true 2>/dev/null ||
	{ echo "demo: cannot create a PID namespace with: ${NS[*]}" >&2; exit 1; }

D=$(mktemp -d)
chmod 755 "$D"
LOG=$D/events.log
START=$("$H/stoprec" --now)
WRAP=
cleanup() {
	[ -n "$WRAP" ] && kill -KILL "$WRAP" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

# stamp: seconds since the demo started, as +S.mmm
stamp() {
	local ms=$(($("$H/stoprec" --now) - START))
	printf '+%d.%03ds' $((ms / 1000)) $((ms % 1000))
}
say() { printf '%s  demo   %s\n' "$(stamp)" "$*"; }
# usher's own lines (stderr) go through this, so both share one clock
stamped() { while IFS= read -r l; do printf '%s  %s\n' "$(stamp)" "$l"; done; }

# The stop hook: what you would otherwise put in a Kubernetes preStop hook.
cat >"$D/hook" <<EOF
#!/bin/sh
echo "hook: deregistering (signal \$USHER_SIGNAL, main process \$USHER_CHILD_PID, \${USHER_DEADLINE}s left)" >&2
$H/stoprec $LOG hook --note "stop hook runs, \${USHER_DEADLINE}s left"
sleep 0.4
$H/stoprec $LOG hook --note "stop hook done"
EOF
chmod 755 "$D/hook"

echo "usher demo: PID 1 of a new PID namespace (${NS[*]})"
echo "  app:    takes 0.2 s to stop on TERM, ignores USR1 (but logs it),"
echo "          leaves 3 orphaned zombies and a background 'worker'"
echo "  worker: on TERM, flushes for 0.3 s, then exits"
echo "  hook:   $D/hook (0.4 s)"
echo "Left: seconds since the demo started. usher's own +S.mmms: since the SIGTERM."
echo


# usher's stderr reaches the terminal through a FIFO and the stamper (a
# process substitution would make the stamper a child of unshare too)
mkfifo "$D/stderr"
stamped <"$D/stderr" &
say "start: usher -v --grace $GRACE --stop-hook HOOK -- app"
"${NS[@]}" "$USHER" -v --grace "$GRACE" --stop-hook "$D/hook" -- \
	"$H/stoprec" "$LOG" app --on USR1=ignore --on TERM=delay:200:0 \
	--zombies 3 --leftover "worker:write:300:$D/flushed" --ready "$D/ready" \
	2>"$D/stderr" &
WRAP=$!

for _ in $(seq 100); do [ -e "$D/ready" ] && break; sleep 0.05; done
# usher is unshare's child: PID 1 inside, this PID out here
U=$(cat /proc/"$WRAP"/task/*/children 2>/dev/null | awk '{ print $1 }')
if [ -z "$U" ] || [ ! -e "$D/ready" ]; then
	echo "demo: usher did not start" >&2
	exit 1
fi
sleep 0.3

say "usher is PID 1 inside, $U out here; below it (the 3 orphans are reaped):"
zombies=0
for p in $(descendants "$U"); do
	# /proc/PID/stat: "pid (comm) state ppid ..."
	read -r st pp < <(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{ print $1, $2 }')
	[ "$st" = Z ] && zombies=$((zombies + 1))
	printf '                   pid %-6s ppid %-6s %s  %s\n' "$p" "$pp" "$st" \
		"$(cat /proc/"$p"/comm 2>/dev/null)"
done
say "zombies below usher: $zombies"

say "kill -USR1 usher  (forwarded to the app)"
kill -USR1 "$U"
sleep 0.3

say "docker stop -t $GRACE: SIGTERM to usher now, SIGKILL in $GRACE s"
"$H/stoprec" "$LOG" docker --note "SIGTERM to usher"
T0=$("$H/stoprec" --now)
kill -TERM "$U"
killed=
while kill -0 "$WRAP" 2>/dev/null; do
	if [ $(($("$H/stoprec" --now) - T0)) -ge $((GRACE * 1000)) ]; then
		say "deadline reached: SIGKILL"
		kill -KILL "$U"
		killed=1
		break
	fi
	sleep 0.02
done
wait "$WRAP"
status=$?
WRAP=
wait # for the stamper to print usher's last lines
say "usher exited with status $status after $(($("$H/stoprec" --now) - T0)) ms${killed:+ (killed by the platform)}"

echo
echo "What each process saw, ms after the SIGTERM (from the event log):"
sort -n -s -k1,1 "$LOG" | awk -v t0="$T0" '
	$3 == "start" { sub(/ sid=.*/, "") }
	{ t = $1; who = $2; $1 = ""; $2 = ""; sub(/^  /, "")
	  printf "  %+6d ms  %-7s %s\n", t - t0, who, $0 }'
echo
if [ -e "$D/flushed" ]; then
	echo "The worker got TERM after the app had exited and flushed before usher exited."
else
	echo "The worker did NOT finish flushing."
fi
echo "Exit status: $status (the app's own status; 137 would mean SIGKILL)."
