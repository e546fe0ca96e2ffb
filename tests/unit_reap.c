/* tests/unit_reap.c: exit status (exit_code_for, exec_failure_code), the
 * descendant walk (pick_descendants), and, against children this test
 * forks itself, reap_all, is_live_child, proc_comm and leftovers_signal
 * as a subreaper would use them. Nothing here signals a process it did
 * not start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define assert_contains(hay, needle)                                           \
	do {                                                                   \
		if (!strstr((hay), (needle)))                                  \
			fail_msg("'%s' does not contain '%s'", (hay), (needle)); \
	} while (0)

static unsigned char none[256 / 8];

static void set_code(unsigned char bits[256 / 8], int code)
{
	bits[code / 8] = (unsigned char)(bits[code / 8] | (1u << (code % 8)));
}

/* ---- exit_code_for ------------------------------------------------------------ */

static void test_exit_code_exited(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++)
		assert_int_equal(exit_code_for(W_EXITCODE(c, 0), none), c);
}

static void test_exit_code_signaled(void **state)
{
	(void)state;
	for (int s = 1; s <= SIG_LAST; s++)
		assert_int_equal(exit_code_for(W_EXITCODE(0, s), none), 128 + s);
	assert_int_equal(exit_code_for(W_EXITCODE(0, SIGKILL), none), 137);
	assert_int_equal(exit_code_for(W_EXITCODE(0, SIGTERM), none), 143);
	/* a core dump changes nothing */
	assert_int_equal(exit_code_for(W_EXITCODE(0, SIGSEGV) | WCOREFLAG, none), 139);
	assert_int_equal(exit_code_for(W_EXITCODE(0, SIGABRT) | WCOREFLAG, none), 134);
}

static void test_exit_code_success_list(void **state)
{
	unsigned char ok[256 / 8];

	(void)state;
	memset(ok, 0, sizeof(ok));
	set_code(ok, 143);
	/* killed by SIGTERM, or exited 143 itself: both count */
	assert_int_equal(exit_code_for(W_EXITCODE(0, SIGTERM), ok), 0);
	assert_int_equal(exit_code_for(W_EXITCODE(143, 0), ok), 0);
	/* others are untouched */
	assert_int_equal(exit_code_for(W_EXITCODE(0, SIGKILL), ok), 137);
	assert_int_equal(exit_code_for(W_EXITCODE(1, 0), ok), 1);
	assert_int_equal(exit_code_for(W_EXITCODE(0, 0), ok), 0);
	assert_int_equal(exit_code_for(W_EXITCODE(142, 0), ok), 142);
	assert_int_equal(exit_code_for(W_EXITCODE(144, 0), ok), 144);

	set_code(ok, 0);
	set_code(ok, 1);
	set_code(ok, 255);
	assert_int_equal(exit_code_for(W_EXITCODE(0, 0), ok), 0);
	assert_int_equal(exit_code_for(W_EXITCODE(1, 0), ok), 0);
	assert_int_equal(exit_code_for(W_EXITCODE(255, 0), ok), 0);
	assert_int_equal(exit_code_for(W_EXITCODE(2, 0), ok), 2);

	/* every code alone, against every code */
	for (int want = 0; want < 256; want++) {
		memset(ok, 0, sizeof(ok));
		set_code(ok, want);
		for (int c = 0; c < 256; c++)
			assert_int_equal(exit_code_for(W_EXITCODE(c, 0), ok),
					 c == want ? 0 : c);
	}
}

/* ---- exec_failure_code -------------------------------------------------------- */

static void test_exec_failure_code(void **state)
{
	(void)state;
	/* not found: 127, as a shell says */
	assert_int_equal(exec_failure_code(ENOENT), EXIT_NOT_FOUND);
	assert_int_equal(exec_failure_code(ENOTDIR), EXIT_NOT_FOUND);
	/* found but not executable: 126 */
	assert_int_equal(exec_failure_code(EACCES), EXIT_CANNOT_EXEC);
	assert_int_equal(exec_failure_code(EPERM), EXIT_CANNOT_EXEC);
	assert_int_equal(exec_failure_code(ENOEXEC), EXIT_CANNOT_EXEC);
	assert_int_equal(exec_failure_code(EISDIR), EXIT_CANNOT_EXEC);
	assert_int_equal(exec_failure_code(ETXTBSY), EXIT_CANNOT_EXEC);
	assert_int_equal(exec_failure_code(E2BIG), EXIT_CANNOT_EXEC);
	assert_int_equal(exec_failure_code(ENOMEM), EXIT_CANNOT_EXEC);
	assert_int_equal(EXIT_USHER, 125);
	assert_int_equal(EXIT_CANNOT_EXEC, 126);
	assert_int_equal(EXIT_NOT_FOUND, 127);
}

