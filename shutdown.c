/* shutdown.c: the deadline-aware stop timeline and the stop hook.
 *
 * t0 = first stop signal (--stop-signal: TERM and INT unless told);
 * D = t0 + grace (the platform's SIGKILL); K = D - min(1 s, grace / 10),
 * when usher kills what is left itself so it finishes, with a log line,
 * before the platform shoots it blind. The pure half (timeline_*)
 * decides; the other half (shutdown_*) acts. */
#include "usher.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t kill_point(int64_t start, int64_t grace)
{
	int64_t margin = grace / 10 < NSEC_PER_SEC ? grace / 10 : NSEC_PER_SEC;
	return start + grace - margin;
}

int64_t hook_deadline(int64_t t0, int64_t start, int64_t grace, int64_t hook_timeout)
{
	int64_t k = kill_point(t0, grace);
	int64_t h = start + (hook_timeout < 0 ? (t0 + grace - start) / 2 : hook_timeout);
	return h < k ? h : k;
}

int64_t delay_end(int64_t t0, int64_t grace, int64_t delay)
{
	return t0 + (delay < grace / 2 ? delay : grace / 2);
}

/* After the delay (or at once): the hook first, if one is left to run. */
static enum action stop_now(const struct timeline *t)
{
	return t->has_hook && t->main_running ? ACT_RUN_HOOK : ACT_FORWARD;
}

enum action timeline_stop(struct timeline *t, int64_t now)
{
	if (t->t0 < 0) {
		int64_t k = kill_point(now, t->grace);
		t->t0 = now;
		if (t->kill_at < 0 || k < t->kill_at)
			t->kill_at = k;
		t->hook_until = hook_deadline(now, now, t->grace, t->hook_timeout);
		if (t->phase != PH_RUN)
			return ACT_NONE;
		if (t->delay > 0 && t->main_running) {
			t->delay_until = delay_end(now, t->grace, t->delay);
			t->hook_until = hook_deadline(now, t->delay_until, t->grace,
						      t->hook_timeout);
			return ACT_DELAY;
		}
		return stop_now(t);
	}
	/* a second stop signal ends the delay, or the hook's wait, at once */
	if (t->phase == PH_DELAY) {
		t->delay_until = now;
		t->hook_until = hook_deadline(t->t0, now, t->grace, t->hook_timeout);
		return stop_now(t);
	}
	return t->phase == PH_HOOK ? ACT_KILL_HOOK : ACT_NONE;
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	return b < 0 || a < b ? a : b;
}

enum action timeline_next(const struct timeline *t, int64_t now, int64_t *wake)
{
	*wake = -1;
	switch (t->phase) {
	case PH_RUN:
	case PH_STOP:
		if (!t->main_running)
			return t->follow ? ACT_FOLLOW : ACT_DRAIN;
		if (t->phase == PH_RUN)
			return ACT_NONE; /* idle: no timeout at all */
		break;
	case PH_DELAY:
		if (!t->main_running) /* nothing left to serve for */
			return t->follow ? ACT_FOLLOW : ACT_DRAIN;
		if (now >= t->delay_until)
			return stop_now(t);
		if (now >= t->kill_at) /* a K armed earlier (a followed daemon) */
			return ACT_KILL_ALL;
		*wake = earliest(t->kill_at, t->delay_until);
		return ACT_NONE;
	case PH_HOOK:
		/* --hook-stops: a hook that did its job leaves the stop to it;
		 * one that failed did not, so the signal goes as usual */
		if (!t->hook_running)
			return t->hook_stops && !t->hook_failed ? ACT_HANDOVER
								: ACT_FORWARD;
		if (now >= t->hook_until)
			return ACT_KILL_HOOK;
		*wake = t->hook_until;
		return ACT_NONE;
	case PH_FOLLOW:
		/* no child left: nothing can write the pidfile any more (a
		 * daemon that died right after forking), so no use waiting */
		if (!t->others_left || now >= t->follow_until ||
		    (t->kill_at >= 0 && now >= t->kill_at))
			return ACT_FOLLOW_FAIL;
		if (now >= t->follow_next)
			return ACT_FOLLOW_POLL;
		*wake = earliest(t->kill_at, earliest(t->follow_next, t->follow_until));
		return ACT_NONE;
	case PH_DRAIN:
		if (t->others_left) /* children: SIGCHLD tells when they go */
			break;
		if (!t->ns_left)
			return ACT_EXIT;
		/* processes that are not children send no SIGCHLD: look */
		if (now >= t->kill_at)
			return ACT_KILL_ALL;
		if (now >= t->probe_next)
			return ACT_PROBE;
		*wake = earliest(t->kill_at, t->probe_next);
		return ACT_NONE;
	case PH_KILL: {
		/* SIGKILLed processes die at once; one that cannot (stuck in
		 * the kernel, or out of reach without /proc) is not waited
		 * for past the platform's own deadline D = K + min(1 s, G/10),
		 * but a moment is left to reap what was killed */
		int64_t d = t->grace / 10 < NSEC_PER_SEC ? t->grace / 10 : NSEC_PER_SEC;
		int64_t give_up = t->kill_at + (d > NSEC_PER_SEC / 10 ? d : NSEC_PER_SEC / 10);
		if (!t->others_left || now >= give_up)
			return ACT_EXIT;
		*wake = give_up;
		return ACT_NONE;
	}
	case PH_EXIT:
		return ACT_EXIT;
	}
	if (now >= t->kill_at)
		return ACT_KILL_ALL;
	*wake = t->kill_at;
	return ACT_NONE;
}

