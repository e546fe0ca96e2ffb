/* signals.c: signal names, the blocked set, rewriting and forwarding. */
#include "usher.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Names keyed by the target's own numbers: most architectures number as
 * x86 does, but MIPS has USR1=16, CHLD=18, SYS=12, and Alpha and SPARC
 * differ again, so the numbers come from the libc headers built against. */
static const struct {
	int sig;
	const char *name;
} names[] = {
	{ SIGHUP, "HUP" },       { SIGINT, "INT" },     { SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" },       { SIGTRAP, "TRAP" },   { SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" },       { SIGFPE, "FPE" },     { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" },     { SIGSEGV, "SEGV" },   { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" },     { SIGALRM, "ALRM" },   { SIGTERM, "TERM" },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "STKFLT" },
#endif
#ifdef SIGEMT
	{ SIGEMT, "EMT" },
#endif
	{ SIGCHLD, "CHLD" },     { SIGCONT, "CONT" },   { SIGSTOP, "STOP" },
	{ SIGTSTP, "TSTP" },     { SIGTTIN, "TTIN" },   { SIGTTOU, "TTOU" },
	{ SIGURG, "URG" },       { SIGXCPU, "XCPU" },   { SIGXFSZ, "XFSZ" },
	{ SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" },   { SIGWINCH, "WINCH" },
	{ SIGIO, "IO" },         { SIGPWR, "PWR" },     { SIGSYS, "SYS" },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

/* Aliases some tools print; accepted, never printed. */
static const struct {
	const char *name;
	int sig;
} aliases[] = { { "IOT", SIGABRT }, { "CLD", SIGCHLD }, { "POLL", SIGIO } };

/* Strict decimal: digits only, no sign, no blanks, no overflow. */
static int parse_uint(const char *s, int max)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return (int)v;
}

/* Why by hand and not str2sig: musl has none, and musl's SIGRTMIN (35)
 * differs from the RTMIN everybody else means (34). */
int sig_parse(const char *s)
{
	int n;

	if (!s)
		return -1;
	if (*s >= '0' && *s <= '9') {
		n = parse_uint(s, SIG_LAST);
		return n >= 1 ? n : -1;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < NNAMES; i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].sig;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(s, aliases[i].name) == 0)
			return aliases[i].sig;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		bool max = toupper((unsigned char)s[3]) == 'A';
		int base = max ? SIG_LAST : SIG_RTMIN;
		const char *rest = s + 5;
		if (!*rest)
			return base;
		if (*rest != (max ? '-' : '+'))
			return -1;
		n = parse_uint(rest + 1, SIG_LAST - SIG_RTMIN);
		if (n < 0)
			return -1;
		return max ? base - n : base + n;
	}
	return -1;
}

const char *sig_name(int sig, char *buf, size_t len)
{
	for (size_t i = 0; i < NNAMES; i++) {
		if (names[i].sig == sig) {
			fmt(buf, len, "%s", names[i].name);
			return buf;
		}
	}
	if (sig == SIG_RTMIN)
		fmt(buf, len, "RTMIN");
	else if (sig > SIG_RTMIN && sig <= SIG_LAST)
		fmt(buf, len, "RTMIN+%d", sig - SIG_RTMIN);
	else
		fmt(buf, len, "%d", sig);
	return buf;
}

/* The next item of a comma-separated list at *s into item, NUL-terminated;
 * *s moves onto the comma (or the end) after it. -1, *s unmoved, when the
 * item is empty or does not fit: longer is no signal worth reading. */
static int next_item(const char **s, char *item, size_t size)
{
	size_t len = strcspn(*s, ",");

	if (len == 0 || len >= size)
		return -1;
	memcpy(item, *s, len);
	item[len] = '\0';
	*s += len;
	return 0;
}

/* What --rewrite and --stop-signal may name: a signal usher receives to act
 * on. Not KILL or STOP (never delivered), CHLD (usher reaps on it) or a
 * fault (never blocked). */
static bool sig_actionable(int sig)
{
	return sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && !sig_is_fault(sig);
}

