/* tests/unit_timeline.c: the stop timeline as pure functions (shutdown.c):
 * kill_point, hook_deadline, timeline_stop, timeline_next, and the two
 * helpers split_blanks and fmt_seconds. Times are plain numbers here: no
 * clock is read, so nothing depends on how loaded the machine is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "child_guard.h"

#include "usher.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S NSEC_PER_SEC
#define MS INT64_C(1000000)
/* an arbitrary CLOCK_MONOTONIC origin, so nothing passes by being 0 */
#define T0 (INT64_C(1000) * S)

/* A timeline as init.c sets it up: main process running, nothing armed. */
static struct timeline fresh(int64_t grace, int64_t hook_timeout, bool hook)
{
	struct timeline t;

	memset(&t, 0, sizeof(t));
	t.phase = PH_RUN;
	t.grace = grace;
	t.hook_timeout = hook_timeout;
	t.t0 = t.kill_at = t.hook_until = t.follow_until = t.follow_next = -1;
	t.has_hook = hook;
	t.main_running = true;
	t.others_left = true;
	return t;
}

static const char *act_name(enum action a)
{
	static const char *const names[] = {
		"NONE",        "RUN_HOOK",    "FORWARD", "KILL_HOOK", "FOLLOW",
		"FOLLOW_POLL", "FOLLOW_FAIL", "DRAIN",   "KILL_ALL",  "EXIT",
		"DELAY",       "HANDOVER",    "PROBE",
	};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* timeline_next with the expected action and wake time, named on failure */
#define assert_next(t, now, act, wake_at)                                      \
	do {                                                                   \
		int64_t w_ = -2;                                               \
		enum action a_ = timeline_next(&(t), (now), &w_);              \
		if (a_ != (act) || w_ != (wake_at))                            \
			fail_msg("at %lld: %s wake %lld, want %s wake %lld",   \
				 (long long)((now) - T0), act_name(a_),         \
				 (long long)w_, act_name(act),                  \
				 (long long)(wake_at));                         \
	} while (0)

/* ---- kill_point and hook_deadline ------------------------------------------ */

static void test_kill_point(void **state)
{
	(void)state;
	/* K = start + grace - min(1 s, grace / 10) */
	assert_int_equal(kill_point(0, 10 * S), 9 * S);
	assert_int_equal(kill_point(T0, 10 * S), T0 + 9 * S);
	assert_int_equal(kill_point(T0, 3 * S), T0 + 2700 * MS);
	assert_int_equal(kill_point(T0, 500 * MS), T0 + 450 * MS);
	assert_int_equal(kill_point(T0, 1 * S), T0 + 900 * MS);
	/* the margin is capped at one second */
	assert_int_equal(kill_point(T0, 20 * S), T0 + 19 * S);
	assert_int_equal(kill_point(T0, 30 * S), T0 + 29 * S);
	assert_int_equal(kill_point(T0, 1000000 * S), T0 + 999999 * S);
	/* no grace: kill at once */
	assert_int_equal(kill_point(T0, 0), T0);
	/* always before the platform's deadline, never before the start */
	for (int64_t g = 1 * MS; g <= 40 * S; g += 37 * MS) {
		int64_t k = kill_point(T0, g);
		assert_true(k < T0 + g);
		assert_true(k >= T0);
	}
}

static void test_hook_deadline(void **state)
{
	(void)state;
	/* default: half the grace */
	assert_int_equal(hook_deadline(T0, T0, 10 * S, -1), T0 + 5 * S);
	assert_int_equal(hook_deadline(T0, T0, 3 * S, -1), T0 + 1500 * MS);
	assert_int_equal(hook_deadline(T0, T0, 500 * MS, -1), T0 + 250 * MS);
	assert_int_equal(hook_deadline(T0, T0, 30 * S, -1), T0 + 15 * S);
	/* explicit */
	assert_int_equal(hook_deadline(T0, T0, 10 * S, 2 * S), T0 + 2 * S);
	assert_int_equal(hook_deadline(T0, T0, 10 * S, 7500 * MS), T0 + 7500 * MS);
	assert_int_equal(hook_deadline(T0, T0, 10 * S, 0), T0);
	/* never past K */
	assert_int_equal(hook_deadline(T0, T0, 10 * S, 9 * S), T0 + 9 * S);
	assert_int_equal(hook_deadline(T0, T0, 10 * S, 9500 * MS), T0 + 9 * S);
	assert_int_equal(hook_deadline(T0, T0, 10 * S, 30 * S), T0 + 9 * S);
	assert_int_equal(hook_deadline(T0, T0, 500 * MS, 1 * S), T0 + 450 * MS);
	assert_int_equal(hook_deadline(T0, T0, 0, -1), T0);
}

/* ---- timeline_stop ----------------------------------------------------------- */

static void test_stop_first_no_hook(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	assert_int_equal(timeline_stop(&t, T0), ACT_FORWARD);
	assert_int_equal(t.t0, T0);
	assert_int_equal(t.kill_at, T0 + 9 * S);
	assert_true(t.hook_until <= t.kill_at);
}

static void test_stop_first_with_hook(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	assert_int_equal(timeline_stop(&t, T0), ACT_RUN_HOOK);
	assert_int_equal(t.t0, T0);
	assert_int_equal(t.kill_at, T0 + 9 * S);
	assert_int_equal(t.hook_until, T0 + 5 * S);

	t = fresh(3 * S, 2 * S, true);
	assert_int_equal(timeline_stop(&t, T0), ACT_RUN_HOOK);
	assert_int_equal(t.kill_at, T0 + 2700 * MS);
	assert_int_equal(t.hook_until, T0 + 2 * S);

	t = fresh(3 * S, 20 * S, true);
	assert_int_equal(timeline_stop(&t, T0), ACT_RUN_HOOK);
	assert_int_equal(t.hook_until, T0 + 2700 * MS);
}

/* A hook is only worth running while there is a main process to drain. */
static void test_stop_hook_but_main_gone(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	t.main_running = false;
	assert_int_equal(timeline_stop(&t, T0), ACT_FORWARD);
	assert_int_equal(t.t0, T0);
}

static void test_stop_second_forwards_only(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	assert_int_equal(timeline_stop(&t, T0), ACT_FORWARD);
	t.phase = PH_STOP; /* what the caller does for ACT_FORWARD */
	assert_int_equal(timeline_stop(&t, T0 + 2 * S), ACT_NONE);
	assert_int_equal(timeline_stop(&t, T0 + 8 * S), ACT_NONE);
	/* armed once: later signals move nothing */
	assert_int_equal(t.t0, T0);
	assert_int_equal(t.kill_at, T0 + 9 * S);
}

static void test_stop_second_during_hook(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	assert_int_equal(timeline_stop(&t, T0), ACT_RUN_HOOK);
	t.phase = PH_HOOK;
	t.has_hook = false;
	t.hook_running = true;
	assert_int_equal(timeline_stop(&t, T0 + 1 * S), ACT_KILL_HOOK);
	assert_int_equal(t.t0, T0);
	assert_int_equal(t.kill_at, T0 + 9 * S);
	assert_int_equal(t.hook_until, T0 + 5 * S);
	/* the hook runs at most once: a stop after it is only forwarded */
	t.phase = PH_STOP;
	t.hook_running = false;
	assert_int_equal(timeline_stop(&t, T0 + 2 * S), ACT_NONE);
}

/* When the main process exited first, K counts from its exit; a stop
 * signal after that may bring K forward but never push it back. */
static void test_stop_earliest_kill_point(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.main_running = false;
	t.phase = PH_DRAIN;
	t.kill_at = kill_point(T0, t.grace); /* as drain() arms it */
	assert_int_equal(timeline_stop(&t, T0 + 3 * S), ACT_NONE);
	assert_int_equal(t.t0, T0 + 3 * S);
	assert_int_equal(t.kill_at, T0 + 9 * S);

	/* an armed K later than the stop's own: the stop's wins */
	t = fresh(10 * S, -1, false);
	t.phase = PH_DRAIN;
	t.main_running = false;
	t.kill_at = T0 + 50 * S;
	assert_int_equal(timeline_stop(&t, T0), ACT_NONE);
	assert_int_equal(t.kill_at, T0 + 9 * S);
}

static void test_stop_in_later_phases(void **state)
{
	static const enum phase later[] = { PH_FOLLOW, PH_DRAIN, PH_KILL, PH_EXIT };

	(void)state;
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		struct timeline t = fresh(10 * S, -1, true);
		t.phase = later[i];
		t.main_running = false;
		assert_int_equal(timeline_stop(&t, T0), ACT_NONE);
		assert_int_equal(t.t0, T0);
		assert_int_equal(t.kill_at, T0 + 9 * S);
		assert_int_equal(t.phase, later[i]); /* the caller moves phases */
	}
}

