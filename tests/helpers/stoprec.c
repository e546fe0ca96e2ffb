/* stoprec: a process that records what happens to it, for the shutdown
 * tests. Every line it writes to LOG is "<monotonic ms> <who> <event>", in
 * one O_APPEND write so lines of several processes never interleave, and on
 * CLOCK_MONOTONIC so they compare with the driver's (stopdrv) and with each
 * other across PID namespaces (there is no time namespace in these tests).
 *
 * Signals are blocked and taken with sigtimedwait() rather than caught by
 * handlers: the log line is written from ordinary code, and a signal that
 * arrives while the process is stopped stays pending until SIGCONT, exactly
 * as it would for a handler. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSIG_MAX 65
#define MAX_LEFTOVERS 8

static const char usage[] =
	"usage: stoprec --now                print CLOCK_MONOTONIC in ms\n"
	"       stoprec LOG WHO --note TEXT  record TEXT once and exit\n"
	"       stoprec LOG WHO [OPTION]...  record signals and react:\n"
	"  --on SIG=ACTION      what to do when SIG arrives (default: record it,\n"
	"                       then die of it if its default action is fatal)\n"
	"     ACTION: exit:N | ignore | die | delay:MS:N (exit N, MS ms later)\n"
	"             | write:MS:PATH (MS ms later create PATH, then exit 0)\n"
	"  --exit-after MS:N    exit N after MS ms on its own\n"
	"  --leftover NAME:ACTION  fork a background process named NAME (comm)\n"
	"                       with that TERM action; it is never waited for\n"
	"  --zombies N          leave N orphans that exit 50 ms later\n"
	"  --env A,B,...        record these environment variables\n"
	"  --ready FILE         create FILE once all of the above is set up\n"
	"  --stop-self          then stop with SIGSTOP; FILE appears only once\n"
	"                       the stop shows in /proc\n";

enum act { A_DEFAULT, A_EXIT, A_IGNORE, A_DIE, A_DELAY, A_WRITE };

struct action {
	enum act kind;
	int code;
	long ms;
	const char *path;
};

static int log_fd = -1;
static char who[32] = "stoprec";
static struct action actions[NSIG_MAX];


/* One write per line: O_APPEND makes it atomic among all writers. */
static void rec(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	size_t n = rec_line(buf, sizeof buf, who, fmt, ap);
	va_end(ap);
	if (write(log_fd, buf, n) < 0)
		perror("stoprec: log");
}

static const char *const names[32] = {
	"0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
	"KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
	"CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
	"XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

static const char *signame(int sig, char *buf, size_t len)
{
	if (sig > 0 && sig < 32)
		return names[sig];
	snprintf(buf, len, "%d", sig);
	return buf;
}

static int sigparse(const char *s)
{
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < 32; i++)
		if (!strcmp(s, names[i]))
			return i;
	char *end;
	long n = strtol(s, &end, 10);
	return (*s && !*end && n > 0 && n < NSIG_MAX) ? (int)n : -1;
}

static void die_usage(const char *why)
{
	fprintf(stderr, "stoprec: %s\n%s", why, usage);
	exit(2);
}

static struct action parse_action(const char *s)
{
	struct action a = { A_DEFAULT, 0, 0, NULL };
	char *end;

	if (!strncmp(s, "exit:", 5)) {
		a.kind = A_EXIT;
		a.code = atoi(s + 5);
	} else if (!strcmp(s, "ignore")) {
		a.kind = A_IGNORE;
	} else if (!strcmp(s, "die")) {
		a.kind = A_DIE;
	} else if (!strncmp(s, "delay:", 6)) {
		a.kind = A_DELAY;
		a.ms = strtol(s + 6, &end, 10);
		if (*end != ':')
			die_usage("delay:MS:N");
		a.code = atoi(end + 1);
	} else if (!strncmp(s, "write:", 6)) {
		a.kind = A_WRITE;
		a.ms = strtol(s + 6, &end, 10);
		if (*end != ':' || !end[1])
			die_usage("write:MS:PATH");
		a.path = end + 1;
	} else {
		die_usage("unknown action");
	}
	return a;
}

/* Signals whose default action would not end the process: only recorded. */
static bool harmless(int sig)
{
	return sig == SIGCONT || sig == SIGCHLD || sig == SIGWINCH ||
	       sig == SIGURG;
}

