// SPDX-License-Identifier: MIT
// load_client: one client process of the unplug_under_load scenario.
//
//   load_client DEVICE WORKDIR NAME master|peer
//
// Opens DEVICE three times: `main` (ioctls, events), `pollfd` (a poll() that waits), `backlog`
// (events queued and left unread). The master (started first, so the device's master) sets
// the panel's mode, so that vblank events flow. Then it queues 3 vblank events on `backlog`
// and makes sure they have arrived, and starts its threads on `main`:
//   - 3 ioctl threads: random GETRESOURCES / GETCONNECTOR / OBJ_GETPROPERTIES (arrays: 3 round
//     trips), GET_CAP, VERSION, GETCRTC, GETENCODER, CREATE_DUMB+DESTROY_DUMB,
//     CREATE_DUMB+ADDFB2+RMFB+DESTROY_DUMB, a blocking WAIT_VBLANK;
//   - an event source: WAIT_VBLANK with _DRM_VBLANK_EVENT, numbered, a few outstanding;
//   - a reader blocked in read() on `main`, checking the events it gets;
//   - a poller blocked in poll() on `pollfd`, where nothing is ever queued.
// When all of them have made progress it creates WORKDIR/ready-NAME. The test script then
// unplugs the device and creates WORKDIR/unplugged; from then on every thread must come back
// within 60 s. Asserted: every ioctl returned 0 or ENODEV and nothing succeeded after a
// thread's first ENODEV; the reader's events were vblank events in order, then -1/ENODEV; the
// poller got POLLERR|POLLHUP; `backlog` still yields its 3 queued events in order, then
// -1/ENODEV; `main` answers ENODEV to ioctl and read and POLLERR|POLLHUP to poll; a new open
// of DEVICE fails with ENODEV. It then creates WORKDIR/checked-NAME and waits for
// WORKDIR/close before closing its files.
//
// Exit: 0 all checks passed, 1 a check failed or a thread hung, 2 usage/setup.
#include "e2e.h"

#include <poll.h>
#include <pthread.h>

#include <libdrm/drm_fourcc.h>

enum op {
	OP_GETRESOURCES,
	OP_GETCONNECTOR,
	OP_OBJ_GETPROPERTIES,
	OP_GET_CAP,
	OP_VERSION,
	OP_GETCRTC,
	OP_GETENCODER,
	OP_DUMB,
	OP_FB,
	OP_WAIT_VBLANK,
	N_RANDOM_OPS,
	OP_VBLANK_EVENT = N_RANDOM_OPS, /* the event source's only op */
	N_OPS,
};

static const char *const op_names[N_OPS] = {
	"GETRESOURCES", "GETCONNECTOR", "OBJ_GETPROPERTIES", "GET_CAP",     "VERSION",
	"GETCRTC",      "GETENCODER",   "CREATE/DESTROY_DUMB", "DUMB+ADDFB2+RMFB", "WAIT_VBLANK",
	"WAIT_VBLANK(EVENT)",
};

#define N_IOCTL_THREADS 3
#define AFTER_ENODEV 20 /* calls each thread makes after its first ENODEV */
#define BACKLOG 3
#define BACKLOG_BASE 0xB0000ULL

static int fd_main, fd_poll, fd_backlog;
static uint32_t crtc_id, connector_id, encoder_id;
static int stop_all; /* set when the test gives up: threads leave their loops */
/* Set once the script says the unplug is done. Events still pending then are never delivered
 * (the device is gone), so the event source must stop waiting for them and call again. */
static int unplug_announced;

struct worker {
	pthread_t thread;
	int index;
	pid_t tid;
	int op;           /* op in progress (or -1), for the hang report */
	long progress;    /* calls made */
	int done;
	int saw_enodev;
	long after_enodev;
	long ok_after_enodev; /* successes after the first ENODEV: must stay 0 */
	long ok[N_OPS], enodev[N_OPS], other[N_OPS];
	int reported;
};

static struct worker workers[N_IOCTL_THREADS + 1]; /* + the event source */

/* The event source and the reader share these. */
static uint64_t events_queued;   /* user_data of the last event queued successfully */
static uint64_t events_asked;    /* user_data of the last event asked for (maybe not queued) */
static uint64_t events_received; /* vblank events the reader got */