/* ---- timeline_next, phase by phase ----------------------------------------- */

static void test_next_run_idle(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	/* no stop yet: no timeout at all, whenever asked */
	assert_next(t, 0, ACT_NONE, -1);
	assert_next(t, T0, ACT_NONE, -1);
	assert_next(t, T0 + 1000000 * S, ACT_NONE, -1);
	assert_next(t, INT64_MAX, ACT_NONE, -1);
	/* even with a K armed earlier (a followed daemon took over) */
	t.kill_at = T0;
	assert_next(t, T0 + 100 * S, ACT_NONE, -1);
}

static void test_next_run_main_exit(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.main_running = false;
	assert_next(t, T0, ACT_DRAIN, -1);
	t.follow = true;
	assert_next(t, T0, ACT_FOLLOW, -1);
	/* with nothing else left the drain is still the way out */
	t.follow = false;
	t.others_left = false;
	assert_next(t, T0, ACT_DRAIN, -1);
}

static void test_next_hook(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	assert_int_equal(timeline_stop(&t, T0), ACT_RUN_HOOK);
	t.phase = PH_HOOK;
	t.has_hook = false;
	t.hook_running = true;
	assert_next(t, T0, ACT_NONE, T0 + 5 * S);
	assert_next(t, T0 + 4999 * MS, ACT_NONE, T0 + 5 * S);
	assert_next(t, T0 + 5 * S, ACT_KILL_HOOK, -1);
	assert_next(t, T0 + 20 * S, ACT_KILL_HOOK, -1);
	/* the main process exiting does not end the hook's time */
	t.main_running = false;
	assert_next(t, T0 + 1 * S, ACT_NONE, T0 + 5 * S);
	/* the hook is done: forward at once, whenever that is */
	t.main_running = true;
	t.hook_running = false;
	assert_next(t, T0 + 1 * S, ACT_FORWARD, -1);
	assert_next(t, T0 + 6 * S, ACT_FORWARD, -1);
}

