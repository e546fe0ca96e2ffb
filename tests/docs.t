#!/bin/bash
# tests/docs.t: `usher --help`, man/usher.8 and README.md describe the same
# options and variables, the man page lints clean, and the README's two
# opening commands are the ones the Makefile and .ci/run provide. Needs no
# root. Each check reports what is missing where, so a failure says which
# document to fix.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$TESTS/.." && pwd)
MAN=$ROOT/man/usher.8
README=$ROOT/README.md
CI=$ROOT/.ci/run

# words WANT HAVE: the words of WANT (one per line) missing from HAVE
missing() { comm -23 <(printf '%s\n' "$1" | sort -u) <(printf '%s\n' "$2" | sort -u) | grep -v '^$' | tr '\n' ' '; }
# first long option on each option line: "  -g, --pgroup ..." -> --pgroup
longs_of() { sed -nE 's/^ *`?(-[A-Za-z], )?(--[a-z][a-z0-9-]*).*/\2/p'; }
# "-g, --pgroup" pairs
pairs_of() { sed -nE 's/^ *`?(-[A-Za-z]), (--[a-z][a-z0-9-]*).*/\1 \2/p'; }

# --- usher --help ------------------------------------------------------------
help=$("$USHER" --help 2>"$T_TMP/help.err")
is "$?" 0 "--help exits 0"
is "$(cat "$T_TMP/help.err")" "" "--help writes nothing on stderr"
help_opts=$(printf '%s\n' "$help" | grep -E '^ +-')
help_longs=$(printf '%s\n' "$help_opts" | longs_of | sort -u)
help_pairs=$(printf '%s\n' "$help_opts" | pairs_of | sort -u)
help_vars=$(printf '%s\n' "$help" | grep -oE 'USHER_[A-Z_]+' | sort -u)
check "--help lists long options" [ -n "$help_longs" ]
check "--help lists USHER_* variables" [ -n "$help_vars" ]
diag "--help long options: ${help_longs//$'\n'/ }"

# --- man page ----------------------------------------------------------------
if ! command -v groff >/dev/null; then
	skip "groff not installed (package groff-base): man page not checked"
else
	lint=$(groff -mdoc -ww -z "$MAN" 2>&1)
	is "$lint" "" "man page lints clean (groff -mdoc -ww -z)"

	# A wide line keeps every paragraph on one line, so no option is split
	# at a hyphen; -P-cbou drops bold and underline overstrikes.
	groff -mdoc -Tascii -P-cbou -rLL=2000n "$MAN" 2>/dev/null |
		sed 's/.\x08//g' >"$T_TMP/man.txt"
	section() { awk -v s="$1" '/^[A-Z]/ { on = ($0 == s) } on' "$T_TMP/man.txt"; }
	man_opts=$(section OPTIONS)
	man_tags=$(printf '%s\n' "$man_opts" | grep -E '^     -')
	man_longs=$(printf '%s\n' "$man_tags" | longs_of | sort -u)
	man_all_longs=$(printf '%s\n' "$man_opts" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	man_pairs=$(printf '%s\n' "$man_tags" | pairs_of | sort -u)
	man_env=$(section ENVIRONMENT | grep -E '^     USHER_' | grep -oE 'USHER_[A-Z_]+' | sort -u)

	is "$(missing "$help_longs" "$man_longs")" "" \
		"every long option of --help has an entry in the man page's OPTIONS"
	is "$(missing "$man_all_longs" "$help_longs")" "" \
		"every --option in the man page's OPTIONS is in --help"
	is "$(missing "$help_pairs" "$man_pairs")" "" \
		"short and long options pair up the same in --help and the man page"
	is "$(missing "$help_vars" "$man_env")" "" \
		"every USHER_* variable of --help is in the man page's ENVIRONMENT"
	is "$(missing "$man_env" "$help_vars")" "" \
		"every variable in the man page's ENVIRONMENT is in --help"
	like "$(section SYNOPSIS)" 'usher \[option \.\.\.\] \[--\] command' \
		"man page SYNOPSIS matches the usage line"
fi

# --- README ------------------------------------------------------------------
readme_words=$(grep -oE -- '--[a-z][a-z0-9-]*|USHER_[A-Z_]+' "$README" | sort -u)
# the options table: rows that start with an option in backquotes
table=$(grep -E '^\| `-' "$README" | sed 's/^| //')
table_longs=$(printf '%s\n' "$table" | longs_of | sort -u)
table_pairs=$(printf '%s\n' "$table" | pairs_of | sort -u)
table_vars=$(printf '%s\n' "$table" | grep -oE 'USHER_[A-Z_]+' | sort -u)

is "$(missing "$help_longs" "$readme_words")" "" \
	"every long option of --help appears in README"
is "$(missing "$help_longs" "$table_longs")" "" \
	"every long option of --help is in README's options table"
is "$(missing "$table_longs" "$help_longs")" "" \
	"every option in README's options table is in --help"
is "$(missing "$help_pairs" "$table_pairs")" "" \
	"short and long options pair up the same in --help and README"
is "$(missing "$help_vars" "$readme_words")" "" \
	"every USHER_* variable of --help appears in README"
is "$(missing "$table_vars" "$help_vars")" "" \
	"every variable in README's options table is in --help"

# README opens with the demo and the test command, each in its own block,
# and CI runs exactly that test command.
blocks=$(awk '/^```/ { if (inb) { n++; inb = 0 } else inb = 1; next }
	inb && n < 2 { print n + 0 ": " $0 }' "$README")
is "$blocks" $'0: make demo\n1: make check' \
	"README's first two code blocks are 'make demo' and 'make check'"
first_block_line=$(grep -n '^```' "$README" | head -1 | cut -d: -f1)
check "the first code block comes near the top of README" [ "${first_block_line:-999}" -le 15 ]
check ".ci/run runs README's test command" grep -qx 'make check' "$CI"
check "the Makefile has a demo target" grep -qE '^demo:' "$ROOT/Makefile"
check "the Makefile has a check target" grep -qE '^check:' "$ROOT/Makefile"

# --- version -----------------------------------------------------------------
version=$("$USHER" --version 2>/dev/null)
# "usher X.Y.Z - git.COMMIT": dockerd's `docker info` reads the commit
like "$version" '^usher [0-9]+\.[0-9]+\.[0-9]+ - git\.[0-9A-Za-z_-]+$' \
	"--version prints 'usher X.Y.Z - git.COMMIT'"
release=${version%% - *}
check "the man page shows the same version" grep -qF "${release:-no version} - git." "$MAN"
check "README shows the same version" grep -qF "${release:-no version} - git." "$README"

done_testing
