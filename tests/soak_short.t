#!/bin/bash
# The soak (tests/soak.sh) for 10 seconds, as TAP, so make check covers it:
# usher as PID 1 under a random mix of signals, orphan bursts, STOP/CONT,
# stop hooks and docker stops. A failing run prints its seed; replay it
# with SOAK_SEED=N SOAK_SECONDS=10 USHER=... tests/soak.sh.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$HELPERS/soakchild" ] || skip_all "$HELPERS/soakchild is not built (make $HELPERS/soakchild)"

SOAK_SECONDS=${SOAK_SHORT_SECONDS:-10} timeout -k 5 120 "$TESTS/soak.sh" >"$T_TMP/soak.out" 2>&1
st=$?
diag "$(grep -v '^FAIL:' "$T_TMP/soak.out")"
while IFS= read -r line; do
	not_ok "${line#FAIL: }"
done < <(grep '^FAIL:' "$T_TMP/soak.out")
is "$st" 0 "soak: no failure in $(sed -n 's/^# soak: \([0-9]*\) rounds.*/\1/p' "$T_TMP/soak.out") rounds"
like "$(cat "$T_TMP/soak.out")" '^# soak: [1-9][0-9]* rounds' "soak: ran whole rounds and printed totals"
done_testing
