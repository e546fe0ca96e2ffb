/* tests/unit_signals.c: signal names and numbers (sig_parse, sig_name),
 * --rewrite lists (rewrite_parse), the fault set, the blocked set,
 * what is forwarded (sig_forward_as), and sig_send against a child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "child_guard.h"

#include "usher.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define assert_contains(hay, needle)                                           \
	do {                                                                   \
		if (!strstr((hay), (needle)))                                  \
			fail_msg("'%s' does not contain '%s'", (hay), (needle)); \
	} while (0)

/* The kernel's numbering, independent of the libc's names. */
static const struct {
	const char *name;
	int sig;
} known[] = {
	{ "HUP", 1 },     { "INT", 2 },     { "QUIT", 3 },    { "ILL", 4 },
	{ "TRAP", 5 },    { "ABRT", 6 },    { "BUS", 7 },     { "FPE", 8 },
	{ "KILL", 9 },    { "USR1", 10 },   { "SEGV", 11 },   { "USR2", 12 },
	{ "PIPE", 13 },   { "ALRM", 14 },   { "TERM", 15 },   { "STKFLT", 16 },
	{ "CHLD", 17 },   { "CONT", 18 },   { "STOP", 19 },   { "TSTP", 20 },
	{ "TTIN", 21 },   { "TTOU", 22 },   { "URG", 23 },    { "XCPU", 24 },
	{ "XFSZ", 25 },   { "VTALRM", 26 }, { "PROF", 27 },   { "WINCH", 28 },
	{ "IO", 29 },     { "PWR", 30 },    { "SYS", 31 },
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ---- sig_parse --------------------------------------------------------------- */

static void test_parse_names_any_case(void **state)
{
	char buf[32];

	(void)state;
	for (size_t i = 0; i < NKNOWN; i++) {
		int want = known[i].sig;
		assert_int_equal(sig_parse(known[i].name), want);
		snprintf(buf, sizeof(buf), "SIG%s", known[i].name);
		assert_int_equal(sig_parse(buf), want);
		lower(buf);
		assert_int_equal(sig_parse(buf), want);           /* sigterm */
		assert_int_equal(sig_parse(buf + 3), want);       /* term */
		buf[0] = 'S';
		buf[3] = (char)(buf[3] - 'a' + 'A');
		assert_int_equal(sig_parse(buf), want);           /* SigTerm */
	}
	assert_int_equal(sig_parse("SIGterm"), SIGTERM);
	assert_int_equal(sig_parse("sIgTeRm"), SIGTERM);
}

static void test_parse_aliases(void **state)
{
	(void)state;
	assert_int_equal(sig_parse("IOT"), SIGABRT);
	assert_int_equal(sig_parse("SIGCLD"), SIGCHLD);
	assert_int_equal(sig_parse("poll"), SIGIO);
}

/* Keyed by the libc's constants, not by x86 positions: on MIPS, USR1 is
 * 16 and CHLD 18, and the name must still give the headers' number. */
static void test_names_follow_headers(void **state)
{
	static const struct { const char *name; int sig; } hdr[] = {
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "CHLD", SIGCHLD },
		{ "SYS", SIGSYS },   { "CONT", SIGCONT }, { "STOP", SIGSTOP },
		{ "TSTP", SIGTSTP }, { "URG", SIGURG },   { "IO", SIGIO },
		{ "PWR", SIGPWR },   { "WINCH", SIGWINCH },
	};
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		assert_int_equal(sig_parse(hdr[i].name), hdr[i].sig);
		assert_string_equal(sig_name(hdr[i].sig, buf, sizeof(buf)),
				    hdr[i].name);
	}
	assert_int_equal(SIG_LAST, _NSIG - 1);
}

