#!/bin/bash
# tests/daemons.t: real legacy daemons behind --pidfile (issue 11), each in
# a private network namespace with only lo up, usher as PID 1 (stopdrv -n):
#   - PostgreSQL 15 started by `pg_ctl start`: its postmaster.pid holds the
#     PID on the first line and seven more lines after it;
#   - redis-server --daemonize yes on a port already taken: the daemon dies
#     right after forking, and usher must say so at once with its status;
# then --pidfile-timeout / USHER_PIDFILE_TIMEOUT with helpers/daemon.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_stop.sh"
DAEMON=$HELPERS/daemon
[ -x "$DAEMON" ] || skip_all "$DAEMON is not built (make $DAEMON)"
command -v ip >/dev/null || skip_all "ip (iproute2) is not installed: no private loopback"
# the postgres user must reach the data directory
chmod 0755 "$T_TMP"

# in_netns CMD...: CMD in a new network namespace holding only lo, up
in_netns() { unshare --net sh -c 'ip link set lo up && exec "$@"' sh "$@"; }

# drive_net [DRIVER-OPTS] -- USHER-ARGS: drive (lib_stop.sh), in a netns
drive_net() {
	local out
	out=$(in_netns "$STOPDRV" -l "$LOG" -e "$ERR" "$@")
	eval "$out"
	: "${DRV_CODE:=none}"
}

# one_usher_line DESC: stderr is one line, usher's
one_usher_line() {
	if [ "$(grep -c '' "$ERR")" = 1 ] && grep -q '^usher: ' "$ERR"; then ok "$1"
	else not_ok "$1"; diag "stderr: $(cat "$ERR")"; fi
}

# ---- PostgreSQL: pg_ctl start, a multi-line postmaster.pid -----------------
PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/pg_ctl" ] || ! id postgres >/dev/null 2>&1; then
	skip "postgresql is not installed (tests/deps.sh check installs it): pg_ctl not tried"
else
	scenario "pg_ctl start"
	PG=$S.pg
	mkdir -m 0700 "$PG" && chown postgres: "$PG"
	if ! runuser -u postgres -- "$PG_BIN/initdb" -D "$PG/data" -A trust >"$S.initdb" 2>&1; then
		not_ok "initdb of a scratch cluster"
		diag "$(cat "$S.initdb")"
	else
		# pg_ctl -w returns once the server accepts connections on the
		# socket in $PG (no TCP at all); the shell around it marks that
		# moment and exits 0 like pg_ctl, then the stop comes
		# shellcheck disable=SC2016
		drive_net -n -g 10 -a "wait=$PG/started" -a sleep=500 -a stop=TERM \
			-- "$USHER" -t 10 -u postgres -P "$PG/data/postmaster.pid" \
			-- sh -c '"$1/pg_ctl" -D "$2/data" -l "$2/log" -w \
				-o "-k $2 -c listen_addresses=" start && : >"$2/started"' \
			sh "$PG_BIN" "$PG"
		is "$DRV_CODE" 0 "pg_ctl start: usher follows the postmaster of the multi-line postmaster.pid, exit 0"
		like "$(cat "$PG/log")" 'received smart shutdown request' \
			"... docker stop's TERM reached the postmaster (smart shutdown)"
		like "$(cat "$PG/log")" 'database system is shut down' "... which shut down cleanly"
		between "$(gap "$DRV_T0" "$DRV_END")" 0 5000 "... well before the deadline"
		is "${DRV_LEAKED:-}" "" "... and no postgres process was left behind"
		if grep -q 'did not appear' "$ERR"; then
			not_ok "... usher did not claim the pidfile was missing"
			diag "$(cat "$ERR")"
		else ok "... usher did not claim the pidfile was missing"; fi
	fi
fi

# ---- redis that cannot bind: the daemon dies right after forking -----------
REDIS=$(command -v redis-server)
if [ -z "$REDIS" ]; then
	skip "redis-server is not installed (tests/deps.sh check installs it): not tried"
