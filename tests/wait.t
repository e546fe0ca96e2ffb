#!/bin/bash
# tests/wait.t: --wait (start order) and --probe (health checks), issue 10.
#
# The whole file runs in a network namespace of its own, where only lo
# exists (all traffic stays on 127.0.0.1 and ::1), and in a mount namespace
# of its own, where /etc/hosts and /etc/resolv.conf are files of the test:
# names resolve through a hosts file and a tiny DNS responder on
# 127.0.0.1:53 (python3) that knows db.svc.test and says NXDOMAIN for the
# rest. Servers: tests/helpers/netserv (friendly and hostile). usher runs
# as PID 1 of a fresh PID namespace for --wait, as a plain process (as in
# `docker exec`) for --probe.
if [ "$(id -u)" = 0 ] && [ -z "${WAIT_T_NS:-}" ] && unshare --net --mount true 2>/dev/null; then
	WAIT_T_NS=1 exec unshare --net --mount "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root
[ -n "${WAIT_T_NS:-}" ] || skip_all "cannot create network and mount namespaces"
command -v python3 >/dev/null || skip_all "python3 not installed (tests/deps.sh installs it)"

ip link set lo up || skip_all "cannot bring up lo in the network namespace"
mount --make-rprivate / || skip_all "cannot make the mount namespace private"
printf '127.0.0.1 localhost\n127.0.0.1 db.test\n::1 db6.test\n' >"$T_TMP/hosts"
# many.test: 20 addresses where nothing listens, then 127.0.0.1
for i in $(seq 2 21); do echo "127.0.0.$i many.test"; done >>"$T_TMP/hosts"
echo '127.0.0.1 many.test' >>"$T_TMP/hosts"
printf 'nameserver 127.0.0.1\nsearch svc.test\noptions ndots:5 timeout:1 attempts:1\n' \
	>"$T_TMP/resolv.conf"
mount --bind "$T_TMP/hosts" /etc/hosts && mount --bind "$T_TMP/resolv.conf" /etc/resolv.conf ||
	skip_all "cannot bind-mount /etc/hosts and /etc/resolv.conf"

NETSERV=$HELPERS/netserv
REC=$HELPERS/sigrec
NS=(timeout -k 5 30 unshare --pid --fork --kill-child --mount-proc)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T_TMP"
}
trap cleanup EXIT

# serve ARGS...: a netserv in the background, stopped at the end
serve() { "$NETSERV" "$@" & PIDS+=($!); }
# serve_ready PORT ARGS...: serve, and wait until PORT (127.0.0.1) listens
serve_ready() {
	local port=$1; shift
	serve "$@" "$port"
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || diag "netserv on $port did not start"
}

# The DNS responder: A 127.0.0.1 for db.svc.test, NODATA for its AAAA,
# NXDOMAIN for every other name.
cat >"$T_TMP/dns.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").close()
while True:
    q, peer = s.recvfrom(512)
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    name, end = ".".join(labels).lower(), i + 5
    ans, n, flags = b"", 0, 0x8583
    if name == "db.svc.test":
        flags = 0x8580
        if qtype == 1:
            ans, n = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 5, 4) + bytes([127, 0, 0, 1]), 1
    s.sendto(q[:2] + struct.pack(">HHHHH", flags, 1, n, 0, 0) + q[12:end] + ans, peer)
EOF
python3 "$T_TMP/dns.py" "$T_TMP/dns.ready" & PIDS+=($!)
wait_for 10 test -e "$T_TMP/dns.ready" || diag "the DNS responder did not start"

# run CMD...: OUT, ERR, RC and EL (milliseconds) of CMD
run() {
	local t0
	t0=$(now_ms)
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	EL=$(($(now_ms) - t0))
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}
# lines: how many lines ERR has
lines() { printf '%s' "$ERR" | grep -c ''; }
# quick DESC: EL under MS milliseconds
quick() { if [ "$EL" -lt "$2" ]; then ok "$1 (${EL} ms)"; else not_ok "$1"; diag "took $EL ms, want < $2"; fi; }

