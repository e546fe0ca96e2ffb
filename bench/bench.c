/* bench/bench.c: the benchmark driver behind bench/run.
 *
 *   bench [--quick] --out DIR --child PATH NAME=PATH...
 *
 * Runs every init (NAME=PATH, e.g. usher=./usher tini-static=/usr/bin/...)
 * through the same measurements, interleaved round by round so that drift
 * on a shared machine hits all of them alike, then writes DIR/results.json
 * (raw numbers) and DIR/results.md (the table, also printed on stdout).
 *
 * The driver is the parent of every init it measures, so it can time an
 * init's exit to the nanosecond and read its /proc files while it is a
 * zombie (waitid WNOWAIT). "PID 1 of a fresh namespace" is what
 * `unshare --pid --fork --mount-proc INIT` gives, done here with one clone()
 * (CLONE_NEWPID|CLONE_NEWNS, then a private /proc mount), so unshare's own
 * exec and dynamic loading stay out of the numbers. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_INITS 8
#define NS_PER_MS INT64_C(1000000)

/* How much of everything; --quick shrinks it for a smoke run. */
static struct {
	int startup_runs;  /* per init and per mode */
	int idle_rounds;   /* every round runs all inits side by side */
	int idle_seconds;  /* window for the wake-up count */
	int reap_orphans;  /* orphans per run */
	int reap_rounds;   /* timed runs per init */
	int sig_pings;     /* SIGUSR1 round trips per init */
	int shut_rounds;   /* docker-stop plays per init */
	int shut_child_ms; /* how long the child takes to stop */
} P = { 300, 3, 10, 20000, 7, 5000, 20, 100 };

/* A growing array of raw measurements. */
struct series {
	int64_t *v;
	size_t n, cap;
};

static void push(struct series *s, int64_t x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		if (!s->v) {
			perror("bench: realloc");
			exit(1);
		}
	}
	s->v[s->n++] = x;
}

enum mode { NS, SUB }; /* PID 1 of a fresh namespace, or plain child */

struct init {
	const char *name, *path;
	bool bare;   /* no init at all: COMMAND runs directly (baseline) */
	bool broken; /* failed the sanity probe: left out of every figure */
	bool is_static;
	off_t size;
	struct series startup[2];
	struct series rss, hwm, wake;
	struct series reap_wall, reap_cpu, reap_peak;
	struct series rtt;
	int lost; /* SIGUSR1 round trips that never came back */
	struct series shut_total, shut_fwd, shut_after;
};

static struct init inits[MAX_INITS];
static size_t ninits;
static struct init bare = { .name = "bare", .path = "", .bare = true };
static const char *child_path, *out_dir, *run_note;
static int devnull = -1, logfd = -1;

/* ---- small utilities ---------------------------------------------------- */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

/* "Key:   123 kB" in /proc/PID/status; -1 if absent. The key is matched at
 * the start of a line, so "voluntary_ctxt_switches" does not also match
 * "nonvoluntary_ctxt_switches". */
