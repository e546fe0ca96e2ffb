/* wait.c: --wait (start order) and --probe (health). Before COMMAND
 * exists, usher forks one process per attempt at each TARGET (probe.c),
 * all targets in parallel, and sleeps in sigtimedwait for their SIGCHLD,
 * a stop signal or the next attempt's time: the resolver and its sockets
 * never run in PID 1, and an idle wait is one blocked syscall.
 *
 * Signals other than the stop signals stay pending (blocked, not waited
 * for), so the event loop forwards them to COMMAND once it runs: none is
 * lost. Nothing of a wait outlives it: its memory is unmapped, its pipes
 * are closed (and close-on-exec), its processes reaped. */
#include "usher.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST (10 * 1000000LL)  /* 10 ms: a fast dependency */
#define BACKOFF_CAP NSEC_PER_SEC         /* about one attempt a second */

COLD_TEXT
int64_t backoff_delay(unsigned n, unsigned jitter)
{
	int64_t d = BACKOFF_FIRST;

	for (unsigned i = 0; i < n && d < BACKOFF_CAP; i++)
		d += d / 4;
	if (d > BACKOFF_CAP)
		d = BACKOFF_CAP;
	/* jitter spreads the attempts of many waiters on one server */
	return d - d / 4 * (int64_t)(jitter % 1000) / 1000;
}

/* From the start of the attempt, so a slow refusal does not stretch the
 * schedule; never before it ended. */
COLD_TEXT
int64_t next_attempt(int64_t started, int64_t ended, unsigned n, unsigned jitter)
{
	int64_t t = started + backoff_delay(n, jitter);
	return t > ended ? t : ended;
}

COLD_TEXT
int64_t attempt_deadline(int64_t start, int64_t probe_timeout, int64_t deadline)
{
	int64_t t = start + probe_timeout;
	return deadline >= 0 && deadline < t ? deadline : t;
}

COLD_TEXT
int64_t wait_deadline(int64_t t0, int64_t timeout)
{
	return timeout > 0 ? t0 + timeout : -1;
}

/* The stop set (--stop-signal) ends a wait, and so do TERM, INT and QUIT
 * whatever the set (QUIT is the STOPSIGNAL of nginx's and php-fpm's
 * images): with no COMMAND yet there is no one to hand them to. A signal
 * --rewrite drops is dropped here too; the -p signal always ends it. */
COLD_TEXT
bool wait_stops_on(const struct opts *o, int sig)
{
	int as;

	if (o->pdeathsig && sig == o->pdeathsig)
		return true;
	switch (sig_route(o, sig, &as)) {
	case ROUTE_STOP:
		return true;
	case ROUTE_FORWARD:
		return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
	case ROUTE_DROP:
		break;
	}
	return false;
}

/* One TARGET in a wait. */
struct slot {
	struct target t;
	char name[128];   /* as given, for the log */
	pid_t pid;        /* the attempt running, or 0 */
	int fd;           /* its report pipe */
	int64_t started, until, next;
	unsigned attempts;
	bool up;
	char why[200];    /* the last reason it was down */
};

struct waitset {
	struct slot s[TARGETS_MAX];
	char line[512];   /* the start line */
};

/* The last whole line the attempt wrote into why: its reason. Lines are
 * under 256 bytes (probe.c's say), so keeping the last 512 of what the
 * pipe holds always keeps the last whole one. */
COLD_TEXT
static void read_report(struct slot *s, char *why, size_t len)
{
	char buf[1024];
	size_t k = 0;
	ssize_t n;

	why[0] = '\0';
	for (;;) {
		if (k == sizeof(buf) - 1) {
			memmove(buf, buf + k - 512, 512);
			k = 512;
		}
		n = read(s->fd, buf + k, sizeof(buf) - 1 - k);
		if (n <= 0)
			break;
		k += (size_t)n;
	}
	buf[k] = '\0';
	while (k && buf[k - 1] == '\n')
		buf[--k] = '\0';
	char *start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	fmt(why, len, "%s", start);
	close(s->fd);
	s->fd = -1;
}

