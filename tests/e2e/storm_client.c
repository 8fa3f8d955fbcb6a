// SPDX-License-Identifier: MIT
// storm_client: client threads that keep using whatever /dev/tinydrm-* nodes exist while
// they are plugged and unplugged underneath them (the storm scenario).
//
//   storm_client WORKDIR THREADS
//
// Each thread loops: list /dev/tinydrm-*, open a random one (O_NONBLOCK at random), make 1-6
// random calls on it (GETRESOURCES, GETCONNECTOR with arrays, GET_CAP, VERSION, GETCRTC,
// CREATE+DESTROY_DUMB, a modeset with a dumb framebuffer, poll(), a non-blocking read()),
// close it. Accepted: open succeeds or fails with ENOENT/ENODEV (the node vanished or is
// unplugged) or ENXIO (the kernel's chrdev_open() answer once the character device itself
// is unregistered: any driver's node opened while it goes away gets it); calls return 0 or ENODEV, SETCRTC also EACCES (only the first opener of a node
// is master), poll() 0 or POLLERR|POLLHUP, a non-blocking read() EAGAIN or ENODEV; close
// returns 0. Anything else is a failure, and so is a thread that makes no progress for 60 s.
// Creates WORKDIR/ready once every thread has opened a node; stops when WORKDIR/stop appears.
//
// Exit: 0 no failure, 1 failures (printed as they happen, the first few per thread), 2 usage.
#include "e2e.h"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>

#include <libdrm/drm_fourcc.h>

#define MAX_THREADS 16
#define MAX_NODES 64

enum op { OP_GETRESOURCES, OP_GETCONNECTOR, OP_GET_CAP, OP_VERSION, OP_GETCRTC, OP_DUMB,
	  OP_MODESET, OP_POLL, OP_READ, N_OPS, OP_OPEN = N_OPS, OP_CLOSE, OP_LIST, N_ALL };
static const char *const op_names[N_ALL] = {"GETRESOURCES", "GETCONNECTOR", "GET_CAP",
					    "VERSION",      "GETCRTC",      "DUMB",
					    "MODESET",      "poll",         "read",
					    "open",         "close",        "list"};

struct worker {
	pthread_t thread;
	int index;
	int op; /* in progress, for the hang report */
	char node[64];
	long progress;
	int opened_once;
	long opens_ok, opens_enoent, opens_enodev, opens_enxio;
	long open_errnos[256]; /* the other errnos of open, by number */
	long ok[N_ALL], enodev[N_ALL], eacces, bad;
};

static struct worker workers[MAX_THREADS];
static int stop;

static void bad(struct worker *w, int op, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(struct worker *w, int op, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->bad++ < 5)
		say("FAIL: thread %d: %s on %s: %s", w->index, op_names[op], w->node, msg);
	__atomic_add_fetch(&e2e_failures, 1, __ATOMIC_RELAXED);
}

/* 0 → ok, ENODEV → the unplugged device: both fine; anything else: a failure. */
static void result(struct worker *w, int op, int err)
{
	if (err == 0)
		w->ok[op]++;
	else if (err == ENODEV)
		w->enodev[op]++;
	else
		bad(w, op, "%s (errno %d)", strerror(err), err);
}

static int pick_node(uint64_t *seed, char *path, size_t len)
{
	char names[MAX_NODES][32];
	int n = 0;
	DIR *dir = opendir("/dev");
	if (!dir)
		return -1;
	struct dirent *de;
	while ((de = readdir(dir)) && n < MAX_NODES)
		if (strncmp(de->d_name, "tinydrm-", 8) == 0 && strlen(de->d_name) < sizeof(names[0]))
			snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	closedir(dir);
	if (!n)
		return -1;
	snprintf(path, len, "/dev/%s", names[rnd(seed) % (uint32_t)n]);
	return 0;
}