static int64_t status_field(pid_t pid, const char *key)
{
	char path[64], buf[4096], pat[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (slurp(path, buf, sizeof buf) < 0)
		return -1;
	snprintf(pat, sizeof pat, "\n%s:", key);
	const char *p = strstr(buf, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* Nanoseconds the task has spent on a CPU, user and system together, from
 * the scheduler's own clock (/proc/PID/stat counts in 10 ms ticks, far too
 * coarse). Still readable while the task is a zombie we have not reaped. */
static int64_t cpu_ns(pid_t pid)
{
	char path[64], buf[128];
	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	if (slurp(path, buf, sizeof buf) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted copy; p in [0, 1]. */
static int64_t pct(const struct series *s, double p)
{
	if (!s->n)
		return -1;
	int64_t *c = malloc(s->n * sizeof *c);
	if (!c)
		die("out of memory");
	memcpy(c, s->v, s->n * sizeof *c);
	qsort(c, s->n, sizeof *c, cmp64);
	size_t i = (size_t)(p * (double)(s->n - 1) + 0.5);
	int64_t r = c[i];
	free(c);
	return r;
}

static int64_t med(const struct series *s) { return pct(s, 0.5); }
static int64_t lo(const struct series *s) { return pct(s, 0.0); }
static int64_t hi(const struct series *s) { return pct(s, 1.0); }

/* PT_INTERP present means the kernel hands the file to a dynamic loader. */
static bool elf_is_static(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	bool st = false;
	if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64) {
		st = true;
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			off_t off = (off_t)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize);
			if (pread(fd, &ph, sizeof ph, off) != (ssize_t)sizeof ph) {
				st = false;
				break;
			}
			if (ph.p_type == PT_INTERP)
				st = false;
		}
	}
	close(fd);
	return st;
}

/* ---- starting and stopping an init -------------------------------------- */

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

struct launch {
	char **argv;
	enum mode mode;
	int fds[3]; /* become fds 3, 4, 5 of the init */
	int nfds;
};

static char *clean_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", NULL };

/* Runs in the new process, before exec: only async-signal-safe calls. */
static int child_setup(void *arg)
{
	struct launch *l = arg;
	if (l->mode == NS) {
		/* What unshare --mount-proc does: keep our mounts to
		 * ourselves, then a /proc that shows the new PID namespace. */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			_exit(121);
	}
	/* Park the fds above 100 first so moving them to 3.. can not
	 * clobber one not yet moved. */
	int hi_fd[3];
	for (int i = 0; i < l->nfds; i++)
		hi_fd[i] = fcntl(l->fds[i], F_DUPFD, 100 + i);
	for (int i = 0; i < l->nfds; i++)
		dup2(hi_fd[i], 3 + i);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(logfd, 2);
	close_range((unsigned)(3 + l->nfds), ~0U, 0);
	execve(l->argv[0], l->argv, clean_env);
	_exit(122);
}

static char clone_stack[1 << 16] __attribute__((aligned(16)));

/* Start init `in` (or COMMAND alone for the baseline) with COMMAND cmd.
 * Returns the PID as the driver sees it. */
static pid_t launch(const struct init *in, enum mode mode, const char *const *cmd,
		    const int *fds, int nfds)
{
	char *argv[16];
	int n = 0;
	if (!in->bare) {
		argv[n++] = (char *)in->path;
		/* tini reaps orphans only as PID 1 or with -s (subreaper);
		 * the others need no flag for either role. */
		if (mode == SUB && !strncmp(in->name, "tini", 4))
			argv[n++] = "-s";
		argv[n++] = "--";
	}
	for (int i = 0; cmd[i] && n < 15; i++)
		argv[n++] = (char *)cmd[i];
	argv[n] = NULL;
	struct launch l = { argv, mode, { 0 }, nfds };
	for (int i = 0; i < nfds; i++)
		l.fds[i] = fds[i];
	pid_t pid;
	if (mode == NS)
		pid = clone(child_setup, clone_stack + sizeof clone_stack,
			    CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, &l);
	else if ((pid = fork()) == 0)
		child_setup(&l);
	if (pid < 0)
		die("cannot start %s: %s", in->name, strerror(errno));
	return pid;
}

/* Wait for pid to end, killing it after timeout_ms. With keep, the
 * process stays a zombie (readable in /proc) until reap(). Returns the
 * wait status, or -1 when the timeout struck. */
static int wait_end(pid_t pid, int timeout_ms, bool keep)
{
	struct itimerval it = { { 0, 0 },
				{ timeout_ms / 1000, (timeout_ms % 1000) * 1000 } };
	alarmed = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	siginfo_t si;
	int r;
	memset(&si, 0, sizeof si);
	while ((r = waitid(P_PID, (id_t)pid, &si, WEXITED | (keep ? WNOWAIT : 0))) < 0 &&
	       errno == EINTR && !alarmed)
		;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	if (r < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	return si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0)
					: W_EXITCODE(0, si.si_status);
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Read exactly len bytes from fd within timeout_ms; false otherwise. */
static bool recv_within(int fd, void *buf, size_t len, int timeout_ms)
{
	char *p = buf;
	int64_t end = now_ns() + timeout_ms * NS_PER_MS;
	while (len) {
		struct pollfd pf = { fd, POLLIN, 0 };
		int64_t left = (end - now_ns()) / NS_PER_MS;
		if (left < 0 || poll(&pf, 1, (int)left) == 0)
			return false;
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void xpipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	if (wait_end(pid, 5000, false) < 0)
		note("an init ignored SIGTERM for 5 s; killed");
}

/* Order of round r: rotate the list so no init always goes first. */
static struct init *nth(struct init **list, size_t n, int round, size_t k)
{
	return list[((size_t)round + k) % n];
}

static void progress(const char *what, int done, int total)
{
	if (isatty(2))
		fprintf(stderr, "\rbench: %-28s %d/%d ", what, done, total);
	if (done == total && isatty(2))
		fputc('\n', stderr);
}

/* ---- sanity -------------------------------------------------------------- */

/* Each init must run COMMAND and pass its exit code back; one that can not
 * is left out rather than measured doing something else. */
static void probe(struct init *in)
{
	static const char *const cmd3[] = { NULL, "exit", "3", NULL };
	const char *cmd[4];
	memcpy(cmd, cmd3, sizeof cmd);
	cmd[0] = child_path;
	for (int m = NS; m <= SUB; m++) {
		pid_t pid = launch(in, (enum mode)m, cmd, NULL, 0);
		int st = wait_end(pid, 5000, false);
		if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 3) {
			note("%s (%s) fails the probe (%s -- child exit 3 gave %s %d); "
			     "left out",
			     in->name, in->path, m == NS ? "as PID 1" : "as child",
			     st < 0 ? "timeout" : WIFEXITED(st) ? "code" : "signal",
			     st < 0 ? 0 : WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			in->broken = true;
			return;
		}
	}
}

/* ---- figures ------------------------------------------------------------- */

/* Start-up: wall time from clone/fork to the reaped exit of
 * `INIT -- /bin/true`, against /bin/true alone, both modes in every round. */
static void bench_startup(struct init **list, size_t n)
{
	static const char *const cmd[] = { "/bin/true", NULL };
	struct init *all[MAX_INITS + 1];
	all[0] = &bare;
	for (size_t i = 0; i < n; i++)
		all[i + 1] = list[i];
	for (int r = 0; r < P.startup_runs; r++) {
		for (int m = NS; m <= SUB; m++) {
			for (size_t k = 0; k <= n; k++) {
				struct init *in = nth(all, n + 1, r, k);
				int64_t t0 = now_ns();
				pid_t pid = launch(in, (enum mode)m, cmd, NULL, 0);
				int st = wait_end(pid, 5000, false);
				int64_t t1 = now_ns();
				if (st != 0)
					note("%s: /bin/true ended with status %#x", in->name, st);
				else
					push(&in->startup[m], t1 - t0);
			}
		}
		if (r % 10 == 9 || r + 1 == P.startup_runs)
			progress("start-up", r + 1, P.startup_runs);
	}
}

/* Idle: every init runs side by side as PID 1 of its own namespace with a
 * sleeping child; memory and voluntary context switches over the window. */
static void bench_idle(struct init **list, size_t n)
{
	const char *cmd[] = { child_path, "sleep", NULL };
	for (int r = 0; r < P.idle_rounds; r++) {
		pid_t pid[MAX_INITS];
		int64_t v0[MAX_INITS];
		int rd[MAX_INITS];
		for (size_t k = 0; k < n; k++) {
			int p[2];
			xpipe(p);
			pid[k] = launch(list[k], NS, cmd, &p[1], 1);
			close(p[1]);
			rd[k] = p[0];
		}
		for (size_t k = 0; k < n; k++) {
			char c;
			if (!recv_within(rd[k], &c, 1, 5000))
				note("%s: idle child did not start", list[k]->name);
		}
		sleep_ms(500); /* past every init's own start-up */
		for (size_t k = 0; k < n; k++)
			v0[k] = status_field(pid[k], "voluntary_ctxt_switches");
		for (int s = 0; s < P.idle_seconds; s++) {
			sleep_ms(1000);
			progress("idle", r * P.idle_seconds + s + 1,
				 P.idle_rounds * P.idle_seconds);
		}
		for (size_t k = 0; k < n; k++) {
			struct init *in = list[k];
			int64_t v1 = status_field(pid[k], "voluntary_ctxt_switches");
			push(&in->wake, v1 - v0[k]);
			push(&in->rss, status_field(pid[k], "VmRSS"));
			push(&in->hwm, status_field(pid[k], "VmHWM"));
		}
		for (size_t k = 0; k < n; k++) {
			stop(pid[k]);
			close(rd[k]);
		}
	}
}

/* Reaping: the child makes N orphans (they re-parent to the init), then on
 * our "G" releases them all at once and exits once all are reaped. Wall is
 * from "G" to the init's exit; CPU is the init's on-CPU time over the same
 * span. With sample, the run instead polls the zombie count (and its times
 * are not kept: polling steals the CPU the init needs). */
static void reap_once(struct init *in, bool sample)
{
	char num[16];
	snprintf(num, sizeof num, "%d", P.reap_orphans);
	const char *cmd[] = { child_path, "orphans", num, NULL };
	int up[2], down[2];
	xpipe(up);
	xpipe(down);
	int shm = memfd_create("bench-exited", MFD_CLOEXEC);
	if (shm < 0 || ftruncate(shm, 4096) < 0)
		die("memfd: %s", strerror(errno));
	volatile uint32_t *exited =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	if (exited == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	int fds[3] = { up[1], down[0], shm };
	pid_t pid = launch(in, NS, cmd, fds, 3);
	close(up[1]);
	close(down[0]);
	close(shm);
	char c;
	if (!recv_within(up[0], &c, 1, 120000)) {
		note("%s: orphan maker did not get ready", in->name);
		kill(pid, SIGKILL);
		reap(pid);
		goto out;
	}
	int64_t cpu0 = cpu_ns(pid);
	int64_t t0 = now_ns();
	(void)!write(down[1], "G", 1);
	if (!sample) {
		int st = wait_end(pid, 60000, true);
		int64_t t1 = now_ns();
		if (st < 0) {
			note("%s: did not exit within 60 s of the orphans' release",
			     in->name);
			goto out;
		}
		int64_t cpu1 = cpu_ns(pid);
		reap(pid);
		if (st != 0)
			note("%s: orphan run ended with status %#x", in->name, st);
		push(&in->reap_wall, t1 - t0);
		push(&in->reap_cpu, cpu1 - cpu0);
	} else {
		/* children of the init = the maker + orphans not yet reaped;
		 * of those, the ones counted out have exited: zombies. */
		char path[64];
		static char buf[1 << 20];
		int64_t peak = 0;
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid,
			 (int)pid);
		int64_t end = now_ns() + 60000 * NS_PER_MS;
		siginfo_t si;
		for (;;) {
			memset(&si, 0, sizeof si);
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid)
				break;
			if (now_ns() > end) {
				kill(pid, SIGKILL);
				break;
			}
			ssize_t len = slurp(path, buf, sizeof buf);
			int64_t kids = 0;
			for (ssize_t i = 0; i < len; i++)
				kids += buf[i] == ' ';
			int64_t ex = __atomic_load_n(exited, __ATOMIC_RELAXED);
			int64_t z = kids - 1 - (P.reap_orphans - ex);
			if (z > peak)
				peak = z;
			struct timespec nap = { 0, 200000 };
			nanosleep(&nap, NULL);
		}
		reap(pid);
		push(&in->reap_peak, peak);
	}
out:
	close(up[0]);
	close(down[1]);
	munmap((void *)exited, 4096);
}

static void bench_reap(struct init **list, size_t n)
{
	int total = (P.reap_rounds + 1) * (int)n, done = 0;
	for (int r = 0; r <= P.reap_rounds; r++)
		for (size_t k = 0; k < n; k++) {
			/* the last round samples the zombie count */
			reap_once(nth(list, n, r, k), r == P.reap_rounds);
			progress("reaping", ++done, total);
		}
}

/* Signal forwarding: all inits run side by side; ping them in turn. */
static void bench_signals(struct init **list, size_t n)
{
	const char *cmd[] = { child_path, "usr1", NULL };
	pid_t pid[MAX_INITS];
	int rd[MAX_INITS];
	bool dead[MAX_INITS] = { false };
	for (size_t k = 0; k < n; k++) {
		int p[2];
		xpipe(p);
		pid[k] = launch(list[k], NS, cmd, &p[1], 1);
		close(p[1]);
		rd[k] = p[0];
		char c;
		if (!recv_within(rd[k], &c, 1, 5000)) {
			note("%s: signal child did not start", list[k]->name);
			dead[k] = true;
		}
	}
	sleep_ms(200);
	const int warm = 100;
	for (int i = -warm; i < P.sig_pings; i++) {
		for (size_t j = 0; j < n; j++) {
			size_t k = ((size_t)(i + warm) + j) % n;
			if (dead[k])
				continue;
			char c;
			int64_t t0 = now_ns();
			kill(pid[k], SIGUSR1);
			bool ok = recv_within(rd[k], &c, 1, 2000);
			int64_t t1 = now_ns();
			if (i < 0)
				continue;
			if (ok) {
				push(&list[k]->rtt, t1 - t0);
			} else if (++list[k]->lost > 10) {
				note("%s: lost more than 10 SIGUSR1 round trips; "
				     "giving up on it",
				     list[k]->name);
				dead[k] = true;
			}
		}
		if (i >= 0 && (i % 500 == 499 || i + 1 == P.sig_pings))
			progress("signal forwarding", i + 1, P.sig_pings);
	}
	for (size_t k = 0; k < n; k++) {
		stop(pid[k]);
		close(rd[k]);
	}
}

/* Shutdown, as docker stop plays it: SIGTERM to PID 1, then wait. */
static void bench_shutdown(struct init **list, size_t n)
{
	char ms[16];
	snprintf(ms, sizeof ms, "%d", P.shut_child_ms);
	const char *cmd[] = { child_path, "term", ms, NULL };
	for (int r = 0; r < P.shut_rounds; r++) {
		for (size_t k = 0; k < n; k++) {
			struct init *in = nth(list, n, r, k);
			int p[2];
			xpipe(p);
			pid_t pid = launch(in, NS, cmd, &p[1], 1);
			close(p[1]);
			char c;
			if (!recv_within(p[0], &c, 1, 5000)) {
				note("%s: shutdown child did not start", in->name);
				kill(pid, SIGKILL);
				reap(pid);
				close(p[0]);
				continue;
			}
			sleep_ms(30); /* let the init settle into its loop */
			int64_t t0 = now_ns();
			kill(pid, SIGTERM);
			int st = wait_end(pid, 10000, false);
			int64_t t1 = now_ns();
			int64_t t[2];
			bool got = recv_within(p[0], t, sizeof t, 100);
			close(p[0]);
			if (st < 0 || !got) {
				note("%s: no clean stop (status %#x, child %s)", in->name,
				     st, got ? "stopped" : "never saw SIGTERM");
				continue;
			}
			push(&in->shut_total, t1 - t0);
			push(&in->shut_fwd, t[0] - t0);
			push(&in->shut_after, t1 - t[1]);
		}
		progress("shutdown", r + 1, P.shut_rounds);
	}
}

/* ---- output -------------------------------------------------------------- */

static FILE *md;

static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vfprintf(md, fmt, ap);
	va_end(ap);
}

enum unit { U_KIB, U_KB, U_COUNT, U_US, U_MS };

static void fmt_val(char *b, size_t len, int64_t v, enum unit u)
{
	switch (u) {
	case U_KIB:
		snprintf(b, len, "%.1f KiB", (double)v / 1024.0);
		break;
	case U_KB:
		snprintf(b, len, "%" PRId64 " kB", v);
		break;
	case U_COUNT:
		snprintf(b, len, "%" PRId64, v);
		break;
	case U_US:
		snprintf(b, len, "%.1f µs", (double)v / 1e3);
		break;
	case U_MS:
		snprintf(b, len, "%.2f ms", (double)v / 1e6);
		break;
	}
}

/* Bare number for the "min–max" part, same unit as the median. */
static void fmt_num(char *b, size_t len, int64_t v, enum unit u)
{
	switch (u) {
	case U_KIB:
		snprintf(b, len, "%.1f", (double)v / 1024.0);
		break;
	case U_KB:
	case U_COUNT:
		snprintf(b, len, "%" PRId64, v);
		break;
	case U_US:
		snprintf(b, len, "%.1f", (double)v / 1e3);
		break;
	case U_MS:
		snprintf(b, len, "%.2f", (double)v / 1e6);
		break;
	}
}

/* How a row gets its number and its cell from one init. */
typedef int64_t (*getter)(const struct init *in, char *cell, size_t len);

/* One table row: a cell per init, the ratio usher/tini-static of the
 * numbers behind the cells, and the target with its verdict. */
static void row(struct init **list, size_t n, const char *figure, getter g,
		const char *target, bool (*met)(int64_t usher, int64_t tini))
{
	char cell[128];
	int64_t u = -1, t = -1;
	out("| %s |", figure);
	for (size_t k = 0; k < n; k++) {
		int64_t v = -1;
		if (list[k]->broken)
			snprintf(cell, sizeof cell, "left out");
		else
			v = g(list[k], cell, sizeof cell);
		if (!strcmp(list[k]->name, "usher"))
			u = v;
		if (!strcmp(list[k]->name, "tini-static"))
			t = v;
		out(" %s |", v < 0 && !list[k]->broken ? "n/a" : cell);
	}
	if (u >= 0 && t > 0)
		out(" %.2f |", (double)u / (double)t);
	else
		out(" — |");
	if (!target)
		out(" |\n");
	else if (u < 0 || !met)
		out(" %s |\n", target);
	else
		out(" %s: %s |\n", target, met(u, t) ? "met" : "**missed**");
}

/* Cell "median (min–max)" of a series; the median is the row's number. */
static int64_t cell_series(const struct series *s, enum unit u, char *cell,
			   size_t len)
{
	if (!s->n)
		return -1;
	char m[32], a[32], b[32];
	fmt_val(m, sizeof m, med(s), u);
	fmt_num(a, sizeof a, lo(s), u);
	fmt_num(b, sizeof b, hi(s), u);
	if (lo(s) == hi(s))
		snprintf(cell, len, "%s", m);
	else
		snprintf(cell, len, "%s (%s–%s)", m, a, b);
	return med(s);
}

static int64_t g_size(const struct init *in, char *c, size_t l)
{
	char v[32];
	fmt_val(v, sizeof v, in->size, U_KIB);
	snprintf(c, l, "%s, %s", v, in->is_static ? "static" : "**dynamic** (+ libc)");
	return in->size;
}
static int64_t g_rss(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->rss, U_KB, c, l);
}
static int64_t g_hwm(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->hwm, U_KB, c, l);
}
static int64_t g_wake(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->wake, U_COUNT, c, l);
}
static int64_t overhead(const struct init *in, int m, char *c, size_t l)
{
	if (!in->startup[m].n || !bare.startup[m].n)
		return -1;
	int64_t d = med(&in->startup[m]) - med(&bare.startup[m]);
	snprintf(c, l, "%+.1f µs", (double)d / 1e3);
	/* The ratio column needs a positive number; an init cannot start
	 * faster than nothing, so clamp noise at zero. */
	return d > 0 ? d : 0;
}
static int64_t g_over_ns(const struct init *in, char *c, size_t l)
{
	return overhead(in, NS, c, l);
}
static int64_t g_over_sub(const struct init *in, char *c, size_t l)
{
	return overhead(in, SUB, c, l);
}
static int64_t g_wall_ns(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->startup[NS], U_MS, c, l);
}
static int64_t g_wall_sub(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->startup[SUB], U_MS, c, l);
}
static int64_t g_reap_cpu(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->reap_cpu, U_MS, c, l);
}
static int64_t g_reap_wall(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->reap_wall, U_MS, c, l);
}
static int64_t g_reap_peak(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->reap_peak, U_COUNT, c, l);
}
static int64_t rtt_pct(const struct init *in, double p, char *c, size_t l)
{
	if (!in->rtt.n)
		return -1;
	int64_t v = pct(&in->rtt, p);
	fmt_val(c, l, v, U_US);
	if (in->lost) {
		size_t used = strlen(c);
		snprintf(c + used, l - used, ", %d lost", in->lost);
	}
	return v;
}
static int64_t g_p50(const struct init *in, char *c, size_t l)
{
	return rtt_pct(in, 0.50, c, l);
}
/* p99 rests on the slowest 1 % only, so a busy neighbour moves it; the
 * spread of p99 over blocks of 1000 consecutive pings shows by how much. */
