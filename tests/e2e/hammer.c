// SPDX-License-Identifier: MIT
// hammer: clients SIGKILLed in the middle of multi-round-trip ioctls (killed_mid_ioctl).
//
//   hammer DEVICE KILLS
//
// Learns the right answers of GETRESOURCES and GETCONNECTOR on DEVICE first. Then, KILLS
// times: forks a child that opens DEVICE and hammers, from two threads, the ioctls that take
// the CUSE retry protocol's three round trips (GETRESOURCES and GETCONNECTOR with their
// arrays; now and then a CREATE_DUMB+ADDFB2 left for the release to free), checking every
// answer; SIGKILLs it at a random moment (15%: right after the fork, before or during its
// open; otherwise 0-100 ms after its first completed call, then mostly as soon as one of its
// threads is seen waiting in a FUSE request), and reaps it (bounded). Right before each kill
// the child's threads' wchan are sampled to count how many kills hit a thread waiting in a
// FUSE request (the moment between the retry protocol's round trips is among them). A child that exits by itself found a wrong answer: failure.
// Afterwards a fresh client must get the same answers as before.
//
// TINYDRM_HAMMER_SEED=N repeats a run's random choices. Exit: 0 pass, 1 fail, 2 usage.
#include "e2e.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <libdrm/drm_fourcc.h>

/* Shared with the children (MAP_SHARED). */
struct shared {
	long ops;     /* calls completed by the current child */
	int opened;
	int bad;
	char msg[512];
};

static struct shared *shm;
static const char *device;

/* The right answers, learnt before the first child. */
static struct e2e_res want_res;
static struct e2e_conn want_conn;

static int same_answers(const struct e2e_res *res, const struct e2e_conn *conn, char *why, size_t len)
{
	if (res) {
		const struct drm_mode_card_res *a = &res->res, *b = &want_res.res;
		if (a->count_crtcs != b->count_crtcs || a->count_connectors != b->count_connectors ||
		    a->count_encoders != b->count_encoders || res->crtcs[0] != want_res.crtcs[0] ||
		    res->connectors[0] != want_res.connectors[0] ||
		    res->encoders[0] != want_res.encoders[0] || a->max_width != b->max_width) {
			snprintf(why, len, "GETRESOURCES: %u crtc(s) [%u] %u connector(s) [%u], want %u [%u] %u [%u]",
				 a->count_crtcs, res->crtcs[0], a->count_connectors, res->connectors[0],
				 b->count_crtcs, want_res.crtcs[0], b->count_connectors,
				 want_res.connectors[0]);
			return 0;
		}
	}
	if (conn) {
		const struct drm_mode_get_connector *a = &conn->conn, *b = &want_conn.conn;
		if (a->count_modes != b->count_modes || a->count_props != b->count_props ||
		    a->count_encoders != b->count_encoders || a->connection != b->connection ||
		    memcmp(conn->modes, want_conn.modes, sizeof(conn->modes[0]) * a->count_modes) != 0 ||
		    memcmp(conn->props, want_conn.props, sizeof(conn->props[0]) * a->count_props) != 0 ||
		    conn->encoders[0] != want_conn.encoders[0]) {
			snprintf(why, len, "GETCONNECTOR: %u mode(s) (%ux%u) %u prop(s) %u encoder(s), want %u (%ux%u) %u %u",
				 a->count_modes, conn->modes[0].hdisplay, conn->modes[0].vdisplay,
				 a->count_props, a->count_encoders, b->count_modes,
				 want_conn.modes[0].hdisplay, want_conn.modes[0].vdisplay,
				 b->count_props, b->count_encoders);
			return 0;
		}
	}
	return 1;
}

/* --- the child --------------------------------------------------------------------------------- */

static int child_fd;
static int child_fbs;

static void child_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void child_bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!__atomic_exchange_n(&shm->bad, 1, __ATOMIC_ACQ_REL))
		vsnprintf(shm->msg, sizeof(shm->msg), fmt, ap);
	va_end(ap);
	_exit(3);
}

