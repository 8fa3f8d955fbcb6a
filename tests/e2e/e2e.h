// SPDX-License-Identifier: MIT
// e2e.h: small helpers shared by the end-to-end DRM clients of tests/e2e (header only).
//
// Everything the clients send to a node is built from the uAPI headers (<libdrm/drm.h>,
// <libdrm/drm_mode.h>); no struct or ioctl number is retyped here. Helpers return 0 or a
// positive errno and never retry on EINTR: none of the load tests sends signals, so an EINTR
// there is a failure to report, not noise to hide.
#pragma once

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libdrm/drm.h>
#include <libdrm/drm_mode.h>

/* --- output ------------------------------------------------------------------------------- */

static const char *e2e_prog = "e2e";

static inline void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	// One write per line: several threads and processes share the output file.
	char full[1200];
	int n = snprintf(full, sizeof(full), "%s: %s\n", e2e_prog, line);
	if (n > (int)sizeof(full) - 1)
		n = (int)sizeof(full) - 1;
	ssize_t w = write(STDOUT_FILENO, full, (size_t)n);
	(void)w;
}

/* Set by CHECK; a program's exit status is failures != 0. Atomic: threads check too. */
static int e2e_failures;

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (cond) {                                                                \
			say("ok: " __VA_ARGS__);                                           \
		} else {                                                                   \
			say("FAIL: " __VA_ARGS__);                                         \
			__atomic_add_fetch(&e2e_failures, 1, __ATOMIC_RELAXED);            \
		}                                                                          \
	} while (0)

/* Like CHECK but silent on success (for checks in loops). */
#define EXPECT(cond, ...)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			say("FAIL: " __VA_ARGS__);                                         \
			__atomic_add_fetch(&e2e_failures, 1, __ATOMIC_RELAXED);            \
		}                                                                          \
	} while (0)

static inline int failures(void)
{
	return __atomic_load_n(&e2e_failures, __ATOMIC_RELAXED);
}

/* --- time ----------------------------------------------------------------------------------- */

static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* xorshift: each thread has its own state. */
static inline uint32_t rnd(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (uint32_t)(x >> 16);
}

/* --- workdir handshake files -------------------------------------------------------------- */

static inline void touch_file(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static inline int file_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* Bounded wait for DIR/NAME. 0 when it appeared, -1 on timeout. */
static inline int wait_file(const char *dir, const char *name, double seconds)
{
	for (double deadline = now() + seconds; now() < deadline; sleep_ms(20))
		if (file_exists(dir, name))
			return 0;
	say("FAIL: timed out after %.0fs waiting for %s/%s", seconds, dir, name);
	return -1;
}

/* --- DRM calls ----------------------------------------------------------------------------- */

/* One ioctl: 0 or errno. */
static inline int drm_call(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) == 0 ? 0 : errno;
}

static inline uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

#define E2E_MAX_IDS 16
#define E2E_MAX_MODES 16
#define E2E_MAX_PROPS 32

/* MODE_GETRESOURCES the way libdrm does it: counts first, then the arrays (the CUSE retry
 * protocol's three round trips on the second call). */
struct e2e_res {
	struct drm_mode_card_res res;
	uint32_t fbs[E2E_MAX_IDS], crtcs[E2E_MAX_IDS], encoders[E2E_MAX_IDS], connectors[E2E_MAX_IDS];
};

static inline int get_resources(int fd, struct e2e_res *r)
{
	memset(r, 0, sizeof(*r));
	int err = drm_call(fd, DRM_IOCTL_MODE_GETRESOURCES, &r->res);
	if (err)
		return err;
	if (r->res.count_fbs > E2E_MAX_IDS || r->res.count_crtcs > E2E_MAX_IDS ||
	    r->res.count_encoders > E2E_MAX_IDS || r->res.count_connectors > E2E_MAX_IDS)
		return E2BIG;
	r->res.fb_id_ptr = ptr(r->fbs);
	r->res.crtc_id_ptr = ptr(r->crtcs);
	r->res.encoder_id_ptr = ptr(r->encoders);
	r->res.connector_id_ptr = ptr(r->connectors);
	return drm_call(fd, DRM_IOCTL_MODE_GETRESOURCES, &r->res);
}

/* MODE_GETCONNECTOR with every array (modes, properties and values, encoders). */
struct e2e_conn {
	struct drm_mode_get_connector conn;
	struct drm_mode_modeinfo modes[E2E_MAX_MODES];
	uint32_t props[E2E_MAX_PROPS];
	uint64_t values[E2E_MAX_PROPS];
	uint32_t encoders[E2E_MAX_IDS];
};

static inline int get_connector(int fd, uint32_t id, struct e2e_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->conn.connector_id = id;
	int err = drm_call(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c->conn);
	if (err)
		return err;
	if (c->conn.count_modes > E2E_MAX_MODES || c->conn.count_props > E2E_MAX_PROPS ||
	    c->conn.count_encoders > E2E_MAX_IDS)
		return E2BIG;
	c->conn.modes_ptr = ptr(c->modes);
	c->conn.props_ptr = ptr(c->props);
	c->conn.prop_values_ptr = ptr(c->values);
	c->conn.encoders_ptr = ptr(c->encoders);
	return drm_call(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c->conn);
}

/* A uniform description of an errno for messages: "ok" for 0. */
static inline const char *errname(int err)
{
	return err ? strerror(err) : "ok";
}
