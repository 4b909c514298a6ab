/* SPDX-License-Identifier: MIT */
#ifndef NVMX_VERSION_H
#define NVMX_VERSION_H

#define NVMX_VERSION_MAJOR 0
#define NVMX_VERSION_MINOR 1
#define NVMX_VERSION_PATCH 0
#define NVMX_VERSION_NUMBER \
	(NVMX_VERSION_MAJOR * 10000 + NVMX_VERSION_MINOR * 100 + NVMX_VERSION_PATCH)
/* The same as a string. meson.build refuses to configure when this or the
 * numbers above differ from project()'s version. */
#define NVMX_VERSION "0.1.0"

#endif
