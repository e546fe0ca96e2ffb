/* common.h: the few routines several test helpers share. Each helper is
 * its own static binary (Makefile: tests/helpers/NAME.c), so these are
 * static inline rather than a library. */
#ifndef HELPERS_COMMON_H
#define HELPERS_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* A whole decimal number in [lo, hi], or exit 111 naming prog. */
static inline long parse_num(const char *prog, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		exit(111);
	}
	return v;
}

static inline long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The recorders' log line, "<monotonic ms> <who> <event>\n", into buf;
 * returns its length. Written with one write(2) on an O_APPEND file, a
 * line stays whole among all writers. */
static inline size_t rec_line(char *buf, size_t len, const char *who,
			      const char *fmt, va_list ap)
{
	int n = snprintf(buf, len, "%lld %s ", mono_ms(), who);
	n += vsnprintf(buf + n, len - (size_t)n - 1, fmt, ap);
	if (n > (int)len - 2)
		n = (int)len - 2;
	buf[n++] = '\n';
	return (size_t)n;
}

#endif
