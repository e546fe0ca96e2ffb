/* fuzz/fuzz.h: shared by the libFuzzer targets in fuzz/fuzz_*.c.
 *
 * A target does more than call a parser: it checks what the parser promises
 * (ranges, NUL-terminated one-line errors, agreement with a small reference
 * written from the documented grammar). A broken promise aborts, so
 * libFuzzer saves the input like any crash. */
#ifndef FUZZ_H
#define FUZZ_H

#include "usher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz check failed: %s (%s:%d): ",     \
				#cond, __FILE__, __LINE__);                    \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/* The input as a heap string of exactly its length plus the NUL, so ASan
 * sees any read past the end. Embedded NULs simply end the string early. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An error message usher prints: NUL-terminated inside its buffer, not
 * empty, and a single line (usher: exactly one line per error) unless the
 * offending value itself carried the newline (see allow_nl). */
static inline void check_err(const char *err, size_t errlen, bool allow_nl)
{
	size_t n = strnlen(err, errlen);
	CHECK(n < errlen, "error message not NUL-terminated");
	CHECK(n > 0, "error without a message");
	CHECK(allow_nl || !memchr(err, '\n', n), "error message '%s' spans lines", err);
}

/* The error as main() prints it, DIE(code, 0, "%s", err), caught from a
 * pipe standing in for stderr: exactly one "usher: " line, whatever the
 * value quoted in it held (a newline would forge a second line). */
#include <unistd.h>
static inline void check_logged(const char *err)
{
	static int p[2] = { -1, -1 };
	char out[1024];

	if (p[0] < 0 && pipe(p) < 0)
		abort();
	int saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	logmsg(0, "%s", err);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = read(p[0], out, sizeof(out) - 1);
	CHECK(n > 0, "nothing logged");
	out[n] = '\0';
	CHECK(strncmp(out, "usher: ", 7) == 0 && strchr(out, '\n') == out + n - 1,
	      "'%s' logged as more than one line", err);
}

#endif
