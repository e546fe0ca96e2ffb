/* maskcheck: print the signal state this process was started with.
 *
 *   maskcheck        ->  "SigBlk=<hex> SigIgn=<hex>"
 *
 * Read from /proc/self/status, which shows all 64 signals (libc wrappers
 * hide the ones musl or glibc reserve). Handlers cannot survive exec, so
 * "blocked" and "ignored" are all a parent can leak into its child. Exit 0
 * once printed; 111 if /proc could not be read.
 *
 * Signals 32-34 are left out: glibc and musl reserve them, and GNU make
 * (so `make check`) hands its children 32 and 33 ignored, which usher
 * faithfully passes on; no test should depend on how it was started. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESERVED UINT64_C(0x1c0000000) /* bits of signals 32, 33, 34 */

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
	printf("SigBlk=%016" PRIx64 " SigIgn=%016" PRIx64 "\n",
	       (uint64_t)strtoull(blk, NULL, 16) & ~RESERVED,
	       (uint64_t)strtoull(ign, NULL, 16) & ~RESERVED);
	return 0;
}
