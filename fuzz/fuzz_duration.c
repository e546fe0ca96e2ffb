/* fuzz_duration: parse_duration, against a reference written from its
 * documented grammar: digits, optionally '.' and 1-9 more digits; whole
 * seconds at most 1 000 000; nothing else (no sign, blank, exponent, unit).
 * The value must be exact, in nanoseconds. */
#include "fuzz.h"

static int64_t reference(const char *s)
{
	int64_t sec = 0, frac = 0;
	size_t i = 0, nd = 0;

	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (sec <= 1000000)
			sec = sec * 10 + (s[i] - '0');
	}
	if (i == 0 || sec > 1000000)
		return -1;
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 9)
				frac = frac * 10 + (s[i] - '0');
		if (nd == 0 || nd > 9)
			return -1;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	return s[i] ? -1 : sec * NSEC_PER_SEC + frac;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	int64_t got = parse_duration(s), want = reference(s);

	CHECK(got == want, "parse_duration('%s') = %lld, want %lld", s, (long long)got,
	      (long long)want);
	free(s);
	return 0;
}
