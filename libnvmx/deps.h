/* SPDX-License-Identifier: MIT */
/*
 * The one place where the library core touches the C library. Only
 * freestanding headers and the four memory primitives that compilers emit
 * calls to anyway (memcpy, memset, memmove, memcmp) are used.
 */
#ifndef NVMX_DEPS_H
#define NVMX_DEPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef NVMX_FREESTANDING
/* The freestanding build (meson -Dfreestanding=true) includes no libc
 * header: the embedding kernel provides these four (docs/freestanding.md). */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#define nvmx_memcpy __builtin_memcpy
#define nvmx_memset __builtin_memset
#define nvmx_memcmp __builtin_memcmp
#else
#include <string.h>

#define nvmx_memcpy memcpy
#define nvmx_memset memset
#define nvmx_memcmp memcmp
#endif

#define NVMX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NVMX_BIT(n) (1ull << (n))
#define NVMX_UNUSED(x) ((void)(x))

#if defined(__GNUC__)
#define NVMX_LIKELY(x) __builtin_expect(!!(x), 1)
#define NVMX_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NVMX_EXPORT __attribute__((visibility("default")))
#else
#define NVMX_LIKELY(x) (x)
#define NVMX_UNLIKELY(x) (x)
#define NVMX_EXPORT
#endif

/*
 * The few atomic accesses the library makes to state that vCPU threads
 * read without the VM lock (a sequence number and a generation), with the
 * compiler's builtins: they need no C library and work in a kernel.
 */
#if defined(__GNUC__)
#define nvmx_atomic_load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define nvmx_atomic_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define nvmx_atomic_add(p, v) __atomic_add_fetch((p), (v), __ATOMIC_ACQ_REL)
#else
#define nvmx_atomic_load(p) (*(p))
#define nvmx_atomic_store(p, v) (*(p) = (v))
#define nvmx_atomic_add(p, v) (*(p) += (v))
#endif

/* Propagate a non-OK status (Zydis-style one-line check). */
#define NVMX_CHECK(expr)                                  \
	do {                                              \
		enum nvmx_status nvmx_s_ = (expr);        \
		if (NVMX_UNLIKELY(nvmx_s_ != NVMX_STATUS_OK)) \
			return nvmx_s_;                   \
	} while (0)

#endif
