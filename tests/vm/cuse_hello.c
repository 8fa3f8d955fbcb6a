/* Minimal CUSE proof: creates /dev/tinydrm-hello, answers read() with a fixed
 * string and one unrestricted ioctl (HELLO_IOC_ECHO) using the
 * fuse_reply_ioctl_retry protocol.  Checked by cuse_hello_client.c, run by
 * cuse_hello.sh inside the test VM (tools/vm/run).
 *
 *   cuse_hello [--name=DEVNAME] -f [-s] [-d]
 *
 * -f keeps it in the foreground, -s single-threaded, -d prints the FUSE
 * traffic (all parsed by libfuse's cuse_lowlevel_main).
 */
#define FUSE_USE_VERSION 31

#include <cuse_lowlevel.h>
#include <fuse_opt.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cuse_hello.h"

/* CUSE opens are nonseekable and the kernel always passes offset 0 to read,
 * so the read position is per-open state kept by the daemon (fi->fh). */
struct hello_file {
	size_t pos;
};

static void hello_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct hello_file *f = calloc(1, sizeof(*f));

	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)f;
	fuse_reply_open(req, fi);
}

static void hello_release(fuse_req_t req, struct fuse_file_info *fi)
{
	free((struct hello_file *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void hello_read(fuse_req_t req, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct hello_file *f = (struct hello_file *)(uintptr_t)fi->fh;
	static const char text[] = HELLO_READ_TEXT;
	size_t len = sizeof(text) - 1;
	size_t n;

	(void)off; /* always 0 for CUSE, see struct hello_file */
	if (f->pos >= len) {
		fuse_reply_buf(req, NULL, 0); /* EOF */
		return;
	}
	n = len - f->pos;
	if (n > size)
		n = size;
	fuse_reply_buf(req, text + f->pos, n);
	f->pos += n;
}

/* Unrestricted ioctl, three rounds.  The kernel tells us how much it copied
 * in (in_bufsz) and how much room it made for output (out_bufsz); each
 * retry asks for more, and the same request comes back with those buffers:
 *   1. nothing yet             -> retry: fetch the struct at arg
 *   2. have the struct         -> retry: fetch struct + input buffer, and
 *                                 prepare struct + output buffer for writing
 *   3. have everything         -> reply with the struct and output data
 * The daemon keeps no state between rounds: sizes identify the round. */
static void hello_ioctl_echo(fuse_req_t req, void *arg, const void *in_buf,
			     size_t in_bufsz, size_t out_bufsz)
{
	struct hello_echo e;
	const size_t plen = sizeof(HELLO_ECHO_PREFIX) - 1;

	if (in_bufsz == 0) {
		struct iovec in = { arg, sizeof(e) };

		fuse_reply_ioctl_retry(req, &in, 1, NULL, 0);
		return;
	}
	if (in_bufsz < sizeof(e)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(&e, in_buf, sizeof(e));
	if (e.in_len > HELLO_MAX_IN) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (e.out_cap < plen + e.in_len) {
		fuse_reply_err(req, ENOSPC);
		return;
	}

	if (in_bufsz != sizeof(e) + e.in_len ||
	    out_bufsz != sizeof(e) + e.out_cap) {
		struct iovec in[2] = {
			{ arg, sizeof(e) },
			{ (void *)(uintptr_t)e.in_ptr, e.in_len },
		};
		struct iovec out[2] = {
			{ arg, sizeof(e) },
			{ (void *)(uintptr_t)e.out_ptr, e.out_cap },
		};
		fuse_reply_ioctl_retry(req, in, 2, out, 2);
		return;
	}

	/* Round 3: in_buf = struct + input bytes. */
	{
		const char *input = (const char *)in_buf + sizeof(e);
		size_t n = plen + e.in_len;
		char *data = malloc(n ? n : 1);
		struct iovec out[2];

		if (!data) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(data, HELLO_ECHO_PREFIX, plen);
		memcpy(data + plen, input, e.in_len);
		e.out_len = (uint32_t)n;
		out[0].iov_base = &e;
		out[0].iov_len = sizeof(e);
		out[1].iov_base = data;
		out[1].iov_len = n; /* may be shorter than the prepared area */
		fuse_reply_ioctl_iov(req, 0, out, 2);
		free(data);
	}
}

static void hello_ioctl(fuse_req_t req, int cmd, void *arg,
			struct fuse_file_info *fi, unsigned int flags,
			const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	(void)fi;
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	switch ((unsigned int)cmd) {
	case HELLO_IOC_ECHO:
		hello_ioctl_echo(req, arg, in_buf, in_bufsz, out_bufsz);
		break;
	default:
		fuse_reply_err(req, ENOTTY);
	}
}

static const struct cuse_lowlevel_ops hello_ops = {
	.open = hello_open,
	.release = hello_release,
	.read = hello_read,
	.ioctl = hello_ioctl,
};

struct hello_opts {
	char *name;
};

static const struct fuse_opt hello_opt_spec[] = {
	{ "--name=%s", offsetof(struct hello_opts, name), 0 },
	FUSE_OPT_END
};

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct hello_opts opts = { NULL };
	char devname[256];
	const char *dev_info_argv[] = { devname };
	struct cuse_info ci;
	int rc;

	if (fuse_opt_parse(&args, &opts, hello_opt_spec, NULL) != 0)
		return 1;
	snprintf(devname, sizeof(devname), "DEVNAME=%s",
		 opts.name ? opts.name : HELLO_DEVNAME);

	memset(&ci, 0, sizeof(ci));
	ci.dev_info_argc = 1;
	ci.dev_info_argv = dev_info_argv;
	ci.flags = CUSE_UNRESTRICTED_IOCTL;

	rc = cuse_lowlevel_main(args.argc, args.argv, &ci, &hello_ops, NULL);
	fuse_opt_free_args(&args);
	free(opts.name);
	return rc;
}