# --- usage errors: 125, one line, nothing started ----------------------------
run "$USHER" -w db -- touch "$T_TMP/ran"
is "$RC" 125 "a TARGET without a port is a usage error (125)"
is "$ERR" "usher: -w: invalid target 'db': missing port (want HOST:PORT)" "  one line naming the option, the TARGET and what is wrong"
check "  COMMAND never ran" [ ! -e "$T_TMP/ran" ]
run "$USHER" --wait https://api/health -- true
is "$RC" 125 "https:// is refused (125)"
like "$ERR" "^usher: --wait: invalid target 'https://api/health': https is not supported: usher has no TLS" "  and the line says why"
run "$USHER" --probe 127.0.0.1:1 true
is "$RC" 125 "--probe with a COMMAND is a usage error"
like "$ERR" "--probe takes no COMMAND" "  saying so"
run env USHER_WAIT="db:5432 oops" "$USHER" true
is "$RC" 125 "a bad TARGET in USHER_WAIT is a usage error"
is "$ERR" "usher: USHER_WAIT: invalid target 'oops': missing port (want HOST:PORT)" "  naming the variable and the TARGET"
run "$USHER" --probe-timeout 0 --probe 127.0.0.1:1
is "$RC" 125 "--probe-timeout 0 is a usage error"

# --- --probe: 0 up, 1 down with one line, within the probe timeout ----------
# probe_is DESC WANT_RC REGEX TARGET...: --probe-timeout 1 TARGET...
probe_is() {
	local desc=$1 want=$2 re=$3; shift 3
	local args=() t
	for t in "$@"; do args+=(--probe "$t"); done
	run "$USHER" --probe-timeout 1 "${args[@]}"
	if [ "$RC" = "$want" ] && [ "$EL" -lt 2500 ] &&
		{ [ -z "$re" ] && [ -z "$ERR" ] || { [ -n "$re" ] && [ "$(lines)" = 1 ] &&
			printf '%s\n' "$ERR" | grep -Eq -- "$re"; }; }; then
		ok "--probe: $desc: exit $want${re:+, '$ERR'} (${EL} ms)"
	else
		not_ok "--probe: $desc"
		diag "exit $RC (want $want) after $EL ms; stderr: '$ERR'"
	fi
}
port=8100
for mode in http:200 http:204 http:301 http:503 http:404 silent drip garbage huge longline truncated reset accept; do
	port=$((port + 1))
	serve_ready "$port" "$mode"
done
probe_is "200" 0 "" http://127.0.0.1:8101/
probe_is "204 for a path" 0 "" http://127.0.0.1:8102/healthz?full=1
probe_is "301 (redirects are not followed: 3xx is up)" 0 "" http://127.0.0.1:8103/
probe_is "503" 1 "^usher: http://127.0.0.1:8104/: HTTP 503$" http://127.0.0.1:8104/
probe_is "404" 1 "HTTP 404$" http://127.0.0.1:8105/
probe_is "a server that never answers" 1 "8106/: timed out waiting for the status line$" http://127.0.0.1:8106/
probe_is "a server that drips a byte a second" 1 "8107/: timed out reading the status line" http://127.0.0.1:8107/
probe_is "a garbage status line" 1 "8108/: malformed status line 'SSH-2.0-OpenSSH_9.2\?\?'$" http://127.0.0.1:8108/
probe_is "a 10 MB header" 1 "8109/: HTTP 200, but a header larger than 64 KiB$" http://127.0.0.1:8109/
probe_is "a 10 MB status line" 1 "8110/: overlong status line 'HTTP/1.1 200 AAAA" http://127.0.0.1:8110/
probe_is "a truncated status line" 1 "8111/: connection closed inside the status line$" http://127.0.0.1:8111/
probe_is "a reset" 1 "8112/: connection reset by peer$" http://127.0.0.1:8112/
probe_is "TCP: accepted" 0 "" tcp://127.0.0.1:8113
probe_is "TCP: HOST:PORT alone" 0 "" 127.0.0.1:8113
probe_is "TCP: refused" 1 "^usher: 127.0.0.1:8199: connection refused$" 127.0.0.1:8199
probe_is "HTTP: refused" 1 "^usher: http://127.0.0.1:8199/: connection refused$" http://127.0.0.1:8199/
probe_is "a name from /etc/hosts" 0 "" http://db.test:8101/
probe_is "a name through DNS and the search domain (ndots:5)" 0 "" db:8113
probe_is "a name with 21 addresses: each is tried, the last accepts" 0 "" many.test:8113
probe_is "a name with 21 addresses, none listening: the reason of the last (in the resolver's order)" 1 \
	"^usher: many.test:8199: 127\.0\.0\.[0-9]+:8199: connection refused$" many.test:8199