/* Fork the attempt. Its mask stays fully blocked, so only SIGKILL (ours,
 * at its deadline) ends it early; PDEATHSIG covers usher dying first. */
COLD_TEXT
static void start_attempt(struct usher *u, struct slot *s, int64_t now,
			  int64_t deadline)
{
	int p[2];

	s->started = now;
	s->until = attempt_deadline(now, u->o.probe_timeout_ns, deadline);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		fmt(s->why, sizeof(s->why), "cannot create a pipe: %s", strerror(errno));
		s->next = now + BACKOFF_CAP;
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		_exit(probe_attempt(&s->t, s->until, p[1]));
	}
	close(p[1]);
	if (pid < 0) {
		fmt(s->why, sizeof(s->why), "cannot fork: %s", strerror(errno));
		close(p[0]);
		s->next = now + BACKOFF_CAP;
		return;
	}
	s->pid = pid;
	s->fd = p[0];
}

COLD_TEXT
static unsigned jitter(uint32_t *rnd)
{
	/* xorshift32: jitter needs spread, not secrecy */
	*rnd ^= *rnd << 13;
	*rnd ^= *rnd >> 17;
	*rnd ^= *rnd << 5;
	return *rnd % 1000;
}

/* An attempt process ended with wait status st. */
COLD_TEXT
static void finish(struct usher *u, struct slot *s, int st, int64_t t0,
		   int64_t now, uint32_t *rnd)
{
	char t[24], w[24], why[sizeof(s->why)];

	read_report(s, why, sizeof(why));
	s->pid = 0;
	s->attempts++;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		s->up = true;
		if (!u->o.probe)
			LOG(L_WARN, "%s up after %ss", s->name,
			    fmt_seconds(now - t0, t, sizeof(t)));
		return;
	}
	/* killed by the overall deadline, not its own timeout: the attempt
	 * before it knew more ("no such host" beats "timed out resolving") */
	bool cut = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL &&
		   s->until < s->started + u->o.probe_timeout_ns;
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		fmt(s->why, sizeof(s->why), "attempt killed by signal %d", WTERMSIG(st));
	else if (why[0] && !(cut && s->why[0]))
		memcpy(s->why, why, sizeof(why));
	else if (!s->why[0])
		fmt(s->why, sizeof(s->why), "no answer");
	s->next = next_attempt(s->started, now, s->attempts - 1, jitter(rnd));
	if (!u->o.probe)
		LOG(L_INFO, "%s: %s (attempt %u, next in %ss)", s->name, s->why,
		    s->attempts, fmt_seconds(s->next - now, w, sizeof(w)));
}

/* "60s", "2.500s", or "no timeout" */
COLD_TEXT
static const char *timeout_text(int64_t ns, char *buf, size_t len)
{
	char t[24];

	if (ns <= 0)
		fmt(buf, len, "no timeout");
	else if (ns % NSEC_PER_SEC == 0)
		fmt(buf, len, "timeout %llds", (long long)(ns / NSEC_PER_SEC));
	else
		fmt(buf, len, "timeout %ss", fmt_seconds(ns, t, sizeof(t)));
	return buf;
}

/* Kill and reap every attempt still running (a stop signal came). */
COLD_TEXT
static void kill_attempts(struct waitset *ws, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!ws->s[i].pid)
			continue;
		kill(ws->s[i].pid, SIGKILL);
		/* no EINTR: every signal is blocked */
		waitpid(ws->s[i].pid, NULL, 0);
		close(ws->s[i].fd);
	}
}

