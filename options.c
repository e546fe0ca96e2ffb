/* options.c: the command line and the USHER_* environment. Pure apart from
 * getenv: nothing here starts, signals or exits. */
#include "usher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* read before COMMAND starts or never: with the code of usher.ld */
__attribute__((section(".rodata.usher_cold"))) const char usage_text[] =
	"Usage: usher [OPTION]... [--] COMMAND [ARG]...\n"
	"   or: usher [OPTION]... --probe TARGET...\n"
	"Run COMMAND as a container's init: forward signals to it, reap zombies,\n"
	"shut down within the platform's stop deadline, exit with its status.\n"
	"\n"
	"  -g, --pgroup              signal COMMAND's whole process group    USHER_PGROUP=1\n"
	"  -r, --rewrite FROM:TO     forward FROM as TO; TO 0 drops it        USHER_REWRITE=F:T[,F:T]\n"
	"  -e, --success-exit CODE   exit 0 when COMMAND exits with CODE      USHER_SUCCESS_EXIT=C[,C]\n"
	"  -p, --pdeathsig SIGNAL    signal usher gets when its parent dies   USHER_PDEATHSIG\n"
	"  -t, --grace SECONDS       platform's stop deadline (default 10)    USHER_GRACE\n"
	"      --stop-signal SIG     signals that start the stop (TERM, INT)  USHER_STOP_SIGNAL=S[,S]\n"
	"      --stop-delay SECONDS  keep serving this long after a stop      USHER_STOP_DELAY\n"
	"  -H, --stop-hook CMD       run CMD on the first stop signal         USHER_STOP_HOOK\n"
	"      --hook-timeout SECONDS  longest the hook may run (grace/2)     USHER_HOOK_TIMEOUT\n"
	"      --hook-stops          the hook stops COMMAND: forward nothing  USHER_HOOK_STOPS=1\n"
	"  -u, --user USER[:GROUP]   run COMMAND and the hook as USER         USHER_USER\n"
	"      --no-new-privs        set no_new_privs for COMMAND and hook    USHER_NO_NEW_PRIVS=1\n"
	"  -P, --pidfile FILE        follow the daemon whose PID is in FILE   USHER_PIDFILE\n"
	"      --pidfile-timeout SECONDS  longest wait for FILE (default 5)   USHER_PIDFILE_TIMEOUT\n"
	"  -w, --wait TARGET         start COMMAND once TARGET is up          USHER_WAIT=T[,T]\n"
	"      --wait-timeout SECONDS  give up waiting (default 60, 0 never)  USHER_WAIT_TIMEOUT\n"
	"      --probe TARGET        no COMMAND: exit 0 if TARGET is up, else 1\n"
	"      --probe-timeout SECONDS  one attempt's time (default 5)        USHER_PROBE_TIMEOUT\n"
	"  -v, --verbose             log what usher does (repeat for more)    USHER_VERBOSE=N\n"
	"  -q, --quiet               log errors only\n"
	"  -h, --help                show this help and exit\n"
	"  -V, --version             show the version and exit\n"
	"\n"
	"Signals: TERM, SIGTERM, sigterm, 15, RTMIN+3, RTMAX-1. The command line\n"
	"wins over the environment. Exit status: COMMAND's code, 128+N if killed\n"
	"by signal N; 125 usher failed, 126 cannot execute, 127 not found.\n"
	"TARGET: HOST:PORT, tcp://HOST:PORT, http://HOST[:PORT][/PATH],\n"
	"unix:///PATH or file:///PATH; HOST a name, IPv4 or [IPv6] address.\n"
	"See usher(8).\n";

