/* fuzz_pidfile: pidfile_parse on an unterminated heap buffer of exactly the
 * input's size (ASan catches a read past it), against a reference from its
 * grammar: on the first line blanks, decimal digits, then blanks or CR
 * only; after the first LF anything; PIDs 2 to 4194304 (PID_MAX_LIMIT).
 * pidfile_read on the same bytes in a file must agree (0 for "not yet",
 * and for a first line too long to be a pidfile's). */
#include "fuzz.h"

#include <fcntl.h>
#include <unistd.h>

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(path, sizeof(path), "%s/fuzz_pidfile.%d", dir, (int)getpid());
	return 0;
}

static pid_t reference(const uint8_t *b, size_t n)
{
	size_t i = 0;
	long v = 0;

	while (i < n && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (i == n || b[i] < '0' || b[i] > '9')
		return -1;
	for (; i < n && b[i] >= '0' && b[i] <= '9'; i++)
		if ((v = v * 10 + (b[i] - '0')) > 4194304)
			return -1;
	for (; i < n && b[i] != '\n'; i++)
		if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r')
			return -1;
	return v >= 2 ? (pid_t)v : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	pid_t got = pidfile_parse(buf, size), want = reference(data, size);
	CHECK(got == want, "pidfile_parse = %d, want %d", (int)got, (int)want);
	free(buf);

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "cannot create %s", path);
	CHECK(write(fd, data, size) == (ssize_t)size, "short write");
	close(fd);
	pid_t r = pidfile_read(path);
	/* pidfile_read reads at most 32 bytes; a first line that ends
	 * within them is all it parses */
	const uint8_t *nl = memchr(data, '\n', size < 32 ? size : 32);
	pid_t want_read = nl ? reference(data, (size_t)(nl - data) + 1)
		: size == 0 || size >= 32 ? 0 : want;
	if (want_read < 0)
		want_read = 0;
	CHECK(r == want_read, "pidfile_read = %d, want %d", (int)r, (int)want_read);
	unlink(path);
	return 0;
}
