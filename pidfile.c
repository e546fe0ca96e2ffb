/* pidfile.c: reading the PID a daemon wrote, for --pidfile, and the small
 * whole-file read it shares with the /proc and uid_map readers. */
#include "usher.h"

#include <fcntl.h>
#include <unistd.h>

/* Decimal PID; leading blanks and trailing blanks, CR and LF tolerated:
 * a half-written or garbled file is "not yet", never a wrong PID. */
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
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
			   buf[i] == '\r'))
		i++;
	if (i != len || v < 2) /* PID 1 and 0 are never a daemon of ours */
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

	/* 32 bytes or more is no PID: never cut one to fit */
	if (n <= 0 || n == (ssize_t)sizeof(buf) - 1)
		return 0;
	pid_t pid = pidfile_parse(buf, (size_t)n);
	return pid > 0 ? pid : 0;
}
