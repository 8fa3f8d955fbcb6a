// SPDX-License-Identifier: MIT
// probe: checks that a tinydrm node answers ioctls correctly.
//
//   probe DEVICE [WIDTH HEIGHT]
//
// Opens DEVICE, asks VERSION (name "tinydrm"), GET_CAP, GETRESOURCES and GETCONNECTOR with
// their arrays (the first mode must be WIDTHxHEIGHT when given), closes it. Prints one line.
// Exit: 0 all answers right, 1 otherwise, 2 usage.
#include "e2e.h"

int main(int argc, char **argv)
{
	e2e_prog = "probe";
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: %s DEVICE [WIDTH HEIGHT]\n", argv[0]);
		return 2;
	}
	const char *device = argv[1];
	int fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say("FAIL: open %s: %s", device, strerror(errno));
		return 1;
	}
	char name[64] = {0};
	struct drm_version v = {.name_len = sizeof(name) - 1, .name = name};
	int err = drm_call(fd, DRM_IOCTL_VERSION, &v);
	EXPECT(err == 0 && strcmp(name, "tinydrm") == 0, "%s: VERSION: %s, name '%s'", device,
	       errname(err), name);
	struct drm_get_cap cap = {.capability = DRM_CAP_DUMB_BUFFER};
	err = drm_call(fd, DRM_IOCTL_GET_CAP, &cap);
	EXPECT(err == 0 && cap.value == 1, "%s: GET_CAP DUMB_BUFFER: %s, %llu", device,
	       errname(err), (unsigned long long)cap.value);
	struct e2e_res res;
	err = get_resources(fd, &res);
	EXPECT(err == 0 && res.res.count_connectors == 1 && res.res.count_crtcs == 1,
	       "%s: GETRESOURCES: %s, %u connector(s) %u crtc(s)", device, errname(err),
	       res.res.count_connectors, res.res.count_crtcs);
	static struct e2e_conn conn;
	if (err == 0 && res.res.count_connectors >= 1) {
		err = get_connector(fd, res.connectors[0], &conn);
		EXPECT(err == 0 && conn.conn.count_modes >= 1, "%s: GETCONNECTOR %u: %s, %u mode(s)",
		       device, res.connectors[0], errname(err), conn.conn.count_modes);
		if (argc == 4)
			EXPECT(conn.modes[0].hdisplay == (unsigned)atoi(argv[2]) &&
				       conn.modes[0].vdisplay == (unsigned)atoi(argv[3]),
			       "%s: mode %ux%u, want %sx%s", device, conn.modes[0].hdisplay,
			       conn.modes[0].vdisplay, argv[2], argv[3]);
	}
	if (close(fd) != 0)
		EXPECT(0, "%s: close: %s", device, strerror(errno));
	if (!failures())
		say("%s answers: driver %s, connector %u, mode %ux%u@%u", device, name,
		    res.connectors[0], conn.modes[0].hdisplay, conn.modes[0].vdisplay,
		    conn.modes[0].vrefresh);
	return failures() ? 1 : 0;
}
