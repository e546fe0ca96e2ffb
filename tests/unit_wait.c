/* tests/unit_wait.c: the pure parts of --wait and --probe: the TARGET
 * grammar (target_parse), HTTP status lines (http_status), the backoff
 * schedule and the deadline arithmetic (wait.c), and how the options and
 * USHER_WAIT* reach struct opts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS (NSEC_PER_SEC / 1000)

static struct target t;
static char err[256];

static int parse(const char *s)
{
	memset(err, 0, sizeof(err));
	return target_parse(s, strlen(s), &t, err, sizeof(err));
}

#define assert_contains(hay, needle)                                           \
	do {                                                                   \
		if (!strstr((hay), (needle)))                                  \
			fail_msg("'%s' does not contain '%s'", (hay), (needle)); \
	} while (0)

/* parse fails with a one-line error that says `why` */
#define assert_bad(s, why)                                                     \
	do {                                                                   \
		if (parse(s) != -1)                                            \
			fail_msg("'%s' was accepted", (s));                    \
		assert_non_null(err[0] ? err : NULL);                          \
		assert_null(strchr(err, '\n'));                                \
		assert_contains(err, (why));                                   \
	} while (0)

/* ---- target_parse ---------------------------------------------------------- */

static void test_tcp_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("db:5432"), 0);
	assert_int_equal(t.kind, TARGET_TCP);
	assert_string_equal(t.host, "db");
	assert_string_equal(t.port, "5432");
	assert_false(t.v6);

	assert_int_equal(parse("tcp://redis.default.svc.cluster.local:6379"), 0);
	assert_int_equal(t.kind, TARGET_TCP);
	assert_string_equal(t.host, "redis.default.svc.cluster.local");
	assert_string_equal(t.port, "6379");

	assert_int_equal(parse("TCP://127.0.0.1:1"), 0); /* schemes ignore case */
	assert_string_equal(t.host, "127.0.0.1");
	assert_string_equal(t.port, "1");
	assert_int_equal(parse("my_db-1:65535"), 0);
	assert_string_equal(t.host, "my_db-1");
}

static void test_ipv6_literals(void **state)
{
	(void)state;
	assert_int_equal(parse("[::1]:8080"), 0);
	assert_string_equal(t.host, "::1");
	assert_true(t.v6);
	assert_int_equal(parse("tcp://[2001:db8::42]:53"), 0);
	assert_string_equal(t.host, "2001:db8::42");
	assert_int_equal(parse("http://[::1]:8080/health"), 0);
	assert_string_equal(t.host, "::1");
	assert_string_equal(t.port, "8080");
	assert_string_equal(t.path, "/health");
	assert_int_equal(parse("http://[::ffff:127.0.0.1]/"), 0);
	assert_string_equal(t.port, "80");

	assert_bad("::1:8080", "brackets");
	assert_bad("fe80::1:80", "brackets");
	assert_bad("[::1:8080", "IPv6");
	assert_bad("[::g]:80", "invalid IPv6 address in brackets");
	assert_bad("[]:80", "IPv6");
	assert_bad("[::1]8080", "':PORT'");
	assert_bad("[fe80::1%eth0]:80", "IPv6"); /* no zones */
	assert_bad("[::1]", "missing port");
}

static void test_http_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("http://api:8080/health"), 0);
	assert_int_equal(t.kind, TARGET_HTTP);
	assert_string_equal(t.host, "api");
	assert_string_equal(t.port, "8080");
	assert_string_equal(t.path, "/health");

	assert_int_equal(parse("http://api"), 0); /* port 80, path / */
	assert_string_equal(t.port, "80");
	assert_string_equal(t.path, "/");
	assert_int_equal(parse("HTTP://api/x?y=1&z=%20"), 0);
	assert_string_equal(t.path, "/x?y=1&z=%20");

	assert_bad("https://api/", "https is not supported");
	assert_bad("http://api:/", "invalid port");
	assert_bad("http:///x", "empty host");
	assert_bad("http://a b/", "invalid host");
	assert_bad("http://api/a b", "invalid character in path");
	assert_bad("http://api/#frag", "invalid character in path");
	assert_bad("http://user@api/", "invalid host");
	assert_bad("http://api?x", "invalid host");
}