/* ---- pick_descendants ------------------------------------------------------------ */

static bool has(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

#define PICK(pairs, root, out, max)                                            \
	pick_descendants((const pid_t(*)[2])(pairs),                            \
			 sizeof(pairs) / sizeof((pairs)[0]), (root), (out), (max))

static void test_pick_chain_any_order(void **state)
{
	static const pid_t fwd[][2] = { { 11, 10 }, { 12, 11 }, { 13, 12 } };
	static const pid_t rev[][2] = { { 13, 12 }, { 12, 11 }, { 11, 10 } };
	pid_t out[8];

	(void)state;
	assert_int_equal(PICK(fwd, 10, out, 8), 3);
	assert_true(has(out, 3, 11) && has(out, 3, 12) && has(out, 3, 13));
	/* a child listed before its parent (PID wrap-around) is found too */
	assert_int_equal(PICK(rev, 10, out, 8), 3);
	assert_true(has(out, 3, 11) && has(out, 3, 12) && has(out, 3, 13));
	/* from the middle of the chain */
	assert_int_equal(PICK(fwd, 12, out, 8), 1);
	assert_int_equal(out[0], 13);
	assert_int_equal(PICK(fwd, 13, out, 8), 0);
}

static void test_pick_tree_and_strangers(void **state)
{
	static const pid_t t[][2] = {
		{ 1, 0 },     /* the host's init */
		{ 10, 1 },    /* usher, the root */
		{ 20, 1 },    /* a stranger */
		{ 21, 20 },   /* the stranger's child */
		{ 11, 10 }, { 12, 10 }, { 30, 12 }, { 31, 12 }, { 40, 31 },
		{ 50, 51 }, { 51, 50 }, /* a cycle that never reaches the root */
		{ 60, 99 },   /* parent not in the table */
	};
	pid_t out[16];

	(void)state;
	size_t n = PICK(t, 10, out, 16);
	assert_int_equal(n, 5);
	static const pid_t want[] = { 11, 12, 30, 31, 40 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_true(has(out, n, want[i]));
	/* none of the strangers, nor usher */
	static const pid_t never[] = { 1, 10, 20, 21, 50, 51, 60, 99 };
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (has(out, n, never[i]))
			fail_msg("%d picked", (int)never[i]);
}

static void test_pick_no_duplicates_no_root(void **state)
{
	/* a PID listed twice (scanned during a re-parent) counts once; the
	 * root itself never counts, even in a cycle through it */
	static const pid_t t[][2] = { { 11, 10 }, { 11, 10 }, { 12, 11 },
				      { 10, 12 } };
	pid_t out[8];

	(void)state;
	size_t n = PICK(t, 10, out, 8);
	assert_int_equal(n, 2);
	assert_true(has(out, n, 11) && has(out, n, 12));
	assert_false(has(out, n, 10));
}

static void test_pick_respects_max(void **state)
{
	static const pid_t t[][2] = { { 11, 10 }, { 12, 10 }, { 13, 10 },
				      { 14, 13 } };
	pid_t out[8];

	(void)state;
	for (size_t max = 0; max <= 4; max++) {
		for (size_t i = 0; i < 8; i++)
			out[i] = -7;
		assert_int_equal(PICK(t, 10, out, max), max);
		for (size_t i = max; i < 8; i++)
			assert_int_equal(out[i], -7); /* nothing past max */
	}
	assert_int_equal(pick_descendants((const pid_t(*)[2])t, 0, 10, out, 8), 0);
}

/* A random forest checked against a plain reference; shuffled, so that
 * children often come before their parents. */
static void test_pick_random_forest(void **state)
{
	enum { N = 600 };
	static pid_t pairs[N][2], out[N], ref[N];
	static bool mine[N + 2];
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 8; round++) {
		/* pids 2..N+1; parent of i is a smaller pid, or 1 */
		for (int i = 0; i < N; i++) {
			seed = seed * 1103515245u + 12345u;
			pid_t pid = i + 2;
			pid_t ppid = (pid_t)(1 + (seed >> 8) % (uint32_t)(pid - 1));
			pairs[i][0] = pid;
			pairs[i][1] = ppid;
		}
		for (int i = N - 1; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			int j = (int)((seed >> 8) % (uint32_t)(i + 1));
			pid_t a = pairs[i][0], b = pairs[i][1];
			pairs[i][0] = pairs[j][0], pairs[i][1] = pairs[j][1];
			pairs[j][0] = a, pairs[j][1] = b;
		}
		pid_t root = (pid_t)(2 + round * 3);
		/* reference: by pid order, parents always have smaller pids */
		memset(mine, 0, sizeof(mine));
		mine[root] = true;
		size_t nref = 0;
		for (pid_t p = 2; p <= N + 1; p++) {
			for (int i = 0; i < N; i++) {
				if (pairs[i][0] == p && mine[pairs[i][1]] && p != root) {
					mine[p] = true;
					ref[nref++] = p;
				}
			}
		}
		size_t n = pick_descendants((const pid_t(*)[2])pairs, N, root, out, N);
		assert_int_equal(n, nref);
		for (size_t i = 0; i < nref; i++)
			assert_true(has(out, n, ref[i]));
	}
}

/* ---- against real children ---------------------------------------------------- */

static struct usher u;

static int setup(void **state)
{
	(void)state;
	memset(&u, 0, sizeof(u));
	u.self = getpid();
	u.pid1 = false;
	u.tl.phase = PH_RUN;
	u.tl.t0 = u.tl.kill_at = u.tl.hook_until = -1;
	u.exit_code = -1;
	log_level = L_ERR; /* keep the TAP stream clean */
	return 0;
}

/* Reap anything a failed test left behind. */
static int teardown(void **state)
{
	(void)state;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

static pid_t child_exiting(int code)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(code);
	assert_true(pid > 0);
	return pid;
}

static pid_t child_sleeping(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 60; i++)
			sleep(1);
		_exit(99);
	}
	assert_true(pid > 0);
	return pid;
}

