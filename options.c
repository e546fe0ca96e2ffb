/* options.c: the command line and the USHER_* environment. Pure apart from
 * getenv: nothing here starts, signals or exits. */
#include "usher.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char usage_text[] =
	"Usage: usher [OPTION]... [--] COMMAND [ARG]...\n"
	"Run COMMAND as a container's init: forward signals to it, reap zombies,\n"
	"shut down within the platform's stop deadline, exit with its status.\n"
	"\n"
	"  -g, --pgroup              signal COMMAND's whole process group    USHER_PGROUP=1\n"
	"  -r, --rewrite FROM:TO     forward FROM as TO; TO 0 drops it        USHER_REWRITE=F:T[,F:T]\n"
	"  -e, --success-exit CODE   exit 0 when COMMAND exits with CODE      USHER_SUCCESS_EXIT=C[,C]\n"
	"  -p, --pdeathsig SIGNAL    signal usher gets when its parent dies   USHER_PDEATHSIG\n"
	"  -t, --grace SECONDS       platform's stop deadline (default 10)    USHER_GRACE\n"
	"  -H, --stop-hook CMD       run CMD on the first SIGTERM/SIGINT      USHER_STOP_HOOK\n"
	"      --hook-timeout SECONDS  longest the hook may run (grace/2)     USHER_HOOK_TIMEOUT\n"
	"  -u, --user USER[:GROUP]   run COMMAND and the hook as USER         USHER_USER\n"
	"      --no-new-privs        set no_new_privs for COMMAND and hook    USHER_NO_NEW_PRIVS=1\n"
	"  -P, --pidfile FILE        follow the daemon whose PID is in FILE   USHER_PIDFILE\n"
	"  -v, --verbose             log what usher does (repeat for more)    USHER_VERBOSE=N\n"
	"  -q, --quiet               log errors only\n"
	"  -h, --help                show this help and exit\n"
	"  -V, --version             show the version and exit\n"
	"\n"
	"Signals: TERM, SIGTERM, sigterm, 15, RTMIN+3, RTMAX-1. The command line\n"
	"wins over the environment. Exit status: COMMAND's code, 128+N if killed\n"
	"by signal N; 125 usher failed, 126 cannot execute, 127 not found.\n"
	"See usher(8).\n";

enum { OPT_HOOK_TIMEOUT = 256, OPT_NO_NEW_PRIVS };

