/* tests/unit_log.c: the small formatter (fmt, vfmt) and the log line
 * (logmsg and the LOG, WARN_ERRNO and DIE macros). stderr is captured by
 * putting a SOCK_SEQPACKET socket on fd 2: every write(2) arrives as its
 * own record, so "one line in a single write" can be checked exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "child_guard.h"

#include "usher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define assert_contains(hay, needle)                                           \
	do {                                                                   \
		if (!strstr((hay), (needle)))                                  \
			fail_msg("'%s' does not contain '%s'", (hay), (needle)); \
	} while (0)

/* ---- capturing fd 2 (and fd 1, which must stay untouched) ------------------ */

static int saved_err = -1, saved_out = -1;
static int err_sock[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };

static void capture_begin(void)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, err_sock), 0);
	assert_int_equal(pipe2(out_pipe, O_NONBLOCK), 0);
	fflush(stdout);
	fflush(stderr);
	saved_err = dup(2);
	saved_out = dup(1);
	assert_true(saved_err >= 0 && saved_out >= 0);
	dup2(err_sock[1], 2);
	dup2(out_pipe[1], 1);
}

static void capture_restore(void)
{
	if (saved_err >= 0) {
		dup2(saved_err, 2);
		close(saved_err);
		saved_err = -1;
	}
	if (saved_out >= 0) {
		dup2(saved_out, 1);
		close(saved_out);
		saved_out = -1;
	}
}

/* Restore fds 1 and 2; collect the records written to 2 into lines
 * (one per write) and say whether fd 1 got anything. */
struct captured {
	int writes;
	char line[8][1024];
	size_t len[8];
	bool stdout_written;
};

static struct captured cap;