static void *child_loop(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ULL + (uint64_t)getpid();
	static __thread struct e2e_res res;
	static __thread struct e2e_conn conn;
	char why[256];
	for (;;) {
		uint32_t r = rnd(&seed) % 16;
		int err;
		if (r < 7) {
			err = get_connector(child_fd, want_res.connectors[0], &conn);
			if (err)
				child_bad("GETCONNECTOR: %s", strerror(err));
			if (!same_answers(NULL, &conn, why, sizeof(why)))
				child_bad("%s", why);
		} else if (r < 14) {
			err = get_resources(child_fd, &res);
			if (err)
				child_bad("GETRESOURCES: %s", strerror(err));
			if (!same_answers(&res, NULL, why, sizeof(why)))
				child_bad("%s", why);
		} else if (__atomic_add_fetch(&child_fbs, 1, __ATOMIC_RELAXED) <= 8) {
			/* state for the release of a killed client to free (a few: GETRESOURCES
			 * lists them, up to E2E_MAX_IDS) */
			struct drm_mode_create_dumb create = {.height = 64, .width = 64, .bpp = 32};
			err = drm_call(child_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
			if (err)
				child_bad("CREATE_DUMB: %s", strerror(err));
			struct drm_mode_fb_cmd2 fb = {.width = 64, .height = 64,
						      .pixel_format = DRM_FORMAT_XRGB8888,
						      .handles = {create.handle},
						      .pitches = {create.pitch}};
			err = drm_call(child_fd, DRM_IOCTL_MODE_ADDFB2, &fb);
			if (err)
				child_bad("ADDFB2: %s", strerror(err));
		}
		__atomic_add_fetch(&shm->ops, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void child_main(void)
{
	child_fd = open(device, O_RDWR | O_CLOEXEC);
	if (child_fd < 0)
		child_bad("open %s: %s", device, strerror(errno));
	__atomic_store_n(&shm->opened, 1, __ATOMIC_RELEASE);
	pthread_t t;
	if (pthread_create(&t, NULL, child_loop, (void *)1) != 0)
		child_bad("pthread_create");
	child_loop((void *)2);
}

/* --- the parent -------------------------------------------------------------------------------- */

/* How many of PID's threads wait in a FUSE request right now. */
static int threads_in_fuse(pid_t pid)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	if (!dir)
		return 0;
	int count = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		char wpath[512], wchan[128] = "";
		snprintf(wpath, sizeof(wpath), "%s/%s/wchan", path, de->d_name);
		int fd = open(wpath, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, wchan, sizeof(wchan) - 1);
		close(fd);
		wchan[n > 0 ? n : 0] = 0;
		if (strstr(wchan, "request_wait_answer") || strstr(wchan, "fuse"))
			count++;
	}
	closedir(dir);
	return count;
}

static void show_stack(pid_t pid)
{
	char path[128], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	say("  stack of %d:\n%s", pid, buf);
}

int main(int argc, char **argv)
{
	e2e_prog = "hammer";
	if (argc != 3) {
		fprintf(stderr, "usage: %s DEVICE KILLS\n", argv[0]);
		return 2;
	}
	device = argv[1];
	const int kills = atoi(argv[2]);
	const char *seed_env = getenv("TINYDRM_HAMMER_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	if (!seed)
		seed = 1;
	say("seed %llu (TINYDRM_HAMMER_SEED repeats it)", (unsigned long long)seed);

	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return 2;

	int fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say("FAIL: open %s: %s", device, strerror(errno));
		return 1;
	}
	int err = get_resources(fd, &want_res);
	if (!err)
		err = get_connector(fd, want_res.connectors[0], &want_conn);
	close(fd);
	if (err || want_conn.conn.count_modes < 1) {
		say("FAIL: learning the answers: %s", errname(err));
		return 1;
	}
	say("answers: crtc %u connector %u with %u mode(s) (%ux%u) and %u prop(s)", want_res.crtcs[0],
	    want_res.connectors[0], want_conn.conn.count_modes, want_conn.modes[0].hdisplay,
	    want_conn.modes[0].vdisplay, want_conn.conn.count_props);

	int early = 0, in_fuse = 0, self_exits = 0;
	long total_ops = 0;
	double t0 = now();
	for (int i = 0; i < kills; i++) {
		memset(shm, 0, sizeof(*shm));
		pid_t pid = fork();
		if (pid < 0) {
			say("FAIL: fork: %s", strerror(errno));
			return 1;
		}
		if (pid == 0)
			child_main(); /* never returns */

		int delay_ms = -1;
		if (rnd(&seed) % 100 < 15) {
			early++;
		} else {
			/* Bounded wait for the child's first completed call. */
			for (double deadline = now() + 60;
			     now() < deadline && !__atomic_load_n(&shm->ops, __ATOMIC_ACQUIRE) &&
			     !__atomic_load_n(&shm->bad, __ATOMIC_ACQUIRE);)
				sleep_ms(1);
			if (!__atomic_load_n(&shm->ops, __ATOMIC_ACQUIRE) && !shm->bad) {
				say("FAIL: child %d made no call within 60s", pid);
				show_stack(pid);
			}
			delay_ms = (int)(rnd(&seed) % 101);
			sleep_ms(delay_ms);
			/* Mostly, aim: wait (up to 50 ms) for a thread to be inside a FUSE request. */
			if (rnd(&seed) % 100 < 70)
				for (double until = now() + 0.05; now() < until && !threads_in_fuse(pid);)
					;
		}
		const int busy = threads_in_fuse(pid);
		in_fuse += busy > 0;
		kill(pid, SIGKILL);

		int status = 0;
		pid_t got = 0;
		for (double deadline = now() + 30; now() < deadline; sleep_ms(2)) {
			got = waitpid(pid, &status, WNOHANG);
			if (got != 0)
				break;
		}
		if (got != pid) {
			say("FAIL: child %d (kill %d) not reaped 30s after SIGKILL", pid, i + 1);
			show_stack(pid);
			return 1;
		}
		const long ops = __atomic_load_n(&shm->ops, __ATOMIC_ACQUIRE);
		total_ops += ops;
		if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
			self_exits++;
			say("FAIL: kill %d: child %d exited by itself (status %#x): %s", i + 1, pid, status,
			    shm->bad ? shm->msg : "?");
		}
		if (i < 3 || i % 10 == 9)
			say("kill %d/%d: child %d after %s%d ms, %ld call(s) done, %d thread(s) in a FUSE "
			    "request",
			    i + 1, kills, pid, delay_ms < 0 ? "no wait: " : "first call + ",
			    delay_ms < 0 ? 0 : delay_ms, ops, busy);
	}
	say("%d kill(s) in %.1fs: %d right after fork, %d with a thread waiting in a FUSE request; "
	    "%ld call(s) completed by the children",
	    kills, now() - t0, early, in_fuse, total_ops);
	CHECK(self_exits == 0, "every child got right answers until it was killed (%d did not)",
	      self_exits);
	CHECK(in_fuse > 0, "some kills hit a thread waiting in a FUSE request (%d of %d)", in_fuse,
	      kills);

	/* A fresh client afterwards. */
	fd = open(device, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s after the kills (%s)", device, fd >= 0 ? "ok" : strerror(errno));
	if (fd < 0)
		return 1;
	static struct e2e_res res;
	static struct e2e_conn conn;
	char why[256] = "";
	for (int round = 0; round < 20; round++) {
		err = get_resources(fd, &res);
		if (!err)
			err = get_connector(fd, want_res.connectors[0], &conn);
		if (err || !same_answers(&res, &conn, why, sizeof(why)))
			break;
	}
	CHECK(err == 0 && why[0] == 0,
	      "a fresh client gets the same answers as before the kills, 20 times (%s%s%s)",
	      errname(err), why[0] ? ": " : "", why);
	char name[16] = "";
	struct drm_version v = {.name_len = sizeof(name) - 1, .name = name};
	err = drm_call(fd, DRM_IOCTL_VERSION, &v);
	CHECK(err == 0 && strcmp(name, "tinydrm") == 0, "VERSION: %s, '%s'", errname(err), name);
	CHECK(close(fd) == 0, "close");
	say("%d failure(s)", failures());
	return failures() ? 1 : 0;
}