static const struct option longopts[] = {
	{ "pgroup", no_argument, NULL, 'g' },
	{ "rewrite", required_argument, NULL, 'r' },
	{ "success-exit", required_argument, NULL, 'e' },
	{ "pdeathsig", required_argument, NULL, 'p' },
	{ "grace", required_argument, NULL, 't' },
	{ "stop-hook", required_argument, NULL, 'H' },
	{ "hook-timeout", required_argument, NULL, OPT_HOOK_TIMEOUT },
	{ "user", required_argument, NULL, 'u' },
	{ "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
	{ "pidfile", required_argument, NULL, 'P' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Which settings the command line gave, so the environment fills the rest. */
enum {
	SET_PGROUP = 1 << 0, SET_REWRITE = 1 << 1, SET_SUCCESS = 1 << 2,
	SET_PDEATH = 1 << 3, SET_VERBOSE = 1 << 4, SET_GRACE = 1 << 5,
	SET_HOOK = 1 << 6, SET_HOOKTO = 1 << 7, SET_USER = 1 << 8,
	SET_NNP = 1 << 9, SET_PIDFILE = 1 << 10,
};

/* Seconds with up to 9 decimals, at most a million: no sign, exponent,
 * blanks or unit, so typos fail loudly instead of meaning something. */
int64_t parse_duration(const char *s)
{
	int64_t sec = 0, frac = 0, scale = NSEC_PER_SEC;
	const char *p = s;

	if (!s || !*s || *s == '.')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (*p - '0');
		if (sec > 1000000)
			return -1;
	}
	if (*p == '.') {
		if (!p[1])
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return -1;
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p)
		return -1;
	return sec * NSEC_PER_SEC + frac;
}

int parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* "143" or "0,143" into the success bitmap; codes 0..255. */
static int parse_codes(const char *s, unsigned char bits[256 / 8])
{
	do {
		int v = 0;
		size_t len = strcspn(s, ",");
		if (len == 0 || len > 3)
			return -1;
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		if (v > 255)
			return -1;
		bits[v / 8] = (unsigned char)(bits[v / 8] | (1u << (v % 8)));
		s += len;
	} while (*s++ == ',');
	return 0;
}

/* Apply one setting from either source; `what` names it in errors. */
static int apply(struct opts *o, int opt, const char *val, const char *what,
		 char *err, size_t errlen)
{
	int64_t d;
	int n;

	switch (opt) {
	case 'g':
	case OPT_NO_NEW_PRIVS:
		n = val ? parse_bool(val) : 1;
		if (n < 0)
			goto bad;
		if (opt == 'g')
			o->pgroup = n;
		else
			o->no_new_privs = n;
		return 0;
	case 'r':
		return rewrite_parse(val, o->rewrite, err, errlen);
	case 'e':
		if (parse_codes(val, o->success) < 0) {
			fmt(err, errlen, "%s: invalid exit code '%s' (want 0-255)",
				 what, val);
			return -1;
		}
		return 0;
	case 'p':
		n = sig_parse(val);
		if (n < 0 || n == SIGKILL || n == SIGSTOP || sig_is_fault(n)) {
			fmt(err, errlen, "%s: invalid signal '%s'", what, val);
			return -1;
		}
		o->pdeathsig = n;
		return 0;
	case 'v':
		/* USHER_VERBOSE=N: N more levels than the default, 0-9 */
		if (!val || val[0] < '0' || val[0] > '9' || val[1])
			goto bad;
		o->verbosity = L_WARN + (val[0] - '0');
		if (o->verbosity > L_DEBUG)
			o->verbosity = L_DEBUG;
		return 0;
	case 't':
	case OPT_HOOK_TIMEOUT:
		d = parse_duration(val);
		if (d < 0) {
			fmt(err, errlen, "%s: invalid duration '%s' (want seconds, e.g. 10 or 2.5)",
				 what, val);
			return -1;
		}
		if (opt == 't')
			o->grace_ns = d;
		else
			o->hook_timeout_ns = d;
		return 0;
	case 'H':
		if (split_blanks(val, o->hook_store, sizeof(o->hook_store), o->hook_args,
				 sizeof(o->hook_args) / sizeof(o->hook_args[0])) < 0) {
			fmt(err, errlen, "%s: empty or too long stop hook '%s'", what, val);
			return -1;
		}
		o->hook_argv = o->hook_args;
		return 0;
	case 'u':
		if (!*val)
			goto bad;
		o->user = val;
		return 0;
	case 'P':
		if (!*val)
			goto bad;
		o->pidfile = val;
		return 0;
	}
bad:
	fmt(err, errlen, "%s: invalid value '%s'", what, val ? val : "");
	return -1;
}

static const struct {
	const char *var;
	int opt, flag;
} envs[] = {
	{ "USHER_PGROUP", 'g', SET_PGROUP },
	{ "USHER_REWRITE", 'r', SET_REWRITE },
	{ "USHER_SUCCESS_EXIT", 'e', SET_SUCCESS },
	{ "USHER_PDEATHSIG", 'p', SET_PDEATH },
	{ "USHER_VERBOSE", 'v', SET_VERBOSE },
	{ "USHER_GRACE", 't', SET_GRACE },
	{ "USHER_STOP_HOOK", 'H', SET_HOOK },
	{ "USHER_HOOK_TIMEOUT", OPT_HOOK_TIMEOUT, SET_HOOKTO },
	{ "USHER_USER", 'u', SET_USER },
	{ "USHER_NO_NEW_PRIVS", OPT_NO_NEW_PRIVS, SET_NNP },
	{ "USHER_PIDFILE", 'P', SET_PIDFILE },
};

static int flag_of(int opt)
{
	if (opt == 'q')
		return SET_VERBOSE;
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		if (envs[i].opt == opt)
			return envs[i].flag;
	return 0;
}

/* Why getopt_long with "+": options end at the first non-option, so
 * `usher nginx -g 'daemon off;'` hands -g to nginx. Errors are ours
 * (opterr = 0) so they carry the "usher: " prefix and name the option. */
enum parse_result opts_parse(struct opts *o, int argc, char **argv, char *err,
			     size_t errlen)
{
	int set = 0, c;
	char what[40];

	memset(o, 0, sizeof(*o));
	for (int s = 0; s <= SIG_LAST; s++)
		o->rewrite[s] = (unsigned char)s;
	o->verbosity = L_WARN;
	o->grace_ns = 10 * NSEC_PER_SEC;
	o->hook_timeout_ns = -1;

	opterr = 0;
	optind = 0; /* full reset: glibc and musl both honour 0 */
	while ((c = getopt_long(argc, argv, "+:gr:e:p:t:H:u:P:vqhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			return PARSE_HELP;
		case 'V':
			return PARSE_VERSION;
		case 'v':
			if (o->verbosity < L_DEBUG)
				o->verbosity++;
			set |= SET_VERBOSE;
			continue;
		case 'q':
			o->verbosity = L_ERR;
			set |= SET_VERBOSE;
			continue;
		case ':':
			fmt(err, errlen, "option '%s' needs a value",
				 argv[optind - 1]);
			return PARSE_ERROR;
		case '?':
			if (optopt && optopt < 256)
				fmt(err, errlen, "unknown option '-%c'", optopt);
			else
				fmt(err, errlen, "unknown option '%s'",
					 argv[optind - 1]);
			return PARSE_ERROR;
		}
		fmt(what, sizeof(what), "%s", argv[optind - 1]);
		if (strchr(what, '='))
			*strchr(what, '=') = '\0';
		if (apply(o, c, optarg, what, err, errlen) < 0)
			return PARSE_ERROR;
		set |= flag_of(c);
	}

	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		const char *val = getenv(envs[i].var);
		/* An empty variable is unset (compose files love VAR=), except
		 * for booleans, where it reads as false. */
		if (!val || (set & envs[i].flag))
			continue;
		if (!*val && envs[i].opt != 'g' && envs[i].opt != OPT_NO_NEW_PRIVS)
			continue;
		if (apply(o, envs[i].opt, val, envs[i].var, err, errlen) < 0)
			return PARSE_ERROR;
	}

	if (optind >= argc) {
		fmt(err, errlen, "missing COMMAND (try 'usher --help')");
		return PARSE_ERROR;
	}
	o->argv = argv + optind;
	return PARSE_RUN;
}
