/* user.c: --user USER[:GROUP] resolution and the privilege drop.
 *
 * Resolution reads passwd and group files itself: the product is a static
 * musl binary, and NSS (shared libraries, nsswitch.conf) must play no part,
 * so the same binary resolves the same way in scratch, Alpine and Debian
 * images. Resolution runs in usher before forking, so a bad spec stops
 * everything before the command starts; the drop runs in the forked child.
 *
 * Numbers versus names: a token made only of decimal digits is a number and
 * is never looked up as a name; anything else is a name and is never parsed
 * as a number. Numbers above 2147483647 are errors, never truncated (su-exec
 * once turned 4294967296 into uid 0). */
#include "usher.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Largest id accepted on the command line: beyond it, tools that keep ids in
 * a signed int disagree about what the number means. */
#define SPEC_ID_MAX UINT32_C(2147483647)
/* Largest id accepted in the files: (uid_t)-1 means "unchanged" to the
 * kernel, so an entry carrying it is junk. */
#define FILE_ID_MAX UINT32_C(4294967294)

/* ---- resolution ---------------------------------------------------------- */

enum id_kind { ID_NAME, ID_NUMBER, ID_RANGE };

/* Classify a token: ID_NUMBER with *out set when it is all digits and at
 * most max; ID_RANGE when all digits but too large (any length, so an
 * 11-digit number is reported as out of range, not as an unknown name);
 * ID_NAME otherwise ("-1", " 1", "1x" are names). */
static enum id_kind classify_id(const char *s, size_t len, uint32_t max,
				uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return ID_NAME;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return ID_NAME;
	for (size_t i = 0; i < len; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return ID_RANGE;
	}
	*out = (uint32_t)v;
	return ID_NUMBER;
}

/* One id field of a passwd or group line; false makes the line junk. */
static bool file_id(const char *s, uint32_t *out)
{
	return classify_id(s, strlen(s), FILE_ID_MAX, out) == ID_NUMBER;
}

/* Split line in place at ':' into exactly n fields; false otherwise. */
static bool split_fields(char *line, char **f, size_t n)
{
	size_t i = 0;

	f[i++] = line;
	for (char *p = line; *p; p++) {
		if (*p != ':')
			continue;
		if (i == n)
			return false;
		*p = '\0';
		f[i++] = p + 1;
	}
	return i == n;
}

/* Called for each line of a file, newline stripped; a nonzero return stops
 * the walk and is passed back. */
typedef int (*line_fn)(char *line, void *ctx);

/* Walk path line by line. A missing file has no lines (a scratch image has
 * no /etc); any other failure to read it is an error, because an unreadable
 * passwd could hide the entry that decides the gid. Lines of any length are
 * read whole: a big group's member list is legitimately long. */
/* The whole file goes into one anonymous mapping (not stdio and malloc,
 * which would double the binary, see log.c), so lines of any length work
 * and callbacks may write into them. */