/* Wait until pid has exited, without reaping it. */
static void wait_zombie(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(si.si_pid, pid);
}

static void test_reap_all_records(void **state)
{
	(void)state;
	pid_t m = child_exiting(3), h = child_exiting(0), o = child_sleeping();
	kill(o, SIGKILL);
	wait_zombie(m);
	wait_zombie(h);
	wait_zombie(o);
	u.main_pid = m;
	u.hook_pid = h;
	u.tl.main_running = true;
	u.tl.hook_running = true;
	reap_all(&u);
	assert_int_equal(u.main_pid, 0);
	assert_false(u.tl.main_running);
	assert_true(WIFEXITED(u.main_status));
	assert_int_equal(WEXITSTATUS(u.main_status), 3);
	assert_int_equal(u.hook_pid, 0);
	assert_false(u.tl.hook_running);
	assert_false(u.tl.others_left); /* ECHILD: nobody left */
	assert_false(u.tl.follow);      /* no --pidfile */
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* The hook's status decides --hook-stops: a failure sends the signal after all. */
static void test_reap_all_hook_failed(void **state)
{
	static const struct { int how; bool failed; } cases[] = {
		{ 0, false }, { 1, true }, { 127, true }, { -SIGKILL, true }, { -SIGTERM, true },
	};
	char *hook[] = { "hook", NULL };

	(void)state;
	u.o.hook_argv = hook;
	u.tl.phase = PH_HOOK;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t h;
		if (cases[i].how >= 0) {
			h = child_exiting(cases[i].how);
		} else {
			h = child_sleeping();
			kill(h, -cases[i].how);
		}
		wait_zombie(h);
		u.hook_pid = h;
		u.tl.hook_running = true;
		u.tl.hook_failed = !cases[i].failed;
		reap_all(&u);
		assert_int_equal(u.hook_pid, 0);
		assert_false(u.tl.hook_running);
		if (u.tl.hook_failed != cases[i].failed)
			fail_msg("case %zu: hook_failed %d", i, u.tl.hook_failed);
	}
}

static void test_reap_all_others_left(void **state)
{
	(void)state;
	pid_t m = child_exiting(0), s = child_sleeping();
	wait_zombie(m);
	u.main_pid = m;
	u.tl.main_running = true;
	reap_all(&u);
	assert_false(u.tl.main_running);
	assert_true(u.tl.others_left);
	/* a process that is not main is left to run: reap_all only reaps */
	assert_true(is_live_child(s));
	kill(s, SIGKILL);
	wait_zombie(s);
	reap_all(&u);
	assert_false(u.tl.others_left);
	assert_false(is_live_child(s));
}

