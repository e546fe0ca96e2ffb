/* fuzz_split: split_blanks, which turns -H CMD into the hook's argv.
 *
 * Input: one byte for the store's size, one for argv's, then CMD. Both
 * arrays are heap blocks of exactly that size, so ASan sees any write past
 * them. Checked against a reference split at blanks and tabs: -1 for an
 * empty CMD, one that does not fit the store, or more than max - 1 words;
 * else the same words, NULL-terminated. */
#include "fuzz.h"

#define MAXW 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t storelen = data[0] * 8u + (data[0] & 7u); /* 0..2047 */
	size_t max = data[1];
	char *cmd = fuzz_str(data + 2, size - 2);
	size_t len = strlen(cmd);

	/* the reference */
	const char *word[MAXW];
	size_t wlen[MAXW], nw = 0;
	for (const char *p = cmd; *p;) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		size_t l = strcspn(p, " \t");
		if (nw < MAXW) {
			word[nw] = p;
			wlen[nw] = l;
		}
		nw++;
		p += l;
	}
	int want = len >= storelen || max == 0 || nw == 0 || nw + 1 > max ? -1 : (int)nw;

	char *store = malloc(storelen ? storelen : 1);
	char **argv = malloc((max ? max : 1) * sizeof(char *));
	int got = split_blanks(cmd, store, storelen, argv, max);
	CHECK(got == want, "split_blanks('%s', %zu, %zu) = %d, want %d", cmd, storelen,
	      max, got, want);
	if (got > 0) {
		for (size_t i = 0; i < nw; i++) {
			CHECK(argv[i] >= store && argv[i] < store + storelen, "word %zu outside", i);
			CHECK(strlen(argv[i]) == wlen[i] && memcmp(argv[i], word[i], wlen[i]) == 0,
			      "word %zu is '%s'", i, argv[i]);
		}
		CHECK(argv[nw] == NULL, "argv not NULL-terminated");
	}
	free(argv);
	free(store);
	free(cmd);
	return 0;
}
