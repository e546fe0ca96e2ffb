/* usher: a tiny init for containers. One header shared by every file.
 *
 * Layout, bottom to top (a file calls only into the files below it):
 *   log.c      stderr logging and the small formatter
 *   clock.c    the monotonic clock and "+2.034s"
 *   signals.c  names, sets, rewriting, forwarding
 *   pidfile.c  reading a daemon's pidfile, small-file reads
 *   target.c   the --wait/--probe TARGET grammar, HTTP status lines
 *   options.c  command line and USHER_* environment
 *   user.c     user resolution and privilege drop
 *   reap.c     reaping, exit status, leftover processes
 *   exec.c     the exec in the child: PATH, /bin/sh, env, why it failed
 *   spawn.c    fork + exec of COMMAND and the stop hook
 *   shutdown.c the stop timeline and the stop hook
 *   probe.c    one attempt at one TARGET, in a forked process
 *   wait.c     --wait and --probe: attempts, backoff, the deadline
 *   init.c     main and the event loop
 *
 * Rule of the house: decisions are pure functions declared here and tested
 * with cmocka; syscalls sit in thin wrappers. */
#ifndef USHER_H
#define USHER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define USHER_VERSION "0.2.0"
/* The build's commit (the Makefile passes git's short hash), for --version */
#ifndef USHER_COMMIT
#define USHER_COMMIT "unknown"
#endif

/* Exit codes of usher's own, as documented in usher(8). */
#define EXIT_USHER 125       /* usher failed: bad usage, fork failure ... */
#define EXIT_CANNOT_EXEC 126 /* COMMAND found but could not be executed */
#define EXIT_NOT_FOUND 127   /* COMMAND not found */

/* The highest signal number, from the target's libc: 64 on most
 * architectures, 127 on MIPS. */
#define SIG_LAST (_NSIG - 1)
/* RTMIN as the kernel ABI, glibc, procps and Docker spell it; musl's own
 * SIGRTMIN is 35, which would make "RTMIN+3" mean another signal. */
#define SIG_RTMIN 34

#define NSEC_PER_SEC INT64_C(1000000000)

/* ---- log.c -------------------------------------------------------------- */

enum log_level { L_ERR = 0, L_WARN = 1, L_INFO = 2, L_DEBUG = 3 };

/* The only mutable global besides the init struct: how chatty usher is. */
extern int log_level;

/* One line "usher: MSG[: strerror(errnum)]\n" on stderr in a single write;
 * errnum 0 means no errno text. Never fails, never touches stdout. */