static int for_each_line(const char *path, line_fn fn, void *ctx, char *err,
			 size_t errlen)
{
	struct stat st;
	int r = 0, fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		fmt(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	int bad = fstat(fd, &st) < 0 ? errno : st.st_size > (64 << 20) ? EFBIG : 0;
	if (bad) {
		int e = bad;
		close(fd);
		fmt(err, errlen, "cannot read %s: %s", path, strerror(e));
		return -1;
	}
	size_t size = (size_t)st.st_size, len = 0;
	char *buf = mmap(NULL, size + 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		close(fd);
		fmt(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n == 0)
			break; /* shrank meanwhile */
		if (n < 0) {
			fmt(err, errlen, "cannot read %s: %s", path, strerror(errno));
			r = -1;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	for (size_t at = 0; r == 0 && at < len;) {
		char *line = buf + at;
		char *nl = memchr(line, '\n', len - at);
		size_t l = nl ? (size_t)(nl - line) : len - at;
		line[l] = '\0'; /* the mapping has one spare byte at the end */
		at += l + 1;
		/* an embedded NUL would silently shorten the line: junk */
		if (strlen(line) == l)
			r = fn(line, ctx);
	}
	munmap(buf, size + 1);
	return r;
}

/* A name usable as a key: not empty, not an NIS "+"/"-" compat line, and
 * free of blanks and control characters, which no account tool writes and
 * which would make " app" a second, invisible "app". */
static bool good_name(const char *s)
{
	if (!*s || *s == '+' || *s == '-')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* What we look for in passwd, and what we found. */
struct pw_query {
	const char *name; /* match by name, or by uid when NULL */
	uint32_t uid;
	bool found;
	uint32_t found_uid, found_gid;
	char found_name[256];
	char home[256];
	bool home_too_long;
};

static int pw_match(char *line, void *ctx)
{
	struct pw_query *q = ctx;
	char *f[7]; /* name:passwd:uid:gid:gecos:home:shell */
	uint32_t uid, gid;

	if (line[0] == '#' || !split_fields(line, f, 7) || !good_name(f[0]) ||
	    !file_id(f[2], &uid) || !file_id(f[3], &gid))
		return 0;
	if (q->name ? strcmp(f[0], q->name) != 0 : uid != q->uid)
		return 0;
	/* The name feeds the group membership test; a name we cannot hold
	 * whole would match the wrong groups, so such an entry is junk. */
	if (strlen(f[0]) >= sizeof(q->found_name))
		return 0;
	q->found = true;
	q->found_uid = uid;
	q->found_gid = gid;
	strcpy(q->found_name, f[0]);
	if (strlen(f[5]) >= sizeof(q->home))
		q->home_too_long = true;
	else
		strcpy(q->home, f[5]);
	return 1;
}

struct gr_query {
	const char *name; /* the group to find by name */
	bool found;
	uint32_t gid;
};

static int gr_match(char *line, void *ctx)
{
	struct gr_query *q = ctx;
	char *f[4]; /* name:passwd:gid:members */
	uint32_t gid;

	if (line[0] == '#' || !split_fields(line, f, 4) || !good_name(f[0]) ||
	    !file_id(f[2], &gid) || strcmp(f[0], q->name) != 0)
		return 0;
	q->found = true;
	q->gid = gid;
	return 1;
}

/* Collecting the groups whose member list names the user. */
struct gr_members {
	const char *user;
	struct creds *c;
	bool overflow;
};

static bool add_group(struct creds *c, gid_t g)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return true;
	if (c->ngroups == CREDS_MAX_GROUPS)
		return false;
	c->groups[c->ngroups++] = g;
	return true;
}

static int gr_member(char *line, void *ctx)
{
	struct gr_members *m = ctx;
	char *f[4];
	uint32_t gid;

	if (line[0] == '#' || !split_fields(line, f, 4) || !good_name(f[0]) ||
	    !file_id(f[2], &gid))
		return 0;
	for (char *tok = f[3], *end; *tok; tok = end + (*end != '\0')) {
		end = tok + strcspn(tok, ",");
		if ((size_t)(end - tok) == strlen(m->user) &&
		    memcmp(tok, m->user, (size_t)(end - tok)) == 0) {
			if (!add_group(m->c, (gid_t)gid)) {
				m->overflow = true;
				return 1;
			}
			break;
		}
	}
	return 0;
}

int user_resolve(const char *spec, const char *passwd_path,
		 const char *group_path, struct creds *out, char *err,
		 size_t errlen)
{
	struct pw_query pw = {0};
	const char *colon, *grp = NULL;
	size_t ulen;
	uint32_t uid = 0, gid = 0;
	bool have_gid = false;
	char user[256];

	memset(out, 0, sizeof(*out));
	if (!spec)
		spec = "";
	colon = strchr(spec, ':');
	ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (colon && colon[1])
		grp = colon + 1; /* "u:" is "u" */
	if (ulen == 0 || ulen >= sizeof(user) || (grp && strchr(grp, ':'))) {
		fmt(err, errlen, "invalid user spec '%s'", spec);
		return -1;
	}
	memcpy(user, spec, ulen);
	user[ulen] = '\0';

	switch (classify_id(user, ulen, SPEC_ID_MAX, &uid)) {
	case ID_RANGE:
		fmt(err, errlen, "uid %s out of range", user);
		return -1;
	case ID_NUMBER:
		pw.uid = uid;
		break;
	case ID_NAME:
		pw.name = user;
		break;
	}
	if (for_each_line(passwd_path, pw_match, &pw, err, errlen) < 0)
		return -1;
	if (pw.name && !pw.found) {
		fmt(err, errlen, "unknown user '%s'", user);
		return -1;
	}
	if (pw.home_too_long) {
		fmt(err, errlen, "home directory of user '%s' too long",
			 user);
		return -1;
	}
	if (pw.found) {
		uid = pw.found_uid;
		gid = pw.found_gid;
	} else {
		/* a bare number: its own number as gid, never root's 0 */
		gid = uid;
	}

	if (grp) {
		struct gr_query gq = {.name = grp};

		switch (classify_id(grp, strlen(grp), SPEC_ID_MAX, &gid)) {
		case ID_RANGE:
			fmt(err, errlen, "gid %s out of range", grp);
			return -1;
		case ID_NUMBER:
			break;
		case ID_NAME:
			if (for_each_line(group_path, gr_match, &gq, err,
					  errlen) < 0)
				return -1;
			if (!gq.found) {
				fmt(err, errlen, "unknown group '%s'",
					 grp);
				return -1;
			}
			gid = gq.gid;
			break;
		}
		have_gid = true;
	}

	out->uid = (uid_t)uid;
	out->gid = (gid_t)gid;
	out->groups[out->ngroups++] = (gid_t)gid;
	/* Supplementary groups only for a passwd user without an explicit
	 * GROUP, as getgrouplist gives them; otherwise exactly the primary:
	 * asking for a group means asking for that group alone. */
	if (pw.found && !have_gid) {
		struct gr_members m = {.user = pw.found_name, .c = out};

		if (for_each_line(group_path, gr_member, &m, err, errlen) < 0)
			return -1;
		if (m.overflow) {
			fmt(err, errlen,
				 "user '%s' is in more than %d groups", user,
				 CREDS_MAX_GROUPS);
			return -1;
		}
	}
	strcpy(out->home, pw.found && pw.home[0] ? pw.home : "/");
	return 0;
}

/* ---- the drop ------------------------------------------------------------ */

/* True when we run in a user namespace other than the initial one, whose
 * uid_map is the identity over the whole range. Without /proc (a bare
 * chroot) we cannot tell, and give no namespace hint. */
static bool in_user_ns(void)
{
	char buf[128];
	/* the initial namespace maps exactly "0 0 4294967295", one line */
	const char *want[] = { "0", "0", "4294967295" };
	char *p = buf, *tok;

	if (read_small("/proc/self/uid_map", buf, sizeof(buf)) <= 0)
		return false;
	for (size_t i = 0; i < 3; i++) {
		tok = strtok_r(p, " \n", &p);
		if (!tok || strcmp(tok, want[i]) != 0)
			return true;
	}
	return strtok_r(p, " \n", &p) != NULL;
}

static bool setgroups_denied(void)
{
	char buf[16];

	return read_small("/proc/self/setgroups", buf, sizeof(buf)) > 0 &&
	       strncmp(buf, "deny", 4) == 0;
}

enum drop_step { STEP_GROUPS, STEP_GID, STEP_UID };

/* "cannot switch to uid N: STEP: strerror (why)": the step that failed,
 * and the likely reason: EINVAL means an id has no mapping in this user
 * namespace (name which one: the message only names the uid); EPERM from
 * setgroups in a namespace that says deny is that; any other EPERM is the
 * missing capability of that step (setgroups and setresgid need
 * CAP_SETGID, setresuid CAP_SETUID; runc's default set has both, a
 * hand-trimmed one may not). */
static int switch_failed(const struct creds *c, int e, enum drop_step step,
			 char *err, size_t errlen)
{
	static const char *const what[] = { "setgroups", "setresgid", "setresuid" };
	char hint[128] = "";
	const char *cap = step == STEP_UID ? "CAP_SETUID" : "CAP_SETGID";

	if (e == EINVAL && step == STEP_UID)
		fmt(hint, sizeof(hint),
			 " (is uid %lu mapped in this user namespace?)",
			 (unsigned long)c->uid);
	else if (e == EINVAL && (step == STEP_GID || c->ngroups == 1))
		fmt(hint, sizeof(hint),
			 " (is gid %lu mapped in this user namespace?)",
			 (unsigned long)c->gid);
	else if (e == EINVAL)
		fmt(hint, sizeof(hint),
			 " (are gid %lu and all %zu groups mapped in this user "
			 "namespace?)",
			 (unsigned long)c->gid, c->ngroups);
	else if (e == EPERM && step == STEP_GROUPS && in_user_ns() && setgroups_denied())
		fmt(hint, sizeof(hint),
			 " (/proc/self/setgroups is \"deny\" in this "
			 "user namespace)");
	else if (e == EPERM)
		fmt(hint, sizeof(hint), " (needs %s%s)", cap,
		    in_user_ns() ? " in this user namespace" : "");
	fmt(err, errlen, "cannot switch to uid %lu: %s: %s%s",
		 (unsigned long)c->uid, what[step], strerror(e), hint);
	return -1;
}

/* The kernel keeps groups sorted, so compare as sets. */
static bool same_groups(const struct creds *c)
{
	gid_t got[CREDS_MAX_GROUPS];
	int n = getgroups(CREDS_MAX_GROUPS, got);

	if (n < 0 || (size_t)n != c->ngroups)
		return false;
	for (size_t i = 0; i < c->ngroups; i++) {
		bool seen = false;
		for (int j = 0; j < n && !seen; j++)
			seen = got[j] == c->groups[i];
		if (!seen)
			return false;
	}
	return true;
}

static bool ids_are(const struct creds *c)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return false;
	return ru == c->uid && eu == c->uid && su == c->uid &&
	       rg == c->gid && eg == c->gid && sg == c->gid;
}

/* The raw system calls: libc's wrappers broadcast id changes to every
 * thread (musl's __synccall, 1.5 KiB of the budget); usher has one thread,
 * and only the calling process must change. */
/* Where a 32-bit-id variant exists (i386, arm, s390 31-bit...), the plain
 * number is the legacy 16-bit-id call: gid 70000 would become 4464. */
#ifdef SYS_setgroups32
#define NR_SETGROUPS SYS_setgroups32
#define NR_SETRESGID SYS_setresgid32
#define NR_SETRESUID SYS_setresuid32
#define NR_SETUID SYS_setuid32
#else
#define NR_SETGROUPS SYS_setgroups
#define NR_SETRESGID SYS_setresgid
#define NR_SETRESUID SYS_setresuid
#define NR_SETUID SYS_setuid
#endif

static long id_syscall(long nr, unsigned long a, unsigned long b, unsigned long c)
{
	return syscall(nr, a, b, c);
}

int user_drop(const struct creds *c, bool no_new_privs, char *err,
	      size_t errlen)
{
	/* c may be NULL: --no-new-privs without --user */
	if (c) {
		/* Already c: nothing to change. Not root, or root of a
		 * rootless user namespace (unshare --map-root-user), where
		 * /proc/self/setgroups says deny, setgroups fails with EPERM
		 * even for the same groups and no one here can change them:
		 * naming the current ids is naming the current identity. */
		bool noop = ids_are(c) &&
			    (geteuid() != 0 || same_groups(c) || setgroups_denied());

		if (!noop) {
			if (id_syscall(NR_SETGROUPS, c->ngroups, (unsigned long)c->groups, 0) != 0)
				return switch_failed(c, errno, STEP_GROUPS, err,
						     errlen);
			if (id_syscall(NR_SETRESGID, c->gid, c->gid, c->gid) != 0)
				return switch_failed(c, errno, STEP_GID, err,
						     errlen);
			if (id_syscall(NR_SETRESUID, c->uid, c->uid, c->uid) != 0)
				return switch_failed(c, errno, STEP_UID, err,
						     errlen);
			/* Trust nothing: any surprise is a failure, never a
			 * silent run with more privilege than asked. */
			if (!ids_are(c) || !same_groups(c)) {
				fmt(err, errlen,
					 "switch to uid %lu did not take "
					 "effect",
					 (unsigned long)c->uid);
				return -1;
			}
			if (c->uid != 0 && id_syscall(NR_SETUID, 0, 0, 0) == 0) {
				fmt(err, errlen,
					 "could regain root after switching "
					 "to uid %lu",
					 (unsigned long)c->uid);
				return -1;
			}
		}
	}
	if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
		fmt(err, errlen, "cannot set no_new_privs: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}
