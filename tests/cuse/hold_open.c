// SPDX-License-Identifier: MIT
// hold_open: a DRM client that holds a tinydrm node open across its unplug.
//
//   hold_open DEVICE WORKDIR
//
// 1. Opens DEVICE and checks the live node: DRM_IOCTL_VERSION works (a pointer-carrying ioctl,
//    so the CUSE retry path), a non-blocking read says EAGAIN, poll() shows nothing to read,
//    and a blocking read (parked by the daemon) is interrupted by a signal with EINTR. Then it
//    sets a mode and page-flips with events: a read parked before the flip is answered with
//    the flip-complete event, and a poll() waiting before the second flip is woken (the
//    daemon's wakeup path: fuse_lowlevel_notify_poll).
// 2. Parks a blocking read in a second thread, then creates WORKDIR/ready.
// 3. Waits for WORKDIR/unplugged (the script has run `tinydrmctl unplug`), then checks that the
//    parked read came back with ENODEV, the next ioctl fails with ENODEV, poll() reports
//    POLLERR|POLLHUP and a new open of DEVICE fails with ENODEV.
// 4. Creates WORKDIR/checked, waits for WORKDIR/close, closes DEVICE and exits.
//
// Every wait is bounded (60 s). Exit: 0 all checks passed, 1 a check failed, 2 usage/setup.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

static const char *workdir;
static int failures;

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("hold_open: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (cond) {                                                                \
			say("ok: " __VA_ARGS__);                                           \
		} else {                                                                   \
			say("FAIL: " __VA_ARGS__);                                         \
			failures++;                                                        \
		}                                                                          \
	} while (0)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void touch(const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
}

/* Waits (bounded) for WORKDIR/name to exist. */
static int wait_file(const char *name)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	for (double deadline = now() + 60; now() < deadline; sleep_ms(20))
		if (stat(path, &st) == 0)
			return 0;
	say("FAIL: timed out waiting for %s", path);
	return -1;
}

/* A blocking read in its own thread; the result is published through `done`. */
struct reader {
	int fd;
	pthread_t thread;
	volatile int done;
	ssize_t result;
	int err;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	char buf[4096];
	r->result = read(r->fd, buf, sizeof(buf));
	r->err = errno;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void reader_start(struct reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		say("pthread_create failed");
		exit(2);
	}
}

static int reader_wait(struct reader *r, double seconds, int kick_signal)
{
	for (double deadline = now() + seconds; now() < deadline; sleep_ms(50)) {
		if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
			pthread_join(r->thread, NULL);
			return 0;
		}
		/* Repeated: a signal that lands before the read is parked interrupts nothing. */
		if (kick_signal)
			pthread_kill(r->thread, kick_signal);
	}
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
}

/* A poll(2) in its own thread, like the reader. */
struct poller {
	int fd;
	pthread_t thread;
	volatile int done;
	int result;
	short revents;
};

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = {p->fd, POLLIN, 0};
	p->result = poll(&pfd, 1, 30000);
	p->revents = pfd.revents;
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Sets the connector's preferred mode on a dumb framebuffer and flips to a second one, twice,
 * each time with an event that a waiter already parked in the daemon must receive. */
static int modeset_and_flip(int fd)
{
	drmModeRes *res = drmModeGetResources(fd);
	if (!res || res->count_crtcs < 1 || res->count_connectors < 1) {
		say("FAIL: drmModeGetResources: %s", strerror(errno));
		return -1;
	}
	uint32_t crtc = res->crtcs[0];
	drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[0]);
	if (!conn || conn->count_modes < 1) {
		say("FAIL: drmModeGetConnector: %s", strerror(errno));
		return -1;
	}
	drmModeModeInfo mode = conn->modes[0];
	uint32_t connector = conn->connector_id;
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);

	uint32_t fbs[2];
	for (int i = 0; i < 2; i++) {
		struct drm_mode_create_dumb create = {.height = mode.vdisplay, .width = mode.hdisplay, .bpp = 32};
		if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0 ||
		    drmModeAddFB(fd, mode.hdisplay, mode.vdisplay, 24, 32, create.pitch, create.handle,
				 &fbs[i]) < 0) {
			say("FAIL: dumb framebuffer: %s", strerror(errno));
			return -1;
		}
	}
	if (drmModeSetCrtc(fd, crtc, fbs[0], 0, 0, &connector, 1, &mode) < 0) {
		say("FAIL: drmModeSetCrtc: %s", strerror(errno));
		return -1;
	}
	say("ok: mode %s set", mode.name);

	/* flip 1: the read is parked before the event exists */
	struct reader r;
	reader_start(&r, fd);
	sleep_ms(200); /* likely parked by now; correct either way */
	int rc = drmModePageFlip(fd, crtc, fbs[1], DRM_MODE_PAGE_FLIP_EVENT, (void *)0x1234);
	CHECK(rc == 0, "page flip with event (%s)", rc ? strerror(errno) : "ok");
	rc = reader_wait(&r, 30, 0);
	struct drm_event_vblank ev;
	CHECK(rc == 0 && r.result >= (ssize_t)sizeof(ev),
	      "the parked read returns the flip event (got %zd, %s)", r.result,
	      r.result < 0 ? strerror(r.err) : "ok");

	/* flip 2: a poll() waits for it */
	struct poller p;
	memset(&p, 0, sizeof(p));
	p.fd = fd;
	pthread_create(&p.thread, NULL, poller_main, &p);
	sleep_ms(200);
	rc = drmModePageFlip(fd, crtc, fbs[0], DRM_MODE_PAGE_FLIP_EVENT, (void *)0x5678);
	CHECK(rc == 0, "second page flip with event (%s)", rc ? strerror(errno) : "ok");
	pthread_join(p.thread, NULL);
	CHECK(p.result == 1 && (p.revents & POLLIN),
	      "a waiting poll is woken by the event (rc %d revents %#x)", p.result, p.revents);
	ssize_t n = read(fd, &ev, sizeof(ev));
	CHECK(n == (ssize_t)sizeof(ev) && ev.base.type == DRM_EVENT_FLIP_COMPLETE &&
		      ev.user_data == 0x5678,
	      "read returns the second flip's event (got %zd, type %u)", n, n > 0 ? ev.base.type : 0);
	return 0;
}

