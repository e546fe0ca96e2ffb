#!/bin/bash
# tests/user.t: --user USER[:GROUP] and --no-new-privs (issue 4).
#
# As root: a chroot holding only a static usher and a static busybox, first
# without /etc (numeric ids, as in a FROM scratch image), then with the
# fixture passwd/group files, compared with what Debian's gosu does for the
# same spec and the same files. Then --no-new-privs, usher as non-root
# (setpriv), a setuid install, and the stop hook as the user.
. "$(dirname "$0")/lib.sh"
require_root

FIX=$TESTS/fixtures/etc
# nobody (65534) must reach scripts and output files under T_TMP
chmod 0755 "$T_TMP"
W=$T_TMP/w
mkdir -m 1777 "$W"

# "${NS[@]}" ARGS...: like in_ns, but bounded in time (--kill-child takes
# the namespace down with unshare if the timeout fires), and an array so
# that env(1) can run it.
NS=(timeout -k 5 30 unshare --pid --fork --kill-child --mount-proc)

# busybox id output + HOME line -> "uid=U gid=G groups=A,B,.. home=H" with
# names dropped and the gid folded into the sorted groups: gosu leaves the
# primary gid out of the supplementary list, usher puts it in (as
# getgrouplist does); the set of groups the process holds is the same.
norm() {
	local id home uid gid groups
	id=$(printf '%s\n' "$1" | grep '^uid=')
	home=$(printf '%s\n' "$1" | sed -n 's/^HOME=//p')
	uid=$(printf '%s\n' "$id" | sed -n 's/^uid=\([0-9]*\).*/\1/p')
	gid=$(printf '%s\n' "$id" | sed -n 's/.* gid=\([0-9]*\).*/\1/p')
	groups=$( (printf '%s\n' "$gid"
		printf '%s\n' "$id" | sed -n 's/.* groups=\([^ ]*\).*/\1/p' |
			tr ',' '\n' | sed 's/(.*//') | grep . | sort -nu | paste -sd,)
	echo "uid=$uid gid=$gid groups=$groups home=$home"
}

# raw_groups OUTPUT: the groups busybox id printed, numbers only
raw_groups() {
	printf '%s\n' "$1" | sed -n 's/.* groups=\([^ ]*\).*/\1/p' |
		tr ',' '\n' | sed 's/(.*//' | sort -n | paste -sd,
}

IDCMD='/bin/busybox id; echo HOME=$HOME'

# ---- the chroots -----------------------------------------------------------

[ -x /bin/busybox ] ||
	apt-get install -y -qq busybox-static >/dev/null 2>&1 || true

chroot_usher

# mkroot DIR: usher, busybox, an empty /proc for --mount-proc, a /tmp
mkroot() {
	mkdir -p "$1/bin" "$1/proc" "$1/tmp"
	chmod 1777 "$1/tmp"
	cp "$STATIC" "$1/usher"
	cp /bin/busybox "$1/bin/busybox"
}
BARE=$T_TMP/bare
ETC=$T_TMP/etc
if [ -z "$CHROOT_WHY" ]; then
	mkroot "$BARE"
	mkroot "$ETC"
	mkdir "$ETC/etc"
	cp "$FIX/passwd" "$FIX/group" "$ETC/etc/"
fi
chroot_skip() {
	local _
	for _ in $(seq "$1"); do skip "$CHROOT_WHY"; done
}

# ---- no /etc: numeric ids (FROM scratch) -----------------------------------

if [ -n "$CHROOT_WHY" ]; then
	chroot_skip 9
else
	run env HOME=/root "${NS[@]}" --root="$BARE" /usher --user 65534 -- \
		/bin/busybox sh -c "$IDCMD"
	is "$RC" 0 "no /etc: --user 65534 runs the command"
	is "$OUT" "uid=65534 gid=65534 groups=65534