static int64_t g_p99(const struct init *in, char *c, size_t l)
{
	int64_t v = rtt_pct(in, 0.99, c, l), bmin = -1, bmax = -1;
	const size_t blk = 1000;
	for (size_t i = 0; v >= 0 && i + blk <= in->rtt.n; i += blk) {
		struct series b = { in->rtt.v + i, blk, blk };
		int64_t p = pct(&b, 0.99);
		bmin = bmin < 0 || p < bmin ? p : bmin;
		bmax = p > bmax ? p : bmax;
	}
	if (bmin >= 0 && in->rtt.n >= 2 * blk) {
		char a[32], b[32];
		size_t used = strlen(c);
		fmt_num(a, sizeof a, bmin, U_US);
		fmt_num(b, sizeof b, bmax, U_US);
		snprintf(c + used, l - used, " (%s–%s per 1000)", a, b);
	}
	return v;
}
static int64_t g_shut(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->shut_total, U_MS, c, l);
}
static int64_t g_shut_fwd(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->shut_fwd, U_US, c, l);
}
static int64_t g_shut_after(const struct init *in, char *c, size_t l)
{
	return cell_series(&in->shut_after, U_US, c, l);
}

/* 80 KiB since --wait and --probe brought the resolver (issue 10) */
static bool le_80k(int64_t u, int64_t t)
{
	(void)t;
	return u <= 80 * 1024;
}
static bool le_64k(int64_t u, int64_t t)
{
	(void)t;
	return u <= 64;
}
static bool zero(int64_t u, int64_t t)
{
	(void)t;
	return u == 0;
}
static bool le_tini(int64_t u, int64_t t)
{
	return t >= 0 && u <= t;
}
static bool within_5ms(int64_t u, int64_t t)
{
	(void)t;
	return u <= (P.shut_child_ms + 5) * NS_PER_MS;
}

