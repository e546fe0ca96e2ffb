#!/bin/bash
# tests/user_caps.t: --user where usher lacks the power to switch (issue 11,
# section 7):
#   - in a rootless user namespace (unshare --user --map-root-user, where
#     /proc/self/setgroups says deny) --user 0 is the current identity and
#     changes nothing, instead of failing on setgroups;
#   - without CAP_SETGID or CAP_SETUID (setpriv --bounding-set, and runc
#     with the capability set of `runc spec`) the error names the step that
#     failed and the capability it needs, and nothing is started.
. "$(dirname "$0")/lib.sh"
require_root

# run CMD...: lib.sh's run, bounded: a hung user switch fails, never hangs
run() {
	timeout -k 5 30 "$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}
chmod 0755 "$T_TMP"
W=$T_TMP/w
mkdir -m 1777 "$W"

# ---- rootless user namespace ------------------------------------------------

run unshare --user --map-root-user "$USHER" --user 0 -- sh -c 'id -u; id -g'
is "$RC:$(printf '%s' "$OUT" | paste -sd:)" "0:0:0" \
	"rootless userns (setgroups deny): --user 0 runs as 0:0, exit 0"
is "$ERR" "" "... without a word"
run unshare --user --map-root-user env USHER_USER=root "$USHER" -- id -u
is "$RC:$OUT" "0:0" "... USHER_USER=root too"
run setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user "$USHER" --user 0:0 -- id -u
is "$RC:$OUT" "0:0" "... also when an unprivileged user made the namespace (--user 0:0)"
run unshare --user --map-root-user "$USHER" --user 65534 -- touch "$W/marker1"
is "$RC" 125 "rootless userns: another identity still fails, 125"
is "$ERR" "usher: cannot switch to uid 65534: setgroups: Operation not permitted (/proc/self/setgroups is \"deny\" in this user namespace)" \
	"... naming setgroups and the namespace's deny"
check "... and nothing ran" test ! -e "$W/marker1"

# ---- missing capabilities ----------------------------------------------------

run setpriv --bounding-set -setgid "$USHER" --user 65534 -- touch "$W/marker2"
is "$RC" 125 "without CAP_SETGID: --user 65534 fails, 125"
is "$ERR" "usher: cannot switch to uid 65534: setgroups: Operation not permitted (needs CAP_SETGID)" \
	"... naming the step (setgroups) and the capability it needs (CAP_SETGID)"
check "... and nothing ran" test ! -e "$W/marker2"

run setpriv --bounding-set -setuid "$USHER" --user 65534 -- touch "$W/marker3"
is "$RC:$ERR" "125:usher: cannot switch to uid 65534: setresuid: Operation not permitted (needs CAP_SETUID)" \
	"without CAP_SETUID: the step is setresuid, the capability CAP_SETUID"
check "... and nothing ran" test ! -e "$W/marker3"

run setpriv --groups 0 --bounding-set -setuid,-setgid "$USHER" --user 0 -- id -u
is "$RC:$OUT" "0:0" "without either, --user 0 as root holding groups {0} is the current identity: runs"

# ---- runc with the capability set of `runc spec` -------------------------------

if ! command -v runc >/dev/null || ! command -v python3 >/dev/null; then
	skip "runc or python3 is not installed: not tried under runc"
	skip "runc or python3 is not installed: not tried under runc"
elif ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
	skip "no static /bin/busybox: no runc rootfs"
	skip "no static /bin/busybox: no runc rootfs"
else
	chroot_usher
	B=$T_TMP/bundle
	mkdir -p "$B/rootfs/bin"
	cp "$STATIC" "$B/rootfs/usher"
	cp /bin/busybox "$B/rootfs/bin/busybox"
	ln -s busybox "$B/rootfs/bin/id"
	(cd "$B" && runc spec)
	# runc_run CAPS...: /usher --user 65534 -- /bin/id in the bundle, with
	# the spec's default capabilities plus CAPS
	runc_run() {
		python3 - "$B/config.json" "$@" <<'EOF'
import json, sys
path, extra = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["args"] = ["/usher", "--user", "65534", "--", "/bin/id"]
c["process"]["terminal"] = False
c["root"]["readonly"] = True
for k in c["process"]["capabilities"]:
    c["process"]["capabilities"][k] = sorted(set(c["process"]["capabilities"][k]) | set(extra))
json.dump(c, open(path, "w"))
EOF
		run runc --root "$T_TMP/runc" run -b "$B" "usher-caps-$$"
		runc --root "$T_TMP/runc" delete -f "usher-caps-$$" >/dev/null 2>&1
	}
	runc_run
	is "$RC:$ERR" "125:usher: cannot switch to uid 65534: setgroups: Operation not permitted (needs CAP_SETGID)" \
		"runc, capabilities of 'runc spec': the error names setgroups and CAP_SETGID"
	runc_run CAP_SETGID CAP_SETUID
	is "$RC:$OUT" "0:uid=65534 gid=65534 groups=65534" "... with CAP_SETGID and CAP_SETUID added: runs as 65534"
fi

done_testing
