/* fuzz_fmt: fmt, the formatter behind every message usher prints, with
 * strings and numbers from the input (command names, paths and values
 * given by the user all pass through it) and any buffer size.
 *
 * Input: one byte for the buffer size (0-255), one choosing the format,
 * eight for the numbers, then two NUL-separated strings. The result must
 * be what snprintf writes, cut to the buffer, and the returned length its
 * length: messages are cut, never overrun, never hang. */
#include "fuzz.h"

#include <stdarg.h>

static void compare(char *buf, size_t len, size_t got, const char *want)
{
	if (!len) {
		CHECK(got == 0, "fmt into 0 bytes returned %zu", got);
		return;
	}
	size_t wl = strlen(want), cut = wl < len - 1 ? wl : len - 1;
	CHECK(got == cut, "returned %zu, want %zu", got, cut);
	CHECK(memcmp(buf, want, cut) == 0 && buf[cut] == '\0', "'%.*s' is not '%.*s'",
	      (int)cut, buf, (int)cut, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 10)
		return 0;
	size_t len = data[0];
	int64_t num;
	memcpy(&num, data + 2, sizeof(num));
	char *rest = fuzz_str(data + 10, size - 10);
	const char *s1 = rest, *s2 = rest + strlen(rest);
	if ((size_t)(s2 - rest) < size - 10)
		s2++; /* the part after the first NUL */
	char *buf = malloc(len ? len : 1), want[1024];
	size_t got = 0;

	/* the formats usher's messages use, with each argument type */
	switch (data[1] % 6) {
	case 0:
		got = fmt(buf, len, "started %s as process %d%s", s1, (int)num, s2);
		snprintf(want, sizeof(want), "started %s as process %d%s", s1, (int)num, s2);
		break;
	case 1:
		got = fmt(buf, len, "%s%d (%s%s)", s1, (int)num, s2, ", main process");
		snprintf(want, sizeof(want), "%s%d (%s%s)", s1, (int)num, s2, ", main process");
		break;
	case 2:
		got = fmt(buf, len, "%lld.%c%c%c", (long long)num, s1[0] ? s1[0] : '0', 'x', '9');
		snprintf(want, sizeof(want), "%lld.%c%c%c", (long long)num, s1[0] ? s1[0] : '0',
			 'x', '9');
		break;
	case 3:
		got = fmt(buf, len, "%s: %zu groups, gid %lu, %u%%", s1, (size_t)num,
			  (unsigned long)num, (unsigned)num);
		snprintf(want, sizeof(want), "%s: %zu groups, gid %lu, %u%%", s1, (size_t)num,
			 (unsigned long)num, (unsigned)num);
		break;
	case 4:
		got = fmt(buf, len, "%i %ld %s", (int)num, (long)num, s2);
		snprintf(want, sizeof(want), "%i %ld %s", (int)num, (long)num, s2);
		break;
	default:
		got = fmt(buf, len, "%s", s1);
		snprintf(want, sizeof(want), "%s", s1);
		break;
	}
	compare(buf, len, got, want);
	free(buf);
	free(rest);
	return 0;
}
