/* fuzz_exec: exec_diagnose on an unterminated heap buffer of exactly the
 * input's size, as the child reads a file's first bytes: ASan catches a
 * read past it, however the ELF header's offsets and counts lie. Checked
 * against the grammar: "#!" results only for input starting "#!", the
 * interpreter is the first word after it (a CR ending the word gives
 * DIAG_SHEBANG_CR and is dropped), ELF results only for "\177ELF", and
 * what is always a NUL-terminated string inside its buffer, empty for
 * DIAG_NONE. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1), what[64];
	memcpy(buf, data, size);
	memset(what, 'x', sizeof(what));
	enum exec_diag d = exec_diagnose(buf, size, what, sizeof(what));
	size_t wl = strnlen(what, sizeof(what));
	CHECK(wl < sizeof(what), "what not terminated");
	bool elf = size >= 4 && memcmp(data, "\177ELF", 4) == 0;
	bool sb = size >= 2 && data[0] == '#' && data[1] == '!';
	switch (d) {
	case DIAG_NONE:
		CHECK(wl == 0, "DIAG_NONE with what '%s'", what);
		break;
	case DIAG_ELF_INTERP:
		CHECK(elf && wl > 0, "ELF interpreter '%s' from a non-ELF input", what);
		break;
	case DIAG_SHEBANG:
	case DIAG_SHEBANG_CR: {
		CHECK(sb && wl > 0, "shebang '%s' from input without #!", what);
		size_t i = 2;
		while (i < size && (data[i] == ' ' || data[i] == '\t'))
			i++;
		CHECK(i + wl <= size && memcmp(data + i, what, wl) == 0,
		      "interpreter '%s' is not the first word", what);
		size_t end = i + wl + (d == DIAG_SHEBANG_CR);
		CHECK(d != DIAG_SHEBANG_CR || data[end - 1] == '\r', "CR reported, none there");
		CHECK(end == size || data[end] == ' ' || data[end] == '\t' ||
			      data[end] == '\n' || data[end] == '\0',
		      "interpreter '%s' cut short", what);
		CHECK(d == DIAG_SHEBANG_CR || what[wl - 1] != '\r', "CR left in '%s'", what);
		break;
	}
	}
	free(buf);
	return 0;
}
