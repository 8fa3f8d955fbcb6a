// SPDX-License-Identifier: MIT
// client_basics: a DRM client written against the raw uAPI, over a real tinydrm node.
//
//   client_basics DEVICE WIDTH HEIGHT
//
// open; VERSION (name "tinydrm"); GET_CAP; GETRESOURCES and GETCONNECTOR with their arrays
// (the panel's WIDTHxHEIGHT mode must be there); CREATE_DUMB x2; ADDFB2 x2; SETCRTC (GETCRTC
// confirms it); with no event queued: poll() says nothing, an O_NONBLOCK read() fails EAGAIN,
// a blocking read() parked in the daemon is interrupted by SIGUSR1 (handler without
// SA_RESTART) with EINTR; PAGE_FLIP with DRM_MODE_PAGE_FLIP_EVENT, then a blocking read()
// returns DRM_EVENT_FLIP_COMPLETE with the flip's user_data; a second flip's event makes
// poll() report POLLIN (and keep reporting it until the event is read); RMFB, DESTROY_DUMB,
// close.
//
// Every blocking call runs in a helper thread with a deadline: a hang is reported as a
// failure, never waited out. Exit: 0 all checks passed, 1 a check failed, 2 usage.
#include "e2e.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <libdrm/drm_fourcc.h>

/* --- a read(2) in its own thread, bounded by the caller ------------------------------------ */

struct reader {
	int fd;
	pthread_t thread;
	pid_t tid;      /* the reader thread's id, for /proc/self/task/TID */
	int started;    /* tid is valid */
	int done;
	ssize_t result;
	int err;
	unsigned char buf[4096];
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	r->tid = gettid();
	__atomic_store_n(&r->started, 1, __ATOMIC_RELEASE);
	r->result = read(r->fd, r->buf, sizeof(r->buf));
	r->err = r->result < 0 ? errno : 0;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void reader_start(struct reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		say("FAIL: pthread_create");
		exit(2);
	}
	while (!__atomic_load_n(&r->started, __ATOMIC_ACQUIRE))
		sleep_ms(1);
}

/* Waits for the read to return; on timeout the test cannot go on (the thread is stuck in a
 * syscall we cannot take back): report and exit. */
static void reader_join(struct reader *r, double seconds, const char *what)
{
	for (double deadline = now() + seconds; now() < deadline; sleep_ms(5))
		if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
			pthread_join(r->thread, NULL);
			return;
		}
	say("FAIL: %s: read() still blocked after %.0fs", what, seconds);
	_exit(1);
}

/* The reader thread's scheduler state ('S' = sleeping) and wchan, from /proc. */
static char task_state(pid_t tid, char *wchan, size_t len)
{
	char path[128], buf[512];
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	wchan[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, wchan, len - 1);
		wchan[n > 0 ? n : 0] = 0;
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* "pid (comm) S ..." */
	return p && p[1] == ' ' ? p[2] : '?';
}

static volatile sig_atomic_t signals_seen;
static void on_sigusr1(int sig)
{
	(void)sig;
	signals_seen++;
}

/* --- a poll(2) in its own thread ------------------------------------------------------------- */

static int poll_bounded(int fd, int timeout_ms, short *revents)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int rc = poll(&pfd, 1, timeout_ms);
	*revents = pfd.revents;
	return rc;
}

/* --- checks ----------------------------------------------------------------------------------- */

static int check_flip_event(const struct reader *r, uint64_t user_data, uint32_t crtc,
			    const char *what)
{
	const struct drm_event_vblank *ev = (const void *)r->buf;
	int ok = r->result == (ssize_t)sizeof(*ev) && ev->base.type == DRM_EVENT_FLIP_COMPLETE &&
		 ev->base.length == sizeof(*ev) && ev->user_data == user_data && ev->crtc_id == crtc &&
		 (ev->tv_sec || ev->tv_usec);
	CHECK(ok,
	      "%s: read() returned %zd (%s): type %u length %u user_data %#llx crtc %u tv %u.%06u "
	      "seq %u (want FLIP_COMPLETE, %zu bytes, user_data %#llx, crtc %u)",
	      what, r->result, errname(r->err), r->result > 0 ? ev->base.type : 0,
	      r->result > 0 ? ev->base.length : 0,
	      r->result > 0 ? (unsigned long long)ev->user_data : 0ULL,
	      r->result > 0 ? ev->crtc_id : 0, r->result > 0 ? ev->tv_sec : 0,
	      r->result > 0 ? ev->tv_usec : 0, r->result > 0 ? ev->sequence : 0, sizeof(*ev),
	      (unsigned long long)user_data, crtc);
	return ok;
}

