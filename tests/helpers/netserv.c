/* netserv: a friendly or hostile server for --wait and --probe tests.
 *
 *   netserv [-6] [-d MS] [-r FILE] MODE PORT|/PATH
 *
 * Listens on 127.0.0.1:PORT ([::1] with -6; a unix socket for /PATH) after
 * MS milliseconds (default 0), then, for each connection, in a process of
 * its own:
 *   http:CODE  read the request, answer "HTTP/1.1 CODE ..." and close
 *   accept     close at once (a plain TCP service)
 *   silent     never answer, never close
 *   drip       "HTTP/1.1 200 OK\r\n" one byte a second
 *   garbage    a line that is no status line
 *   huge       "HTTP/1.1 200 OK", then a 10 MB header
 *   longline   "HTTP/1.1 200 " and 10 MB more of the status line
 *   truncated  "HTTP/1.1 20" and close
 *   reset      close with a reset (SO_LINGER 0)
 * With -r, writes "<CLOCK_REALTIME ns>\n" to FILE once listening, so a test
 * can measure when its waiter noticed; and appends one line per connection
 * to FILE.conns. Runs until killed; its connection processes die with it. */
#include "common.h"

#include <stdbool.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static void put(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			_exit(0);
		s += w;
		n -= (size_t)w;
	}
}

/* the request's head, up to its blank line, at most 8 KiB or 2 s */
static void read_request(int fd)
{
	char buf[8192];
	size_t got = 0;
	struct timeval tv = { 2, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < sizeof(buf) - 1) {
		ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r <= 0)
			return;
		got += (size_t)r;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return;
	}
}

static void serve(int fd, const char *mode)
{
	char buf[256];

	if (strncmp(mode, "http:", 5) == 0) {
		read_request(fd);
		int n = snprintf(buf, sizeof(buf),
				 "HTTP/1.1 %s Test\r\nContent-Length: 2\r\n"
				 "Connection: close\r\n\r\nok", mode + 5);
		put(fd, buf, (size_t)n);
	} else if (strcmp(mode, "silent") == 0) {
		for (;;)
			pause();
	} else if (strcmp(mode, "drip") == 0) {
		read_request(fd);
		for (const char *p = "HTTP/1.1 200 OK\r\n\r\n"; *p; p++) {
			put(fd, p, 1);
			sleep(1);
		}
	} else if (strcmp(mode, "garbage") == 0) {
		read_request(fd);
		put(fd, "SSH-2.0-OpenSSH_9.2\r\n", 21);
		sleep(5);
	} else if (strcmp(mode, "huge") == 0 || strcmp(mode, "longline") == 0) {
		read_request(fd);
		if (mode[0] == 'h')
			put(fd, "HTTP/1.1 200 OK\r\nX-Big: ", 25);
		else
			put(fd, "HTTP/1.1 200 ", 13);
		memset(buf, 'A', sizeof(buf));
		for (int i = 0; i < 10 * 1024 * 1024 / (int)sizeof(buf); i++)
			put(fd, buf, sizeof(buf));
		sleep(5);
	} else if (strcmp(mode, "truncated") == 0) {
		read_request(fd);
		put(fd, "HTTP/1.1 20", 11);
	} else if (strcmp(mode, "reset") == 0) {
		struct linger l = { 1, 0 };
		read_request(fd);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(fd);
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *rec = NULL;
	long delay = 0;
	bool v6 = false;
	int c;

	while ((c = getopt(argc, argv, "6d:r:")) != -1) {
		switch (c) {
		case '6': v6 = true; break;
		case 'd': delay = parse_num("netserv", optarg, 0, 600000); break;
		case 'r': rec = optarg; break;
		default: return 111;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: netserv [-6] [-d MS] [-r FILE] MODE PORT|/PATH\n");
		return 111;
	}
	const char *mode = argv[optind], *where = argv[optind + 1];
	signal(SIGCHLD, SIG_IGN); /* connection processes reap themselves */
	if (delay) {
		struct timespec ts = { delay / 1000, delay % 1000 * 1000000 };
		nanosleep(&ts, NULL);
	}

	int fd, one = 1;
	if (where[0] == '/') {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", where);
		unlink(where);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("netserv: bind");
			return 111;
		}
	} else if (v6) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		sa.sin6_port = htons((uint16_t)parse_num("netserv", where, 1, 65535));
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("netserv: bind");
			return 111;
		}
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((uint16_t)parse_num("netserv", where, 1, 65535));
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("netserv: bind");
			return 111;
		}
	}
	if (listen(fd, 64) < 0) {
		perror("netserv: listen");
		return 111;
	}
	if (rec) {
		struct timespec ts;
		char tmp[4096], line[64];
		clock_gettime(CLOCK_REALTIME, &ts);
		int n = snprintf(line, sizeof(line), "%lld\n",
				 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		snprintf(tmp, sizeof(tmp), "%s.tmp", rec);
		int rf = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (rf < 0 || write(rf, line, (size_t)n) != n || close(rf) < 0 ||
		    rename(tmp, rec) < 0) {
			perror("netserv: record");
			return 111;
		}
	}
	for (;;) {
		int cfd = accept(fd, NULL, NULL);
		if (cfd < 0)
			continue;
		if (rec) {
			char path[4096];
			snprintf(path, sizeof(path), "%s.conns", rec);
			int cf = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (cf >= 0) {
				ssize_t w = write(cf, "c\n", 2);
				(void)w;
				close(cf);
			}
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(fd);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			serve(cfd, mode);
		}
		close(cfd);
	}
}
