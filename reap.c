/* reap.c: reaping, exit status, and the processes left behind. */
#include "usher.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define MAX_LEFTOVERS 4096
#define NAMES_READ 64 /* more never fit in one log line */
#define PROC_SUPER_MAGIC 0x9fa0 /* linux/magic.h, which musl-gcc cannot see */

/* Room for one /proc scan. Mapped only while draining: as static storage
 * it would sit in usher's idle footprint for the container's whole life. */
struct scan {
	char dents[8192] __attribute__((aligned(8)));
	pid_t pairs[MAX_LEFTOVERS][2];
	pid_t found[MAX_LEFTOVERS];
	char comms[NAMES_READ][16]; /* of the first found, for the log */
};

int exit_code_for(int wstatus, const unsigned char success[256 / 8])
{
	int code;

	if (WIFEXITED(wstatus))
		code = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		code = 128 + WTERMSIG(wstatus);
	else
		code = EXIT_USHER; /* stopped/continued are never reaped */
	if (code < 256 && (success[code / 8] & (1u << (code % 8))))
		return 0;
	return code;
}

int exec_failure_code(int err)
{
	return err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* Fixed point over the (pid, ppid) table: a process is a descendant when
 * its parent is root or a descendant. Tables are small (one container). */
size_t pick_descendants(const pid_t (*pairs)[2], size_t n, pid_t root,
			pid_t *out, size_t max)
{
	size_t found = 0;
	bool grew = true;

	while (grew && found < max) {
		grew = false;
		for (size_t i = 0; i < n && found < max; i++) {
			pid_t pid = pairs[i][0], ppid = pairs[i][1];
			bool parent_in = ppid == root, known = pid == root;
			for (size_t j = 0; j < found; j++) {
				known = known || out[j] == pid;
				parent_in = parent_in || out[j] == ppid;
			}
			if (parent_in && !known) {
				out[found++] = pid;
				grew = true;
			}
		}
	}
	return found;
}

const char *status_text(int st, char *buf, size_t len)
{
	char sig[16];

	if (WIFSIGNALED(st))
		fmt(buf, len, "killed by %s", sig_name(WTERMSIG(st), sig, sizeof(sig)));
	else
		fmt(buf, len, "exited %d", WEXITSTATUS(st));
	return buf;
}

void reap_all(struct usher *u)
{
	char how[32], t[24];

	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0) {
			/* 0: children remain, none exited; ECHILD: none remain */
			u->tl.others_left = pid == 0;
			break;
		}
		/* the main process's status has its own field; reaped in
		 * the same loop, the daemon may come before the starter */
		if (pid != u->hook_pid && pid != u->main_pid) {
			u->last_pid = pid;
			u->last_status = st;
		}
		if (pid == u->main_pid) {
			u->main_status = st;
			u->main_pid = 0;
			u->tl.main_running = false;
			/* a starter that exited 0 hands over to its daemon */
			u->tl.follow = u->o.pidfile && WIFEXITED(st) &&
				       WEXITSTATUS(st) == 0;
			LOG(L_INFO, "main process %d %s", (int)pid,
			    status_text(st, how, sizeof(how)));
		} else if (pid == u->hook_pid) {
			bool failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
			u->hook_pid = 0;
			u->tl.hook_running = false;
			u->tl.hook_failed = failed;
			/* a failure is news at the default level, unless usher
			 * killed it (no longer PH_HOOK) and said so already */
			LOG(failed && u->tl.phase == PH_HOOK ? L_WARN : L_INFO,
			    "+%ss stop hook %s %s%s", since(u, t, sizeof(t)),
			    u->o.hook_argv ? u->o.hook_argv[0] : "", status_text(st, how, sizeof(how)),
			    failed && u->o.hook_stops && u->tl.phase == PH_HOOK
				    ? ": forwarding the stop signal after all" : "");
		} else {
			LOG(L_DEBUG, "reaped %d", (int)pid);
		}
	}
}

bool is_live_child(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (pid <= 0 || waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return false; /* ECHILD: not ours */
	return si.si_pid == 0; /* 0: still running */
}

const char *proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[32];

	fmt(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_small(path, buf, len) <= 0)
		fmt(buf, len, "?");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Parent pid from /proc/PID/stat: the field after the last ')', since the
 * command name itself may hold spaces and parentheses. */
static pid_t proc_ppid(pid_t pid, char *state)
{
	char path[32], buf[512];

	fmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -1;
	*state = p[2];
	long ppid = 0;
	for (p += 4; *p >= '0' && *p <= '9'; p++)
		ppid = ppid * 10 + (*p - '0');
	return *p == ' ' ? (pid_t)ppid : -1;
}

/* Every live process in /proc but usher itself, as (pid, ppid) pairs.
 * Returns the count, or -1 when /proc cannot be read. */
static int proc_scan(struct scan *sc, pid_t self)
{
	char *buf = sc->dents;
	const size_t max = MAX_LEFTOVERS;
	size_t n = 0;
	long got;
	/* getdents64 and not opendir: opendir needs malloc and free */
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* an empty directory or a tmpfs at /proc is no proof of anything */
	struct statfs fs;
	if (fd < 0)
		return -1;
	/* and a procfs of another PID namespace numbers other processes:
	 * /proc/self must be us */
	char me[16], link[16] = "";
	ssize_t ll = readlinkat(fd, "self", link, sizeof(link) - 1);
	if (ll > 0)
		link[ll] = '\0';
	fmt(me, sizeof(me), "%d", (int)self);
	if (fstatfs(fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC ||
	    strcmp(link, me) != 0) {
		close(fd);
		return -1;
	}
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(sc->dents))) > 0) {
		for (long off = 0; off < got && n < max;) {
			struct dirent64_ {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *e = (struct dirent64_ *)(void *)(buf + off);
			off += e->reclen;
			long pid = 0;
			const char *c = e->name;
			for (; *c >= '0' && *c <= '9'; c++)
				pid = pid * 10 + (*c - '0');
			if (*c || pid <= 0 || pid == self)
				continue;
			char state;
			pid_t ppid = proc_ppid((pid_t)pid, &state);
			if (ppid < 0 || state == 'Z') /* gone, or only waiting for us */
				continue;
			sc->pairs[n][0] = (pid_t)pid;
			sc->pairs[n][1] = ppid;
			n++;
		}
	}
	close(fd);
	return (int)n;
}

