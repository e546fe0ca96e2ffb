/* fuzz_opts: opts_parse over a command line and USHER_* variables built
 * from the input.
 *
 * Input: two bytes of flags choosing which of the 15 USHER_* variables are
 * set, then NUL-separated strings: one value per chosen variable, in the
 * order of vars[] below, then the arguments after argv[0]. The grammar is
 * NUL-separated because no argument or variable can hold a NUL. */
#include "fuzz.h"

static const char *const vars[] = {
	"USHER_PGROUP",     "USHER_REWRITE",   "USHER_SUCCESS_EXIT",
	"USHER_PDEATHSIG",  "USHER_VERBOSE",   "USHER_GRACE",
	"USHER_STOP_HOOK",  "USHER_HOOK_TIMEOUT", "USHER_USER",
	"USHER_NO_NEW_PRIVS", "USHER_PIDFILE", "USHER_PIDFILE_TIMEOUT",
	"USHER_WAIT", "USHER_WAIT_TIMEOUT", "USHER_PROBE_TIMEOUT",
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))
#define MAX_ARGS 64

static struct opts o; /* big; and static like init.c's */

/* Inside the object? Pointers into hook_store must stay inside it. */
static bool in_store(const char *p)
{
	return p >= o.hook_store && p < o.hook_store + sizeof(o.hook_store);
}

static void check_run(char **argv, int argc)
{
	if (o.probe) {
		/* --probe: no COMMAND, at least one TARGET */
		CHECK(!o.argv, "--probe with a COMMAND");
		CHECK(o.ntargets >= 1, "--probe without a target");
	} else {
		CHECK(o.argv && o.argv > argv && o.argv < argv + argc, "COMMAND outside argv");
		CHECK(o.argv[0] != NULL, "empty COMMAND");
	}
	CHECK(o.ntargets <= TARGETS_MAX, "%zu targets", o.ntargets);
	for (size_t i = 0; i < o.ntargets; i++) {
		static struct target t;
		char why[160];
		CHECK(o.targets[i].len > 0, "empty target accepted");
		CHECK(target_parse(o.targets[i].s, o.targets[i].len, &t, why, sizeof(why)) == 0,
		      "target %zu accepted but does not parse: %s", i, why);
	}
	CHECK(o.wait_timeout_ns >= 0 && o.wait_timeout_ns <= (1000000 + 1) * NSEC_PER_SEC,
	      "wait timeout %lld", (long long)o.wait_timeout_ns);
	CHECK(o.probe_timeout_ns > 0 && o.probe_timeout_ns <= (1000000 + 1) * NSEC_PER_SEC,
	      "probe timeout %lld", (long long)o.probe_timeout_ns);
	CHECK(o.verbosity >= L_ERR && o.verbosity <= L_DEBUG, "verbosity %d", o.verbosity);
	CHECK(o.grace_ns >= 0 && o.grace_ns <= (1000000 + 1) * NSEC_PER_SEC,
	      "grace %lld", (long long)o.grace_ns);
	CHECK(o.hook_timeout_ns == -1 ||
		      (o.hook_timeout_ns >= 0 && o.hook_timeout_ns <= (1000000 + 1) * NSEC_PER_SEC),
	      "hook timeout %lld", (long long)o.hook_timeout_ns);
	for (int s = 0; s <= SIG_LAST; s++) {
		CHECK(o.rewrite[s] <= SIG_LAST, "rewrite[%d] = %d", s, o.rewrite[s]);
		/* usher never receives these to forward: always identity */
		if (s == 0 || s == SIGKILL || s == SIGSTOP || s == SIGCHLD || sig_is_fault(s))
			CHECK(o.rewrite[s] == s, "rewrite of %d changed", s);
	}
	CHECK(o.pdeathsig >= 0 && o.pdeathsig <= SIG_LAST && o.pdeathsig != SIGKILL &&
		      o.pdeathsig != SIGSTOP && !sig_is_fault(o.pdeathsig),
	      "pdeathsig %d", o.pdeathsig);
	if (o.hook_argv) {
		size_t n = 0;
		CHECK(o.hook_argv == o.hook_args, "hook_argv elsewhere");
		CHECK(o.hook_args[0] != NULL, "empty stop hook accepted");
		for (; n < 64 && o.hook_args[n]; n++) {
			const char *w = o.hook_args[n];
			CHECK(in_store(w), "hook word outside hook_store");
			size_t len = strnlen(w, (size_t)(o.hook_store + sizeof(o.hook_store) - w));
			CHECK(in_store(w + len), "hook word not terminated in hook_store");
			CHECK(len > 0 && !strpbrk(w, " \t"), "hook word '%s'", w);
		}
		CHECK(n < 64, "hook argv not NULL-terminated");
	}
	CHECK(!o.user || *o.user, "empty --user accepted");
	CHECK(!o.pidfile || *o.pidfile, "empty --pidfile accepted");
	CHECK(o.pidfile_timeout_ns >= 0 && o.pidfile_timeout_ns <= (1000000 + 1) * NSEC_PER_SEC,
	      "pidfile timeout %lld", (long long)o.pidfile_timeout_ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[1 << 16];
	char *argv[MAX_ARGS + 2], err[256];
	int argc = 0;
	bool nl = false;

	for (size_t v = 0; v < NVARS; v++)
		unsetenv(vars[v]);
	if (size < 2 || size >= sizeof(buf))
		return 0;
	unsigned flags = (unsigned)data[0] | (unsigned)data[1] << 8;
	memcpy(buf, data + 2, size - 2);
	buf[size - 2] = '\0';
	nl = memchr(buf, '\n', size - 2) != NULL;

	/* cut buf at NULs into strings */
	char *p = buf, *end = buf + (size - 2);
	size_t v = 0;
	argv[argc++] = "usher";
	while (p <= end) {
		size_t len = strlen(p);
		while (v < NVARS && !(flags & (1u << v)))
			v++;
		if (v < NVARS) {
			/* setenv copies; an '=' in a value is fine */
			setenv(vars[v++], p, 1);
		} else if (argc < MAX_ARGS) {
			argv[argc++] = p;
		}
		p += len + 1;
	}
	argv[argc] = NULL;

	memset(err, 0x55, sizeof(err)); /* no stale NUL to hide a missing one */
	enum parse_result r = opts_parse(&o, argc, argv, err, sizeof(err));
	switch (r) {
	case PARSE_RUN:
		check_run(argv, argc);
		break;
	case PARSE_HELP:
	case PARSE_VERSION:
		break;
	case PARSE_ERROR:
		check_err(err, sizeof(err), nl);
		check_logged(err);
		break;
	default:
		CHECK(0, "result %d", (int)r);
	}
	for (v = 0; v < NVARS; v++)
		unsetenv(vars[v]);
	return 0;
}
