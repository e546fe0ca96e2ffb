/* tests/unit_exec.c: the pure parts of exec.c: which environment COMMAND
 * and the hook get (env_build: no USHER_*, the hook's own variables added)
 * and what a file's first bytes say about an exec that found "nothing"
 * (exec_diagnose: "#!" interpreter, CR after it, ELF PT_INTERP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usher.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- env_build --------------------------------------------------------- */

static void test_env_scrubs_usher(void **state)
{
	char *env[] = { "PATH=/bin", "USHER_GRACE=30", "HOME=/root",
			"USHER_PIDFILE=/run/x.pid", "USHER_SUCCESS_EXIT=3",
			"USHERX=kept", "usher_grace=kept", "X_USHER_Y=kept",
			"USHER=kept", NULL };
	char *out[16];

	(void)state;
	assert_int_equal(env_build(out, env, NULL, 0), 6);
	assert_string_equal(out[0], "PATH=/bin");
	assert_string_equal(out[1], "HOME=/root");
	assert_string_equal(out[2], "USHERX=kept");
	assert_string_equal(out[3], "usher_grace=kept");
	assert_string_equal(out[4], "X_USHER_Y=kept");
	assert_string_equal(out[5], "USHER=kept");
	assert_null(out[6]);
}

/* The hook's own variables survive the scrub; extra replaces, not adds. */
static void test_env_extra(void **state)
{
	char *env[] = { "USHER_CHILD_PID=1", "HOME=/root", "A=1", "USHER_STOP_HOOK=x", NULL };
	char *extra[] = { "USHER_CHILD_PID=42", "USHER_SIGNAL=TERM", "USHER_DEADLINE=9.000",
			  "HOME=/home/app" };
	char *out[16];

	(void)state;
	assert_int_equal(env_build(out, env, extra, 4), 5);
	assert_string_equal(out[0], "A=1");
	assert_string_equal(out[1], "USHER_CHILD_PID=42");
	assert_string_equal(out[2], "USHER_SIGNAL=TERM");
	assert_string_equal(out[3], "USHER_DEADLINE=9.000");
	assert_string_equal(out[4], "HOME=/home/app");
	assert_null(out[5]);
	/* a name that is a prefix of another is not the other */
	char *env2[] = { "HOMEDIR=/x", NULL };
	char *extra2[] = { "HOME=/" };
	assert_int_equal(env_build(out, env2, extra2, 1), 2);
	assert_string_equal(out[0], "HOMEDIR=/x");
	/* no environment at all */
	assert_int_equal(env_build(out, NULL, extra2, 1), 1);
	char *empty[] = { NULL };
	assert_int_equal(env_build(out, empty, NULL, 0), 0);
	assert_null(out[0]);
}

/* ---- exec_diagnose ----------------------------------------------------- */

static enum exec_diag diag(const char *s, char *what)
{
	return exec_diagnose(s, strlen(s), what, 256);
}

static void test_shebang(void **state)
{
	char w[256];

	(void)state;
	assert_int_equal(diag("#!/bin/bash\necho\n", w), DIAG_SHEBANG);
	assert_string_equal(w, "/bin/bash");
	assert_int_equal(diag("#! /usr/bin/env python3\n", w), DIAG_SHEBANG);
	assert_string_equal(w, "/usr/bin/env");
	assert_int_equal(diag("#!\t/bin/sh -e\n", w), DIAG_SHEBANG);
	assert_string_equal(w, "/bin/sh");
	assert_int_equal(diag("#!/bin/sh", w), DIAG_SHEBANG); /* no newline */
	assert_string_equal(w, "/bin/sh");
	/* CRLF: the CR is part of the path the kernel looks for */
	assert_int_equal(diag("#!/bin/sh\r\necho hi\r\n", w), DIAG_SHEBANG_CR);
	assert_string_equal(w, "/bin/sh");
	/* a CR after an argument leaves the path alone */
	assert_int_equal(diag("#!/bin/sh -e\r\n", w), DIAG_SHEBANG);
	assert_string_equal(w, "/bin/sh");
}

static void test_not_shebang(void **state)
{
	static const char *const none[] = {
		"", "#", "#!", "#!\n/bin/sh\n", "#!   \n", "echo hi\n", " #!/bin/sh\n",
		"#/bin/sh\n", "!#/bin/sh\n", "\177EL",
		"#!\r\n", "#!\t\t\r\t@", /* found by fuzz_exec: a CR alone is no path */
	};
	char w[256];

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		if (diag(none[i], w) != DIAG_NONE)
			fail_msg("exec_diagnose(\"%s\") is not DIAG_NONE", none[i]);
		assert_string_equal(w, "");
	}
	/* too long for the buffer: nothing, never cut */
	assert_int_equal(exec_diagnose("#!/bin/bash\n", 12, w, 5), DIAG_NONE);
	assert_int_equal(exec_diagnose("#!/bin/bash\n", 12, w, 0), DIAG_NONE);
}

