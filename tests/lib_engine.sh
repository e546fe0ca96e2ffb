# shellcheck shell=bash
# tests/lib_engine.sh: the harness of the engine tests (tests/engines/*.t):
# usher under a real dockerd, podman and runc. Source it instead of lib.sh:
#
#   . "$(dirname "$0")/../lib_engine.sh"
#
# Everything an engine writes lives under one scratch directory ($E, inside
# $T_TMP), and every engine process runs inside one private namespace pair
# (mount + network) held open by a sleeping process ($ENG_HOLD):
#   - a tmpfs over /run, /dev/shm and /etc/docker catches the few paths the
#     engines hard-code (dockerd's /run/docker/plugins, runc's state, podman's
#     shm locks), so nothing appears outside;
#   - the engines' mounts (overlay layers, container roots) exist only in
#     that namespace and go away with it;
#   - the network namespace has nothing but a loopback: containers run with
#     --network none or share one container's namespace.
# Cgroups go under /<controller>/usher-test-<pid>/ and are removed at the
# end. Each daemon is stopped by its PID (TERM, then KILL after 15 s), then
# whatever is left in the private mount namespace (shims, conmon), then the
# holder. Every engine command is bounded by `timeout`.
#
# Docker client: /usr/bin/docker from Debian's docker.io, the same version as
# dockerd 20.10 (a newer client on PATH, e.g. /usr/local/bin/docker, also
# negotiates the API down, but the tests use the matching one; DOCKER=...
# overrides; without /usr/bin/docker, the one on PATH).

# Sets ENG_WHY, ROOT... for the tests that source it:
# shellcheck disable=SC2034
ENG_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# lib.sh names $0's directory TESTS; the engine tests live one level down
# shellcheck source=tests/lib.sh
. "$ENG_TESTS/lib.sh"
TESTS=$ENG_TESTS
HELPERS=$TESTS/helpers
ROOT=$(cd "$TESTS/.." && pwd)

DOCKER=${DOCKER:-/usr/bin/docker}
[ -x "$DOCKER" ] || DOCKER=$(command -v docker || echo /usr/bin/docker)
ENG_T=${ENG_T:-60}          # default bound of one engine command, seconds
E=$T_TMP/e                  # scratch root
CG=usher-test-$$            # cgroup parent
ENG_HOLD=
ENG_PIDS=()                 # daemons, stopped in reverse order
ENG_LAST=
ENG_WHY=                    # why an engine cannot start
mkdir -p "$E"

# ms_since START_MS
ms_since() { echo $(($(now_ms) - $1)); }

# eng_hold: the private mount + network namespace, held by a sleep
eng_hold() {
	[ -n "$ENG_HOLD" ] && return 0
	local shm=/dev/shm etc=""
	[ -d /etc/docker ] && etc="mount -t tmpfs tmpfs /etc/docker &&"
	# exec keeps the holder's PID = $!; the sleep outlives any test
	unshare --mount --propagation private --net sh -c \
		"mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs $shm && $etc
		 ip link set lo up 2>/dev/null; exec sleep 3600" &
	ENG_HOLD=$!
	local mnt
	mnt=$(readlink /proc/self/ns/mnt)
	# ready once the holder has its own namespace and the mounts
	wait_for 5 sh -c "[ \"\$(readlink /proc/$ENG_HOLD/ns/mnt)\" != '$mnt' ] &&
		grep -q ' /run tmpfs' /proc/$ENG_HOLD/mounts" || {
		diag "private namespace did not come up"
		return 1
	}
	ENG_MNTNS=$(readlink /proc/"$ENG_HOLD"/ns/mnt)
}

# eng_start LOG CMD...: start a daemon inside the namespaces; ENG_LAST is
# its PID (nsenter execs it)
eng_start() {
	local log=$1; shift
	nsenter -t "$ENG_HOLD" -m -n -- "$@" >"$log" 2>&1 &
	ENG_PIDS+=("$!")
	ENG_LAST=$!
}

