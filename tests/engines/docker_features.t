#!/bin/bash
# tests/engines/docker_features.t: under a real dockerd, the features made
# for engines: HEALTHCHECK through `usher --probe`, the image's stop signal
# (USHER_STOP_SIGNAL), start order through --wait in a shared network
# namespace, and the repository's own Dockerfile. Each part is skipped with
# its reason while usher lacks the option it needs. Root.
# Commands for the container are single-quoted on purpose.
# Helpers are called through wait_for and eval.
# shellcheck disable=SC2016,SC2317,SC2119
# shellcheck source=tests/lib_engine.sh
. "$(dirname "$0")/../lib_engine.sh"
require_root

docker_start || skip_all "docker: $ENG_WHY"
eng_rootfs "$E/rootfs"
docker_import usher-test "$E/rootfs" 'ENTRYPOINT ["/usher","--"]' ||
	skip_all "docker import failed: $(tail -n 2 "$E/dockerd.log")"

logs_have() { dlogs "$1" | grep -Eq -- "$2"; }
health() { dstate "$1" Health.Status; }
health_is() { [ "$(health "$1")" = "$2" ]; }
# dbuild TAG DIR [BUILD-OPTS...]: the classic builder, no registry
dbuild() {
	local tag=$1 dir=$2; shift 2
	DOCKER_BUILDKIT=0 dk build -q --network none -t "$tag" "$@" "$dir" >"$E/build.log" 2>&1 ||
		{ diag "docker build $tag: $(tail -n 3 "$E/build.log")"; return 1; }
}

# --- HEALTHCHECK: /usher --probe, exec form: no shell, no curl ---------------
if ! usher_has --probe; then
	skip "needs --probe (issue 10)"
else
	mkdir -p "$E/health"
	cat >"$E/health/Dockerfile" <<-'EOF'
	FROM usher-test
	HEALTHCHECK --interval=1s --timeout=2s --retries=1 CMD ["/usher", "--probe", "http://127.0.0.1:8080/"]
	EOF
	if dbuild usher-health "$E/health"; then
		# the server comes and goes: started by the command, killed and
		# restarted through docker exec
		drun -d --name hc usher-health sh -c \
			'httpd -f -p 127.0.0.1:8080 -h /www & echo $! >/run/httpd.pid; exec sleep 1000' >/dev/null
		wait_for 20 health_is hc healthy
		is "$(health hc)" healthy "HEALTHCHECK /usher --probe: healthy while the server answers"
		dk exec hc sh -c 'kill $(cat /run/httpd.pid)'
		wait_for 20 health_is hc unhealthy
		is "$(health hc)" unhealthy "... unhealthy once it is gone"
		dk exec hc sh -c 'httpd -f -p 127.0.0.1:8080 -h /www >/dev/null 2>&1 &'
		wait_for 20 health_is hc healthy
		is "$(health hc)" healthy "... healthy again when it is back"
		dk rm -f hc >/dev/null
	else
		not_ok "docker build of a HEALTHCHECK image"
	fi
fi

# --- the image's stop signal: docker run --stop-signal SIGQUIT ----------------
if ! usher_has --stop-signal; then
	skip "needs --stop-signal (issue 11a)"
else
	# QUIT starts the stop: the hook runs, the command gets QUIT (not
	# TERM) and exits 0, the drain signals its orphan (a recorder that
	# outlives any signal but SYS), which is then killed at the kill point,
	# all within docker stop's 3 s
	d=$E/quit.out
	mkdir -p "$d" && chmod 1777 "$d"
	drun -d --name quit -v "$d:/out" --stop-signal SIGQUIT -e USHER_STOP_SIGNAL=QUIT \
		-e USHER_GRACE=3 -e 'USHER_STOP_HOOK=echo HOOK-OUTPUT' usher-test sh -c \
		'/sigrec /out/orphan 31 & trap "echo GOT-QUIT; exit 0" QUIT; trap "echo GOT-TERM; exit 0" TERM
		 echo up; while :; do sleep 0.1; done' >/dev/null
	wait_for 20 logs_have quit '^up$'
	wait_for 20 test -s "$d/orphan.ready"
	t0=$(now_ms)
	dk stop -t 3 quit >/dev/null
	dt=$(ms_since "$t0")
	o=$(dlogs quit | grep -E '^(HOOK-OUTPUT|GOT-QUIT|GOT-TERM)$|kill point' |
		sed 's/^usher: .*kill point.*/KILL-POINT/' | tr '\n' ' ')
	is "$o" "HOOK-OUTPUT GOT-QUIT KILL-POINT " \
		"--stop-signal SIGQUIT, USHER_STOP_SIGNAL=QUIT: the hook, then QUIT to the command, then the kill point"
	like "$(tr '\n' ' ' <"$d/orphan")" '^(15|3) ' "... the drain signalled the command's orphan"
	is "$(dstate quit ExitCode)" 0 "... the command's status 0"
	check "... before dockerd's SIGKILL (no forced kill in its log)" eval '! forced quit'
	diag "docker stop took ${dt} ms"
	dk rm -f quit >/dev/null
fi

# --- start order: B waits for A in one network namespace ---------------------
if ! usher_has --wait; then
	skip "needs --wait (issue 10)"
else
	# A owns the namespace and listens only after 2 s; B starts at once
	drun -d --name ord-a usher-test sh -c \
		'sleep 2; echo listening; exec httpd -f -p 127.0.0.1:8080 -h /www' >/dev/null
	dk run -d --pull never --name ord-b --network container:ord-a \
		-e USHER_WAIT=tcp://127.0.0.1:8080 usher-test \
		sh -c 'echo started; wget -q -O - http://127.0.0.1:8080/' >/dev/null 2>&1
	is "$(dk wait ord-b)" 0 "--wait tcp:// in a shared network namespace: B's command reached A"
	like "$(dlogs ord-b)" 'usher-test' "... and got A's page"
	b_started=$(dk inspect -f '{{.State.StartedAt}}' ord-b)
	a_up=$(dk logs -t ord-a 2>&1 | awk '$2 == "listening" { print $1 }')
	b_cmd=$(dk logs -t ord-b 2>&1 | awk '$2 == "started" { print $1 }')
	diag "B container started $b_started, A listening $a_up, B's command $b_cmd"
	# RFC 3339 UTC stamps of equal length sort as text
	check "... B's container started before A listened" [ "$b_started" \< "$a_up" ]
	check "... B's command only after" [ "$a_up" \< "$b_cmd" ]
	dk rm -f ord-a ord-b >/dev/null
fi

# --- the repository's Dockerfile --------------------------------------------
if [ ! -e "$ROOT/Dockerfile" ]; then
	skip "no Dockerfile at the repository root yet (issue 13)"
elif [ "$(cd "$ROOT" && pwd)/usher" != "$USHER" ]; then
	skip "the Dockerfile copies ./usher; USHER is $USHER"
else
	if dbuild usher-df "$ROOT"; then
		# its default command, --version, or /usher as the command
		o=$(drun --rm usher-df 2>&1)
		is "$?" 0 "docker build of the repository's Dockerfile; the image runs /usher"
		like "$o" "^usher " "... which prints its version"
		o=$(drun --rm usher-df /no/such 2>&1)
		is "$?" 127 "... a missing command in the scratch image: 127"
		diag "image: $(dk image inspect -f '{{json .Config.Entrypoint}} {{.Size}} bytes' usher-df)"
	else
		not_ok "docker build of the repository's Dockerfile"
	fi
fi

eng_finish