else
	scenario "redis cannot bind"
	RD=$S.redis
	mkdir "$RD"
	# an occupant (a first redis, in the foreground) holds the port in the
	# namespace; the daemonized one forks, fails to bind, exits 1 without
	# ever writing its pidfile. The occupant is stopped by its PID.
	# shellcheck disable=SC2016
	out=$(in_netns sh -c '
		"$1" --port 6390 --bind 127.0.0.1 --save "" --dir "$2" --daemonize no \
			>"$2/occupant.log" 2>&1 &
		occ=$!
		for _ in $(seq 100); do
			grep -q ":18F6 00000000:0000 0A" /proc/net/tcp && break
			sleep 0.05
		done
		shift 2
		"$@"
		kill "$occ"; wait "$occ"' sh "$REDIS" "$RD" \
		"$STOPDRV" -l "$LOG" -e "$ERR" -n -T 20 \
		-- "$USHER" -P "$RD/redis.pid" \
		-- "$REDIS" --daemonize yes --port 6390 --bind 127.0.0.1 --save "" \
		--dir "$RD" --pidfile "$RD/redis.pid" --logfile "$RD/redis.log")
	eval "$out"
	is "${DRV_CODE:-none}" 1 "redis that cannot bind: usher exits with the daemon's status 1, not 125"
	between "${DRV_MS:-}" 0 2500 "... at once, not after the pidfile timeout"
	one_usher_line "... one line on stderr"
	like "$(cat "$ERR")" "pidfile $RD/redis.pid .*no process is left.*exited 1" \
		"... saying no process is left to write the pidfile and how the last one exited"
	like "$(cat "$RD/redis.log" 2>/dev/null)" 'Address already in use' \
		"... (redis itself logged that the port was taken)"
fi

# ---- apache2ctl -D FOREGROUND: sh stays the main process -------------------
# README: apache2ctl runs apache2 without exec, so only -g gets the stop
# signal (WINCH, apache2's graceful stop; sh ignores it) to apache2.
if ! command -v apache2ctl >/dev/null; then
	skip "apache2 is not installed (tests/deps.sh check installs it): not tried"
	skip "apache2 is not installed: not tried"
else
	for g in -g ""; do
		scenario "apache2ctl -D FOREGROUND ${g:-without -g}"
		AP=$S.apache
		mkdir "$AP"
		# shellcheck disable=SC2086
		drive_net -n -g 3 -a "wait=$AP/apache2.pid" -a sleep=300 -a stop=TERM \
			-- "$USHER" -t 3 $g -r TERM:WINCH -- apache2ctl -D FOREGROUND \
			-c "PidFile $AP/apache2.pid" -c "ErrorLog $AP/error.log"
		if [ -n "$g" ]; then
			is "$DRV_CODE" 0 "apache2ctl -D FOREGROUND with -g: WINCH reaches apache2, which stops gracefully: exit 0"
			between "$(gap "$DRV_T0" "$DRV_END")" 0 2500 "... before the kill point"
		else
			is "$DRV_CODE" 137 "... without -g: WINCH stops at sh, apache2 is SIGKILLed at K: 137 (as README says)"
		fi
	done
fi

# ---- the same with helpers/daemon ------------------------------------------
scenario "daemon dies before writing its pidfile"
play_run 15 -- "$USHER" -P "$S.pid" \
	-- "$DAEMON" --no-pidfile "$S.pid" "${R[@]}" daemon --exit-after 100:3
is "$DRV_CODE" 3 "a daemon that exits 3 before writing its pidfile: usher exits 3"
between "$DRV_MS" 0 2500 "... at once"
one_usher_line "... one line on stderr"

scenario "daemon writes its pidfile and dies at once"
play_run 15 -- "$USHER" -P "$S.pid" \
	-- "$DAEMON" "$S.pid" "${R[@]}" daemon --exit-after 0:4
is "$DRV_CODE" 4 "a daemon that writes its pidfile and exits 4 at once: usher exits 4"
between "$DRV_MS" 0 2500 "... at once"

scenario "starter exits 0, nothing left"
play_run 15 -- "$USHER" -P "$S.pid" -- /bin/true
is "$DRV_CODE" 125 "COMMAND exits 0 leaving no process and no pidfile: exit 125"
between "$DRV_MS" 0 2500 "... at once, not after 5 s"
like "$(cat "$ERR")" "did not appear.*no process is left to write it \(/bin/true left none\)" "... saying why"

scenario "--pidfile-timeout 1"
play_run 15 -- "$USHER" -P "$S.pid" --pidfile-timeout 1 \
	-- "$DAEMON" --no-pidfile "$S.pid" "${R[@]}" daemon --on TERM=exit:0
is "$DRV_CODE" 125 "--pidfile-timeout 1 with a live daemon and no pidfile: exit 125"
between "$DRV_MS" 800 3000 "... after about 1 s"
like "$(cat "$ERR")" "did not appear .*within 1\.000 s" "... saying within 1.000 s"

scenario "USHER_PIDFILE_TIMEOUT=1"
play_run 15 -- /usr/bin/env USHER_PIDFILE_TIMEOUT=1 "$USHER" -P "$S.pid" \
	-- "$DAEMON" --no-pidfile "$S.pid" "${R[@]}" daemon --on TERM=exit:0
is "$DRV_CODE" 125 "USHER_PIDFILE_TIMEOUT=1: exit 125"
between "$DRV_MS" 800 3000 "... after about 1 s"

scenario "--pidfile-timeout 8, pidfile after 5.3 s"
play_stop 5 -a sleep=500 -- "$USHER" -t 5 -P "$S.pid" --pidfile-timeout 8 \
	-- "$DAEMON" --pidfile-delay 5300 "$S.pid" "${R[@]}" daemon --on TERM=exit:3 --ready "$READY"
is "$DRV_CODE" 3 "--pidfile-timeout 8: a pidfile written after 5.3 s is still followed: exit 3"

for bad in abc -1 1e3 ""; do
	"$USHER" --pidfile-timeout "$bad" -P /x -- true 2>"$T_TMP/err"
	rc=$?
	is "$rc:$(cat "$T_TMP/err")" \
		"125:usher: --pidfile-timeout: invalid duration '$bad' (want seconds, e.g. 10 or 2.5)" \
		"--pidfile-timeout '$bad': exit 125 with one line"
done

done_testing
