/* orphans: make usher adopt many orphans at once.
 *
 *   orphans [-w] N CODE
 *
 * An intermediate child forks N grandchildren and exits, so they are
 * orphaned and adopted by the nearest subreaper (usher, or usher as PID 1).
 * They block on a pipe; closing it releases them all together, which gives
 * usher a burst of SIGCHLDs that the kernel merges. Then this process exits
 * with CODE, racing that burst: usher must still report CODE.
 *
 * With -w it first checks that all N were adopted by its own parent, and
 * after the release waits (up to 20 s) until its parent has no child left
 * but this process: no orphan, no zombie. It exits 111 with one line on
 * stderr when a check fails. */
#include "common.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Children of parent other than me, from /proc/PID/stat ("pid (comm) S
 * ppid ..."); comm may hold ") ", hence the last ')'. zombies counts those
 * in state Z. */
static long count_children(pid_t parent, long *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long n = 0;

	*zombies = 0;
	if (!d) {
		perror("orphans: /proc");
		exit(111);
	}
	while ((e = readdir(d))) {
		char path[300], buf[512], *p;
		FILE *f;
		size_t len;
		long ppid;
		char state;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue; /* gone meanwhile */
		len = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %c %ld", &state, &ppid) != 2)
			continue;
		if (ppid != parent || atol(e->d_name) == (long)getpid())
			continue;
		n++;
		if (state == 'Z')
			(*zombies)++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	int wait_mode = 0, code, p[2], st;
	long n, i, left, zombies;
	pid_t mid, usher = getppid();

	if (argc > 1 && strcmp(argv[1], "-w") == 0) {
		wait_mode = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: orphans [-w] N CODE\n");
		return 111;
	}
	n = parse_num("orphans", argv[1], 1, 100000);
	code = (int)parse_num("orphans", argv[2], 0, 255);

	if (pipe(p) < 0) {
		perror("orphans: pipe");
		return 111;
	}
	mid = fork();
	if (mid < 0) {
		perror("orphans: fork");
		return 111;
	}
	if (mid == 0) {
		for (i = 0; i < n; i++) {
			pid_t c = fork();

			if (c < 0) {
				perror("orphans: fork");
				_exit(1);
			}
			if (c == 0) {
				char b;

				close(p[1]);
				/* EOF when the last write end closes. */
				while (read(p[0], &b, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
		}
		_exit(0);
	}
	close(p[0]);
	if (waitpid(mid, &st, 0) != mid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "orphans: could not fork %ld orphans\n", n);
		return 111;
	}
	if (wait_mode) {
		left = count_children(usher, &zombies);
		if (left != n) {
			fprintf(stderr,
				"orphans: parent %ld adopted %ld of %ld orphans\n",
				(long)usher, left, n);
			return 111;
		}
	}
	close(p[1]); /* release them all at once */
	if (!wait_mode)
		return code;

	for (i = 0; i < 2000; i++) { /* 2000 x 10 ms */
		struct timespec ts = {0, 10 * 1000 * 1000};

		left = count_children(usher, &zombies);
		if (left == 0)
			return code;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "orphans: %ld children of %ld left (%ld zombies)\n",
		left, (long)usher, zombies);
	return 111;
}