probe_is "no such host (NXDOMAIN)" 1 "^usher: nosuch.test:80: no such host$" nosuch.test:80
probe_is "several targets, all up" 0 "" 127.0.0.1:8113 http://127.0.0.1:8101/
probe_is "several targets, one down: only it is named" 1 "^usher: 127.0.0.1:8199: connection refused$" \
	127.0.0.1:8113 127.0.0.1:8199 http://127.0.0.1:8101/
serve -6 http:200 8120
wait_for 5 "$USHER" -q --probe '[::1]:8120' 2>/dev/null || diag "netserv on [::1]:8120 did not start"
probe_is "an IPv6 literal" 0 "" 'http://[::1]:8120/'
probe_is "a name with an IPv6 address in /etc/hosts" 0 "" 'http://db6.test:8120/'
serve accept "$T_TMP/app.sock"
wait_for 5 test -S "$T_TMP/app.sock" || diag "no unix socket"
probe_is "unix://, listening" 0 "" "unix://$T_TMP/app.sock"
probe_is "unix://, no such socket" 1 "no such file or directory$" "unix://$T_TMP/none.sock"
probe_is "file://, there" 0 "" "file://$T_TMP/hosts"
probe_is "file://, missing" 1 "^usher: file://$T_TMP/none: no such file or directory$" "file://$T_TMP/none"
# a HEALTHCHECK inherits the image's environment: USHER_WAIT must not count
run env USHER_WAIT=127.0.0.1:8199 "$USHER" --probe 127.0.0.1:8113
is "$RC" 0 "--probe ignores USHER_WAIT from the environment"
run env USHER_PROBE_TIMEOUT=0.3 "$USHER" --probe http://127.0.0.1:8106/
is "$RC" 1 "USHER_PROBE_TIMEOUT bounds the probe"
check "  to its 0.3 s (took $EL ms)" [ "$EL" -lt 1500 ]

# --- --wait as PID 1 ----------------------------------------------------------
# A dependency that comes up late: COMMAND starts soon after the port opens.
serve -d 700 -r "$T_TMP/late.at" accept 8201
run "${NS[@]}" "$USHER" -w 127.0.0.1:8201 -- sh -c 'date +%s%N >"$0"' "$T_TMP/late.started"
is "$RC" 0 "--wait: a dependency up after 0.7 s: COMMAND runs, exit 0"
if [ -s "$T_TMP/late.at" ] && [ -s "$T_TMP/late.started" ]; then
	react=$((($(cat "$T_TMP/late.started") - $(cat "$T_TMP/late.at")) / 1000000))
	# tens of ms by design (backoff at 0.7 s: under 0.2 s); 400 under load
	check "  COMMAND started ${react} ms after the port opened (< 400)" [ "$react" -ge 0 ] && [ "$react" -lt 400 ]
else
	not_ok "  COMMAND started after the port opened"
fi
like "$ERR" "^usher: waiting for 127.0.0.1:8201 \(timeout 60s\)$" "  one line when the wait starts"
like "$ERR" "^usher: 127.0.0.1:8201 up after 0\.[0-9]{3}s$" "  one when the target is up"
is "$(lines)" 2 "  and nothing else at the default level"

# Two targets in parallel: the total is the slower one, and the faster is
# seen up while the slower still holds the wait.
serve -d 500 accept 8202
serve -d 1000 -r "$T_TMP/slow.at" accept 8203
run "${NS[@]}" "$USHER" -w 127.0.0.1:8203 -w 127.0.0.1:8202 -- true
is "$RC" 0 "--wait: two targets, up after 0.5 s and 1 s: exit 0"
check "  total ${EL} ms: the slower, not the sum (1000-1700)" [ "$EL" -ge 1000 ] && [ "$EL" -lt 1700 ]
like "$(printf '%s\n' "$ERR" | sed -n 2p)" "^usher: 127.0.0.1:8202 up after 0\.[4-9]" "  the faster target is up first, at about 0.5 s"
# A target that hangs each attempt does not hold up another.
serve -d 300 accept 8204
run "${NS[@]}" "$USHER" --wait-timeout 1.5 --probe-timeout 1 -w http://127.0.0.1:8106/ -w 127.0.0.1:8204 -- touch "$T_TMP/ran"
is "$RC" 125 "--wait: a hanging target and a late one, timeout 1.5 s: 125"
like "$ERR" "127.0.0.1:8204 up after 0\.[2-6]" "  the late one was seen up at once, in parallel"
like "$ERR" "^usher: http://127.0.0.1:8106/ not up after 1\.[5-9][0-9]{2}s: timed out waiting for the status line$" "  the hanging one is named with its reason"

