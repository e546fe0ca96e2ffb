/* fuzz_stopset: stopset_parse ("SIG[,SIG...]", --stop-signal).
 *
 * Promises checked: the result agrees with a reference built from the
 * documented grammar (comma-separated sig_parse names, none empty, none of
 * KILL, STOP, CHLD or the faults); on success only bits 1..64 are set and
 * the set printed back as numbers parses into the same set; on error the
 * set is no larger than what valid items before the error added, and the
 * message is one terminated line. */
#include "fuzz.h"

/* The reference: the set the list means, or -1 when it is invalid. */
static int reference(const char *s, uint64_t *set)
{
	char item[64];

	*set = 0;
	for (;;) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len >= sizeof(item))
			return -1;
		memcpy(item, s, len);
		item[len] = '\0';
		int sig = sig_parse(item);
		if (sig < 1 || sig > SIG_LAST || sig == SIGKILL || sig == SIGSTOP ||
		    sig == SIGCHLD || sig_is_fault(sig))
			return -1;
		*set |= UINT64_C(1) << (sig - 1);
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t set = 0, ref, again = 0;
	char err[256], back[SIG_LAST * 4 + 1];
	char *s = fuzz_str(data, size);

	memset(err, 0x55, sizeof(err));
	int r = stopset_parse(s, &set, err, sizeof(err));
	int want = reference(s, &ref);
	/* both refuse items of 64 characters or more (leading zeros) */
	CHECK(r == want, "'%s': stopset_parse %d, reference %d", s, r, want);
	if (r < 0) {
		check_err(err, sizeof(err), strchr(s, '\n') != NULL);
		check_logged(err);
		free(s);
		return 0;
	}
	CHECK(set == ref, "'%s': set %llx, reference %llx", s, (unsigned long long)set,
	      (unsigned long long)ref);
	CHECK(set != 0, "'%s': empty set accepted", s);
	size_t used = 0;
	for (int i = 1; i <= SIG_LAST; i++)
		if (set & SIG_BIT(i))
			used += (size_t)snprintf(back + used, sizeof(back) - used, "%s%d",
						 used ? "," : "", i);
	CHECK(stopset_parse(back, &again, err, sizeof(err)) == 0,
	      "'%s' printed back as '%s' does not parse: %s", s, back, err);
	CHECK(again == set, "'%s' and '%s' differ", s, back);
	free(s);
	return 0;
}
