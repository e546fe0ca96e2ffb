# usher: make | make check | make demo | make bench | make fuzz | make soak
#        make install [PREFIX=/usr/local] [DESTDIR=...]
#
# The product is a stripped static binary built with musl-gcc. Unit tests
# link cmocka, which Debian builds for glibc, so they use the host compiler.
# User CFLAGS/LDFLAGS are kept; the project's own flags live in USHER_*.
# Link flags: no separate code pages and no RELRO page (a static binary has
# no loader to protect against) keep idle RSS at 60 kB: every 4 KiB of
# file is 4 kB of RSS, since the kernel maps small files whole.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

ifeq ($(origin CC),default)
CC := musl-gcc
endif
HOSTCC ?= gcc

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion
USHER_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Os -fno-asynchronous-unwind-tables \
	-fno-stack-protector -ffunction-sections -fdata-sections
USHER_LDFLAGS := -static -s -Wl,--gc-sections -Wl,--build-id=none \
	-Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-T,usher.ld

# --version names the commit, for dockerd's `docker info` (see usher(8)):
# git's short hash in a git checkout (with -dirty for uncommitted changes),
# else "unknown"; packagers may pass USHER_COMMIT=... Nothing else depends
# on when or where it is built, so the build stays reproducible. .commit
# changes only with the commit, so the binaries are rebuilt just then.
ifeq ($(origin USHER_COMMIT),undefined)
USHER_COMMIT := $(shell [ -e .git ] && git rev-parse --short=7 HEAD 2>/dev/null | \
	sed "s/\$$/$$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)/" || echo unknown)
endif
COMMIT_FLAG := -DUSHER_COMMIT='"$(USHER_COMMIT)"'

SRCS := init.c log.c clock.c signals.c pidfile.c options.c user.c reap.c exec.c spawn.c shutdown.c
SRCS += target.c probe.c wait.c
LIB_SRCS := $(filter-out init.c,$(SRCS))

# Unit test objects: no optimisation, no fortify renames, no builtins, so
# what the test sees is what the source calls.
TEST_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O0 -U_FORTIFY_SOURCE -fno-builtin -I. $(WARN)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

