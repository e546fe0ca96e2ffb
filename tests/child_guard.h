/* child_guard.h: run a unit-test case in a forked child under an alarm, so
 * a case that crashes or hangs (a formatter looping on a full buffer, say)
 * fails that one test instead of killing or stalling the whole suite.
 * Include after <cmocka.h>. */
#ifndef CHILD_GUARD_H
#define CHILD_GUARD_H

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* fn's return value is the child's exit code: 0 passes, N names the check
 * that failed. Fails the test when fn dies of a signal or outlives secs. */
static inline void run_guarded(int (*fn)(void), unsigned secs, const char *what)
{
	int st;

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		/* defaults, not cmocka's handlers: those would carry on with
		 * the next test inside the child */
		for (int s = 1; s < 32; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
		alarm(secs);
		_exit(fn());
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fail_msg("%s: killed by signal %d%s", what, WTERMSIG(st),
			 WTERMSIG(st) == SIGALRM ? " (it hangs)" : "");
	if (WEXITSTATUS(st) != 0)
		fail_msg("%s: check %d failed", what, WEXITSTATUS(st));
}

#endif