static void test_reap_all_killed_main(void **state)
{
	(void)state;
	pid_t m = child_sleeping();
	kill(m, SIGTERM);
	wait_zombie(m);
	u.main_pid = m;
	u.tl.main_running = true;
	u.o.pidfile = "/run/never.pid";
	reap_all(&u);
	assert_true(WIFSIGNALED(u.main_status));
	assert_int_equal(WTERMSIG(u.main_status), SIGTERM);
	assert_int_equal(exit_code_for(u.main_status, u.o.success), 143);
	/* killed: no daemon to follow, pidfile or not */
	assert_false(u.tl.follow);
}

/* With --pidfile, only a starter that exits 0 hands over to its daemon. */
static void test_reap_all_follow(void **state)
{
	(void)state;
	u.o.pidfile = "/run/d.pid";
	pid_t m = child_exiting(0);
	wait_zombie(m);
	u.main_pid = m;
	u.tl.main_running = true;
	reap_all(&u);
	assert_true(u.tl.follow);

	m = child_exiting(1);
	wait_zombie(m);
	u.main_pid = m;
	u.tl.main_running = true;
	reap_all(&u);
	assert_false(u.tl.follow);
}

/* Reaping a child that is neither main nor hook leaves both alone. */
static void test_reap_all_orphan_only(void **state)
{
	(void)state;
	pid_t orphan = child_exiting(7), m = child_sleeping();
	wait_zombie(orphan);
	u.main_pid = m;
	u.tl.main_running = true;
	reap_all(&u);
	assert_int_equal(u.main_pid, m);
	assert_true(u.tl.main_running);
	assert_true(u.tl.others_left);
	assert_false(is_live_child(orphan)); /* reaped: not ours any more */
	kill(m, SIGKILL);
	wait_zombie(m);
	reap_all(&u);
	assert_int_equal(u.main_pid, 0);
	assert_true(WIFSIGNALED(u.main_status));
}

static void test_is_live_child(void **state)
{
	(void)state;
	pid_t c = child_sleeping();
	assert_true(is_live_child(c));
	kill(c, SIGKILL);
	wait_zombie(c);
	assert_false(is_live_child(c)); /* a zombie is not live */
	assert_int_equal(waitpid(c, NULL, 0), c);
	assert_false(is_live_child(c));
	/* not children of ours */
	assert_false(is_live_child(getpid()));
	assert_false(is_live_child(getppid()));
	assert_false(is_live_child(0));
	assert_false(is_live_child(-1));
	assert_false(is_live_child(4194305)); /* above PID_MAX_LIMIT */
}

static void test_proc_comm(void **state)
{
	char buf[32];

	(void)state;
	assert_ptr_equal(proc_comm(getpid(), buf, sizeof(buf)), buf);
	assert_string_equal(buf, "unit_reap");
	assert_null(strchr(buf, '\n'));
	proc_comm(getpid(), buf, 4);
	assert_string_equal(buf, "uni");
	assert_string_equal(proc_comm(4194305, buf, sizeof(buf)), "?");
}

/* As a subreaper: our children and their children get the signal, with
 * SIGCONT so a stopped one acts on it; the names list says who. */
static void test_leftovers_subreaper(void **state)
{
	int p[2], st;
	char c2, names[512];

	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(p), 0);
	pid_t a = fork();
	if (a == 0) {
		pid_t b = fork();
		if (b == 0) {
			(void)!write(p[1], "b", 1);
			for (int i = 0; i < 60; i++)
				sleep(1);
			_exit(99);
		}
		(void)!write(p[1], "a", 1);
		for (int i = 0; i < 60; i++)
			sleep(1);
		_exit(99);
	}
	assert_true(a > 0);
	close(p[1]);
	assert_int_equal(read(p[0], &c2, 1), 1);
	assert_int_equal(read(p[0], &c2, 1), 1);
	close(p[0]);
	pid_t stopped = child_sleeping();
	kill(stopped, SIGSTOP);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)stopped, &si, WSTOPPED | WNOWAIT), 0);

	u.main_pid = a;
	int n = leftovers_signal(&u, SIGTERM, names, sizeof(names));
	assert_int_equal(n, 3); /* a, its child, and the stopped one */
	char pid_a[16];
	fmt(pid_a, sizeof(pid_a), "%d (", (int)a);
	assert_contains(names, pid_a);
	assert_contains(names, "main process");
	assert_contains(names, "unit_reap");

	/* all three die of SIGTERM; the grandchild comes to us, the
	 * subreaper, when its parent dies */
	int died = 0;
	for (int i = 0; i < 3; i++) {
		pid_t r = waitpid(-1, &st, 0);
		assert_true(r > 0);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGTERM);
		died++;
	}
	assert_int_equal(died, 3);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);

	/* nothing left: nothing found, names empty */
	n = leftovers_signal(&u, SIGKILL, names, sizeof(names));
	assert_int_equal(n, 0);
	assert_string_equal(names, "");
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* A zombie waiting to be reaped is not a leftover to signal. */
static void test_leftovers_skip_zombies(void **state)
{
	char names[128];

	(void)state;
	pid_t z = child_exiting(0);
	wait_zombie(z);
	assert_int_equal(leftovers_signal(&u, SIGTERM, names, sizeof(names)), 0);
	assert_int_equal(waitpid(z, NULL, 0), z);
}

