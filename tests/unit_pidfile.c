/* tests/unit_pidfile.c: what a daemon's pidfile may hold (pidfile_parse)
 * and reading it (pidfile_read) from files in a private temp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char path[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/unit_pidfile.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/d.pid", dir);
	return 0;
}

static int teardown(void **state)
{
	char sub[PATH_MAX];

	(void)state;
	unlink(path);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	return rmdir(dir);
}

/* Parse a C string: the length excludes the NUL, as read(2) would give. */
static pid_t parse(const char *s)
{
	return pidfile_parse(s, strlen(s));
}

static void write_file(const char *content, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
}

/* ---- pidfile_parse ------------------------------------------------------------ */

static void test_parse_valid(void **state)
{
	(void)state;
	assert_int_equal(parse("123"), 123);
	assert_int_equal(parse("123\n"), 123);
	assert_int_equal(parse("123\r\n"), 123);
	assert_int_equal(parse(" 123"), 123);
	assert_int_equal(parse("\t42 \n"), 42);
	assert_int_equal(parse("2"), 2);
	assert_int_equal(parse("0042\n"), 42);
	/* PID_MAX_LIMIT is the largest PID Linux hands out */
	assert_int_equal(parse("4194304\n"), 4194304);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"",         "\n",       "   ",     "abc",      "12a",
		"12 34",    "-5",       "+5",      "0x10",     "1.0",
		"1",        "0",        "00",      "4194305",  "99999999999999999999",
		"pid=12",   "12,",      "1e3",     "\n12",    " \n12\n",
		"12 34\n5", "1\n2\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i]) != -1)
			fail_msg("pidfile_parse(\"%s\") = %d, want -1", bad[i],
				 (int)parse(bad[i]));
}

/* The PID is on the first line; what follows is the daemon's business:
 * PostgreSQL's postmaster.pid holds the data directory, start time, port,
 * socket directory, listen address, shared memory key and status. */
static void test_parse_first_line(void **state)
{
	static const char pg[] = "21998\n/var/lib/postgresql/15/main\n1796125395\n"
				 "5432\n/var/run/postgresql\n\n 10952730         5\n"
				 "ready   \n";

	(void)state;
	assert_int_equal(parse(pg), 21998);
	assert_int_equal(parse("12\n34"), 12);
	assert_int_equal(parse("12\r\nanything at all\n"), 12);
	assert_int_equal(parse(" 77 \t\n\n\n"), 77);
	assert_int_equal(parse("88\nnot a pid\x01\n"), 88);
}

/* The length is the contract, not a NUL: half a write is "not yet". */
static void test_parse_uses_len(void **state)
{
	(void)state;
	assert_int_equal(pidfile_parse("1234", 2), 12);
	assert_int_equal(pidfile_parse("1234\n", 4), 1234);
	assert_int_equal(pidfile_parse("12\0\n", 4), -1); /* a NUL is garbage */
	assert_int_equal(pidfile_parse("123", 0), -1);
	assert_int_equal(pidfile_parse(" 12 x", 4), 12);
}

/* ---- pidfile_read ---------------------------------------------------------------- */

static void test_read_valid(void **state)
{
	(void)state;
	write_file("4321\n", 5);
	assert_int_equal(pidfile_read(path), 4321);
	write_file("77", 2);
	assert_int_equal(pidfile_read(path), 77);
}

static void test_read_missing_or_not_yet(void **state)
{
	(void)state;
	/* missing */
	assert_int_equal(pidfile_read(path), 0);
	/* created but not written yet */
	write_file("", 0);
	assert_int_equal(pidfile_read(path), 0);
	/* garbage, PID 1, a negative number */
	write_file("nginx\n", 6);
	assert_int_equal(pidfile_read(path), 0);
	write_file("1\n", 2);
	assert_int_equal(pidfile_read(path), 0);
	write_file("-1\n", 3);
	assert_int_equal(pidfile_read(path), 0);
	/* the directory around it is missing */
	char deep[PATH_MAX];
	snprintf(deep, sizeof(deep), "%s/nope/d.pid", dir);
	assert_int_equal(pidfile_read(deep), 0);
	assert_int_equal(pidfile_read(""), 0);
}

static void test_read_not_a_file(void **state)
{
	char sub[PATH_MAX];

	(void)state;
	/* a directory opens but does not read */
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(pidfile_read(sub), 0);
	assert_int_equal(pidfile_read(dir), 0);
}

/* A real postmaster.pid, as PostgreSQL 15 wrote it (tests/fixtures), and
 * a first line that fits after a tail longer than the buffer. */
static void test_read_multi_line(void **state)
{
	char fixture[PATH_MAX], big[4096];

	(void)state;
	/* next to the test binary: tests/ or tests/asan/ */
	ssize_t n = readlink("/proc/self/exe", fixture, sizeof(fixture) - 64);
	assert_true(n > 0);
	fixture[n] = '\0';
	char *slash = strrchr(fixture, '/');
	strcpy(slash, "/fixtures/postmaster.pid");
	if (access(fixture, R_OK) != 0)
		strcpy(slash, "/../fixtures/postmaster.pid");
	assert_int_equal(pidfile_read(fixture), 21998);
	memset(big, 'x', sizeof(big));
	memcpy(big, "4321\n", 5);
	write_file(big, sizeof(big));
	assert_int_equal(pidfile_read(path), 4321);
	/* a first line cut by the buffer is no PID */
	memset(big, ' ', 40);
	memcpy(big, "55", 2);
	big[40] = '\n';
	write_file(big, 60);
	assert_int_equal(pidfile_read(path), 0);
}

/* A pidfile is a handful of bytes; a big file is not one. */
static void test_read_too_long(void **state)
{
	char big[4096];

	(void)state;
	memset(big, ' ', sizeof(big));
	memcpy(big, "123", 3);
	big[sizeof(big) - 1] = '\n';
	write_file(big, sizeof(big));
	assert_int_equal(pidfile_read(path), 0);
	/* a PID followed by a long tail of digits is not cut to its start */
	memset(big, '1', sizeof(big));
	write_file(big, 100);
	assert_int_equal(pidfile_read(path), 0);
}

/* The file is read each time, not remembered: a daemon rewrites it. */
static void test_read_follows_rewrites(void **state)
{
	(void)state;
	write_file("100\n", 4);
	assert_int_equal(pidfile_read(path), 100);
	write_file("200\n", 4);
	assert_int_equal(pidfile_read(path), 200);
	unlink(path);
	assert_int_equal(pidfile_read(path), 0);
}

/* No descriptor is left open, however the read ends. */
static void test_read_closes(void **state)
{
	(void)state;
	int before = dup(0);
	assert_true(before >= 0);
	close(before);
	write_file("55\n", 3);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(pidfile_read(path), 55);
		pidfile_read(dir);
		pidfile_read("/nonexistent/x.pid");
	}
	int after = dup(0);
	assert_int_equal(after, before);
	close(after);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_first_line),
		cmocka_unit_test(test_parse_uses_len),
		T(test_read_valid),
		T(test_read_missing_or_not_yet),
		T(test_read_multi_line),
		T(test_read_not_a_file),
		T(test_read_too_long),
		T(test_read_follows_rewrites),
		T(test_read_closes),
	};
#undef T
	return cmocka_run_group_tests_name("pidfile", tests, NULL, NULL);
}
