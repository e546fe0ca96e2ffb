/* stopdrv: plays the container platform around usher, for the shutdown
 * tests. It starts usher (as PID 1 of a fresh PID and mount namespace with
 * -n, else as its plain child), runs a short script of actions against it
 * from outside ("wait for this file", "send SIGTERM", ...), and SIGKILLs
 * usher at the deadline exactly as `docker stop` does: grace seconds after
 * the first stop signal. Every step is appended to LOG as
 * "<monotonic ms> driver <event>", the format of stoprec, so one log holds
 * the whole story. The result is printed on stdout as shell assignments
 * (DRV_CODE=... ) for the test to eval.
 *
 * The driver is a child subreaper, and PID 1 when a test runs it under
 * unshare: whatever usher leaves behind is re-parented to it, so it can
 * report leaks (DRV_LEAKED) and then kill them. An "unrelated" process
 * (-u) is started beside usher and must still be alive, and never
 * signalled, when usher is done. */
#include "common.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ACTIONS 32

static const char usage[] =
	"usage: stopdrv -l LOG [OPTION]... -- USHER [ARG]...\n"
	"  -n          usher is PID 1 of a new PID and mount namespace\n"
	"  -l LOG      append \"<ms> driver <event>\" lines to LOG\n"
	"  -g SECONDS  SIGKILL usher this long after the first stop (10)\n"
	"  -T SECONDS  SIGKILL usher this long after start if no stop (30)\n"
	"  -e FILE     usher's stderr (default: inherited)\n"
	"  -o FILE     usher's stdout (default: /dev/null)\n"
	"  -u CMD      start CMD (split at blanks) beside usher: unrelated\n"
	"  -W FILE     before starting usher, wait for FILE (unrelated ready)\n"
	"  -U FILE     write the unrelated process's PID into FILE\n"
	"  -a ACTION   after start, in order: wait=FILE sleep=MS sig=SIG\n"
	"              stop=SIG (the first stop arms the deadline)\n";

static int log_fd = -1;
static pid_t usher_pid, unrel_pid;
static int usher_status = -1, unrel_status = -1;
static long long t_start, t_end = -1, t0 = -1, deadline = -1;
static long long grace_ms = 10000, safety_ms = 30000;
static bool killed;
static char leaked[2048], got_sigs[256];


static void rec(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	size_t n = rec_line(buf, sizeof buf, "driver", fmt, ap);
	va_end(ap);
	if (write(log_fd, buf, n) < 0)
		perror("stopdrv: log");
}

static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("stopdrv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static const struct {
	const char *name;
	int sig;
} sigs[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },   { "QUIT", SIGQUIT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "WINCH", SIGWINCH },
};

static int sigparse(const char *s)
{
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (!strcmp(s, sigs[i].name))
			return sigs[i].sig;
	char *end;
	long n = strtol(s, &end, 10);
	if (!*s || *end || n < 1 || n > 64)
		die("bad signal %s", s);
	return (int)n;
}

static long long parse_ms(const char *s)
{
	char *end;
	double d = strtod(s, &end);
	if (*end || d < 0)
		die("bad duration %s", s);
	return (long long)(d * 1000.0 + 0.5);
}

static int code_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = snprintf(buf, len, "?");
	else if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

/* Reap whatever is ready; anything but usher and the unrelated process is
 * something usher left behind. */
static void reap(void)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == usher_pid) {
			usher_status = st;
			t_end = mono_ms();
			rec("usher exited code=%d", code_of(st));
		} else if (pid == unrel_pid) {
			unrel_status = st;
			rec("unrelated exited code=%d", code_of(st));
		} else {
			append(leaked, sizeof leaked, "%s%d:reaped",
			       *leaked ? " " : "", (int)pid);
			rec("reaped leftover %d", (int)pid);
		}
	}
}

/* Wait for events until `until` (ms) or until usher is gone, enforcing the
 * platform's deadline on the way. */
