/* tests/unit_regress.c: regression tests for what fuzzing (fuzz/) and the
 * fault-injection tests (tests/faults.t) found. Each test names the input
 * that failed and what went wrong; a hang is caught by running the call in
 * a child process with an alarm, so this file cannot hang make check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "child_guard.h"

#include "usher.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CHILD_CHECK(n, cond)                                                   \
	do {                                                                   \
		if (!(cond))                                                   \
			_exit(n);                                              \
	} while (0)

/* What logmsg writes, captured from a pipe in place of stderr. */
static size_t capture_log(void (*emit)(void), char *out, size_t len)
{
	int p[2], saved = dup(STDERR_FILENO);
	size_t n = 0;
	ssize_t r;

	assert_true(saved >= 0 && pipe(p) == 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	close(p[1]);
	emit();
	dup2(saved, STDERR_FILENO);
	close(saved);
	while (n + 1 < len && (r = read(p[0], out + n, len - 1 - n)) > 0)
		n += (size_t)r;
	close(p[0]);
	out[n] = '\0';
	return n;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- fmt: a full buffer -------------------------------------------------- */

/* Found by fuzz_sig (input 5d ff ff ff 34: sig_name(-163) into 4 bytes) and
 * reachable from any long log line: once the buffer was full, the digit
 * loop's PUT(num[--k]) no longer evaluated --k and spun forever, so
 * `usher -v /a/very/long/path/cmd` hung PID 1 at start-up. */
static int number_after_full(void)
{
	char buf[4];
	size_t n = fmt(buf, sizeof(buf), "%s%d", "abcdef", 12345);
	CHILD_CHECK(1, n == 3 && strcmp(buf, "abc") == 0);
	n = fmt(buf, sizeof(buf), "%d", -163);
	CHILD_CHECK(2, n == 3 && strcmp(buf, "-16") == 0);
	n = fmt(buf, sizeof(buf), "%llu%zu%lu", 12345ULL, (size_t)7, 8UL);
	CHILD_CHECK(3, n == 3 && strcmp(buf, "123") == 0);
	return 0;
}

static void test_fmt_number_in_full_buffer(void **state)
{
	(void)state;
	run_guarded(number_after_full, 5, "fmt of a number that does not fit");
}

/* The same PUT skipped va_arg for a %c that did not fit, so the next %s
 * took the character for a pointer. */
static int char_after_full(void)
{
	char buf[2];
	size_t n = fmt(buf, sizeof(buf), "%c%c%s%d", 'a', 'b', "zzz", 5);
	CHILD_CHECK(1, n == 1 && strcmp(buf, "a") == 0);
	return 0;
}

static void test_fmt_char_in_full_buffer(void **state)
{
	(void)state;
	run_guarded(char_after_full, 5, "fmt of a %c that does not fit");
}

/* sig_name in its documented 16 bytes, for the fuzz input's number */
static void test_sig_name_negative(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(sig_name(-163, buf, sizeof(buf)), "-163");
	assert_string_equal(sig_name(INT32_MIN, buf, sizeof(buf)), "-2147483648");
}

/* The line usher prints when it starts a command with a long path (the
 * shape that hung): one line, cut to logmsg's buffer, ending in '\n'. */
static const char *long_path;
static void emit_started(void)
{
	logmsg(0, "started %s as process %d%s", long_path, 12345, " (usher is a subreaper)");
}

static int long_line(void)
{
	static char path[700], out[1024];
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	long_path = path;
	size_t n = capture_log(emit_started, out, sizeof(out));
	CHILD_CHECK(1, n > 0 && n <= 512 && out[n - 1] == '\n' && count_lines(out) == 1);
	CHILD_CHECK(2, strncmp(out, "usher: started /ppp", 19) == 0);
	return 0;
}

static void test_log_long_command_line(void **state)
{
	(void)state;
	run_guarded(long_line, 5, "logmsg with a 700-byte command path");
}

/* ---- one error, one line ---------------------------------------------------- */

/* Every error is exactly one "usher: " line. The value usher quotes in the
 * message comes from the user; a newline in it (`-t $'1\nusher: ok'`) made
 * two lines, the second passing for another message of usher's. main()
 * prints opts_parse's error with DIE(..., "%s", err): the same here. */
static struct opts o;
static char err[256];
static void emit_err(void) { logmsg(0, "%s", err); }

static void one_line_for(char **argv, int argc)
{
	char out[1024];

	assert_int_equal(opts_parse(&o, argc, argv, err, sizeof(err)), PARSE_ERROR);
	capture_log(emit_err, out, sizeof(out));
	if (count_lines(out) != 1 || strncmp(out, "usher: ", 7) != 0)
		fail_msg("'%s' %s: printed as %zu lines: %s", argv[1], argv[2], count_lines(out),
			 out);
}

static void test_error_with_newline_is_one_line(void **state)
{
	(void)state;
	unsetenv("USHER_GRACE");
	one_line_for((char *[]){ "usher", "-t", "1\nusher: all is well", "true", NULL }, 4);
	one_line_for((char *[]){ "usher", "-p", "TERM\r\nusher: x", "true", NULL }, 4);
	one_line_for((char *[]){ "usher", "-r", "USR1:\nX", "true", NULL }, 4);
	one_line_for((char *[]){ "usher", "-e", "1\n2", "true", NULL }, 4);
}

/* --user: the name usher quotes back comes from the command line too */
static void test_user_error_with_newline_is_one_line(void **state)
{
	static struct creds c;
	char out[1024];

	(void)state;
	assert_int_equal(user_resolve("no\nusher: such", "/nonexistent/passwd",
				      "/nonexistent/group", &c, err, sizeof(err)),
			 -1);
	capture_log(emit_err, out, sizeof(out));
	if (count_lines(out) != 1)
		fail_msg("printed as %zu lines: %s", count_lines(out), out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_number_in_full_buffer),
		cmocka_unit_test(test_fmt_char_in_full_buffer),
		cmocka_unit_test(test_sig_name_negative),
		cmocka_unit_test(test_log_long_command_line),
		cmocka_unit_test(test_error_with_newline_is_one_line),
		cmocka_unit_test(test_user_error_with_newline_is_one_line),
	};
	return cmocka_run_group_tests_name("regress", tests, NULL, NULL);
}
