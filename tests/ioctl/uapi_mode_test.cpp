// SPDX-License-Identifier: MIT
// KMS objects and properties as modetest and drm_info walk them.
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fixture.h"

using namespace tinydrm;
using namespace tinydrm::test;

namespace {

/// Property name → value of an object, through OBJ_GETPROPERTIES and GETPROPERTY.
std::map<std::string, uint64_t> propertiesOf(Loopback &c, uint32_t id, uint32_t type)
{
	drm_mode_obj_get_properties count{};
	count.obj_id = id;
	count.obj_type = type;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &count) == 0);
	std::vector<uint32_t> ids(count.count_props);
	std::vector<uint64_t> values(count.count_props);
	drm_mode_obj_get_properties all = count;
	all.props_ptr = uint64_t(uintptr_t(ids.data()));
	all.prop_values_ptr = uint64_t(uintptr_t(values.data()));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &all) == 0);
	std::map<std::string, uint64_t> out;
	for (size_t i = 0; i < ids.size(); i++) {
		drm_mode_get_property p{};
		p.prop_id = ids[i];
		REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPROPERTY, &p) == 0);
		out[p.name] = values[i];
	}
	return out;
}

} // namespace

TEST_CASE("GETRESOURCES lists one CRTC, encoder, connector; the file's own framebuffers")
{
	Fixture f;
	auto c = f.open();
	drm_mode_card_res res{};
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &res) == 0);
	CHECK(res.count_crtcs == 1);
	CHECK(res.count_encoders == 1);
	CHECK(res.count_connectors == 1);
	CHECK(res.count_fbs == 0);
	CHECK(res.max_width >= 320);
	CHECK(res.min_width >= 1);

	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	auto other = f.open();
	drm_mode_card_res mine{}, theirs{};
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &mine) == 0);
	REQUIRE(other.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &theirs) == 0);
	CHECK(mine.count_fbs == 1);
	CHECK(theirs.count_fbs == 0);
	uint32_t fbId = 0;
	mine.fb_id_ptr = uint64_t(uintptr_t(&fbId));
	mine.count_crtcs = mine.count_encoders = mine.count_connectors = 0;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETRESOURCES, &mine) == 0);
	CHECK(fbId == s.fb);
	CHECK(c.roundTrips == 3);
}

TEST_CASE("GETCONNECTOR: connected, its mode list, encoders and properties")
{
	Fixture f(480, 272, 50);
	auto c = f.open();
	Ids ids = findIds(c);
	drm_mode_get_connector probe{};
	probe.connector_id = ids.connector;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETCONNECTOR, &probe) == 0);
	CHECK(probe.connection == 1);
	CHECK(probe.connector_type == DRM_MODE_CONNECTOR_VIRTUAL);
	CHECK(probe.connector_type_id == 1);
	CHECK(probe.count_modes == 1);
	CHECK(probe.count_encoders == 1);
	CHECK(probe.count_props > 0);
	CHECK(probe.mm_width > 0);

	drm_mode_modeinfo mode{};
	uint32_t encoder = 0;
	std::vector<uint32_t> props(probe.count_props);
	std::vector<uint64_t> values(probe.count_props);
	drm_mode_get_connector full = probe;
	full.modes_ptr = uint64_t(uintptr_t(&mode));
	full.encoders_ptr = uint64_t(uintptr_t(&encoder));
	full.props_ptr = uint64_t(uintptr_t(props.data()));
	full.prop_values_ptr = uint64_t(uintptr_t(values.data()));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETCONNECTOR, &full) == 0);
	CHECK(mode.hdisplay == 480);
	CHECK(mode.vdisplay == 272);
	CHECK(mode.vrefresh == 50);
	// The refresh a client computes from the timings is the panel's.
	CHECK(mode.clock * 1000 / (mode.htotal * mode.vtotal) == 50);
	CHECK((mode.type & DRM_MODE_TYPE_PREFERRED));
	CHECK(std::string(mode.name) == "480x272");
	CHECK(encoder == ids.encoder);

	// Too small a mode array: nothing copied (the kernel's all-or-nothing), count reported.
	drm_mode_modeinfo untouched{};
	untouched.hdisplay = 7;
	drm_mode_get_connector tooSmall{};
	tooSmall.connector_id = ids.connector;
	tooSmall.count_modes = 0;
	tooSmall.modes_ptr = uint64_t(uintptr_t(&untouched));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETCONNECTOR, &tooSmall) == 0);
	CHECK(untouched.hdisplay == 7);

	drm_mode_get_connector missing{};
	missing.connector_id = ids.crtc;
	CHECK(c.ioctl(DRM_IOCTL_MODE_GETCONNECTOR, &missing) == -1);
	CHECK(errno == ENOENT);

	auto p = propertiesOf(c, ids.connector, DRM_MODE_OBJECT_CONNECTOR);
	CHECK(p.count("EDID"));
	CHECK(p.count("DPMS"));
	CHECK(p.at("DPMS") == DRM_MODE_DPMS_ON);
	CHECK_FALSE(p.count("CRTC_ID")); // atomic-only: hidden from a legacy client
}