/* "FROM:TO[,FROM:TO...]". TO may be 0: drop the signal. */
int rewrite_parse(const char *s, unsigned char table[SIG_LAST + 1], char *err,
		  size_t errlen)
{
	char item[64];

	do {
		if (next_item(&s, item, sizeof(item)) < 0) {
			fmt(err, errlen, "invalid rewrite '%s' (want FROM:TO)", s);
			return -1;
		}
		char *colon = strchr(item, ':');
		if (!colon) {
			fmt(err, errlen, "invalid rewrite '%s' (want FROM:TO)", item);
			return -1;
		}
		*colon = '\0';
		int from = sig_parse(item);
		int to = strcmp(colon + 1, "0") == 0 ? 0 : sig_parse(colon + 1);
		if (from < 0 || to < 0) {
			fmt(err, errlen, "invalid signal '%s' in rewrite",
				 from < 0 ? item : colon + 1);
			return -1;
		}
		if (!sig_actionable(from)) {
			fmt(err, errlen,
				 "signal '%s' cannot be rewritten: usher never "
				 "receives it to forward",
				 item);
			return -1;
		}
		table[from] = (unsigned char)to;
	} while (*s++ == ',');
	return 0;
}

/* The faults a bug of usher's own would raise: blocking them would hang
 * PID 1 instead of letting it crash visibly; forwarding them means nothing. */
bool sig_is_fault(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE:
	case SIGTRAP: case SIGSYS: case SIGABRT:
		return true;
	default:
		return false;
	}
}

/* Why bit by bit: sigaddset refuses 32..34 (reserved by glibc and musl for
 * threads), yet a signal with those numbers can still arrive and would kill
 * a subreaper usher with its default action. usher has no threads. */
void sig_blockable(sigset_t *set)
{
	unsigned long *bits = (unsigned long *)(void *)set;
	const unsigned bpw = (unsigned)(sizeof(unsigned long) * CHAR_BIT);

	memset(set, 0, sizeof(*set));
	for (int sig = 1; sig <= SIG_LAST; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig_is_fault(sig))
			continue;
		bits[(unsigned)(sig - 1) / bpw] |= 1UL << ((unsigned)(sig - 1) % bpw);
	}
}

int sig_forward_as(const struct opts *o, int sig)
{
	if (sig < 1 || sig > SIG_LAST || sig == SIGCHLD)
		return 0;
	return o->rewrite[sig];
}

/* "TERM,QUIT": each must be a signal usher receives and can act on. */
int stopset_parse(const char *s, uint64_t *set, char *err, size_t errlen)
{
	char item[64];

	do {
		if (next_item(&s, item, sizeof(item)) < 0) {
			fmt(err, errlen, "invalid signal list '%s' (want SIG[,SIG])", s);
			return -1;
		}
		int sig = sig_parse(item);
		if (sig < 0) {
			fmt(err, errlen, "invalid signal '%s'", item);
			return -1;
		}
		if (!sig_actionable(sig)) {
			fmt(err, errlen, "signal '%s' cannot be a stop signal: usher %s", item,
			    sig == SIGCHLD ? "reaps on it" : "never receives it");
			return -1;
		}
		*set |= SIG_BIT(sig);
	} while (*s++ == ',');
	return 0;
}

/* Dropping wins over stopping: `--rewrite INT:0` means INT does nothing at
 * all, as dumb-init's -r 2:0 does; otherwise K would SIGKILL everything
 * after a signal the user asked usher to ignore. */
enum route sig_route(const struct opts *o, int sig, int *as)
{
	*as = sig_forward_as(o, sig);
	if (!*as)
		return ROUTE_DROP;
	return o->stop_set & SIG_BIT(sig) ? ROUTE_STOP : ROUTE_FORWARD;
}

/* ESRCH is tolerated: the target may have exited a moment ago (it is a
 * zombie until reaped, so this only happens for a group whose leader left). */
int sig_send(pid_t pid, pid_t pgid, bool group, int sig)
{
	char name[16];

	if (pid <= 0 || sig <= 0)
		return 0;
	pid_t target = group ? -pgid : pid;
	if (kill(target, sig) < 0 && errno != ESRCH) {
		WARN_ERRNO("cannot send %s to %s %d", sig_name(sig, name, sizeof(name)),
			   group ? "process group" : "process", (int)(group ? pgid : pid));
		return -1;
	}
	return 0;
}