# Timeout: 125, COMMAND never ran, every target still down named.
run "${NS[@]}" "$USHER" --wait-timeout 1 -w 127.0.0.1:8199 -w nosuch.test:80 -w http://127.0.0.1:8104/ \
	-w 127.0.0.1:8113 -- touch "$T_TMP/ran"
is "$RC" 125 "--wait-timeout 1: exit 125"
quick "  within about the timeout" 2500
check "  COMMAND never ran" [ ! -e "$T_TMP/ran" ]
like "$ERR" "^usher: 127.0.0.1:8199 not up after 1\.[0-9]{3}s: connection refused$" "  a refused port is named with its reason"
like "$ERR" "^usher: nosuch.test:80 not up after 1\.[0-9]{3}s: no such host$" "  an unknown name too"
like "$ERR" "^usher: http://127.0.0.1:8104/ not up after 1\.[0-9]{3}s: HTTP 503$" "  and an HTTP 503"
is "$(printf '%s\n' "$ERR" | grep -c 'not up after')" 3 "  one line per target still down, none for the one up"

# -v: every failed attempt with its reason; the backoff keeps them few.
run "${NS[@]}" "$USHER" -v --wait-timeout 1 -w 127.0.0.1:8199 -- true
n=$(printf '%s\n' "$ERR" | grep -c '127.0.0.1:8199: connection refused (attempt')
check "-v: each failed attempt logged ($n in 1 s: backoff, not a busy loop, 8-25)" [ "$n" -ge 8 ] && [ "$n" -le 25 ]
run "${NS[@]}" "$USHER" -q -w 127.0.0.1:8113 -- true
is "$RC:$ERR" "0:" "-q: no wait lines"

# The environment: USHER_WAIT lists targets, USHER_WAIT_TIMEOUT bounds them.
run env USHER_WAIT="127.0.0.1:8113, http://127.0.0.1:8101/" USHER_WAIT_TIMEOUT=5 "${NS[@]}" "$USHER" -- true
is "$RC" 0 "USHER_WAIT: two targets, comma and blank separated"
like "$ERR" "waiting for 127.0.0.1:8113, http://127.0.0.1:8101/ \(timeout 5s\)" "  both waited for, with USHER_WAIT_TIMEOUT"

# A stop signal during the wait ends it at once: 128+N, no COMMAND.
# stop_during SIG CODE
stop_during() {
	local sig=$1 code=$2 u p1 t0 rc
	# a fresh file: the old one's line must not count as this wait's
	rm -f "$T_TMP/ran" "$T_TMP/stop.err"
	unshare --pid --fork --kill-child --mount-proc "$USHER" -w 127.0.0.1:8199 -- touch "$T_TMP/ran" \
		2>"$T_TMP/stop.err" &
	u=$!
	wait_for 5 grep -q 'waiting for' "$T_TMP/stop.err"
	p1=$(children_of "$u")
	t0=$(now_ms)
	kill -"$sig" "$p1"
	wait "$u"
	rc=$?
	EL=$(($(now_ms) - t0))
	is "$rc" "$code" "SIG$sig during the wait (docker stop): exit $code"
	quick "  at once" 500
	check "  COMMAND never ran" [ ! -e "$T_TMP/ran" ]
}
stop_during TERM 143
stop_during INT 130
stop_during QUIT 131

# Other signals are not lost: a HUP during the wait reaches COMMAND.
rm -f "$T_TMP/go" "$T_TMP/hup" "$T_TMP/hup.ready" "$T_TMP/hup.err"
unshare --pid --fork --kill-child --mount-proc "$USHER" -w "file://$T_TMP/go" -- "$REC" "$T_TMP/hup" \
	2>"$T_TMP/hup.err" &
u=$!
wait_for 5 grep -q 'waiting for' "$T_TMP/hup.err"
p1=$(children_of "$u")
kill -HUP "$p1"
sleep 0.2
touch "$T_TMP/go"
wait_for 5 test -e "$T_TMP/hup.ready"
# the recorder may not have blocked HUP yet when usher forwards it: then
# it dies of it (129), which shows it arrived just as well
wait_for 5 bash -c "grep -qx 1 '$T_TMP/hup' 2>/dev/null || ! kill -0 $u 2>/dev/null" || true
kill -TERM "$p1" 2>/dev/null
wait "$u"
rc=$?
if grep -qx 1 "$T_TMP/hup" 2>/dev/null || [ "$rc" = 129 ]; then
	ok "a HUP sent during the wait reaches COMMAND once it runs (exit $rc)"
