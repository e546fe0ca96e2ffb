/* soakchild: usher's child in the soak (tests/soak.sh).
 *
 *   soakchild DIR CODE
 *
 * Counts every signal it receives. It reacts to three:
 *   USR2    an orphan burst: an intermediate process forks N children
 *           (N read from DIR/burst) and exits at once, so they go to usher;
 *           each exits after 0-20 ms, some at once. Then DIR/bursts holds
 *           "BURSTS ORPHANS" (totals so far).
 *   RTMAX   (64) write the counts to DIR/counts. Signals are taken lowest
 *           number first, by usher and by this process alike, so every
 *           signal sent to usher before RTMAX is counted by then: the soak
 *           sends nothing above 63 but this.
 *   TERM    write the counts, exit CODE.
 * DIR/counts has one "SIG COUNT" line per signal received and a last line
 * "dumps N"; DIR/ready holds the PID once it is set up. Every file is
 * written whole and renamed into place, so a reader never sees half.
 *
 * Signals are blocked and taken with rt_sigtimedwait through the raw
 * syscalls (musl keeps 32-34 to itself), so none stops or kills it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSIG_KERNEL 64

static const char *dir;
static unsigned long counts[NSIG_KERNEL + 1];
static unsigned long bursts, orphans, dumps;

static void die(const char *what)
{
	fprintf(stderr, "soakchild: %s: %s\n", what, strerror(errno));
	exit(111);
}

/* Write TEXT into DIR/NAME whole: a temporary file, then rename. */
static void put_file(const char *name, const char *text)
{
	char tmp[4096], dst[4096];
	size_t len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(tmp);
	if (write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		die(tmp);
	if (rename(tmp, dst) < 0)
		die(dst);
}

static void dump(void)
{
	static char text[NSIG_KERNEL * 32 + 32];
	size_t n = 0;

	dumps++;
	for (int s = 1; s <= NSIG_KERNEL; s++)
		if (counts[s])
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%d %lu\n", s, counts[s]);
	snprintf(text + n, sizeof(text) - n, "dumps %lu\n", dumps);
	put_file("counts", text);
}

static long burst_size(void)
{
	char path[4096], buf[32];
	long n = 0;

	snprintf(path, sizeof(path), "%s/burst", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r > 0) {
		buf[r] = '\0';
		n = strtol(buf, NULL, 10);
	}
	return n < 0 ? 0 : n > 5000 ? 5000 : n;
}

static void burst(void)
{
	long n = burst_size();
	pid_t mid = fork();

	if (mid < 0)
		die("fork");
	if (mid == 0) {
		for (long i = 0; i < n; i++) {
			pid_t p = fork();
			if (p < 0)
				_exit(1);
			if (p == 0) {
				/* a third exit at once, the rest within 20 ms */
				long us = (getpid() % 3) ? (getpid() * 7919L) % 20000 : 0;
				struct timespec ts = { 0, us * 1000 };
				nanosleep(&ts, NULL);
				_exit(0);
			}
		}
		_exit(0);
	}
	int st;
	if (waitpid(mid, &st, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "soakchild: a burst failed to fork\n");
		exit(111);
	}
	bursts++;
	orphans += (unsigned long)n;
	char text[64];
	snprintf(text, sizeof(text), "%lu %lu\n", bursts, orphans);
	put_file("bursts", text);
}

int main(int argc, char **argv)
{
	uint64_t all = 0;
	char text[32];

	if (argc != 3) {
		fprintf(stderr, "usage: soakchild DIR CODE\n");
		return 111;
	}
	dir = argv[1];
	int code = atoi(argv[2]);
	for (int s = 1; s <= NSIG_KERNEL; s++)
		if (s != SIGKILL && s != SIGSTOP)
			all |= UINT64_C(1) << (s - 1);
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, (size_t)8) < 0)
		die("rt_sigprocmask");
	/* default dispositions: an ignored signal would not even queue */
	for (int s = 1; s <= NSIG_KERNEL; s++) {
		unsigned long ksa[4] = { 0 };
		syscall(SYS_rt_sigaction, s, ksa, NULL, (size_t)8);
	}
	snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	put_file("ready", text);

	for (;;) {
		siginfo_t si;
		long sig = syscall(SYS_rt_sigtimedwait, &all, &si, NULL, (size_t)8);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			die("rt_sigtimedwait");
		}
		if (sig == SIGCHLD)
			continue; /* our own intermediate's; waited for in burst() */
		counts[sig]++;
		if (sig == SIGUSR2)
			burst();
		else if (sig == NSIG_KERNEL)
			dump();
		else if (sig == SIGTERM) {
			dump();
			return code;
		}
	}
}
