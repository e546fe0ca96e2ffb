#!/bin/bash
# release/build.sh: the static musl binaries of every architecture Docker
# runs usher on, named by TARGETARCH+TARGETVARIANT, plus SHA256SUMS.
#
#   release/build.sh [-o OUTDIR] [ARCH...]     (default: all, into dist/)
#
# and a .deb for each (RELEASE_DEB=no: none), named by Debian architecture.
#
# Each binary is built by `make release-bin`, i.e. with the very flags of
# ./usher, only CC differs: a cross gcc pointed at that architecture's musl
# through a gcc specs file. musl comes from Debian's own musl-dev for the
# architecture, fetched with a PRIVATE apt state (its own sources list,
# lists and cache under the build cache) so the system's apt keeps its one
# architecture; riscv64 has no musl-dev in Debian 12, so the Debian musl
# source is cross-built once. Both are cached in build/release/ (ignored by
# git); missing cross compilers are installed through the system's apt-get.
# Every binary is checked against its size budget (release/budgets).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/dist
while getopts o: opt; do
	case $opt in
	o) OUT=$(mkdir -p "$OPTARG" && cd "$OPTARG" && pwd) ;;
	*) echo "usage: $0 [-o OUTDIR] [ARCH...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
CACHE=${USHER_RELEASE_CACHE:-$ROOT/build/release}
BUDGETS=${RELEASE_BUDGETS:-$ROOT/release/budgets}
. "$ROOT/release/arches.sh"
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=("${RELEASE_ARCHES[@]}")
export LC_ALL=C TZ=UTC
# Nothing in the binaries carries a date; the .deb and any archive do.
# The commit's date; in a tarball, the Debian changelog's.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null ||
	dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Timestamp)}
export SOURCE_DATE_EPOCH

say() { echo "release: $*" >&2; }
die() { echo "release: $*" >&2; exit 1; }
# A toolchain or musl that cannot be had: fatal for a release; with
# RELEASE_SKIP_UNAVAILABLE=1 (make check-release on a machine without a
# mirror) the architecture is left out and the reason goes to OUT/SKIPPED,
# which the smoke suite reports as that architecture's skip.
unavailable() {
	[ "${RELEASE_SKIP_UNAVAILABLE:-0}" = 1 ] || die "$A_NAME: $*"
	say "skipping $A_NAME: $*"
	echo "$A_NAME $*" >>"$OUT/SKIPPED"
}

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

# Cross compilers through the system's apt, only
# those missing; this adds packages, never an architecture or a source.
install_toolchains() {
	local need="" a
	for a in "${ARCHES[@]}"; do
		arch_info "$a" || die "unknown architecture '$a' (know: ${RELEASE_ARCHES[*]} ${EXTRA_ARCHES[*]})"
		command -v "$A_CC" >/dev/null 2>&1 || need="$need $A_CCPKG"
	done
	[ -z "$need" ] && return 0
	say "installing:$need"
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >&2 ||
		[ "${RELEASE_SKIP_UNAVAILABLE:-0}" = 1 ] || die "cannot install:$need"
}

# ---- the private apt state -------------------------------------------------

APT_DIR=$CACHE/apt
APT_ARCHS=()
for a in "${RELEASE_ARCHES[@]}" "${EXTRA_ARCHES[@]}"; do
	arch_info "$a"
	APT_ARCHS+=(-o "APT::Architectures::=$A_DEB")
done
apt_private() {
	apt-get -q -o Dir::State="$APT_DIR/state" -o Dir::State::Lists="$APT_DIR/state/lists" \
		-o Dir::State::status="$APT_DIR/state/status" -o Dir::Cache="$APT_DIR/cache" \
		-o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts="$APT_DIR/sources.list.d" \
		-o Dir::Etc::Preferences="$APT_DIR/preferences" \
		-o Dir::Etc::PreferencesParts="$APT_DIR/preferences.d" \
		-o APT::Architecture=amd64 "${APT_ARCHS[@]}" \
		-o APT::Sandbox::User=root "$@"
}

