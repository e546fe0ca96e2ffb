#!/bin/bash
# tests/exec.t: what happens at the exec of COMMAND (issue 11, section 7).
#   - a script without "#!" runs with /bin/sh, as POSIX execvp, tini and
#     dumb-init do; in an image without /bin/sh usher says so (126);
#   - "#!/bin/bash" in a busybox image, a CRLF "#!" line and a dynamically
#     linked binary without its loader are reported as what is missing,
#     not "command not found" for a file that exists;
#   - USHER_* variables configure usher, not COMMAND: a nested usher
#     (inherited USHER_SUCCESS_EXIT, USHER_PIDFILE) is not affected, and
#     the stop hook gets only its own USHER_CHILD_PID/SIGNAL/DEADLINE.
# The images are chroots holding the static usher and static busybox, as
# in user.t, entered with unshare as PID 1 of a new PID namespace.
. "$(dirname "$0")/lib.sh"
require_root

NS=(timeout -k 5 30 unshare --pid --fork --kill-child --mount-proc)


# ---- on the host: scripts without "#!" --------------------------------------

printf 'echo "sh ran $0 with $# args: $*"\nexit 7\n' >"$T_TMP/nosb"
chmod +x "$T_TMP/nosb"
run "${NS[@]}" "$USHER" -- "$T_TMP/nosb" a 'b c'
is "$RC:$OUT" "7:sh ran $T_TMP/nosb with 2 args: a b c" \
	"a script without '#!' runs with /bin/sh, with its arguments, and its status (7)"
is "$ERR" "" "... and usher says nothing"
run env PATH="$T_TMP:$PATH" "$USHER" -- nosb x
is "$RC:$OUT" "7:sh ran $T_TMP/nosb with 1 args: x" "... also found through PATH, \$0 the path found"
# the stop hook goes the same way
printf 'echo "hook ran $USHER_SIGNAL" >%s\n' "$T_TMP/hook.out" >"$T_TMP/hook"
chmod +x "$T_TMP/hook"
run "${NS[@]}" "$USHER" -t 3 -H "$T_TMP/hook" -- sh -c 'kill -TERM 1; sleep 2'
is "$(cat "$T_TMP/hook.out" 2>/dev/null)" "hook ran TERM" "a stop hook without '#!' runs with /bin/sh too"
# an ELF binary the kernel refuses is not handed to sh as a script
printf '\177ELF\002\001\001\000garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage' \
	>"$T_TMP/badelf"
chmod +x "$T_TMP/badelf"
run "$USHER" -- "$T_TMP/badelf"
is "$RC" 126 "a broken ELF file: exit 126"
like "$ERR" "^usher: cannot run '$T_TMP/badelf': Exec format error" "... Exec format error, not sh's complaints"
one_usher_line "... in one line"

# ---- in images: a chroot with usher and busybox -----------------------------

chroot_usher

if [ -n "$CHROOT_WHY" ]; then
	for _ in $(seq 10); do skip "$CHROOT_WHY"; done
