/* fuzz_sig: sig_parse and sig_name.
 *
 * Promises checked: a result is -1 or 1..64; case does not matter; an
 * optional "SIG" prefix does not matter for names; the name usher prints
 * for a signal parses back to it; sig_name of any number fits the
 * documented 16 bytes. */
#include "fuzz.h"

#include <ctype.h>

static void upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[16];
	char *s = fuzz_str(data, size);
	int n = sig_parse(s);

	CHECK(n == -1 || (n >= 1 && n <= SIG_LAST), "sig_parse('%s') = %d", s, n);

	/* case-insensitive */
	char *u = fuzz_str((const uint8_t *)s, strlen(s));
	upper(u);
	CHECK(sig_parse(u) == n, "'%s' and '%s' differ", s, u);

	/* "SIG" + a name is the name (not for numbers, not twice) */
	if (!isdigit((unsigned char)*u) && strncmp(u, "SIG", 3) != 0) {
		size_t len = strlen(s);
		char *p = malloc(len + 4);
		memcpy(p, "sIg", 3);
		memcpy(p + 3, s, len + 1);
		CHECK(sig_parse(p) == n, "'%s' and '%s' differ", p, s);
		free(p);
	}

	/* the printed name parses back */
	if (n > 0) {
		sig_name(n, name, sizeof(name));
		CHECK(sig_parse(name) == n, "name '%s' of %d parses as %d", name,
		      n, sig_parse(name));
	}

	/* sig_name with any number, in a buffer of the documented minimum
	 * (16 bytes) or a little more: whole and terminated. (Smaller buffers
	 * are fmt's business: fuzz_fmt.) */
	if (size >= 5) {
		int sig;
		memcpy(&sig, data, sizeof(sig));
		size_t len = 16 + data[4] % 8;
		char *buf = malloc(len), want[24];
		const char *r = sig_name(sig, buf, len);
		CHECK(r == buf, "sig_name returned another buffer");
		CHECK(strnlen(buf, len) < len, "sig_name(%d) not terminated", sig);
		if (sig <= 0 || sig > SIG_LAST) {
			snprintf(want, sizeof(want), "%d", sig);
			CHECK(strcmp(buf, want) == 0, "sig_name(%d) = '%s'", sig, buf);
		}
		free(buf);
	}
	free(u);
	free(s);
	return 0;
}
