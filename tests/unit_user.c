/* tests/unit_user.c: --user resolution against fixture passwd/group files,
 * and the privilege drop in forked children (those need root; skipped
 * otherwise). Fixtures live in tests/fixtures, found next to the binary
 * (tests/ or tests/asan/) or through $USHER_FIXTURES. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char passwd_path[PATH_MAX];
static char group_path[PATH_MAX];
static char tmpdir[PATH_MAX];

static bool usable_dir(const char *dir)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/unit.passwd", dir);
	return access(p, R_OK) == 0;
}

static int setup(void **state)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16];
	const char *env = getenv("USHER_FIXTURES");
	ssize_t n;

	(void)state;
	if (env && usable_dir(env)) {
		snprintf(dir, sizeof(dir), "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -1;
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s/fixtures", exe);
		if (!usable_dir(dir))
			snprintf(dir, sizeof(dir), "%s/../fixtures", exe);
		if (!usable_dir(dir))
			snprintf(dir, sizeof(dir), "tests/fixtures");
		if (!usable_dir(dir))
			return -1;
	}
	snprintf(passwd_path, sizeof(passwd_path), "%s/unit.passwd", dir);
	snprintf(group_path, sizeof(group_path), "%s/unit.group", dir);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/unit_user.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------- */

static struct creds c;
static char err[256];

static int resolve(const char *spec)
{
	memset(&c, 0xa5, sizeof(c)); /* garbage in: out must be filled */
	err[0] = '\0';
	return user_resolve(spec, passwd_path, group_path, &c, err,
			    sizeof(err));
}

static int resolve_in(const char *spec, const char *pw, const char *gr)
{
	memset(&c, 0xa5, sizeof(c));
	err[0] = '\0';
	return user_resolve(spec, pw, gr, &c, err, sizeof(err));
}

