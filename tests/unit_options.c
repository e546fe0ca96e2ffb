/* tests/unit_options.c: the command line and the USHER_* environment
 * (opts_parse), and the value parsers it is built on (parse_duration,
 * parse_bool). Every test starts from an environment without USHER_*. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* ---- fixtures ------------------------------------------------------------ */

static struct opts o; /* ~1.7 KiB: keep it off the stack */
static char err[256];

/* Unset every USHER_* variable: the tests may run under make check, or
 * inside a container started by usher, where some could be set. */
static int clear_env(void **state)
{
	char name[128];

	(void)state;
	for (;;) {
		char **e = environ;
		while (*e && strncmp(*e, "USHER_", 6) != 0)
			e++;
		if (!*e)
			break;
		size_t len = strcspn(*e, "=");
		if (len >= sizeof(name))
			return -1;
		memcpy(name, *e, len);
		name[len] = '\0';
		if (unsetenv(name) != 0)
			return -1;
	}
	return 0;
}

/* Parse a NULL-terminated argument list (without argv[0]). */
#define PARSE(...) parse_list((char *[]){ "usher", __VA_ARGS__, NULL })
#define PARSE0() parse_list((char *[]){ "usher", NULL })

static enum parse_result parse_list(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(err, 0, sizeof(err));
	return opts_parse(&o, argc, argv, err, sizeof(err));
}

/* An error is one line, without the "usher: " prefix that logmsg adds. */
static void assert_error_line(void)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	assert_true(strncmp(err, "usher: ", 7) != 0);
}

#define assert_contains(hay, needle)                                           \
	do {                                                                   \
		if (!strstr((hay), (needle)))                                  \
			fail_msg("'%s' does not contain '%s'", (hay), (needle)); \
	} while (0)

#define assert_parse_error(needle)                                             \
	do {                                                                   \
		assert_error_line();                                           \
		assert_contains(err, (needle));                                \
	} while (0)

static bool success_has(int code)
{
	return (o.success[code / 8] >> (code % 8)) & 1;
}

static int success_count(void)
{
	int n = 0;
	for (int c = 0; c < 256; c++)
		n += success_has(c);
	return n;
}

/* ---- parse_duration -------------------------------------------------------- */

static void test_duration_valid(void **state)
{
	(void)state;
	assert_int_equal(parse_duration("10"), 10 * NSEC_PER_SEC);
	assert_int_equal(parse_duration("2.5"), 2500000000);
	assert_int_equal(parse_duration("0.25"), 250000000);
	assert_int_equal(parse_duration("0.001"), 1000000);
	assert_int_equal(parse_duration("0"), 0);
	assert_int_equal(parse_duration("0.0"), 0);
	assert_int_equal(parse_duration("007"), 7 * NSEC_PER_SEC);
	/* nine decimals: a nanosecond is the resolution */
	assert_int_equal(parse_duration("0.000000001"), 1);
	assert_int_equal(parse_duration("1.123456789"), 1123456789);
	/* the largest accepted value: a million seconds */
	assert_int_equal(parse_duration("1000000"), 1000000 * NSEC_PER_SEC);
}

static void test_duration_invalid(void **state)
{
	(void)state;
	/* a number must start with a digit and not end with the point */
	assert_int_equal(parse_duration(".5"), -1);
	assert_int_equal(parse_duration("5."), -1);
	assert_int_equal(parse_duration("."), -1);
	/* signs, exponents, units and blanks are typos, not values */
	assert_int_equal(parse_duration("-1"), -1);
	assert_int_equal(parse_duration("+1"), -1);
	assert_int_equal(parse_duration("1e3"), -1);
	assert_int_equal(parse_duration("10s"), -1);
	assert_int_equal(parse_duration("10ms"), -1);
	assert_int_equal(parse_duration(" 10"), -1);
	assert_int_equal(parse_duration("10 "), -1);
	assert_int_equal(parse_duration("1.2.3"), -1);
	assert_int_equal(parse_duration("1,5"), -1);
	assert_int_equal(parse_duration("0x10"), -1);
	assert_int_equal(parse_duration("inf"), -1);
	assert_int_equal(parse_duration("nan"), -1);
	assert_int_equal(parse_duration(""), -1);
	assert_int_equal(parse_duration(NULL), -1);
	/* more precision than a nanosecond is refused, not rounded */
	assert_int_equal(parse_duration("0.0000000001"), -1);
}

static void test_duration_huge(void **state)
{
	(void)state;
	/* beyond a million seconds, and far beyond int64: no overflow */
	assert_int_equal(parse_duration("1000001"), -1);
	assert_int_equal(parse_duration("9223372036854775807"), -1);
	assert_int_equal(parse_duration("99999999999999999999999999999999"), -1);
	assert_int_equal(parse_duration("18446744073709551616.5"), -1);
}

/* ---- parse_bool ------------------------------------------------------------ */