/* ---- acting on it ------------------------------------------------------- */

/* Stop signal (rewritten) then SIGCONT, so a stopped child can act on it. */
static void forward_stop(struct usher *u, int sig)
{
	char t[24], name[16];
	int to = sig_forward_as(&u->o, sig);

	u->tl.phase = PH_STOP;
	if (!u->main_pid || !to) /* a dropped signal never gets this far */
		return;
	LOG(L_INFO, "+%ss forwarding %s to main process %d", since(u, t, sizeof(t)),
	    sig_name(to, name, sizeof(name)), (int)u->main_pid);
	sig_send(u->main_pid, u->main_pgid, u->o.pgroup, to);
	sig_send(u->main_pid, u->main_pgid, u->o.pgroup, SIGCONT);
}

static void run_hook(struct usher *u)
{
	char err[256], t[24];
	int code;

	u->tl.has_hook = false; /* at most once */
	pid_t pid = spawn(u, u->o.hook_argv, true, err, sizeof(err), &code);
	if (pid < 0) {
		WARN_ERRNO("%s the stop hook", err);
		forward_stop(u, u->stop_sig);
		return;
	}
	if (code) {
		LOG(L_WARN, "stop hook: %s", err);
		/* the failed child is reaped like any other */
		forward_stop(u, u->stop_sig);
		return;
	}
	u->hook_pid = pid;
	u->tl.hook_running = true;
	u->tl.phase = PH_HOOK;
	LOG(L_INFO, "+%ss stop hook %s started (pid %d), may run %ss",
	    since(u, t, sizeof(t)), u->o.hook_argv[0], (int)pid,
	    fmt_seconds(u->tl.hook_until - u->tl.t0, err, sizeof(err)));
}

static void kill_hook(struct usher *u, const char *why)
{
	char t[24], comm[17];

	if (u->hook_pid) {
		LOG(L_WARN, "+%ss stop hook %d (%s) %s: SIGKILL to its process group",
		    since(u, t, sizeof(t)), (int)u->hook_pid,
		    proc_comm(u->hook_pid, comm, sizeof(comm)), why);
		/* its own group: whatever the hook started goes with it */
		if (kill(-u->hook_pid, SIGKILL) < 0 && errno != ESRCH)
			WARN_ERRNO("cannot kill the stop hook");
	}
}

static void adopt(struct usher *u, pid_t pid)
{
	u->main_pid = pid;
	u->main_pgid = getpgid(pid);
	u->followed = true;
	u->tl.main_running = true;
	u->tl.follow = false;
	LOG(L_INFO, "following process %d from %s", (int)pid, u->o.pidfile);
	if (u->tl.t0 >= 0)
		forward_stop(u, u->stop_sig);
	else
		u->tl.phase = PH_RUN;
}

/* As PID 1 the drain covers the namespace, not only usher's children: a
 * `docker exec`'d process is nobody's child here, yet usher's exit would
 * SIGKILL it without its SIGTERM. */