/* Signal a descendant found in a scan without racing PID reuse: pin it
 * with a pidfd, then check it still has a parent we proved is ours. */
static void signal_descendant(pid_t pid, const pid_t *known, size_t n, pid_t self,
			      int sig)
{
	char state;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno == ESRCH)
		return; /* exited meanwhile: nothing to signal */
	/* without pidfds (kernel < 5.3, a seccomp filter) the check below
	 * still holds; only the window between it and kill() is open */
	pid_t ppid = proc_ppid(pid, &state);
	bool ours = ppid == self;
	for (size_t i = 0; i < n && !ours; i++)
		ours = known[i] == ppid;
	long r = !ours ? 0
	       : fd >= 0 ? syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0)
			 : kill(pid, sig);
	if (r < 0 && errno != ESRCH)
		WARN_ERRNO("cannot signal process %d", (int)pid);
	if (fd >= 0)
		close(fd);
}

size_t names_list(char *out, size_t len, const pid_t *pids,
		  const char (*comms)[16], size_t ncomms, size_t total, pid_t main_pid)
{
	/* room kept for the longest tail, ", … and 4294967295 more" */
	const size_t tail = 32;
	size_t used = 0, listed = 0;

	if (!len)
		return 0;
	out[0] = '\0';
	for (; listed < ncomms && listed < total; listed++) {
		char e[64];
		size_t n = fmt(e, sizeof(e), "%s%d (%s%s)", listed ? ", " : "",
			       (int)pids[listed], comms[listed],
			       pids[listed] == main_pid ? ", main process" : "");
		bool last = listed + 1 == total;
		if (used + n + (last ? 0 : tail) >= len)
			break;
		memcpy(out + used, e, n + 1);
		used += n;
	}
	if (listed < total)
		used += fmt(out + used, len - used, "%s\xe2\x80\xa6 and %zu more",
			    listed ? ", " : "", total - listed);
	return listed;
}

bool namespace_busy(struct usher *u)
{
	/* ESRCH: nobody but usher; otherwise maybe only zombies that some
	 * parent outside (the engine's shim) has yet to reap: ask /proc */
	if (kill(-1, 0) < 0 && errno == ESRCH)
		return false;
	struct scan *sc = mmap(NULL, sizeof(*sc), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int n = sc == MAP_FAILED ? -1 : proc_scan(sc, u->self);
	if (sc != MAP_FAILED)
		munmap(sc, sizeof(*sc));
	return n != 0; /* -1: no /proc to tell; kill(-1, 0) found someone */
}

int leftovers_signal(struct usher *u, int sig, char *names, size_t len)
{
	struct scan *sc = mmap(NULL, sizeof(*sc), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int n = sc == MAP_FAILED ? -1 : proc_scan(sc, u->self);
	size_t count = 0;
	pid_t *found = n >= 0 ? sc->found : NULL;

	if (names && len)
		names[0] = '\0';
	if (n >= 0) {
		if (u->pid1) {
			for (int i = 0; i < n; i++)
				found[count++] = sc->pairs[i][0];
		} else {
			count = pick_descendants((const pid_t(*)[2])sc->pairs, (size_t)n,
						 u->self, found, MAX_LEFTOVERS);
		}
	}
	/* names before the signal: after a SIGKILL they are gone */
	size_t ncomm = count < NAMES_READ ? count : NAMES_READ;
	for (size_t i = 0; names && i < ncomm; i++)
		proc_comm(found[i], sc->comms[i], sizeof(sc->comms[i]));
	/* As PID 1 everything in the namespace is ours: one kill(-1) reaches
	 * all, including what was forked after the scan. */
	/* SIGCONT after anything but SIGKILL: a stopped process must wake
	 * up to act on the signal it was sent */
	for (int s = sig; s; s = s == SIGKILL || s == SIGCONT ? 0 : SIGCONT) {
		if (u->pid1) {
			if (kill(-1, s) < 0 && errno != ESRCH)
				WARN_ERRNO("cannot signal leftover processes");
		} else if (n < 0) {
			LOG(L_WARN, "cannot read /proc: leftover processes not signalled");
			break;
		} else {
			for (size_t i = 0; i < count; i++)
				signal_descendant(found[i], found, count, u->self, s);
		}
	}
	if (names && len && count)
		names_list(names, len, found, (const char(*)[16])sc->comms, ncomm, count,
			   u->main_pid);
	if (sc != MAP_FAILED)
		munmap(sc, sizeof(*sc));
	return n < 0 ? -1 : (int)count;
}