void logmsg(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* snprintf for %s %d %i %u %c %% (l, ll, z): see log.c for why. */
size_t fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
#include <stdarg.h>
size_t vfmt(char *buf, size_t len, const char *f, va_list ap);

#define LOG(lvl, ...)                                                          \
	do {                                                                   \
		if ((lvl) <= log_level)                                        \
			logmsg(0, __VA_ARGS__);                                \
	} while (0)
/* warn with errno text, like warn(3) */
#define WARN_ERRNO(...)                                                        \
	do {                                                                   \
		int e_ = errno;                                                \
		if (L_WARN <= log_level)                                       \
			logmsg(e_, __VA_ARGS__);                               \
	} while (0)
/* set-up failures only: one line, then exit */
#define DIE(code, errnum, ...)                                                 \
	do {                                                                   \
		logmsg((errnum), __VA_ARGS__);                                 \
		_exit(code);                                                   \
	} while (0)

/* ---- target.c ----------------------------------------------------------- */

/* Code that runs only before COMMAND starts (target.c, probe.c, wait.c):
 * usher.ld gathers it, and init.c drops its pages from PID 1's idle
 * footprint. Without usher.ld (usher-asan, tests) it is plain .text. */
#define COLD_TEXT __attribute__((section(".text.usher_cold")))

#define TARGETS_MAX 16      /* --wait/--probe TARGETs per usher */
#define TARGET_PATH_MAX 1024 /* HTTP path or file:// path, with the NUL */
#define TARGET_SUN_MAX 108   /* unix:// path: sizeof(sun_path) */

enum target_kind { TARGET_TCP, TARGET_HTTP, TARGET_UNIX, TARGET_FILE };

struct target {
	enum target_kind kind;
	bool v6;                   /* host was a [bracketed] IPv6 address */
	char host[254];            /* name or address, without brackets */
	char port[6];              /* decimal, for getaddrinfo */
	char path[TARGET_PATH_MAX]; /* HTTP request path, or the socket/file */
};

/* TARGET of len bytes (not NUL-terminated: USHER_WAIT's list is parsed in
 * place) into t, by the grammar in target.c. 0, or -1 with one line in err
 * that does not repeat the TARGET. */
int target_parse(const char *s, size_t len, struct target *t, char *err,
		 size_t errlen);
/* The status code (100-599) of the HTTP/1.x status line buf starts with;
 * 0 while buf is a proper prefix of one (read more); -1 if it cannot be. */
int http_status(const char *buf, size_t len);

/* ---- options.c ---------------------------------------------------------- */

struct opts {
	bool pgroup;                        /* -g: signal the child's group */
	unsigned char rewrite[SIG_LAST + 1]; /* received -> forwarded; 0 drops */
	unsigned char success[256 / 8];      /* -e: bitmap of codes mapped to 0 */
	int pdeathsig;                      /* -p: 0 when unset */
	int verbosity;                      /* L_ERR..L_DEBUG */
	int64_t grace_ns;                   /* -t: platform stop deadline */
	int64_t hook_timeout_ns;            /* --hook-timeout; -1: grace / 2 */
	char **hook_argv;                   /* -H split at blanks, or NULL */
	char *hook_args[64];                /* hook_argv points here */
	char hook_store[1024];              /* the words hook_args point to */
	const char *user;                   /* -u USER[:GROUP] or NULL */
	bool no_new_privs;                  /* --no-new-privs */
	const char *pidfile;                /* -P or NULL */
	int64_t pidfile_timeout_ns;         /* --pidfile-timeout, default 5 s */
	char **argv;                        /* COMMAND and its arguments */
	/* --wait / --probe (wait.c): the TARGETs as given, already checked */
	struct target_ref { const char *s; size_t len; } targets[TARGETS_MAX];
	size_t ntargets;
	bool probe;                         /* --probe: check once, no COMMAND */
	int64_t wait_timeout_ns;            /* --wait-timeout; 0: forever */
	int64_t probe_timeout_ns;           /* --probe-timeout: one attempt */
	uint64_t stop_set;                  /* --stop-signal: SIG_BIT(N) each */
	bool hook_stops;                    /* --hook-stops: the hook stops COMMAND */
	int64_t stop_delay_ns;              /* --stop-delay; 0: none */
};

enum parse_result { PARSE_RUN, PARSE_HELP, PARSE_VERSION, PARSE_ERROR };

/* Fill o from argv and the USHER_* environment (getenv); the command line
 * wins. On PARSE_ERROR err holds one line without the "usher: " prefix. */
enum parse_result opts_parse(struct opts *o, int argc, char **argv, char *err,
			     size_t errlen);
/* "10", "2.5", "0.25" seconds -> nanoseconds; -1 on anything else. */
int64_t parse_duration(const char *s);
/* "1", "true", "yes", "on" -> 1; "0", "false", "no", "off", "" -> 0; else -1 */
int parse_bool(const char *s);
/* usage text for --help */
extern const char usage_text[];
/* The --version line, "usher 0.2.0 - git.COMMIT\n", in the form dockerd's
 * `docker info` parses (" - git." then one word without dots); a commit
 * that is empty or holds anything but [0-9A-Za-z_-] reads "unknown".
 * Returns the length written (snprintf-like). */
size_t version_line(char *buf, size_t len, const char *commit);
/* Split CMD at blanks into argv (NULL-terminated, at most max - 1 words)
 * whose words live in store. Returns the word count; -1 if CMD is empty or
 * does not fit. No allocation: usher links no free(), see log.c. */
int split_blanks(const char *cmd, char *store, size_t storelen, char **argv,
		 size_t max);

/* ---- clock.c ------------------------------------------------------------ */

/* CLOCK_MONOTONIC in nanoseconds, the clock of every deadline */
int64_t mono_now(void);
/* "2.034" (seconds, millisecond precision) into buf. */
const char *fmt_seconds(int64_t ns, char *buf, size_t len);
/* The sigtimedwait timeout that ends at wake (now if past): ts, or NULL
 * (wait without one) when wake is -1. */
struct timespec;
struct timespec *timeout_until(int64_t wake, int64_t now, struct timespec *ts);
struct usher;
/* "2.034": seconds since t0 (or the main exit), for "+Xs" log lines */
const char *since(const struct usher *u, char *buf, size_t len);

/* ---- signals.c ---------------------------------------------------------- */

/* "TERM", "SIGterm", "15", "RTMIN+3", "RTMAX-1" -> number; -1 if invalid. */
int sig_parse(const char *s);
/* "TERM", "RTMIN+3", or the number, written into buf (>= 16 bytes). */
const char *sig_name(int sig, char *buf, size_t len);
/* "FROM:TO[,FROM:TO...]" into table; -1 and err on error. */
int rewrite_parse(const char *s, unsigned char table[SIG_LAST + 1], char *err,
		  size_t errlen);
/* Synchronous faults usher neither blocks nor forwards. */
bool sig_is_fault(int sig);
/* Every signal usher can block: all but KILL, STOP and the faults. */
void sig_blockable(sigset_t *set);
/* What to forward for a received signal: its rewrite, 0 for none. */
int sig_forward_as(const struct opts *o, int sig);
/* A set of signals 1..64 as bits: signal N is bit N - 1. */
#define SIG_BIT(n) (UINT64_C(1) << ((n) - 1))
/* "TERM[,QUIT...]" added to *set; -1 and err for a bad name or a signal
 * that cannot stop anything (KILL, STOP, CHLD, the faults). */
int stopset_parse(const char *s, uint64_t *set, char *err, size_t errlen);
/* What a received signal does: nothing (--rewrite SIG:0 drops it, even a
 * stop signal), a plain forward, or the start of the stop sequence (it is
 * in --stop-signal's set); *as is what it is forwarded as (0 for none). */
enum route { ROUTE_DROP, ROUTE_FORWARD, ROUTE_STOP };
enum route sig_route(const struct opts *o, int sig, int *as);
/* kill(pid) or kill(-pgid); tolerates ESRCH (already gone). */
int sig_send(pid_t pid, pid_t pgid, bool group, int sig);

/* ---- reap.c ------------------------------------------------------------- */

/* Wait status -> exit code: code, or 128+N when killed by signal N; 0 when
 * the code is listed with -e. */
int exit_code_for(int wstatus, const unsigned char success[256 / 8]);
/* Exit code for a failed exec: 127 when not found, else 126. */
int exec_failure_code(int err);
/* "12 (nginx, main process), 13 (sh), … and 140 more" into out: the
 * first of ncomms entries that fit whole, then how many of total were left
 * out. Never cuts an entry. Returns how many it listed. */
size_t names_list(char *out, size_t len, const pid_t *pids,
		  const char (*comms)[16], size_t ncomms, size_t total, pid_t main_pid);
/* Descendants of root among n (pid, ppid) pairs, written to out (at most
 * max); returns how many. Pure: the /proc scan is separate. */
size_t pick_descendants(const pid_t (*pairs)[2], size_t n, pid_t root,
			pid_t *out, size_t max);

/* ---- shutdown.c --------------------------------------------------------- */

/* Kill point K for a deadline counted from start: start + grace -
 * min(1 s, grace / 10). usher finishes before the platform's SIGKILL. */
int64_t kill_point(int64_t start, int64_t grace);
/* When the stop hook that starts at start (t0, or the end of the stop
 * delay) is killed: min(start + hook_timeout, K). A hook_timeout of -1
 * means half of what is left until D = t0 + grace. */
int64_t hook_deadline(int64_t t0, int64_t start, int64_t grace, int64_t hook_timeout);
/* The end of the stop delay: t0 + delay, at most half the grace, so the
 * hook and the program still have the other half before K. */
int64_t delay_end(int64_t t0, int64_t grace, int64_t delay);
/* The stop timeline as data, so every decision about it is a pure function.
 * Times are CLOCK_MONOTONIC nanoseconds; -1 means "not armed". */
enum phase {
	PH_RUN,    /* main process running, no stop signal yet */
	PH_HOOK,   /* stop signal came; the stop hook runs first */
	PH_STOP,   /* stop signal forwarded; waiting for the main process */
	PH_FOLLOW, /* COMMAND exited 0; waiting for the daemon's pidfile */
	PH_DRAIN,  /* main process gone; leftovers got SIGTERM */
	PH_KILL,   /* kill point reached; everything got SIGKILL */
	PH_EXIT,   /* nothing left: exit */
	PH_DELAY,  /* stop signal came; --stop-delay: still serving */
};

struct timeline {
	enum phase phase;
	int64_t grace, hook_timeout; /* from the options */
	int64_t t0;                  /* first stop signal */
	int64_t kill_at;             /* K */
	int64_t hook_until;          /* when the hook is killed */
	int64_t follow_until;        /* when the pidfile wait gives up */
	int64_t follow_next;         /* next look at the pidfile */
	bool has_hook;               /* a stop hook is configured, not run */
	bool hook_running;
	bool main_running;
	bool others_left;            /* some child remains (ECHILD not seen) */
	bool follow;                 /* COMMAND exited 0 and -P is set */
	bool hook_stops;             /* --hook-stops: the hook stops COMMAND */
	bool hook_failed;            /* it exited != 0 or was killed */
	int64_t delay;               /* --stop-delay; 0: none */
	int64_t delay_until;         /* when the stop delay ends */
	bool ns_left;                /* PID 1: processes usher did not start
					(docker exec) may remain */
	int64_t probe_next;          /* next look for them */
};

enum action {
	ACT_NONE,        /* wait for a signal or the wake time */
	ACT_RUN_HOOK,    /* spawn the stop hook; phase -> HOOK */
	ACT_FORWARD,     /* forward the stop signal + CONT; phase -> STOP */
	ACT_KILL_HOOK,   /* SIGKILL the hook's group, then forward */
	ACT_FOLLOW,      /* start waiting for the pidfile; phase -> FOLLOW */
	ACT_FOLLOW_POLL, /* look at the pidfile now */
	ACT_FOLLOW_FAIL, /* the pidfile wait ran out */
	ACT_DRAIN,       /* SIGTERM + SIGCONT to leftovers; phase -> DRAIN */
	ACT_KILL_ALL,    /* SIGKILL everything left; phase -> KILL */
	ACT_EXIT,        /* done */
	ACT_DELAY,       /* keep serving until delay_until; phase -> DELAY */
	ACT_HANDOVER,    /* the hook stopped COMMAND: phase -> STOP, no signal */
	ACT_PROBE,       /* look whether the namespace still holds processes */
};

/* A stop signal arrived at now: arm t0, K and the hook deadline (the
 * earliest K wins if one is armed). Returns the action it calls for. */
enum action timeline_stop(struct timeline *t, int64_t now);
/* What is due at now; *wake is when to ask again with no event (-1: only
 * when a signal arrives). The caller performs the action and updates t. */
enum action timeline_next(const struct timeline *t, int64_t now, int64_t *wake);

/* ---- user.c ------------------------------------------------------------- */

#define CREDS_MAX_GROUPS 256
struct creds {
	uid_t uid;
	gid_t gid;
	size_t ngroups;
	gid_t groups[CREDS_MAX_GROUPS];
	char home[256];
};

/* Resolve USER[:GROUP] against passwd and group files (paths, normally
 * /etc/passwd and /etc/group; missing files mean no entries). 0 on success;
 * -1 with one line in err otherwise. Pure but for reading the two files. */
int user_resolve(const char *spec, const char *passwd_path,
		 const char *group_path, struct creds *out, char *err,
		 size_t errlen);
/* In a forked child: setgroups, setresgid, setresuid, verify, and
 * PR_SET_NO_NEW_PRIVS when asked (c may be NULL for that alone). 0, or -1
 * with err filled. HOME (creds.home, or /) is set by spawn's exec. */
int user_drop(const struct creds *c, bool no_new_privs, char *err,
	      size_t errlen);

/* ---- pidfile.c ---------------------------------------------------------- */

/* Parse a pidfile's contents: decimal PID with optional blanks on the first
 * line, anything on the lines after it. -1 if invalid. */
pid_t pidfile_parse(const char *buf, size_t len);
/* Read at most len - 1 bytes of a small file into buf, NUL-terminated
 * (empty on failure), without blocking on a FIFO. Bytes read, or -1. */
ssize_t read_small(const char *path, char *buf, size_t len);
/* Read and parse FILE: the PID, 0 if missing or not (yet) valid. */
pid_t pidfile_read(const char *path);

/* ---- the running init (init.c owns it) --------------------------------- */

struct usher {
	struct opts o;
	struct creds *creds;   /* --user, resolved before anything starts */
	sigset_t blocked;      /* what usher waits for */
	sigset_t orig_mask;    /* restored in every child */
	struct sigaction orig_chld; /* SIGCHLD as inherited, restored too */
	bool pid1;
	pid_t self;
	const char *cwd;          /* where usher started: the hook runs there */
	bool foreground;       /* stdin is our controlling terminal */
	pid_t main_pid;        /* 0 once reaped */
	pid_t main_pgid;
	char main_comm[16];
	int main_status;       /* wait status of the last main process */
	bool followed;         /* main_pid came from the pidfile */
	pid_t hook_pid;        /* 0 when none runs */
	int stop_sig;          /* first stop signal received (--stop-signal) */
	int exit_code;
	int64_t t_base;        /* t0, or the main exit when no stop came */
	struct timeline tl;
	pid_t last_pid;        /* the last process reaped but main and hook, */
	int last_status;       /* and its wait status, for --pidfile */
};


/* reap.c */
/* waitpid(-1, WNOHANG) until nothing is left to reap; records the main
 * process's and the hook's status; sets tl.others_left. */
void reap_all(struct usher *u);
/* Send sig, then SIGCONT unless sig is SIGKILL, to every process but usher:
 * kill(-1) as PID 1, usher's descendants (proved through /proc) as a
 * subreaper. Returns how many were found (-1: /proc unreadable), listed
 * as "PID (comm)" into names. */
int leftovers_signal(struct usher *u, int sig, char *names, size_t len);
/* PID 1: does the namespace hold any live process besides usher, child
 * or not (docker exec)? kill(-1, 0), then /proc to skip zombies. */
bool namespace_busy(struct usher *u);
/* Is pid a live child of usher's? (waitid with WNOWAIT: no /proc needed) */
bool is_live_child(pid_t pid);
/* "exited 3" or "killed by TERM" */
const char *status_text(int st, char *buf, size_t len);
/* The process's command name from /proc, or "?" */
const char *proc_comm(pid_t pid, char *buf, size_t len);

/* ---- exec.c (in the forked child) ---------------------------------------- */

/* The environment COMMAND and the hook get: env without USHER_* (usher's
 * own settings, which would configure a nested usher), then extra
 * ("NAME=value", replacing any NAME there). out needs room for env's
 * entries, nextra and a NULL. Returns the count. */
size_t env_build(char **out, char *const env[], char *const extra[], size_t nextra);
/* Why exec of an existing file said ENOENT, from its first bytes: the
 * "#!" interpreter (with a CR after it: DOS line endings) or the ELF
 * loader (PT_INTERP), copied into what. */
enum exec_diag { DIAG_NONE, DIAG_SHEBANG, DIAG_SHEBANG_CR, DIAG_ELF_INTERP };
enum exec_diag exec_diagnose(const char *head, size_t len, char *what, size_t wlen);
/* execvp(argv) with envp: PATH searched as POSIX says; a file without
 * "#!" that the kernel refuses (ENOEXEC) runs with /bin/sh. Returns only
 * on failure: the exit code (126/127), errno, one line in err saying
 * what is really missing. */
int exec_command(char *const argv[], char *const envp[], char *err, size_t errlen);

/* spawn.c: fork and exec argv as COMMAND (hook false) or the stop hook.
 * Returns the pid, or -1 with errno and err saying what failed ("cannot
 * fork"). *code is 0 when the exec happened, else the exit code it calls
 * for with one line in err. */
pid_t spawn(struct usher *u, char *const argv[], bool hook, char *err,
	    size_t errlen, int *code);
/* At exit: give the terminal's foreground back to usher's own group. */
void terminal_back(const struct usher *u);

/* ---- probe.c, wait.c: --wait and --probe ------------------------------- */

/* probe.c: in a forked process, one attempt at t that gives up at deadline
 * (CLOCK_MONOTONIC ns). 0 when t is up. Writes lines to report_fd as it
 * goes, each what the attempt is doing ("connecting to ..."); when down,
 * the last line is the reason, such as "connection refused" or "HTTP 503". */
int probe_attempt(const struct target *t, int64_t deadline, int report_fd);

/* wait.c: the pure part. Attempt n (0 first) failed at `ended` after
 * starting at `started`: when the next one starts. Delays grow by 5/4 from
 * 10 ms to 1 s, less up to a quarter by jitter (0-999, random in use). */
int64_t backoff_delay(unsigned n, unsigned jitter);
int64_t next_attempt(int64_t started, int64_t ended, unsigned n, unsigned jitter);
/* When an attempt starting at `start` is killed: start + probe timeout,
 * or the overall deadline if earlier (-1: none). */
int64_t attempt_deadline(int64_t start, int64_t probe_timeout, int64_t deadline);
/* The overall deadline of a wait started at t0: -1 for a timeout of 0. */
int64_t wait_deadline(int64_t t0, int64_t timeout);
/* Does sig end a wait (no COMMAND yet)? The stop set, TERM, INT, QUIT
 * (unless --rewrite drops them), the -p signal. */
bool wait_stops_on(const struct opts *o, int sig);
/* Wait for every TARGET in parallel (--probe: one attempt each). 0 when
 * all are up; else the exit code: 125 on timeout, 1 for a probe that
 * failed, 128+N for stop signal N. Logs as documented in usher(8). */
int wait_run(struct usher *u);

/* shutdown.c: act on the timeline */
/* a signal of the stop set received (never a dropped one) */
void shutdown_on_stop(struct usher *u, int sig);
/* perform what timeline_next said is due */
void shutdown_perform(struct usher *u, enum action a);

#endif