static void test_next_stop(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	assert_int_equal(timeline_stop(&t, T0), ACT_FORWARD);
	t.phase = PH_STOP;
	assert_next(t, T0, ACT_NONE, T0 + 9 * S);
	assert_next(t, T0 + 8999 * MS, ACT_NONE, T0 + 9 * S);
	assert_next(t, T0 + 9 * S, ACT_KILL_ALL, -1);
	assert_next(t, T0 + 30 * S, ACT_KILL_ALL, -1);
	/* the main process exits: drain, or follow a daemon */
	t.main_running = false;
	assert_next(t, T0 + 1 * S, ACT_DRAIN, -1);
	t.follow = true;
	assert_next(t, T0 + 1 * S, ACT_FOLLOW, -1);
}

static void test_next_stop_short_grace(void **state)
{
	(void)state;
	struct timeline t = fresh(500 * MS, -1, false);
	assert_int_equal(timeline_stop(&t, T0), ACT_FORWARD);
	t.phase = PH_STOP;
	assert_next(t, T0 + 100 * MS, ACT_NONE, T0 + 450 * MS);
	assert_next(t, T0 + 450 * MS, ACT_KILL_ALL, -1);
}

static void test_next_follow(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.main_running = false;
	t.phase = PH_FOLLOW;
	t.follow = true;
	t.follow_until = T0 + 5 * S;
	t.follow_next = T0;
	/* no stop: K is not armed and plays no part */
	assert_next(t, T0, ACT_FOLLOW_POLL, -1);
	t.follow_next = T0 + 100 * MS;
	assert_next(t, T0 + 50 * MS, ACT_NONE, T0 + 100 * MS);
	assert_next(t, T0 + 100 * MS, ACT_FOLLOW_POLL, -1);
	t.follow_next = T0 + 6 * S; /* a poll due after the window */
	assert_next(t, T0 + 4 * S, ACT_NONE, T0 + 5 * S);
	assert_next(t, T0 + 5 * S, ACT_FOLLOW_FAIL, -1);
	/* the window ends: fail even if a poll is due */
	t.follow_next = T0 + 5 * S;
	assert_next(t, T0 + 5 * S, ACT_FOLLOW_FAIL, -1);

	/* a stop came: K ends the wait when it is earlier */
	t.kill_at = T0 + 2 * S;
	t.follow_next = T0 + 1 * S;
	assert_next(t, T0 + 500 * MS, ACT_NONE, T0 + 1 * S);
	t.follow_next = T0 + 3 * S;
	assert_next(t, T0 + 1 * S, ACT_NONE, T0 + 2 * S);
	assert_next(t, T0 + 2 * S, ACT_FOLLOW_FAIL, -1);
}

static void test_next_drain(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.main_running = false;
	t.phase = PH_DRAIN;
	t.kill_at = kill_point(T0, t.grace);
	assert_next(t, T0, ACT_NONE, T0 + 9 * S);
	assert_next(t, T0 + 9 * S, ACT_KILL_ALL, -1);
	assert_next(t, T0 + 12 * S, ACT_KILL_ALL, -1);
	t.others_left = false;
	assert_next(t, T0, ACT_EXIT, -1);
	assert_next(t, T0 + 9 * S, ACT_EXIT, -1);
}