TEST_CASE("GETENCODER and GETCRTC before and after a modeset")
{
	Fixture f;
	auto c = f.open();
	Ids ids = findIds(c);
	drm_mode_get_encoder enc{};
	enc.encoder_id = ids.encoder;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETENCODER, &enc) == 0);
	CHECK(enc.possible_crtcs == 1);
	CHECK(enc.crtc_id == 0);
	drm_mode_crtc crtc{};
	crtc.crtc_id = ids.crtc;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETCRTC, &crtc) == 0);
	CHECK(crtc.mode_valid == 0);
	CHECK(crtc.fb_id == 0);

	Scanout s;
	REQUIRE(makeScanout(c, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	REQUIRE(setCrtc(c, ids, s.fb) == 0);
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETCRTC, &crtc) == 0);
	CHECK(crtc.mode_valid == 1);
	CHECK(crtc.fb_id == s.fb);
	CHECK(crtc.mode.hdisplay == 320);
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETENCODER, &enc) == 0);
	CHECK(enc.crtc_id == ids.crtc);

	drm_mode_get_encoder bad{};
	bad.encoder_id = 9999;
	CHECK(c.ioctl(DRM_IOCTL_MODE_GETENCODER, &bad) == -1);
	CHECK(errno == ENOENT);
}

TEST_CASE("GETGAMMA/SETGAMMA: a CRTC without a gamma ramp, as the kernel answers for one")
{
	Fixture f;
	auto master = f.open();
	auto other = f.open(1000);
	Ids ids = findIds(master);
	drm_mode_crtc_lut lut{};
	lut.crtc_id = ids.crtc;
	// gamma_size 0 is the CRTC's (GETCRTC says so): nothing to copy, success.
	CHECK(other.ioctl(DRM_IOCTL_MODE_GETGAMMA, &lut) == 0);
	lut.gamma_size = 256;
	CHECK(master.ioctl(DRM_IOCTL_MODE_GETGAMMA, &lut) == -1);
	CHECK(errno == EINVAL);
	drm_mode_crtc_lut wrong{};
	wrong.crtc_id = 9999;
	CHECK(master.ioctl(DRM_IOCTL_MODE_GETGAMMA, &wrong) == -1);
	CHECK(errno == ENOENT);

	// SETGAMMA: DRM_MASTER, then the CRTC lookup, then ENOSYS (no gamma_set); a real client
	// sees ENOTTY for that last one, which is what FUSE makes of a server's ENOSYS.
	CHECK(other.ioctl(DRM_IOCTL_MODE_SETGAMMA, &lut) == -1);
	CHECK(errno == EACCES);
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETGAMMA, &wrong) == -1);
	CHECK(errno == ENOENT);
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETGAMMA, &lut) == -1);
	CHECK(errno == ENOSYS);
}

TEST_CASE("SETCRTC: master only, and the kernel's errors for bad requests")
{
	Fixture f;
	auto master = f.open();
	auto other = f.open();
	Ids ids = findIds(master);
	Scanout s;
	REQUIRE(makeScanout(master, 320, 240, DRM_FORMAT_XRGB8888, s) == 0);
	Scanout small;
	REQUIRE(makeScanout(master, 100, 100, DRM_FORMAT_XRGB8888, small) == 0);

	CHECK(setCrtc(other, ids, s.fb) == -EACCES);
	CHECK(setCrtc(master, ids, 4242) == -ENOENT);
	CHECK(setCrtc(master, ids, small.fb) == -ENOSPC);

	uint32_t connector = ids.connector;
	drm_mode_crtc req{};
	req.crtc_id = ids.crtc;
	req.fb_id = s.fb;
	req.mode_valid = 1;
	req.mode = f.device->modes()[0];
	req.mode.hdisplay = 200; // not a mode of this connector
	req.count_connectors = 1;
	req.set_connectors_ptr = uint64_t(uintptr_t(&connector));
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETCRTC, &req) == -1);
	CHECK(errno == EINVAL);

	req.mode = f.device->modes()[0];
	req.count_connectors = 0;
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETCRTC, &req) == -1);
	CHECK(errno == EINVAL);

	uint32_t notAConnector = ids.crtc;
	req.count_connectors = 1;
	req.set_connectors_ptr = uint64_t(uintptr_t(&notAConnector));
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETCRTC, &req) == -1);
	CHECK(errno == ENOENT);

	req.set_connectors_ptr = 0x10; // unmapped
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETCRTC, &req) == -1);
	CHECK(errno == EFAULT);

	REQUIRE(setCrtc(master, ids, s.fb) == 0);
	// fb_id -1 keeps the current framebuffer.
	req.set_connectors_ptr = uint64_t(uintptr_t(&connector));
	req.fb_id = uint32_t(-1);
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETCRTC, &req) == 0);
	CHECK(master.roundTrips == 3); // struct, then the connector array, then the answer

	drm_mode_crtc off{};
	off.crtc_id = ids.crtc;
	CHECK(master.ioctl(DRM_IOCTL_MODE_SETCRTC, &off) == 0);
	CHECK_FALSE(f.device->pipe().active);
}