static void pump(long long until)
{
	sigset_t set;
	sigfillset(&set);
	for (;;) {
		reap();
		long long now = mono_ms();
		if (usher_status < 0 && deadline >= 0 && now >= deadline &&
		    !killed) {
			killed = true;
			rec("KILL usher (deadline)");
			kill(usher_pid, SIGKILL);
			continue;
		}
		if (usher_status >= 0 || now >= until)
			return;
		long long next = until;
		if (usher_status < 0 && deadline >= 0 && deadline < next &&
		    !killed)
			next = deadline;
		struct timespec ts = { (time_t)((next - now) / 1000),
				       (long)((next - now) % 1000) * 1000000 };
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, &ts);
		if (sig > 0 && sig != SIGCHLD) {
			/* usher must never signal its parent's world */
			append(got_sigs, sizeof got_sigs, "%s%d",
			       *got_sigs ? "," : "", sig);
			rec("got signal %d from=%d", sig, (int)si.si_pid);
		}
	}
}

static char **split(const char *cmd)
{
	char *copy = strdup(cmd), *save = NULL;
	char **v = calloc(64, sizeof *v);
	size_t n = 0;
	for (char *w = strtok_r(copy, " \t", &save); w && n < 63;
	     w = strtok_r(NULL, " \t", &save))
		v[n++] = w;
	return v;
}

static void redirect(int fd, const char *path, int flags)
{
	int f = open(path, flags, 0644);
	if (f < 0 || dup2(f, fd) < 0) {
		perror(path);
		_exit(127);
	}
	close(f);
}