static void test_parse_numbers(void **state)
{
	char buf[8];

	(void)state;
	for (int n = 1; n <= SIG_LAST; n++) {
		snprintf(buf, sizeof(buf), "%d", n);
		assert_int_equal(sig_parse(buf), n);
	}
	assert_int_equal(sig_parse("015"), 15);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"0", "65", "-1", "1x", " 15", "15 ", "", "+15", "1.0", "0x0f",
		"99999999999999999999", "SIG", "SIG15", "SIGSIGTERM", "TERMX",
		"TER", "SIG TERM", "SIG_TERM", "TERM\n", "NOPE", "ZERO", "EXIT",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sig_parse(bad[i]) != -1)
			fail_msg("sig_parse(\"%s\") = %d, want -1", bad[i],
				 sig_parse(bad[i]));
	assert_int_equal(sig_parse(NULL), -1);
}

static void test_parse_realtime(void **state)
{
	(void)state;
	/* RTMIN is 34 as glibc, procps and Docker count, not musl's 35 */
	assert_int_equal(sig_parse("RTMIN"), 34);
	assert_int_equal(sig_parse("SIGRTMIN"), 34);
	assert_int_equal(sig_parse("rtmin"), 34);
	assert_int_equal(sig_parse("RTMIN+0"), 34);
	assert_int_equal(sig_parse("RTMIN+1"), 35);
	assert_int_equal(sig_parse("SIGRTMIN+3"), 37);
	assert_int_equal(sig_parse("sigrtmin+3"), 37);
	assert_int_equal(sig_parse("RTMIN+30"), 64);
	assert_int_equal(sig_parse("RTMAX"), 64);
	assert_int_equal(sig_parse("SIGRTMAX"), 64);
	assert_int_equal(sig_parse("RTMAX-0"), 64);
	assert_int_equal(sig_parse("RTMAX-1"), 63);
	assert_int_equal(sig_parse("rtmax-2"), 62);
	assert_int_equal(sig_parse("RTMAX-30"), 34);
	for (int n = 0; n <= 30; n++) {
		char a[24], b[24];
		snprintf(a, sizeof(a), "RTMIN+%d", n);
		snprintf(b, sizeof(b), "RTMAX-%d", n);
		assert_int_equal(sig_parse(a), 34 + n);
		assert_int_equal(sig_parse(b), 64 - n);
	}
}

static void test_parse_realtime_invalid(void **state)
{
	static const char *const bad[] = {
		"RTMIN+31", "RTMAX-31", "RTMIN-1", "RTMAX+1", "RTMIN+",
		"RTMAX-", "RTMIN+x", "RTMIN+ 3", "RTMIN +3", "RTMIN3", "RTMAX1",
		"RTMIN+-1", "RTMIN++1", "RTMIN+3x", "RTMINX", "RTMAXIMUM",
		"RTMIN+99999999999999", "RT", "RTM",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sig_parse(bad[i]) != -1)
			fail_msg("sig_parse(\"%s\") = %d, want -1", bad[i],
				 sig_parse(bad[i]));
}

/* ---- sig_name ---------------------------------------------------------------- */

static void test_name(void **state)
{
	char buf[16];

	(void)state;
	for (size_t i = 0; i < NKNOWN; i++) {
		memset(buf, 'x', sizeof(buf));
		assert_ptr_equal(sig_name(known[i].sig, buf, sizeof(buf)), buf);
		assert_string_equal(buf, known[i].name);
	}
	assert_string_equal(sig_name(34, buf, sizeof(buf)), "RTMIN");
	assert_string_equal(sig_name(35, buf, sizeof(buf)), "RTMIN+1");
	assert_string_equal(sig_name(37, buf, sizeof(buf)), "RTMIN+3");
	assert_string_equal(sig_name(64, buf, sizeof(buf)), "RTMIN+30");
	/* no name: the number */
	assert_string_equal(sig_name(32, buf, sizeof(buf)), "32");
	assert_string_equal(sig_name(33, buf, sizeof(buf)), "33");
	assert_string_equal(sig_name(0, buf, sizeof(buf)), "0");
	assert_string_equal(sig_name(65, buf, sizeof(buf)), "65");
	assert_string_equal(sig_name(-1, buf, sizeof(buf)), "-1");
	assert_string_equal(sig_name(INT_MIN, buf, sizeof(buf)), "-2147483648");
}