/* Everything but KILL, STOP and the synchronous faults, which must keep
 * killing a broken helper instead of hanging it. */
static void wait_set(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGABRT);
}

static void finish(int code)
{
	rec("exit %d", code);
	_exit(code);
}

static void die_of(int sig)
{
	char b[16];
	sigset_t set;

	rec("die %s", signame(sig, b, sizeof b));
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	_exit(128 + sig); /* not reached for a fatal signal */
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || close(fd) < 0)
		rec("cannot create %s: %s", path, strerror(errno));
}

/* The rest of the life of every recorder: wait for signals and timers. */
static void run(long long exit_at, int exit_code)
{
	long long later_at = -1; /* from a delay: or write: action */
	int later_code = 0;
	const char *later_path = NULL;
	sigset_t set;

	wait_set(&set);
	for (;;) {
		long long now = mono_ms(), due = -1;
		if (exit_at >= 0)
			due = exit_at;
		if (later_at >= 0 && (due < 0 || later_at < due))
			due = later_at;
		if (due >= 0 && now >= due) {
			if (due == later_at) {
				if (later_path) {
					touch(later_path);
					rec("wrote %s", later_path);
				}
				finish(later_code);
			}
			finish(exit_code);
		}

		struct timespec ts = { 3600, 0 };
		if (due >= 0) {
			ts.tv_sec = (time_t)((due - now) / 1000);
			ts.tv_nsec = (long)((due - now) % 1000) * 1000000;
		}
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, &ts);
		if (sig < 0)
			continue; /* timeout or EINTR: re-check the timers */
		if (sig == SIGCHLD) {
			/* our own children (leftovers, helpers): not news */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			continue;
		}

		char b[16];
		rec("sig %s from=%d", signame(sig, b, sizeof b), (int)si.si_pid);
		struct action *a = &actions[sig];
		switch (a->kind) {
		case A_DEFAULT:
			if (!harmless(sig))
				die_of(sig);
			break;
		case A_EXIT:
			finish(a->code);
			break;
		case A_IGNORE:
			break;
		case A_DIE:
			die_of(sig);
			break;
		case A_DELAY:
		case A_WRITE:
			/* the first one counts: a repeated TERM must not
			 * postpone the exit */
			if (later_at < 0) {
				later_at = mono_ms() + a->ms;
				later_code = a->code;
				later_path = a->path;
			}
			break;
		}
	}
}

static void record_start(void)
{
	char fd0[256];
	ssize_t n = readlink("/proc/self/fd/0", fd0, sizeof fd0 - 1);
	if (n < 0)
		n = snprintf(fd0, sizeof fd0, "closed");
	fd0[n] = '\0';
	rec("start pid=%d ppid=%d pgid=%d sid=%d fd0=%s", (int)getpid(),
	    (int)getppid(), (int)getpgrp(), (int)getsid(0), fd0);
}

static void leftover(const char *spec)
{
	char name[32];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : 0;

	if (!colon || len == 0 || len >= sizeof name)
		die_usage("--leftover NAME:ACTION");
	memcpy(name, spec, len);
	name[len] = '\0';
	struct action a = parse_action(colon + 1);

	/* the pipe makes "ready" mean the leftover has recorded its start */
	int p[2];
	char c = 0;
	if (pipe(p) < 0) {
		rec("pipe: %s", strerror(errno));
		exit(2);
	}
	pid_t pid = fork();
	if (pid < 0) {
		rec("fork leftover: %s", strerror(errno));
		exit(2);
	}
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			rec("leftover sync: %s", strerror(errno));
		close(p[0]);
		return;
	}
	close(p[0]);
	/* the leftover: its own name in the log and in /proc/PID/comm, so a
	 * warning that names it can be told apart from the main process */
	snprintf(who, sizeof who, "%s", name);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	for (int i = 0; i < NSIG_MAX; i++)
		actions[i] = (struct action){ A_DEFAULT, 0, 0, NULL };
	actions[SIGTERM] = a;
	record_start();
	if (write(p[1], &c, 1) < 0)
		rec("leftover sync: %s", strerror(errno));
	close(p[1]);
	run(-1, 0);
}

/* Orphans for the init to reap: a middle process forks them and exits at
 * once, so they are re-parented before they die. */
