// SPDX-License-Identifier: MIT
// PLACEHOLDER: the udl helper writes the libusb-1.0 implementation of UsbLink here.
#pragma once

#include "usb_link.h"