/* ---- names_list: the kill-point warning's list ------------------------------ */

static void test_names_list(void **state)
{
	static pid_t pids[200];
	static char comms[64][16];
	char out[400];

	(void)state;
	for (int i = 0; i < 200; i++)
		pids[i] = 1000 + i;
	for (int i = 0; i < 64; i++)
		snprintf(comms[i], sizeof(comms[i]), "proc%d", i);
	/* all fit */
	assert_int_equal(names_list(out, sizeof(out), pids, (const char(*)[16])comms, 2, 2, 1001), 2);
	assert_string_equal(out, "1000 (proc0), 1001 (proc1, main process)");
	assert_int_equal(names_list(out, sizeof(out), pids, (const char(*)[16])comms, 1, 1, 0), 1);
	assert_string_equal(out, "1000 (proc0)");
	/* 150 processes: a bounded list and how many more, never cut */
	size_t listed = names_list(out, sizeof(out), pids, (const char(*)[16])comms, 64, 150, 1000);
	assert_true(listed > 5 && listed < 64);
	assert_true(strlen(out) < sizeof(out));
	char tail[64];
	snprintf(tail, sizeof(tail), ", \xe2\x80\xa6 and %zu more", 150 - listed);
	assert_non_null(strstr(out, tail));
	assert_int_equal(strlen(strstr(out, tail)), strlen(tail)); /* at the end */
	assert_non_null(strstr(out, "1000 (proc0, main process), 1001 (proc1)"));
	/* every listed entry is whole: "PID (procN)" up to the tail */
	char last[32];
	snprintf(last, sizeof(last), "%d (proc%zu)", (int)pids[listed - 1], listed - 1);
	assert_non_null(strstr(out, last));
	/* names read for fewer than there are */
	assert_int_equal(names_list(out, sizeof(out), pids, (const char(*)[16])comms, 3, 140, 0), 3);
	assert_string_equal(out, "1000 (proc0), 1001 (proc1), 1002 (proc2), \xe2\x80\xa6 and 137 more");
	/* nothing fits: only the count */
	assert_int_equal(names_list(out, 40, pids, (const char(*)[16])comms, 64, 150, 0), 0);
	assert_string_equal(out, "\xe2\x80\xa6 and 150 more");
	/* the last entry needs no room for a tail */
	assert_int_equal(names_list(out, 13, pids, (const char(*)[16])comms, 1, 1, 0), 1);
	assert_string_equal(out, "1000 (proc0)");
	assert_int_equal(names_list(out, 0, pids, (const char(*)[16])comms, 1, 1, 0), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code_exited),
		cmocka_unit_test(test_exit_code_signaled),
		cmocka_unit_test(test_exit_code_success_list),
		cmocka_unit_test(test_exec_failure_code),
		cmocka_unit_test(test_pick_chain_any_order),
		cmocka_unit_test(test_pick_tree_and_strangers),
		cmocka_unit_test(test_pick_no_duplicates_no_root),
		cmocka_unit_test(test_pick_respects_max),
		cmocka_unit_test(test_pick_random_forest),
		T(test_reap_all_records),
		T(test_reap_all_hook_failed),
		T(test_reap_all_others_left),
		T(test_reap_all_killed_main),
		T(test_reap_all_follow),
		T(test_reap_all_orphan_only),
		T(test_is_live_child),
		T(test_proc_comm),
		T(test_leftovers_subreaper),
		T(test_leftovers_skip_zombies),
		cmocka_unit_test(test_names_list),
	};
#undef T
	return cmocka_run_group_tests_name("reap", tests, NULL, NULL);
}
