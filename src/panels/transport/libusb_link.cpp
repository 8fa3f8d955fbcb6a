// SPDX-License-Identifier: MIT
// PLACEHOLDER: the udl helper writes this.
#include "libusb_link.h"