static void capture_end(void)
{
	char junk[64];

	capture_restore();
	memset(&cap, 0, sizeof(cap));
	close(err_sock[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = recv(err_sock[0], buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		if (cap.writes < 8) {
			size_t k = (size_t)n < sizeof(cap.line[0]) - 1 ? (size_t)n
								       : sizeof(cap.line[0]) - 1;
			memcpy(cap.line[cap.writes], buf, k);
			cap.len[cap.writes] = (size_t)n;
		}
		cap.writes++;
	}
	close(err_sock[0]);
	close(out_pipe[1]);
	cap.stdout_written = read(out_pipe[0], junk, sizeof(junk)) > 0;
	close(out_pipe[0]);
}

static int teardown(void **state)
{
	(void)state;
	capture_restore();
	log_level = L_WARN;
	return 0;
}

/* Exactly one write holding exactly this text, and nothing on stdout. */
static void assert_one_line(const char *want)
{
	assert_false(cap.stdout_written);
	assert_int_equal(cap.writes, 1);
	assert_int_equal(cap.len[0], strlen(want));
	assert_string_equal(cap.line[0], want);
}

static void assert_nothing_logged(void)
{
	assert_false(cap.stdout_written);
	assert_int_equal(cap.writes, 0);
}

/* ---- fmt and vfmt -------------------------------------------------------------- */

/* vfmt through a va_list of our own, so it is tested apart from fmt */
static size_t via_vfmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static size_t via_vfmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = vfmt(buf, len, f, ap);
	va_end(ap);
	return n;
}

/* Both entry points, compared with the C library's snprintf. */
#define SAME_AS_SNPRINTF(...)                                                  \
	do {                                                                   \
		char want_[256], got_[256], gotv_[256];                        \
		int w_ = snprintf(want_, sizeof(want_), __VA_ARGS__);           \
		size_t g_ = fmt(got_, sizeof(got_), __VA_ARGS__);               \
		size_t gv_ = via_vfmt(gotv_, sizeof(gotv_), __VA_ARGS__);       \
		assert_string_equal(got_, want_);                              \
		assert_string_equal(gotv_, want_);                             \
		assert_int_equal(g_, (size_t)w_);                              \
		assert_int_equal(gv_, (size_t)w_);                             \
	} while (0)

static void test_fmt_text_and_strings(void **state)
{
	(void)state;
	SAME_AS_SNPRINTF("plain text");
	SAME_AS_SNPRINTF("%s", "");
	SAME_AS_SNPRINTF("%s", "word");
	SAME_AS_SNPRINTF("[%s|%s]", "a b", "c\td");
	SAME_AS_SNPRINTF("%c%c%c", 'a', ' ', 'z');
	SAME_AS_SNPRINTF("100%%");
	SAME_AS_SNPRINTF("%%%s%%", "x");
	SAME_AS_SNPRINTF("pid %d (%s) %c%% done", 42, "nginx", 'R');
	SAME_AS_SNPRINTF("%s", "usher: +0.812s stop hook exited 0");
}

static void test_fmt_null_string(void **state)
{
	char buf[32];
	const char *null = NULL;

	(void)state;
	/* no crash, and something readable where the string would be */
	assert_int_equal(fmt(buf, sizeof(buf), "[%s]", null), 8);
	assert_string_equal(buf, "[(null)]");
}

static void test_fmt_integers(void **state)
{
	(void)state;
	SAME_AS_SNPRINTF("%d", 0);
	SAME_AS_SNPRINTF("%d", 7);
	SAME_AS_SNPRINTF("%d", -7);
	SAME_AS_SNPRINTF("%i", 123456);
	SAME_AS_SNPRINTF("%d %d", INT_MAX, INT_MIN);
	SAME_AS_SNPRINTF("%u %u", 0u, UINT_MAX);
	SAME_AS_SNPRINTF("%ld %ld", LONG_MAX, LONG_MIN);
	SAME_AS_SNPRINTF("%li", -1L);
	SAME_AS_SNPRINTF("%lu", ULONG_MAX);
	SAME_AS_SNPRINTF("%lld %lld", LLONG_MAX, LLONG_MIN);
	SAME_AS_SNPRINTF("%lli", -9000000000LL);
	SAME_AS_SNPRINTF("%llu", ULLONG_MAX);
	SAME_AS_SNPRINTF("%zu", SIZE_MAX);
	SAME_AS_SNPRINTF("%zu", (size_t)0);
	SAME_AS_SNPRINTF("%zd", (ssize_t)-5);
	/* arguments of every width in one call stay in step */
	SAME_AS_SNPRINTF("%d|%lld|%s|%zu|%c|%ld|%u|%llu", -1, LLONG_MIN, "s",
			 SIZE_MAX, 'c', LONG_MIN, 3u, 5ULL);
	SAME_AS_SNPRINTF("%lld.%c%c%c", 2LL, '0', '3', '4');
}

static void test_fmt_return_and_nul(void **state)
{
	char buf[64];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fmt(buf, sizeof(buf), "%s-%d", "ab", 12), 5);
	assert_int_equal(buf[5], '\0');
	assert_int_equal(buf[6], 'x');
	/* empty format */
	assert_int_equal(fmt(buf, sizeof(buf), "%s", ""), 0);
	assert_string_equal(buf, "");
	/* exactly fits: len = text + NUL */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fmt(buf, 6, "%s", "hello"), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(buf[6], 'x');
}

static void test_fmt_lone_percent(void **state)
{
	char buf[16];

	(void)state;
	/* a format ending in '%' neither crashes nor reads past its end
	 * (not a literal, so the compiler lets it through) */
	static char lone[] = "abc%";
	assert_int_equal(fmt(buf, sizeof(buf), lone), 3);
	assert_string_equal(buf, "abc");
}

/* Cut to fit. Each case runs in a child under an alarm, so a formatter
 * that loops or crashes on a full buffer fails the case, not the suite.
 * Children return 0 when right, else a number naming what was wrong. */
static int cut_text(void)
{
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	size_t n = fmt(buf, 6, "hello world");
	if (strcmp(buf, "hello") != 0)
		return 1;
	if (buf[6] != 'x')
		return 2; /* wrote past len */
	return n == 5 ? 0 : 3;
}

static int cut_string_arg(void)
{
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	size_t n = fmt(buf, 4, "%s", "abcdef");
	return strcmp(buf, "abc") == 0 && n == 3 && buf[4] == 'x' ? 0 : 1;
}

static int cut_number(void)
{
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	size_t n = fmt(buf, 4, "%d", 12345);
	return strcmp(buf, "123") == 0 && n == 3 && buf[4] == 'x' ? 0 : 1;
}

static int cut_negative(void)
{
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	fmt(buf, 3, "%lld", -98765LL);
	return strcmp(buf, "-9") == 0 && buf[3] == 'x' ? 0 : 1;
}