/* Run in a child with an alarm: a formatter that loops when the buffer is
 * full must fail this test, not hang the whole suite. */
static int name_into_4_bytes(void)
{
	char buf[16];

	memset(buf, 'x', sizeof(buf));
	sig_name(37, buf, 4);
	/* cut to fit, NUL-terminated, nothing written past len */
	return strcmp(buf, "RTM") == 0 && buf[4] == 'x' ? 0 : 1;
}

static void test_name_truncates(void **state)
{
	(void)state;
	run_guarded(name_into_4_bytes, 2, "sig_name(37, buf, 4)");
}

/* Whatever sig_name prints, sig_parse reads back. */
static void test_name_parse_roundtrip(void **state)
{
	char buf[16];

	(void)state;
	for (int n = 1; n <= SIG_LAST; n++)
		assert_int_equal(sig_parse(sig_name(n, buf, sizeof(buf))), n);
}

/* ---- rewrite_parse --------------------------------------------------------- */

static unsigned char table[SIG_LAST + 1];
static char err[256];

static void reset_table(void)
{
	for (int s = 0; s <= SIG_LAST; s++)
		table[s] = (unsigned char)s;
	memset(err, 0, sizeof(err));
}

static void test_rewrite_list(void **state)
{
	(void)state;
	reset_table();
	assert_int_equal(rewrite_parse("TERM:QUIT,USR1:0", table, err, sizeof(err)), 0);
	for (int s = 0; s <= SIG_LAST; s++) {
		int want = s == SIGTERM ? SIGQUIT : s == SIGUSR1 ? 0 : s;
		assert_int_equal(table[s], want);
	}

	reset_table();
	assert_int_equal(rewrite_parse("15:3", table, err, sizeof(err)), 0);
	assert_int_equal(table[15], 3);
	reset_table();
	assert_int_equal(rewrite_parse("sigint:sigterm", table, err, sizeof(err)), 0);
	assert_int_equal(table[SIGINT], SIGTERM);
	reset_table();
	assert_int_equal(rewrite_parse("RTMIN+1:RTMAX,WINCH:0,HUP:USR2", table, err,
				       sizeof(err)),
			 0);
	assert_int_equal(table[35], 64);
	assert_int_equal(table[SIGWINCH], 0);
	assert_int_equal(table[SIGHUP], SIGUSR2);
	/* a later item for the same signal wins */
	reset_table();
	assert_int_equal(rewrite_parse("TERM:QUIT,TERM:INT", table, err, sizeof(err)), 0);
	assert_int_equal(table[SIGTERM], SIGINT);
	/* the destination may be any signal, KILL included */
	reset_table();
	assert_int_equal(rewrite_parse("USR1:KILL", table, err, sizeof(err)), 0);
	assert_int_equal(table[SIGUSR1], SIGKILL);
	/* an existing table is added to, not reset */
	assert_int_equal(rewrite_parse("USR2:0", table, err, sizeof(err)), 0);
	assert_int_equal(table[SIGUSR1], SIGKILL);
	assert_int_equal(table[SIGUSR2], 0);
}