static void test_next_kill(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.main_running = false;
	t.phase = PH_KILL;
	t.kill_at = T0 + 9 * S;
	assert_next(t, T0 + 9 * S, ACT_NONE, T0 + 10 * S);
	assert_next(t, T0 + 9999 * MS, ACT_NONE, T0 + 10 * S);
	assert_next(t, T0 + 10 * S, ACT_EXIT, -1);
	/* the main process itself may be what resists SIGKILL */
	t.main_running = true;
	assert_next(t, T0 + 9500 * MS, ACT_NONE, T0 + 10 * S);
	assert_next(t, T0 + 10 * S, ACT_EXIT, -1);
	t.others_left = false;
	t.main_running = false;
	assert_next(t, T0 + 9 * S, ACT_EXIT, -1);
}

static void test_next_exit(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.phase = PH_EXIT;
	assert_next(t, T0, ACT_EXIT, -1);
	t.main_running = false;
	t.others_left = false;
	assert_next(t, 0, ACT_EXIT, -1);
}

/* ---- whole stops, played as init.c plays them ------------------------------ */

/* The caller's side of each action, reduced to the timeline fields. */
static void perform(struct timeline *t, enum action a, int64_t now)
{
	switch (a) {
	case ACT_RUN_HOOK:
		t->has_hook = false;
		t->hook_running = true;
		t->phase = PH_HOOK;
		break;
	case ACT_KILL_HOOK:
	case ACT_FORWARD:
		t->phase = PH_STOP;
		break;
	case ACT_FOLLOW:
		t->phase = PH_FOLLOW;
		t->follow_until = now + 5 * S;
		t->follow_next = now;
		break;
	case ACT_DRAIN:
		if (t->t0 < 0 && t->kill_at < 0)
			t->kill_at = kill_point(now, t->grace);
		t->phase = PH_DRAIN;
		break;
	case ACT_KILL_ALL:
		t->phase = PH_KILL;
		break;
	case ACT_DELAY:
		t->phase = PH_DELAY;
		break;
	case ACT_HANDOVER:
		t->phase = PH_STOP;
		break;
	default:
		break;
	}
}

/* docker stop -t 10 with a hook that hangs and a main process that
 * ignores SIGTERM: hook killed at 5 s, everything killed at 9 s, done. */
static void test_play_hung_hook_and_stubborn_main(void **state)
{
	int64_t w;

	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	assert_next(t, T0 - 60 * S, ACT_NONE, -1);
	enum action a = timeline_stop(&t, T0);
	assert_int_equal(a, ACT_RUN_HOOK);
	perform(&t, a, T0);
	assert_next(t, T0, ACT_NONE, T0 + 5 * S);
	a = timeline_next(&t, T0 + 5 * S, &w);
	assert_int_equal(a, ACT_KILL_HOOK);
	perform(&t, a, T0 + 5 * S);
	t.hook_running = false; /* reaped */
	assert_next(t, T0 + 5 * S, ACT_NONE, T0 + 9 * S);
	a = timeline_next(&t, T0 + 9 * S, &w);
	assert_int_equal(a, ACT_KILL_ALL);
	perform(&t, a, T0 + 9 * S);
	/* SIGKILL works: main and the rest are reaped */
	t.main_running = false;
	t.others_left = false;
	assert_next(t, T0 + 9 * S + 1 * MS, ACT_EXIT, -1);
}

/* A hook that finishes in time, a main process that exits on SIGTERM and
 * a leftover that exits on the drain's SIGTERM: nobody is killed. */
static void test_play_clean_stop(void **state)
{
	(void)state;
	struct timeline t = fresh(3 * S, -1, true);
	enum action a = timeline_stop(&t, T0);
	assert_int_equal(a, ACT_RUN_HOOK);
	perform(&t, a, T0);
	t.hook_running = false; /* exited 0 after 200 ms */
	assert_next(t, T0 + 200 * MS, ACT_FORWARD, -1);
	perform(&t, ACT_FORWARD, T0 + 200 * MS);
	assert_next(t, T0 + 200 * MS, ACT_NONE, T0 + 2700 * MS);
	t.main_running = false;
	assert_next(t, T0 + 300 * MS, ACT_DRAIN, -1);
	perform(&t, ACT_DRAIN, T0 + 300 * MS);
	assert_int_equal(t.kill_at, T0 + 2700 * MS); /* still the stop's K */
	assert_next(t, T0 + 300 * MS, ACT_NONE, T0 + 2700 * MS);
	t.others_left = false;
	assert_next(t, T0 + 400 * MS, ACT_EXIT, -1);
}

