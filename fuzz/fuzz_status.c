/* fuzz_status: http_status, against a reference written from the grammar
 * of a status line (RFC 9112, 4, read as target.c says):
 *   "HTTP/" DIGIT "." DIGIT SP [1-5] DIGIT DIGIT
 *   [ SP *( HTAB / SP / %x21-7E / %x80-FF ) ] [ CR ] LF
 * For a buffer holding a line end, the line up to it decides: its code or
 * -1. For one without: 0 when some completion makes it a status line, -1
 * when none can. The input is used as raw bytes of its exact length. */
#include "fuzz.h"

/* a whole line, terminator included */
static int ref_line(const unsigned char *b, size_t n)
{
	static const char fixed[] = "HTTP/d.d ddd";
	size_t i;

	if (n < 13 || b[n - 1] != '\n')
		return -1;
	for (i = 0; i < 12; i++) {
		if (fixed[i] == 'd' ? !(b[i] >= '0' && b[i] <= '9') : b[i] != (unsigned char)fixed[i])
			return -1;
	}
	if (b[9] < '1' || b[9] > '5')
		return -1;
	size_t end = n - 1; /* the LF */
	if (end > 12 && b[end - 1] == '\r')
		end--;
	if (end > 12) {
		if (b[12] != ' ')
			return -1;
		for (i = 13; i < end; i++)
			if ((b[i] < 0x20 && b[i] != '\t') || b[i] == 0x7f)
				return -1;
	}
	return (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
}

static int reference(const unsigned char *b, size_t n)
{
	static const char canon[] = "HTTP/1.1 200 OK\r\n";
	const unsigned char *lf = memchr(b, '\n', n);

	if (lf)
		return ref_line(b, (size_t)(lf - b) + 1);
	/* no line end yet: can any completion make a status line? Any
	 * prefix of one is completed by some tail of this canonical line */
	unsigned char *tmp = malloc(n + sizeof(canon));
	int r = -1;
	for (size_t k = 0; k < sizeof(canon) && r < 0; k++) {
		size_t tail = sizeof(canon) - 1 - k;
		memcpy(tmp, b, n);
		memcpy(tmp + n, canon + k, tail);
		if (ref_line(tmp, n + tail) > 0)
			r = 0;
	}
	free(tmp);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes on the heap: ASan sees a read past the end */
	char *b = malloc(size ? size : 1);
	memcpy(b, data, size);
	int got = http_status(b, size), want = reference((const unsigned char *)b, size);

	CHECK(got == want, "http_status(%zu bytes '%.*s') = %d, want %d", size, (int)size, b,
	      got, want);
	CHECK(got == -1 || got == 0 || (got >= 100 && got <= 599), "code %d", got);
	/* a status found stays found whatever follows it */
	if (got > 0) {
		char *more = malloc(size + 1);
		memcpy(more, b, size);
		more[size] = 'x';
		CHECK(http_status(more, size + 1) == got, "status changed by a byte after it");
		free(more);
	}
	free(b);
	return 0;
}