TEST_CASE("planes: hidden without the universal cap; primary with formats and IN_FORMATS")
{
	Fixture f;
	auto c = f.open();
	drm_mode_get_plane_res res{};
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPLANERESOURCES, &res) == 0);
	CHECK(res.count_planes == 0);

	Ids ids = findIds(c); // sets the cap
	REQUIRE(ids.plane != 0);
	drm_mode_get_plane plane{};
	plane.plane_id = ids.plane;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPLANE, &plane) == 0);
	CHECK(plane.possible_crtcs == 1);
	REQUIRE(plane.count_format_types == 2);
	uint32_t formats[2] = {};
	plane.format_type_ptr = uint64_t(uintptr_t(formats));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPLANE, &plane) == 0);
	CHECK(formats[0] == DRM_FORMAT_XRGB8888);
	CHECK(formats[1] == DRM_FORMAT_RGB565);

	auto props = propertiesOf(c, ids.plane, DRM_MODE_OBJECT_PLANE);
	CHECK(props.at("type") == 1); // primary
	REQUIRE(props.count("IN_FORMATS"));

	drm_mode_get_blob blob{};
	blob.blob_id = uint32_t(props.at("IN_FORMATS"));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPROPBLOB, &blob) == 0);
	std::vector<uint8_t> bytes(blob.length);
	// A wrong length copies nothing and reports the right one.
	drm_mode_get_blob wrong = blob;
	wrong.length = 1;
	wrong.data = uint64_t(uintptr_t(bytes.data()));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPROPBLOB, &wrong) == 0);
	CHECK(wrong.length == blob.length);
	blob.data = uint64_t(uintptr_t(bytes.data()));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPROPBLOB, &blob) == 0);
	drm_format_modifier_blob header;
	std::memcpy(&header, bytes.data(), sizeof(header));
	CHECK(header.version == FORMAT_BLOB_CURRENT);
	CHECK(header.count_formats == 2);
	CHECK(header.count_modifiers == 1);
	drm_format_modifier modifier;
	std::memcpy(&modifier, bytes.data() + header.modifiers_offset, sizeof(modifier));
	CHECK(modifier.modifier == DRM_FORMAT_MOD_LINEAR);
	CHECK(modifier.formats == 0b11);

	drm_mode_get_blob none{};
	none.blob_id = 77777;
	CHECK(c.ioctl(DRM_IOCTL_MODE_GETPROPBLOB, &none) == -1);
	CHECK(errno == ENOENT);
}

TEST_CASE("GETPROPERTY describes enums; OBJ_GETPROPERTIES checks ids and types")
{
	Fixture f;
	auto c = f.open();
	Ids ids = findIds(c);
	const Property *dpms = f.device->findProperty("DPMS");
	REQUIRE(dpms);
	drm_mode_get_property p{};
	p.prop_id = dpms->id;
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPROPERTY, &p) == 0);
	CHECK(std::string(p.name) == "DPMS");
	CHECK((p.flags & DRM_MODE_PROP_ENUM));
	CHECK(p.count_enum_blobs == 4);
	CHECK(p.count_values == 4);
	std::vector<drm_mode_property_enum> enums(4);
	std::vector<uint64_t> values(4);
	p.enum_blob_ptr = uint64_t(uintptr_t(enums.data()));
	p.values_ptr = uint64_t(uintptr_t(values.data()));
	REQUIRE(c.ioctl(DRM_IOCTL_MODE_GETPROPERTY, &p) == 0);
	CHECK(std::string(enums[3].name) == "Off");
	CHECK(values[3] == DRM_MODE_DPMS_OFF);

	drm_mode_get_property missing{};
	missing.prop_id = ids.crtc;
	CHECK(c.ioctl(DRM_IOCTL_MODE_GETPROPERTY, &missing) == -1);
	CHECK(errno == ENOENT);

	drm_mode_obj_get_properties wrongType{};
	wrongType.obj_id = ids.crtc;
	wrongType.obj_type = DRM_MODE_OBJECT_PLANE;
	CHECK(c.ioctl(DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &wrongType) == -1);
	CHECK(errno == ENOENT);
	drm_mode_obj_get_properties any{};
	any.obj_id = ids.crtc;
	CHECK(c.ioctl(DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &any) == 0);
	CHECK(any.count_props == 0); // ACTIVE and MODE_ID are atomic-only
	drm_mode_obj_get_properties encoder{};
	encoder.obj_id = ids.encoder;
	CHECK(c.ioctl(DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &encoder) == -1);
	CHECK(errno == EINVAL);
}
