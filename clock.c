/* clock.c: the one clock every deadline uses, and how times are printed.
 * Below reap.c, spawn.c and shutdown.c, which all log "+2.034s". */
#include "usher.h"

#include <time.h>

int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

const char *fmt_seconds(int64_t ns, char *buf, size_t len)
{
	if (ns < 0)
		ns = 0;
	long long ms = (long long)(ns % NSEC_PER_SEC / 1000000);
	fmt(buf, len, "%lld.%c%c%c", (long long)(ns / NSEC_PER_SEC),
	    (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10));
	return buf;
}

const char *since(const struct usher *u, char *buf, size_t len)
{
	return fmt_seconds(mono_now() - u->t_base, buf, len);
}

struct timespec *timeout_until(int64_t wake, int64_t now, struct timespec *ts)
{
	if (wake < 0)
		return NULL;
	int64_t d = wake > now ? wake - now : 0;
	ts->tv_sec = (time_t)(d / NSEC_PER_SEC);
	ts->tv_nsec = (long)(d % NSEC_PER_SEC);
	return ts;
}
