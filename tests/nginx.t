#!/bin/bash
# A real daemon from Debian under --pidfile (issue 5): nginx with its
# default daemonizing behaviour and a test config on 127.0.0.1 and a free
# port, run as `usher --pidfile F --rewrite TERM:QUIT -- nginx -c CONF`. The
# test fetches a page through it, then plays `docker stop` (lib_stop.sh):
# nginx must shut down gracefully (QUIT), usher exit 0 well before the
# deadline, and no nginx process remain. Once as PID 1, once as subreaper.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_stop.sh"

# install_nginx: apt-get install nginx-light without starting the stock
# service (its postinst would start nginx on port 80, outside the test).
install_nginx() {
	command -v apt-get >/dev/null || return 1
	local policy=/usr/sbin/policy-rc.d made=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made=1
	fi
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q nginx-light >"$T_TMP/apt.log" 2>&1 ||
		{ timeout 300 apt-get update -q >>"$T_TMP/apt.log" 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q nginx-light >>"$T_TMP/apt.log" 2>&1; }
	local rc=$?
	[ -n "$made" ] && rm -f "$policy"
	return $rc
}

find_nginx() { command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; }; }
NGINX=$(find_nginx)
if [ -z "$NGINX" ]; then
	install_nginx || skip_all "nginx-light is not installed and apt-get install nginx-light failed"
	NGINX=$(find_nginx)
	[ -n "$NGINX" ] || skip_all "nginx not found after installing nginx-light"
fi

# fetch URL: the page on stdout, with whatever client this system has.
fetch() {
	if command -v curl >/dev/null; then
		curl -fsS --max-time 3 "$1"
	elif command -v wget >/dev/null; then
		wget -q -T 3 -O - "$1"
	elif command -v busybox >/dev/null; then
		busybox wget -q -T 3 -O - "$1"
	else
		local hp=${1#http://} host port path
		host=${hp%%:*} port=${hp#*:} port=${port%%/*} path=/${hp#*/}
		exec 3<>"/dev/tcp/$host/$port" || return 1
		printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" >&3
		sed '1,/^\r*$/d' <&3
		exec 3<&-
	fi
}

# free_port: a TCP port nothing on this host is bound to.
free_port() {
	local used p
	used=$(awk 'NR > 1 { split($2, a, ":"); print strtonum("0x" a[2]) }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		printf '%s\n' "$used" | grep -qx "$p" || { echo "$p"; return; }
	done
	echo 38123
}


# nginx_round MODE: one run of the whole story, usher as PID 1 (ns) or as
# a subreaper (sub), with assertions prefixed by MODE.
nginx_round() {
	local mode=$1 dir port conf token page drv n pids=
	scenario "nginx $mode"
	dir=$S.nginx port=$(free_port) conf=$S.nginx/nginx.conf
	token="usher-nginx-$mode-$RANDOM$RANDOM"
	mkdir -p "$dir/www"
	echo "$token" >"$dir/www/index.html"
	nginx_conf "$dir" "worker_processes 2; error_log $dir/error.log notice;" \
		"listen 127.0.0.1:$port; root $dir/www;"
	# the workers run as an unprivileged user and must reach the page
	chmod 755 "$T_TMP" "$dir" "$dir/www"
	chmod 644 "$dir/www/index.html"

	local drv_args=(-l "$LOG" -e "$ERR" -g 10 -a "wait=$S.fetched" -a sleep=500 -a stop=TERM
		-- "$USHER" --pidfile "$dir/nginx.pid" --rewrite TERM:QUIT
		-- "$NGINX" -p "$dir/" -e "$dir/error.log" -c "$conf")
	if [ "$mode" = ns ]; then
		"$STOPDRV" -n "${drv_args[@]}" >"$S.out" &
	else
		in_ns "$STOPDRV" -u "$STOPREC $LOG unrelated --ready $S.unrelated" \
			-W "$S.unrelated" "${drv_args[@]}" >"$S.out" &
	fi
	drv=$!

	page=
	for n in $(seq 50); do
		page=$(fetch "http://127.0.0.1:$port/" 2>/dev/null) && [ -n "$page" ] && break
		sleep 0.2
	done
	if [ "$mode" = ns ]; then
		# usher's PID as seen from here: the driver logged it
		local upid
		upid=$(awk '$3 == "started" { sub("pid=", "", $5); print $5; exit }' "$LOG")
		[ -n "$upid" ] && pids=$(descendants "$upid")
	fi
	touch "$S.fetched"
	wait "$drv"
	eval "$(cat "$S.out")"
	: "${DRV_CODE:=none}"

	is "$page" "$token" "$mode: a page is fetched through nginx under usher"
	is "$DRV_CODE" 0 "$mode: docker stop: usher exits 0"
	between "$DRV_MS" 0 9900 "$mode: ... well before the deadline (10 s)"
	is "$DRV_KILLED" 0 "$mode: ... the platform did not have to SIGKILL"
	like "$(cat "$dir/error.log" 2>/dev/null)" 'SIGQUIT\) received' \
		"$mode: nginx got QUIT (TERM rewritten): a graceful shutdown"
	like "$(cat "$dir/error.log" 2>/dev/null)" 'gracefully shutting down' \
		"$mode: ... its workers shut down gracefully"
	no_kill_warning "$mode: usher had nothing to SIGKILL"
	if [ "$mode" = ns ]; then
		n=$(echo "$pids" | grep -c .)
		if [ "$n" -ge 3 ]; then
			ok "$mode: nginx ran as master and workers under usher ($n processes)"
		else
			not_ok "$mode: nginx ran as master and workers under usher"
			diag "processes under usher: '$pids'"
		fi
		local p left=
		for p in $pids; do [ -e "/proc/$p" ] && left="$left $p"; done
		is "$left" "" "$mode: no nginx process remains"
	else
		untouched "$mode"
		is "$DRV_LEAKED" "" "$mode: no nginx process remains"
	fi
}

nginx_round ns
nginx_round sub

done_testing