static void test_unix_file_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("unix:///run/app.sock"), 0);
	assert_int_equal(t.kind, TARGET_UNIX);
	assert_string_equal(t.path, "/run/app.sock");
	assert_int_equal(parse("file:///tmp/ready"), 0);
	assert_int_equal(t.kind, TARGET_FILE);
	assert_string_equal(t.path, "/tmp/ready");

	assert_bad("unix://run/app.sock", "absolute path");
	assert_bad("file://", "absolute path");
	assert_bad("file://relative", "absolute path");

	char sun[200] = "unix:///";
	memset(sun + 8, 'x', 99); /* 100 bytes of path: fits sun_path */
	assert_int_equal(parse(sun), 0);
	memset(sun + 8, 'x', 110);
	assert_bad(sun, "longer than 107");
}

static void test_ports(void **state)
{
	(void)state;
	assert_bad("db", "missing port");
	assert_bad("tcp://db", "missing port");
	assert_bad("db:", "invalid port");
	assert_bad("db:0", "invalid port");
	assert_bad("db:65536", "invalid port");
	assert_bad("db:99999", "invalid port");
	assert_bad("db:080", "invalid port");
	assert_bad("db:+80", "invalid port");
	assert_bad("db:80 ", "invalid port");
	assert_bad("db:80/", "invalid port");
	assert_bad("db:http", "invalid port");
	assert_bad("db:5432,redis:6379", "invalid port");
	assert_int_equal(parse("db:65535"), 0);
}

static void test_junk(void **state)
{
	(void)state;
	assert_bad("", "empty target");
	assert_bad(":5432", "empty host");
	assert_bad("udp://db:53", "unknown scheme");
	assert_bad("://db:53", "unknown scheme");
	assert_bad("db\n:80", "invalid host");
	assert_bad("d\xc3\xa9j\xc3\xa0:80", "invalid host");

	char big[300];
	memset(big, 'a', 254);
	memcpy(big + 254, ":80", 4);
	assert_bad(big, "longer than 253");
	big[253] = ':'; /* 253 characters is a name */
	memcpy(big + 253, ":80", 4);
	assert_int_equal(parse(big), 0);

	/* len, not the NUL, ends a TARGET: USHER_WAIT's list in place */
	assert_int_equal(target_parse("db:5432,redis:1", 7, &t, err, sizeof(err)), 0);
	assert_string_equal(t.port, "5432");
}

/* ---- http_status ----------------------------------------------------------- */

#define STATUS(s) http_status((s), strlen(s))

static void test_status_lines(void **state)
{
	(void)state;
	assert_int_equal(STATUS("HTTP/1.1 200 OK\r\n"), 200);
	assert_int_equal(STATUS("HTTP/1.0 204 No Content\r\nServer: x\r\n"), 204);
	assert_int_equal(STATUS("HTTP/1.1 301 Moved Permanently\r\n"), 301);
	assert_int_equal(STATUS("HTTP/1.1 503 Service Unavailable\n"), 503);
	assert_int_equal(STATUS("HTTP/1.1 200\r\n"), 200);      /* no reason */
	assert_int_equal(STATUS("HTTP/1.1 200 \r\n"), 200);     /* empty one */
	assert_int_equal(STATUS("HTTP/1.1 599 x\ty\xff\r\n"), 599); /* HTAB, obs-text */
	assert_int_equal(STATUS("HTTP/1.1 100 Continue\r\n"), 100);
}

static void test_status_partial(void **state)
{
	(void)state;
	/* every proper prefix of a status line asks for more */
	const char *full = "HTTP/1.1 200 OK\r\n";
	for (size_t n = 0; n < strlen(full); n++)
		assert_int_equal(http_status(full, n), 0);
	assert_int_equal(STATUS("HTTP/1.1 200 OK and more of it"), 0);
}

