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
#define NVMX_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NVMX_LIKELY(x) (x)
#define NVMX_UNLIKELY(x) (x)
#define NVMX_EXPORT
#define NVMX_ALWAYS_INLINE inline
#endif

/* The index of the lowest set bit of m, m != 0. */
static inline unsigned nvmx_ctz64(uint64_t m)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctzll(m);
#else
	unsigned n = 0;
	while (!(m & 1u)) {
		m >>= 1;
		n++;
	}
	return n;
#endif
}

/*
 * Bits 111:48 of a 128-bit product (TSC scaling, SDM 25.6.5): the unsigned
 * a * b and the signed (int64_t)a * b, b read as unsigned. With the
 * compiler's 128-bit integers where it has them, else in 32-bit halves;
 * the core stays C11 either way.
 */
#if defined(__GNUC__) && defined(__SIZEOF_INT128__)
static inline uint64_t nvmx_mul_shr48(uint64_t a, uint64_t b)
{
	__extension__ typedef unsigned __int128 u128;
	return (uint64_t)(((u128)a * b) >> 48);
}
static inline uint64_t nvmx_smul_shr48(uint64_t a, uint64_t b)
{
	__extension__ typedef __int128 s128;
	return (uint64_t)(int64_t)(((s128)(int64_t)a * (s128)b) >> 48);
}
#else
static inline void nvmx_mul128_(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	*lo = (mid << 32) | (uint32_t)p00;
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
static inline uint64_t nvmx_mul_shr48(uint64_t a, uint64_t b)
{
	uint64_t hi, lo;
	nvmx_mul128_(a, b, &hi, &lo);
	return (hi << 16) | (lo >> 48);
}
static inline uint64_t nvmx_smul_shr48(uint64_t a, uint64_t b)
{
	bool neg = (int64_t)a < 0;
	uint64_t hi, lo;
	nvmx_mul128_(neg ? 0 - a : a, b, &hi, &lo);
	if (neg) { /* two's complement of the 128-bit product */
		lo = ~lo + 1u;
		hi = ~hi + (lo == 0);
	}
	return (hi << 16) | (lo >> 48);
}
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
