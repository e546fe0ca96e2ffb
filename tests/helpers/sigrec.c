/* sigrec: a signal recorder used as usher's child in the integration tests.
 *
 *   sigrec FILE [EXITSIG [CODE|die]]
 *
 * Appends the number of every signal it receives to FILE, one per line, and
 * on EXITSIG (default 15) exits with CODE (default 0), or with "die" kills
 * itself with EXITSIG so its parent sees 128+EXITSIG. Once it is ready it
 * writes its PID into FILE.ready (atomically, so a poller never reads half);
 * in a PID namespace that is the namespace's number, useless outside.
 *
 * Why raw syscalls: musl refuses to touch signals 32-34 (its internal ones)
 * through sigaddset/sigaction, but 34 is RTMIN for glibc, Docker and usher,
 * so the recorder talks to the kernel with a plain 64-bit mask. Blocking
 * every signal and dequeuing them with rt_sigtimedwait records stop signals
 * (TSTP, TTIN, TTOU) without stopping, and needs no handler or restorer. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NSIG_KERNEL 64

static uint64_t bit(int sig) { return UINT64_C(1) << (sig - 1); }

static void die(const char *what)
{
	fprintf(stderr, "sigrec: %s: %s\n", what, strerror(errno));
	exit(111);
}

/* Default disposition for sig through the kernel ABI. A zeroed kernel
 * struct sigaction is SIG_DFL with no flags and an empty mask on every
 * layout, so no per-architecture struct is needed. */
static void set_default(int sig)
{
	unsigned long ksa[4];

	memset(ksa, 0, sizeof ksa);
	/* EINVAL for KILL and STOP is expected; nothing else can fail. */
	syscall(SYS_rt_sigaction, sig, ksa, NULL, (size_t)8);
}

static void announce_ready(const char *file)
{
	char tmp[4096], dst[4096], buf[32];
	int fd, n;

	if (snprintf(tmp, sizeof tmp, "%s.ready.tmp", file) >= (int)sizeof tmp ||
	    snprintf(dst, sizeof dst, "%s.ready", file) >= (int)sizeof dst) {
		errno = ENAMETOOLONG;
		die(file);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(tmp);
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) < 0)
		die(tmp);
	if (rename(tmp, dst) < 0)
		die(dst);
}

int main(int argc, char **argv)
{
	uint64_t all = 0;
	int exitsig = SIGTERM, code = 0, die_by_signal = 0, fd, sig;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: sigrec FILE [EXITSIG [CODE|die]]\n");
		return 111;
	}
	if (argc > 2)
		exitsig = (int)parse_num("sigrec", argv[2], 1, NSIG_KERNEL);
	if (argc > 3) {
		if (strcmp(argv[3], "die") == 0)
			die_by_signal = 1;
		else
			code = (int)parse_num("sigrec", argv[3], 0, 255);
	}

	/* Block first, then reset dispositions: a signal that arrives in
	 * between stays pending instead of being lost or fatal. Dispositions
	 * matter because a shell's background job starts with INT and QUIT
	 * ignored, and an ignored signal would not be queued once unblocked. */
	for (sig = 1; sig <= NSIG_KERNEL; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			all |= bit(sig);
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, (size_t)8) < 0)
		die("rt_sigprocmask");
	for (sig = 1; sig <= NSIG_KERNEL; sig++)
		set_default(sig);

	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die(argv[1]);
	announce_ready(argv[1]);

	for (;;) {
		siginfo_t si;
		char line[16];
		long got;
		int n;

		got = syscall(SYS_rt_sigtimedwait, &all, &si, NULL, (size_t)8);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			die("rt_sigtimedwait");
		}
		n = snprintf(line, sizeof line, "%ld\n", got);
		/* One write per signal with O_APPEND: lines never interleave. */
		if (write(fd, line, (size_t)n) != n)
			die(argv[1]);
		if (got != exitsig)
			continue;
		if (die_by_signal) {
			uint64_t one = bit(exitsig);

			kill(getpid(), exitsig);
			syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &one, NULL,
				(size_t)8);
			/* Only reached for a signal whose default is not to
			 * terminate: say so instead of pretending. */
			fprintf(stderr, "sigrec: signal %d did not kill me\n",
				exitsig);
			return 112;
		}
		return code;
	}
}