static void test_bool(void **state)
{
	static const char *const yes[] = { "1", "true", "yes", "on", "TRUE",
					   "Yes", "ON", "tRuE" };
	static const char *const no[] = { "0", "false", "no", "off", "",
					  "FALSE", "No", "OFF" };
	static const char *const bad[] = { "2", "y", "n", "t", "f", "truee",
					   " 1", "1 ", "-1", "enable", "none" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_int_equal(parse_bool(yes[i]), 1);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(parse_bool(no[i]), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_bool(bad[i]), -1);
}

/* ---- defaults and basic shapes -------------------------------------------- */

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_non_null(o.argv);
	assert_string_equal(o.argv[0], "cmd");
	assert_null(o.argv[1]);
	assert_false(o.pgroup);
	for (int s = 0; s <= SIG_LAST; s++)
		assert_int_equal(o.rewrite[s], s);
	assert_int_equal(success_count(), 0);
	assert_int_equal(o.pdeathsig, 0);
	assert_int_equal(o.verbosity, L_WARN);
	assert_int_equal(o.grace_ns, 10 * NSEC_PER_SEC);
	assert_int_equal(o.hook_timeout_ns, -1);
	assert_null(o.hook_argv);
	assert_null(o.user);
	assert_false(o.no_new_privs);
	assert_null(o.pidfile);
}

static void test_command_args_kept(void **state)
{
	(void)state;
	assert_int_equal(PARSE("sh", "-c", "exit 3"), PARSE_RUN);
	assert_string_equal(o.argv[0], "sh");
	assert_string_equal(o.argv[1], "-c");
	assert_string_equal(o.argv[2], "exit 3");
	assert_null(o.argv[3]);
}

/* Leftovers from an earlier call must not leak into the next one, even
 * after an error in the middle of a cluster like "-xg". */
static void test_reparse_resets(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-g", "-t", "3", "-e", "7", "cmd"), PARSE_RUN);
	assert_true(o.pgroup);
	assert_int_equal(PARSE("-xg", "cmd"), PARSE_ERROR);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_false(o.pgroup);
	assert_int_equal(o.grace_ns, 10 * NSEC_PER_SEC);
	assert_int_equal(success_count(), 0);
	assert_string_equal(o.argv[0], "cmd");
}

/* ---- each option ----------------------------------------------------------- */

static void test_pgroup(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-g", "cmd"), PARSE_RUN);
	assert_true(o.pgroup);
	assert_int_equal(PARSE("--pgroup", "cmd"), PARSE_RUN);
	assert_true(o.pgroup);
	/* getopt_long takes unambiguous prefixes */
	assert_int_equal(PARSE("--pg", "cmd"), PARSE_RUN);
	assert_true(o.pgroup);
}

static void test_rewrite(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-r", "TERM:QUIT", "cmd"), PARSE_RUN);
	assert_int_equal(o.rewrite[SIGTERM], SIGQUIT);
	assert_int_equal(o.rewrite[SIGINT], SIGINT);

	assert_int_equal(PARSE("--rewrite=TERM:QUIT,USR1:0", "cmd"), PARSE_RUN);
	assert_int_equal(o.rewrite[SIGTERM], SIGQUIT);
	assert_int_equal(o.rewrite[SIGUSR1], 0);

	assert_int_equal(PARSE("--rewrite", "INT:TERM", "cmd"), PARSE_RUN);
	assert_int_equal(o.rewrite[SIGINT], SIGTERM);

	/* "may be given more than once": both apply */
	assert_int_equal(PARSE("-r", "TERM:QUIT", "-r", "USR1:0", "-rHUP:RTMIN+2",
			       "cmd"),
			 PARSE_RUN);
	assert_int_equal(o.rewrite[SIGTERM], SIGQUIT);
	assert_int_equal(o.rewrite[SIGUSR1], 0);
	assert_int_equal(o.rewrite[SIGHUP], SIG_RTMIN + 2);
}

static void test_success_exit(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-e", "143", "cmd"), PARSE_RUN);
	assert_true(success_has(143));
	assert_int_equal(success_count(), 1);

	assert_int_equal(PARSE("--success-exit", "0,143", "cmd"), PARSE_RUN);
	assert_true(success_has(0));
	assert_true(success_has(143));
	assert_int_equal(success_count(), 2);

	assert_int_equal(PARSE("-e", "1", "--success-exit=2", "-e255", "cmd"),
			 PARSE_RUN);
	assert_true(success_has(1));
	assert_true(success_has(2));
	assert_true(success_has(255));
	assert_int_equal(success_count(), 3);
}

static void test_success_exit_invalid(void **state)
{
	static const char *const bad[] = { "256", "-1", "", "1,", ",1", "1,,2",
					   "abc", "1 ", " 1", "0x1", "1000",
					   "143;0" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char v[32];
		snprintf(v, sizeof(v), "--success-exit=%s", bad[i]);
		assert_int_equal(PARSE(v, "cmd"), PARSE_ERROR);
		assert_parse_error("--success-exit");
		assert_int_equal(PARSE("-e", (char *)bad[i], "cmd"), PARSE_ERROR);
		assert_error_line();
	}
}