size_t version_line(char *buf, size_t len, const char *commit)
{
	size_t n = commit ? strlen(commit) : 0;
	bool ok = n > 0 && n <= 40;

	for (size_t i = 0; ok && i < n; i++) {
		char c = commit[i];
		ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		     (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
	}
	return fmt(buf, len, "usher %s - git.%s\n", USHER_VERSION, ok ? commit : "unknown");
}

enum { OPT_HOOK_TIMEOUT = 256, OPT_NO_NEW_PRIVS };
enum { OPT_PIDFILE_TIMEOUT = 300 }; /* apart, so other options can join the first */
/* --wait and --probe (wait.c); OPT_WAIT_LIST is USHER_WAIT's list */
enum { OPT_WAIT_TIMEOUT = 320, OPT_PROBE, OPT_PROBE_TIMEOUT, OPT_WAIT_LIST };
enum { OPT_STOP_SIGNAL = 340, OPT_STOP_DELAY, OPT_HOOK_STOPS };

static const struct option_spec {
	const char *name;
	int id; /* the short letter where there is one */
	bool arg;
} options[] = {
	{ "pgroup", 'g', false },
	{ "rewrite", 'r', true },
	{ "success-exit", 'e', true },
	{ "pdeathsig", 'p', true },
	{ "grace", 't', true },
	{ "stop-hook", 'H', true },
	{ "hook-timeout", OPT_HOOK_TIMEOUT, true },
	{ "user", 'u', true },
	{ "no-new-privs", OPT_NO_NEW_PRIVS, false },
	{ "pidfile", 'P', true },
	{ "pidfile-timeout", OPT_PIDFILE_TIMEOUT, true },
	{ "wait", 'w', true },
	{ "wait-timeout", OPT_WAIT_TIMEOUT, true },
	{ "probe", OPT_PROBE, true },
	{ "probe-timeout", OPT_PROBE_TIMEOUT, true },
	{ "stop-signal", OPT_STOP_SIGNAL, true },
	{ "stop-delay", OPT_STOP_DELAY, true },
	{ "hook-stops", OPT_HOOK_STOPS, false },
	{ "verbose", 'v', false },
	{ "quiet", 'q', false },
	{ "help", 'h', false },
	{ "version", 'V', false },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* "--name" or "--name=value": the exact name, else an unambiguous prefix
 * (as getopt_long allows). NULL, with err, when there is none. */
static const struct option_spec *find_long(const char *arg, char *err, size_t errlen)
{
	size_t len = strcspn(arg, "=");
	const struct option_spec *hit = NULL;
	int hits = 0;

	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strncmp(options[i].name, arg, len) != 0)
			continue;
		if (options[i].name[len] == '\0')
			return &options[i];
		hit = &options[i];
		hits++;
	}
	if (hits == 1)
		return hit;
	fmt(err, errlen, "%s option '--%s'", hits ? "ambiguous" : "unknown", arg);
	return NULL;
}

static const struct option_spec *find_short(char c)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (options[i].id == c)
			return &options[i];
	return NULL;
}

/* Which settings the command line gave, so the environment fills the rest. */
enum {
	SET_PGROUP = 1 << 0, SET_REWRITE = 1 << 1, SET_SUCCESS = 1 << 2,
	SET_PDEATH = 1 << 3, SET_VERBOSE = 1 << 4, SET_GRACE = 1 << 5,
	SET_HOOK = 1 << 6, SET_HOOKTO = 1 << 7, SET_USER = 1 << 8,
	SET_NNP = 1 << 9, SET_PIDFILE = 1 << 10,
};
enum { SET_PIDFILE_TO = 1 << 20 };
enum { SET_WAIT = 1 << 21, SET_WAITTO = 1 << 22, SET_PROBETO = 1 << 23 };
enum { SET_STOPSIG = 1 << 24, SET_STOPDELAY = 1 << 25, SET_HOOKSTOPS = 1 << 26 };

/* One TARGET of len bytes, checked now so that a typo starts nothing. */
static int add_target(struct opts *o, const char *s, size_t len, const char *what,
		      char *err, size_t errlen)
{
	struct target t;
	char why[160], given[96];

	if (o->ntargets == TARGETS_MAX) {
		fmt(err, errlen, "%s: more than %d targets", what, TARGETS_MAX);
		return -1;
	}
	if (target_parse(s, len, &t, why, sizeof(why)) < 0) {
		/* quoted as given: in USHER_WAIT it does not end at a NUL */
		size_t n = len < sizeof(given) - 1 ? len : sizeof(given) - 1;
		memcpy(given, s, n);
		given[n] = '\0';
		fmt(err, errlen, "%s: invalid target '%s': %s", what, given, why);
		return -1;
	}
	o->targets[o->ntargets].s = s;
	o->targets[o->ntargets++].len = len;
	return 0;
}

/* USHER_WAIT: TARGETs separated by commas and/or blanks */
static int add_target_list(struct opts *o, const char *s, const char *what,
			   char *err, size_t errlen)
{
	static const char sep[] = ", \t\n";
	for (s += strspn(s, sep); *s; s += strspn(s, sep)) {
		size_t len = strcspn(s, sep);
		if (add_target(o, s, len, what, err, errlen) < 0)
			return -1;
		s += len;
	}
	return 0;
}

/* Words split at blanks and tabs, for the stop hook's command line. */
int split_blanks(const char *cmd, char *store, size_t storelen, char **argv,
		 size_t max)
{
	size_t len = strlen(cmd), n = 0;

	if (len >= storelen || max == 0)
		return -1;
	memcpy(store, cmd, len + 1);
	for (char *tok = strtok(store, " \t"); tok; tok = strtok(NULL, " \t")) {
		if (n + 1 >= max)
			return -1;
		argv[n++] = tok;
	}
	argv[n] = NULL;
	return n ? (int)n : -1;
}

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