/* ---- ELF ---------------------------------------------------------------- */

static size_t put(unsigned char *p, uint64_t v, size_t size, bool big)
{
	for (size_t i = 0; i < size; i++)
		p[big ? size - 1 - i : i] = (unsigned char)(v >> (8 * i));
	return size;
}

/* A minimal ELF header with one PT_LOAD and one PT_INTERP. */
static size_t make_elf(unsigned char *b, size_t len, bool w64, bool big, const char *interp)
{
	size_t eh = w64 ? 64 : 52, ph = w64 ? 56 : 32, off = eh + 2 * ph;

	memset(b, 0, len);
	memcpy(b, "\177ELF", 4);
	b[4] = w64 ? 2 : 1;
	b[5] = big ? 2 : 1;
	b[6] = 1;
	put(b + (w64 ? 32 : 28), eh, w64 ? 8 : 4, big);  /* e_phoff */
	put(b + (w64 ? 54 : 42), ph, 2, big);             /* e_phentsize */
	put(b + (w64 ? 56 : 44), 2, 2, big);              /* e_phnum */
	put(b + eh, 1, 4, big);                           /* PT_LOAD */
	unsigned char *p = b + eh + ph;
	put(p, 3, 4, big);                                /* PT_INTERP */
	put(p + (w64 ? 8 : 4), off, w64 ? 8 : 4, big);    /* p_offset */
	put(p + (w64 ? 32 : 16), strlen(interp) + 1, w64 ? 8 : 4, big); /* p_filesz */
	memcpy(b + off, interp, strlen(interp) + 1);
	return off + strlen(interp) + 1;
}

static void test_elf_synthetic(void **state)
{
	unsigned char b[512];
	char w[256];

	(void)state;
	for (int k = 0; k < 4; k++) {
		bool w64 = k & 1, big = k & 2;
		size_t n = make_elf(b, sizeof(b), w64, big, "/lib/ld-musl-x.so.1");
		assert_int_equal(exec_diagnose((char *)b, n, w, sizeof(w)), DIAG_ELF_INTERP);
		assert_string_equal(w, "/lib/ld-musl-x.so.1");
		/* every truncation is "no diagnosis", never a read past len:
		 * each in a heap block of exactly that size, so the ASan
		 * build sees an overrun (fuzz_exec found one: a 64-bit
		 * header shorter than 64 bytes) */
		for (size_t cut = 0; cut < n; cut++) {
			char *h = malloc(cut ? cut : 1);
			memcpy(h, b, cut);
			assert_int_equal(exec_diagnose(h, cut, w, sizeof(w)), DIAG_NONE);
			free(h);
		}
		/* no room for the path: nothing */
		assert_int_equal(exec_diagnose((char *)b, n, w, 8), DIAG_NONE);
	}
	/* a static binary: no PT_INTERP */
	size_t n = make_elf(b, sizeof(b), true, false, "/x");
	put(b + 64 + 56, 1, 4, false); /* the PT_INTERP becomes a PT_LOAD */
	assert_int_equal(exec_diagnose((char *)b, n, w, sizeof(w)), DIAG_NONE);
	/* garbage: a huge e_phnum and e_phoff */
	make_elf(b, sizeof(b), true, false, "/x");
	put(b + 56, 65535, 2, false);
	put(b + 32, UINT64_C(0xffffffffffffff00), 8, false);
	assert_int_equal(exec_diagnose((char *)b, sizeof(b), w, sizeof(w)), DIAG_NONE);
}

/* The host's own /bin/true, a dynamically linked Debian binary, names its
 * loader; the loader itself (static) names none. */
static void test_elf_real(void **state)
{
	char head[4096], w[256];
	int fd = open("/bin/true", O_RDONLY);

	(void)state;
	if (fd < 0)
		skip();
	ssize_t n = read(fd, head, sizeof(head));
	close(fd);
	assert_true(n > 64);
	assert_int_equal(exec_diagnose(head, (size_t)n, w, sizeof(w)), DIAG_ELF_INTERP);
	assert_true(strstr(w, "/ld") != NULL);
	assert_int_equal(access(w, F_OK), 0);
	char loader[256];
	snprintf(loader, sizeof(loader), "%s", w);
	fd = open(loader, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, head, sizeof(head));
	close(fd);
	assert_int_equal(exec_diagnose(head, (size_t)n, w, sizeof(w)), DIAG_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_scrubs_usher),
		cmocka_unit_test(test_env_extra),
		cmocka_unit_test(test_shebang),
		cmocka_unit_test(test_not_shebang),
		cmocka_unit_test(test_elf_synthetic),
		cmocka_unit_test(test_elf_real),
	};
	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