# stop_pid PID SECONDS: TERM, KILL after SECONDS; waits for the end
stop_pid() {
	local pid=$1 t=$2
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for "$t" sh -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.Z' /proc/$pid/status 2>/dev/null" ||
		kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# --- images -------------------------------------------------------------------
# eng_rootfs DIR: usher, the static helpers and a static busybox with its
# applets: a scratch-like image with no /etc/passwd and no /etc/group.
eng_rootfs() {
	local d=$1 a
	mkdir -p "$d/bin" "$d/out" "$d/www" "$d/run" "$d/tmp"
	chmod 1777 "$d/tmp"
	cp "$USHER" "$d/usher"
	cp /bin/busybox "$d/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"
	done
	local h
	for h in sigrec stoprec; do
		[ -x "$HELPERS/$h" ] && cp "$HELPERS/$h" "$d/$h"
	done
	echo usher-test >"$d/www/index.html"
	# a dynamic build (usher-asan) has no libc in a scratch image
	chroot "$d" /usher --version >/dev/null 2>&1 ||
		skip_all "$USHER does not run in a scratch image: the engine tests need the static build (make usher)"
}

# --- docker -------------------------------------------------------------------
# (DOCKER_CONFIG: no ~/.docker; not exported, podman would read it too)
dk() { DOCKER_CONFIG=$E/client timeout "$ENG_T" "$DOCKER" -H "unix://$E/docker.sock" "$@"; }

dk_quiet() { dk "$@" >/dev/null 2>&1; }
# up_or_gone PID CMD...: CMD succeeds, or PID has exited
up_or_gone() { local p=$1; shift; "$@" || ! kill -0 "$p" 2>/dev/null; }

# docker_start [DOCKERD-OPTS...]: a private containerd and dockerd; status 1
# with a diagnostic (the daemon's own last lines) when either cannot start
docker_start() {
	local c
	for c in dockerd containerd runc "$DOCKER"; do
		command -v "$c" >/dev/null || { ENG_WHY="$c not installed (tests/deps.sh check installs it)"; return 1; }
	done
	eng_hold || { ENG_WHY="no private namespace"; return 1; }
	mkdir -p "$E/containerd" "$E/docker/data" "$E/docker/exec" "$E/etc"
	cat >"$E/containerd.toml" <<-EOF
	version = 2
	root = "$E/containerd/root"
	state = "$E/containerd/state"
	# no CRI (it would listen on a TCP port), no /opt plugin
	disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
	  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
	  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
	[grpc]
	  address = "$E/containerd.sock"
	[ttrpc]
	  address = "$E/containerd.sock.ttrpc"
	EOF
	# the trust key would go to /etc/docker/key.json otherwise
	printf '{"deprecated-key-path": "%s"}\n' "$E/etc/key.json" >"$E/etc/daemon.json"
	eng_start "$E/containerd.log" containerd --config "$E/containerd.toml"
	if ! wait_for 20 up_or_gone "$ENG_LAST" test -S "$E/containerd.sock" ||
		! test -S "$E/containerd.sock"; then
		ENG_WHY="containerd did not start: $(tail -n 3 "$E/containerd.log" | tr '\n' ' ')"
		return 1
	fi
	eng_start "$E/dockerd.log" dockerd --config-file "$E/etc/daemon.json" \
		--containerd "$E/containerd.sock" --data-root "$E/docker/data" \
		--exec-root "$E/docker/exec" --pidfile "$E/docker.pid" \
		-H "unix://$E/docker.sock" --iptables=false --ip-forward=false \
		--ip-masq=false --bridge=none --cgroup-parent "/$CG" "$@"
	# up when it answers; gone (its own error is the reason) when it exits
	if ! wait_for 30 up_or_gone "$ENG_LAST" dk_quiet version || ! dk_quiet version; then
		local why
		why=$(grep -E 'level=(error|fatal)' "$E/dockerd.log" | tail -n 2)
		[ -n "$why" ] || why=$(tail -n 2 "$E/dockerd.log")
		ENG_WHY="dockerd did not start: $(printf "%s" "$why" | tr "\n" " ")"
		return 1
	fi
}

# docker_import NAME DIR [CHANGE...]: an image from a rootfs directory
docker_import() {
	local name=$1 dir=$2; shift 2
	local ch=() c
	for c in "$@"; do ch+=(-c "$c"); done
	tar -C "$dir" -c . | dk import "${ch[@]}" - "$name" >/dev/null
}

# drun ARGS...: docker run with the flags every test uses
drun() { dk run --pull never --network none "$@"; }

# dlogs NAME: stdout and stderr of a container, in one stream
dlogs() { dk logs "$1" 2>&1; }

# dstate NAME FIELD: one .State field of a container
dstate() { dk inspect -f "{{.State.$2}}" "$1" 2>/dev/null; }

# forced NAME: dockerd's own line when docker stop ran out of time and sent
# SIGKILL ("failed to exit within N seconds of signal 15 - using the force")
forced() {
	local id
	id=$(dk inspect -f '{{.Id}}' "$1")
	grep "$id" "$E/dockerd.log" | grep -q 'using the force'
}

docker_stop_all() {
	[ -S "$E/docker.sock" ] || return 0
	local ids
	ids=$(dk ps -aq 2>/dev/null)
	# shellcheck disable=SC2086
	[ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1
}

# --- podman -------------------------------------------------------------------
pm() {
	timeout "$ENG_T" nsenter -t "$ENG_HOLD" -m -n -- env CONTAINERS_CONF="$E/podman/containers.conf" \
		CONTAINERS_STORAGE_CONF="$E/podman/storage.conf" \
		podman --root "$E/podman/root" --runroot "$E/podman/run" --tmpdir "$E/podman/tmp" \
		--runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}
# prun ARGS...: podman run with the flags every test uses; this machine
# lacks CAP_SYS_RESOURCE, so the limits are explicit
prun() {
	pm run --network none --cgroup-parent "/$CG" \
		--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 "$@"
}

podman_setup() {
	command -v podman >/dev/null || { ENG_WHY="podman not installed (tests/deps.sh check installs it)"; return 1; }
	command -v runc >/dev/null || { ENG_WHY="runc not installed"; return 1; }
	eng_hold || { ENG_WHY="no private namespace"; return 1; }
	mkdir -p "$E/podman/net"
	cat >"$E/podman/containers.conf" <<-EOF
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	events_logfile_path = "$E/podman/events.log"
	runtime = "runc"
	tmp_dir = "$E/podman/tmp"
	static_dir = "$E/podman/root/libpod"
	volume_path = "$E/podman/root/volumes"
	[network]
	network_config_dir = "$E/podman/net"
	EOF
	cat >"$E/podman/storage.conf" <<-EOF
	[storage]
	driver = "overlay"
	graphroot = "$E/podman/root"
	runroot = "$E/podman/run"
	EOF
	local out
	if ! out=$(pm info --format '{{.Host.OCIRuntime.Name}}' 2>&1); then
		ENG_WHY="podman info failed: $(printf '%s' "$out" | tail -n 2)"
		return 1
	fi
}

podman_stop_all() {
	[ -d "$E/podman/root" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1
}

# --- runc ---------------------------------------------------------------------
rc() { timeout "$ENG_T" nsenter -t "$ENG_HOLD" -m -n -- runc --root "$E/runc" "$@"; }

# runc_bundle DIR ROOTFS ID ARG...: a bundle from `runc spec`, made
# non-interactive, with ROOTFS and ARGs, its cgroup under ours
runc_bundle() {
	local dir=$1 rootfs=$2 id=$3; shift 3
	mkdir -p "$dir"
	(cd "$dir" && runc spec) || return 1
	python3 - "$dir/config.json" "$rootfs" "/$CG/$id" "$@" <<-'EOF'
	import json, sys
	path, rootfs, cg, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
	c = json.load(open(path))
	c["process"]["terminal"] = False
	c["process"]["args"] = args
	c["root"] = {"path": rootfs, "readonly": True}
	c["linux"]["cgroupsPath"] = cg
	json.dump(c, open(path, "w"), indent=1)
	EOF
}

runc_stop_all() {
	[ -d "$E/runc" ] || return 0
	local id
	for id in $(rc list -q 2>/dev/null); do
		rc delete -f "$id" >/dev/null 2>&1
	done
}

# --- the end ------------------------------------------------------------------
# paths the engines use by default: none may appear because of a test
ENG_HOST_PATHS="/var/lib/docker /var/lib/containerd /var/lib/containers /run/docker
	/run/containerd /run/containers /run/libpod /run/runc /etc/docker/key.json
	/etc/containers/networks /dev/shm/libpod_lock $HOME/.docker"
# shellcheck disable=SC2086
eng_host_paths() { ls -d $ENG_HOST_PATHS 2>/dev/null; }
ENG_HOST_BEFORE=$(eng_host_paths)
ENG_SWEPT=""

# ns_procs MNTNS [EXCEPT]: the PIDs in mount namespace MNTNS
ns_procs() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = "${2:-}" ] && continue
		[ "$(readlink /proc/"$p"/ns/mnt 2>/dev/null)" = "$1" ] && echo "$p"
	done
}

eng_cleanup() {
	local i p
	ENG_CLEANED=1
	docker_stop_all
	podman_stop_all
	runc_stop_all
	for ((i = ${#ENG_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${ENG_PIDS[$i]}" 15
	done
	# shims and conmon run in our private mount namespace: ours to stop.
	# Those on their way out get a few seconds; what is left is killed,
	# and named (eng_finish reports it)
	if [ -n "${ENG_MNTNS:-}" ]; then
		# shellcheck disable=SC2016  # eval'd each round
		wait_for 5 eval '[ -z "$(ns_procs "$ENG_MNTNS" "$ENG_HOLD")" ]'
		for p in $(ns_procs "$ENG_MNTNS" "$ENG_HOLD"); do
			ENG_SWEPT="$ENG_SWEPT $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null))"
			kill -KILL "$p" 2>/dev/null
		done
	fi
	[ -n "$ENG_HOLD" ] && stop_pid "$ENG_HOLD" 5
	# cgroups: children first; a busy one is reported, not hidden
	local d
	for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$d" ] && echo "# lib_engine: cgroup $d left behind" >&2
	done
	rm -rf "$T_TMP"
}
trap '[ -n "${ENG_CLEANED:-}" ] || eng_cleanup' EXIT

# eng_finish: stop everything now, and show that nothing is left behind;
# then the TAP plan
eng_finish() {
	local mnt=${ENG_MNTNS:-} p left="" log
	log=$(mktemp)
	eng_cleanup 2>"$log"
	if [ -n "$mnt" ]; then
		# a KILLed process may take a moment to leave
		# shellcheck disable=SC2016  # eval'd each round
		wait_for 5 eval '[ -z "$(ns_procs "$mnt")" ]'
		for p in $(ns_procs "$mnt"); do
			left="$left $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null))"
		done
		is "$ENG_SWEPT" "" "cleanup: nothing left running in the engines' namespace once the daemons stopped"
		is "$left" "" "cleanup: every engine process gone, the namespace holder too"
	fi
	is "$(cat "$log")" "" "cleanup: no cgroup left under /$CG"
	rm -f "$log"
	is "$(eng_host_paths)" "$ENG_HOST_BEFORE" "cleanup: no engine path created outside the scratch dir"
	is "$(grep -c "$T_TMP" /proc/self/mounts)" 0 "cleanup: no engine mount visible outside"
	check "cleanup: scratch dir removed" test ! -e "$T_TMP"
	done_testing
}

# todo REASON DESC CMD...: a check known to fail until REASON is done; TAP
# counts it as a TODO (prove reports it once it passes)
todo() {
	local why=$1 d=$2; shift 2
	T_N=$((T_N + 1))
	if "$@"; then echo "ok $T_N - $d # TODO $why"; else echo "not ok $T_N - $d # TODO $why"; fi
}

# guards for options other issues add: skip when usher does not know them
usher_has() { "$USHER" --help 2>&1 | grep -q -- "$1"; }
