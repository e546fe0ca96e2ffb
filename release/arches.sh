# release/arches.sh: the release architectures, sourced by build.sh and
# smoke.sh. Names are Docker's TARGETARCH plus TARGETVARIANT (arm/v7 is
# armv7), so a Dockerfile fetches usher-${TARGETARCH}${TARGETVARIANT}.
# mips64le is left out of the release: Docker images for it are rare. It
# builds and passes the smoke suite on request (EXTRA_ARCHES): signals.c
# takes its numbers from the target's headers.
# shellcheck shell=bash disable=SC2034
RELEASE_ARCHES=(amd64 arm64 armv7 armv6 386 ppc64le s390x riscv64)
# Built and smoke-tested on request only (release/build.sh mips64le), to
# check the signal numbering of an architecture that differs from x86.
EXTRA_ARCHES=(mips64le)

# arch_info NAME sets A_DEB (Debian architecture), A_CC and A_CCPKG (the
# cross gcc and its package), A_MUSL (musl's triplet, Debian's directory
# names), A_MUSL_SRC (yes: no musl-dev in Debian, build from source),
# A_QEMU (the user-mode emulator, empty for the host) and A_QEMU_CPU (the
# oldest CPU the asset promises to run on: the Pi Zero's ARM1176 for
# arm/v6, a Cortex-A7 for arm/v7; empty: qemu's default).
arch_info() {
	A_MUSL_SRC=no A_QEMU="" A_QEMU_CPU=""
	case $1 in
	amd64) A_DEB=amd64 A_CC=x86_64-linux-gnu-gcc A_CCPKG=gcc A_MUSL=x86_64-linux-musl ;;
	arm64) A_DEB=arm64 A_CC=aarch64-linux-gnu-gcc A_CCPKG=gcc-aarch64-linux-gnu \
		A_MUSL=aarch64-linux-musl A_QEMU=qemu-aarch64-static ;;
	armv7) A_DEB=armhf A_CC=arm-linux-gnueabihf-gcc A_CCPKG=gcc-arm-linux-gnueabihf \
		A_MUSL=arm-linux-musleabihf A_QEMU=qemu-arm-static A_QEMU_CPU=cortex-a7 ;;
	# Debian's armel is ARMv5TE soft-float, which ARMv6 (the Pi Zero) runs.
	armv6) A_DEB=armel A_CC=arm-linux-gnueabi-gcc A_CCPKG=gcc-arm-linux-gnueabi \
		A_MUSL=arm-linux-musleabi A_QEMU=qemu-arm-static A_QEMU_CPU=arm1176 ;;
	386) A_DEB=i386 A_CC=i686-linux-gnu-gcc A_CCPKG=gcc-i686-linux-gnu \
		A_MUSL=i386-linux-musl A_QEMU=qemu-i386-static ;;
	ppc64le) A_DEB=ppc64el A_CC=powerpc64le-linux-gnu-gcc A_CCPKG=gcc-powerpc64le-linux-gnu \
		A_MUSL=powerpc64le-linux-musl A_QEMU=qemu-ppc64le-static ;;
	s390x) A_DEB=s390x A_CC=s390x-linux-gnu-gcc A_CCPKG=gcc-s390x-linux-gnu \
		A_MUSL=s390x-linux-musl A_QEMU=qemu-s390x-static ;;
	riscv64) A_DEB=riscv64 A_CC=riscv64-linux-gnu-gcc A_CCPKG=gcc-riscv64-linux-gnu \
		A_MUSL=riscv64-linux-musl A_MUSL_SRC=yes A_QEMU=qemu-riscv64-static ;;
	mips64le) A_DEB=mips64el A_CC=mips64el-linux-gnuabi64-gcc \
		A_CCPKG=gcc-mips64el-linux-gnuabi64 A_MUSL=mips64el-linux-musl \
		A_QEMU=qemu-mips64el-static ;;
	*) return 1 ;;
	esac
}
