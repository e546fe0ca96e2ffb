/* sigstorm: send one signal many times, as fast as kill(2) allows.
 *
 *   sigstorm PID SIG COUNT
 *
 * Stops early, without error, when PID no longer exists: a storm that
 * outlives its target is normal when the target exits during it. Prints
 * how many signals were sent. Exit 0, or 111 on bad usage or other errors.
 * A shell loop of `kill` would be too slow to overrun anybody. */
#include "common.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	pid_t pid;
	int sig;
	long count, sent;

	if (argc != 4) {
		fprintf(stderr, "usage: sigstorm PID SIG COUNT\n");
		return 111;
	}
	/* PID > 1 so that a test bug can never signal init or a group. */
	pid = (pid_t)parse_num("sigstorm", argv[1], 2, 1L << 30);
	sig = (int)parse_num("sigstorm", argv[2], 1, 64);
	count = parse_num("sigstorm", argv[3], 0, 1L << 30);

	for (sent = 0; sent < count; sent++) {
		if (kill(pid, sig) == 0)
			continue;
		if (errno == ESRCH)
			break;
		fprintf(stderr, "sigstorm: kill %ld: %s\n", (long)pid,
			strerror(errno));
		return 111;
	}
	printf("%ld\n", sent);
	return 0;
}
