/* SPDX-License-Identifier: MIT */
/*
 * NVMX_API marks every function of the public API: default visibility with
 * GCC and clang (the library builds with -fvisibility=hidden, so nothing
 * else is exported), dllexport/dllimport on Windows. Define NVMX_STATIC when
 * linking the static library on Windows.
 */
#ifndef NVMX_API_H
#define NVMX_API_H

#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(NVMX_BUILDING_LIBRARY)
#define NVMX_API __declspec(dllexport)
#elif defined(NVMX_STATIC)
#define NVMX_API
#else
#define NVMX_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define NVMX_API __attribute__((visibility("default")))
#else
#define NVMX_API
#endif

#endif
