#!/bin/bash
# A stop hook that itself stops the program (issue 11): real nginx under
# `usher --hook-stops --stop-hook "nginx -s quit"`, with a slow download in
# flight when `docker stop` comes. nginx's graceful quit must finish the
# download and exit 0; without --hook-stops usher forwards TERM after the
# hook, nginx's fast shutdown, which cuts it (shown as the control case).
# The whole test runs in a network namespace of its own: nginx listens on
# its 127.0.0.1, nothing else on the host can reach it or is reached.
if [ -z "${HOOKSTOPS_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	HOOKSTOPS_NETNS=1 exec unshare --net -- "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_stop.sh"

[ -n "${HOOKSTOPS_NETNS:-}" ] || skip_all "needs unshare --net and ip (iproute2) for a private network"
ip link set lo up || skip_all "cannot bring up lo in the test's network namespace"
NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
[ -n "$NGINX" ] || skip_all "nginx not installed (tests/deps.sh installs nginx-light)"
command -v curl >/dev/null || skip_all "curl not installed (tests/deps.sh installs it)"

PORT=8080 # the namespace is ours: any port is free
SIZE=409600 # 400 kB at 200 kB/s: a 2 s download

# nginx_stop NAME USHER-OPTS...: nginx under usher (PID 1), a slow download
# started, then docker stop. Sets GOT (bytes received), CURL (its status).
nginx_stop() {
	local name=$1 dir drv curl_pid; shift
	scenario "$name"
	dir=$S.nginx
	mkdir -p "$dir/www"
	head -c "$SIZE" /dev/zero >"$dir/www/big"
	echo ready >"$dir/www/index.html"
	nginx_conf "$dir" "worker_processes 1; error_log $dir/error.log notice;" \
		"listen 127.0.0.1:$PORT; root $dir/www; limit_rate 200k;"
	chmod 755 "$T_TMP" "$dir" "$dir/www"
	chmod 644 "$dir/www/"*
	"$STOPDRV" -n -l "$LOG" -e "$ERR" -g 10 -a "wait=$S.inflight" -a stop=TERM \
		-- "$USHER" -t 10 "$@" \
		-- "$NGINX" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" -g "daemon off;" >"$S.out" &
	drv=$!
	wait_for 10 curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null || diag "nginx did not answer"
	curl -fsS -o "$S.got" "http://127.0.0.1:$PORT/big" 2>"$S.curl" &
	curl_pid=$!
	wait_for 5 test -s "$S.got" # the response is in flight
	touch "$S.inflight"
	wait "$drv"
	eval "$(cat "$S.out")"
	: "${DRV_CODE:=none}"
	wait "$curl_pid"
	CURL=$?
	GOT=$(wc -c <"$S.got" 2>/dev/null || echo 0)
	ERRLOG=$(cat "$dir/error.log" 2>/dev/null)
}

nginx_stop "nginx, --hook-stops --stop-hook 'nginx -s quit'" --hook-stops \
	-H "$NGINX -p $T_TMP/1.nginx/ -c $T_TMP/1.nginx/nginx.conf -s quit"
is "$CURL" 0 "the download in flight at docker stop completes (curl exits 0)"
is "$GOT" "$SIZE" "... all $SIZE bytes"
is "$DRV_CODE" 0 "usher exits 0 (nginx's status)"
is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
like "$ERRLOG" 'gracefully shutting down' "nginx shut down gracefully (its own QUIT, from the hook)"
is "$(printf '%s\n' "$ERRLOG" | grep -c 'signal 15 (SIGTERM)')" 0 "... and never got TERM from usher"
no_kill_warning "usher SIGKILLed nothing"

nginx_stop "control: the same hook without --hook-stops" \
	-H "$NGINX -p $T_TMP/2.nginx/ -c $T_TMP/2.nginx/nginx.conf -s quit"
like "$ERRLOG" 'signal 15 \(SIGTERM\)' "without --hook-stops nginx gets TERM after the hook"
check "... a fast shutdown, which cuts the download" [ "$GOT" -lt "$SIZE" ]

# ---- PostgreSQL: README's `pg_ctl stop -m smart` as the hook --------------------

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/postgres" ] || ! id postgres >/dev/null 2>&1; then
	skip "postgresql not installed (tests/deps.sh installs it): README's postgres example not run"
else
	scenario "postgres, --hook-stops --stop-hook 'pg_ctl stop -m smart -W'"
	D=$S.pg
	mkdir -p "$D" && chown postgres "$D" && chmod 755 "$T_TMP"
	su postgres -s /bin/sh -c "$PGBIN/initdb -D $D/data -A trust" >"$S.initdb" 2>&1 ||
		diag "initdb failed: $(tail -3 "$S.initdb")"
	"$STOPDRV" -n -l "$LOG" -e "$ERR" -g 10 -a "wait=$S.inflight" -a stop=TERM \
		-- "$USHER" -t 10 --user postgres --hook-stops \
		-H "$PGBIN/pg_ctl stop -D $D/data -m smart -W" \
		-- "$PGBIN/postgres" -D "$D/data" -k "$D" -c listen_addresses= >"$S.out" &
	drv=$!
	wait_for 20 "$PGBIN/pg_isready" -q -h "$D" || diag "postgres did not come up"
	# pg_q SQL: run SQL through psql as postgres, rows on stdout
	pg_q() { su postgres -s /bin/sh -c "$PGBIN/psql -h $D -d postgres -Atc \"$1\""; }
	in_flight() { [ "$(pg_q "select count(*) from pg_stat_activity where query like 'select pg_sleep%'")" = 1 ]; }
	# a client session with a query in flight: smart mode waits for it
	pg_q "select pg_sleep(1.5), 42" >"$S.psql" 2>&1 &
	psql_pid=$!
	wait_for 5 in_flight || diag "the query did not show up in pg_stat_activity"
	touch "$S.inflight"
	wait "$drv"
	eval "$(cat "$S.out")"
	: "${DRV_CODE:=none}"
	wait "$psql_pid"
	is "$?" 0 "the query in flight at docker stop completes"
	like "$(cat "$S.psql")" '\|42$' "... with its result"
	is "$DRV_CODE" 0 "usher exits 0 (postgres's status)"
	is "$DRV_KILLED" 0 "... before the platform's SIGKILL"
	no_kill_warning "usher SIGKILLed nothing"
	like "$(cat "$ERR")" 'smart shutdown request' "postgres had a smart shutdown (pg_ctl's)"
fi

done_testing