static void test_status_malformed(void **state)
{
	(void)state;
	assert_int_equal(STATUS("garbage\r\n"), -1);
	assert_int_equal(STATUS("http/1.1 200 OK\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1 20 OK\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1 2000 OK\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1 600 x\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1 099 x\r\n"), -1);
	assert_int_equal(STATUS("HTTP/11 200 OK\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1  200 OK\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1 200 O\rK\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1 200 O\x01K\r\n"), -1);
	assert_int_equal(STATUS("HTTP/1.1 200\r\r\n"), -1);
	assert_int_equal(STATUS("SSH-2.0-OpenSSH_9.2\r\n"), -1);
	assert_int_equal(http_status("HTTP/1.1 2\0000 OK\r\n", 17), -1);
}

/* ---- backoff and deadlines -------------------------------------------------- */

static void test_backoff_schedule(void **state)
{
	(void)state;
	/* fast at first: 10 ms, then 5/4 each attempt */
	assert_int_equal(backoff_delay(0, 0), 10 * MS);
	assert_int_equal(backoff_delay(1, 0), 12500000);
	assert_int_equal(backoff_delay(2, 0), 15625000);
	/* monotonic up to the cap of a second, reached in about 21 attempts */
	int64_t prev = 0, sum = 0;
	unsigned n;
	for (n = 0; backoff_delay(n, 0) < NSEC_PER_SEC; n++) {
		assert_true(backoff_delay(n, 0) > prev);
		prev = backoff_delay(n, 0);
		sum += prev;
	}
	assert_in_range(n, 18, 24);
	/* the first four seconds or so cost about twenty attempts */
	assert_in_range(sum, 3 * NSEC_PER_SEC, 5 * NSEC_PER_SEC);
	assert_int_equal(backoff_delay(100, 0), NSEC_PER_SEC);
	assert_int_equal(backoff_delay(~0u, 0), NSEC_PER_SEC); /* no overflow */
}

static void test_backoff_jitter(void **state)
{
	(void)state;
	/* jitter takes up to a quarter off, never adds */
	for (unsigned j = 0; j < 1000; j += 37) {
		assert_in_range(backoff_delay(0, j), 7500000, 10 * MS);
		assert_in_range(backoff_delay(50, j), 750 * MS, NSEC_PER_SEC);
	}
	assert_int_equal(backoff_delay(50, 999), NSEC_PER_SEC - 249750000);
	/* values past 999 wrap rather than go negative */
	assert_int_equal(backoff_delay(50, 1000), backoff_delay(50, 0));
	/* a dependency up at 200 ms is seen within tens of milliseconds:
	 * the gap between attempts around then is under 60 ms */
	int64_t at = 0;
	unsigned k = 0;
	while (at < 200 * MS)
		at = next_attempt(at, at, k++, 500);
	assert_true(at - 200 * MS < 60 * MS);
}

static void test_next_attempt(void **state)
{
	(void)state;
	/* counted from the attempt's start... */
	assert_int_equal(next_attempt(1000 * MS, 1001 * MS, 0, 0), 1010 * MS);
	/* ...never before it ended (a slow refusal) */
	assert_int_equal(next_attempt(1000 * MS, 1500 * MS, 0, 0), 1500 * MS);
}

static void test_deadlines(void **state)
{
	(void)state;
	assert_int_equal(wait_deadline(5 * NSEC_PER_SEC, 60 * NSEC_PER_SEC),
			 65 * NSEC_PER_SEC);
	assert_int_equal(wait_deadline(5 * NSEC_PER_SEC, 0), -1); /* forever */
	/* an attempt gets the probe timeout... */
	assert_int_equal(attempt_deadline(10 * NSEC_PER_SEC, 5 * NSEC_PER_SEC, -1),
			 15 * NSEC_PER_SEC);
	assert_int_equal(attempt_deadline(10 * NSEC_PER_SEC, 5 * NSEC_PER_SEC,
					  20 * NSEC_PER_SEC),
			 15 * NSEC_PER_SEC);
	/* ...or less, when the overall deadline comes first */
	assert_int_equal(attempt_deadline(10 * NSEC_PER_SEC, 5 * NSEC_PER_SEC,
					  12 * NSEC_PER_SEC),
			 12 * NSEC_PER_SEC);
}

