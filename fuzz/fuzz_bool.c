/* fuzz_bool: parse_bool against its documented table, any case:
 * 1 true yes on -> 1; 0 false no off "" -> 0; anything else -> -1. */
#include "fuzz.h"

#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };
	char *s = fuzz_str(data, size);
	int want = -1;

	for (size_t i = 0; i < 4; i++)
		if (strcasecmp(s, yes[i]) == 0)
			want = 1;
	for (size_t i = 0; i < 5; i++)
		if (strcasecmp(s, no[i]) == 0)
			want = 0;
	int got = parse_bool(s);
	CHECK(got == want, "parse_bool('%s') = %d, want %d", s, got, want);
	free(s);
	return 0;
}