static void machine(char *b, size_t len)
{
	struct utsname un;
	char cpu[256] = "unknown", buf[1 << 16];
	uname(&un);
	if (slurp("/proc/cpuinfo", buf, sizeof buf) > 0) {
		char *p = strstr(buf, "model name");
		if (p && (p = strchr(p, ':'))) {
			p += 2;
			size_t k = strcspn(p, "\n");
			snprintf(cpu, sizeof cpu, "%.*s", (int)k, p);
		}
	}
	snprintf(b, len, "%s %s, %s, %ld CPUs", un.sysname, un.release, cpu,
		 sysconf(_SC_NPROCESSORS_ONLN));
}

static void table(struct init **list, size_t n, const char *when,
		  const char *mach, const char *load0, const char *load1)
{
	out("| figure |");
	for (size_t k = 0; k < n; k++)
		out(" %s |", list[k]->name);
	out(" usher/tini-static | usher's target |\n|---|");
	for (size_t k = 0; k < n; k++)
		out("---|");
	out("---|---|\n");
	row(list, n, "binary size (file, stripped)", g_size, "≤ 80 KiB", le_80k);
	row(list, n, "idle VmRSS, child asleep", g_rss, "≤ 64 kB", le_64k);
	row(list, n, "idle VmHWM, child asleep", g_hwm, "≤ 64 kB", le_64k);
	char fig[128];
	snprintf(fig, sizeof fig, "idle wake-ups in %d s (voluntary switches)",
		 P.idle_seconds);
	row(list, n, fig, g_wake, "0", zero);
	row(list, n, "start-up overhead, PID 1 of a new namespace (median)",
	    g_over_ns, "≤ tini-static", le_tini);
	row(list, n, "… wall of `INIT -- /bin/true`, PID 1", g_wall_ns, NULL, NULL);
	row(list, n, "start-up overhead, plain child / subreaper (median)",
	    g_over_sub, "≤ tini-static", le_tini);
	row(list, n, "… wall of `INIT -- /bin/true`, child", g_wall_sub, NULL, NULL);
	snprintf(fig, sizeof fig, "reaping %d orphans: CPU of the init",
		 P.reap_orphans);
	row(list, n, fig, g_reap_cpu, "≤ tini-static", le_tini);
	row(list, n, "… wall, release to init exit", g_reap_wall, NULL, NULL);
	row(list, n, "… most zombies at once (one sampled run)", g_reap_peak, NULL,
	    NULL);
	row(list, n, "SIGUSR1 round trip via the init, p50", g_p50, "≤ tini-static",
	    le_tini);
	row(list, n, "SIGUSR1 round trip via the init, p99", g_p99, "≤ tini-static",
	    le_tini);
	snprintf(fig, sizeof fig,
		 "shutdown: SIGTERM to init exit, child takes %d ms",
		 P.shut_child_ms);
	char tgt[32];
	snprintf(tgt, sizeof tgt, "≤ %d ms", P.shut_child_ms + 5);
	row(list, n, fig, g_shut, tgt, within_5ms);
	row(list, n, "… SIGTERM reaching the child", g_shut_fwd, NULL, NULL);
	row(list, n, "… init exit after the child's", g_shut_after, NULL, NULL);
	char bn[64] = "n/a", bs[64] = "n/a";
	if (bare.startup[NS].n)
		cell_series(&bare.startup[NS], U_MS, bn, sizeof bn);
	if (bare.startup[SUB].n)
		cell_series(&bare.startup[SUB], U_MS, bs, sizeof bs);
	out("\nCells: median (min–max). Bare `/bin/true`: %s in a new namespace, %s "
	    "as a child.\n",
	    bn, bs);
	out("Counts: start-up %d runs per init and mode; idle %d × %d s; reaping %d "
	    "timed runs + 1 sampled; %d SIGUSR1 round trips per init; %d stops per "
	    "init.\n",
	    P.startup_runs, P.idle_rounds, P.idle_seconds, P.reap_rounds, P.sig_pings,
	    P.shut_rounds);
	/* Only the load at the start says something about the machine: the
	 * reaping bursts put 20 000 runnable processes in it themselves. */
	out("Run %s on %s; 1-minute load average %s at start.\n", when, mach,
	    load0);
	(void)load1;
	if (run_note)
		out("%s\n", run_note);
}