static void test_stop_signals(void **state)
{
	struct opts o;
	(void)state;
	memset(&o, 0, sizeof(o));
	for (int s = 0; s <= SIG_LAST; s++)
		o.rewrite[s] = (unsigned char)s;
	assert_true(wait_stops_on(&o, SIGTERM));
	assert_true(wait_stops_on(&o, SIGINT));
	assert_true(wait_stops_on(&o, SIGQUIT));
	assert_false(wait_stops_on(&o, SIGHUP));
	assert_false(wait_stops_on(&o, SIGUSR1));
	assert_false(wait_stops_on(&o, SIGCHLD));
	assert_false(wait_stops_on(&o, 0));
	o.pdeathsig = SIGUSR2;
	assert_true(wait_stops_on(&o, SIGUSR2));
	/* the stop set of --stop-signal ends it too: WINCH for httpd images */
	o.stop_set = SIG_BIT(SIGWINCH);
	assert_true(wait_stops_on(&o, SIGWINCH));
	assert_true(wait_stops_on(&o, SIGTERM));
	/* what --rewrite drops is dropped while waiting as well */
	o.rewrite[SIGINT] = 0;
	o.rewrite[SIGWINCH] = 0;
	assert_false(wait_stops_on(&o, SIGINT));
	assert_false(wait_stops_on(&o, SIGWINCH));
	/* but the parent's death always ends the wait */
	o.rewrite[SIGUSR2] = 0;
	assert_true(wait_stops_on(&o, SIGUSR2));
}

/* ---- options ------------------------------------------------------------------ */

static struct opts o;

static enum parse_result parse_args(char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	memset(err, 0, sizeof(err));
	return opts_parse(&o, argc, argv, err, sizeof(err));
}
#define ARGS(...) parse_args((char *[]){ "usher", __VA_ARGS__, NULL })

static int clean_env(void **state)
{
	(void)state;
	unsetenv("USHER_WAIT");
	unsetenv("USHER_WAIT_TIMEOUT");
	unsetenv("USHER_PROBE_TIMEOUT");
	return 0;
}

static void test_opts_wait(void **state)
{
	(void)state;
	assert_int_equal(ARGS("-w", "db:5432", "--wait", "http://api/", "--", "app"), PARSE_RUN);
	assert_int_equal(o.ntargets, 2);
	assert_string_equal(o.targets[0].s, "db:5432");
	assert_int_equal(o.targets[1].len, strlen("http://api/"));
	assert_false(o.probe);
	assert_int_equal(o.wait_timeout_ns, 60 * NSEC_PER_SEC);
	assert_int_equal(o.probe_timeout_ns, 5 * NSEC_PER_SEC);
	assert_string_equal(o.argv[0], "app");

	assert_int_equal(ARGS("--wait-timeout", "0", "--probe-timeout=0.5", "-w", "a:1", "app"),
			 PARSE_RUN);
	assert_int_equal(o.wait_timeout_ns, 0);
	assert_int_equal(o.probe_timeout_ns, 500 * MS);
	assert_int_equal(ARGS("-wdb:1", "app"), PARSE_RUN); /* short, glued */
	assert_int_equal(o.ntargets, 1);
}

static void test_opts_wait_errors(void **state)
{
	(void)state;
	assert_int_equal(ARGS("-w", "db", "app"), PARSE_ERROR);
	assert_string_equal(err, "-w: invalid target 'db': missing port (want HOST:PORT)");
	assert_int_equal(ARGS("--wait", "https://x/", "app"), PARSE_ERROR);
	assert_contains(err, "--wait: invalid target 'https://x/': https is not supported");
	assert_int_equal(ARGS("--wait-timeout", "soon", "-w", "a:1", "app"), PARSE_ERROR);
	assert_contains(err, "--wait-timeout: invalid duration 'soon'");
	assert_int_equal(ARGS("--probe-timeout", "0", "-w", "a:1", "app"), PARSE_ERROR);
	assert_contains(err, "more than 0");
	assert_int_equal(ARGS("-w", "a:1"), PARSE_ERROR);
	assert_contains(err, "missing COMMAND");

	char *many[TARGETS_MAX * 2 + 8] = { "usher" };
	int k = 1;
	for (int i = 0; i <= TARGETS_MAX; i++) {
		many[k++] = "-w";
		many[k++] = "a:1";
	}
	many[k++] = "app";
	many[k] = NULL;
	assert_int_equal(parse_args(many), PARSE_ERROR);
	assert_contains(err, "more than 16 targets");
}