static void zombies(int n)
{
	pid_t mid = fork();
	if (mid == 0) {
		for (int i = 0; i < n; i++) {
			if (fork() == 0) {
				struct timespec ts = { 0, 50 * 1000000L };
				nanosleep(&ts, NULL);
				_exit(0);
			}
		}
		_exit(0);
	}
	if (mid > 0)
		waitpid(mid, NULL, 0);
	rec("left %d orphans", n);
}

static void record_env(const char *list)
{
	char *copy = strdup(list), *save = NULL;
	for (char *v = strtok_r(copy, ",", &save); v;
	     v = strtok_r(NULL, ",", &save)) {
		const char *val = getenv(v);
		if (val)
			rec("env %s=%s", v, val);
		else
			rec("env %s unset", v);
	}
	free(copy);
}

/* Stop, and let a watcher announce it: a signal sent before the stop took
 * hold would be handled at once and prove nothing about SIGCONT. */
static void stop_self(const char *ready)
{
	pid_t me = getpid();
	pid_t w = fork();
	if (w == 0) {
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)me);
		for (int i = 0; i < 5000; i++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
			if (fd >= 0)
				close(fd);
			if (n <= 0)
				_exit(1);
			buf[n] = '\0';
			char *p = strrchr(buf, ')'); /* comm may hold blanks */
			if (p && (p[2] == 'T' || p[2] == 't')) {
				rec("seen stopped");
				if (ready)
					touch(ready);
				_exit(0);
			}
			struct timespec ts = { 0, 1000000L };
			nanosleep(&ts, NULL);
		}
		_exit(1);
	}
	rec("stopping");
	raise(SIGSTOP);
	rec("continued");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--now")) {
		printf("%lld\n", mono_ms());
		return 0;
	}
	if (argc < 3)
		die_usage("LOG and WHO are required");
	log_fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		perror(argv[1]);
		return 2;
	}
	snprintf(who, sizeof who, "%s", argv[2]);
	if (argc == 5 && !strcmp(argv[3], "--note")) {
		rec("%s", argv[4]);
		return 0;
	}

	/* A signal ignored by whoever started us would be discarded even
	 * while blocked: start from the defaults, as a container's PID 1
	 * does. Then block: leftovers and the rest inherit the mask, so no
	 * signal can slip in with its default action while things are set
	 * up. */
	for (int i = 1; i < NSIG_MAX; i++)
		if (i != SIGKILL && i != SIGSTOP)
			signal(i, SIG_DFL);
	sigset_t set;
	wait_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	record_start();

	long long exit_at = -1;
	int exit_code = 0, nzombies = 0;
	const char *ready = NULL, *env = NULL;
	bool stop = false;
	const char *lefts[MAX_LEFTOVERS];
	int nlefts = 0;

	for (int i = 3; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--stop-self")) {
			stop = true;
			continue;
		}
		if (!v)
			die_usage("option needs a value");
		i++;
		if (!strcmp(o, "--on")) {
			const char *eq = strchr(v, '=');
			char sname[16];
			if (!eq || (size_t)(eq - v) >= sizeof sname)
				die_usage("--on SIG=ACTION");
			memcpy(sname, v, (size_t)(eq - v));
			sname[eq - v] = '\0';
			int sig = sigparse(sname);
			if (sig < 0)
				die_usage("bad signal");
			actions[sig] = parse_action(eq + 1);
		} else if (!strcmp(o, "--exit-after")) {
			char *end;
			long ms = strtol(v, &end, 10);
			if (*end != ':')
				die_usage("--exit-after MS:N");
			exit_at = mono_ms() + ms;
			exit_code = atoi(end + 1);
		} else if (!strcmp(o, "--leftover")) {
			if (nlefts == MAX_LEFTOVERS)
				die_usage("too many leftovers");
			lefts[nlefts++] = v;
		} else if (!strcmp(o, "--zombies")) {
			nzombies = atoi(v);
		} else if (!strcmp(o, "--env")) {
			env = v;
		} else if (!strcmp(o, "--ready")) {
			ready = v;
		} else {
			die_usage("unknown option");
		}
	}

	if (env)
		record_env(env);
	for (int i = 0; i < nlefts; i++)
		leftover(lefts[i]);
	if (nzombies > 0)
		zombies(nzombies);
	if (stop) {
		stop_self(ready);
	} else if (ready) {
		touch(ready);
		rec("ready");
	}
	run(exit_at, exit_code);
}