COLD_TEXT
static int run_wait(struct usher *u, struct waitset *ws, size_t n)
{
	const bool probe = u->o.probe;
	const int64_t t0 = mono_now();
	const int64_t deadline =
		probe ? t0 + u->o.probe_timeout_ns : wait_deadline(t0, u->o.wait_timeout_ns);
	uint32_t rnd = (uint32_t)t0 | 1;
	const unsigned char *ar = (const void *)getauxval(AT_RANDOM);
	sigset_t set;
	siginfo_t si;
	char t[24];

	if (ar)
		memcpy(&rnd, ar, sizeof(rnd));
	rnd |= 1;
	/* the stop signals and SIGCHLD; others stay pending for COMMAND */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (int sig = 1; sig <= SIG_LAST; sig++)
		if (wait_stops_on(&u->o, sig))
			sigaddset(&set, sig);

	for (;;) {
		int64_t now = mono_now(), wake = deadline;
		size_t up = 0, running = 0, pending = 0;

		for (size_t i = 0; i < n; i++) {
			struct slot *s = &ws->s[i];
			if (s->up) {
				up++;
				continue;
			}
			if (!s->pid && (!probe || !s->attempts) && s->next <= now &&
			    (deadline < 0 || now < deadline))
				start_attempt(u, s, now, deadline);
			if (s->pid && s->until <= now)
				kill(s->pid, SIGKILL); /* reaped with its SIGCHLD */
			int64_t when = s->pid ? s->until : s->next;
			if (s->pid)
				running++;
			else if (!probe || !s->attempts)
				pending++;
			if (when > now && (wake < 0 || when < wake))
				wake = when;
		}
		if (up == n)
			return 0;
		if (!running && (!pending || (deadline >= 0 && now >= deadline)))
			break;
		struct timespec ts, *tp = timeout_until(wake, now, &ts);
		/* EAGAIN: an attempt or the deadline is due */
		if (sigtimedwait(&set, &si, tp) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			char name[16];
			kill_attempts(ws, n);
			LOG(L_INFO, "%s during the wait: exiting %d",
			    sig_name(si.si_signo, name, sizeof(name)), 128 + si.si_signo);
			return 128 + si.si_signo;
		}
		int st;
		pid_t pid;
		now = mono_now();
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			for (size_t i = 0; i < n; i++)
				if (ws->s[i].pid == pid)
					finish(u, &ws->s[i], st, t0, now, &rnd);
	}
	/* down: one line per target, saying its last reason */
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &ws->s[i];
		if (s->up)
			continue;
		if (probe)
			logmsg(0, "%s: %s", s->name, s->why[0] ? s->why : "no answer");
		else
			logmsg(0, "%s not up after %ss: %s", s->name,
			       fmt_seconds(mono_now() - t0, t, sizeof(t)),
			       s->why[0] ? s->why : "no answer");
	}
	return probe ? 1 : EXIT_USHER;
}

COLD_TEXT
int wait_run(struct usher *u)
{
	size_t n = u->o.ntargets, off = 0;
	char err[160], to[32];

	/* a HEALTHCHECK may inherit SIGCHLD ignored: no status to read then */
	if (u->o.probe) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigaction(SIGCHLD, &dfl, NULL);
	}
	/* mapped for the wait alone: static, it would stay in PID 1's
	 * footprint for the container's whole life */
	struct waitset *ws = mmap(NULL, sizeof(*ws), PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ws == MAP_FAILED) {
		logmsg(errno, "cannot map memory for the wait");
		return EXIT_USHER;
	}
	for (size_t i = 0; i < n; i++) {
		const struct target_ref *r = &u->o.targets[i];
		struct slot *s = &ws->s[i];
		size_t len = r->len < sizeof(s->name) - 1 ? r->len : sizeof(s->name) - 1;
		/* checked by options.c already; this cannot fail */
		target_parse(r->s, r->len, &s->t, err, sizeof(err));
		memcpy(s->name, r->s, len);
		s->name[len] = '\0';
		s->fd = -1;
		off += fmt(ws->line + off, sizeof(ws->line) - off, "%s%s", i ? ", " : "",
			   s->name);
	}
	if (!u->o.probe)
		LOG(L_WARN, "waiting for %s (%s)", ws->line,
		    timeout_text(u->o.wait_timeout_ns, to, sizeof(to)));
	int code = run_wait(u, ws, n);
	munmap(ws, sizeof(*ws));
	return code;
}