/* Expect success with these ids, home and exactly these groups in order. */
static void expect_creds(uid_t uid, gid_t gid, const char *home, size_t n,
			 const gid_t *groups)
{
	assert_int_equal(c.uid, uid);
	assert_int_equal(c.gid, gid);
	assert_string_equal(c.home, home);
	assert_int_equal(c.ngroups, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(c.groups[i], groups[i]);
}

#define EXPECT(spec, uid, gid, home, ...)                                      \
	do {                                                                   \
		const gid_t g_[] = {__VA_ARGS__};                              \
		int r_ = resolve(spec);                                        \
		if (r_ != 0)                                                   \
			print_error("spec '%s': %s\n", (spec), err);           \
		assert_int_equal(r_, 0);                                       \
		expect_creds((uid), (gid), (home), sizeof(g_) / sizeof(g_[0]), \
			     g_);                                              \
	} while (0)

#define EXPECT_ERR(spec, msg)                                                  \
	do {                                                                   \
		assert_int_equal(resolve(spec), -1);                           \
		assert_string_equal(err, (msg));                               \
	} while (0)

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* ---- resolution ---------------------------------------------------------- */

static void test_name(void **state)
{
	(void)state;
	/* primary first, then every group naming app, deduplicated */
	EXPECT("app", 1000, 1000, "/home/app", 1000, 100, 29, 44);
	/* primary gid from passwd, not a group of the same name */
	EXPECT("dev", 1001, 100, "/home/dev", 100, 10, 44);
	EXPECT("root", 0, 0, "/root", 0);
	EXPECT("nobody", 65534, 65534, "/nonexistent", 65534);
}

static void test_number(void **state)
{
	(void)state;
	/* a number with an entry: the first entry for it supplies gid, HOME
	 * and (through its name) the supplementary groups */
	EXPECT("1000", 1000, 1000, "/home/app", 1000, 100, 29, 44);
	EXPECT("0", 0, 0, "/root", 0);
	EXPECT("65534", 65534, 65534, "/nonexistent", 65534);
	/* leading zeros are still a number */
	EXPECT("0001001", 1001, 100, "/home/dev", 100, 10, 44);
	/* no entry: same number as gid (never 0), only that group, HOME / */
	EXPECT("4242", 4242, 4242, "/", 4242);
	EXPECT("2147483647", 2147483647, 2147483647, "/home/big", 2147483647);
}

static void test_user_group(void **state)
{
	(void)state;
	/* an explicit group replaces primary and supplementary groups */
	EXPECT("app:audio", 1000, 29, "/home/app", 29);
	EXPECT("app:0", 1000, 0, "/home/app", 0);
	EXPECT("1001:wheel", 1001, 10, "/home/dev", 10);
	EXPECT("4242:4343", 4242, 4343, "/", 4343);
	EXPECT("4242:users", 4242, 100, "/", 100);
	/* a numeric group is never looked up as a name: group "5000" has
	 * gid 6000, yet 5000 means gid 5000 */
	EXPECT("app:5000", 1000, 5000, "/home/app", 5000);
	EXPECT("app:2147483647", 1000, 2147483647, "/home/app", 2147483647);
}

static void test_trailing_colon(void **state)
{
	(void)state;
	EXPECT("app:", 1000, 1000, "/home/app", 1000, 100, 29, 44);
	EXPECT("4242:", 4242, 4242, "/", 4242);
}

static void test_invalid_spec(void **state)
{
	(void)state;
	EXPECT_ERR("", "invalid user spec ''");
	EXPECT_ERR(":", "invalid user spec ':'");
	EXPECT_ERR(":audio", "invalid user spec ':audio'");
	EXPECT_ERR(":0", "invalid user spec ':0'");
	EXPECT_ERR("app:audio:x", "invalid user spec 'app:audio:x'");
	assert_int_equal(user_resolve(NULL, passwd_path, group_path, &c, err,
				      sizeof(err)),
			 -1);
	assert_string_equal(err, "invalid user spec ''");
}

static void test_out_of_range(void **state)
{
	(void)state;
	EXPECT_ERR("2147483648", "uid 2147483648 out of range");
	/* su-exec truncated this one to 0 */
	EXPECT_ERR("4294967296", "uid 4294967296 out of range");
	EXPECT_ERR("4294967295", "uid 4294967295 out of range");
	EXPECT_ERR("99999999999999999999999999",
		   "uid 99999999999999999999999999 out of range");
	EXPECT_ERR("app:2147483648", "gid 2147483648 out of range");
	EXPECT_ERR("app:4294967296", "gid 4294967296 out of range");
	EXPECT_ERR("1000:4294967295", "gid 4294967295 out of range");
}

static void test_not_numbers(void **state)
{
	(void)state;
	/* names are never parsed as numbers */
	EXPECT_ERR("-1", "unknown user '-1'");
	EXPECT_ERR("+1", "unknown user '+1'");
	EXPECT_ERR(" 1", "unknown user ' 1'");
	EXPECT_ERR("1 ", "unknown user '1 '");
	EXPECT_ERR("0x10", "unknown user '0x10'");
	EXPECT_ERR("1e3", "unknown user '1e3'");
	EXPECT_ERR("app:-1", "unknown group '-1'");
	EXPECT_ERR("app: 1", "unknown group ' 1'");
	/* "1x" is a name, and there is a user of that name */
	EXPECT("1x", 1003, 1003, "/home/1x", 1003);
	EXPECT_ERR("1y", "unknown user '1y'");
}

static void test_unknown(void **state)
{
	(void)state;
	EXPECT_ERR("x", "unknown user 'x'");
	EXPECT_ERR("App", "unknown user 'App'");
	EXPECT_ERR("ap", "unknown user 'ap'");
	EXPECT_ERR("app:g", "unknown group 'g'");
	EXPECT_ERR("4242:g", "unknown group 'g'");
	/* a group name is a group name, not a user name */
	EXPECT_ERR("app:dev", "unknown group 'dev'");
}

static void test_junk_lines(void **state)
{
	(void)state;
	/* comments, short/long lines, bad ids, NIS compat, empty names and
	 * blanks are junk: skipped, never half-parsed */
	EXPECT_ERR("junk line without any colon",
		   "unknown user 'junk line without any colon'");
	EXPECT_ERR("short", "unknown user 'short'");
	EXPECT_ERR("toolong", "unknown user 'toolong'");
	EXPECT_ERR("badid", "unknown user 'badid'");
	EXPECT_ERR("badgid", "unknown user 'badgid'");
	EXPECT_ERR("+nis", "unknown user '+nis'");
	EXPECT_ERR("-minus", "unknown user '-minus'");
	EXPECT_ERR("minusone", "unknown user 'minusone'");
	EXPECT_ERR("   app", "unknown user '   app'");
	EXPECT_ERR("# comment", "unknown user '# comment'");
	/* the second "app" entry is shadowed by the first */
	EXPECT("app", 1000, 1000, "/home/app", 1000, 100, 29, 44);
	EXPECT_ERR("app:bad", "unknown group 'bad'");
	EXPECT_ERR("app:short", "unknown group 'short'");
	EXPECT_ERR("app:toolong", "unknown group 'toolong'");
	EXPECT_ERR("app:+", "unknown group '+'");
	/* id 4294967294 is valid in a file even though not on the command
	 * line; 4294967295 (the kernel's "unchanged") is junk */
	EXPECT("huge", 4294967294U, 4294967294U, "/home/huge", 4294967294U);
}

static void test_empty_home(void **state)
{
	(void)state;
	EXPECT("nohome", 1002, 1002, "/", 1002);
}

static void test_missing_files(void **state)
{
	(void)state;
	const char *np = "/nonexistent/passwd", *ng = "/nonexistent/group";

	/* no files: numbers work, names fail clearly */
	assert_int_equal(resolve_in("65534", np, ng), 0);
	expect_creds(65534, 65534, "/", 1, (const gid_t[]){65534});
	assert_int_equal(resolve_in("1000:1001", np, ng), 0);
	expect_creds(1000, 1001, "/", 1, (const gid_t[]){1001});
	assert_int_equal(resolve_in("app", np, ng), -1);
	assert_string_equal(err, "unknown user 'app'");
	assert_int_equal(resolve_in("1000:audio", np, ng), -1);
	assert_string_equal(err, "unknown group 'audio'");
	/* passwd without group: the user resolves, only its primary gid */
	assert_int_equal(resolve_in("app", passwd_path, ng), 0);
	expect_creds(1000, 1000, "/home/app", 1, (const gid_t[]){1000});
	/* group without passwd */
	assert_int_equal(resolve_in("7:audio", np, group_path), 0);
	expect_creds(7, 29, "/", 1, (const gid_t[]){29});
	/* an empty file is a file with no entries */
	char empty[PATH_MAX + 16];
	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	write_file(empty, "");
	assert_int_equal(resolve_in("app", empty, empty), -1);
	assert_string_equal(err, "unknown user 'app'");
	assert_int_equal(resolve_in("12", empty, empty), 0);
	expect_creds(12, 12, "/", 1, (const gid_t[]){12});
}

static void test_unreadable_file(void **state)
{
	(void)state;
	/* present but unreadable is not "missing": it could hide the entry
	 * that decides the gid */
	assert_int_equal(resolve_in("1000", "/", group_path), -1);
	assert_string_equal(err, "cannot read /: Is a directory");
	assert_int_equal(resolve_in("app", passwd_path, "/"), -1);
	assert_string_equal(err, "cannot read /: Is a directory");
}

static void test_long_lines(void **state)
{
	(void)state;
	char pw[PATH_MAX + 16], gr[PATH_MAX + 16];
	size_t big = 200000;
	char *text = malloc(big * 2 + 256);
	size_t n = 0;

	assert_non_null(text);
	snprintf(pw, sizeof(pw), "%s/long.passwd", tmpdir);
	snprintf(gr, sizeof(gr), "%s/long.group", tmpdir);

	/* a huge gecos before the entry we want, and inside it */
	n = (size_t)sprintf(text, "filler:x:5:5:");
	memset(text + n, 'g', big);
	n += big;
	n += (size_t)sprintf(text + n, ":/home/filler:/bin/sh\nu:x:7:7:");
	memset(text + n, 'h', big);
	n += big;
	sprintf(text + n, ":/home/u:/bin/sh\n");
	write_file(pw, text);

	/* a group with a member list of many thousand names, u last */
	n = (size_t)sprintf(text, "crowd:x:70:");
	while (n < big) {
		n += (size_t)sprintf(text + n, "member%zu,", n);
	}
	n += (size_t)sprintf(text + n, "u\nsmall:x:71:u\n");
	write_file(gr, text);
	free(text);

	assert_int_equal(resolve_in("u", pw, gr), 0);
	expect_creds(7, 7, "/home/u", 3, (const gid_t[]){7, 70, 71});
	assert_int_equal(resolve_in("filler", pw, gr), 0);
	expect_creds(5, 5, "/home/filler", 1, (const gid_t[]){5});

	/* a home directory too long for struct creds is an error, not a
	 * silently truncated HOME */
	char home[300];
	char line[400];
	memset(home, 'd', sizeof(home) - 1);
	home[0] = '/';
	home[sizeof(home) - 1] = '\0';
	snprintf(line, sizeof(line), "deep:x:8:8::%s:/bin/sh\n", home);
	write_file(pw, line);
	assert_int_equal(resolve_in("deep", pw, gr), -1);
	assert_string_equal(err, "home directory of user 'deep' too long");
}

/* A group file making user "m" a member of n groups besides its primary. */
static void many_groups(const char *pw, const char *gr, size_t n)
{
	FILE *f = fopen(gr, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "g%zu:x:%zu:a,m,z\n", i, 20000 + i);
	assert_int_equal(fclose(f), 0);
	write_file(pw, "m:x:500:500::/home/m:/bin/sh\n");
}

static void test_group_limit(void **state)
{
	(void)state;
	char pw[PATH_MAX + 16], gr[PATH_MAX + 16];

	snprintf(pw, sizeof(pw), "%s/many.passwd", tmpdir);
	snprintf(gr, sizeof(gr), "%s/many.group", tmpdir);

	/* primary + 255 = exactly the limit */
	many_groups(pw, gr, CREDS_MAX_GROUPS - 1);
	assert_int_equal(resolve_in("m", pw, gr), 0);
	assert_int_equal(c.ngroups, CREDS_MAX_GROUPS);
	assert_int_equal(c.groups[0], 500);
	assert_int_equal(c.groups[CREDS_MAX_GROUPS - 1],
			 20000 + CREDS_MAX_GROUPS - 2);

	/* one more: an error, never a silent truncation */
	many_groups(pw, gr, CREDS_MAX_GROUPS);
	assert_int_equal(resolve_in("m", pw, gr), -1);
	assert_string_equal(err, "user 'm' is in more than 256 groups");
	/* an explicit group needs none of them */
	assert_int_equal(resolve_in("m:g3", pw, gr), 0);
	expect_creds(500, 20003, "/home/m", 1, (const gid_t[]){20003});
}

static void test_embedded_nul(void **state)
{
	(void)state;
	char pw[PATH_MAX + 16];
	static const char text[] = "evil:x:0:0::/root:/bin/sh\0junk\n"
				   "good:x:9:9::/home/good:/bin/sh\n";
	int fd;

	snprintf(pw, sizeof(pw), "%s/nul.passwd", tmpdir);
	fd = open(pw, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_int_equal(resolve_in("evil", pw, group_path), -1);
	assert_string_equal(err, "unknown user 'evil'");
	assert_int_equal(resolve_in("good", pw, group_path), 0);
	expect_creds(9, 9, "/home/good", 1, (const gid_t[]){9});
}

/* ---- the drop, in forked children (root only) ---------------------------- */

/* Run fn in a child; return its exit code and the first line it wrote to
 * the pipe in msg. */
static int in_child(int (*fn)(int wfd), char *msg, size_t msglen)
{
	int p[2], st;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(fn(p[1]));
	}
	close(p[1]);
	n = read(p[0], msg, msglen - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void say(int fd, const char *s)
{
	ssize_t r = write(fd, s, strlen(s));
	(void)r;
}

static const struct creds nobody = {
	.uid = 65534,
	.gid = 65534,
	.ngroups = 2,
	.groups = {65534, 100},
	.home = "/nonexistent",
};

static int drop_child(int fd)
{
	char e[256];
	uid_t r, ef, s;
	gid_t g[8];

	if (user_drop(&nobody, true, e, sizeof(e)) != 0) {
		say(fd, e);
		return 1;
	}
	if (getresuid(&r, &ef, &s) || r != 65534 || ef != 65534 || s != 65534)
		return 2;
	if (getgroups(8, g) != 2)
		return 3;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) != 1)
		return 5;
	if (setuid(0) == 0)
		return 6;
	return 0;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void test_drop(void **state)
{
	char msg[256];

	(void)state;
	need_root();
	assert_int_equal(in_child(drop_child, msg, sizeof(msg)), 0);
}

/* First become nobody by hand, then ask user_drop for another identity. */
static int other_child(int fd)
{
	char e[256];
	struct creds app = {.uid = 1000, .gid = 1000, .ngroups = 1,
			    .groups = {1000}, .home = "/home/app"};

	if (setgroups(1, nobody.groups) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 9;
	if (user_drop(&app, false, e, sizeof(e)) == 0)
		return 1;
	say(fd, e);
	return 0;
}

static void test_drop_not_root_other(void **state)
{
	char msg[256];

	(void)state;
	need_root();
	assert_int_equal(in_child(other_child, msg, sizeof(msg)), 0);
	/* the step that failed and the capability it needs */
	assert_string_equal(msg, "cannot switch to uid 1000: setgroups: "
				 "Operation not permitted (needs CAP_SETGID)");
}

static int same_child(int fd)
{
	char e[256];

	(void)fd;
	if (setgroups(1, nobody.groups) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 9;
	/* not root, and nobody already: a no-op, even though the target's
	 * group list (65534, 100) cannot be set. (HOME is spawn's job.) */
	if (user_drop(&nobody, false, e, sizeof(e)) != 0) {
		say(fd, e);
		return 1;
	}
	return 0;
}

static void test_drop_not_root_same(void **state)
{
	char msg[256];

	(void)state;
	need_root();
	assert_int_equal(in_child(same_child, msg, sizeof(msg)), 0);
}

static int nnp_child(int fd)
{
	char e[256];
	uid_t before = getuid();

	(void)fd;
	if (user_drop(NULL, true, e, sizeof(e)) != 0)
		return 1;
	if (getuid() != before)
		return 2;
	return prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) == 1 ? 0 : 3;
}

static void test_nnp_without_user(void **state)
{
	char msg[256];

	(void)state;
	assert_int_equal(in_child(nnp_child, msg, sizeof(msg)), 0);
}

static int root_child(int fd)
{
	char e[256];
	const struct creds root = {.uid = 0, .gid = 0, .ngroups = 1,
				   .groups = {0}, .home = "/root"};
	gid_t g[8];

	/* root to root drops every other group root had */
	if (setgroups(2, (const gid_t[]){0, 4}) != 0)
		return 9;
	if (user_drop(&root, false, e, sizeof(e)) != 0) {
		say(fd, e);
		return 1;
	}
	return getgroups(8, g) == 1 && g[0] == 0 ? 0 : 2;
}

static void test_drop_to_root(void **state)
{
	char msg[256];

	(void)state;
	need_root();
	assert_int_equal(in_child(root_child, msg, sizeof(msg)), 0);
}

/* In a fresh user namespace where only uid 0 and gids 0..999 are mapped,
 * ask user_drop for target; return its error text. */
static void drop_in_userns(const struct creds *target, char *msg,
			   size_t msglen)
{
	int go[2], out[2], st;
	pid_t pid;
	char path[64];
	ssize_t n;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char e[256], x;

		close(go[1]);
		close(out[0]);
		if (unshare(CLONE_NEWUSER) != 0 || read(go[0], &x, 1) != 1)
			_exit(9);
		if (user_drop(target, false, e, sizeof(e)) == 0)
			_exit(1);
		say(out[1], e);
		_exit(0);
	}
	close(go[0]);
	close(out[1]);
	/* the parent maps the child's namespace, as a container runtime
	 * would; waiting for the child's unshare by polling its map owner */
	for (int i = 0; i < 500; i++) {
		char a[64] = "", b[64] = "";
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		if (readlink(path, a, sizeof(a) - 1) > 0 &&
		    readlink("/proc/self/ns/user", b, sizeof(b) - 1) > 0 &&
		    strcmp(a, b) != 0)
			break;
		usleep(10000);
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0 0 1\n", 6), 6);
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0 0 1000\n", 9), 9);
	close(fd);
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	n = read(out[0], msg, msglen - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(out[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_drop_userns_hints(void **state)
{
	char msg[256];
	const struct creds unmapped_uid = {.uid = 999, .gid = 999,
					   .ngroups = 1, .groups = {999},
					   .home = "/"};
	const struct creds unmapped_gid = {.uid = 0, .gid = 1000,
					   .ngroups = 1, .groups = {1000},
					   .home = "/"};

	(void)state;
	need_root();
	drop_in_userns(&unmapped_uid, msg, sizeof(msg));
	assert_string_equal(msg, "cannot switch to uid 999: setresuid: Invalid argument "
				 "(is uid 999 mapped in this user namespace?)");
	drop_in_userns(&unmapped_gid, msg, sizeof(msg));
	assert_string_equal(msg, "cannot switch to uid 0: setgroups: Invalid argument "
				 "(is gid 1000 mapped in this user namespace?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_user_group),
		cmocka_unit_test(test_trailing_colon),
		cmocka_unit_test(test_invalid_spec),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_not_numbers),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_junk_lines),
		cmocka_unit_test(test_empty_home),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_group_limit),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_not_root_other),
		cmocka_unit_test(test_drop_not_root_same),
		cmocka_unit_test(test_nnp_without_user),
		cmocka_unit_test(test_drop_to_root),
		cmocka_unit_test(test_drop_userns_hints),
	};
	return cmocka_run_group_tests_name("user", tests, setup, teardown);
}