/* A %c that does not fit must still be consumed, or the %s after it
 * would take the character for a pointer. */
static int cut_char_then_string(void)
{
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	fmt(buf, 3, "ab%c%s", 'c', "def");
	return strcmp(buf, "ab") == 0 ? 0 : 1;
}

static int cut_number_then_string(void)
{
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	fmt(buf, 3, "ab%d%s", 7, "def");
	return strcmp(buf, "ab") == 0 ? 0 : 1;
}

static int cut_tiny(void)
{
	char buf[4] = { 'x', 'x', 'x', 'x' };
	if (fmt(buf, 0, "abc %d", 5) != 0 || buf[0] != 'x')
		return 1; /* len 0: nothing written at all */
	if (fmt(buf, 1, "abc %d %s", 5, "s") != 0 || buf[0] != '\0' || buf[1] != 'x')
		return 2; /* len 1: just the NUL */
	return 0;
}


static void test_fmt_cut_text(void **state)
{
	(void)state;
	run_guarded(cut_text, 2, "cut_text");
	run_guarded(cut_string_arg, 2, "cut_string_arg");
	run_guarded(cut_tiny, 2, "cut_tiny");
}

static void test_fmt_cut_number(void **state)
{
	(void)state;
	run_guarded(cut_number, 2, "cut_number");
	run_guarded(cut_negative, 2, "cut_negative");
	run_guarded(cut_number_then_string, 2, "cut_number_then_string");
}

static void test_fmt_cut_char(void **state)
{
	(void)state;
	run_guarded(cut_char_then_string, 2, "cut_char_then_string");
}

/* ---- logmsg --------------------------------------------------------------------- */

static void test_default_level(void **state)
{
	(void)state;
	/* warnings and errors by default (usher(8)) */
	assert_int_equal(log_level, L_WARN);
}

static void test_logmsg_line(void **state)
{
	(void)state;
	capture_begin();
	logmsg(0, "hello %d", 5);
	capture_end();
	assert_one_line("usher: hello 5\n");

	capture_begin();
	logmsg(0, "%s", "");
	capture_end();
	assert_one_line("usher: \n");
}

static void test_logmsg_errno_text(void **state)
{
	char want[256];

	(void)state;
	snprintf(want, sizeof(want), "usher: cannot open %s: %s\n", "/x",
		 strerror(ENOENT));
	capture_begin();
	logmsg(ENOENT, "cannot open %s", "/x");
	capture_end();
	assert_one_line(want);
	assert_contains(cap.line[0], "No such file or directory");
}

static void test_logmsg_keeps_errno(void **state)
{
	(void)state;
	capture_begin();
	errno = EACCES;
	logmsg(0, "one");
	int e1 = errno;
	errno = ECHILD;
	logmsg(EPERM, "two");
	int e2 = errno;
	capture_end();
	assert_int_equal(e1, EACCES);
	assert_int_equal(e2, ECHILD);
	assert_int_equal(cap.writes, 2); /* and one write per line */
}

/* However long, a message stays one line in one write, with its newline. */
static void test_logmsg_long(void **state)
{
	static char big[3000];

	(void)state;
	memset(big, 'y', sizeof(big) - 1);
	for (int errnum = 0; errnum <= EPERM; errnum += EPERM) {
		capture_begin();
		logmsg(errnum, "long %s", big);
		capture_end();
		assert_false(cap.stdout_written);
		assert_int_equal(cap.writes, 1);
		size_t n = cap.len[0];
		assert_true(n > 400 && n <= 512);
		assert_int_equal(strncmp(cap.line[0], "usher: long yyy", 15), 0);
		assert_int_equal(cap.line[0][n - 1], '\n');
		assert_ptr_equal(strchr(cap.line[0], '\n'), cap.line[0] + n - 1);
		assert_null(memchr(cap.line[0], '\0', n));
	}
}

/* A number that falls on the end of the room must not hang PID 1. */
static int long_then_number(void)
{
	static char big[600];
	int sv[2];

	memset(big, 'y', sizeof(big) - 1);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0 || dup2(sv[1], 2) < 0)
		return 9;
	for (size_t cut = 490; cut < 510; cut++) {
		big[cut] = '\0';
		logmsg(0, "%s%d", big, 123456789);
		big[cut] = 'y';
	}
	return 0;
}

