/* maskcheck: print the signal state this process was started with.
 *
 *   maskcheck        ->  "SigBlk=<hex> SigIgn=<hex>"
 *
 * Read from /proc/self/status, which shows all 64 signals (libc wrappers
 * hide the ones musl or glibc reserve). Handlers cannot survive exec, so
 * "blocked" and "ignored" are all a parent can leak into its child. Exit 0
 * once printed; 111 if /proc could not be read. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256], blk[32] = "", ign[32] = "";

	if (!f) {
		perror("maskcheck: /proc/self/status");
		return 111;
	}
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "SigBlk:", 7) == 0)
			sscanf(line + 7, "%31s", blk);
		else if (strncmp(line, "SigIgn:", 7) == 0)
			sscanf(line + 7, "%31s", ign);
	}
	fclose(f);
	if (!*blk || !*ign) {
		fprintf(stderr, "maskcheck: no SigBlk/SigIgn in status\n");
		return 111;
	}
	printf("SigBlk=%s SigIgn=%s\n", blk, ign);
	return 0;
}