/* Where a duration option's value goes. */
static int64_t *duration_of(struct opts *o, int opt)
{
	switch (opt) {
	case 't':
		return &o->grace_ns;
	case OPT_PIDFILE_TIMEOUT:
		return &o->pidfile_timeout_ns;
	case OPT_STOP_DELAY:
		return &o->stop_delay_ns;
	case OPT_WAIT_TIMEOUT:
		return &o->wait_timeout_ns;
	case OPT_PROBE_TIMEOUT:
		return &o->probe_timeout_ns;
	default:
		return &o->hook_timeout_ns;
	}
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
	case OPT_HOOK_STOPS:
		n = val ? parse_bool(val) : 1;
		if (n < 0)
			goto bad;
		if (opt == 'g')
			o->pgroup = n;
		else if (opt == OPT_HOOK_STOPS)
			o->hook_stops = n;
		else
			o->no_new_privs = n;
		return 0;
	case OPT_STOP_SIGNAL: {
		char why[96];
		if (stopset_parse(val, &o->stop_set, why, sizeof(why)) < 0) {
			fmt(err, errlen, "%s: %s", what, why);
			return -1;
		}
		return 0;
	}
	case 'r': {
		char why[160];
		if (rewrite_parse(val, o->rewrite, why, sizeof(why)) < 0) {
			fmt(err, errlen, "%s: %s", what, why);
			return -1;
		}
		return 0;
	}
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
	case OPT_PIDFILE_TIMEOUT:
	case OPT_STOP_DELAY:
	case OPT_WAIT_TIMEOUT:
	case OPT_PROBE_TIMEOUT: {
		/* a probe of no time would never make an attempt */
		bool positive = opt == OPT_PROBE_TIMEOUT;
		d = parse_duration(val);
		if (d < 0 || (d == 0 && positive)) {
			fmt(err, errlen, "%s: invalid duration '%s' (want seconds, e.g. 10 or 2.5%s)",
			    what, val, positive ? ", more than 0" : "");
			return -1;
		}
		*duration_of(o, opt) = d;
		return 0;
	}
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
	case 'w':
	case OPT_PROBE:
		o->probe = o->probe || opt == OPT_PROBE;
		return add_target(o, val, strlen(val), what, err, errlen);
	case OPT_WAIT_LIST:
		return add_target_list(o, val, what, err, errlen);
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
	{ "USHER_PIDFILE_TIMEOUT", OPT_PIDFILE_TIMEOUT, SET_PIDFILE_TO },
	{ "USHER_WAIT", OPT_WAIT_LIST, SET_WAIT },
	{ "USHER_WAIT_TIMEOUT", OPT_WAIT_TIMEOUT, SET_WAITTO },
	{ "USHER_PROBE_TIMEOUT", OPT_PROBE_TIMEOUT, SET_PROBETO },
	{ "USHER_STOP_SIGNAL", OPT_STOP_SIGNAL, SET_STOPSIG },
	{ "USHER_STOP_DELAY", OPT_STOP_DELAY, SET_STOPDELAY },
	{ "USHER_HOOK_STOPS", OPT_HOOK_STOPS, SET_HOOKSTOPS },
};

static int flag_of(int opt)
{
	if (opt == 'q')
		return SET_VERBOSE;
	if (opt == 'w')
		return SET_WAIT;
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		if (envs[i].opt == opt)
			return envs[i].flag;
	return 0;
}

/* One option from the command line: PARSE_RUN to go on. */
static enum parse_result take(struct opts *o, const struct option_spec *opt,
			      const char *val, const char *what, int *set, char *err,
			      size_t errlen)
{
	/* the first --stop-signal replaces the default set, later ones add */
	if (opt->id == OPT_STOP_SIGNAL && !(*set & SET_STOPSIG))
		o->stop_set = 0;
	*set |= flag_of(opt->id);
	switch (opt->id) {
	case 'h':
		return PARSE_HELP;
	case 'V':
		return PARSE_VERSION;
	case 'v':
		if (o->verbosity < L_DEBUG)
			o->verbosity++;
		return PARSE_RUN;
	case 'q':
		o->verbosity = L_ERR;
		return PARSE_RUN;
	default:
		return apply(o, opt->id, val, what, err, errlen) < 0 ? PARSE_ERROR
								     : PARSE_RUN;
	}
}

