/* exec.c: the exec of COMMAND and the stop hook, in the forked child.
 *
 * execvp as POSIX describes it, not as musl ships it: a file the kernel
 * refuses as a binary (ENOEXEC: a script without "#!") runs with /bin/sh,
 * as glibc's execvp, tini and dumb-init do. When the exec still fails, the
 * child says what is really missing: "command not found" for a file that
 * exists sends people looking in the wrong place when it is the "#!"
 * interpreter (#!/bin/bash in a busybox image), a CR after it (a script
 * saved with DOS line endings), or the ELF loader of a dynamically linked
 * binary in an image without its libc. The environment loses usher's own
 * USHER_* settings on the way. Pure parts: env_build, exec_diagnose. */
#include "usher.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Variables that configure usher are usher's: passed on they would set up
 * a nested usher (an inherited USHER_PIDFILE made `usher -- true` wait 5 s
 * and exit 125). The hook's own USHER_CHILD_PID, USHER_SIGNAL and
 * USHER_DEADLINE come back as extra. */
size_t env_build(char **out, char *const env[], char *const extra[], size_t nextra)
{
	size_t k = 0;

	for (size_t i = 0; env && env[i]; i++) {
		bool drop = strncmp(env[i], "USHER_", 6) == 0;
		for (size_t j = 0; j < nextra && !drop; j++)
			drop = strncmp(env[i], extra[j], strcspn(extra[j], "=") + 1) == 0;
		if (!drop)
			out[k++] = env[i];
	}
	for (size_t j = 0; j < nextra; j++)
		out[k++] = extra[j];
	out[k] = NULL;
	return k;
}

/* ELF fields of either byte order; off + size is within len (checked). */
static uint64_t elf_get(const unsigned char *p, size_t size, bool big)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)p[big ? i : size - 1 - i] << (8 * (size - 1 - i));
	return v;
}