HOME=/" "no /etc: --user 65534 is 65534:65534, groups 65534 only, HOME=/"

	run env HOME=/root "${NS[@]}" --root="$BARE" /usher --user 65534:4321 -- \
		/bin/busybox sh -c "$IDCMD"
	is "$OUT" "uid=65534 gid=4321 groups=4321
HOME=/" "no /etc: --user 65534:4321 holds exactly group 4321"

	run env USHER_USER=65534 "${NS[@]}" --root="$BARE" /usher -- /bin/busybox id
	is "$OUT" "uid=65534 gid=65534 groups=65534" "USHER_USER=65534 works like --user"

	run env USHER_USER=nosuch "${NS[@]}" --root="$BARE" /usher --user 65534 -- /bin/busybox id
	is "$OUT" "uid=65534 gid=65534 groups=65534" "--user wins over USHER_USER"

	# usher keeps root to reap and signal; only the command is 65534
	run "${NS[@]}" --root="$BARE" /usher --user 65534 -- /bin/busybox sh -c \
		'/bin/busybox grep ^Uid: /proc/1/status; /bin/busybox grep ^Uid: /proc/self/status'
	is "$(printf '%s\n' "$OUT" | tr -s '\t ' ' ')" "Uid: 0 0 0 0
Uid: 65534 65534 65534 65534" "usher (PID 1) stays root, the command is 65534 for real, effective and saved uid"

	run "${NS[@]}" --root="$BARE" /usher --user nosuch -- /bin/busybox touch /tmp/marker
	is "$RC" 125 "no /etc: a user name fails with 125"
	like "$ERR" "^usher: unknown user 'nosuch'" "no /etc: ... saying unknown user 'nosuch'"
	check "no /etc: ... and the command never ran" test ! -e "$BARE/tmp/marker"
fi

# ---- with /etc/passwd and /etc/group, compared with gosu -------------------

GOSU_WHY=
command -v gosu >/dev/null 2>&1 ||
	apt-get install -y -qq gosu >/dev/null 2>&1 ||
	GOSU_WHY="gosu not installed and apt-get install gosu failed"

# gosu is dynamic: run it outside the chroot, with the fixture files
# bind-mounted over /etc/passwd and /etc/group in a private mount namespace.
gosu_run() {
	timeout -k 5 30 unshare --mount sh -c '
		mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group ||
			exit 99
		shift 2
		exec gosu "$@"' sh "$FIX/passwd" "$FIX/group" "$@"
}

