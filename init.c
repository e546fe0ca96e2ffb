/* init.c: main, spawning, and the one blocking loop.
 *
 * Set-up may die (one line, exit 125/126/127); once the loop runs usher
 * only warns and carries on: PID 1 dying takes the whole container. */
#include "usher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Descriptors usher inherited would stay open for the container's life:
 * a pipe never sees EOF, a mount stays busy. The child keeps its copies. */
static void close_inherited(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++) /* kernels before 5.9 */
		close(fd);
}

/* The range usher.ld gathers: code that runs only before COMMAND (the
 * resolver, --wait's and --probe's). Its pages are resident since start-up
 * (the kernel maps a small file's pages around each fault), and would stay
 * so for the container's life. MADV_RANDOM changes nothing but a flag, so
 * the range becomes a mapping of its own and later faults in the code
 * that stays cannot map it back; MADV_DONTNEED then drops it. Should the
 * range run again, it simply faults in. Builds without usher.ld have
 * no range (weak symbols: NULL). */
extern const char usher_cold_start[] __attribute__((weak));
extern const char usher_cold_end[] __attribute__((weak));
static void drop_cold(void)
{
	uintptr_t pg = (uintptr_t)getauxval(AT_PAGESZ);
	uintptr_t a = (uintptr_t)usher_cold_start, b = (uintptr_t)usher_cold_end;

	if (!a || !pg)
		return;
	/* down: before the range lie only the ELF header and _init, read at
	 * start-up; the last page is shared with code that stays */
	a &= ~(pg - 1);
	b &= ~(pg - 1);
	if (b > a && madvise((void *)a, b - a, MADV_RANDOM) == 0)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

static void forward(struct usher *u, int sig, int to)
{
	char a[16], b[16];

	if (!u->main_pid) {
		/* reaped (its PID may belong to someone else soon), or the
		 * daemon of --pidfile is not known yet */
		LOG(L_INFO, "no main process: %s not forwarded", sig_name(sig, a, sizeof(a)));
		return;
	}
	LOG(L_INFO, "forwarding %s%s%s to %s %d", sig_name(sig, a, sizeof(a)),
	    to == sig ? "" : " as ", to == sig ? "" : sig_name(to, b, sizeof(b)),
	    u->o.pgroup ? "group" : "process",
	    (int)(u->o.pgroup ? u->main_pgid : u->main_pid));
	sig_send(u->main_pid, u->main_pgid, u->o.pgroup, to);
}

static void on_signal(struct usher *u, const siginfo_t *si)
{
	int sig = si->si_signo, to;
	char name[16];

	if (sig == SIGCHLD) {
		reap_all(u);
		return;
	}
	if (sig == SIGPIPE && si->si_code == SI_USER && si->si_pid == u->self)
		return; /* our own write to a closed pipe; the kernel's, not a request */
	switch (sig_route(&u->o, sig, &to)) {
	case ROUTE_DROP:
		LOG(L_DEBUG, "dropped %s", sig_name(sig, name, sizeof(name)));
		break;
	case ROUTE_STOP:
		shutdown_on_stop(u, sig);
		break;
	case ROUTE_FORWARD:
		forward(u, sig, to);
		break;
	}
}

/* The loop: block in one sigtimedwait, with a timeout only while a
 * deadline is armed, so an idle usher never wakes up. */
static int run(struct usher *u)
{
	siginfo_t si;

	for (;;) {
		/* no clock while nothing is armed: forwarding stays 2 syscalls */
		int64_t wake, now = u->tl.phase == PH_RUN ? 0 : mono_now();
		enum action a;
		while ((a = timeline_next(&u->tl, now, &wake)) != ACT_NONE) {
			if (a == ACT_EXIT)
				goto out;
			shutdown_perform(u, a);
			now = mono_now();
		}
		struct timespec ts, *tp = timeout_until(wake, now, &ts);
		/* EAGAIN: a deadline passed; EINTR: we were stopped and continued */
		if (sigtimedwait(&u->blocked, &si, tp) > 0)
			on_signal(u, &si);
	}
out:
	if (u->tl.others_left)
		LOG(L_WARN, "exiting with processes left that could not be killed");
	if (u->exit_code < 0)
		u->exit_code = u->main_pid ? 128 + SIGKILL
					   : exit_code_for(u->main_status, u->o.success);
	LOG(L_INFO, "exiting %d", u->exit_code);
	terminal_back(u);
	return u->exit_code;
}

static void print(const char *s)
{
	size_t len = strlen(s);
	while (len) {
		ssize_t w = write(STDOUT_FILENO, s, len);
		if (w <= 0)
			_exit(EXIT_USHER);
		s += w;
		len -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	/* page-aligned: the struct is most of what an idle usher writes, and
	 * unaligned it straddled two bss pages, 4 kB more idle RSS (which
	 * paid for the code that grew the binary past a page boundary) */
	static struct usher u __attribute__((aligned(4096)));
	static struct creds creds;
	char err[256];
	int code;

	/* Block, don't catch: blocked signals queue even for a namespace's
	 * init, which the kernel would otherwise spare from default actions.
	 * First of all, so that even a usage error written into a closed
	 * pipe exits 125 rather than dying of SIGPIPE. */
	sig_blockable(&u.blocked);
	if (sigprocmask(SIG_BLOCK, &u.blocked, &u.orig_mask) < 0)
		DIE(EXIT_USHER, errno, "cannot block signals");
	/* setuid usher would run any COMMAND as its owner */
	if (getauxval(AT_SECURE))
		DIE(EXIT_USHER, 0, "refusing to run setuid or setgid");
	switch (opts_parse(&u.o, argc, argv, err, sizeof(err))) {
	case PARSE_HELP:
		print(usage_text);
		return 0;
	case PARSE_VERSION:
		version_line(err, sizeof(err), USHER_COMMIT);
		print(err);
		return 0;
	case PARSE_ERROR:
		DIE(EXIT_USHER, 0, "%s", err);
	case PARSE_RUN:
		break;
	}
	log_level = u.o.verbosity;
	if (u.o.probe)
		return wait_run(&u);
	/* before anything starts, so a bad --user starts nothing */
	if (u.o.user) {
		if (user_resolve(u.o.user, "/etc/passwd", "/etc/group", &creds, err,
				 sizeof(err)) < 0)
			DIE(EXIT_USHER, 0, "%s", err);
		u.creds = &creds;
	}

	u.self = getpid();
	u.pid1 = u.self == 1;
	u.exit_code = -1;
	/* usher leaves its directory for /: remember it for the hook and a
	 * relative pidfile (only then: the buffer stays out of idle memory).
	 * The raw call: musl's getcwd links strdup and malloc. */
	static char cwd[PATH_MAX], pidfile[PATH_MAX];
	bool rel_pidfile = u.o.pidfile && u.o.pidfile[0] != '/';
	u.cwd = "/";
	if ((u.o.hook_argv || rel_pidfile) &&
	    syscall(SYS_getcwd, cwd, sizeof(cwd)) > 0 && cwd[0] == '/')
		u.cwd = cwd;
	if (rel_pidfile) {
		if (fmt(pidfile, sizeof(pidfile), "%s/%s", u.cwd, u.o.pidfile) + 1 >=
		    sizeof(pidfile))
			DIE(EXIT_USHER, ENAMETOOLONG, "--pidfile %s", u.o.pidfile);
		u.o.pidfile = pidfile;
	}
	u.tl.phase = PH_RUN;
	u.tl.grace = u.o.grace_ns;
	u.tl.hook_timeout = u.o.hook_timeout_ns;
	u.tl.t0 = u.tl.kill_at = -1;
	u.tl.has_hook = u.o.hook_argv != NULL;
	u.tl.main_running = true;
	u.tl.hook_stops = u.o.hook_stops;
	u.tl.delay = u.o.stop_delay_ns;
	if (u.o.stop_delay_ns > u.o.grace_ns / 2) {
		char d[24], g[24];
		LOG(L_WARN, "--stop-delay %ss is more than half the grace (%ss): it ends at %ss",
		    fmt_seconds(u.o.stop_delay_ns, d, sizeof(d)),
		    fmt_seconds(u.o.grace_ns, g, sizeof(g)),
		    fmt_seconds(u.o.grace_ns / 2, err, sizeof(err)));
	}

	/* An inherited SIG_IGN or SA_NOCLDWAIT for SIGCHLD makes the kernel
	 * reap for us and lose every exit status: back to the default. */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	if (sigaction(SIGCHLD, &dfl, &u.orig_chld) < 0)
		DIE(EXIT_USHER, errno, "cannot reset SIGCHLD");
	/* as PID 1 orphans come to us anyway; elsewhere we must ask for them.
	 * Refused (EPERM on AWS Lambda, a seccomp profile): COMMAND still
	 * runs, gets its signals and passes on its status; only orphans go
	 * to whoever reaps above us, as tini warns and carries on */
	bool reaper = u.pid1 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
	if (!reaper)
		WARN_ERRNO("not PID 1 and cannot become a subreaper (orphans of %s "
			   "will not be reaped by usher)", u.o.argv[0]);
	bool parent_gone = false;
	if (u.o.pdeathsig) {
		pid_t ppid = getppid();
		if (prctl(PR_SET_PDEATHSIG, u.o.pdeathsig, 0, 0, 0) < 0)
			DIE(EXIT_USHER, errno, "cannot set the parent death signal");
		/* the parent may have died before prctl: then no signal comes */
		parent_gone = ppid != 0 && getppid() != ppid;
	}
	u.foreground = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();

	/* before COMMAND and as root: --user is for COMMAND alone */
	if (u.o.ntargets && (code = wait_run(&u)) != 0)
		return code;
	u.main_pid = spawn(&u, u.o.argv, false, err, sizeof(err), &code);
	if (u.main_pid < 0)
		DIE(EXIT_USHER, errno, "%s %s", err, u.o.argv[0]);
	if (code) {
		terminal_back(&u); /* the child took it before its exec failed */
		DIE(code, 0, "%s", err);
	}
	u.main_pgid = u.main_pid;
	LOG(L_INFO, "started %s as process %d%s", u.o.argv[0], (int)u.main_pid,
	    u.pid1 ? "" : reaper ? " (usher is a subreaper)" : " (usher is no subreaper)");

	close_inherited();
	if (chdir("/") < 0)
		WARN_ERRNO("cannot change directory to /");
	if (parent_gone) {
		siginfo_t si = { .si_signo = u.o.pdeathsig };
		on_signal(&u, &si);
	}
	drop_cold();
	return run(&u);
}