static void drain(struct usher *u, int64_t now)
{
	char t[24], names[400];

	if (u->exit_code < 0)
		u->exit_code = exit_code_for(u->main_status, u->o.success);
	if (u->tl.t0 < 0 && u->tl.kill_at < 0) {
		u->t_base = now;
		u->tl.kill_at = kill_point(now, u->tl.grace);
	}
	u->tl.phase = PH_DRAIN;
	/* one kill(-1, 0) keeps `usher -- true` as fast as before */
	if (!u->tl.others_left && !(u->pid1 && namespace_busy(u)))
		return;
	int n = leftovers_signal(u, SIGTERM, names, sizeof(names));
	u->tl.ns_left = u->pid1;
	u->tl.probe_next = now;
	if (n != 0)
		LOG(L_INFO, "+%ss main process gone; %d left, sent SIGTERM: %s",
		    since(u, t, sizeof(t)), n, names);
}

/* Names and count are read before the SIGKILL; the main process gets a
 * line of its own, since its status becomes 137 because of it. */
static void kill_all(struct usher *u)
{
	char t[24], g[24], names[400], comm[17];
	pid_t main = u->main_pid;

	u->tl.phase = PH_KILL;
	since(u, t, sizeof(t));
	fmt_seconds(u->tl.grace, g, sizeof(g));
	if (main)
		proc_comm(main, comm, sizeof(comm));
	int n = leftovers_signal(u, SIGKILL, names, sizeof(names));
	if (n > 0)
		LOG(L_WARN, "+%ss kill point of the %ss grace reached: SIGKILL to %d process%s: %s",
		    t, g, n, n == 1 ? "" : "es", names);
	if (main && (n > 0 || u->pid1)) /* as PID 1 kill(-1) got it even unseen */
		LOG(L_WARN, "+%ss main process %d (%s) did not exit by the kill point: killed",
		    t, (int)main, comm);
}

/* Next look for processes that are not children: often at first (most
 * exit at once on SIGTERM), then every 250 ms at most. */
static int64_t probe_step(const struct usher *u, int64_t now)
{
	int64_t step = (now - u->t_base) / 8;
	return step < 10000000 ? 10000000 : step > 250000000 ? 250000000 : step;
}

/* The pidfile wait ends without a daemon to follow: one last look (a
 * timeout of 0 means exactly that look), then say why. When no child is
 * left, the daemon died before or after writing its pidfile: its own
 * status is the news (redis that cannot bind exits 1), as the status of
 * the last process reaped; only when that is 0 does usher fail with 125. */
static void follow_fail(struct usher *u, int64_t now)
{
	char how[32], secs[24];
	pid_t pid = pidfile_read(u->o.pidfile);
	/* the starter's own status (0) when it was the only one */
	int st = u->last_pid ? u->last_status : u->main_status;

	if (pid > 0 && is_live_child(pid)) {
		adopt(u, pid);
		return;
	}
	u->tl.follow = false;
	u->tl.phase = PH_RUN;
	u->exit_code = EXIT_USHER;
	if (!u->tl.others_left) {
		char last[64];
		status_text(st, how, sizeof(how));
		if (u->last_pid)
			fmt(last, sizeof(last), "the last, process %d, %s", (int)u->last_pid, how);
		else
			fmt(last, sizeof(last), "%s left none", u->o.argv[0]);
		if (pid > 0 && pid == u->last_pid)
			logmsg(0, "process %d of pidfile %s %s", (int)pid, u->o.pidfile, how);
		else if (pid > 0)
			logmsg(0, "pidfile %s names process %d, which is not a child of "
			       "usher, and no child is left (%s)", u->o.pidfile, (int)pid, last);
		else
			logmsg(0, "pidfile %s did not appear (or hold a PID) and no process "
			       "is left to write it (%s)", u->o.pidfile, last);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			u->exit_code = exit_code_for(st, u->o.success);
	} else if (pid > 0) {
		logmsg(0, "pidfile %s names process %d, which is not a live child of usher",
		       u->o.pidfile, (int)pid);
	} else if (now >= u->tl.follow_until) {
		logmsg(0, "pidfile %s did not appear (or hold a PID) within %s s",
		       u->o.pidfile, fmt_seconds(u->o.pidfile_timeout_ns, secs, sizeof(secs)));
	} else {
		logmsg(0, "pidfile %s did not appear (or hold a PID) before the kill point",
		       u->o.pidfile);
	}
}