static void test_rewrite_invalid(void **state)
{
	static const struct {
		const char *in, *named; /* named: what the error must quote */
	} bad[] = {
		{ "", "" },
		{ "TERM", "TERM" },
		{ "TERM:", "" },
		{ ":QUIT", "" },
		{ "TERM:QUIT,", "" },
		{ ",TERM:QUIT", "" },
		{ "TERM:QUIT,,INT:HUP", "" },
		{ "TERM:BOGUS", "BOGUS" },
		{ "BOGUS:TERM", "BOGUS" },
		{ "TERM::QUIT", "" },
		{ "TERM:QUIT:INT", "" },
		{ "65:TERM", "65" },
		{ "TERM:65", "65" },
		{ "TERM:-1", "-1" },
		{ "TERM:00", "" },
		{ "TERM QUIT", "TERM QUIT" },
		{ "TERM:QUIT;INT:HUP", "" },
		/* usher never receives these to forward */
		{ "KILL:TERM", "KILL" },
		{ "STOP:TERM", "STOP" },
		{ "CHLD:TERM", "CHLD" },
		{ "SEGV:TERM", "SEGV" },
		{ "BUS:TERM", "BUS" },
		{ "ILL:TERM", "ILL" },
		{ "FPE:TERM", "FPE" },
		{ "TRAP:TERM", "TRAP" },
		{ "SYS:TERM", "SYS" },
		{ "ABRT:TERM", "ABRT" },
		{ "9:0", "9" },
		{ "TERM:QUIT,KILL:0", "KILL" },
		{ "RTMIN+31:TERM", "RTMIN+31" },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:0",
		  "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset_table();
		if (rewrite_parse(bad[i].in, table, err, sizeof(err)) != -1)
			fail_msg("rewrite_parse(\"%s\") accepted", bad[i].in);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
		assert_contains(err, bad[i].named);
	}
}

/* ---- the fault set, the blocked set, forwarding ---------------------------- */

static bool is_fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT;
}

static void test_is_fault(void **state)
{
	(void)state;
	for (int s = -1; s <= SIG_LAST + 1; s++)
		assert_int_equal(sig_is_fault(s), is_fault(s));
}

/* Look at the bits directly: glibc's sigismember refuses 32 and 33. */
static bool bit(const sigset_t *set, int sig)
{
	const unsigned long *w = (const unsigned long *)(const void *)set;
	const unsigned bpw = (unsigned)(sizeof(unsigned long) * CHAR_BIT);
	unsigned i = (unsigned)(sig - 1);

	return (w[i / bpw] >> (i % bpw)) & 1UL;
}

static void test_blockable(void **state)
{
	sigset_t set;

	(void)state;
	memset(&set, 0xa5, sizeof(set)); /* garbage must be cleared */
	sig_blockable(&set);
	for (int s = 1; s <= SIG_LAST; s++) {
		bool want = s != SIGKILL && s != SIGSTOP && !is_fault(s);
		if (bit(&set, s) != want)
			fail_msg("signal %d: blocked %d, want %d", s, bit(&set, s), want);
	}
	/* the threads' signals 32..34 too: they can still arrive */
	assert_true(bit(&set, 32));
	assert_true(bit(&set, 33));
	assert_true(bit(&set, 34));
	/* nothing beyond 64 */
	const unsigned char *bytes = (const unsigned char *)&set;
	for (size_t i = SIG_LAST / 8; i < sizeof(set); i++)
		assert_int_equal(bytes[i], 0);
	/* and the libc agrees where it may be asked */
	assert_int_equal(sigismember(&set, SIGTERM), 1);
	assert_int_equal(sigismember(&set, SIGCHLD), 1);
	assert_int_equal(sigismember(&set, SIGSEGV), 0);
	assert_int_equal(sigismember(&set, SIGKILL), 0);
	/* and the kernel accepts it as a mask */
	sigset_t old, now;
	assert_int_equal(sigprocmask(SIG_SETMASK, &set, &old), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, &now), 0);
	assert_int_equal(sigismember(&now, SIGTERM), 1);
	assert_int_equal(sigismember(&now, SIGKILL), 0);
}