static void json_series(FILE *f, const char *key, const struct series *s,
			bool *first)
{
	fprintf(f, "%s\n      \"%s\": [", *first ? "" : ",", key);
	*first = false;
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s%" PRId64, i ? "," : "", s->v[i]);
	fprintf(f, "]");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json(struct init **list, size_t n, const char *path, const char *when,
		 const char *mach, const char *load0, const char *load1)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"date\": ");
	json_str(f, when);
	fprintf(f, ",\n  \"machine\": ");
	json_str(f, mach);
	if (run_note) {
		fprintf(f, ",\n  \"note\": ");
		json_str(f, run_note);
	}
	fprintf(f, ",\n  \"loadavg_start\": ");
	json_str(f, load0);
	fprintf(f, ",\n  \"loadavg_end\": ");
	json_str(f, load1);
	fprintf(f,
		",\n  \"units\": \"times in ns, memory in kB, sizes in bytes\",\n"
		"  \"params\": {\"startup_runs\": %d, \"idle_rounds\": %d, "
		"\"idle_seconds\": %d, \"reap_orphans\": %d, \"reap_rounds\": %d, "
		"\"sig_pings\": %d, \"shut_rounds\": %d, \"shut_child_ms\": %d},\n"
		"  \"inits\": {",
		P.startup_runs, P.idle_rounds, P.idle_seconds, P.reap_orphans,
		P.reap_rounds, P.sig_pings, P.shut_rounds, P.shut_child_ms);
	for (size_t k = 0; k <= n; k++) {
		const struct init *in = k < n ? list[k] : &bare;
		bool first = true;
		fprintf(f, "%s\n    ", k ? "," : "");
		json_str(f, in->name);
		fprintf(f, ": {");
		if (!in->bare) {
			fprintf(f, "\n      \"path\": ");
			json_str(f, in->path);
			fprintf(f,
				",\n      \"size\": %lld,\n      \"static\": %s,\n"
				"      \"left_out\": %s,\n      \"sigusr1_lost\": %d",
				(long long)in->size, in->is_static ? "true" : "false",
				in->broken ? "true" : "false", in->lost);
			first = false;
		}
		json_series(f, "startup_pid1", &in->startup[NS], &first);
		json_series(f, "startup_child", &in->startup[SUB], &first);
		if (!in->bare) {
			json_series(f, "idle_vmrss", &in->rss, &first);
			json_series(f, "idle_vmhwm", &in->hwm, &first);
			json_series(f, "idle_wakeups", &in->wake, &first);
			json_series(f, "reap_cpu", &in->reap_cpu, &first);
			json_series(f, "reap_wall", &in->reap_wall, &first);
			json_series(f, "reap_peak_zombies", &in->reap_peak, &first);
			json_series(f, "sigusr1_rtt", &in->rtt, &first);
			json_series(f, "shutdown_total", &in->shut_total, &first);
			json_series(f, "shutdown_forward", &in->shut_fwd, &first);
			json_series(f, "shutdown_after_child", &in->shut_after, &first);
		}
		fprintf(f, "\n    }");
	}
	fprintf(f, "\n  }\n}\n");
	if (fclose(f) != 0)
		die("%s: write failed", path);
}

