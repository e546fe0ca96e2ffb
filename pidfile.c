/* pidfile.c: reading the PID a daemon wrote, for --pidfile, and the small
 * whole-file read it shares with the /proc and uid_map readers. */
#include "usher.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Decimal PID on the first line; leading blanks and trailing blanks and CR
 * tolerated; after the first newline anything may follow, as in
 * PostgreSQL's postmaster.pid (PID, data directory, start time, port...).
 * A half-written or garbled first line is "not yet", never a wrong PID. */
pid_t pidfile_parse(const char *buf, size_t len)
{
	size_t i = 0;
	long v = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i == len || buf[i] < '0' || buf[i] > '9')
		return -1;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		v = v * 10 + (buf[i] - '0');
		if (v > 4194304) /* PID_MAX_LIMIT */
			return -1;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
		i++;
	if ((i != len && buf[i] != '\n') || v < 2) /* PID 1 and 0: never a daemon of ours */
		return -1;
	return (pid_t)v;
}

ssize_t read_small(const char *path, char *buf, size_t len)
{
	/* O_NONBLOCK: a FIFO named by mistake (or by a hostile image) must not
	 * block PID 1 in open or read; it simply never holds anything */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

pid_t pidfile_read(const char *path)
{
	char buf[33];
	ssize_t n = read_small(path, buf, sizeof(buf));

	/* only the first line counts; one of 32 bytes or more is no PID:
	 * never cut one to fit */
	const char *nl = n > 0 ? memchr(buf, '\n', (size_t)n) : NULL;
	if (nl)
		n = nl - buf + 1;
	else if (n <= 0 || n == (ssize_t)sizeof(buf) - 1)
		return 0;
	pid_t pid = pidfile_parse(buf, (size_t)n);
	return pid > 0 ? pid : 0;
}