else
	not_ok "a HUP sent during the wait reaches COMMAND once it runs"
	diag "exit $rc; recorded: $(tr '\n' ' ' <"$T_TMP/hup" 2>/dev/null)"
fi

# Names are resolved again at every attempt: one added to /etc/hosts late.
(sleep 0.5; echo '127.0.0.1 late.test' >>"$T_TMP/hosts") &
run "${NS[@]}" "$USHER" -v --wait-timeout 5 -w late.test:8113 -- true
is "$RC" 0 "a name that appears in /etc/hosts after 0.5 s: up"
like "$ERR" "late.test:8113: no such host \(attempt 1," "  the first attempts said no such host"
like "$ERR" "late.test:8113 up after 0\.[4-9]" "  and it was seen soon after it appeared"

# unix:// and file:// targets that appear late.
rm -f "$T_TMP/late.sock"
serve -d 300 accept "$T_TMP/late.sock"
(sleep 0.3; touch "$T_TMP/marker") &
run "${NS[@]}" "$USHER" -w "unix://$T_TMP/late.sock" -w "file://$T_TMP/marker" -- true
is "$RC" 0 "unix:// and file:// targets that appear after 0.3 s"
like "$ERR" "unix://$T_TMP/late.sock up after 0\.[2-9]" "  the socket is up once it listens"
like "$ERR" "file://$T_TMP/marker up after 0\.[2-9]" "  the file once it exists"

# --user is for COMMAND alone: the wait runs as root, before the drop.
mkdir -m 0700 "$T_TMP/private"
touch "$T_TMP/private/ready"
chmod 0755 "$T_TMP"
run "${NS[@]}" "$USHER" -u 65534:65534 -w "file://$T_TMP/private/ready" -- id -u
is "$RC:$OUT" "0:65534" "--user: the wait sees a root-only file, COMMAND runs as the user"

# Nothing of the wait leaks into COMMAND: no descriptor, no variable.
cmd='ls /proc/self/fd | wc -l; env | sort'
run "${NS[@]}" "$USHER" -- sh -c "$cmd"
without=$OUT
run "${NS[@]}" "$USHER" -w 127.0.0.1:8113 -w http://127.0.0.1:8101/ -- sh -c "$cmd"
is "$OUT" "$without" "COMMAND gets the same descriptors and environment with --wait as without"

# --- real programs --------------------------------------------------------------
# redis as a compose dependency: up half a second late, COMMAND its client.
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
	(sleep 0.5; exec redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$T_TMP" >/dev/null) &
	PIDS+=($!)
	run "${NS[@]}" "$USHER" -w tcp://127.0.0.1:6390 -- redis-cli -p 6390 ping
	is "$RC:$OUT" "0:PONG" "redis up 0.5 s late: --wait, then redis-cli ping gets PONG"
	probe_is "redis, up" 0 "" tcp://127.0.0.1:6390
else
	skip "redis-server not installed"
	skip "redis-server not installed"
fi
# nginx as the server a HEALTHCHECK probes: 200 up, 503 down, 301 up.
if [ -x /usr/sbin/nginx ]; then
	mkdir -p "$T_TMP/nginx"
	nginx_conf "$T_TMP/nginx" "daemon off; error_log stderr;" \
		'listen 127.0.0.1:8300;
		location = /healthz { return 200 "ok"; }
		location = /down { return 503; }
		location = /moved { return 301 /healthz; }'
	/usr/sbin/nginx -c "$T_TMP/nginx/nginx.conf" -e stderr 2>"$T_TMP/nginx/err" &
	PIDS+=($!)
	wait_for 5 "$USHER" -q --probe 127.0.0.1:8300 2>/dev/null || diag "nginx did not start: $(cat "$T_TMP/nginx/err")"
	probe_is "nginx /healthz 200" 0 "" http://127.0.0.1:8300/healthz
	probe_is "nginx /down 503" 1 "^usher: http://127.0.0.1:8300/down: HTTP 503$" http://127.0.0.1:8300/down
	probe_is "nginx /moved 301" 0 "" http://127.0.0.1:8300/moved
else
	skip "nginx not installed"
	skip "nginx not installed"
	skip "nginx not installed"
fi

done_testing