static void loadavg(char *b, size_t len)
{
	if (slurp("/proc/loadavg", b, len) <= 0)
		snprintf(b, len, "?");
	b[strcspn(b, " ") ? strcspn(b, " ") : 0] = '\0'; /* 1-minute figure */
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [--quick] [--only FIGURES] [--note TEXT] --out DIR "
		"--child PATH NAME=PATH...\n"
		"FIGURES: comma-separated of startup,idle,reap,signals,shutdown\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--quick")) {
			P.startup_runs = 20;
			P.idle_rounds = 1;
			P.idle_seconds = 2;
			P.reap_orphans = 2000;
			P.reap_rounds = 1;
			P.sig_pings = 300;
			P.shut_rounds = 3;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out_dir = argv[++i];
		} else if (!strcmp(argv[i], "--child") && i + 1 < argc) {
			child_path = argv[++i];
		} else if (!strcmp(argv[i], "--note") && i + 1 < argc) {
			run_note = argv[++i];
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else {
			usage();
		}
	}
	if (!out_dir || !child_path || i == argc)
		usage();
	if (geteuid() != 0)
		die("needs root: every init runs as PID 1 of a new PID namespace");
	for (; i < argc && ninits < MAX_INITS; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			usage();
		*eq = '\0';
		struct init *in = &inits[ninits++];
		in->name = argv[i];
		in->path = eq + 1;
		struct stat st;
		if (stat(in->path, &st) < 0 || access(in->path, X_OK) < 0) {
			note("%s: %s is missing; left out", in->name, in->path);
			in->broken = true;
			continue;
		}
		in->size = st.st_size;
		in->is_static = elf_is_static(in->path);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: waits must see EINTR */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	char logpath[4096];
	snprintf(logpath, sizeof logpath, "%s/inits.log", out_dir);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (devnull < 0 || logfd < 0)
		die("cannot open /dev/null or %s", logpath);

	char when[64], mach[512], load0[64], load1[64];
	time_t tnow = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&tnow));
	machine(mach, sizeof mach);
	loadavg(load0, sizeof load0);

	struct init *all[MAX_INITS], *live[MAX_INITS];
	size_t nlive = 0;
	for (size_t k = 0; k < ninits; k++) {
		all[k] = &inits[k];
		if (!inits[k].broken)
			probe(&inits[k]);
		if (!inits[k].broken)
			live[nlive++] = &inits[k];
	}
	if (!nlive)
		die("no init passed the probe");
#define WANT(f) (!only || strstr(only, f))
	if (WANT("startup"))
		bench_startup(live, nlive);
	if (WANT("idle"))
		bench_idle(live, nlive);
	if (WANT("reap"))
		bench_reap(live, nlive);
	if (WANT("signals"))
		bench_signals(live, nlive);
	if (WANT("shutdown"))
		bench_shutdown(live, nlive);
	loadavg(load1, sizeof load1);

	char path[4096];
	snprintf(path, sizeof path, "%s/results.md", out_dir);
	md = fopen(path, "w");
	if (!md)
		die("%s: %s", path, strerror(errno));
	table(all, ninits, when, mach, load0, load1);
	if (fclose(md) != 0)
		die("%s: write failed", path);
	snprintf(path, sizeof path, "%s/results.json", out_dir);
	json(all, ninits, path, when, mach, load0, load1);
	return 0;
}
