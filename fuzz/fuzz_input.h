/* SPDX-License-Identifier: MIT */
/* The fuzzers' byte producer: fuzz_take(s, n) consumes n input bytes as a
 * little-endian value; past the end of the input it reads zeros. */
#ifndef NVMX_FUZZ_INPUT_H
#define NVMX_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_src {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_take(struct fuzz_src *s, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		uint8_t b = 0;
		if (s->n) {
			b = *s->p++;
			s->n--;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

#endif
