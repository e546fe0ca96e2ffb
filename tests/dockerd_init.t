#!/bin/bash
# tests/dockerd_init.t: usher as dockerd's --init (issue 11, section 8), with
# the real dockerd of docker.io: a private daemon (its own data root,
# exec root and socket, vfs storage, no bridge, no iptables) configured
# through daemon.json's "init-path", as README documents.
#   - `docker info` parses `usher --version`: "init version" is the commit,
#     not N/A, and dockerd logs no "failed to parse ... version" warning;
#   - `docker run --init` runs usher as /sbin/docker-init -- CMD, which the
#     USHER_* variables of `-e` configure and COMMAND never sees.
# The image is a static busybox imported with `docker import`; containers
# get --network none. dockerd is stopped by its PID at the end.
. "$(dirname "$0")/lib.sh"
require_root
command -v dockerd >/dev/null || skip_all "dockerd is not installed (docker.io)"
command -v docker >/dev/null || skip_all "the docker client is not installed (docker.io)"
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	skip_all "no static /bin/busybox (busybox-static) for the image"
STATIC=
for u in "$USHER" "$(dirname "$USHER")/usher"; do
	if file -L "$u" 2>/dev/null | grep -q 'statically linked'; then STATIC=$u; break; fi
done
[ -n "$STATIC" ] || skip_all "no static usher next to $USHER (make usher): dockerd mounts it into the image"

# short paths: the socket path must fit in sun_path
D=$(mktemp -d /tmp/udk.XXXXXX)
DPID=
cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID"
		for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	fi
	umount -R "$D/root" 2>/dev/null
	rm -rf "$D" "$T_TMP"
}
trap cleanup EXIT
cp "$STATIC" "$D/usher"
printf '{"init-path": "%s", "storage-driver": "vfs", "iptables": false, "ip-masq": false, "bridge": "none"}\n' \
	"$D/usher" >"$D/daemon.json"
dockerd --config-file "$D/daemon.json" --data-root "$D/root" --exec-root "$D/exec" \
	--pidfile "$D/pid" -H "unix://$D/sock" >"$D/log" 2>&1 &
DPID=$!
DK=(docker -H "unix://$D/sock")
for _ in $(seq 120); do
	"${DK[@]}" version >/dev/null 2>&1 && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.25
done
"${DK[@]}" version >/dev/null 2>&1 || { diag "$(tail -5 "$D/log")"; skip_all "the private dockerd did not start"; }

commit=$("$STATIC" --version | sed -n 's/.* - git\.//p')
is "$("${DK[@]}" info --format '{{.InitCommit.ID}}' 2>/dev/null)" "$commit" \
	"docker info: 'init version' is usher's commit ($commit), not N/A"
like "$("${DK[@]}" info 2>/dev/null | grep -i 'init version')" "init version: $commit" \
	"... as docker info prints it"
if grep -q 'version: unknown output format' "$D/log"; then
	not_ok "... and dockerd logs no 'unknown output format' warning"
	diag "$(grep 'unknown output format' "$D/log" | tail -1)"
else ok "... and dockerd logs no 'unknown output format' warning"; fi

mkdir -p "$D/img/bin"
cp /bin/busybox "$D/img/bin/busybox"
for c in sh cat tr env grep; do ln -s busybox "$D/img/bin/$c"; done
tar -C "$D/img" -cf "$D/img.tar" .
"${DK[@]}" import "$D/img.tar" usher-test-bb >/dev/null
# shellcheck disable=SC2016
out=$("${DK[@]}" run --rm --init --network none -e USHER_VERBOSE=1 -e USHER_SUCCESS_EXIT=3 \
	usher-test-bb sh -c 'tr "\0" " " </proc/1/cmdline; echo; env | grep -c "^USHER_"; exit 3' 2>"$D/run.err")
rc=$?
like "$(printf '%s\n' "$out" | head -1)" '^/sbin/docker-init -- sh -c ' \
	"docker run --init: usher is PID 1 as /sbin/docker-init -- CMD"
is "$rc" 0 "... configured by -e USHER_SUCCESS_EXIT=3: CMD's exit 3 becomes 0"
like "$(cat "$D/run.err")" '^usher: started sh as process' "... and by -e USHER_VERBOSE=1: it logs"
is "$(printf '%s\n' "$out" | sed -n 2p)" 0 "... while CMD's environment holds no USHER_* variable"

done_testing