# The system's own Debian sources (those naming its codename), binary and
# source, copied into the private state: no mirror is named here.
apt_private_update() {
	# updated once per set of architectures
	[ "$(cat "$APT_DIR/updated" 2>/dev/null)" = "${APT_ARCHS[*]}" ] && return 0
	local codename
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	mkdir -p "$APT_DIR/state/lists/partial" "$APT_DIR/cache/archives/partial" \
		"$APT_DIR/sources.list.d" "$APT_DIR/preferences.d"
	: >"$APT_DIR/state/status"
	: >"$APT_DIR/preferences"
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			if [ -e "$f" ]; then cat "$f"; fi
		done
	} | awk -v c="$codename" '$1 == "deb" && $0 ~ (" " c "([ -]|$)") {
		print; sub(/^deb /, "deb-src "); print }' >"$APT_DIR/sources.list"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk -v c="$codename" 'BEGIN { RS = ""; ORS = "\n\n" }
			$0 ~ ("Suites:[^\n]*[ ]" c "([ -]|\n|$)") && $0 !~ /Enabled: *no/ {
				sub(/Types:[^\n]*/, "Types: deb deb-src"); print }' "$f" \
			>"$APT_DIR/sources.list.d/$(basename "$f")"
	done
	say "updating the private apt lists (system apt untouched)"
	apt_private update -qq >&2 || return 1
	echo "${APT_ARCHS[*]}" >"$APT_DIR/updated"
}

# ---- musl for one architecture -----------------------------------------------

# Sets MUSL_INC and MUSL_LIB for $A_*: from the cache, else from Debian.
musl_for() {
	local root=$CACHE/musl/$A_DEB
	MUSL_INC=$root/usr/include/$A_MUSL
	MUSL_LIB=$root/usr/lib/$A_MUSL
	if [ "$A_DEB" = amd64 ]; then
		# the system's musl-tools: the same musl as ./usher
		MUSL_INC=/usr/include/x86_64-linux-musl MUSL_LIB=/usr/lib/x86_64-linux-musl
		[ -e "$MUSL_LIB/libc.a" ] || DEBIAN_FRONTEND=noninteractive \
			$sudo apt-get install -y -qq --no-install-recommends musl-dev >&2
		return 0
	fi
	[ -e "$root/.ok" ] && return 0
	rm -rf "$root"
	mkdir -p "$root"
	if ! apt_private_update; then
		unavailable "apt-get update with the private state failed"
		return 1
	fi
	if [ "$A_MUSL_SRC" = yes ]; then
		build_musl "$root" || return 1
	else
		local tmp
		tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
		say "fetching musl-dev:$A_DEB"
		if ! (cd "$tmp" && apt_private download -qq "musl-dev:$A_DEB" >&2); then
			rm -rf "$tmp"
			unavailable "cannot download musl-dev:$A_DEB"
			return 1
		fi
		dpkg-deb -x "$tmp"/musl-dev_*_"$A_DEB".deb "$root"
		dpkg-deb -f "$tmp"/musl-dev_*_"$A_DEB".deb Version >"$root/.version"
		rm -rf "$tmp"
	fi
	if [ ! -e "$MUSL_LIB/libc.a" ] || [ ! -e "$MUSL_INC/signal.h" ]; then
		unavailable "no musl for $A_DEB in $root"
		return 1
	fi
	touch "$root/.ok"
}

