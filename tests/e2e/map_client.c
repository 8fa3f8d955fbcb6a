// SPDX-License-Identifier: MIT
// map_client: a dumb-buffer client that maps its buffer the ordinary way, mmap(drm_fd, offset),
// so it needs tinydrm-run's bridge, and then does one of:
//
//   map_client DEVICE DIR scanout   draw a test frame, show it, write DIR/path (the buffer's
//                                   file), DIR/ready; hold everything until DIR/stop exists
//   map_client DEVICE DIR writer    show a frame, write DIR/ready, then keep writing into the
//                                   mapping until killed (by SIGBUS after an unplug), or until
//                                   DIR/stop exists (exit 0)
//
// The frame: pixel (x, y) = 0x00RRGGBB with R = x & 0xff, G = y & 0xff, B = 0x5a.
// Exit: 0 ok, 1 a check failed, 2 usage; killed by SIGBUS is the writer's expected death.
#include "e2e.h"

#include <sys/mman.h>

#include <libdrm/drm_fourcc.h>

#include <tinydrm/tinydrm_drm.h>

int main(int argc, char **argv)
{
	e2e_prog = "map_client";
	if (argc != 4 || (strcmp(argv[3], "scanout") && strcmp(argv[3], "writer"))) {
		fprintf(stderr, "usage: %s DEVICE DIR scanout|writer\n", argv[0]);
		return 2;
	}
	const char *device = argv[1], *dir = argv[2];
	const int writer = !strcmp(argv[3], "writer");
	int fd = open(device, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: %s", device, strerror(errno));
	if (fd < 0)
		return 1;

	struct e2e_res res;
	CHECK(get_resources(fd, &res) == 0, "GETRESOURCES");
	static struct e2e_conn conn;
	CHECK(get_connector(fd, res.connectors[0], &conn) == 0, "GETCONNECTOR");
	const struct drm_mode_modeinfo mode = conn.modes[0];

	struct drm_mode_create_dumb create = {.width = mode.hdisplay, .height = mode.vdisplay,
					      .bpp = 32};
	int err = drm_call(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	CHECK(err == 0, "CREATE_DUMB: %s", errname(err));
	struct drm_mode_map_dumb map = {.handle = create.handle};
	err = drm_call(fd, DRM_IOCTL_MODE_MAP_DUMB, &map);
	CHECK(err == 0, "MAP_DUMB: %s", errname(err));

	// What every dumb-buffer client does; on a CUSE node it works only through the bridge.
	uint32_t *pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				(off_t)map.offset);
	CHECK(pixels != MAP_FAILED, "mmap of the dumb buffer at offset %#llx: %s (without "
	      "tinydrm-run, CUSE answers ENODEV)", (unsigned long long)map.offset, strerror(errno));
	if (pixels == MAP_FAILED)
		return 1;
	for (uint32_t y = 0; y < create.height; y++)
		for (uint32_t x = 0; x < create.width; x++)
			pixels[y * (create.pitch / 4) + x] = (x & 0xff) << 16 | (y & 0xff) << 8 | 0x5a;

	struct drm_mode_fb_cmd2 fb = {.width = create.width, .height = create.height,
				      .pixel_format = DRM_FORMAT_XRGB8888};
	fb.handles[0] = create.handle;
	fb.pitches[0] = create.pitch;
	err = drm_call(fd, DRM_IOCTL_MODE_ADDFB2, &fb);
	CHECK(err == 0, "ADDFB2: %s", errname(err));
	uint32_t connector = res.connectors[0];
	struct drm_mode_crtc crtc = {.crtc_id = res.crtcs[0], .fb_id = fb.fb_id, .mode_valid = 1,
				     .mode = mode, .count_connectors = 1,
				     .set_connectors_ptr = ptr(&connector)};
	err = drm_call(fd, DRM_IOCTL_MODE_SETCRTC, &crtc);
	CHECK(err == 0, "SETCRTC: %s", errname(err));

	// The file behind the buffer, for the privacy checks of the scenario.
	struct drm_tinydrm_map info = {.offset = map.offset};
	err = drm_call(fd, DRM_IOCTL_TINYDRM_MAP, &info);
	CHECK(err == 0, "TINYDRM_MAP: %s", errname(err));
	char path[4096];
	snprintf(path, sizeof(path), "%s/path", dir);
	FILE *f = fopen(path, "w");
	CHECK(f && fprintf(f, "%s\n", info.path) > 0 && fclose(f) == 0, "write %s", path);
	touch_file(dir, "ready");
	say("%ux%u frame shown from a mapping of %s", create.width, create.height, info.path);

	if (writer) {
		// Touch every page, over and over: after an unplug under the sigbus policy the
		// next store faults; with keep, the loop runs until told to stop.
		volatile uint32_t *p = pixels;
		uint32_t round = 0;
		for (; !file_exists(dir, "stop"); round++)
			for (size_t i = 0; i < create.size / 4; i += 1024)
				p[i] = round;
		// One more pass after "stop", which the scenario writes after the unplug: so a
		// store after the unplug is certain, whatever the scheduling.
		for (size_t i = 0; i < create.size / 4; i += 1024)
			p[i] = round;
		say("writer: told to stop, the mapping is still usable");
		return 0;
	}
	while (!file_exists(dir, "stop"))
		sleep_ms(20);
	munmap(pixels, create.size);
	close(fd);
	return failures() ? 1 : 0;
}
