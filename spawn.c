/* spawn.c: starting COMMAND and the stop hook. A fork whose child sets up
 * its group, terminal, privileges and mask, then execs; a close-on-exec
 * pipe brings back why the exec failed, so the parent can exit 126/127
 * with the child's own reason. Used by init.c (COMMAND) and shutdown.c
 * (the hook), so it sits below both. */
#include "usher.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* What spawn's child reports through the close-on-exec pipe when it could
 * not exec: the exit code it calls for and the line to print. */
struct spawn_report {
	int code;
	char msg[252];
};

/* Exec argv with the environment minus USHER_* plus `extra` (exec.c).
 * Built on the stack rather than with setenv, which would link malloc and
 * free (see log.c). Returns the exit code a failure calls for. */
static int exec_with(char *const argv[], char *const extra[], size_t nextra,
		     char *err, size_t errlen)
{
	size_t n = 0;

	while (environ[n])
		n++;
	char *envp[n + nextra + 1];
	env_build(envp, environ, extra, nextra);
	return exec_command(argv, envp, err, errlen);
}

/* The forked child: never returns. Order matters: own group first (so a
 * -g forward from the parent cannot miss it), the terminal while SIGTTOU
 * is still blocked, privileges while we still may, the mask last. */
static _Noreturn void child_exec(struct usher *u, char *const argv[], bool hook,
				 int report_fd)
{
	struct spawn_report r = { 0, "" };
	char pidv[32], sigv[32], deadline[48], home[sizeof(u->creds->home) + 8];
	char *extra[4];
	size_t nextra = 0;

	setpgid(0, 0);
	if (!hook && u->foreground && tcsetpgrp(STDIN_FILENO, getpid()) < 0)
		WARN_ERRNO("cannot give the terminal to %s", argv[0]);
	if (hook) {
		char t[24], name[16];
		int fd = open("/dev/null", O_RDONLY);
		if (fd >= 0 && fd != STDIN_FILENO) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		if (chdir(u->cwd) < 0)
			WARN_ERRNO("stop hook: cannot enter %s", u->cwd);
		fmt(pidv, sizeof(pidv), "USHER_CHILD_PID=%d", (int)u->main_pid);
		fmt(sigv, sizeof(sigv), "USHER_SIGNAL=%s",
		    sig_name(u->stop_sig, name, sizeof(name)));
		fmt(deadline, sizeof(deadline), "USHER_DEADLINE=%s",
		    fmt_seconds(u->tl.t0 + u->tl.grace - mono_now(), t, sizeof(t)));
		extra[nextra++] = pidv;
		extra[nextra++] = sigv;
		extra[nextra++] = deadline;
	}
	if (u->creds) {
		fmt(home, sizeof(home), "HOME=%s", u->creds->home[0] ? u->creds->home : "/");
		extra[nextra++] = home;
	}
	if ((u->creds || u->o.no_new_privs) &&
	    user_drop(u->creds, u->o.no_new_privs, r.msg, sizeof(r.msg)) < 0) {
		r.code = EXIT_USHER;
	} else {
		sigaction(SIGCHLD, &u->orig_chld, NULL);
		sigprocmask(SIG_SETMASK, &u->orig_mask, NULL);
		r.code = exec_with(argv, extra, nextra, r.msg, sizeof(r.msg));
	}
	ssize_t w = write(report_fd, &r, sizeof(r));
	(void)w;
	_exit(r.code);
}

/* COMMAND got the terminal (child_exec); at exit it goes back to usher's
 * own group, which had it, and so to the shell that started usher in its
 * group: without this `sh -c 'usher -- true; read x'` reads from a tty
 * whose foreground group no longer exists (EIO, or SIGTTIN). SIGTTOU is
 * blocked, so a background usher may do it. In a PID namespace that
 * cannot see usher's group (getpgrp() is 0) there is nothing to name. */
void terminal_back(const struct usher *u)
{
	pid_t mine = getpgrp();

	if (!u->foreground || mine <= 0 || tcgetpgrp(STDIN_FILENO) == mine)
		return;
	if (tcsetpgrp(STDIN_FILENO, mine) < 0 && log_level >= L_DEBUG)
		WARN_ERRNO("cannot take the terminal back");
}

pid_t spawn(struct usher *u, char *const argv[], bool hook, char *err,
	    size_t errlen, int *code)
{
	struct spawn_report r;
	int p[2];

	*code = 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		fmt(err, errlen, "cannot create a pipe for");
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		fmt(err, errlen, "cannot fork");
		errno = e;
		return -1;
	}
	if (pid == 0)
		child_exec(u, argv, hook, p[1]);
	close(p[1]);
	/* also here, so the group exists before we could signal it; EACCES
	 * (child already exec'd) and ESRCH (already gone) mean it did it */
	setpgid(pid, pid);
	/* EOF: exec succeeded. No EINTR: every signal is blocked. */
	ssize_t n = read(p[0], &r, sizeof(r));
	close(p[0]);
	if (n == (ssize_t)sizeof(r)) {
		*code = r.code;
		fmt(err, errlen, "%s", r.msg);
	}
	return pid;
}