/* The PT_INTERP path of an ELF header in head, or false. */
static bool elf_interp(const unsigned char *h, size_t len, char *what, size_t wlen)
{
	if (len < 52 || (h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
		return false;
	bool w64 = h[4] == 2, big = h[5] == 2;
	if (w64 && len < 64) /* the 64-bit header is longer */
		return false;
	uint64_t phoff = w64 ? elf_get(h + 32, 8, big) : elf_get(h + 28, 4, big);
	size_t phentsize = (size_t)elf_get(h + (w64 ? 54 : 42), 2, big);
	size_t phnum = (size_t)elf_get(h + (w64 ? 56 : 44), 2, big);

	if (phentsize < (w64 ? 56u : 32u))
		return false;
	for (size_t i = 0; i < phnum; i++) {
		uint64_t at = phoff + i * phentsize;
		if (at > len || len - at < phentsize)
			return false;
		const unsigned char *ph = h + at;
		if (elf_get(ph, 4, big) != 3) /* PT_INTERP */
			continue;
		uint64_t off = w64 ? elf_get(ph + 8, 8, big) : elf_get(ph + 4, 4, big);
		uint64_t sz = w64 ? elf_get(ph + 32, 8, big) : elf_get(ph + 16, 4, big);
		if (off > len || sz == 0 || sz > len - off || sz >= wlen)
			return false;
		memcpy(what, h + off, (size_t)sz);
		what[sz] = '\0';
		return strlen(what) > 0;
	}
	return false;
}

enum exec_diag exec_diagnose(const char *head, size_t len, char *what, size_t wlen)
{
	if (!wlen)
		return DIAG_NONE;
	what[0] = '\0';
	if (len >= 4 && memcmp(head, "\177ELF", 4) == 0)
		return elf_interp((const unsigned char *)head, len, what, wlen)
			       ? DIAG_ELF_INTERP : DIAG_NONE;
	if (len < 2 || head[0] != '#' || head[1] != '!')
		return DIAG_NONE;
	/* the kernel's reading: blanks, then the path up to a blank or the
	 * end of the line; a CR is part of the path */
	size_t i = 2, n = 0;
	while (i < len && (head[i] == ' ' || head[i] == '\t'))
		i++;
	while (i + n < len && head[i + n] != ' ' && head[i + n] != '\t' &&
	       head[i + n] != '\n' && head[i + n] != '\0')
		n++;
	if (n == 0 || n >= wlen)
		return DIAG_NONE;
	memcpy(what, head + i, n);
	what[n] = '\0';
	if (what[n - 1] == '\r') {
		what[n - 1] = '\0';
		return n > 1 ? DIAG_SHEBANG_CR : DIAG_NONE; /* "#!\r": no path at all */
	}
	/* "#!/bin/sh -e\r": the CR ends the argument, the path is fine;
	 * the kernel passes "-e\r", which the interpreter will complain of */
	return DIAG_SHEBANG;
}

/* The first bytes of path, diagnosed (DIAG_NONE when unreadable). */
static enum exec_diag diagnose_file(const char *path, char *what, size_t wlen)
{
	char head[4097];
	ssize_t n = read_small(path, head, sizeof(head));

	return n > 0 ? exec_diagnose(head, (size_t)n, what, wlen) : DIAG_NONE;
}

/* The exec failed with ENOENT for path, which exists: say what is missing.
 * An interpreter that exists but fails the same way is looked into once. */
static void explain_enoent(const char *name, const char *path, char *err, size_t errlen)
{
	char what[256], loader[256];

	switch (diagnose_file(path, what, sizeof(what))) {
	case DIAG_SHEBANG_CR:
		fmt(err, errlen, "cannot run '%s': its '#!' line ends in a carriage "
		    "return (DOS line endings), so the kernel looks for '%s\\r'",
		    name, what);
		break;
	case DIAG_SHEBANG:
		if (access(what, F_OK) != 0)
			fmt(err, errlen, "cannot run '%s': its interpreter '%s' (from the "
			    "'#!' line) does not exist", name, what);
		else if (diagnose_file(what, loader, sizeof(loader)) == DIAG_ELF_INTERP)
			fmt(err, errlen, "cannot run '%s': its interpreter '%s' needs the "
			    "ELF interpreter '%s', which is missing", name, what, loader);
		else
			fmt(err, errlen, "cannot run '%s': its interpreter '%s' cannot be "
			    "started: %s", name, what, strerror(ENOENT));
		break;
	case DIAG_ELF_INTERP:
		fmt(err, errlen, "cannot run '%s': its ELF interpreter '%s' is missing "
		    "(a dynamically linked program without its C library?)", name, what);
		break;
	case DIAG_NONE:
		fmt(err, errlen, "cannot run '%s': %s", name, strerror(ENOENT));
		break;
	}
}

/* execve, and for a file the kernel does not know how to run, /bin/sh
 * with the file as its script (argv[0] "/bin/sh", as glibc does) -- but
 * not for an ELF file: that is a binary of another architecture, which sh
 * would read as garbage. */
static void exec_file(const char *path, char *const argv[], char *const envp[],
		      bool *no_sh)
{
	char magic[5];

	execve(path, argv, envp);
	if (errno != ENOEXEC)
		return;
	ssize_t m = read_small(path, magic, sizeof(magic));
	errno = ENOEXEC;
	if (m == 4 && memcmp(magic, "\177ELF", 4) == 0)
		return;
	size_t n = 0;
	while (argv[n])
		n++;
	const char *sh_argv[n + 2];
	sh_argv[0] = "/bin/sh";
	sh_argv[1] = path;
	for (size_t i = 1; i <= n; i++)
		sh_argv[i + 1] = argv[i];
	execve("/bin/sh", (char *const *)sh_argv, envp);
	*no_sh = errno == ENOENT;
	errno = ENOEXEC;
}

int exec_command(char *const argv[], char *const envp[], char *err, size_t errlen)
{
	const char *name = argv[0], *path = getenv("PATH");
	char buf[PATH_MAX], exists[PATH_MAX] = "";
	bool eacces = false, no_sh = false;
	int e = ENOENT;

	if (!*name) {
		fmt(err, errlen, "cannot run '': command not found");
		return EXIT_NOT_FOUND;
	}
	if (strchr(name, '/')) {
		exec_file(name, argv, envp, &no_sh);
		e = errno;
		if (e == ENOENT && access(name, F_OK) == 0)
			fmt(exists, sizeof(exists), "%s", name);
	} else {
		/* the search of POSIX execvp: empty entries are the current
		 * directory; EACCES is remembered and the search goes on */
		if (!path)
			path = "/usr/local/bin:/bin:/usr/bin";
		for (const char *p = path;; p++) {
			size_t dl = strcspn(p, ":");
			if (dl + strlen(name) + 2 <= sizeof(buf)) {
				/* "dir/name"; an empty entry is the directory we are in */
				memcpy(buf, p, dl);
				fmt(buf + dl, sizeof(buf) - dl, "%s%s", dl ? "/" : "", name);
				exec_file(buf, argv, envp, &no_sh);
				if (errno == EACCES)
					eacces = true;
				else if (errno == ENOENT && !exists[0] && access(buf, F_OK) == 0)
					fmt(exists, sizeof(exists), "%s", buf);
				else if (errno != ENOENT && errno != ENOTDIR)
					break;
			}
			p += dl;
			if (!*p)
				break;
		}
		e = errno != ENOENT && errno != ENOTDIR ? errno : eacces ? EACCES : ENOENT;
	}
	if (e == ENOEXEC && no_sh)
		fmt(err, errlen, "cannot run '%s': it is no binary and has no '#!' line, "
		    "and /bin/sh, which would run it as a script, is missing", name);
	else if (e == ENOEXEC)
		fmt(err, errlen, "cannot run '%s': %s (a binary for another machine?)",
		    name, strerror(e));
	else if (e == ENOENT && exists[0])
		explain_enoent(name, exists, err, errlen);
	else
		fmt(err, errlen, "cannot run '%s': %s", name,
		    e == ENOENT || e == ENOTDIR ? "command not found" : strerror(e));
	errno = e;
	return exec_failure_code(e);
}