static void record(struct worker *w, int op, int err)
{
	__atomic_add_fetch(&w->progress, 1, __ATOMIC_RELAXED);
	if (err == 0) {
		w->ok[op]++;
		if (w->saw_enodev) {
			w->ok_after_enodev++;
			if (w->reported++ < 5)
				say("FAIL: thread %d: %s succeeded after an earlier ENODEV", w->index,
				    op_names[op]);
		}
	} else if (err == ENODEV) {
		w->enodev[op]++;
		w->saw_enodev = 1;
	} else {
		w->other[op]++;
		if (w->reported++ < 5)
			say("FAIL: thread %d: %s failed with %s (errno %d)", w->index, op_names[op],
			    strerror(err), err);
	}
	if (w->saw_enodev)
		w->after_enodev++;
}

static int wait_vblank(int fd, unsigned type, uint32_t sequence, uint64_t user_data)
{
	union drm_wait_vblank vbl;
	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = (enum drm_vblank_seq_type)type;
	vbl.request.sequence = sequence;
	vbl.request.signal = (unsigned long)user_data;
	return drm_call(fd, DRM_IOCTL_WAIT_VBLANK, &vbl);
}

static void run_op(struct worker *w, int op, uint64_t *seed)
{
	int err = 0;
	__atomic_store_n(&w->op, op, __ATOMIC_RELAXED);
	switch (op) {
	case OP_GETRESOURCES: {
		struct e2e_res res;
		err = get_resources(fd_main, &res);
		if (!err && (res.res.count_crtcs != 1 || res.crtcs[0] != crtc_id))
			err = EBADMSG; /* a wrong answer counts as a failure */
		break;
	}
	case OP_GETCONNECTOR: {
		static __thread struct e2e_conn conn;
		err = get_connector(fd_main, connector_id, &conn);
		if (!err && (conn.conn.count_modes < 1 || conn.conn.connector_id != connector_id))
			err = EBADMSG;
		break;
	}
	case OP_OBJ_GETPROPERTIES: {
		uint32_t props[E2E_MAX_PROPS];
		uint64_t values[E2E_MAX_PROPS];
		struct drm_mode_obj_get_properties arg = {.obj_id = connector_id,
							  .obj_type = DRM_MODE_OBJECT_CONNECTOR};
		err = drm_call(fd_main, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &arg);
		if (!err && arg.count_props <= E2E_MAX_PROPS) {
			arg.props_ptr = ptr(props);
			arg.prop_values_ptr = ptr(values);
			err = drm_call(fd_main, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &arg);
		}
		break;
	}
	case OP_GET_CAP: {
		static const uint64_t caps[] = {DRM_CAP_DUMB_BUFFER, DRM_CAP_TIMESTAMP_MONOTONIC,
						DRM_CAP_CRTC_IN_VBLANK_EVENT, DRM_CAP_DUMB_PREFERRED_DEPTH,
						DRM_CAP_PRIME, DRM_CAP_CURSOR_WIDTH};
		struct drm_get_cap cap = {.capability = caps[rnd(seed) % (sizeof(caps) / sizeof(caps[0]))]};
		err = drm_call(fd_main, DRM_IOCTL_GET_CAP, &cap);
		break;
	}
	case OP_VERSION: {
		char name[32], date[32], desc[128];
		struct drm_version v = {.name_len = sizeof(name), .name = name,
					.date_len = sizeof(date), .date = date,
					.desc_len = sizeof(desc), .desc = desc};
		err = drm_call(fd_main, DRM_IOCTL_VERSION, &v);
		if (!err && (v.name_len != 7 || memcmp(name, "tinydrm", 7) != 0))
			err = EBADMSG;
		break;
	}
	case OP_GETCRTC: {
		struct drm_mode_crtc crtc = {.crtc_id = crtc_id};
		err = drm_call(fd_main, DRM_IOCTL_MODE_GETCRTC, &crtc);
		break;
	}
	case OP_GETENCODER: {
		struct drm_mode_get_encoder enc = {.encoder_id = encoder_id};
		err = drm_call(fd_main, DRM_IOCTL_MODE_GETENCODER, &enc);
		break;
	}
	case OP_DUMB:
	case OP_FB: {
		struct drm_mode_create_dumb create = {.height = 64, .width = 64, .bpp = 32};
		err = drm_call(fd_main, DRM_IOCTL_MODE_CREATE_DUMB, &create);
		if (err)
			break;
		if (op == OP_FB) {
			struct drm_mode_fb_cmd2 fb = {.width = 64, .height = 64,
						      .pixel_format = DRM_FORMAT_XRGB8888,
						      .handles = {create.handle},
						      .pitches = {create.pitch}};
			err = drm_call(fd_main, DRM_IOCTL_MODE_ADDFB2, &fb);
			if (!err) {
				uint32_t id = fb.fb_id;
				record(w, op, 0);
				err = drm_call(fd_main, DRM_IOCTL_MODE_RMFB, &id);
			}
			record(w, op, err);
		} else {
			record(w, op, 0);
		}
		struct drm_mode_destroy_dumb destroy = {.handle = create.handle};
		err = drm_call(fd_main, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
		break;
	}
	case OP_WAIT_VBLANK:
		err = wait_vblank(fd_main, _DRM_VBLANK_RELATIVE, 1, 0);
		break;
	}
	__atomic_store_n(&w->op, -1, __ATOMIC_RELAXED);
	record(w, op, err);
}

static int finished(struct worker *w)
{
	return __atomic_load_n(&stop_all, __ATOMIC_RELAXED) ||
	       (w->saw_enodev && w->after_enodev >= AFTER_ENODEV);
}

static void *ioctl_main(void *arg)
{
	struct worker *w = arg;
	w->tid = gettid();
	uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(w->index + 1) ^ (uint64_t)getpid();
	while (!finished(w))
		run_op(w, (int)(rnd(&seed) % N_RANDOM_OPS), &seed);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The event source: numbered vblank events on `main`, at most 3 outstanding. */
static void *source_main(void *arg)
{
	struct worker *w = arg;
	w->tid = gettid();
	uint64_t next = 1;
	while (!finished(w)) {
		if (next - 1 > __atomic_load_n(&events_received, __ATOMIC_ACQUIRE) + 2 &&
		    !__atomic_load_n(&unplug_announced, __ATOMIC_ACQUIRE)) {
			sleep_ms(1);
			continue;
		}
		__atomic_store_n(&w->op, OP_VBLANK_EVENT, __ATOMIC_RELAXED);
		__atomic_store_n(&events_asked, next, __ATOMIC_RELEASE);
		int err = wait_vblank(fd_main, _DRM_VBLANK_RELATIVE | _DRM_VBLANK_EVENT, 1, next);
		__atomic_store_n(&w->op, -1, __ATOMIC_RELAXED);
		if (err == 0)
			__atomic_store_n(&events_queued, next++, __ATOMIC_RELEASE);
		record(w, OP_VBLANK_EVENT, err);
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The reader: blocking reads on `main` until the unplug ends them. */
static struct {
	pthread_t thread;
	int done;
	long reads;
	uint64_t last;       /* user_data of the last event */
	ssize_t final;       /* the last read()'s result */
	int final_err;
	int bad;             /* malformed or out-of-order events */
} reader;

static void *reader_main(void *arg)
{
	(void)arg;
	unsigned char buf[4096];
	for (;;) {
		ssize_t n = read(fd_main, buf, sizeof(buf));
		reader.final = n;
		reader.final_err = n < 0 ? errno : 0;
		if (n <= 0)
			break;
		reader.reads++;
		for (ssize_t off = 0; off < n;) {
			const struct drm_event_vblank *ev = (const void *)(buf + off);
			/* The event may arrive before its WAIT_VBLANK has returned. */
			const uint64_t queued = __atomic_load_n(&events_asked, __ATOMIC_ACQUIRE);
			if (n - off < (ssize_t)sizeof(*ev) || ev->base.type != DRM_EVENT_VBLANK ||
			    ev->base.length != sizeof(*ev) || ev->user_data <= reader.last ||
			    ev->user_data > queued || ev->crtc_id != crtc_id) {
				if (reader.bad++ < 5)
					say("FAIL: reader: bad event at %zd of %zd: type %u length %u "
					    "user_data %llu (last %llu, asked %llu) crtc %u",
					    off, n, ev->base.type, ev->base.length,
					    (unsigned long long)ev->user_data,
					    (unsigned long long)reader.last,
					    (unsigned long long)queued, ev->crtc_id);
				break;
			}
			reader.last = ev->user_data;
			__atomic_add_fetch(&events_received, 1, __ATOMIC_RELEASE);
			off += ev->base.length;
		}
	}
	__atomic_store_n(&reader.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The poller: one long poll() on a file where nothing is ever queued. */
static struct {
	pthread_t thread;
	int done;
	int result;
	int err;
	short revents;
	double seconds;
} poller;

static void *poller_main(void *arg)
{
	(void)arg;
	struct pollfd pfd = {.fd = fd_poll, .events = POLLIN};
	double t0 = now();
	poller.result = poll(&pfd, 1, 150000);
	poller.err = poller.result < 0 ? errno : 0;
	poller.revents = pfd.revents;
	poller.seconds = now() - t0;
	__atomic_store_n(&poller.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void modeset(void)
{
	static struct e2e_conn conn;
	int err = get_connector(fd_main, connector_id, &conn);
	if (err || conn.conn.count_modes < 1) {
		say("FAIL: GETCONNECTOR: %s", errname(err));
		exit(2);
	}
	const struct drm_mode_modeinfo mode = conn.modes[0];
	struct drm_mode_create_dumb create = {.height = mode.vdisplay, .width = mode.hdisplay, .bpp = 32};
	err = drm_call(fd_main, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	struct drm_mode_fb_cmd2 fb = {.width = mode.hdisplay, .height = mode.vdisplay,
				      .pixel_format = DRM_FORMAT_XRGB8888,
				      .handles = {create.handle}, .pitches = {create.pitch}};
	if (!err)
		err = drm_call(fd_main, DRM_IOCTL_MODE_ADDFB2, &fb);
	struct drm_mode_crtc set = {.set_connectors_ptr = ptr(&connector_id), .count_connectors = 1,
				    .crtc_id = crtc_id, .fb_id = fb.fb_id, .mode_valid = 1,
				    .mode = mode};
	if (!err)
		err = drm_call(fd_main, DRM_IOCTL_MODE_SETCRTC, &set);
	CHECK(err == 0, "master: mode %s set (%s)", mode.name, errname(err));
	if (err)
		exit(2);
}

/* Reads `fd` until it fails; collects vblank events' user_data. Returns the count. */
static int drain(int fd, uint64_t *got, int max, ssize_t *final, int *final_err)
{
	unsigned char buf[4096];
	int count = 0;
	for (int reads = 0; reads < 64; reads++) {
		ssize_t n = read(fd, buf, sizeof(buf));
		*final = n;
		*final_err = n < 0 ? errno : 0;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct drm_event) <= n;) {
			const struct drm_event_vblank *ev = (const void *)(buf + off);
			if (ev->base.length < sizeof(struct drm_event))
				break;
			if (count < max)
				got[count] = ev->base.type == DRM_EVENT_VBLANK ? ev->user_data : ~0ULL;
			count++;
			off += ev->base.length;
		}
	}
	return count;
}

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[4], "master") != 0 && strcmp(argv[4], "peer") != 0)) {
		fprintf(stderr, "usage: %s DEVICE WORKDIR NAME master|peer\n", argv[0]);
		return 2;
	}
	const char *device = argv[1], *workdir = argv[2], *name = argv[3];
	const int master = strcmp(argv[4], "master") == 0;
	static char prog[64];
	snprintf(prog, sizeof(prog), "load_client %s", name);
	e2e_prog = prog;
	char file[256];

	fd_main = open(device, O_RDWR | O_CLOEXEC);
	fd_poll = open(device, O_RDWR | O_CLOEXEC);
	fd_backlog = open(device, O_RDWR | O_CLOEXEC);
	if (fd_main < 0 || fd_poll < 0 || fd_backlog < 0) {
		say("FAIL: open %s: %s", device, strerror(errno));
		return 2;
	}
	struct e2e_res res;
	int err = get_resources(fd_main, &res);
	if (err || res.res.count_crtcs < 1 || res.res.count_connectors < 1) {
		say("FAIL: GETRESOURCES: %s", errname(err));
		return 2;
	}
	crtc_id = res.crtcs[0];
	connector_id = res.connectors[0];
	encoder_id = res.encoders[0];
	if (master)
		modeset();

	/* The backlog: 3 events queued, then a blocking wait two vblanks on, so that all of
	 * them have fired into the file's queue, where they stay unread. */
	for (unsigned i = 0; i < BACKLOG; i++) {
		err = wait_vblank(fd_backlog, _DRM_VBLANK_RELATIVE | _DRM_VBLANK_EVENT, 1,
				  BACKLOG_BASE + i);
		EXPECT(err == 0, "backlog: WAIT_VBLANK with an event: %s", errname(err));
	}
	err = wait_vblank(fd_backlog, _DRM_VBLANK_RELATIVE, 2, 0);
	struct pollfd pfd = {.fd = fd_backlog, .events = POLLIN};
	int pr = poll(&pfd, 1, 0);
	CHECK(err == 0 && pr == 1 && pfd.revents == POLLIN,
	      "%d vblank events queued on the backlog file (wait %s, poll %d revents %#x)", BACKLOG,
	      errname(err), pr, pfd.revents);

	pthread_create(&reader.thread, NULL, reader_main, NULL);
	pthread_create(&poller.thread, NULL, poller_main, NULL);
	for (int i = 0; i <= N_IOCTL_THREADS; i++) {
		workers[i].index = i;
		workers[i].op = -1;
		pthread_create(&workers[i].thread, NULL, i < N_IOCTL_THREADS ? ioctl_main : source_main,
			       &workers[i]);
	}

	/* Ready when every thread has made progress and events flow. */
	double t0 = now(), deadline = t0 + 120;
	for (;;) {
		int ready = __atomic_load_n(&events_received, __ATOMIC_ACQUIRE) >= 3;
		for (int i = 0; i <= N_IOCTL_THREADS; i++)
			ready = ready && __atomic_load_n(&workers[i].progress, __ATOMIC_RELAXED) >= 20;
		if (ready)
			break;
		if (now() > deadline || __atomic_load_n(&reader.done, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&poller.done, __ATOMIC_ACQUIRE)) {
			say("FAIL: not ready after %.0fs: %llu event(s) received, reader %s, poller %s",
			    now() - t0, (unsigned long long)events_received,
			    reader.done ? "returned" : "waiting", poller.done ? "returned" : "waiting");
			for (int i = 0; i <= N_IOCTL_THREADS; i++)
				say("  thread %d: %ld call(s)", i, workers[i].progress);
			return 1;
		}
		sleep_ms(10);
	}
	snprintf(file, sizeof(file), "ready-%s", name);
	touch_file(workdir, file);
	say("ready after %.1fs: %s", now() - t0, master ? "master, mode set" : "peer");

	/* The unplug: the script says when it is done; from then on 60 s for every thread. */
	if (wait_file(workdir, "unplugged", 180) < 0) {
		__atomic_store_n(&stop_all, 1, __ATOMIC_RELAXED);
		return 1;
	}
	__atomic_store_n(&unplug_announced, 1, __ATOMIC_RELEASE);
	t0 = now();
	deadline = t0 + 60;
	for (;;) {
		int all = __atomic_load_n(&reader.done, __ATOMIC_ACQUIRE) &&
			  __atomic_load_n(&poller.done, __ATOMIC_ACQUIRE);
		for (int i = 0; i <= N_IOCTL_THREADS; i++)
			all = all && __atomic_load_n(&workers[i].done, __ATOMIC_ACQUIRE);
		if (all)
			break;
		if (now() > deadline) {
			say("FAIL: threads still busy 60s after the unplug (a hang):");
			for (int i = 0; i <= N_IOCTL_THREADS; i++) {
				int op = __atomic_load_n(&workers[i].op, __ATOMIC_RELAXED);
				say("  thread %d (tid %d): %s, %ld call(s), in %s", i, workers[i].tid,
				    workers[i].done ? "done" : "BUSY", workers[i].progress,
				    op >= 0 ? op_names[op] : "-");
			}
			say("  reader: %s; poller: %s", reader.done ? "done" : "BLOCKED in read()",
			    poller.done ? "done" : "BLOCKED in poll()");
			fflush(stdout);
			_exit(1);
		}
		sleep_ms(10);
	}
	say("all threads returned %.2fs after the unplug was announced", now() - t0);
	for (int i = 0; i <= N_IOCTL_THREADS; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_join(reader.thread, NULL);
	pthread_join(poller.thread, NULL);

	/* Every ioctl: 0 or ENODEV; nothing succeeds after ENODEV. */
	long total_ok = 0, total_enodev = 0, total_other = 0;
	for (int op = 0; op < N_OPS; op++) {
		long ok = 0, enodev = 0, other = 0;
		for (int i = 0; i <= N_IOCTL_THREADS; i++) {
			ok += workers[i].ok[op];
			enodev += workers[i].enodev[op];
			other += workers[i].other[op];
		}
		say("  %-20s ok %6ld  ENODEV %4ld  other %ld", op_names[op], ok, enodev, other);
		total_ok += ok;
		total_enodev += enodev;
		total_other += other;
	}
	CHECK(total_other == 0,
	      "every ioctl returned 0 or ENODEV (%ld ok, %ld ENODEV, %ld other)", total_ok,
	      total_enodev, total_other);
	for (int i = 0; i <= N_IOCTL_THREADS; i++)
		CHECK(workers[i].saw_enodev && workers[i].ok_after_enodev == 0,
		      "thread %d: ENODEV after the unplug, and only ENODEV from then on "
		      "(%ld success(es) after it)",
		      i, workers[i].ok_after_enodev);

	/* The reader: events while live, in order, then ENODEV. */
	CHECK(reader.bad == 0 && events_received >= 3 && reader.final < 0 &&
		      reader.final_err == ENODEV,
	      "the blocked read() got %llu vblank event(s) in order (last user_data %llu of %llu "
	      "queued), then -1/ENODEV (last read %zd, %s)",
	      (unsigned long long)events_received, (unsigned long long)reader.last,
	      (unsigned long long)events_queued, reader.final, errname(reader.final_err));

	/* The poller. */
	CHECK(poller.result == 1 && (poller.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP),
	      "the blocked poll() returns POLLERR|POLLHUP (rc %d revents %#x %s after %.1fs)",
	      poller.result, poller.revents, errname(poller.err), poller.seconds);

	/* The backlog: queued events first, then ENODEV. */
	uint64_t got[8];
	ssize_t final;
	int final_err;
	int count = drain(fd_backlog, got, 8, &final, &final_err);
	int in_order = count == BACKLOG;
	for (int i = 0; in_order && i < BACKLOG; i++)
		in_order = got[i] == BACKLOG_BASE + (uint64_t)i;
	CHECK(in_order && final < 0 && final_err == ENODEV,
	      "the backlog file yields its %d queued events in order (got %d: %#llx %#llx %#llx), "
	      "then -1/ENODEV (last read %zd, %s)",
	      BACKLOG, count, count > 0 ? (unsigned long long)got[0] : 0ULL,
	      count > 1 ? (unsigned long long)got[1] : 0ULL,
	      count > 2 ? (unsigned long long)got[2] : 0ULL, final, errname(final_err));

	/* The unplugged file keeps saying so. */
	char name_buf[16];
	struct drm_version v = {.name_len = sizeof(name_buf), .name = name_buf};
	err = drm_call(fd_main, DRM_IOCTL_VERSION, &v);
	CHECK(err == ENODEV, "VERSION after the unplug: ENODEV (%s)", errname(err));
	unsigned char buf[256];
	ssize_t n = read(fd_main, buf, sizeof(buf));
	err = n < 0 ? errno : 0;
	CHECK(n < 0 && err == ENODEV, "read() after the unplug: -1/ENODEV (got %zd, %s)", n,
	      errname(err));
	pfd = (struct pollfd){.fd = fd_main, .events = POLLIN};
	pr = poll(&pfd, 1, 5000);
	CHECK(pr == 1 && (pfd.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP),
	      "poll() after the unplug: POLLERR|POLLHUP (rc %d revents %#x)", pr, pfd.revents);
	int fd2 = open(device, O_RDWR | O_CLOEXEC);
	err = fd2 < 0 ? errno : 0;
	CHECK(fd2 < 0 && err == ENODEV, "a new open of %s: ENODEV (got fd %d, %s)", device, fd2,
	      errname(err));
	if (fd2 >= 0)
		close(fd2);

	snprintf(file, sizeof(file), "checked-%s", name);
	touch_file(workdir, file);
	if (wait_file(workdir, "close", 180) < 0)
		return 1;
	int rc = close(fd_main) | close(fd_poll) | close(fd_backlog);
	CHECK(rc == 0, "close of the three files: %s", rc == 0 ? "ok" : strerror(errno));
	say("%d failure(s)", failures());
	return failures() ? 1 : 0;
}