int main(int argc, char **argv)
{
	e2e_prog = "client_basics";
	if (argc != 4) {
		fprintf(stderr, "usage: %s DEVICE WIDTH HEIGHT\n", argv[0]);
		return 2;
	}
	const char *device = argv[1];
	const unsigned want_w = (unsigned)atoi(argv[2]), want_h = (unsigned)atoi(argv[3]);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1; /* no SA_RESTART: an interrupted read must return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	/* open */
	int fd = open(device, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s (%s)", device, fd >= 0 ? "ok" : strerror(errno));
	if (fd < 0)
		return 1;

	/* VERSION: a struct with three user pointers */
	char name[64] = {0}, date[64] = {0}, desc[256] = {0};
	struct drm_version v = {.name_len = sizeof(name) - 1, .name = name,
				.date_len = sizeof(date) - 1, .date = date,
				.desc_len = sizeof(desc) - 1, .desc = desc};
	int err = drm_call(fd, DRM_IOCTL_VERSION, &v);
	CHECK(err == 0 && strcmp(name, "tinydrm") == 0 && v.name_len == strlen("tinydrm"),
	      "VERSION: %s, driver '%s' (name_len %zu) %d.%d.%d date '%s' desc '%s'", errname(err),
	      name, v.name_len, v.version_major, v.version_minor, v.version_patchlevel, date, desc);

	/* GET_CAP */
	struct drm_get_cap cap = {.capability = DRM_CAP_DUMB_BUFFER};
	err = drm_call(fd, DRM_IOCTL_GET_CAP, &cap);
	CHECK(err == 0 && cap.value == 1, "GET_CAP DUMB_BUFFER = %llu (%s)",
	      (unsigned long long)cap.value, errname(err));
	cap = (struct drm_get_cap){.capability = DRM_CAP_CRTC_IN_VBLANK_EVENT};
	err = drm_call(fd, DRM_IOCTL_GET_CAP, &cap);
	CHECK(err == 0 && cap.value == 1, "GET_CAP CRTC_IN_VBLANK_EVENT = %llu (%s)",
	      (unsigned long long)cap.value, errname(err));
	cap = (struct drm_get_cap){.capability = 0xdead};
	err = drm_call(fd, DRM_IOCTL_GET_CAP, &cap);
	CHECK(err == EINVAL, "GET_CAP of an unknown capability: EINVAL (%s)", errname(err));

	/* GETRESOURCES, GETCONNECTOR with arrays */
	struct e2e_res res;
	err = get_resources(fd, &res);
	CHECK(err == 0 && res.res.count_crtcs == 1 && res.res.count_connectors == 1 &&
		      res.res.count_encoders == 1 && res.res.count_fbs == 0 && res.crtcs[0] &&
		      res.connectors[0],
	      "GETRESOURCES: %s, %u crtc(s) [%u], %u connector(s) [%u], %u encoder(s), %u fb(s)",
	      errname(err), res.res.count_crtcs, res.crtcs[0], res.res.count_connectors,
	      res.connectors[0], res.res.count_encoders, res.res.count_fbs);
	if (err)
		return 1;
	const uint32_t crtc = res.crtcs[0], connector = res.connectors[0];
	static struct e2e_conn conn;
	err = get_connector(fd, connector, &conn);
	CHECK(err == 0 && conn.conn.count_modes >= 1 && conn.modes[0].hdisplay == want_w &&
		      conn.modes[0].vdisplay == want_h && conn.conn.connection == 1 &&
		      conn.conn.count_encoders == 1 && conn.encoders[0] == res.encoders[0],
	      "GETCONNECTOR %u: %s, connection %u, %u mode(s), first %ux%u@%u '%s' (want %ux%u), "
	      "%u prop(s), encoder %u",
	      connector, errname(err), conn.conn.connection, conn.conn.count_modes,
	      conn.modes[0].hdisplay, conn.modes[0].vdisplay, conn.modes[0].vrefresh,
	      conn.modes[0].name, want_w, want_h, conn.conn.count_props, conn.encoders[0]);
	if (err || conn.conn.count_modes < 1)
		return 1;
	const struct drm_mode_modeinfo mode = conn.modes[0];

	/* CREATE_DUMB, ADDFB2 (two framebuffers to flip between) */
	uint32_t handles[2] = {0}, fbs[2] = {0};
	for (int i = 0; i < 2; i++) {
		struct drm_mode_create_dumb create = {.height = mode.vdisplay, .width = mode.hdisplay,
						      .bpp = 32};
		err = drm_call(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
		CHECK(err == 0 && create.handle && create.pitch >= create.width * 4 &&
			      create.size >= (uint64_t)create.pitch * create.height,
		      "CREATE_DUMB %ux%u: %s, handle %u pitch %u size %llu", create.width,
		      create.height, errname(err), create.handle, create.pitch,
		      (unsigned long long)create.size);
		handles[i] = create.handle;
		struct drm_mode_fb_cmd2 fb = {.width = mode.hdisplay, .height = mode.vdisplay,
					      .pixel_format = DRM_FORMAT_XRGB8888,
					      .handles = {create.handle}, .pitches = {create.pitch}};
		err = drm_call(fd, DRM_IOCTL_MODE_ADDFB2, &fb);
		CHECK(err == 0 && fb.fb_id, "ADDFB2 XRGB8888: %s, fb %u", errname(err), fb.fb_id);
		fbs[i] = fb.fb_id;
	}
	if (!fbs[0] || !fbs[1])
		return 1;

	/* SETCRTC (the first opener is master), confirmed by GETCRTC */
	struct drm_mode_crtc set = {.set_connectors_ptr = ptr(&connector), .count_connectors = 1,
				    .crtc_id = crtc, .fb_id = fbs[0], .mode_valid = 1,
				    .mode = mode};
	err = drm_call(fd, DRM_IOCTL_MODE_SETCRTC, &set);
	CHECK(err == 0, "SETCRTC %s on crtc %u with fb %u: %s", mode.name, crtc, fbs[0],
	      errname(err));
	struct drm_mode_crtc get = {.crtc_id = crtc};
	err = drm_call(fd, DRM_IOCTL_MODE_GETCRTC, &get);
	CHECK(err == 0 && get.mode_valid && get.fb_id == fbs[0] && get.mode.hdisplay == want_w,
	      "GETCRTC: %s, mode_valid %u fb %u %ux%u", errname(err), get.mode_valid, get.fb_id,
	      get.mode.hdisplay, get.mode.vdisplay);

	/* No event queued: poll() and a non-blocking read() say so */
	short revents = 0;
	int pr = poll_bounded(fd, 0, &revents);
	CHECK(pr == 0 && revents == 0, "poll() with no event queued: 0 (rc %d revents %#x)", pr,
	      revents);
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	unsigned char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	err = n < 0 ? errno : 0;
	CHECK(n < 0 && err == EAGAIN, "O_NONBLOCK read() with no event: EAGAIN (got %zd, %s)", n,
	      errname(err));
	fcntl(fd, F_SETFL, fl);

	/* A blocking read() with no event, parked in the daemon, interrupted by a signal. The
	 * reader is "parked" once its thread sleeps ('S') in the kernel; signals that land
	 * earlier interrupt nothing, so the signal is repeated until the read returns. */
	static struct reader r;
	reader_start(&r, fd);
	char wchan[128] = "", state = '?';
	double t0 = now();
	while (now() < t0 + 30 && (state = task_state(r.tid, wchan, sizeof(wchan))) != 'S')
		sleep_ms(5);
	say("reader thread %d: state %c, wchan '%s' after %.2fs", r.tid, state, wchan, now() - t0);
	CHECK(!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE),
	      "a blocking read() with no event blocks (returned %zd, %s)", r.result,
	      errname(r.err));
	int sent = 0;
	for (double deadline = now() + 60; now() < deadline && !__atomic_load_n(&r.done, __ATOMIC_ACQUIRE);) {
		pthread_kill(r.thread, SIGUSR1);
		sent++;
		for (double next = now() + 1; now() < next && !__atomic_load_n(&r.done, __ATOMIC_ACQUIRE);)
			sleep_ms(2);
	}
	reader_join(&r, 1, "interrupted read");
	CHECK(r.result < 0 && r.err == EINTR,
	      "the parked read() is interrupted by SIGUSR1: -1/EINTR (got %zd, %s; %d signal(s) "
	      "sent, %d handled)",
	      r.result, errname(r.err), sent, (int)signals_seen);

	/* PAGE_FLIP with an event; a blocking read() returns it */
	const uint64_t ud1 = 0xC0FFEE0000000001ULL, ud2 = 0xC0FFEE0000000002ULL;
	reader_start(&r, fd);
	struct drm_mode_crtc_page_flip flip = {.crtc_id = crtc, .fb_id = fbs[1],
					       .flags = DRM_MODE_PAGE_FLIP_EVENT, .user_data = ud1};
	err = drm_call(fd, DRM_IOCTL_MODE_PAGE_FLIP, &flip);
	CHECK(err == 0, "PAGE_FLIP to fb %u with DRM_MODE_PAGE_FLIP_EVENT: %s", fbs[1],
	      errname(err));
	reader_join(&r, 30, "read for the flip event");
	check_flip_event(&r, ud1, crtc, "blocking read() after the flip");
	get = (struct drm_mode_crtc){.crtc_id = crtc};
	err = drm_call(fd, DRM_IOCTL_MODE_GETCRTC, &get);
	CHECK(err == 0 && get.fb_id == fbs[1], "GETCRTC after the flip: fb %u (want %u, %s)",
	      get.fb_id, fbs[1], errname(err));

	/* A second flip: poll() reports POLLIN once its event is queued, and keeps reporting it
	 * until the event is read */
	flip.fb_id = fbs[0];
	flip.user_data = ud2;
	err = drm_call(fd, DRM_IOCTL_MODE_PAGE_FLIP, &flip);
	CHECK(err == 0, "second PAGE_FLIP to fb %u: %s", fbs[0], errname(err));
	t0 = now();
	pr = poll_bounded(fd, 30000, &revents);
	CHECK(pr == 1 && (revents & POLLIN) && !(revents & (POLLERR | POLLHUP)),
	      "poll() reports POLLIN once the event is queued (rc %d revents %#x after %.3fs)", pr,
	      revents, now() - t0);
	pr = poll_bounded(fd, 0, &revents);
	CHECK(pr == 1 && (revents & POLLIN), "poll() again: still POLLIN (rc %d revents %#x)", pr,
	      revents);
	reader_start(&r, fd);
	reader_join(&r, 30, "read of the queued event");
	check_flip_event(&r, ud2, crtc, "read() of the queued second event");
	pr = poll_bounded(fd, 0, &revents);
	CHECK(pr == 0, "poll() after reading it: nothing (rc %d revents %#x)", pr, revents);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, buf, sizeof(buf));
	err = n < 0 ? errno : 0;
	CHECK(n < 0 && err == EAGAIN, "O_NONBLOCK read() with the queue empty again: EAGAIN (got %zd, %s)",
	      n, errname(err));
	fcntl(fd, F_SETFL, fl);

	/* clean up: RMFB (the scanned-out one too), DESTROY_DUMB, close */
	for (int i = 0; i < 2; i++) {
		uint32_t id = fbs[i];
		err = drm_call(fd, DRM_IOCTL_MODE_RMFB, &id);
		CHECK(err == 0, "RMFB %u: %s", fbs[i], errname(err));
		struct drm_mode_destroy_dumb destroy = {.handle = handles[i]};
		err = drm_call(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
		CHECK(err == 0, "DESTROY_DUMB %u: %s", handles[i], errname(err));
	}
	struct drm_mode_destroy_dumb destroy = {.handle = handles[0]};
	err = drm_call(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	CHECK(err == EINVAL, "DESTROY_DUMB of a destroyed handle: EINVAL, as the kernel (%s)",
	      errname(err));
	int rc = close(fd);
	CHECK(rc == 0, "close: %s", rc == 0 ? "ok" : strerror(errno));

	say("%d failure(s)", failures());
	return failures() ? 1 : 0;
}
