/* ptyrun: run a command on a fresh pseudo-terminal, as a shell would run it
 * in a terminal window, and "type" into it.
 *
 *   ptyrun [-t SECONDS] [STEP]... -- COMMAND [ARG]...
 *
 * COMMAND runs as the leader of a new session whose controlling terminal is
 * the pty slave (stdin, stdout and stderr); everything it writes is copied
 * to ptyrun's stdout. The steps run in order while COMMAND runs:
 *   -e FILE     wait until FILE exists
 *   -n FILE:N   wait until FILE has at least N lines
 *   -s BYTES    write BYTES to the terminal, as typed (e.g. $'\x03' = ^C)
 *   -d MS       pause MS milliseconds
 * Exit: COMMAND's status (code, or 128+N when killed by signal N); 122 when
 * COMMAND ended before every step ran; 124 after -t SECONDS (default 30),
 * when COMMAND's process group is killed; 111 on usage or setup errors.
 * Errors are one line on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct step {
	char kind; /* 'e', 'n', 's', 'd' */
	const char *arg;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(const char *what)
{
	fprintf(stderr, "ptyrun: %s: %s\n", what, strerror(errno));
	exit(111);
}

static long lines_in(const char *spec, long *want)
{
	char path[4096];
	const char *colon = strrchr(spec, ':');
	FILE *f;
	long n = 0;
	int c;

	*want = colon ? atol(colon + 1) : 1;
	if (!colon || (size_t)(colon - spec) >= sizeof path)
		return -1;
	memcpy(path, spec, (size_t)(colon - spec));
	path[colon - spec] = '\0';
	f = fopen(path, "r");
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

/* Try to complete step s; 1 when done. Pauses use *until. */
static int step_done(const struct step *s, int master, long long *until)
{
	long want;

	switch (s->kind) {
	case 'e':
		return access(s->arg, F_OK) == 0;
	case 'n':
		return lines_in(s->arg, &want) >= want;
	case 's': {
		size_t len = strlen(s->arg);

		if (write(master, s->arg, len) != (ssize_t)len)
			fail("write to pty");
		return 1;
	}
	default: /* 'd' */
		if (*until < 0)
			*until = now_ms() + atol(s->arg);
		if (now_ms() < *until)
			return 0;
		*until = -1;
		return 1;
	}
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	struct step steps[64];
	size_t nsteps = 0, next = 0;
	long long deadline, until = -1, child_gone_at = -1;
	long timeout_s = 30;
	int master, opt, st = 0, reaped = 0;
	pid_t child;
	char *slave;

	while ((opt = getopt(argc, argv, "+t:e:n:s:d:")) != -1) {
		if (opt == 't') {
			timeout_s = atol(optarg);
			continue;
		}
		if (opt == '?' || nsteps == sizeof steps / sizeof steps[0]) {
			fprintf(stderr, "usage: ptyrun [-t S] [-e F|-n F:N|-s B|"
					"-d MS]... -- CMD...\n");
			return 111;
		}
		steps[nsteps].kind = (char)opt;
		steps[nsteps++].arg = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "ptyrun: no command\n");
		return 111;
	}

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		fail("posix_openpt");
	slave = ptsname(master);
	if (!slave)
		fail("ptsname");

	child = fork();
	if (child < 0)
		fail("fork");
	if (child == 0) {
		int fd;

		/* A new session with no terminal; opening the slave then
		 * makes it the controlling one (TIOCSCTTY says so plainly). */
		if (setsid() < 0)
			fail("setsid");
		fd = open(slave, O_RDWR);
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
			fail(slave);
		if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			fail("dup2");
		if (fd > 2)
			close(fd);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "ptyrun: %s: %s\n", argv[optind],
			strerror(errno));
		_exit(127);
	}

	deadline = now_ms() + timeout_s * 1000;
	for (;;) {
		struct pollfd pfd = {master, POLLIN, 0};
		char buf[4096];
		ssize_t got;
		int r;

		while (next < nsteps && step_done(&steps[next], master, &until))
			next++;
		if (!reaped && waitpid(child, &st, WNOHANG) == child) {
			reaped = 1;
			child_gone_at = now_ms();
		}
		/* Leftover descendants may hold the slave: stop reading a
		 * second after COMMAND itself is gone. */
		if (reaped && now_ms() - child_gone_at > 1000)
			break;
		if (now_ms() > deadline) {
			kill(-child, SIGKILL);
			kill(child, SIGKILL);
			fprintf(stderr, "ptyrun: timeout after %ld s\n",
				timeout_s);
			return 124;
		}
		r = poll(&pfd, 1, 10);
		if (r < 0 && errno != EINTR)
			fail("poll");
		if (r <= 0)
			continue;
		got = read(master, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) /* EIO: every slave descriptor is closed */
			break;
		if (fwrite(buf, 1, (size_t)got, stdout) != (size_t)got)
			fail("stdout");
		fflush(stdout);
	}
	if (!reaped && waitpid(child, &st, 0) != child)
		fail("waitpid");
	if (next < nsteps) {
		fprintf(stderr, "ptyrun: command ended before step %zu (-%c %s)\n",
			next + 1, steps[next].kind, steps[next].arg);
		return 122;
	}
	return status_code(st);
}
