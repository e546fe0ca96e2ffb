/* bench/child.c: the COMMAND that each init runs during the benchmark.
 *
 *   child sleep         write "R" on fd 3, then sleep until killed
 *   child usr1          write "R", then answer every SIGUSR1 with one byte
 *   child term MS       write "R"; on SIGTERM wait MS ms, report the
 *                       moment of the signal and of the exit, exit 0
 *   child orphans N     fork N orphans (double fork, so they re-parent to
 *                       the init), write "R", wait for "G" on fd 4, let all
 *                       orphans exit at once, and exit once all are reaped
 *
 * fd 3 goes to the bench driver, fd 4 comes from it, fd 5 (orphans only)
 * is a shared page where orphans count themselves out. The program is
 * static (musl) so its own start-up is small and the same under each init.
 * It never looks at its parent: whatever an init does or does not do shows
 * up only in the driver's clocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TO_DRIVER 3
#define FROM_DRIVER 4
#define SHARED 5

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* write() that survives EINTR and short writes; the driver waits on these
 * bytes, so losing one would hang a measurement until its timeout. */
static void put(const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(TO_DRIVER, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(90);
		p += n;
		len -= (size_t)n;
	}
}

static int wait_for(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	for (;;) {
		int got = sigwaitinfo(&set, NULL);
		if (got >= 0)
			return got;
		if (errno != EINTR)
			_exit(91);
	}
}

static void block(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

_Noreturn static void do_sleep(void)
{
	put("R", 1);
	for (;;)
		pause(); /* the default SIGTERM action ends us */
}

/* Signal forwarding: sigwaitinfo instead of a handler, so the answer goes
 * out on the same wake-up that delivered the signal. */
_Noreturn static void do_usr1(void)
{
	block(SIGUSR1);
	put("R", 1);
	for (;;) {
		wait_for(SIGUSR1);
		put("x", 1);
	}
}

/* Shutdown: a well-behaved service that needs MS to close down. */
_Noreturn static void do_term(long ms)
{
	block(SIGTERM);
	put("R", 1);
	wait_for(SIGTERM);
	int64_t t[2];
	t[0] = now_ns();
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
	t[1] = now_ns();
	put(t, sizeof t);
	_exit(0);
}

/* An orphan: holds nothing but the read end of the gate, so that closing
 * the gate's write end in the maker releases all orphans at once. */
_Noreturn static void orphan_life(const int gate[2], const int back[2],
				  volatile uint32_t *exited)
{
	close(gate[1]);
	close(back[0]);
	close(back[1]);
	close(TO_DRIVER);
	close(FROM_DRIVER);
	char c;
	while (read(gate[0], &c, 1) < 0 && errno == EINTR)
		;
	__atomic_fetch_add(exited, 1, __ATOMIC_RELAXED);
	_exit(0);
}

_Noreturn static void do_orphans(long n)
{
	volatile uint32_t *exited = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					 MAP_SHARED, SHARED, 0);
	if (exited == MAP_FAILED)
		_exit(92);
	pid_t *orphan = calloc((size_t)n, sizeof *orphan);
	int gate[2], back[2];
	if (!orphan || pipe(gate) < 0 || pipe(back) < 0)
		_exit(93);
	/* Each middle process forks a batch of orphans and exits at once, so
	 * they re-parent to the init (the nearest subreaper). One middle per
	 * orphan would double the forks and add a sleep and a wake-up per
	 * orphan: the set-up, which is not measured, would take minutes. */
	const long batch = 100;
	for (long i = 0; i < n; i += batch) {
		long k = n - i < batch ? n - i : batch;
		pid_t mid = fork();
		if (mid < 0)
			_exit(94);
		if (mid == 0) {
			for (long j = 0; j < k; j++) {
				pid_t o = fork();
				if (o == 0)
					orphan_life(gate, back, exited);
				/* at most 400 bytes: the pipe never blocks */
				if (o < 0)
					_exit(94);
				(void)!write(back[1], &o, sizeof o);
			}
			_exit(0);
		}
		int st;
		while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
			;
		if (st != 0)
			_exit(94); /* a fork failed: give up, do not hang */
		size_t want = (size_t)k * sizeof *orphan;
		if (read(back[0], &orphan[i], want) != (ssize_t)want)
			_exit(95);
	}
	close(gate[0]);
	put("R", 1);
	char c;
	while (read(FROM_DRIVER, &c, 1) < 0 && errno == EINTR)
		;
	close(gate[1]); /* release every orphan */
	/* Exit only once the init has reaped every orphan: kill(pid, 0)
	 * succeeds on a zombie and fails with ESRCH once it is reaped. The
	 * sleep keeps this poll off the CPU the init needs. */
	for (long i = 0; i < n; i++) {
		struct timespec nap = { 0, 50000 };
		while (kill(orphan[i], 0) == 0)
			nanosleep(&nap, NULL);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "sleep"))
		do_sleep();
	if (argc >= 2 && !strcmp(argv[1], "usr1"))
		do_usr1();
	if (argc >= 3 && !strcmp(argv[1], "term"))
		do_term(strtol(argv[2], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "orphans"))
		do_orphans(strtol(argv[2], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "exit"))
		return (int)strtol(argv[2], NULL, 10);
	fprintf(stderr, "usage: child sleep|usr1|term MS|orphans N|exit CODE\n");
	return 2;
}