UNIT_SRCS := $(wildcard tests/unit_*.c)
UNIT := $(UNIT_SRCS:.c=)
UNIT_ASAN := $(patsubst tests/%,tests/asan/%,$(UNIT))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPERS := $(HELPER_SRCS:.c=)
INTEGRATION := $(wildcard tests/*.t)
ENGINE_TESTS := $(wildcard tests/engines/*.t)

PROVE ?= prove

.PHONY: FORCE deps deps-check all check check-all check-unit check-integration check-asan lint-man demo bench fuzz soak \
	install uninstall clean check-engines bench-engines

# The first target: plain `make` builds ./usher and nothing else.
all: usher

# Packages a fresh Debian lacks (musl-tools, libcmocka-dev, busybox-static...)
deps:
	@./tests/deps.sh build

deps-check:
	@./tests/deps.sh check

# usher.ld: the code only --wait and --probe run, in one range that PID 1
# drops before it idles (init.c's drop_cold).
usher: $(SRCS) usher.h usher.ld Makefile .commit
	$(CC) $(USHER_CFLAGS) $(COMMIT_FLAG) $(CPPFLAGS) $(CFLAGS) -o $@ $(SRCS) $(USHER_LDFLAGS) $(LDFLAGS)

.commit: FORCE
	@echo '$(USHER_COMMIT)' | cmp -s - $@ || echo '$(USHER_COMMIT)' >$@
FORCE:

# One release binary (release/build.sh passes a cross CC and RELEASE_BIN):
# the same flags as ./usher, so a release is what `make` builds.
release-bin:
	$(if $(RELEASE_BIN),,$(error set RELEASE_BIN to the output path))
	$(CC) $(USHER_CFLAGS) $(COMMIT_FLAG) $(CPPFLAGS) $(CFLAGS) -o $(RELEASE_BIN) $(SRCS) $(USHER_LDFLAGS) $(LDFLAGS)

# glibc build with AddressSanitizer and UBSan, run by the same integration
# tests in the second pass of `make check`.
usher-asan: $(SRCS) usher.h .commit
	$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) $(COMMIT_FLAG) -g -O1 $(SAN_FLAGS) -o $@ $(SRCS)

# Unit tests link every product file but init.c, which holds main().
tests/unit_%: tests/unit_%.c tests/child_guard.h $(LIB_SRCS) usher.h
	$(HOSTCC) $(TEST_CFLAGS) -o $@ $< $(LIB_SRCS) -lcmocka

tests/asan/unit_%: tests/unit_%.c tests/child_guard.h $(LIB_SRCS) usher.h
	@mkdir -p tests/asan
	$(HOSTCC) $(TEST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(LIB_SRCS) -lcmocka

# Test helpers are static musl binaries so they also run in a chroot that
# holds nothing but them, usher and busybox.
tests/helpers/%: tests/helpers/%.c tests/helpers/common.h
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -o $@ $<

check: deps-check
	$(MAKE) check-all
	$(MAKE) check-engines
	$(MAKE) check-release

check-all: usher usher-asan $(UNIT) $(UNIT_ASAN) $(HELPERS) lint-man
	CMOCKA_MESSAGE_OUTPUT=TAP USHER=$(CURDIR)/usher $(PROVE) $(UNIT) $(INTEGRATION)
	CMOCKA_MESSAGE_OUTPUT=TAP USHER=$(CURDIR)/usher-asan \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 $(PROVE) $(UNIT_ASAN) $(INTEGRATION)

# usher under real engines: a private dockerd, podman and runc (see
# tests/lib_engine.sh). Once, with the static build: an engine runs the
# binary users ship, and the ASan build cannot run in a scratch image.
check-engines: usher $(HELPERS)
	USHER=$(CURDIR)/usher $(PROVE) $(ENGINE_TESTS)

check-unit: $(UNIT)
	CMOCKA_MESSAGE_OUTPUT=TAP $(PROVE) $(UNIT)

check-integration: usher $(HELPERS)
	USHER=$(CURDIR)/usher $(PROVE) $(INTEGRATION)

# The man page must render without a single groff warning.
lint-man:
	@out=$$(groff -mdoc -ww -z man/usher.8 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi

.PHONY: release release-bin check-release clean-release
# make release: static binaries for every release architecture plus the
# .deb and SHA256SUMS, in dist/ (release/build.sh; musl cached in build/).
release:
	./release/build.sh

# The release built twice (same bytes), then smoke-tested under qemu-user
# as PID 1, and the .deb installed, run and purged.
check-release: tests/helpers/sigrec
	PROVE=$(PROVE) ./release/check.sh

clean: clean-release
clean-release:
	rm -rf dist build/release/deb build/release/again

demo: deps
	$(MAKE) usher $(HELPERS)
	@./tests/demo.sh

bench: usher
	@./bench/run

# docker stop durations: usher, tini-static and no init, side by side
bench-engines: usher
	@./bench/engines

# Bounded fuzzing of every parser (FUZZ_SECONDS each, default 60) and a
# bounded soak of usher as PID 1 (SOAK_SECONDS, default 60).
FUZZ_SECONDS ?= 60
SOAK_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/run

soak: usher $(HELPERS)
	@USHER=$(CURDIR)/usher SOAK_SECONDS=$(SOAK_SECONDS) ./tests/soak.sh

install: usher
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 usher $(DESTDIR)$(BINDIR)/usher
	install -m 0644 man/usher.8 $(DESTDIR)$(MANDIR)/man8/usher.8

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/usher $(DESTDIR)$(MANDIR)/man8/usher.8

clean:
	rm -rf usher usher-asan .commit $(UNIT) tests/asan $(HELPERS)