/* No stop signal at all: the main process exits and K counts from there. */
static void test_play_main_exits_alone(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	t.main_running = false;
	enum action a;
	int64_t w;
	a = timeline_next(&t, T0, &w);
	assert_int_equal(a, ACT_DRAIN);
	perform(&t, a, T0);
	assert_int_equal(t.kill_at, T0 + 9 * S);
	assert_next(t, T0, ACT_NONE, T0 + 9 * S);
	/* a stop during the drain: no hook (nothing to drain), K stays */
	assert_int_equal(timeline_stop(&t, T0 + 4 * S), ACT_NONE);
	assert_int_equal(t.kill_at, T0 + 9 * S);
	assert_next(t, T0 + 4 * S, ACT_NONE, T0 + 9 * S);
	assert_next(t, T0 + 9 * S, ACT_KILL_ALL, -1);
	perform(&t, ACT_KILL_ALL, T0 + 9 * S);
	assert_next(t, T0 + 9 * S, ACT_NONE, T0 + 10 * S);
	assert_next(t, T0 + 10 * S, ACT_EXIT, -1);
}

/* ---- issue 11: --stop-delay, --hook-stops, the namespace drain -------------- */

static void test_hook_deadline_after_delay(void **state)
{
	(void)state;
	/* default: half of what is left until D when the hook starts */
	assert_int_equal(hook_deadline(T0, T0 + 3 * S, 10 * S, -1), T0 + 6500 * MS);
	assert_int_equal(hook_deadline(T0, T0 + 5 * S, 10 * S, -1), T0 + 7500 * MS);
	/* explicit: counted from the hook's start, never past K */
	assert_int_equal(hook_deadline(T0, T0 + 3 * S, 10 * S, 2 * S), T0 + 5 * S);
	assert_int_equal(hook_deadline(T0, T0 + 5 * S, 10 * S, 8 * S), T0 + 9 * S);
	assert_int_equal(hook_deadline(T0, T0 + 9 * S, 10 * S, -1), T0 + 9 * S);
	for (int64_t st = T0; st <= T0 + 10 * S; st += 333 * MS)
		assert_true(hook_deadline(T0, st, 10 * S, -1) <= kill_point(T0, 10 * S));
}

static void test_delay_end(void **state)
{
	(void)state;
	assert_int_equal(delay_end(T0, 10 * S, 3 * S), T0 + 3 * S);
	assert_int_equal(delay_end(T0, 30 * S, 15 * S), T0 + 15 * S);
	/* at most half the grace: the stop keeps the other half */
	assert_int_equal(delay_end(T0, 10 * S, 5 * S), T0 + 5 * S);
	assert_int_equal(delay_end(T0, 10 * S, 20 * S), T0 + 5 * S);
	assert_int_equal(delay_end(T0, 3 * S, 1000000 * S), T0 + 1500 * MS);
	assert_int_equal(delay_end(T0, 0, 1 * S), T0);
	for (int64_t d = 0; d <= 40 * S; d += 777 * MS)
		assert_true(delay_end(T0, 10 * S, d) < kill_point(T0, 10 * S));
}

static void test_stop_with_delay(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	t.delay = 3 * S;
	assert_int_equal(timeline_stop(&t, T0), ACT_DELAY);
	assert_int_equal(t.t0, T0);
	assert_int_equal(t.kill_at, T0 + 9 * S);
	assert_int_equal(t.delay_until, T0 + 3 * S);
	assert_int_equal(t.hook_until, T0 + 6500 * MS);
	perform(&t, ACT_DELAY, T0);
	/* serving: wake only at the delay's end */
	assert_next(t, T0, ACT_NONE, T0 + 3 * S);
	assert_next(t, T0 + 2999 * MS, ACT_NONE, T0 + 3 * S);
	assert_next(t, T0 + 3 * S, ACT_RUN_HOOK, -1);
	/* without a hook: the forward comes at the delay's end */
	t.has_hook = false;
	assert_next(t, T0 + 3 * S, ACT_FORWARD, -1);
	/* the main process exits during the delay: straight to the drain */
	t.main_running = false;
	assert_next(t, T0 + 1 * S, ACT_DRAIN, -1);
	t.follow = true;
	assert_next(t, T0 + 1 * S, ACT_FOLLOW, -1);
}

