/* Client for tests/vm/cuse_hello.c: checks read(), the unrestricted ioctl
 * (struct with pointers, fetched with fuse_reply_ioctl_retry), error
 * propagation, and that mmap() on a CUSE node fails with ENODEV -- the
 * kernel's CUSE has no mmap, and tinydrm's design depends on knowing that.
 *
 *   cuse_hello_client [/dev/tinydrm-hello]
 *
 * Prints one "ok"/"not ok" line per check; exits 0 only if all pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cuse_hello.h"

static int checks, failures;

static void check(int ok, const char *what, const char *detail)
{
	checks++;
	if (!ok)
		failures++;
	printf("%s %d - %s%s%s\n", ok ? "ok" : "not ok", checks, what,
	       detail && *detail ? ": " : "", detail ? detail : "");
	fflush(stdout);
}

static void check_read(int fd)
{
	char buf[256];
	size_t total = 0;
	ssize_t n;
	char detail[320];

	/* Small reads on purpose: the daemon must keep the position. */
	while (total < sizeof(buf) - 1 &&
	       (n = read(fd, buf + total, 7)) > 0)
		total += (size_t)n;
	buf[total] = '\0';
	snprintf(detail, sizeof(detail), "got \"%.*s\"", (int)strcspn(buf, "\n"), buf);
	check(strcmp(buf, HELLO_READ_TEXT) == 0, "read returns the fixed text", detail);
	n = read(fd, buf, sizeof(buf));
	check(n == 0, "read at the end returns EOF", NULL);
}

static void check_echo(int fd)
{
	const char *input = "ping";
	const char *want = HELLO_ECHO_PREFIX "ping";
	char out[64];
	struct hello_echo e;
	char detail[128];
	int rc;

	memset(out, 'X', sizeof(out));
	memset(&e, 0, sizeof(e));
	e.in_ptr = (uintptr_t)input;
	e.in_len = (uint32_t)strlen(input);
	e.out_ptr = (uintptr_t)out;
	e.out_cap = sizeof(out);
	rc = ioctl(fd, HELLO_IOC_ECHO, &e);
	snprintf(detail, sizeof(detail), "rc=%d errno=%s out_len=%u", rc,
		 rc ? strerror(errno) : "0", e.out_len);
	check(rc == 0 && e.out_len == strlen(want) &&
	      memcmp(out, want, strlen(want)) == 0,
	      "ioctl ECHO: struct, input and output buffers", detail);
	/* Only out_len bytes may be written, the rest stays untouched. */
	check(out[strlen(want)] == 'X', "ioctl ECHO writes no more than out_len", NULL);
	check(e.in_ptr == (uintptr_t)input && e.out_cap == sizeof(out),
	      "ioctl ECHO leaves the input fields alone", NULL);

	e.out_cap = 3;
	errno = 0;
	rc = ioctl(fd, HELLO_IOC_ECHO, &e);
	check(rc == -1 && errno == ENOSPC, "ioctl errors reach the caller (ENOSPC)",
	      strerror(errno));

	errno = 0;
	rc = ioctl(fd, _IO('t', 0x7f), 0);
	check(rc == -1 && errno == ENOTTY, "unknown ioctl fails with ENOTTY",
	      strerror(errno));
}

static void check_mmap(int fd)
{
	void *p;

	errno = 0;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p == MAP_FAILED && errno == ENODEV, "mmap on a CUSE node fails with ENODEV",
	      p == MAP_FAILED ? strerror(errno) : "mmap succeeded");
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/" HELLO_DEVNAME;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	check(fd >= 0, "open the CUSE node", fd < 0 ? strerror(errno) : path);
	if (fd < 0)
		return 1;
	check_read(fd);
	check_echo(fd);
	check_mmap(fd);
	close(fd);
	printf("cuse_hello_client: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
