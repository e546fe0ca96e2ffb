/* probe.c: one attempt at one TARGET. It runs in a process wait.c forks
 * for it, never in PID 1: the resolver's files, sockets and malloc'd
 * answers die with that process, a hung lookup is ended by SIGKILL, and
 * PID 1 keeps sleeping in its one sigtimedwait.
 *
 * Every step is bounded by the deadline (poll), nothing is read past the
 * status line, and before each step that may block a line says what it is
 * doing: if wait.c has to kill the attempt, that line is its reason. */
#include "usher.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define STATUS_MAX 1024      /* a status line longer than this is not one */
#define HEAD_MAX (64 * 1024) /* the header's bound, as curl's 100 KiB */

/* One line to wait.c: "msg\n" in one write (the pipe keeps lines whole). */
static void say(int fd, const char *f, ...) __attribute__((format(printf, 2, 3)));
COLD_TEXT
static void say(int fd, const char *f, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, f);
	size_t n = vfmt(buf, sizeof(buf) - 1, f, ap);
	va_end(ap);
	buf[n++] = '\n';
	ssize_t w = write(fd, buf, n);
	(void)w;
}

/* strerror as the middle of a sentence: "connection refused" */
COLD_TEXT
static const char *reason(int e, char *buf, size_t len)
{
	fmt(buf, len, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* Milliseconds left for poll: at least 0, rounded up so that poll does not
 * return a millisecond early and spin once more. */
COLD_TEXT
static int ms_left(int64_t deadline)
{
	int64_t d = deadline - mono_now();
	if (d <= 0)
		return 0;
	d = (d + 999999) / 1000000;
	return d > 1000000000 ? 1000000000 : (int)d;
}

/* Wait for events on fd until the deadline: 1 ready, 0 timed out. */
COLD_TEXT
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, ms_left(deadline));
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* Non-blocking connect bounded by the deadline: the socket, or -1 with
 * errno (ETIMEDOUT when the deadline came first). */
COLD_TEXT
static int connect_by(const struct sockaddr *a, socklen_t alen, int64_t deadline)
{
	int fd = socket(a->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int e = 0;
	socklen_t elen = sizeof(e);

	if (fd < 0)
		return -1;
	if (connect(fd, a, alen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		e = errno;
	} else if (!wait_fd(fd, POLLOUT, deadline)) {
		e = ETIMEDOUT;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0) {
		e = errno;
	}
	if (!e)
		return fd;
	close(fd);
	errno = e;
	return -1;
}

/* "127.0.0.1:80" or "[::1]:80". Not inet_ntop: musl's formats with
 * snprintf, whose printf core would cost 10 KiB of the binary. */
COLD_TEXT
static const char *addr_text(const struct addrinfo *ai, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (ai->ai_family != AF_INET6) {
		const struct sockaddr_in *s4 = (const void *)ai->ai_addr;
		const unsigned char *b = (const void *)&s4->sin_addr;
		fmt(buf, len, "%u.%u.%u.%u:%u", b[0], b[1], b[2], b[3],
		    (unsigned)ntohs(s4->sin_port));
		return buf;
	}
	const struct sockaddr_in6 *s6 = (const void *)ai->ai_addr;
	const unsigned char *b = s6->sin6_addr.s6_addr;
	unsigned g[8];
	int best = -1, bestlen = 1; /* the longest run of 2+ zero groups: "::" */
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	for (int i = 0; i < 8; i++) {
		int k = i;
		while (k < 8 && !g[k])
			k++;
		if (k - i > bestlen) {
			best = i;
			bestlen = k - i;
		}
	}
	char a[48];
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			a[n++] = ':';
			if (i == 0)
				a[n++] = ':';
			i += bestlen - 1;
			continue;
		}
		bool lead = true;
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = g[i] >> sh & 15;
			if (d || !lead || sh == 0) {
				a[n++] = hex[d];
				lead = false;
			}
		}
		if (i < 7)
			a[n++] = ':';
	}
	a[n] = '\0';
	fmt(buf, len, "[%s]:%u", a, (unsigned)ntohs(s6->sin6_port));
	return buf;
}

/* Resolve again at every attempt (a service may appear in DNS late) and
 * try each address in order: the first that accepts wins. */
COLD_TEXT
static int connect_tcp(const struct target *t, int64_t deadline, int rep)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	char why[96], at[64];
	int fd = -1, e = 0;

	say(rep, "timed out resolving %s", t->host);
	int r = getaddrinfo(t->host, t->port, &hints, &res);
	if (r != 0) {
		if (r == EAI_NONAME)
			say(rep, "no such host");
		else if (r == EAI_SYSTEM)
			say(rep, "cannot resolve %s: %s", t->host,
			    reason(errno, why, sizeof(why)));
		else
			say(rep, "cannot resolve %s: %s", t->host, gai_strerror(r));
		return -1;
	}
	for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		say(rep, "timed out connecting to %s", addr_text(ai, at, sizeof(at)));
		fd = connect_by(ai->ai_addr, ai->ai_addrlen, deadline);
		if (fd < 0) {
			e = errno;
			/* the reason alone when there is one address, as
			 * "db:5432: connection refused" */
			if (res->ai_next)
				say(rep, "%s: %s", at, reason(e, why, sizeof(why)));
			else
				say(rep, "%s", reason(e, why, sizeof(why)));
		}
	}
	/* no freeaddrinfo: the process ends after this attempt, and without
	 * a free() musl links its small bump allocator, not malloc (7 KiB) */
	return fd;
}

