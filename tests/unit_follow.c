/* tests/unit_follow.c: the --pidfile wait on the timeline (timeline_next in
 * PH_FOLLOW, shutdown.c): it ends at once when no child is left that could
 * write the pidfile (a daemon that died right after forking), and at the
 * end of the window otherwise. Times are plain numbers: no clock is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <stdlib.h>
#include <string.h>

#define S NSEC_PER_SEC
#define MS INT64_C(1000000)
#define T0 (INT64_C(1000) * S)

/* COMMAND exited 0 at T0 with --pidfile; the window is `window` long */
static struct timeline following(int64_t window)
{
	struct timeline t;

	memset(&t, 0, sizeof(t));
	t.phase = PH_FOLLOW;
	t.grace = 10 * S;
	t.hook_timeout = -1;
	t.t0 = t.kill_at = t.hook_until = -1;
	t.follow = true;
	t.others_left = true;
	t.follow_until = T0 + window;
	t.follow_next = T0 + 40 * MS;
	return t;
}

static void test_waits_while_a_child_lives(void **state)
{
	struct timeline t = following(5 * S);
	int64_t wake;

	(void)state;
	assert_int_equal(timeline_next(&t, T0, &wake), ACT_NONE);
	assert_int_equal(wake, T0 + 40 * MS);
	assert_int_equal(timeline_next(&t, T0 + 40 * MS, &wake), ACT_FOLLOW_POLL);
	assert_int_equal(timeline_next(&t, T0 + 5 * S, &wake), ACT_FOLLOW_FAIL);
}

/* redis that cannot bind: its last process is reaped, nothing can write
 * the file any more: fail now, not at the end of the window */
static void test_no_child_left_ends_the_wait(void **state)
{
	struct timeline t = following(5 * S);
	int64_t wake;

	(void)state;
	t.others_left = false;
	assert_int_equal(timeline_next(&t, T0, &wake), ACT_FOLLOW_FAIL);
	assert_int_equal(timeline_next(&t, T0 + 10 * MS, &wake), ACT_FOLLOW_FAIL);
}

/* --pidfile-timeout sets the window; 0 fails at the first look (which
 * shutdown.c makes one last read of the file) */
static void test_window(void **state)
{
	struct timeline t = following(30 * S);
	int64_t wake;

	(void)state;
	assert_int_equal(timeline_next(&t, T0 + 29 * S, &wake), ACT_FOLLOW_POLL);
	t.follow_next = T0 + 29500 * MS;
	assert_int_equal(timeline_next(&t, T0 + 29 * S, &wake), ACT_NONE);
	assert_int_equal(wake, T0 + 29500 * MS);
	assert_int_equal(timeline_next(&t, T0 + 30 * S, &wake), ACT_FOLLOW_FAIL);
	t = following(0);
	assert_int_equal(timeline_next(&t, T0, &wake), ACT_FOLLOW_FAIL);
}

/* the option and its variable */
static void test_option(void **state)
{
	struct opts o;
	char err[256];
	char *a1[] = { "usher", "--pidfile-timeout", "2.5", "-P", "f", "cmd", NULL };
	char *a2[] = { "usher", "-P", "f", "cmd", NULL };
	char *a3[] = { "usher", "--pidfile-timeout=x", "cmd", NULL };

	(void)state;
	unsetenv("USHER_PIDFILE_TIMEOUT");
	assert_int_equal(opts_parse(&o, 6, a1, err, sizeof(err)), PARSE_RUN);
	assert_int_equal(o.pidfile_timeout_ns, 2500 * MS);
	assert_int_equal(opts_parse(&o, 4, a2, err, sizeof(err)), PARSE_RUN);
	assert_int_equal(o.pidfile_timeout_ns, 5 * S);
	setenv("USHER_PIDFILE_TIMEOUT", "0", 1);
	assert_int_equal(opts_parse(&o, 4, a2, err, sizeof(err)), PARSE_RUN);
	assert_int_equal(o.pidfile_timeout_ns, 0);
	assert_int_equal(opts_parse(&o, 6, a1, err, sizeof(err)), PARSE_RUN);
	assert_int_equal(o.pidfile_timeout_ns, 2500 * MS); /* the command line wins */
	unsetenv("USHER_PIDFILE_TIMEOUT");
	assert_int_equal(opts_parse(&o, 3, a3, err, sizeof(err)), PARSE_ERROR);
	assert_string_equal(err, "--pidfile-timeout: invalid duration 'x' (want seconds, e.g. 10 or 2.5)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waits_while_a_child_lives),
		cmocka_unit_test(test_no_child_left_ends_the_wait),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_option),
	};
	return cmocka_run_group_tests_name("follow", tests, NULL, NULL);
}
