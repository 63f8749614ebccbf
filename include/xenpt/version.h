/* SPDX-License-Identifier: MIT */
/** @file version.h  libxenpt version. */
#ifndef XENPT_VERSION_H
#define XENPT_VERSION_H

#define XENPT_VERSION_MAJOR 0
#define XENPT_VERSION_MINOR 1
#define XENPT_VERSION_PATCH 0
#define XENPT_VERSION_STRING "0.1.0"

/** Library version string, e.g. "0.1.0". */
const char *xenpt_version(void);

#endif