static void test_logmsg_long_number(void **state)
{
	(void)state;
	run_guarded(long_then_number, 2, "long_then_number");
}

/* A closed or broken stderr must never stop usher. */
static int closed_stderr(void)
{
	close(2);
	errno = EINTR;
	logmsg(0, "into the void %d", 1);
	return errno == EINTR ? 0 : 1;
}

static int broken_stderr(void)
{
	int p[2];
	sigset_t all;

	/* usher blocks SIGPIPE like every other signal */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (pipe(p) != 0 || dup2(p[1], 2) < 0)
		return 9;
	close(p[0]);
	close(p[1]);
	errno = EINTR;
	logmsg(ENOENT, "into a broken pipe %d", 2);
	return errno == EINTR ? 0 : 1;
}

static void test_logmsg_bad_stderr(void **state)
{
	(void)state;
	run_guarded(closed_stderr, 2, "closed_stderr");
	run_guarded(broken_stderr, 2, "broken_stderr");
}

/* ---- the macros ------------------------------------------------------------------- */

static void test_log_levels(void **state)
{
	static const int levels[] = { L_ERR, L_WARN, L_INFO, L_DEBUG };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		log_level = levels[i];
		capture_begin();
		LOG(L_ERR, "e");
		LOG(L_WARN, "w");
		LOG(L_INFO, "i");
		LOG(L_DEBUG, "d");
		capture_end();
		log_level = L_WARN;
		assert_false(cap.stdout_written);
		assert_int_equal(cap.writes, (int)i + 1);
		static const char *const want[] = { "usher: e\n", "usher: w\n",
						    "usher: i\n", "usher: d\n" };
		for (size_t k = 0; k <= i; k++)
			assert_string_equal(cap.line[k], want[k]);
	}
}

/* A message below the level costs nothing: its arguments are not even
 * evaluated. */
static int evaluated;
static int count_eval(void)
{
	return ++evaluated;
}

static void test_log_lazy(void **state)
{
	(void)state;
	log_level = L_WARN;
	evaluated = 0;
	capture_begin();
	LOG(L_DEBUG, "%d", count_eval());
	capture_end();
	assert_int_equal(evaluated, 0);
	assert_nothing_logged();
}

static void test_warn_errno(void **state)
{
	char want[128];

	(void)state;
	snprintf(want, sizeof(want), "usher: cannot signal process 12: %s\n",
		 strerror(EPERM));
	log_level = L_WARN;
	capture_begin();
	errno = EPERM;
	WARN_ERRNO("cannot signal process %d", 12);
	int after = errno;
	capture_end();
	assert_one_line(want);
	assert_int_equal(after, EPERM);

	log_level = L_ERR; /* -q: warnings are dropped */
	capture_begin();
	errno = EPERM;
	WARN_ERRNO("dropped");
	capture_end();
	assert_nothing_logged();
}

static void test_die(void **state)
{
	int st;
	int sv[2];
	char buf[256];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(sv[1], 2);
		log_level = L_ERR; /* even -q shows why usher gives up */
		DIE(EXIT_USHER, ENOENT, "cannot run %s", "x");
		_exit(1); /* not reached */
	}
	assert_true(pid > 0);
	close(sv[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EXIT_USHER);
	ssize_t n = recv(sv[0], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	char want[128];
	snprintf(want, sizeof(want), "usher: cannot run x: %s\n", strerror(ENOENT));
	assert_string_equal(buf, want);
	assert_true(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT) <= 0);
	close(sv[0]);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_default_level),
		T(test_fmt_text_and_strings),
		T(test_fmt_null_string),
		T(test_fmt_integers),
		T(test_fmt_return_and_nul),
		T(test_fmt_lone_percent),
		T(test_fmt_cut_text),
		T(test_fmt_cut_number),
		T(test_fmt_cut_char),
		T(test_logmsg_line),
		T(test_logmsg_errno_text),
		T(test_logmsg_keeps_errno),
		T(test_logmsg_long),
		T(test_logmsg_long_number),
		T(test_logmsg_bad_stderr),
		T(test_log_levels),
		T(test_log_lazy),
		T(test_warn_errno),
		T(test_die),
	};
#undef T
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