# Debian's musl source, cross-built for an architecture Debian has no
# musl-dev for; installed under the same layout Debian's packages use.
build_musl() {
	local root=$1 src=$CACHE/src
	rm -rf "$src"
	mkdir -p "$src"
	say "fetching the musl source and cross-building it for $A_DEB"
	if ! (cd "$src" && apt_private source -qq --download-only musl >&2); then
		unavailable "cannot fetch the musl source"
		return 1
	fi
	(cd "$src" && dpkg-source -x --no-check ./*.dsc musl >/dev/null)
	(cd "$src/musl" && dpkg-parsechangelog -S Version) >"$root/.version"
	(cd "$src/musl" &&
		CC=$A_CC AR=${A_CC%gcc}ar RANLIB=${A_CC%gcc}ranlib CFLAGS=-Os ./configure --target="$A_MUSL" --prefix=/usr \
			--includedir="/usr/include/$A_MUSL" --libdir="/usr/lib/$A_MUSL" \
			--syslibdir="/usr/lib/$A_MUSL" --disable-shared >/dev/null &&
		make -s -j"$(nproc)" >/dev/null 2>&1 &&
		make -s install DESTDIR="$root" >/dev/null) || {
		unavailable "musl build for $A_DEB failed"
		return 1
	}
	rm -rf "$src"
}

# A gcc specs file making $A_CC a musl-gcc for the architecture.
specs_for() {
	local specs=$CACHE/specs/$A_DEB.specs
	mkdir -p "$CACHE/specs"
	cat >"$specs" <<-EOF
	%rename cpp_options old_cpp_options

	*cpp_options:
	-nostdinc -isystem $MUSL_INC -isystem include%s %(old_cpp_options)

	*cc1:
	%(cc1_cpu) -nostdinc -isystem $MUSL_INC -isystem include%s

	*link_libgcc:
	-L$MUSL_LIB -L .%s

	*libgcc:
	libgcc.a%s %:if-exists(libgcc_eh.a%s)

	*startfile:
	$MUSL_LIB/crt1.o $MUSL_LIB/crti.o crtbeginT.o%s

	*endfile:
	crtend.o%s $MUSL_LIB/crtn.o

	*link:
	-nostdlib %{static:-static}

	EOF
	SPECS=$specs
}

# ---- build ---------------------------------------------------------------------

mkdir -p "$OUT" "$CACHE"
rm -f "$OUT/SHA256SUMS" "$OUT/SKIPPED"
install_toolchains
BUILT=()
declare -A CROSS_CC MUSL_VERSION
for a in "${ARCHES[@]}"; do
	arch_info "$a"
	A_NAME=$a
	rm -f "$OUT/usher-$a"
	if ! command -v "$A_CC" >/dev/null; then
		unavailable "no $A_CC (package $A_CCPKG)"
		continue
	fi
	musl_for || continue
	cc=$A_CC
	if [ "$A_DEB" != amd64 ]; then
		specs_for
		cc="$A_CC -specs=$SPECS"
		CROSS_CC[$a]=$cc
		MUSL_VERSION[$a]=$(cat "$CACHE/musl/$A_DEB/.version" 2>/dev/null || true)
	else
		cc="$A_CC -specs=/usr/lib/x86_64-linux-musl/musl-gcc.specs"
	fi
	bin=$OUT/usher-$a
	# -Werror: a warning on any architecture is a bug there (bit widths).
	make -s -C "$ROOT" --no-print-directory release-bin RELEASE_BIN="$bin" \
		CC="$cc" CFLAGS="${CFLAGS:-} -Werror" >&2 ||
		die "build for $a failed"
	size=$(stat -c %s "$bin")
	budget=$(awk -v a="$a" '$1 == a { print $2 }' "$BUDGETS")
	[ -n "$budget" ] || die "no size budget for $a in $BUDGETS"
	if [ "$size" -gt $((budget * 1024)) ]; then
		rm -f "$bin"
		die "usher-$a is $size bytes, over its budget of $budget KiB ($BUDGETS)"
	fi
	say "usher-$a: $size bytes (budget $budget KiB)"
	BUILT+=("$a")
done
# The package lists (165 MB for nine architectures) are needed only to
# fetch a musl not yet cached; the musl cache (30 MB) stays.
rm -rf "$APT_DIR/state/lists" "$APT_DIR/cache" "$APT_DIR/updated"

# ---- the .deb --------------------------------------------------------------

# dpkg-buildpackage in a copy of the tree (tracked and new files, not the
# ignored outputs): it writes next to the source directory, and its clean
# step must not touch the work tree. The changelog's version follows
# `usher --version`, so the package never claims another version.
build_deb_tree() {
	local dir=$CACHE/deb
	if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null ||
		! command -v lintian >/dev/null; then
		say "installing: dpkg-dev debhelper lintian fakeroot"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
			--no-install-recommends dpkg-dev debhelper lintian fakeroot >&2
	fi
	rm -rf "$dir"
	mkdir -p "$dir/usher"
	if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$ROOT" && git ls-files -co --exclude-standard | grep -v '^build/\|^dist/' |
			tar -cf - -T -) | tar -xf - -C "$dir/usher"
	else # a source tarball
		tar -C "$ROOT" -cf - --exclude=./build --exclude=./dist --exclude=./.git . |
			tar -xf - -C "$dir/usher"
	fi
	# what the binary says, wherever the version is defined
	DEB_VERSION=$("$OUT/usher-amd64" --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true)
	[ -n "$DEB_VERSION" ] ||
		DEB_VERSION=$(sed -n 's/^#define USHER_VERSION "\([^" ]*\).*/\1/p' "$ROOT/usher.h")
	[ -n "$DEB_VERSION" ] || die "cannot tell usher's version for the .deb"
	sed -i "1s/([^)]*)/($DEB_VERSION)/" "$dir/usher/debian/changelog"
	# Files the package copies from the tree (copyright, overrides) keep
	# their mtime, which differs between checkouts: make it the epoch.
	find "$dir/usher" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	# the commit, for a Makefile that stamps it: the copy has no .git, so
	# it is the one the release binaries name (-dirty included), and the
	# packaged binary stays byte for byte the release's
	USHER_COMMIT=${USHER_COMMIT:-$("$OUT/usher-amd64" --version 2>/dev/null |
		sed -n '1s/.* - git\.//p')}
	export USHER_COMMIT
}

# One .deb for release architecture $1: native, or cross with its musl.
build_deb() {
	local a=$1 dir=$CACHE/deb deb host
	local -a cross=()
	arch_info "$a"
	host=$(dpkg --print-architecture)
	if [ "$A_DEB" != "$host" ]; then
		# -d: the build dependency musl-tools is the host's; the cross
		# musl comes from release/build.sh's cache
		cross=(-a"$A_DEB" -d)
		export USHER_CROSS_CC="${CROSS_CC[$a]}"
		export USHER_MUSL_BUILT_USING="musl (= ${MUSL_VERSION[$a]:-$(dpkg-query -f '${Version}' -W musl-dev)})"
	else
		unset USHER_CROSS_CC USHER_MUSL_BUILT_USING
	fi
	(cd "$dir/usher" && dpkg-buildpackage -us -uc -b "${cross[@]}" >"$dir/log" 2>&1) || {
		tail -20 "$dir/log" >&2
		die "dpkg-buildpackage for $A_DEB failed (log: $dir/log)"
	}
	deb=usher_${DEB_VERSION}_$A_DEB.deb
	# -I: info tags too; the two by-design ones are overridden in debian/
	lintian -I --fail-on error,warning,info "$dir/usher_${DEB_VERSION}_$A_DEB.changes" >&2 2>/dev/null ||
		die "lintian complains about $deb"
	cp "$dir/$deb" "$OUT/"
	DEB+=("$deb")
	say "$deb: $(stat -c %s "$OUT/$deb") bytes, lintian clean"
}

rm -f "$OUT"/usher_*.deb
DEB=()
if [ "${RELEASE_DEB:-yes}" = yes ] && [ ${#BUILT[@]} -gt 0 ]; then
	build_deb_tree
	for a in "${BUILT[@]}"; do
		build_deb "$a"
	done
fi
[ $((${#BUILT[@]} + ${#DEB[@]})) -gt 0 ] || die "nothing was built"
(cd "$OUT" && sha256sum "${BUILT[@]/#/usher-}" "${DEB[@]}" >SHA256SUMS)
say "wrote $OUT/SHA256SUMS"
