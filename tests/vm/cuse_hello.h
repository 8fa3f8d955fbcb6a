/* Shared between tests/vm/cuse_hello.c (CUSE daemon) and
 * tests/vm/cuse_hello_client.c: the device's fixed answers and its one ioctl.
 */
#ifndef TINYDRM_CUSE_HELLO_H
#define TINYDRM_CUSE_HELLO_H

#include <stdint.h>
#include <sys/ioctl.h>

#define HELLO_DEVNAME "tinydrm-hello"
#define HELLO_READ_TEXT "hello from tinydrm-hello\n"
#define HELLO_ECHO_PREFIX "hello, "

/* Shaped like a DRM ioctl argument: the struct itself only carries user
 * pointers (as u64, so the layout is the same for 32- and 64-bit callers),
 * and the data lives in separate user buffers.  With an unrestricted CUSE
 * ioctl the daemon has to fetch the struct, then the buffers it points to,
 * via fuse_reply_ioctl_retry -- exactly what tinydrm's daemon must do. */
struct hello_echo {
	uint64_t in_ptr;   /* in: user pointer to in_len bytes */
	uint32_t in_len;   /* in */
	uint32_t out_cap;  /* in: size of the buffer at out_ptr */
	uint64_t out_ptr;  /* in: user pointer to the output buffer */
	uint32_t out_len;  /* out: bytes written: HELLO_ECHO_PREFIX + input */
	uint32_t pad;
};

/* The encoded direction/size are informational only: unrestricted ioctls
 * make the kernel ignore them.  Errors: ENOSPC if out_cap is too small,
 * EINVAL if in_len > HELLO_MAX_IN. */
#define HELLO_IOC_ECHO _IOWR('t', 0x42, struct hello_echo)
#define HELLO_MAX_IN 4096

#endif
