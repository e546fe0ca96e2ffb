/* tests/unit_version.c: the --version line (version_line) against the rule
 * dockerd applies to an init's `--version` for `docker info`: split the
 * output at " - ", the second part trimmed and split at "." must be
 * exactly "git" and the commit; otherwise dockerd logs "failed to
 * retrieve docker-init version: unknown output format" at every
 * `docker info` and shows "N/A". Written from that rule, not from
 * dockerd's source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <stdio.h>
#include <string.h>

/* The commit dockerd would find in out, or "" when it finds none. */
static const char *docker_commit(const char *out, char *commit, size_t len)
{
	const char *sep = strstr(out, " - ");

	commit[0] = '\0';
	if (!sep)
		return commit;
	const char *p = sep + 3, *end = strstr(p, " - ");
	if (!end)
		end = p + strlen(p);
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\t'))
		end--;
	/* exactly two dot-separated parts, the first "git" */
	if ((size_t)(end - p) < 5 || strncmp(p, "git.", 4) != 0 ||
	    memchr(p + 4, '.', (size_t)(end - p - 4)))
		return commit;
	snprintf(commit, len, "%.*s", (int)(end - p - 4), p + 4);
	return commit;
}

static void test_format(void **state)
{
	char buf[128], c[64];

	(void)state;
	assert_int_equal(version_line(buf, sizeof(buf), "abc1234"),
			 strlen("usher " USHER_VERSION " - git.abc1234\n"));
	assert_string_equal(buf, "usher " USHER_VERSION " - git.abc1234\n");
	assert_string_equal(docker_commit(buf, c, sizeof(c)), "abc1234");
	version_line(buf, sizeof(buf), "abc1234-dirty");
	assert_string_equal(buf, "usher " USHER_VERSION " - git.abc1234-dirty\n");
	assert_string_equal(docker_commit(buf, c, sizeof(c)), "abc1234-dirty");
}

/* Built outside git: still a commit dockerd accepts. */
static void test_unknown(void **state)
{
	static const char *const bad[] = {
		"", "a.b", "abc 123", "abc - def", "x\n", "v1.0", "ab/cd", "\"q\"",
		"0123456789012345678901234567890123456789x",
	};
	char buf[128], c[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		version_line(buf, sizeof(buf), bad[i]);
		assert_string_equal(buf, "usher " USHER_VERSION " - git.unknown\n");
	}
	version_line(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "usher " USHER_VERSION " - git.unknown\n");
	assert_string_equal(docker_commit(buf, c, sizeof(c)), "unknown");
	/* what the build passes by default outside git */
	version_line(buf, sizeof(buf), USHER_COMMIT);
	assert_true(docker_commit(buf, c, sizeof(c))[0] != '\0');
}

/* The rule itself: the old "usher 0.1.0" gave dockerd nothing. */
static void test_rule(void **state)
{
	char c[64];

	(void)state;
	assert_string_equal(docker_commit("usher 0.1.0\n", c, sizeof(c)), "");
	assert_string_equal(docker_commit("tini version 0.19.0 - git.de40ad0\n", c, sizeof(c)),
			    "de40ad0");
	assert_string_equal(docker_commit("x - git.a.b\n", c, sizeof(c)), "");
	assert_string_equal(docker_commit("x - got.abc\n", c, sizeof(c)), "");
}

/* A short buffer is cut, never overrun. */
static void test_short_buffer(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	version_line(buf, 6, "abc1234");
	assert_string_equal(buf, "usher");
	assert_int_equal(buf[6], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_short_buffer),
	};
	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