static void test_opts_probe(void **state)
{
	(void)state;
	assert_int_equal(ARGS("--probe", "http://127.0.0.1:8080/healthz"), PARSE_RUN);
	assert_true(o.probe);
	assert_int_equal(o.ntargets, 1);
	assert_null(o.argv);
	assert_int_equal(ARGS("--probe", "a:1", "--probe", "unix:///s"), PARSE_RUN);
	assert_int_equal(o.ntargets, 2);

	assert_int_equal(ARGS("--probe", "a:1", "app"), PARSE_ERROR);
	assert_contains(err, "--probe takes no COMMAND ('app')");
	assert_int_equal(ARGS("--probe", "a:1", "-w", "b:1"), PARSE_ERROR);
	assert_contains(err, "do not mix");
	assert_int_equal(ARGS("--probe", "nope"), PARSE_ERROR);
	assert_contains(err, "--probe: invalid target 'nope'");
	assert_int_equal(ARGS("--probe"), PARSE_ERROR);
	assert_contains(err, "needs a value");
}

static void test_env_wait(void **state)
{
	(void)state;
	setenv("USHER_WAIT", " db:5432, http://api:8080/health\tunix:///s ,", 1);
	setenv("USHER_WAIT_TIMEOUT", "2.5", 1);
	setenv("USHER_PROBE_TIMEOUT", "1", 1);
	assert_int_equal(ARGS("app"), PARSE_RUN);
	assert_int_equal(o.ntargets, 3);
	assert_int_equal(o.targets[0].len, 7);
	assert_memory_equal(o.targets[0].s, "db:5432", 7);
	assert_int_equal(o.targets[1].len, strlen("http://api:8080/health"));
	assert_memory_equal(o.targets[2].s, "unix:///s", 9);
	assert_int_equal(o.wait_timeout_ns, 2500 * MS);
	assert_int_equal(o.probe_timeout_ns, NSEC_PER_SEC);

	/* the command line wins: -w replaces the list */
	assert_int_equal(ARGS("-w", "x:1", "--wait-timeout", "3", "app"), PARSE_RUN);
	assert_int_equal(o.ntargets, 1);
	assert_int_equal(o.wait_timeout_ns, 3 * NSEC_PER_SEC);

	/* a HEALTHCHECK's --probe ignores the image's USHER_WAIT */
	assert_int_equal(ARGS("--probe", "y:1"), PARSE_RUN);
	assert_int_equal(o.ntargets, 1);
	assert_memory_equal(o.targets[0].s, "y:1", 3);
	assert_int_equal(o.probe_timeout_ns, NSEC_PER_SEC);

	setenv("USHER_WAIT", "db:5432,oops", 1);
	assert_int_equal(ARGS("app"), PARSE_ERROR);
	assert_string_equal(err, "USHER_WAIT: invalid target 'oops': missing port (want HOST:PORT)");
	setenv("USHER_WAIT", " , ", 1); /* only separators: nothing to wait for */
	assert_int_equal(ARGS("app"), PARSE_RUN);
	assert_int_equal(o.ntargets, 0);
	setenv("USHER_WAIT", "", 1);
	assert_int_equal(ARGS("app"), PARSE_RUN);
	assert_int_equal(o.ntargets, 0);
	setenv("USHER_WAIT_TIMEOUT", "-1", 1);
	assert_int_equal(ARGS("app"), PARSE_ERROR);
	assert_contains(err, "USHER_WAIT_TIMEOUT: invalid duration '-1'");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, clean_env)
	const struct CMUnitTest tests[] = {
		T(test_tcp_forms),
		T(test_ipv6_literals),
		T(test_http_forms),
		T(test_unix_file_forms),
		T(test_ports),
		T(test_junk),
		T(test_status_lines),
		T(test_status_partial),
		T(test_status_malformed),
		T(test_backoff_schedule),
		T(test_backoff_jitter),
		T(test_next_attempt),
		T(test_deadlines),
		T(test_stop_signals),
		T(test_opts_wait),
		T(test_opts_wait_errors),
		T(test_opts_probe),
		T(test_env_wait),
	};
#undef T
	return cmocka_run_group_tests_name("wait", tests, NULL, NULL);
}