static void test_pdeathsig(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-p", "TERM", "cmd"), PARSE_RUN);
	assert_int_equal(o.pdeathsig, SIGTERM);
	assert_int_equal(PARSE("--pdeathsig=sigusr1", "cmd"), PARSE_RUN);
	assert_int_equal(o.pdeathsig, SIGUSR1);
	assert_int_equal(PARSE("-p", "RTMIN+3", "cmd"), PARSE_RUN);
	assert_int_equal(o.pdeathsig, SIG_RTMIN + 3);
	assert_int_equal(PARSE("-p1", "cmd"), PARSE_RUN);
	assert_int_equal(o.pdeathsig, SIGHUP);
}

static void test_pdeathsig_invalid(void **state)
{
	/* KILL, STOP and the faults are refused (usher(8)); the rest is not
	 * a signal at all */
	static const char *const bad[] = { "KILL", "SIGKILL", "9", "STOP", "19",
					   "SEGV", "BUS", "ILL", "FPE", "TRAP",
					   "SYS", "ABRT", "IOT", "0", "65",
					   "NOPE", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char v[32];
		snprintf(v, sizeof(v), "--pdeathsig=%s", bad[i]);
		assert_int_equal(PARSE(v, "cmd"), PARSE_ERROR);
		assert_parse_error("--pdeathsig");
	}
}