static void test_stop_delay_bounded(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.delay = 60 * S;
	assert_int_equal(timeline_stop(&t, T0), ACT_DELAY);
	assert_int_equal(t.delay_until, T0 + 5 * S);
	perform(&t, ACT_DELAY, T0);
	assert_next(t, T0 + 4 * S, ACT_NONE, T0 + 5 * S);
	assert_next(t, T0 + 5 * S, ACT_FORWARD, -1);
	perform(&t, ACT_FORWARD, T0 + 5 * S);
	assert_next(t, T0 + 5 * S, ACT_NONE, T0 + 9 * S);
	/* a K armed earlier than the delay's end still holds */
	t = fresh(10 * S, -1, false);
	t.delay = 3 * S;
	t.kill_at = T0 + 2 * S;
	assert_int_equal(timeline_stop(&t, T0), ACT_DELAY);
	perform(&t, ACT_DELAY, T0);
	assert_next(t, T0 + 1 * S, ACT_NONE, T0 + 2 * S);
	assert_next(t, T0 + 2 * S, ACT_KILL_ALL, -1);
}

static void test_stop_delay_cut_short(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	t.delay = 4 * S;
	assert_int_equal(timeline_stop(&t, T0), ACT_DELAY);
	perform(&t, ACT_DELAY, T0);
	/* a second stop signal ends the delay at once */
	assert_int_equal(timeline_stop(&t, T0 + 1 * S), ACT_RUN_HOOK);
	assert_int_equal(t.t0, T0);
	assert_int_equal(t.kill_at, T0 + 9 * S);
	assert_int_equal(t.delay_until, T0 + 1 * S);
	assert_int_equal(t.hook_until, T0 + 5500 * MS);
	/* no delay when there is nothing to serve */
	t = fresh(10 * S, -1, true);
	t.delay = 4 * S;
	t.main_running = false;
	assert_int_equal(timeline_stop(&t, T0), ACT_FORWARD);
	/* no delay configured: as before */
	t = fresh(10 * S, -1, true);
	assert_int_equal(timeline_stop(&t, T0), ACT_RUN_HOOK);
}

static void test_hook_stops(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	t.hook_stops = true;
	assert_int_equal(timeline_stop(&t, T0), ACT_RUN_HOOK);
	perform(&t, ACT_RUN_HOOK, T0);
	assert_next(t, T0 + 1 * S, ACT_NONE, T0 + 5 * S);
	/* the hook exits 0: it stops COMMAND, usher forwards nothing */
	t.hook_running = false;
	assert_next(t, T0 + 1 * S, ACT_HANDOVER, -1);
	/* it failed: the stop signal goes after all */
	t.hook_failed = true;
	assert_next(t, T0 + 1 * S, ACT_FORWARD, -1);
	/* still running at its deadline: killed, then forwarded as usual */
	t.hook_running = true;
	t.hook_failed = false;
	assert_next(t, T0 + 5 * S, ACT_KILL_HOOK, -1);
	/* without --hook-stops a hook that exits 0 is a step before the signal */
	t.hook_stops = false;
	t.hook_running = false;
	assert_next(t, T0 + 1 * S, ACT_FORWARD, -1);
}

static void test_play_hook_stops(void **state)
{
	int64_t w;

	(void)state;
	struct timeline t = fresh(10 * S, -1, true);
	t.hook_stops = true;
	perform(&t, timeline_stop(&t, T0), T0);
	t.hook_running = false; /* `nginx -s quit` returns at once */
	enum action a = timeline_next(&t, T0 + 50 * MS, &w);
	assert_int_equal(a, ACT_HANDOVER);
	perform(&t, a, T0 + 50 * MS);
	/* waiting for the main process until K, then SIGKILL as usual */
	assert_next(t, T0 + 50 * MS, ACT_NONE, T0 + 9 * S);
	assert_next(t, T0 + 9 * S, ACT_KILL_ALL, -1);
	/* it finishes its slow response and exits */
	t.main_running = false;
	assert_next(t, T0 + 2 * S, ACT_DRAIN, -1);
	perform(&t, ACT_DRAIN, T0 + 2 * S);
	t.others_left = false;
	assert_next(t, T0 + 2 * S, ACT_EXIT, -1);
}

/* README's nginx: --stop-delay 5 --hook-stops -H "nginx -s quit", grace 30. */
static void test_play_delay_then_hook_stops(void **state)
{
	int64_t w;

	(void)state;
	struct timeline t = fresh(30 * S, -1, true);
	t.hook_stops = true;
	t.delay = 5 * S;
	enum action a = timeline_stop(&t, T0);
	assert_int_equal(a, ACT_DELAY);
	perform(&t, a, T0);
	assert_int_equal(t.kill_at, T0 + 29 * S);
	assert_int_equal(t.hook_until, T0 + 5 * S + 12500 * MS); /* half of 25 s */
	assert_next(t, T0 + 1 * S, ACT_NONE, T0 + 5 * S);
	a = timeline_next(&t, T0 + 5 * S, &w);
	assert_int_equal(a, ACT_RUN_HOOK);
	perform(&t, a, T0 + 5 * S);
	t.hook_running = false; /* exited 0 at once */
	a = timeline_next(&t, T0 + 5 * S + 20 * MS, &w);
	assert_int_equal(a, ACT_HANDOVER);
	perform(&t, a, T0 + 5 * S + 20 * MS);
	assert_next(t, T0 + 6 * S, ACT_NONE, T0 + 29 * S);
	t.main_running = false; /* nginx finished its requests */
	assert_next(t, T0 + 8 * S, ACT_DRAIN, -1);
}

