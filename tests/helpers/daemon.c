/* daemon: a legacy daemon for the --pidfile tests. It forks into the
 * background the classic way (fork, setsid, fork again, the middle exits),
 * writes its PID to PIDFILE once it has been re-parented to the init, and
 * then becomes a stoprec recorder (exec, same PID) with the given
 * arguments, so the tests see its signals and its exit in the usual log.
 *
 *   daemon [OPTION]... PIDFILE STOPREC LOG WHO [STOPREC-OPTION]...
 *
 *   --starter-exit N     the starting process exits N once the middle one
 *                        is gone (default 0)
 *   --pidfile-delay MS   write PIDFILE that much later (default 0)
 *   --no-pidfile         never write it
 *   --keep-parent        the middle process stays (a recorder named
 *                        "middle" that exits 0 on TERM): the daemon is not
 *                        the init's child; the starter exits once PIDFILE is
 *                        written
 *   --upgrade READY      an nginx-like binary upgrade: the daemon ("old")
 *                        writes PIDFILE, creates READY, and on USR2 forks
 *                        its successor, which writes its own PID to PIDFILE
 *                        and becomes the recorder; the old one exits 0
 *                        200 ms later. Any other signal: it exits 4. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *logp = "/dev/null";


/* the stoprec line format, for the parts that happen before the exec */
static void rec(const char *who, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	size_t n = rec_line(buf, sizeof buf, who, fmt, ap);
	va_end(ap);
	int fd = open(logp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, n) < 0)
			perror("daemon: log");
		close(fd);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Write-then-rename: usher must never read a half-written PID. */
static void write_pidfile(const char *path, pid_t pid)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) < 0) {
		perror(path);
		_exit(2);
	}
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static void become_recorder(char **rec_argv)
{
	execv(rec_argv[0], rec_argv);
	perror(rec_argv[0]);
	_exit(127);
}

/* The old master of --upgrade: no recorder, it only waits for USR2. */
static void old_master(const char *pidfile, const char *ready, char **rec_argv)
{
	sigset_t all;
	sigfillset(&all);
	write_pidfile(pidfile, getpid());
	rec("old", "start pid=%d ppid=%d", (int)getpid(), (int)getppid());
	touch(ready);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig == SIGCHLD || sig < 0)
			continue;
		rec("old", "sig %d from=%d", sig, (int)si.si_pid);
		if (sig != SIGUSR2) {
			rec("old", "exit 4");
			_exit(4);
		}
		int p[2];
		char c = 0;
		if (pipe(p) < 0)
			_exit(2);
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			write_pidfile(pidfile, getpid());
			if (write(p[1], &c, 1) < 0)
				_exit(2);
			close(p[1]);
			become_recorder(rec_argv);
		}
		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(2);
		sleep_ms(200);
		rec("old", "exit 0");
		_exit(0);
	}
}

int main(int argc, char **argv)
{
	int starter_exit = 0, i = 1;
	long delay = 0;
	bool no_pidfile = false, keep_parent = false;
	const char *upgrade = NULL;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--no-pidfile"))
			no_pidfile = true;
		else if (!strcmp(argv[i], "--keep-parent"))
			keep_parent = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--starter-exit"))
			starter_exit = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--pidfile-delay"))
			delay = atol(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--upgrade"))
			upgrade = argv[++i];
		else
			break;
	}
	if (argc - i < 4) {
		fputs("usage: daemon [OPTION]... PIDFILE STOPREC LOG WHO "
		      "[STOPREC-OPTION]...\n", stderr);
		return 2;
	}
	const char *pidfile = argv[i];
	char **rec_argv = argv + i + 1;
	logp = rec_argv[1];

	/* Blocked from the start, through fork and exec, until stoprec
	 * takes the signals: none may kill the daemon while it detaches. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);

	int p[2];
	char c = 0;
	if (pipe(p) < 0)
		return 2;
	pid_t starter = getpid(), middle = fork();
	if (middle < 0)
		return 2;
	if (middle > 0) {
		close(p[1]);
		rec("starter", "start pid=%d", (int)starter);
		if (keep_parent) {
			/* wait until the daemon has written PIDFILE */
			if (read(p[0], &c, 1) < 0)
				return 2;
		} else {
			waitpid(middle, NULL, 0);
		}
		rec("starter", "exit %d", starter_exit);
		return starter_exit;
	}

	setsid();
	middle = getpid();
	pid_t pid = fork();
	if (pid < 0)
		_exit(2);
	if (pid > 0) {
		close(p[1]);
		if (!keep_parent)
			_exit(0);
		char *mid_argv[] = { rec_argv[0], rec_argv[1], "middle", "--on",
				     "TERM=exit:0", NULL };
		become_recorder(mid_argv);
	}

	/* the daemon */
	if (!keep_parent) {
		/* announce ourselves only once re-parented, as a daemon
		 * whose parent exited does */
		long long give_up = mono_ms() + 5000;
		while (getppid() == middle && mono_ms() < give_up)
			sleep_ms(1);
	}
	if (upgrade)
		old_master(pidfile, upgrade, rec_argv);
	sleep_ms(delay);
	if (!no_pidfile)
		write_pidfile(pidfile, getpid());
	if (write(p[1], &c, 1) < 0)
		_exit(2);
	close(p[1]);
	become_recorder(rec_argv);
}
