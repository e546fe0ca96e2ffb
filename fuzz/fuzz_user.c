/* fuzz_user: user_resolve with the input split into a spec, a passwd file
 * and a group file written to a temporary directory.
 *
 * Input:  SPEC "\n" PASSWD [ "\n%%group%%\n" GROUP ]
 * Without the %%group%% marker there is no group file (missing files mean
 * no entries); an input without any newline has neither file. Inside the
 * file parts two directives let a few-byte seed stand for a huge file:
 *   "%%repeat N%%LINE\n"  LINE N times (N <= 100000), "%n" in it replaced
 *                         by 0, 1, 2 ... (10 000 groups, 10 000 users)
 *   "%%size N%%\n"        the file grows to N bytes of NULs (sparse), up
 *                         to 80 MiB: past the 64 MiB usher refuses
 * Files are capped at 80 MiB in all.
 *
 * Promises checked: success gives 1..256 groups without duplicates, the
 * primary first, a terminated home that is not empty; a numeric GROUP is
 * that gid alone; a bare number without passwd is uid=gid=N, home "/";
 * failure gives one terminated line; the same files give the same answer
 * twice. */
#include "fuzz.h"

#include <fcntl.h>
#include <unistd.h>

#define FILE_CAP (80u << 20)

static char dir[64], pw_path[96], gr_path[96];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* tmpfs when there is one: the files are rewritten every run */
	snprintf(dir, sizeof(dir), "%s/fuzz_user.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(pw_path, sizeof(pw_path), "%s/passwd", dir);
	snprintf(gr_path, sizeof(gr_path), "%s/group", dir);
	return 0;
}

struct out {
	int fd;
	size_t size;
};

static void put(struct out *f, const char *p, size_t n)
{
	if (f->size >= FILE_CAP)
		return;
	if (n > FILE_CAP - f->size)
		n = FILE_CAP - f->size;
	if (write(f->fd, p, n) != (ssize_t)n)
		abort();
	f->size += n;
}

/* Parse "%%NAME N%%" at p (len bytes): the number, and *rest after it. */
static long directive(const char *p, size_t len, const char *name, const char **rest)
{
	size_t nl = strlen(name);
	long v = 0;
	size_t i;

	if (len < nl + 5 || memcmp(p, "%%", 2) != 0 || memcmp(p + 2, name, nl) != 0 ||
	    p[2 + nl] != ' ')
		return -1;
	for (i = nl + 3; i < len && p[i] >= '0' && p[i] <= '9' && v <= 100000000; i++)
		v = v * 10 + (p[i] - '0');
	if (i + 2 > len || memcmp(p + i, "%%", 2) != 0)
		return -1;
	*rest = p + i + 2;
	return v;
}

/* Write one file part, expanding the directives, into path. */
static void write_file(const char *path, const char *p, size_t len)
{
	struct out f = { open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0 };
	if (f.fd < 0)
		abort();
	while (len) {
		const char *nl = memchr(p, '\n', len);
		size_t l = nl ? (size_t)(nl - p) + 1 : len; /* with its newline */
		const char *rest;
		long n;

		if ((n = directive(p, l, "repeat", &rest)) >= 0) {
			size_t rl = l - (size_t)(rest - p);
			if (n > 100000)
				n = 100000;
			for (long k = 0; k < n && f.size < FILE_CAP; k++) {
				const char *q = rest, *e = rest + rl;
				while (q < e) {
					const char *pc = memchr(q, '%', (size_t)(e - q));
					if (!pc || pc + 1 >= e || pc[1] != 'n') {
						put(&f, q, (size_t)(e - q));
						break;
					}
					put(&f, q, (size_t)(pc - q));
					char num[16];
					put(&f, num, (size_t)snprintf(num, sizeof(num), "%ld", k));
					q = pc + 2;
				}
			}
		} else if ((n = directive(p, l, "size", &rest)) >= 0) {
			if ((size_t)n > FILE_CAP)
				n = FILE_CAP;
			if ((size_t)n > f.size && ftruncate(f.fd, n) == 0) {
				lseek(f.fd, n, SEEK_SET);
				f.size = (size_t)n;
			}
		} else {
			put(&f, p, l);
		}
		p += l;
		len -= l;
	}
	close(f.fd);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct creds c, again;
	static const char marker[] = "\n%%group%%\n";
	char err[256], err2[256];
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);

	unlink(pw_path);
	unlink(gr_path);
	size_t speclen = nl ? (size_t)(nl - in) : size;
	char *spec = fuzz_str(data, speclen);
	if (nl) {
		const char *pw = nl + 1, *end = in + size;
		const char *gr = memmem(pw, (size_t)(end - pw), marker, sizeof(marker) - 1);
		write_file(pw_path, pw, (size_t)((gr ? gr : end) - pw));
		if (gr)
			write_file(gr_path, gr + sizeof(marker) - 1,
				   (size_t)(end - gr - (sizeof(marker) - 1)));
	}

	memset(err, 0x55, sizeof(err));
	memset(&c, 0x55, sizeof(c));
	int r = user_resolve(spec, pw_path, gr_path, &c, err, sizeof(err));
	CHECK(r == 0 || r == -1, "user_resolve returned %d", r);
	if (r < 0) {
		check_err(err, sizeof(err), true);
		check_logged(err);
	} else {
		CHECK(c.ngroups >= 1 && c.ngroups <= CREDS_MAX_GROUPS, "%zu groups", c.ngroups);
		CHECK(c.groups[0] == c.gid, "primary group not first");
		for (size_t i = 0; i < c.ngroups; i++)
			for (size_t j = i + 1; j < c.ngroups; j++)
				CHECK(c.groups[i] != c.groups[j], "group %u twice", (unsigned)c.groups[i]);
		size_t hl = strnlen(c.home, sizeof(c.home));
		CHECK(hl > 0 && hl < sizeof(c.home), "home not terminated or empty");
		CHECK(c.uid != (uid_t)-1 && c.gid != (gid_t)-1, "id -1 resolved");

		const char *colon = strchr(spec, ':');
		if (colon && colon[1] && all_digits(colon + 1)) {
			CHECK(c.gid == (gid_t)strtoul(colon + 1, NULL, 10) && c.ngroups == 1,
			      "'%s': gid %u with %zu groups", spec, (unsigned)c.gid, c.ngroups);
		}
		if (!nl && all_digits(spec)) {
			uid_t n = (uid_t)strtoul(spec, NULL, 10);
			CHECK(c.uid == n && c.gid == n && c.ngroups == 1 &&
				      strcmp(c.home, "/") == 0,
			      "'%s' without files", spec);
		}
	}
	{ /* the same files, the same answer */
		int r2 = user_resolve(spec, pw_path, gr_path, &again, err2, sizeof(err2));
		CHECK(r2 == r, "second resolve gave %d, first %d", r2, r);
		if (r == 0)
			CHECK(memcmp(&c, &again, sizeof(c)) == 0 ||
				      (c.uid == again.uid && c.gid == again.gid &&
				       c.ngroups == again.ngroups &&
				       memcmp(c.groups, again.groups, c.ngroups * sizeof(gid_t)) == 0 &&
				       strcmp(c.home, again.home) == 0),
			      "second resolve differs");
		else
			CHECK(strcmp(err, err2) == 0, "'%s' then '%s'", err, err2);
	}
	free(spec);
	return 0;
}
