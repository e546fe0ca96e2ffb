/* fuzz_rewrite: rewrite_parse ("FROM:TO[,FROM:TO...]").
 *
 * Promises checked: on success every entry is a signal number or 0 (drop)
 * and the signals usher never receives to forward (KILL, STOP, CHLD, the
 * faults) keep mapping to themselves; the table, printed back as
 * "FROM:TO,..." with numbers, parses into the same table; on error the
 * message is one terminated line. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char table[SIG_LAST + 1], again[SIG_LAST + 1];
	char err[256], back[SIG_LAST * 8 + 1];
	char *s = fuzz_str(data, size);

	for (int i = 0; i <= SIG_LAST; i++)
		table[i] = again[i] = (unsigned char)i;
	memset(err, 0x55, sizeof(err));
	if (rewrite_parse(s, table, err, sizeof(err)) < 0) {
		check_err(err, sizeof(err), strchr(s, '\n') != NULL);
		check_logged(err);
		free(s);
		return 0;
	}
	size_t used = 0;
	for (int i = 0; i <= SIG_LAST; i++) {
		CHECK(table[i] <= SIG_LAST, "'%s': %d -> %d", s, i, table[i]);
		if (i == 0 || i == SIGKILL || i == SIGSTOP || i == SIGCHLD || sig_is_fault(i))
			CHECK(table[i] == i, "'%s' rewrites %d", s, i);
		if (table[i] != i)
			used += (size_t)snprintf(back + used, sizeof(back) - used, "%s%d:%d",
						 used ? "," : "", i, table[i]);
	}
	if (used) {
		CHECK(rewrite_parse(back, again, err, sizeof(err)) == 0,
		      "'%s' printed back as '%s' does not parse: %s", s, back, err);
		CHECK(memcmp(table, again, sizeof(table)) == 0, "'%s' and '%s' differ", s, back);
	}
	free(s);
	return 0;
}