static void test_forward_as(void **state)
{
	static struct opts o;

	(void)state;
	for (int s = 0; s <= SIG_LAST; s++)
		o.rewrite[s] = (unsigned char)s;
	for (int s = 1; s <= SIG_LAST; s++)
		assert_int_equal(sig_forward_as(&o, s), s == SIGCHLD ? 0 : s);
	o.rewrite[SIGTERM] = SIGQUIT;
	o.rewrite[SIGUSR1] = 0;
	assert_int_equal(sig_forward_as(&o, SIGTERM), SIGQUIT);
	assert_int_equal(sig_forward_as(&o, SIGUSR1), 0);
	assert_int_equal(sig_forward_as(&o, SIGINT), SIGINT);
	/* SIGCHLD is never forwarded, whatever the table says */
	o.rewrite[SIGCHLD] = SIGTERM;
	assert_int_equal(sig_forward_as(&o, SIGCHLD), 0);
	/* out of range: nothing, and no read outside the table */
	assert_int_equal(sig_forward_as(&o, 0), 0);
	assert_int_equal(sig_forward_as(&o, -1), 0);
	assert_int_equal(sig_forward_as(&o, SIG_LAST + 1), 0);
	assert_int_equal(sig_forward_as(&o, 1000), 0);
}


/* ---- issue 11: the stop set and where a received signal goes ----------------- */

static void test_stopset_parse(void **state)
{
	uint64_t set = 0;
	char why[128];

	(void)state;
	assert_int_equal(stopset_parse("QUIT", &set, why, sizeof(why)), 0);
	assert_true(set == SIG_BIT(SIGQUIT));
	assert_int_equal(stopset_parse("term,SIGWINCH,1,RTMAX", &set, why, sizeof(why)), 0);
	assert_true(set == (SIG_BIT(SIGQUIT) | SIG_BIT(SIGTERM) | SIG_BIT(SIGWINCH) |
			    SIG_BIT(SIGHUP) | SIG_BIT(SIG_LAST)));
	static const char *const bad[] = { "", ",", "TERM,", "KILL", "STOP", "CHLD",
					   "SEGV", "ABRT", "nope", "0",
					   "A_VERY_LONG_NAME_THAT_IS_NO_SIGNAL_AT_ALL" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (stopset_parse(bad[i], &set, why, sizeof(why)) != -1)
			fail_msg("stopset_parse(\"%s\") accepted", bad[i]);
		assert_true(why[0] != '\0');
	}
}

static void test_route(void **state)
{
	static struct opts o;
	int as = -1;

	(void)state;
	for (int s = 0; s <= SIG_LAST; s++)
		o.rewrite[s] = (unsigned char)s;
	o.stop_set = SIG_BIT(SIGTERM) | SIG_BIT(SIGINT);
	assert_int_equal(sig_route(&o, SIGTERM, &as), ROUTE_STOP);
	assert_int_equal(as, SIGTERM);
	assert_int_equal(sig_route(&o, SIGINT, &as), ROUTE_STOP);
	assert_int_equal(sig_route(&o, SIGQUIT, &as), ROUTE_FORWARD);
	assert_int_equal(as, SIGQUIT);
	assert_int_equal(sig_route(&o, SIGHUP, &as), ROUTE_FORWARD);
	assert_int_equal(sig_route(&o, SIGCHLD, &as), ROUTE_DROP);
	assert_int_equal(as, 0);
	/* --stop-signal QUIT replaces the set: TERM is a plain forward */
	o.stop_set = SIG_BIT(SIGQUIT);
	assert_int_equal(sig_route(&o, SIGQUIT, &as), ROUTE_STOP);
	assert_int_equal(as, SIGQUIT);
	assert_int_equal(sig_route(&o, SIGTERM, &as), ROUTE_FORWARD);
	assert_int_equal(as, SIGTERM);
	/* --rewrite INT:0 drops INT entirely, even in the stop set */
	o.stop_set = SIG_BIT(SIGTERM) | SIG_BIT(SIGINT);
	o.rewrite[SIGINT] = 0;
	as = -1;
	assert_int_equal(sig_route(&o, SIGINT, &as), ROUTE_DROP);
	assert_int_equal(as, 0);
	/* INT:USR1 with INT in the set: the stop starts, USR1 is forwarded */
	o.rewrite[SIGINT] = SIGUSR1;
	assert_int_equal(sig_route(&o, SIGINT, &as), ROUTE_STOP);
	assert_int_equal(as, SIGUSR1);
	/* the set is judged on the signal received, not on what it becomes */
	o.rewrite[SIGUSR2] = SIGTERM;
	assert_int_equal(sig_route(&o, SIGUSR2, &as), ROUTE_FORWARD);
	assert_int_equal(as, SIGTERM);
	/* real-time signals and the highest one */
	o.stop_set = SIG_BIT(SIG_LAST) | SIG_BIT(SIG_RTMIN + 3);
	assert_int_equal(sig_route(&o, SIG_LAST, &as), ROUTE_STOP);
	assert_int_equal(sig_route(&o, SIG_RTMIN + 3, &as), ROUTE_STOP);
	assert_int_equal(sig_route(&o, SIG_RTMIN + 2, &as), ROUTE_FORWARD);
	/* out of range: dropped, no shift past 64 bits */
	assert_int_equal(sig_route(&o, 0, &as), ROUTE_DROP);
	assert_int_equal(sig_route(&o, SIG_LAST + 1, &as), ROUTE_DROP);
	assert_int_equal(sig_route(&o, -3, &as), ROUTE_DROP);
}