static void session(struct worker *w, int fd, int nonblock, uint64_t *seed)
{
	struct e2e_res res;
	static __thread struct e2e_conn conn;
	uint32_t crtc = 0, connector = 0;
	int have_mode = 0;
	const int calls = 1 + (int)(rnd(seed) % 6);
	for (int i = 0; i < calls; i++) {
		const int op = (int)(rnd(seed) % N_OPS);
		__atomic_store_n(&w->op, op, __ATOMIC_RELAXED);
		int err = 0;
		switch (op) {
		case OP_GETRESOURCES:
			err = get_resources(fd, &res);
			if (!err && res.res.count_crtcs == 1 && res.res.count_connectors == 1) {
				crtc = res.crtcs[0];
				connector = res.connectors[0];
			} else if (!err) {
				bad(w, op, "%u crtc(s), %u connector(s)", res.res.count_crtcs,
				    res.res.count_connectors);
				continue;
			}
			break;
		case OP_GETCONNECTOR:
			if (!connector)
				continue;
			err = get_connector(fd, connector, &conn);
			if (!err && conn.conn.count_modes < 1) {
				bad(w, op, "no mode");
				continue;
			}
			have_mode = !err;
			break;
		case OP_GET_CAP: {
			struct drm_get_cap cap = {.capability = DRM_CAP_DUMB_BUFFER};
			err = drm_call(fd, DRM_IOCTL_GET_CAP, &cap);
			if (!err && cap.value != 1) {
				bad(w, op, "DUMB_BUFFER = %llu", (unsigned long long)cap.value);
				continue;
			}
			break;
		}
		case OP_VERSION: {
			char name[32] = "";
			struct drm_version v = {.name_len = sizeof(name) - 1, .name = name};
			err = drm_call(fd, DRM_IOCTL_VERSION, &v);
			if (!err && strcmp(name, "tinydrm") != 0) {
				bad(w, op, "driver '%s'", name);
				continue;
			}
			break;
		}
		case OP_GETCRTC: {
			if (!crtc)
				continue;
			struct drm_mode_crtc c = {.crtc_id = crtc};
			err = drm_call(fd, DRM_IOCTL_MODE_GETCRTC, &c);
			break;
		}
		case OP_DUMB: {
			struct drm_mode_create_dumb create = {.height = 48, .width = 64, .bpp = 32};
			err = drm_call(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
			if (!err) {
				result(w, op, 0);
				struct drm_mode_destroy_dumb destroy = {.handle = create.handle};
				err = drm_call(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
			}
			break;
		}
		case OP_MODESET: {
			/* Left in place: the close must take the framebuffer and the pipe down. */
			if (!have_mode)
				continue;
			const struct drm_mode_modeinfo *mode = &conn.modes[0];
			struct drm_mode_create_dumb create = {.height = mode->vdisplay,
							      .width = mode->hdisplay, .bpp = 32};
			err = drm_call(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
			if (err)
				break;
			result(w, op, 0);
			struct drm_mode_fb_cmd2 fb = {.width = mode->hdisplay, .height = mode->vdisplay,
						      .pixel_format = DRM_FORMAT_XRGB8888,
						      .handles = {create.handle},
						      .pitches = {create.pitch}};
			err = drm_call(fd, DRM_IOCTL_MODE_ADDFB2, &fb);
			if (err)
				break;
			result(w, op, 0);
			struct drm_mode_crtc set = {.set_connectors_ptr = ptr(&connector),
						    .count_connectors = 1, .crtc_id = crtc,
						    .fb_id = fb.fb_id, .mode_valid = 1, .mode = *mode};
			err = drm_call(fd, DRM_IOCTL_MODE_SETCRTC, &set);
			if (err == EACCES) { /* not master: right */
				w->eacces++;
				continue;
			}
			break;
		}
		case OP_POLL: {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			int pr = poll(&pfd, 1, 0);
			if (pr < 0 || (pr == 1 && pfd.revents != (POLLERR | POLLHUP)))
				bad(w, op, "rc %d revents %#x (%s)", pr, pfd.revents,
				    pr < 0 ? strerror(errno) : "want 0 or POLLERR|POLLHUP");
			else
				w->ok[op]++;
			continue;
		}
		case OP_READ: {
			if (!nonblock)
				continue;
			unsigned char buf[256];
			ssize_t n = read(fd, buf, sizeof(buf));
			err = n < 0 ? errno : 0;
			if (n >= 0 || (err != EAGAIN && err != ENODEV))
				bad(w, op, "got %zd (%s), want EAGAIN or ENODEV", n, errname(err));
			else
				w->ok[op]++;
			continue;
		}
		}
		result(w, op, err);
		__atomic_add_fetch(&w->progress, 1, __ATOMIC_RELAXED);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t seed = 0x2545F4914F6CDD1DULL * (uint64_t)(w->index + 1) ^ (uint64_t)getpid();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		__atomic_store_n(&w->op, OP_LIST, __ATOMIC_RELAXED);
		__atomic_add_fetch(&w->progress, 1, __ATOMIC_RELAXED);
		if (pick_node(&seed, w->node, sizeof(w->node)) < 0) {
			sleep_ms(1);
			continue;
		}
		const int nonblock = rnd(&seed) & 1;
		__atomic_store_n(&w->op, OP_OPEN, __ATOMIC_RELAXED);
		int fd = open(w->node, O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
		if (fd < 0) {
			if (errno == ENOENT)
				w->opens_enoent++;
			else if (errno == ENODEV)
				w->opens_enodev++;
			else if (errno == ENXIO)
				w->opens_enxio++;
			else {
				w->open_errnos[errno & 255]++;
				bad(w, OP_OPEN, "%s (errno %d)", strerror(errno), errno);
			}
			continue;
		}
		w->opens_ok++;
		__atomic_store_n(&w->opened_once, 1, __ATOMIC_RELEASE);
		session(w, fd, nonblock, &seed);
		__atomic_store_n(&w->op, OP_CLOSE, __ATOMIC_RELAXED);
		if (close(fd) != 0)
			bad(w, OP_CLOSE, "%s", strerror(errno));
		else
			w->ok[OP_CLOSE]++;
	}
	__atomic_store_n(&w->op, -1, __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	e2e_prog = "storm_client";
	if (argc != 3 || atoi(argv[2]) < 1 || atoi(argv[2]) > MAX_THREADS) {
		fprintf(stderr, "usage: %s WORKDIR THREADS (1-%d)\n", argv[0], MAX_THREADS);
		return 2;
	}
	const char *workdir = argv[1];
	const int threads = atoi(argv[2]);
	for (int i = 0; i < threads; i++) {
		workers[i].index = i;
		workers[i].op = -1;
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	}

	/* Watchdog: every thread must make progress; a stuck call is a hang. */
	long last[MAX_THREADS] = {0};
	double since[MAX_THREADS];
	for (int i = 0; i < threads; i++)
		since[i] = now();
	int ready = 0;
	const double t0 = now();
	while (!file_exists(workdir, "stop")) {
		int all_opened = 1;
		for (int i = 0; i < threads; i++) {
			long p = __atomic_load_n(&workers[i].progress, __ATOMIC_RELAXED);
			all_opened = all_opened && __atomic_load_n(&workers[i].opened_once, __ATOMIC_ACQUIRE);
			if (p != last[i]) {
				last[i] = p;
				since[i] = now();
			} else if (now() - since[i] > 60) {
				int op = __atomic_load_n(&workers[i].op, __ATOMIC_RELAXED);
				say("FAIL: thread %d made no progress for 60s, in %s on %s (a hang)", i,
				    op >= 0 ? op_names[op] : "-", workers[i].node);
				fflush(stdout);
				_exit(1);
			}
		}
		if (all_opened && !ready) {
			ready = 1;
			touch_file(workdir, "ready");
		}
		if (now() - t0 > 900) {
			say("FAIL: never told to stop (900 s)");
			_exit(1);
		}
		sleep_ms(20);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < threads; i++)
		pthread_join(workers[i].thread, NULL);

	long opens = 0, enoent = 0, enodev_open = 0, enxio = 0, ok = 0, enodev = 0, eacces = 0, bads = 0;
	for (int i = 0; i < threads; i++) {
		opens += workers[i].opens_ok;
		enoent += workers[i].opens_enoent;
		enodev_open += workers[i].opens_enodev;
		enxio += workers[i].opens_enxio;
		eacces += workers[i].eacces;
		bads += workers[i].bad;
		for (int op = 0; op < N_ALL; op++) {
			ok += workers[i].ok[op];
			enodev += workers[i].enodev[op];
		}
	}
	say("%d thread(s), %.0fs: %ld open(s) ok, %ld ENOENT, %ld ENODEV, %ld ENXIO; %ld call(s) "
	    "ok, %ld ENODEV, %ld SETCRTC EACCES (not master); %ld unexpected",
	    threads, now() - t0, opens, enoent, enodev_open, enxio, ok, enodev, eacces, bads);
	for (int err = 1; err < 256; err++) {
		long count = 0;
		for (int i = 0; i < threads; i++)
			count += workers[i].open_errnos[err];
		if (count)
			say("  FAIL: open failed %ld time(s) with %s (errno %d)", count, strerror(err), err);
	}
	for (int op = 0; op < N_ALL; op++) {
		long o = 0, e = 0;
		for (int i = 0; i < threads; i++) {
			o += workers[i].ok[op];
			e += workers[i].enodev[op];
		}
		if (o || e)
			say("  %-13s ok %6ld  ENODEV %5ld", op_names[op], o, e);
	}
	return failures() ? 1 : 0;
}