void shutdown_perform(struct usher *u, enum action a)
{
	int64_t now = mono_now();
	pid_t pid;

	if (u->tl.phase == PH_DELAY && (a == ACT_RUN_HOOK || a == ACT_FORWARD)) {
		char t[24];
		LOG(L_INFO, "+%ss stop delay over", since(u, t, sizeof(t)));
	}
	switch (a) {
	case ACT_DELAY: {
		char t[24], d[24];
		u->tl.phase = PH_DELAY;
		LOG(L_INFO, "+%ss serving on for %ss before stopping (--stop-delay)",
		    since(u, t, sizeof(t)),
		    fmt_seconds(u->tl.delay_until - u->tl.t0, d, sizeof(d)));
		break;
	}
	case ACT_HANDOVER: {
		char t[24], k[24];
		u->tl.phase = PH_STOP;
		LOG(L_INFO, "+%ss the stop hook stops main process %d (--hook-stops): "
		    "nothing forwarded, waiting until +%ss", since(u, t, sizeof(t)),
		    (int)u->main_pid, fmt_seconds(u->tl.kill_at - u->t_base, k, sizeof(k)));
		break;
	}
	case ACT_PROBE:
		u->tl.ns_left = namespace_busy(u);
		u->tl.probe_next = now + probe_step(u, now);
		break;
	case ACT_RUN_HOOK:
		run_hook(u);
		break;
	case ACT_KILL_HOOK:
		kill_hook(u, now >= u->tl.hook_until ? "ran out of time"
						     : "cut short by a second stop signal");
		/* fall through */
	case ACT_FORWARD:
		forward_stop(u, u->stop_sig);
		break;
	case ACT_FOLLOW:
		if (u->followed) {
			/* a daemon that replaced itself (nginx binary upgrade)
			 * left its successor's PID behind: look once */
			pid = pidfile_read(u->o.pidfile);
			u->tl.follow = false;
			if (pid > 0 && is_live_child(pid))
				adopt(u, pid);
			break;
		}
		u->tl.phase = PH_FOLLOW;
		u->tl.follow_until = now + u->o.pidfile_timeout_ns;
		u->tl.follow_next = now;
		break;
	case ACT_FOLLOW_POLL:
		pid = pidfile_read(u->o.pidfile);
		if (pid > 0 && is_live_child(pid)) {
			adopt(u, pid);
			break;
		}
		/* back off: a quarter of the time waited so far, 10-500 ms */
		int64_t step = (now - (u->tl.follow_until - u->o.pidfile_timeout_ns)) / 4;
		step = step < 10000000 ? 10000000 : step > 500000000 ? 500000000 : step;
		u->tl.follow_next = now + step;
		break;
	case ACT_FOLLOW_FAIL:
		follow_fail(u, now);
		break;
	case ACT_DRAIN:
		drain(u, now);
		break;
	case ACT_KILL_ALL:
		kill_all(u);
		break;
	case ACT_NONE:
	case ACT_EXIT:
		break;
	}
}

void shutdown_on_stop(struct usher *u, int sig)
{
	int64_t now = mono_now();
	char t[24], g[24], name[16];

	if (u->tl.t0 < 0) {
		u->stop_sig = sig;
		if (u->tl.kill_at < 0) /* not already counting from a main exit */
			u->t_base = now;
		LOG(L_INFO, "+%ss %s received: stopping, grace %ss", since(u, t, sizeof(t)),
		    sig_name(sig, name, sizeof(name)), fmt_seconds(u->tl.grace, g, sizeof(g)));
	}
	enum action a = timeline_stop(&u->tl, now);
	if (a == ACT_KILL_HOOK) {
		kill_hook(u, "cut short by a second stop signal");
		forward_stop(u, sig);
	} else if (a != ACT_NONE) {
		shutdown_perform(u, a);
	} else if (u->tl.phase == PH_STOP && u->main_pid) {
		int to = sig_forward_as(&u->o, sig);
		if (to)
			sig_send(u->main_pid, u->main_pgid, u->o.pgroup, to);
	}
}