/* ---- sig_send: only ever against children this test forked ----------------- */

static pid_t child_waiting(bool own_group)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (own_group)
			setpgid(0, 0);
		for (int i = 0; i < 600; i++)
			sleep(1); /* killed long before */
		_exit(99);
	}
	assert_true(pid > 0);
	if (own_group)
		setpgid(pid, pid); /* race-free either way */
	return pid;
}

static void test_send_process(void **state)
{
	int st;

	(void)state;
	pid_t pid = child_waiting(false);
	assert_int_equal(sig_send(pid, pid, false, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
}

static void test_send_group(void **state)
{
	int st;

	(void)state;
	pid_t pid = child_waiting(true);
	/* pid 0 would be "not running": group mode must use the pgid */
	assert_int_equal(sig_send(pid, pid, true, SIGUSR1), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGUSR1);
}

static void test_send_nothing(void **state)
{
	(void)state;
	/* no process, or a dropped signal: nothing is sent, no error. pid 0
	 * or -1 would otherwise hit our group or everything. */
	assert_int_equal(sig_send(0, 0, false, SIGTERM), 0);
	assert_int_equal(sig_send(-1, -1, false, SIGTERM), 0);
	assert_int_equal(sig_send(0, 0, true, SIGTERM), 0);
	pid_t pid = child_waiting(false);
	assert_int_equal(sig_send(pid, pid, false, 0), 0);
	/* still alive: nothing was sent */
	int st;
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* A target that is gone is no error: the main process's group may be
 * empty by the time a signal is forwarded. A PID above PID_MAX_LIMIT
 * (2^22) never exists, so this cannot reach anybody else's process. */
static void test_send_gone_tolerated(void **state)
{
	const pid_t never = 4194304 + 1;

	(void)state;
	assert_int_equal(sig_send(never, never, false, SIGTERM), 0);
	assert_int_equal(sig_send(never, never, true, SIGTERM), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_names_any_case),
		cmocka_unit_test(test_parse_aliases),
		cmocka_unit_test(test_names_follow_headers),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_realtime),
		cmocka_unit_test(test_parse_realtime_invalid),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_name_truncates),
		cmocka_unit_test(test_name_parse_roundtrip),
		cmocka_unit_test(test_rewrite_list),
		cmocka_unit_test(test_rewrite_invalid),
		cmocka_unit_test(test_is_fault),
		cmocka_unit_test(test_blockable),
		cmocka_unit_test(test_forward_as),
		cmocka_unit_test(test_stopset_parse),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_send_process),
		cmocka_unit_test(test_send_group),
		cmocka_unit_test(test_send_nothing),
		cmocka_unit_test(test_send_gone_tolerated),
	};
	return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
