/* pidfile.c: reading the PID a daemon wrote, for --pidfile. */
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

pid_t pidfile_read(const char *path)
{
	char buf[32];
	ssize_t n;
	/* O_NONBLOCK: a FIFO named by mistake (or by a hostile image) must not
	 * block PID 1 in open or read; it simply never holds a PID */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || (size_t)n == sizeof(buf))
		return 0;
	pid_t pid = pidfile_parse(buf, (size_t)n);
	return pid > 0 ? pid : 0;
}
