/* fuzz_codes: the -e / USHER_SUCCESS_EXIT code list, through opts_parse,
 * against a reference written from the grammar: "C[,C]...", each C a
 * decimal 0-255 of at most three digits. The option and the variable must
 * agree with the reference and with each other. */
#include "fuzz.h"

static struct opts o;

/* The reference: 0 and the bitmap, or -1. */
static int reference(const char *s, unsigned char bits[32])
{
	memset(bits, 0, 32);
	for (;;) {
		size_t len = strcspn(s, ",");
		int v = 0;
		if (len == 0 || len > 3)
			return -1;
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + s[i] - '0';
		}
		if (v > 255)
			return -1;
		bits[v / 8] |= (unsigned char)(1u << (v % 8));
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char want[32];
	char err[256];
	char *s = fuzz_str(data, size);
	bool nl = strchr(s, '\n') != NULL;
	int ref = reference(s, want);

	unsetenv("USHER_SUCCESS_EXIT");
	/* as an option, joined and separate */
	char *argv1[] = { "usher", "-e", s, "true", NULL };
	enum parse_result r = opts_parse(&o, 4, argv1, err, sizeof(err));
	CHECK(r == (ref == 0 ? PARSE_RUN : PARSE_ERROR), "'-e %s': %d, reference %d", s, r, ref);
	if (r == PARSE_RUN)
		CHECK(memcmp(o.success, want, 32) == 0, "'-e %s': wrong codes", s);
	else {
		check_err(err, sizeof(err), nl);
		check_logged(err);
	}

	size_t n = strlen(s);
	char *joined = malloc(n + 16);
	memcpy(joined, "--success-exit=", 15);
	memcpy(joined + 15, s, n + 1);
	char *argv2[] = { "usher", joined, "true", NULL };
	enum parse_result r2 = opts_parse(&o, 3, argv2, err, sizeof(err));
	CHECK(r2 == r, "'%s' and '-e %s' disagree", joined, s);
	if (r2 == PARSE_RUN)
		CHECK(memcmp(o.success, want, 32) == 0, "'%s': wrong codes", joined);

	/* as the variable; an empty variable counts as unset */
	setenv("USHER_SUCCESS_EXIT", s, 1);
	char *argv3[] = { "usher", "true", NULL };
	enum parse_result r3 = opts_parse(&o, 2, argv3, err, sizeof(err));
	if (*s) {
		CHECK(r3 == r, "USHER_SUCCESS_EXIT='%s' and -e disagree", s);
		if (r3 == PARSE_RUN)
			CHECK(memcmp(o.success, want, 32) == 0, "variable: wrong codes");
	} else {
		CHECK(r3 == PARSE_RUN, "empty USHER_SUCCESS_EXIT refused");
	}
	unsetenv("USHER_SUCCESS_EXIT");
	free(joined);
	free(s);
	return 0;
}