/* Options end at the first non-option, so `usher nginx -g 'daemon off;'`
 * hands -g to nginx (getopt's "+" mode, without getopt: its messages pull
 * in stdio, and ours carry the "usher: " prefix and name the option). */
enum parse_result opts_parse(struct opts *o, int argc, char **argv, char *err,
			     size_t errlen)
{
	enum parse_result r = PARSE_RUN;
	const struct option_spec *opt;
	char what[48];
	int set = 0, i = 1;

	memset(o, 0, sizeof(*o));
	for (int s = 0; s <= SIG_LAST; s++)
		o->rewrite[s] = (unsigned char)s;
	o->verbosity = L_WARN;
	o->grace_ns = 10 * NSEC_PER_SEC;
	o->hook_timeout_ns = -1;
	o->pidfile_timeout_ns = 5 * NSEC_PER_SEC;
	o->wait_timeout_ns = 60 * NSEC_PER_SEC;
	o->probe_timeout_ns = 5 * NSEC_PER_SEC;
	o->stop_set = SIG_BIT(SIGTERM) | SIG_BIT(SIGINT);

	while (r == PARSE_RUN && i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *arg = argv[i++], *val = NULL;

		if (strcmp(arg, "--") == 0)
			break;
		if (arg[1] == '-') {
			if (!(opt = find_long(arg + 2, err, errlen)))
				return PARSE_ERROR;
			fmt(what, sizeof(what), "--%s", opt->name);
			if (strchr(arg, '='))
				val = strchr(arg, '=') + 1;
			if (val && !opt->arg) {
				fmt(err, errlen, "option '%s' takes no value", what);
				return PARSE_ERROR;
			}
			if (opt->arg && !val)
				val = i < argc ? argv[i++] : NULL;
			if (opt->arg && !val) {
				fmt(err, errlen, "option '%s' needs a value", what);
				return PARSE_ERROR;
			}
			r = take(o, opt, val, what, &set, err, errlen);
			continue;
		}
		/* a cluster: -gv, and -t5 or -t 5 for a value */
		for (const char *c = arg + 1; *c && r == PARSE_RUN; c++) {
			opt = find_short(*c);
			if (!opt || opt->id > 255) {
				fmt(err, errlen, "unknown option '-%c'", *c);
				return PARSE_ERROR;
			}
			fmt(what, sizeof(what), "-%c", *c);
			if (opt->arg) {
				val = c[1] ? c + 1 : i < argc ? argv[i++] : NULL;
				if (!val) {
					fmt(err, errlen, "option '%s' needs a value", what);
					return PARSE_ERROR;
				}
				r = take(o, opt, val, what, &set, err, errlen);
				break;
			}
			r = take(o, opt, NULL, what, &set, err, errlen);
		}
	}
	if (r != PARSE_RUN)
		return r;

	for (size_t e = 0; e < sizeof(envs) / sizeof(envs[0]); e++) {
		const char *val = getenv(envs[e].var);
		/* An empty variable is unset (compose files love VAR=), except
		 * for booleans, where it reads as false. */
		if (!val || (set & envs[e].flag))
			continue;
		/* a HEALTHCHECK's --probe inherits the image's USHER_WAIT */
		if (o->probe && envs[e].opt == OPT_WAIT_LIST)
			continue;
		if (!*val && envs[e].opt != 'g' && envs[e].opt != OPT_NO_NEW_PRIVS &&
		    envs[e].opt != OPT_HOOK_STOPS)
			continue;
		if (envs[e].opt == OPT_STOP_SIGNAL) /* a list that replaces */
			o->stop_set = 0;
		if (apply(o, envs[e].opt, val, envs[e].var, err, errlen) < 0)
			return PARSE_ERROR;
	}

	if (o->probe && (set & SET_WAIT)) {
		fmt(err, errlen, "--probe and --wait do not mix (--probe checks once)");
		return PARSE_ERROR;
	}
	if (o->probe) {
		if (i < argc) {
			fmt(err, errlen, "--probe takes no COMMAND ('%s')", argv[i]);
			return PARSE_ERROR;
		}
		return PARSE_RUN; /* o->argv stays NULL */
	}
	if (i >= argc) {
		fmt(err, errlen, "missing COMMAND (try 'usher --help')");
		return PARSE_ERROR;
	}
	/* without a hook nothing would stop COMMAND but K's SIGKILL */
	if (o->hook_stops && !o->hook_argv) {
		fmt(err, errlen, "--hook-stops needs a stop hook (--stop-hook CMD)");
		return PARSE_ERROR;
	}
	o->argv = argv + i;
	return PARSE_RUN;
}
