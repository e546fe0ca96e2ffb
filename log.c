/* log.c: one line per message on stderr, never stdout (the child's), and
 * the small formatter every message uses. */
#include "usher.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

int log_level = L_WARN;

/* Why not snprintf: musl's printf core drags in floating-point formatting,
 * a sixth of the 48 KiB budget, for messages that only need %s, %d, %u,
 * %c and %% (with l, ll or z). Output is always NUL-terminated and cut to
 * fit; the return value is the length written. */
size_t vfmt(char *buf, size_t len, const char *f, va_list ap)
{
	size_t n = 0;

	if (!len)
		return 0;
/* ch is evaluated even when it no longer fits: it may consume an argument
 * or count down a loop */
#define PUT(ch)                                                                \
	do {                                                                   \
		char c_ = (char)(ch);                                          \
		if (n + 1 < len)                                               \
			buf[n++] = c_;                                         \
	} while (0)
	for (; *f; f++) {
		if (*f != '%') {
			PUT(*f);
			continue;
		}
		int lng = 0;
		for (f++; *f == 'l' || *f == 'z'; f++)
			lng += *f == 'z' ? 2 : 1;
		char num[24];
		size_t k = 0;
		unsigned long long u;
		bool neg = false;
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				PUT(*s);
			continue;
		}
		case 'c':
			PUT((char)va_arg(ap, int));
			continue;
		case 'd':
		case 'i': {
			long long v = lng >= 2 ? va_arg(ap, long long)
				    : lng == 1 ? va_arg(ap, long)
					       : va_arg(ap, int);
			neg = v < 0;
			u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			break;
		}
		case 'u':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			  : lng == 1 ? va_arg(ap, unsigned long)
				     : va_arg(ap, unsigned);
			break;
		case '\0':
			f--;
			continue;
		default:
			PUT(*f);
			continue;
		}
		do
			num[k++] = (char)('0' + u % 10);
		while ((u /= 10));
		if (neg)
			PUT('-');
		while (k)
			PUT(num[--k]);
	}
#undef PUT
	buf[n] = '\0';
	return n;
}

size_t fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = vfmt(buf, len, f, ap);
	va_end(ap);
	return n;
}

/* Why one write(2): lines from usher and its child interleave on a shared
 * stderr; a single write keeps each of ours whole. Errors are ignored on
 * purpose: a closed or broken stderr must never stop PID 1. */
void logmsg(int errnum, const char *f, ...)
{
	char buf[512];
	size_t n = 7;
	int saved = errno;
	va_list ap;

	memcpy(buf, "usher: ", n);
	va_start(ap, f);
	n += vfmt(buf + n, sizeof(buf) - n - 1, f, ap);
	va_end(ap);
	if (errnum)
		n += fmt(buf + n, sizeof(buf) - n - 1, ": %s", strerror(errnum));
	/* values quoted back come from the user: a newline in one must not
	 * forge a second "usher: " line, nor an escape code the terminal */
	for (size_t i = 7; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	buf[n++] = '\n';
	ssize_t r = write(STDERR_FILENO, buf, n);
	(void)r;
	errno = saved;
}