static pid_t spawn(char **argv, bool ns, const char *out, const char *err)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	if (ns) {
		/* PID 1 of the new namespace: its own /proc, as
		 * `unshare --pid --fork --mount-proc` gives */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("proc", "/proc", "proc",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			perror("stopdrv: namespace set-up");
			_exit(127);
		}
	}
	/* usher starts as under a container runtime: default dispositions
	 * (a shell's background job would otherwise pass on ignored INT and
	 * QUIT) and nothing blocked */
	for (int i = 1; i <= 64; i++)
		if (i != SIGKILL && i != SIGSTOP)
			signal(i, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	redirect(0, "/dev/null", O_RDONLY);
	redirect(1, out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC);
	if (err)
		redirect(2, err, O_WRONLY | O_CREAT | O_TRUNC);
	execv(argv[0], argv);
	fprintf(stderr, "stopdrv: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static bool alive(void)
{
	return usher_status < 0;
}

static void act(const char *a)
{
	const char *eq = strchr(a, '=');
	if (!eq)
		die("bad action %s", a);
	size_t k = (size_t)(eq - a);
	const char *v = eq + 1;

	if (!alive()) {
		rec("skipped %s (usher gone)", a);
		return;
	}
	if (k == 4 && !strncmp(a, "wait", k)) {
		long long give_up = mono_ms() + 15000;
		while (access(v, F_OK) < 0 && alive()) {
			if (mono_ms() >= give_up) {
				rec("wait %s timed out", v);
				printf("DRV_WAIT_TIMEOUT=1\n");
				return;
			}
			pump(mono_ms() + 5);
		}
		rec("seen %s", v);
	} else if (k == 5 && !strncmp(a, "sleep", k)) {
		pump(mono_ms() + atoll(v));
	} else if (k == 3 && !strncmp(a, "sig", k)) {
		rec("send %s", v);
		kill(usher_pid, sigparse(v));
	} else if (k == 4 && !strncmp(a, "stop", k)) {
		int sig = sigparse(v);
		if (t0 < 0) {
			/* docker stop: the clock starts with the first one */
			t0 = mono_ms();
			deadline = t0 + grace_ms;
		}
		rec("stop %s", v);
		kill(usher_pid, sig);
	} else {
		die("bad action %s", a);
	}
}

/* Children of the driver that are neither usher nor the unrelated process:
 * usher's leftovers, re-parented here when usher exited. */
static size_t orphans(pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;
	pid_t me = getpid();

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[300], buf[512];
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || pid == unrel_pid || pid == me)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t r = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
		if (fd >= 0)
			close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		char *p = strrchr(buf, ')');
		int ppid = 0;
		char state = 0;
		if (p && sscanf(p + 2, "%c %d", &state, &ppid) == 2 &&
		    ppid == (int)me)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	const char *logp = NULL, *err = NULL, *out = NULL, *ucmd = NULL;
	const char *uwait = NULL, *upidf = NULL;
	const char *actions[MAX_ACTIONS];
	size_t nact = 0;
	bool ns = false;
	int c;

	while ((c = getopt(argc, argv, "+nl:g:T:e:o:u:W:U:a:")) != -1) {
		switch (c) {
		case 'n': ns = true; break;
		case 'l': logp = optarg; break;
		case 'g': grace_ms = parse_ms(optarg); break;
		case 'T': safety_ms = parse_ms(optarg); break;
		case 'e': err = optarg; break;
		case 'o': out = optarg; break;
		case 'u': ucmd = optarg; break;
		case 'W': uwait = optarg; break;
		case 'U': upidf = optarg; break;
		case 'a':
			if (nact == MAX_ACTIONS)
				die("too many actions");
			actions[nact++] = optarg;
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!logp || optind >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	log_fd = open(logp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0)
		die("%s: %s", logp, strerror(errno));

	/* Every signal is taken synchronously in pump(); children get an
	 * empty mask back before exec. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	if (ucmd) {
		unrel_pid = spawn(split(ucmd), false, NULL, NULL);
		rec("unrelated pid=%d", (int)unrel_pid);
		if (upidf) {
			FILE *f = fopen(upidf, "w");
			if (!f || fprintf(f, "%d\n", (int)unrel_pid) < 0 ||
			    fclose(f) != 0)
				die("%s: %s", upidf, strerror(errno));
		}
		if (uwait) {
			long long give_up = mono_ms() + 15000;
			while (access(uwait, F_OK) < 0 && mono_ms() < give_up) {
				struct timespec ts = { 0, 5000000L };
				nanosleep(&ts, NULL);
			}
		}
	}
	if (ns && unshare(CLONE_NEWPID) < 0)
		die("unshare(CLONE_NEWPID): %s", strerror(errno));

	t_start = mono_ms();
	deadline = t_start + safety_ms;
	usher_pid = spawn(argv + optind, ns, out, err);
	rec("started usher pid=%d%s", (int)usher_pid, ns ? " as PID 1" : "");

	for (size_t i = 0; i < nact; i++)
		act(actions[i]);
	while (alive())
		pump(mono_ms() + 60000);

	/* After usher: nothing of its own may be left. As a subreaper we
	 * inherited whatever it did not drain. */
	pid_t left[256];
	size_t n = orphans(left, 256);
	for (size_t i = 0; i < n; i++) {
		char comm[32];
		comm_of(left[i], comm, sizeof comm);
		append(leaked, sizeof leaked, "%s%d:%s", *leaked ? " " : "",
		       (int)left[i], comm);
		rec("leftover %d (%s) outlived usher", (int)left[i], comm);
	}
	reap();

	const char *unrel = "none";
	char ubuf[32];
	if (unrel_pid > 0) {
		if (unrel_status >= 0) {
			snprintf(ubuf, sizeof ubuf, "dead:%d", code_of(unrel_status));
			unrel = ubuf;
		} else {
			unrel = "alive";
		}
	}

	printf("DRV_CODE=%d\n", code_of(usher_status));
	printf("DRV_T0=%lld\n", t0 >= 0 ? t0 : t_start);
	printf("DRV_END=%lld\n", t_end);
	printf("DRV_MS=%lld\n", t_end - (t0 >= 0 ? t0 : t_start));
	printf("DRV_STOPPED=%d\n", t0 >= 0);
	printf("DRV_KILLED=%d\n", killed);
	printf("DRV_LEAKED='%s'\n", leaked);
	printf("DRV_UNRELATED=%s\n", unrel);
	printf("DRV_SIGNALS='%s'\n", got_sigs);
	fflush(stdout);

	/* Clean up for the next test: the unrelated process and every
	 * leftover (their children come to us in turn). */
	if (unrel_pid > 0 && unrel_status < 0)
		kill(unrel_pid, SIGKILL);
	for (int round = 0; round < 50; round++) {
		n = orphans(left, 256);
		for (size_t i = 0; i < n; i++)
			kill(left[i], SIGKILL);
		if (unrel_pid > 0 && unrel_status < 0)
			n++;
		if (!n)
			break;
		struct timespec ts = { 0, 10000000L };
		nanosleep(&ts, NULL);
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == unrel_pid)
				unrel_status = st;
	}
	return 0;
}