static void test_grace(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-t", "2.5", "cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 2500000000);
	assert_int_equal(PARSE("--grace", "30", "cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 30 * NSEC_PER_SEC);
	assert_int_equal(PARSE("--grace=0.5", "cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 500000000);
	assert_int_equal(PARSE("-t5", "cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 5 * NSEC_PER_SEC);
	assert_int_equal(PARSE("-t", "0", "cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 0);
	/* the last one given wins */
	assert_int_equal(PARSE("-t", "1", "-t", "2", "cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 2 * NSEC_PER_SEC);
}

static void test_grace_invalid(void **state)
{
	static const char *const bad[] = { "abc", "-1", "1e3", "10s", "", ".5",
					   "5.", "1000001" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char v[32];
		snprintf(v, sizeof(v), "--grace=%s", bad[i]);
		assert_int_equal(PARSE(v, "cmd"), PARSE_ERROR);
		assert_parse_error("--grace");
		assert_contains(err, bad[i]); /* the value is quoted back */
	}
}

static void test_hook(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-H", "/bin/drain --fast  now", "cmd"), PARSE_RUN);
	assert_non_null(o.hook_argv);
	assert_string_equal(o.hook_argv[0], "/bin/drain");
	assert_string_equal(o.hook_argv[1], "--fast");
	assert_string_equal(o.hook_argv[2], "now");
	assert_null(o.hook_argv[3]);
	/* the words live inside the struct, not in argv */
	assert_true((char *)o.hook_argv[0] >= o.hook_store &&
		    (char *)o.hook_argv[0] < o.hook_store + sizeof(o.hook_store));

	assert_int_equal(PARSE("--stop-hook=drain", "cmd"), PARSE_RUN);
	assert_string_equal(o.hook_argv[0], "drain");
	assert_null(o.hook_argv[1]);

	assert_int_equal(PARSE("--hook-timeout", "3", "cmd"), PARSE_RUN);
	assert_int_equal(o.hook_timeout_ns, 3 * NSEC_PER_SEC);
	assert_null(o.hook_argv);
	assert_int_equal(PARSE("--hook-timeout=0.25", "cmd"), PARSE_RUN);
	assert_int_equal(o.hook_timeout_ns, 250000000);
}

static void test_hook_invalid(void **state)
{
	static char long_hook[2000];
	static char many_words[256];

	(void)state;
	assert_int_equal(PARSE("--stop-hook=", "cmd"), PARSE_ERROR);
	assert_parse_error("--stop-hook");
	assert_int_equal(PARSE("--stop-hook=  \t ", "cmd"), PARSE_ERROR);
	assert_parse_error("--stop-hook");

	memset(long_hook, 'x', sizeof(long_hook) - 1);
	assert_int_equal(PARSE("-H", long_hook, "cmd"), PARSE_ERROR);
	assert_error_line();

	/* 64 words do not fit 63 slots and the NULL */
	many_words[0] = '\0';
	for (int i = 0; i < 64; i++)
		strcat(many_words, "a ");
	assert_int_equal(PARSE("-H", many_words, "cmd"), PARSE_ERROR);
	assert_error_line();
	/* 63 do */
	many_words[strlen(many_words) - 2] = '\0';
	assert_int_equal(PARSE("-H", many_words, "cmd"), PARSE_RUN);
	assert_null(o.hook_argv[63]);
	assert_string_equal(o.hook_argv[62], "a");

	assert_int_equal(PARSE("--hook-timeout=soon", "cmd"), PARSE_ERROR);
	assert_parse_error("--hook-timeout");
	assert_int_equal(PARSE("--hook-timeout=-1", "cmd"), PARSE_ERROR);
	assert_parse_error("--hook-timeout");
}

static void test_user_nnp_pidfile(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-u", "nobody", "cmd"), PARSE_RUN);
	assert_string_equal(o.user, "nobody");
	assert_int_equal(PARSE("--user=1000:1000", "cmd"), PARSE_RUN);
	assert_string_equal(o.user, "1000:1000");
	assert_int_equal(PARSE("--no-new-privs", "cmd"), PARSE_RUN);
	assert_true(o.no_new_privs);
	assert_int_equal(PARSE("-P", "/run/d.pid", "cmd"), PARSE_RUN);
	assert_string_equal(o.pidfile, "/run/d.pid");
	assert_int_equal(PARSE("--pidfile=rel.pid", "cmd"), PARSE_RUN);
	assert_string_equal(o.pidfile, "rel.pid");

	assert_int_equal(PARSE("--user=", "cmd"), PARSE_ERROR);
	assert_parse_error("--user");
	assert_int_equal(PARSE("--pidfile=", "cmd"), PARSE_ERROR);
	assert_parse_error("--pidfile");
}

static void test_verbosity(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-v", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_INFO);
	assert_int_equal(PARSE("-vv", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_DEBUG);
	assert_int_equal(PARSE("--verbose", "--verbose", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_DEBUG);
	/* more than the levels there are is still the most */
	assert_int_equal(PARSE("-vvvvv", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_DEBUG);
	assert_int_equal(PARSE("-q", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_ERR);
	assert_int_equal(PARSE("--quiet", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_ERR);
	/* the later one wins */
	assert_int_equal(PARSE("-vv", "-q", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_ERR);
}

static void test_clustered_short_options(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-gvt", "3", "cmd"), PARSE_RUN);
	assert_true(o.pgroup);
	assert_int_equal(o.verbosity, L_INFO);
	assert_int_equal(o.grace_ns, 3 * NSEC_PER_SEC);
	assert_int_equal(PARSE("-gpTERM", "cmd"), PARSE_RUN);
	assert_true(o.pgroup);
	assert_int_equal(o.pdeathsig, SIGTERM);
}

static void test_help_version(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-h"), PARSE_HELP);
	assert_int_equal(PARSE("--help"), PARSE_HELP);
	assert_int_equal(PARSE("-h", "cmd"), PARSE_HELP);
	assert_int_equal(PARSE("-g", "--help", "cmd"), PARSE_HELP);
	assert_int_equal(PARSE("-V"), PARSE_VERSION);
	assert_int_equal(PARSE("--version"), PARSE_VERSION);
	assert_int_equal(PARSE("-gV"), PARSE_VERSION);
	assert_string_equal(USHER_VERSION, "0.2.0"); /* what -V prints */
	/* after the command they belong to the command */
	assert_int_equal(PARSE("cmd", "-h"), PARSE_RUN);
	assert_string_equal(o.argv[1], "-h");
	assert_int_equal(PARSE("cmd", "--version"), PARSE_RUN);
	assert_string_equal(o.argv[1], "--version");
	/* help text names every option */
	static const char *const names[] = {
		"--pgroup", "--rewrite", "--success-exit", "--pdeathsig",
		"--grace", "--stop-hook", "--hook-timeout", "--user",
		"--no-new-privs", "--pidfile", "--verbose", "--quiet", "--help",
		"--version",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_contains(usage_text, names[i]);
}

/* ---- where options end ------------------------------------------------------ */

static void test_no_permutation(void **state)
{
	(void)state;
	/* `usher nginx -g 'daemon off;'`: -g belongs to nginx */
	assert_int_equal(PARSE("nginx", "-g", "daemon off;"), PARSE_RUN);
	assert_false(o.pgroup);
	assert_string_equal(o.argv[0], "nginx");
	assert_string_equal(o.argv[1], "-g");
	assert_string_equal(o.argv[2], "daemon off;");
	assert_null(o.argv[3]);

	assert_int_equal(PARSE("-v", "cmd", "-q", "-t", "1", "--", "x"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_INFO);
	assert_int_equal(o.grace_ns, 10 * NSEC_PER_SEC);
	assert_string_equal(o.argv[1], "-q");
	assert_string_equal(o.argv[4], "--");

	/* a lone "-" is not an option */
	assert_int_equal(PARSE("-", "-g"), PARSE_RUN);
	assert_string_equal(o.argv[0], "-");
	assert_false(o.pgroup);
}

static void test_double_dash(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--", "-g"), PARSE_RUN);
	assert_false(o.pgroup);
	assert_string_equal(o.argv[0], "-g");
	assert_null(o.argv[1]);

	assert_int_equal(PARSE("-g", "--", "cmd", "-v"), PARSE_RUN);
	assert_true(o.pgroup);
	assert_int_equal(o.verbosity, L_WARN);
	assert_string_equal(o.argv[0], "cmd");
	assert_string_equal(o.argv[1], "-v");

	/* only the first "--" is ours */
	assert_int_equal(PARSE("--", "--", "x"), PARSE_RUN);
	assert_string_equal(o.argv[0], "--");
	assert_string_equal(o.argv[1], "x");

	/* an option value that looks like "--" is a value */
	assert_int_equal(PARSE("-H", "--", "cmd"), PARSE_RUN);
	assert_string_equal(o.hook_argv[0], "--");
	assert_string_equal(o.argv[0], "cmd");
}

static void test_missing_command(void **state)
{
	(void)state;
	assert_int_equal(PARSE0(), PARSE_ERROR);
	assert_parse_error("COMMAND");
	assert_int_equal(PARSE("-g"), PARSE_ERROR);
	assert_parse_error("COMMAND");
	assert_int_equal(PARSE("--"), PARSE_ERROR);
	assert_parse_error("COMMAND");
	assert_int_equal(PARSE("-g", "-t", "1", "--"), PARSE_ERROR);
	assert_parse_error("COMMAND");
}

/* ---- usage errors ----------------------------------------------------------- */

static void test_unknown_options(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-x", "cmd"), PARSE_ERROR);
	assert_parse_error("-x");
	assert_int_equal(PARSE("-gx", "cmd"), PARSE_ERROR);
	assert_parse_error("x");
	assert_int_equal(PARSE("--bogus", "cmd"), PARSE_ERROR);
	assert_parse_error("--bogus");
	assert_int_equal(PARSE("--bogus=1", "cmd"), PARSE_ERROR);
	assert_parse_error("--bogus");
	/* ambiguous prefix: --p is pgroup, pdeathsig or pidfile */
	assert_int_equal(PARSE("--p", "cmd"), PARSE_ERROR);
	assert_parse_error("--p");
	/* the option after an unknown one is not looked at */
	assert_int_equal(PARSE("-x", "-h"), PARSE_ERROR);
}

/* A flag given a value is a usage error that names the flag as spelt. */
static void test_flag_with_value(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--pgroup=1", "cmd"), PARSE_ERROR);
	assert_parse_error("--pgroup");
	assert_int_equal(PARSE("--no-new-privs=1", "cmd"), PARSE_ERROR);
	assert_parse_error("--no-new-privs");
	assert_int_equal(PARSE("--verbose=2", "cmd"), PARSE_ERROR);
	assert_parse_error("--verbose");
}

static void test_missing_value(void **state)
{
	static const char *const opts_with_value[] = {
		"-r", "-e", "-p", "-t", "-H", "-u", "-P", "--rewrite",
		"--success-exit", "--pdeathsig", "--grace", "--stop-hook",
		"--hook-timeout", "--user", "--pidfile",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(opts_with_value) / sizeof(opts_with_value[0]);
	     i++) {
		char quoted[40];
		assert_int_equal(PARSE((char *)opts_with_value[i]), PARSE_ERROR);
		assert_parse_error("value");
		snprintf(quoted, sizeof(quoted), "'%s'", opts_with_value[i]);
		assert_contains(err, quoted);
	}
}

/* The error for a bad value names the option however it was spelt:
 * "-t abc", "-tabc", "--grace abc" and "--grace=abc". */
static void test_bad_value_names_option(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-tabc", "cmd"), PARSE_ERROR);
	assert_parse_error("-t");
	assert_int_equal(PARSE("--grace=abc", "cmd"), PARSE_ERROR);
	assert_parse_error("--grace");
	assert_int_equal(PARSE("-t", "abc", "cmd"), PARSE_ERROR);
	assert_parse_error("-t");
	assert_int_equal(PARSE("--grace", "abc", "cmd"), PARSE_ERROR);
	assert_parse_error("--grace");
	assert_int_equal(PARSE("-e", "999", "cmd"), PARSE_ERROR);
	assert_parse_error("-e");
	assert_int_equal(PARSE("--pdeathsig", "NOPE", "cmd"), PARSE_ERROR);
	assert_parse_error("--pdeathsig");
	assert_int_equal(PARSE("-u", "", "cmd"), PARSE_ERROR);
	assert_parse_error("-u");
}

static void test_rewrite_invalid(void **state)
{
	static const char *const bad[] = {
		"", "TERM", "TERM:", ":QUIT", "TERM:QUIT,", ",TERM:QUIT",
		"TERM:BOGUS", "BOGUS:TERM", "KILL:TERM", "STOP:TERM",
		"CHLD:TERM", "SEGV:TERM", "TERM::QUIT", "65:TERM", "TERM:65",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE("-r", (char *)bad[i], "cmd"), PARSE_ERROR);
		assert_error_line();
	}
}

/* ---- the environment -------------------------------------------------------- */

static void test_env_pgroup(void **state)
{
	static const char *const yes[] = { "1", "true", "YES", "on" };
	static const char *const no[] = { "0", "false", "No", "OFF", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		setenv("USHER_PGROUP", yes[i], 1);
		assert_int_equal(PARSE("cmd"), PARSE_RUN);
		assert_true(o.pgroup);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		setenv("USHER_PGROUP", no[i], 1);
		assert_int_equal(PARSE("cmd"), PARSE_RUN);
		assert_false(o.pgroup);
	}
	setenv("USHER_PGROUP", "maybe", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_PGROUP");
	assert_contains(err, "maybe");
}

static void test_env_no_new_privs(void **state)
{
	(void)state;
	setenv("USHER_NO_NEW_PRIVS", "1", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(o.no_new_privs);
	setenv("USHER_NO_NEW_PRIVS", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_false(o.no_new_privs);
	setenv("USHER_NO_NEW_PRIVS", "off", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_false(o.no_new_privs);
	setenv("USHER_NO_NEW_PRIVS", "2", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_NO_NEW_PRIVS");
}

static void test_env_rewrite(void **state)
{
	(void)state;
	setenv("USHER_REWRITE", "TERM:QUIT,USR1:0", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.rewrite[SIGTERM], SIGQUIT);
	assert_int_equal(o.rewrite[SIGUSR1], 0);
	assert_int_equal(o.rewrite[SIGUSR2], SIGUSR2);
	setenv("USHER_REWRITE", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.rewrite[SIGTERM], SIGTERM);
}

static void test_env_rewrite_invalid(void **state)
{
	static const char *const bad[] = { "TERM", "TERM:BOGUS", "KILL:TERM",
					   "TERM:QUIT,", "  " };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("USHER_REWRITE", bad[i], 1);
		assert_int_equal(PARSE("cmd"), PARSE_ERROR);
		assert_parse_error("USHER_REWRITE");
	}
}

static void test_env_success_exit(void **state)
{
	(void)state;
	setenv("USHER_SUCCESS_EXIT", "0,143", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(success_has(0));
	assert_true(success_has(143));
	assert_int_equal(success_count(), 2);
	setenv("USHER_SUCCESS_EXIT", "143", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(success_has(143));
	assert_int_equal(success_count(), 1);
	setenv("USHER_SUCCESS_EXIT", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(success_count(), 0);

	static const char *const bad[] = { "256", "-1", "1,", "x", "143 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("USHER_SUCCESS_EXIT", bad[i], 1);
		assert_int_equal(PARSE("cmd"), PARSE_ERROR);
		assert_parse_error("USHER_SUCCESS_EXIT");
	}
}

static void test_env_pdeathsig(void **state)
{
	(void)state;
	setenv("USHER_PDEATHSIG", "SIGTERM", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.pdeathsig, SIGTERM);
	setenv("USHER_PDEATHSIG", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.pdeathsig, 0);
	setenv("USHER_PDEATHSIG", "KILL", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_PDEATHSIG");
	setenv("USHER_PDEATHSIG", "TERMINATE", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_PDEATHSIG");
}

static void test_env_verbose(void **state)
{
	(void)state;
	static const struct {
		const char *val;
		int level;
	} ok[] = { { "0", L_WARN }, { "1", L_INFO }, { "2", L_DEBUG },
		   { "9", L_DEBUG }, { "", L_WARN } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		setenv("USHER_VERBOSE", ok[i].val, 1);
		assert_int_equal(PARSE("cmd"), PARSE_RUN);
		assert_int_equal(o.verbosity, ok[i].level);
	}
	static const char *const bad[] = { "x", "10", "-1", " 1", "1 ", "true" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("USHER_VERBOSE", bad[i], 1);
		assert_int_equal(PARSE("cmd"), PARSE_ERROR);
		assert_parse_error("USHER_VERBOSE");
	}
}

static void test_env_durations(void **state)
{
	(void)state;
	setenv("USHER_GRACE", "2.5", 1);
	setenv("USHER_HOOK_TIMEOUT", "1", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 2500000000);
	assert_int_equal(o.hook_timeout_ns, NSEC_PER_SEC);

	setenv("USHER_GRACE", "", 1);
	setenv("USHER_HOOK_TIMEOUT", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, 10 * NSEC_PER_SEC);
	assert_int_equal(o.hook_timeout_ns, -1);

	setenv("USHER_GRACE", "10s", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_GRACE");
	assert_contains(err, "10s");
	unsetenv("USHER_GRACE");
	setenv("USHER_HOOK_TIMEOUT", "-3", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_HOOK_TIMEOUT");
}

static void test_env_hook(void **state)
{
	(void)state;
	setenv("USHER_STOP_HOOK", "/drain.sh\t--now", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_non_null(o.hook_argv);
	assert_string_equal(o.hook_argv[0], "/drain.sh");
	assert_string_equal(o.hook_argv[1], "--now");
	assert_null(o.hook_argv[2]);
	setenv("USHER_STOP_HOOK", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_null(o.hook_argv);
	setenv("USHER_STOP_HOOK", "   ", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_STOP_HOOK");
}

static void test_env_user_pidfile(void **state)
{
	(void)state;
	setenv("USHER_USER", "app:app", 1);
	setenv("USHER_PIDFILE", "/run/app.pid", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_string_equal(o.user, "app:app");
	assert_string_equal(o.pidfile, "/run/app.pid");
	setenv("USHER_USER", "", 1);
	setenv("USHER_PIDFILE", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_null(o.user);
	assert_null(o.pidfile);
}

/* Variables of other programs that merely share the prefix are none of
 * usher's business. */
static void test_env_unknown_ignored(void **state)
{
	(void)state;
	setenv("USHER_CHILD_PID", "12", 1);
	setenv("USHER_NOPE", "x", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
}

/* The command line wins over the environment, setting by setting; a bad
 * variable whose setting the command line gave is not even looked at. */
static void test_cmdline_wins(void **state)
{
	(void)state;
	setenv("USHER_PGROUP", "0", 1);
	setenv("USHER_REWRITE", "TERM:INT", 1);
	setenv("USHER_PDEATHSIG", "HUP", 1);
	setenv("USHER_VERBOSE", "2", 1);
	setenv("USHER_GRACE", "30", 1);
	setenv("USHER_STOP_HOOK", "env-hook", 1);
	setenv("USHER_HOOK_TIMEOUT", "7", 1);
	setenv("USHER_USER", "envuser", 1);
	setenv("USHER_NO_NEW_PRIVS", "0", 1);
	setenv("USHER_PIDFILE", "/env.pid", 1);
	assert_int_equal(PARSE("-g", "-r", "TERM:QUIT", "-p", "USR2", "-v", "-t", "3",
			       "-H", "cli-hook", "--hook-timeout", "1", "-u",
			       "cliuser", "--no-new-privs", "-P", "/cli.pid", "cmd"),
			 PARSE_RUN);
	assert_true(o.pgroup);
	assert_int_equal(o.rewrite[SIGTERM], SIGQUIT);
	assert_int_equal(o.pdeathsig, SIGUSR2);
	assert_int_equal(o.verbosity, L_INFO);
	assert_int_equal(o.grace_ns, 3 * NSEC_PER_SEC);
	assert_string_equal(o.hook_argv[0], "cli-hook");
	assert_int_equal(o.hook_timeout_ns, NSEC_PER_SEC);
	assert_string_equal(o.user, "cliuser");
	assert_true(o.no_new_privs);
	assert_string_equal(o.pidfile, "/cli.pid");

	/* -q is a verbosity setting too */
	assert_int_equal(PARSE("-q", "cmd"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_ERR);

	/* without the options, the environment applies */
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_false(o.pgroup);
	assert_int_equal(o.rewrite[SIGTERM], SIGINT);
	assert_int_equal(o.pdeathsig, SIGHUP);
	assert_int_equal(o.verbosity, L_DEBUG);
	assert_int_equal(o.grace_ns, 30 * NSEC_PER_SEC);
	assert_string_equal(o.hook_argv[0], "env-hook");
	assert_int_equal(o.hook_timeout_ns, 7 * NSEC_PER_SEC);
	assert_string_equal(o.user, "envuser");
	assert_false(o.no_new_privs);
	assert_string_equal(o.pidfile, "/env.pid");
}

static void test_cmdline_wins_over_bad_env(void **state)
{
	(void)state;
	setenv("USHER_GRACE", "soon", 1);
	setenv("USHER_PGROUP", "maybe", 1);
	setenv("USHER_SUCCESS_EXIT", "999", 1);
	assert_int_equal(PARSE("-t", "1", "-g", "-e", "3", "cmd"), PARSE_RUN);
	assert_int_equal(o.grace_ns, NSEC_PER_SEC);
	assert_true(o.pgroup);
	assert_true(success_has(3));
	assert_false(success_has(999 % 256));
}

/* Settings the command line does not give still come from the
 * environment, and options that end early (at COMMAND) do not hide it. */
static void test_env_and_cmdline_combine(void **state)
{
	(void)state;
	setenv("USHER_GRACE", "5", 1);
	setenv("USHER_PGROUP", "yes", 1);
	assert_int_equal(PARSE("-v", "cmd", "-t", "1"), PARSE_RUN);
	assert_int_equal(o.verbosity, L_INFO);
	assert_int_equal(o.grace_ns, 5 * NSEC_PER_SEC);
	assert_true(o.pgroup);
	assert_string_equal(o.argv[1], "-t");
}

/* A bad variable is an error even before COMMAND is checked: either way
 * it is one line and PARSE_ERROR. */
static void test_env_error_without_command(void **state)
{
	(void)state;
	setenv("USHER_GRACE", "x", 1);
	assert_int_equal(PARSE0(), PARSE_ERROR);
	assert_error_line();
}

/* ---- issue 11: stop signals, --hook-stops, --stop-delay -------------------- */

#define STOPS(a) (o.stop_set == (a))

static void test_stop_signal(void **state)
{
	(void)state;
	/* default: TERM and INT, nothing else (QUIT is a JVM's thread dump) */
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGTERM) | SIG_BIT(SIGINT)));
	/* given: replaces the default */
	assert_int_equal(PARSE("--stop-signal", "QUIT", "cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGQUIT)));
	/* repeatable: later ones add */
	assert_int_equal(PARSE("--stop-signal", "TERM", "--stop-signal=SIGQUIT", "cmd"),
			 PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGTERM) | SIG_BIT(SIGQUIT)));
	/* a list, numbers, real-time signals */
	assert_int_equal(PARSE("--stop-signal", "WINCH,3,RTMIN+2", "cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGWINCH) | SIG_BIT(SIGQUIT) | SIG_BIT(SIG_RTMIN + 2)));
	assert_int_equal(PARSE("--stop-signal", "RTMAX", "cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIG_LAST)));
	/* a reparse starts from the default again */
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGTERM) | SIG_BIT(SIGINT)));
}

static void test_stop_signal_invalid(void **state)
{
	static char *const bad[] = { "BOGUS", "", "TERM,", ",TERM", "KILL",
				     "STOP", "CHLD", "SEGV", "0", "65", "TERM,,INT" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (PARSE("--stop-signal", bad[i], "cmd") != PARSE_ERROR)
			fail_msg("--stop-signal '%s' accepted", bad[i]);
		assert_parse_error("--stop-signal");
	}
	assert_int_equal(PARSE("--stop-signal", "KILL", "cmd"), PARSE_ERROR);
	assert_parse_error("cannot be a stop signal");
	assert_int_equal(PARSE("--stop-signal"), PARSE_ERROR);
	assert_parse_error("needs a value");
}

static void test_env_stop_signal(void **state)
{
	(void)state;
	setenv("USHER_STOP_SIGNAL", "QUIT,TERM", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGQUIT) | SIG_BIT(SIGTERM)));
	/* the command line wins, and still replaces the default */
	assert_int_equal(PARSE("--stop-signal", "WINCH", "cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGWINCH)));
	/* empty is unset: the default */
	setenv("USHER_STOP_SIGNAL", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(STOPS(SIG_BIT(SIGTERM) | SIG_BIT(SIGINT)));
	setenv("USHER_STOP_SIGNAL", "TERM,BOGUS", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_STOP_SIGNAL");
}

static void test_hook_stops(void **state)
{
	(void)state;
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_false(o.hook_stops);
	assert_int_equal(PARSE("--hook-stops", "-H", "nginx -s quit", "cmd"), PARSE_RUN);
	assert_true(o.hook_stops);
	assert_int_equal(PARSE("--hook-stops=yes", "-H", "x", "cmd"), PARSE_ERROR);
	assert_parse_error("takes no value");
	/* nothing would stop COMMAND: refused before anything starts */
	assert_int_equal(PARSE("--hook-stops", "cmd"), PARSE_ERROR);
	assert_parse_error("--stop-hook");
	setenv("USHER_HOOK_STOPS", "1", 1);
	setenv("USHER_STOP_HOOK", "pg_ctl stop -m smart", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_true(o.hook_stops);
	setenv("USHER_HOOK_STOPS", "", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_false(o.hook_stops);
	setenv("USHER_HOOK_STOPS", "maybe", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_HOOK_STOPS");
}

static void test_stop_delay(void **state)
{
	(void)state;
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.stop_delay_ns, 0);
	assert_int_equal(PARSE("--stop-delay", "5", "cmd"), PARSE_RUN);
	assert_int_equal(o.stop_delay_ns, 5 * NSEC_PER_SEC);
	assert_int_equal(PARSE("--stop-delay=0.5", "cmd"), PARSE_RUN);
	assert_int_equal(o.stop_delay_ns, NSEC_PER_SEC / 2);
	assert_int_equal(PARSE("--stop-delay", "5s", "cmd"), PARSE_ERROR);
	assert_parse_error("--stop-delay");
	setenv("USHER_STOP_DELAY", "2.5", 1);
	assert_int_equal(PARSE("cmd"), PARSE_RUN);
	assert_int_equal(o.stop_delay_ns, 2500 * INT64_C(1000000));
	setenv("USHER_STOP_DELAY", "-1", 1);
	assert_int_equal(PARSE("cmd"), PARSE_ERROR);
	assert_parse_error("USHER_STOP_DELAY");
}


int main(void)
{

#define T(f) cmocka_unit_test_setup(f, clear_env)
	const struct CMUnitTest tests[] = {
		T(test_duration_valid),
		T(test_duration_invalid),
		T(test_duration_huge),
		T(test_bool),
		T(test_defaults),
		T(test_command_args_kept),
		T(test_reparse_resets),
		T(test_pgroup),
		T(test_rewrite),
		T(test_success_exit),
		T(test_success_exit_invalid),
		T(test_pdeathsig),
		T(test_pdeathsig_invalid),
		T(test_grace),
		T(test_grace_invalid),
		T(test_hook),
		T(test_hook_invalid),
		T(test_user_nnp_pidfile),
		T(test_verbosity),
		T(test_clustered_short_options),
		T(test_help_version),
		T(test_no_permutation),
		T(test_double_dash),
		T(test_missing_command),
		T(test_unknown_options),
		T(test_flag_with_value),
		T(test_missing_value),
		T(test_bad_value_names_option),
		T(test_rewrite_invalid),
		T(test_env_pgroup),
		T(test_env_no_new_privs),
		T(test_env_rewrite),
		T(test_env_rewrite_invalid),
		T(test_env_success_exit),
		T(test_env_pdeathsig),
		T(test_env_verbose),
		T(test_env_durations),
		T(test_env_hook),
		T(test_env_user_pidfile),
		T(test_env_unknown_ignored),
		T(test_cmdline_wins),
		T(test_cmdline_wins_over_bad_env),
		T(test_env_and_cmdline_combine),
		T(test_env_error_without_command),
		T(test_stop_signal),
		T(test_stop_signal_invalid),
		T(test_env_stop_signal),
		T(test_hook_stops),
		T(test_stop_delay),
	};
#undef T
	return cmocka_run_group_tests_name("options", tests, NULL, clear_env);
}