# spec, then what usher must give (normalised); gosu must agree
while read -r spec want; do
	if [ -n "$CHROOT_WHY" ]; then
		chroot_skip 3
		continue
	fi
	run env HOME=/root "${NS[@]}" --root="$ETC" /usher --user "$spec" -- \
		/bin/busybox sh -c "$IDCMD"
	got=$(norm "$OUT")
	if [ "$RC" = 0 ]; then
		is "$got" "$want" "--user $spec: ids, groups and HOME"
	else
		not_ok "--user $spec: ids, groups and HOME"
		diag "rc=$RC stderr: $ERR"
	fi
	# the primary gid is in the supplementary list, as getgrouplist has it
	gid=${want#*gid=}
	gid=${gid%% *}
	groups=${want#*groups=}
	groups=${groups%% *}
	is "$(raw_groups "$OUT")" "$groups" "--user $spec: setgroups holds exactly $groups (primary $gid included)"
	if [ -n "$GOSU_WHY" ]; then
		skip "$GOSU_WHY"
		continue
	fi
	gout=$(HOME=/root gosu_run "$spec" /bin/busybox sh -c "$IDCMD" 2>&1)
	is "$got" "$(norm "$gout")" "--user $spec: same as gosu $spec"
done <<'EOF'
app uid=1000 gid=1000 groups=29,44,100,1000 home=/home/app
app: uid=1000 gid=1000 groups=29,44,100,1000 home=/home/app
1000 uid=1000 gid=1000 groups=29,44,100,1000 home=/home/app
dev uid=1001 gid=100 groups=10,44,100 home=/home/dev
app:audio uid=1000 gid=29 groups=29 home=/home/app
dev:wheel uid=1001 gid=10 groups=10 home=/home/dev
1000:4343 uid=1000 gid=4343 groups=4343 home=/home/app
nobody uid=65534 gid=65534 groups=65534 home=/nonexistent
65534 uid=65534 gid=65534 groups=65534 home=/nonexistent
root uid=0 gid=0 groups=0 home=/root
EOF

# A number without an entry: usher gives it its own number as gid; gosu
# gives it root's group 0. This is where usher deliberately differs.
if [ -n "$CHROOT_WHY" ]; then
	chroot_skip 1
else
	run env HOME=/root "${NS[@]}" --root="$ETC" /usher --user 4242 -- \
		/bin/busybox sh -c "$IDCMD"
	is "$(norm "$OUT")" "uid=4242 gid=4242 groups=4242 home=/" \
		"--user 4242 (no entry): gid 4242, never root's 0"
	[ -z "$GOSU_WHY" ] &&
		diag "gosu 4242 gives: $(HOME=/root gosu_run 4242 /bin/busybox id 2>&1)"
fi

# Only HOME changes in the environment.
if [ -n "$CHROOT_WHY" ]; then
	chroot_skip 1
else
	run env -i FOO=bar HOME=/root PATH=/usr/bin:/bin "${NS[@]}" --root="$ETC" /usher --user app -- \
		/bin/busybox env
	is "$(printf '%s\n' "$OUT" | sort | paste -sd' ')" "FOO=bar HOME=/home/app PATH=/usr/bin:/bin" \
		"--user app sets HOME and leaves the rest of the environment alone"
fi

# Resolution errors: 125, one line, the command never started.
while read -r spec msg; do
	if [ -n "$CHROOT_WHY" ]; then
		chroot_skip 4
		continue
	fi
	rm -f "$ETC/tmp/marker"
	run "${NS[@]}" --root="$ETC" /usher --user "$spec" -- /bin/busybox touch /tmp/marker
	is "$RC" 125 "--user '$spec': exit 125"
	one_usher_line "--user '$spec': exactly one 'usher: ' line on stderr"
	like "$ERR" "$msg" "--user '$spec': says $msg"
	check "--user '$spec': the command never ran" test ! -e "$ETC/tmp/marker"
done <<'EOF'
nosuch unknown user 'nosuch'
app:nosuch unknown group 'nosuch'
4294967296 uid 4294967296 out of range
-1 unknown user '-1'
:app invalid user spec ':app'
EOF

# ---- --no-new-privs ----------------------------------------------------------

nnp() { printf '%s\n' "$OUT" | sed -n 's/^NoNewPrivs:[[:space:]]*//p'; }
run "${NS[@]}" "$USHER" --user 65534 --no-new-privs -- grep NoNewPrivs /proc/self/status
is "$(nnp)" 1 "--no-new-privs: NoNewPrivs: 1 in the command's /proc/self/status"
like "$OUT" "^NoNewPrivs:	1$" "--no-new-privs: the status line reads 'NoNewPrivs:<TAB>1'"
run "${NS[@]}" "$USHER" --user 65534 -- grep NoNewPrivs /proc/self/status
is "$(nnp)" 0 "without --no-new-privs: NoNewPrivs: 0"
run env USHER_NO_NEW_PRIVS=1 "${NS[@]}" "$USHER" --user 65534 -- grep NoNewPrivs /proc/self/status
is "$(nnp)" 1 "USHER_NO_NEW_PRIVS=1 works like --no-new-privs"
run "${NS[@]}" "$USHER" --no-new-privs -- grep NoNewPrivs /proc/self/status
is "$(nnp)" 1 "--no-new-privs without --user applies too"

# ---- usher as non-root ----------------------------------------------------------

asnobody() { timeout -k 5 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
run asnobody "$USHER" --user 1000 -- touch "$W/marker"
is "$RC" 125 "non-root usher: --user 1000 fails with 125"
one_usher_line "non-root usher: exactly one 'usher: ' line"
like "$ERR" "^usher: cannot switch to uid 1000: setgroups: Operation not permitted \(needs CAP_SETGID\)" \
	"non-root usher: says cannot switch to uid 1000, which step failed and what it needs"
check "non-root usher: the command never ran" test ! -e "$W/marker"

run asnobody "$USHER" --user 65534 -- sh -c 'id -u; id -g; echo "$HOME"'
is "$RC" 0 "non-root usher: --user 65534 (itself) runs"
is "$(printf '%s\n' "$OUT" | head -2 | paste -sd:)" 65534:65534 "non-root usher: ... as 65534:65534"

# ---- setuid install -----------------------------------------------------------

if [ -z "$STATIC" ]; then
	skip "no static usher to install setuid"
	skip "no static usher to install setuid"
else
	mkdir -m 0755 "$T_TMP/suid"
	cp "$STATIC" "$T_TMP/suid/usher"
	chmod 4755 "$T_TMP/suid/usher"
	run asnobody "$T_TMP/suid/usher" --user 0 -- id -u
	is "$RC" 125 "setuid usher refuses to run (125)"
	if [ -z "$OUT" ] && printf '%s' "$ERR" | grep -q '^usher: '; then
		ok "setuid usher: nothing ran, one 'usher: ' line says why"
	else
		not_ok "setuid usher: nothing ran, one 'usher: ' line says why"
		diag "stdout: '$OUT'" "stderr: '$ERR'"
	fi
fi

# ---- the stop hook runs as the user ------------------------------------------

# children PID: direct children of a process we started
children() {
	cat "/proc/$1/task/$1/children" 2>/dev/null ||
		ps -o pid= --ppid "$1" 2>/dev/null
}

cat >"$T_TMP/hook.sh" <<EOF
#!/bin/sh
echo "\$(id -u):\$(id -g):\$HOME" > $W/hook.out
EOF
chmod 0755 "$T_TMP/hook.sh"
# what the host's /etc/passwd says about 65534 (Debian: nobody, /nonexistent)
HOOK_GID=$(awk -F: '$3 == 65534 { print $4; exit }' /etc/passwd)
HOOK_HOME=$(awk -F: '$3 == 65534 { print $6; exit }' /etc/passwd)
: "${HOOK_GID:=65534}" "${HOOK_HOME:=/}"
if ! "$USHER" --help 2>&1 | grep -q -- '--stop-hook'; then
	skip "usher has no --stop-hook yet"
else
	unshare --pid --fork --kill-child --mount-proc \
		"$USHER" -t 4 -H "$T_TMP/hook.sh" --user 65534 -- sleep 100 \
		>"$T_TMP/out" 2>"$T_TMP/err" &
	outer=$!
	# wait for: unshare -> usher (PID 1 inside) -> sleep, already 65534
	usher_pid="" ready=""
	for _ in $(seq 100); do
		usher_pid=$(children "$outer" | awk '{print $1}')
		if [ -n "$usher_pid" ]; then
			for c in $(children "$usher_pid"); do
				if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = sleep ]; then
					ready=1
				fi
			done
		fi
		[ -n "$ready" ] && break
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		not_ok "stop hook runs as the user (command never started)"
		kill -KILL "$outer" 2>/dev/null
	else
		kill -TERM "$usher_pid"
		for _ in $(seq 150); do
			kill -0 "$outer" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$outer" 2>/dev/null
		wait "$outer" 2>/dev/null
		is "$(cat "$W/hook.out" 2>/dev/null)" "65534:$HOOK_GID:$HOOK_HOME" \
			"stop hook runs as the user, with the user's HOME"
		[ -s "$T_TMP/err" ] && diag "usher stderr: $(cat "$T_TMP/err")"
	fi
fi

done_testing
