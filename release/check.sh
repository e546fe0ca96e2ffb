#!/bin/bash
# release/check.sh: what `make check-release` (and so `make check`) runs.
# Builds the release into dist/, builds it again elsewhere and compares the
# checksums (reproducible: same source, same bytes), then runs the smoke
# suite on every binary under qemu-user and the .deb's install test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PROVE=${PROVE:-prove}
command -v qemu-aarch64-static >/dev/null || {
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "release: installing qemu-user-static" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends qemu-user-static >&2
}
# An architecture whose toolchain cannot be had is skipped with its reason.
export RELEASE_SKIP_UNAVAILABLE=1
foreign_before=$(dpkg --print-foreign-architectures)
release/build.sh -o dist
again=build/release/again
rm -rf "$again"
release/build.sh -o "$again"
# The private apt state must have kept the system's apt as it was.
if [ "$(dpkg --print-foreign-architectures)" != "$foreign_before" ] ||
	compgen -G '/var/lib/apt/lists/*binary-arm64*' >/dev/null; then
	echo "release: the system's apt state gained an architecture" >&2
	exit 1
fi
if ! diff -u dist/SHA256SUMS "$again/SHA256SUMS"; then
	echo "release: two builds of the same tree differ (above)" >&2
	exit 1
fi
echo "release: reproducible: a second build has the same SHA256SUMS" >&2
rm -rf "$again"
(cd dist && sha256sum -c --quiet SHA256SUMS)
# The budget check can fail: a binary over its line stops the build.
printf 'amd64 1\n' >build/release/tiny-budgets
if out=$(RELEASE_BUDGETS=build/release/tiny-budgets RELEASE_DEB=no \
	release/build.sh -o build/release/tiny amd64 2>&1) ||
	! grep -q 'usher-amd64 is .* bytes, over its budget of 1 KiB' <<<"$out"; then
	echo "release: a binary over its size budget was not refused: $out" >&2
	exit 1
fi
rm -rf build/release/tiny build/release/tiny-budgets
echo "release: every binary within release/budgets; one over it is refused" >&2
DIST=$ROOT/dist $PROVE release/smoke.t release/deb.t