static void test_drain_namespace(void **state)
{
	(void)state;
	struct timeline t = fresh(10 * S, -1, false);
	t.main_running = false;
	t.phase = PH_DRAIN;
	t.kill_at = T0 + 9 * S;
	/* no child left, but a docker exec'd process may be: look for it */
	t.others_left = false;
	t.ns_left = true;
	t.probe_next = T0;
	assert_next(t, T0, ACT_PROBE, -1);
	t.probe_next = T0 + 10 * MS;
	assert_next(t, T0, ACT_NONE, T0 + 10 * MS);
	assert_next(t, T0 + 10 * MS, ACT_PROBE, -1);
	/* never past K */
	t.probe_next = T0 + 10 * S;
	assert_next(t, T0 + 8 * S, ACT_NONE, T0 + 9 * S);
	assert_next(t, T0 + 9 * S, ACT_KILL_ALL, -1);
	/* children first: SIGCHLD says when they are gone, no probing */
	t.others_left = true;
	assert_next(t, T0 + 1 * S, ACT_NONE, T0 + 9 * S);
	/* nothing left in the namespace: exit */
	t.others_left = false;
	t.ns_left = false;
	assert_next(t, T0 + 1 * S, ACT_EXIT, -1);
}

/* ---- timeout_until: the loops' sigtimedwait timeout ---------------------------- */

static void test_timeout_until(void **state)
{
	struct timespec ts;
	(void)state;
	/* nothing armed: no timeout at all, so an idle usher never wakes */
	assert_null(timeout_until(-1, 5 * NSEC_PER_SEC, &ts));
	assert_ptr_equal(timeout_until(7 * NSEC_PER_SEC + 250000000, 5 * NSEC_PER_SEC, &ts), &ts);
	assert_int_equal(ts.tv_sec, 2);
	assert_int_equal(ts.tv_nsec, 250000000);
	/* a deadline already past: poll once, never a negative timeout */
	assert_ptr_equal(timeout_until(NSEC_PER_SEC, 5 * NSEC_PER_SEC, &ts), &ts);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(ts.tv_nsec, 0);
}

/* ---- split_blanks ---------------------------------------------------------------- */

static void test_split_blanks(void **state)
{
	char store[64];
	char *argv[8];
	const char *cmd = "  /bin/drain\t--fast   now \t";

	(void)state;
	memset(argv, 0x55, sizeof(argv));
	assert_int_equal(split_blanks(cmd, store, sizeof(store), argv, 8), 3);
	assert_string_equal(argv[0], "/bin/drain");
	assert_string_equal(argv[1], "--fast");
	assert_string_equal(argv[2], "now");
	assert_null(argv[3]);
	for (int i = 0; i < 3; i++)
		assert_true(argv[i] >= store && argv[i] < store + sizeof(store));
	assert_string_equal(cmd, "  /bin/drain\t--fast   now \t"); /* untouched */

	assert_int_equal(split_blanks("one", store, sizeof(store), argv, 8), 1);
	assert_string_equal(argv[0], "one");
	assert_null(argv[1]);
}

static void test_split_blanks_limits(void **state)
{
	char store[8];
	char *argv[4];

	(void)state;
	/* nothing to run */
	assert_int_equal(split_blanks("", store, sizeof(store), argv, 4), -1);
	assert_int_equal(split_blanks("   ", store, sizeof(store), argv, 4), -1);
	assert_int_equal(split_blanks(" \t ", store, sizeof(store), argv, 4), -1);
	/* the store holds the string and its NUL */
	assert_int_equal(split_blanks("abcdefg", store, sizeof(store), argv, 4), 1);
	assert_string_equal(argv[0], "abcdefg");
	assert_int_equal(split_blanks("abcdefgh", store, sizeof(store), argv, 4), -1);
	/* max counts the terminating NULL: 3 words fit in 4 */
	assert_int_equal(split_blanks("a b c", store, sizeof(store), argv, 4), 3);
	assert_null(argv[3]);
	assert_int_equal(split_blanks("a b c d", store, sizeof(store), argv, 4), -1);
	assert_int_equal(split_blanks("a", store, sizeof(store), argv, 1), -1);
	assert_int_equal(split_blanks("a", store, sizeof(store), argv, 0), -1);
	assert_int_equal(split_blanks("a", store, 0, argv, 4), -1);
}

