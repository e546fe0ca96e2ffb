/* fault: small tools for the fault-injection tests (tests/faults.t).
 *
 *   fault epipe CMD [ARG]...
 *       Run CMD with stdout and stderr on a pipe nobody reads: every write
 *       fails with EPIPE (and raises SIGPIPE unless blocked or ignored).
 *       Execs CMD, so CMD keeps this process's PID (PID 1 under unshare).
 *   fault stopstorm PID COUNT USEC
 *       Send SIGSTOP then SIGCONT to PID, COUNT times, USEC microseconds
 *       after each signal, always ending with SIGCONT. Stops early, without
 *       error, when PID is gone. Prints the number of signals sent.
 *   fault forks TOTAL BATCH CODE
 *       Make TOTAL short-lived processes for the nearest reaper to reap: a
 *       spawner forks BATCH children that exit at once and then exits
 *       itself, so its children become orphans, many already zombies, in
 *       one go; repeated until TOTAL. Then exit with CODE. Prints how many
 *       were made. A fork failing with EAGAIN is retried after 1 ms.
 *
 * Exit 111 with one line on stderr on bad usage or an unexpected error. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static void die(const char *what)
{
	fprintf(stderr, "fault: %s: %s\n", what, strerror(errno));
	exit(111);
}

static void pause_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int epipe(char **argv)
{
	int p[2];

	if (pipe(p) < 0)
		die("pipe");
	close(p[0]);
	if (dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0)
		die("dup2");
	close(p[1]);
	execvp(argv[0], argv);
	/* stderr is the broken pipe now: say it on the terminal, if any */
	exit(111);
}

static int stopstorm(pid_t pid, long count, long us)
{
	long sent = 0;

	for (long i = 0; i < count; i++) {
		if (kill(pid, SIGSTOP) < 0)
			break;
		sent++;
		pause_us(us);
		if (kill(pid, SIGCONT) < 0)
			break;
		sent++;
		pause_us(us);
	}
	kill(pid, SIGCONT); /* never leave it stopped */
	printf("%ld\n", sent);
	return 0;
}

static pid_t fork_retry(void)
{
	pid_t pid;

	while ((pid = fork()) < 0) {
		if (errno != EAGAIN)
			die("fork");
		pause_us(1000);
	}
	return pid;
}

static int forks(long total, long batch, int code)
{
	long made = 0;

	while (made < total) {
		long n = total - made < batch ? total - made : batch;
		pid_t spawner = fork_retry();
		if (spawner == 0) {
			for (long i = 0; i < n; i++)
				if (fork_retry() == 0)
					_exit(0);
			_exit(0); /* its children go to the reaper */
		}
		int st;
		if (waitpid(spawner, &st, 0) < 0)
			die("waitpid");
		made += n;
	}
	printf("%ld\n", made);
	fflush(stdout);
	return code;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "epipe") == 0)
		return epipe(argv + 2);
	if (argc == 5 && strcmp(argv[1], "stopstorm") == 0)
		return stopstorm((pid_t)parse_num("fault", argv[2], 2, 1L << 30),
				 parse_num("fault", argv[3], 0, 10000000),
				 parse_num("fault", argv[4], 0, 1000000));
	if (argc == 5 && strcmp(argv[1], "forks") == 0)
		return forks(parse_num("fault", argv[2], 0, 10000000),
			     parse_num("fault", argv[3], 1, 100000),
			     (int)parse_num("fault", argv[4], 0, 255));
	fprintf(stderr, "usage: fault epipe CMD [ARG]... | fault stopstorm PID COUNT USEC"
			" | fault forks TOTAL BATCH CODE\n");
	return 111;
}