static int drm_version(int fd, int *err)
{
	struct drm_version v;
	memset(&v, 0, sizeof(v));
	int rc = ioctl(fd, DRM_IOCTL_VERSION, &v);
	*err = errno;
	if (rc == 0)
		say("driver version %d.%d.%d, name length %zu", v.version_major, v.version_minor,
		    v.version_patchlevel, v.name_len);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s DEVICE WORKDIR\n", argv[0]);
		return 2;
	}
	const char *device = argv[1];
	workdir = argv[2];

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the read must come back with EINTR */
	sigaction(SIGUSR1, &sa, NULL);

	int fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say("FAIL: open %s: %s", device, strerror(errno));
		return 1;
	}
	int err = 0;

	/* 1. the live node */
	CHECK(drm_version(fd, &err) == 0, "DRM_IOCTL_VERSION on the live node (errno %d)", err);

	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));
	err = errno;
	CHECK(n < 0 && err == EAGAIN, "non-blocking read without events: EAGAIN (got %zd, %s)", n,
	      strerror(err));
	fcntl(fd, F_SETFL, fl);

	struct pollfd pfd = {fd, POLLIN, 0};
	int pr = poll(&pfd, 1, 0);
	CHECK(pr == 0, "poll without events: nothing to read (rc %d revents %#x)", pr, pfd.revents);

	struct reader r;
	reader_start(&r, fd);
	int rc = reader_wait(&r, 30, SIGUSR1);
	CHECK(rc == 0 && r.result < 0 && r.err == EINTR,
	      "a parked blocking read is interrupted by a signal: EINTR (got %zd, %s)", r.result,
	      strerror(r.err));

	/* 1b. a mode, and page flips whose events wake a parked read and a waiting poll */
	if (modeset_and_flip(fd) < 0)
		failures++;

	/* 2. park a read across the unplug */
	reader_start(&r, fd);
	sleep_ms(200); /* not needed for correctness: only makes the read likely parked */
	CHECK(!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), "a blocking read waits for events");
	touch("ready");
	say("holding %s open; waiting for the unplug", device);

	/* 3. after the unplug */
	if (wait_file("unplugged") < 0)
		return 1;
	rc = reader_wait(&r, 30, 0);
	CHECK(rc == 0 && r.result < 0 && r.err == ENODEV,
	      "the parked read returns ENODEV after the unplug (got %zd, %s)", r.result,
	      strerror(r.err));
	rc = drm_version(fd, &err);
	CHECK(rc < 0 && err == ENODEV, "DRM_IOCTL_VERSION after the unplug: ENODEV (rc %d, %s)",
	      rc, strerror(err));
	pfd.revents = 0;
	pr = poll(&pfd, 1, 1000);
	CHECK(pr == 1 && (pfd.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP),
	      "poll after the unplug: POLLERR|POLLHUP (rc %d revents %#x)", pr, pfd.revents);
	n = read(fd, buf, sizeof(buf));
	err = errno;
	CHECK(n < 0 && err == ENODEV, "read after the unplug: ENODEV (got %zd, %s)", n,
	      strerror(err));
	int fd2 = open(device, O_RDWR | O_CLOEXEC);
	err = errno;
	CHECK(fd2 < 0 && err == ENODEV, "a new open after the unplug: ENODEV (got fd %d, %s)", fd2,
	      strerror(err));
	if (fd2 >= 0)
		close(fd2);

	/* 4. let go */
	touch("checked");
	if (wait_file("close") < 0)
		return 1;
	close(fd);
	say("closed %s; %d failure(s)", device, failures);
	return failures ? 1 : 0;
}