/* A status line that is none, quoted from its start (logmsg turns other
 * control bytes into '?'). */
COLD_TEXT
static void bad_status(int rep, const char *buf, size_t got, bool malformed)
{
	size_t q = got < 40 ? got : 40;
	char shown[41];

	memcpy(shown, buf, q);
	shown[q] = '\0';
	for (size_t i = 0; i < q; i++)
		if (!shown[i] || shown[i] == '\r' || shown[i] == '\n')
			shown[i] = '?';
	say(rep, "%s status line '%s%s'", malformed ? "malformed" : "overlong", shown,
	    got > q ? "..." : "");
}

/* GET; up on a 2xx or 3xx status line and a whole header of at most
 * HEAD_MAX bytes. The body is never read. */
COLD_TEXT
static int http(const struct target *t, int fd, int64_t deadline, int rep)
{
	char req[TARGET_PATH_MAX + 400], why[96];
	char buf[STATUS_MAX];
	size_t n, got = 0;

	/* the port in Host only when it is not the default, as curl does */
	n = fmt(req, sizeof(req),
		"GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: usher/" USHER_VERSION
		"\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		t->path, t->v6 ? "[" : "", t->host, t->v6 ? "]" : "",
		strcmp(t->port, "80") ? ":" : "", strcmp(t->port, "80") ? t->port : "");
	for (size_t off = 0; off < n;) {
		say(rep, "timed out sending the request");
		if (!wait_fd(fd, POLLOUT, deadline))
			return -1;
		ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			say(rep, "cannot send the request: %s", reason(errno, why, sizeof(why)));
			return -1;
		}
		off += w > 0 ? (size_t)w : 0;
	}
	say(rep, "timed out waiting for the status line");
	int code = 0;
	size_t head = 0, from = 0; /* bytes of the head before buf; scan start */
	bool blank = false;        /* at the start of a line that may be empty */
	for (;;) {
		if (!wait_fd(fd, POLLIN, deadline)) {
			if (!code && got)
				say(rep, "timed out reading the status line (%u bytes in)",
				    (unsigned)got);
			return -1;
		}
		ssize_t r = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			say(rep, "%s", reason(errno, why, sizeof(why)));
			return -1;
		}
		if (r == 0) {
			say(rep, code ? "connection closed inside the response header"
				 : got ? "connection closed inside the status line"
				       : "connection closed without an answer");
			return -1;
		}
		got += (size_t)r;
		if (!code) {
			code = http_status(buf, got);
			if (code < 0 || (code == 0 && got == sizeof(buf))) {
				bad_status(rep, buf, got, code < 0);
				return -1;
			}
			if (code == 0) {
				say(rep, "timed out reading the status line");
				continue;
			}
			if (code < 200 || code >= 400) {
				say(rep, "HTTP %d", code);
				return -1;
			}
			/* up, once the header is whole: what curl -f and
			 * Go's client demand before they look at the code */
			from = (size_t)((char *)memchr(buf, '\n', got) - buf) + 1;
			blank = true;
			say(rep, "HTTP %d, then timed out reading the header", code);
		}
		for (size_t i = from; i < got; i++) {
			if (buf[i] == '\n') {
				if (blank)
					return 0;
				blank = true;
			} else if (buf[i] != '\r') {
				blank = false;
			}
		}
		head += got;
		if (head > HEAD_MAX) {
			say(rep, "HTTP %d, but a header larger than %u KiB", code,
			    (unsigned)(HEAD_MAX / 1024));
			return -1;
		}
		got = from = 0;
	}
}

COLD_TEXT
static int connect_unix(const struct target *t, int rep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char why[96];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, t->path, strlen(t->path) + 1);
	say(rep, "timed out connecting");
	/* a full backlog says EAGAIN at once: down for now, like a refusal */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		say(rep, "%s", reason(errno, why, sizeof(why)));
		return -1;
	}
	return fd;
}

COLD_TEXT
int probe_attempt(const struct target *t, int64_t deadline, int report_fd)
{
	struct stat st;
	char why[96];
	int fd;

	switch (t->kind) {
	case TARGET_FILE:
		if (stat(t->path, &st) == 0)
			return 0;
		say(report_fd, "%s", reason(errno, why, sizeof(why)));
		return 1;
	case TARGET_UNIX:
		fd = connect_unix(t, report_fd);
		break;
	default:
		fd = connect_tcp(t, deadline, report_fd);
		break;
	}
	if (fd < 0)
		return 1;
	int r = t->kind == TARGET_HTTP ? http(t, fd, deadline, report_fd) : 0;
	close(fd);
	return r < 0 ? 1 : 0;
}
