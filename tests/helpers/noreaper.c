/* noreaper: run a command where prctl(PR_SET_CHILD_SUBREAPER) fails with
 * EPERM, as on AWS Lambda (tini issue #218) and under some seccomp
 * profiles. It installs a seccomp filter that answers exactly that call
 * with EPERM and allows everything else, then execs the command, which
 * inherits the filter.
 *
 *   noreaper COMMAND [ARG]...
 *
 * Needs no_new_privs or CAP_SYS_ADMIN: it sets no_new_privs only when
 * NOREAPER_NNP=1 (root does not need it, and it would change setuid
 * behaviour under test). */
#include "common.h"
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel ABI, spelled out: musl-gcc sees no linux/ headers. */
#if defined(__x86_64__)
#define ARCH 0xc000003eu /* AUDIT_ARCH_X86_64 */
#elif defined(__aarch64__)
#define ARCH 0xc00000b7u /* AUDIT_ARCH_AARCH64 */
#elif defined(__i386__)
#define ARCH 0x40000003u /* AUDIT_ARCH_I386 */
#else
#error "noreaper: add this architecture's AUDIT_ARCH"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "noreaper: args[0]'s low word is at offset 16 on little-endian only"
#endif
#define SECCOMP_MODE_FILTER 2
#define SECCOMP_RET_ALLOW 0x7fff0000u
#define SECCOMP_RET_ERRNO 0x00050000u
#define SECCOMP_RET_DATA 0x0000ffffu
#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_ARG0 16
struct sock_filter { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };
#define BPF_STMT(code, k) { (uint16_t)(code), 0, 0, (k) }
#define BPF_JUMP(code, k, jt, jf) { (uint16_t)(code), (jt), (jf), (k) }
#define BPF_LD 0x00
#define BPF_W 0x00
#define BPF_ABS 0x20
#define BPF_JMP 0x05
#define BPF_JEQ 0x10
#define BPF_K 0x00
#define BPF_RET 0x06

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		/* another ABI (x32, i386 on x86_64): allow, it is not ours */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARG0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_CHILD_SUBREAPER, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (argc < 2) {
		fprintf(stderr, "usage: noreaper COMMAND [ARG]...\n");
		return 2;
	}
	const char *nnp = getenv("NOREAPER_NNP");
	if (nnp && !strcmp(nnp, "1") && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perror("noreaper: PR_SET_NO_NEW_PRIVS");
		return 2;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		perror("noreaper: PR_SET_SECCOMP");
		return 2;
	}
	/* prove the filter holds before handing over */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 || errno != EPERM) {
		fprintf(stderr, "noreaper: the filter did not refuse PR_SET_CHILD_SUBREAPER\n");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("noreaper: exec");
	return 127;
}