/* ---- fmt_seconds ------------------------------------------------------------ */

static void test_fmt_seconds(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(fmt_seconds(2034 * MS, buf, sizeof(buf)), "2.034");
	assert_ptr_equal(fmt_seconds(0, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "0.000");
	assert_string_equal(fmt_seconds(10 * S, buf, sizeof(buf)), "10.000");
	assert_string_equal(fmt_seconds(9450 * MS, buf, sizeof(buf)), "9.450");
	assert_string_equal(fmt_seconds(812 * MS, buf, sizeof(buf)), "0.812");
	assert_string_equal(fmt_seconds(1 * MS, buf, sizeof(buf)), "0.001");
	assert_string_equal(fmt_seconds(10 * MS, buf, sizeof(buf)), "0.010");
	/* truncated to the millisecond, never rounded up */
	assert_string_equal(fmt_seconds(999999999, buf, sizeof(buf)), "0.999");
	assert_string_equal(fmt_seconds(1, buf, sizeof(buf)), "0.000");
	assert_string_equal(fmt_seconds(1000000 * S + 5 * MS, buf, sizeof(buf)),
			    "1000000.005");
	assert_string_equal(fmt_seconds(INT64_MAX, buf, sizeof(buf)),
			    "9223372036.854");
	/* before t0 (a clock read just before it was armed) */
	assert_string_equal(fmt_seconds(-1, buf, sizeof(buf)), "0.000");
	assert_string_equal(fmt_seconds(-5 * S, buf, sizeof(buf)), "0.000");
}

/* Cut to fit: run in a child under an alarm, so a formatter that loops or
 * crashes on a full buffer fails this test instead of the whole suite. */
static int fmt_seconds_small(void)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	fmt_seconds(12345 * MS, buf, 4); /* "12.345" */
	if (strcmp(buf, "12.") != 0 || buf[4] != 'x')
		return 1;
	fmt_seconds(12345 * MS, buf, 2);
	if (strcmp(buf, "1") != 0)
		return 2;
	fmt_seconds(12345 * MS, buf, 1);
	if (buf[0] != '\0')
		return 3;
	return 0;
}

static void test_fmt_seconds_truncates(void **state)
{
	(void)state;
	run_guarded(fmt_seconds_small, 2, "fmt_seconds into a short buffer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_point),
		cmocka_unit_test(test_hook_deadline),
		cmocka_unit_test(test_stop_first_no_hook),
		cmocka_unit_test(test_stop_first_with_hook),
		cmocka_unit_test(test_stop_hook_but_main_gone),
		cmocka_unit_test(test_stop_second_forwards_only),
		cmocka_unit_test(test_stop_second_during_hook),
		cmocka_unit_test(test_stop_earliest_kill_point),
		cmocka_unit_test(test_stop_in_later_phases),
		cmocka_unit_test(test_next_run_idle),
		cmocka_unit_test(test_next_run_main_exit),
		cmocka_unit_test(test_next_hook),
		cmocka_unit_test(test_next_stop),
		cmocka_unit_test(test_next_stop_short_grace),
		cmocka_unit_test(test_next_follow),
		cmocka_unit_test(test_next_drain),
		cmocka_unit_test(test_next_kill),
		cmocka_unit_test(test_next_exit),
		cmocka_unit_test(test_play_hung_hook_and_stubborn_main),
		cmocka_unit_test(test_play_clean_stop),
		cmocka_unit_test(test_play_main_exits_alone),
		cmocka_unit_test(test_hook_deadline_after_delay),
		cmocka_unit_test(test_delay_end),
		cmocka_unit_test(test_stop_with_delay),
		cmocka_unit_test(test_stop_delay_bounded),
		cmocka_unit_test(test_stop_delay_cut_short),
		cmocka_unit_test(test_hook_stops),
		cmocka_unit_test(test_play_hook_stops),
		cmocka_unit_test(test_play_delay_then_hook_stops),
		cmocka_unit_test(test_drain_namespace),
		cmocka_unit_test(test_timeout_until),
		cmocka_unit_test(test_split_blanks),
		cmocka_unit_test(test_split_blanks_limits),
		cmocka_unit_test(test_fmt_seconds),
		cmocka_unit_test(test_fmt_seconds_truncates),
	};
	return cmocka_run_group_tests_name("timeline", tests, NULL, NULL);
}
