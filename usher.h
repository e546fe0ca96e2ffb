/* usher: a tiny init for containers. One header shared by every file.
 *
 * Layout: init.c (main, spawn, event loop), options.c (command line and
 * USHER_* environment), signals.c (names, sets, rewriting, forwarding),
 * reap.c (reaping, exit status, leftover processes), shutdown.c (the stop
 * timeline and the stop hook), user.c (user resolution and privilege drop),
 * pidfile.c (following a daemon), log.c (stderr logging).
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

#define USHER_VERSION "0.1.0"

/* Exit codes of usher's own, as documented in usher(8). */
#define EXIT_USHER 125       /* usher failed: bad usage, fork failure ... */
#define EXIT_CANNOT_EXEC 126 /* COMMAND found but could not be executed */
#define EXIT_NOT_FOUND 127   /* COMMAND not found */

/* Linux numbers signals 1..64 on every architecture usher targets. */
#define SIG_LAST 64
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
	const char *user;                   /* -u USER[:GROUP] or NULL */
	bool no_new_privs;                  /* --no-new-privs */
	const char *pidfile;                /* -P or NULL */
	char **argv;                        /* COMMAND and its arguments */
};

enum parse_result { PARSE_RUN, PARSE_HELP, PARSE_VERSION, PARSE_ERROR };

/* Fill o from argv and the USHER_* environment (getenv); the command line
 * wins. On PARSE_ERROR err holds one line without the "usher: " prefix. */
enum parse_result opts_parse(struct opts *o, int argc, char **argv, char *err,
			     size_t errlen);
/* Release what opts_parse allocated. */
void opts_free(struct opts *o);
/* "10", "2.5", "0.25" seconds -> nanoseconds; -1 on anything else. */
int64_t parse_duration(const char *s);
/* "1", "true", "yes", "on" -> 1; "0", "false", "no", "off", "" -> 0; else -1 */
int parse_bool(const char *s);
/* usage text for --help */
extern const char usage_text[];

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
/* kill(pid) or kill(-pgid); tolerates ESRCH (already gone). */
int sig_send(pid_t pid, pid_t pgid, bool group, int sig);

/* ---- reap.c ------------------------------------------------------------- */

/* Wait status -> exit code: code, or 128+N when killed by signal N; 0 when
 * the code is listed with -e. */
int exit_code_for(int wstatus, const unsigned char success[256 / 8]);
/* Descendants of root among n (pid, ppid) pairs, written to out (at most
 * max); returns how many. Pure: the /proc scan is separate. */
size_t pick_descendants(const pid_t (*pairs)[2], size_t n, pid_t root,
			pid_t *out, size_t max);

/* ---- shutdown.c --------------------------------------------------------- */

/* Kill point K for a deadline counted from start: start + grace -
 * min(1 s, grace / 10). usher finishes before the platform's SIGKILL. */
int64_t kill_point(int64_t start, int64_t grace);
/* When the stop hook is killed: min(t0 + hook_timeout, K). A hook_timeout
 * of -1 means half the grace. */
int64_t hook_deadline(int64_t t0, int64_t grace, int64_t hook_timeout);
/* Split CMD at blanks into a NULL-terminated malloc'd vector; NULL if empty
 * or out of memory. */
char **split_blanks(const char *cmd);
/* "2.034" (seconds, millisecond precision) into buf. */
const char *fmt_seconds(int64_t ns, char *buf, size_t len);

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
/* In a forked child: setgroups, setresgid, setresuid, verify, set HOME,
 * and PR_SET_NO_NEW_PRIVS when asked. 0, or -1 with err filled. */
int user_drop(const struct creds *c, bool no_new_privs, char *err,
	      size_t errlen);

/* ---- pidfile.c ---------------------------------------------------------- */

/* Parse a pidfile's contents: decimal PID, optional blanks/newline. -1 if
 * invalid. */
pid_t pidfile_parse(const char *buf, size_t len);
/* Read and parse FILE: the PID, 0 if missing or not (yet) valid. */
pid_t pidfile_read(const char *path);

#endif
