# shellcheck shell=bash
# tests/lib_proc.sh: process helpers shared by the tests, the soak and the
# demo. No side effects: sourcing only defines functions.

# wait_for SECONDS CMD...: poll CMD every 20 ms until it succeeds; status 1
# when SECONDS pass first.
wait_for() {
	local tries=$(($1 * 50)); shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.02
	done
}

# children_of PID: the PIDs of PID's children, blank-separated, or nothing.
# Unquoted $(...) on purpose: it squeezes blanks.
# shellcheck disable=SC2046,SC2005
children_of() { echo $(cat /proc/"$1"/task/*/children 2>/dev/null); }

# descendants PID: every process below PID, one a line
descendants() {
	local c
	for c in $(children_of "$1"); do
		echo "$c"
		descendants "$c"
	done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