else
	# SCRATCH: usher only, as FROM scratch; BB: busybox as /bin/sh, as
	# the busybox image (no bash)
	SCRATCH=$T_TMP/scratch BB=$T_TMP/bb
	for r in "$SCRATCH" "$BB"; do
		mkdir -p "$r/bin" "$r/proc" "$r/lib64"
		cp "$STATIC" "$r/usher"
		printf 'echo script ran\n' >"$r/nosb"
		printf '#!/bin/bash\necho bash ran\n' >"$r/bash.sh"
		printf '#!/bin/sh\r\necho crlf ran\r\n' >"$r/crlf.sh"
		chmod +x "$r/nosb" "$r/bash.sh" "$r/crlf.sh"
		# a dynamically linked Debian binary, without its C library
		cp /bin/true "$r/dyn"
	done
	cp /bin/busybox "$BB/bin/busybox"
	ln -s busybox "$BB/bin/sh"
	LOADER=$(file -L /bin/true | sed -n 's/.*interpreter \([^,]*\),.*/\1/p')

	run "${NS[@]}" --root="$BB" /usher -- /nosb
	is "$RC:$OUT" "0:script ran" "busybox image: a script without '#!' runs with busybox sh"

	run "${NS[@]}" --root="$SCRATCH" /usher -- /nosb
	is "$RC" 126 "scratch image: a script without '#!' and no /bin/sh: exit 126"
	like "$ERR" "^usher: cannot run '/nosb': .*no '#!' line.*/bin/sh.*missing" \
		"... saying /bin/sh is missing"
	one_usher_line "... in one line"

	run "${NS[@]}" --root="$BB" /usher -- /bash.sh
	is "$RC" 127 "busybox image: #!/bin/bash: exit 127"
	is "$ERR" "usher: cannot run '/bash.sh': its interpreter '/bin/bash' (from the '#!' line) does not exist" \
		"... naming the missing interpreter, not 'command not found'"

	run "${NS[@]}" --root="$BB" /usher -- /crlf.sh
	is "$RC" 127 "a '#!' line ending in CRLF: exit 127"
	like "$ERR" "^usher: cannot run '/crlf.sh': its '#!' line ends in a carriage return \(DOS line endings\)" \
		"... saying the line ends in a carriage return"

	run "${NS[@]}" --root="$SCRATCH" /usher -- /dyn
	is "$RC" 127 "a dynamically linked binary without its loader: exit 127"
	is "$ERR" "usher: cannot run '/dyn': its ELF interpreter '$LOADER' is missing (a dynamically linked program without its C library?)" \
		"... naming the missing ELF interpreter"

	# #!/bin/bash where /bin/bash is there, but not its loader
	cp /bin/true "$SCRATCH/bin/bash"
	run "${NS[@]}" --root="$SCRATCH" /usher -- /bash.sh
	like "$RC:$ERR" "^127:usher: cannot run '/bash.sh': its interpreter '/bin/bash' needs the ELF interpreter '$LOADER', which is missing" \
		"an interpreter without its loader: both named"
fi

# ---- USHER_* stay with usher -------------------------------------------------

run env USHER_SUCCESS_EXIT=3 "${NS[@]}" "$USHER" -- "$USHER" -- sh -c 'exit 3'
is "$RC" 0 "USHER_SUCCESS_EXIT=3 applies to the outer usher (exit 0) ..."
run env USHER_SUCCESS_EXIT=3 "${NS[@]}" "$USHER" -e 0 -- "$USHER" -- sh -c 'exit 3'
is "$RC" 3 "... but not to a nested usher, which exits 3 (the outer's -e wins over the variable)"

START=$(date +%s%N)
run env USHER_PIDFILE="$T_TMP/nope.pid" "${NS[@]}" "$USHER" --pidfile-timeout 3 -- \
	sh -c "\"$USHER\" -- true; echo inner=\$?; sleep 0.3 & echo \$! >\"$T_TMP/nope.pid\""
END=$(date +%s%N)
is "$OUT" "inner=0" "an inherited USHER_PIDFILE does not reach a nested 'usher -- true' (exit 0 at once)"
is "$RC" 0 "... while the outer usher follows the pidfile (exit 0)"
check "... the nested usher did not wait (under 2.5 s in all)" [ $(((END - START) / 1000000)) -lt 2500 ]

run env USHER_GRACE=7 USHER_FOO=bar PATH="$PATH" "$USHER" -- env
is "$(printf '%s\n' "$OUT" | grep -c '^USHER_')" 0 "COMMAND's environment holds no USHER_* variable"
like "$OUT" "^PATH=" "... and the rest of the environment"

run env USHER_GRACE=3 USHER_FOO=bar "${NS[@]}" "$USHER" -H env -- sh -c 'kill -TERM 1; sleep 2'
hook_env=$(printf "%s\n" "$OUT" | grep '^USHER_' | sed 's/=.*//' | sort | paste -sd' ')
is "$hook_env" "USHER_CHILD_PID USHER_DEADLINE USHER_SIGNAL" \
	"the stop hook gets only its own USHER_CHILD_PID, USHER_DEADLINE, USHER_SIGNAL"

done_testing
