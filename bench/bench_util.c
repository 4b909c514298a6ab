/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_run(const char *name, struct refhost *h, void (*op)(void *ctx),
               void (*reset)(void *ctx), void *ctx, unsigned batches, unsigned per_batch,
               const char *extra_json)
{
	/* NVMX_BENCH=substring runs only the benchmarks whose name has it
	 * (for profiling one of them). */
	const char *only = getenv("NVMX_BENCH");
	if (only && *only && !strstr(name, only))
		return 0;
	double *samples = calloc(batches, sizeof(double));
	if (!samples)
		return 0;
	uint64_t reads = 0, writes = 0;
	uint64_t l1r0 = h->l1_reads, l1w0 = h->l1_writes;
	for (unsigned b = 0; b < batches; b++) {
		uint64_t elapsed = 0;
		uint64_t r0 = h->vmcs_reads, w0 = h->vmcs_writes;
		if (!reset) {
			/* Time the whole batch: no clock reads between operations. */
			uint64_t t0 = bench_now_ns();
			for (unsigned i = 0; i < per_batch; i++)
				op(ctx);
			elapsed = bench_now_ns() - t0;
		} else {
			for (unsigned i = 0; i < per_batch; i++) {
				uint64_t rr = h->vmcs_reads, ww = h->vmcs_writes;
				reset(ctx);
				r0 += h->vmcs_reads - rr;
				w0 += h->vmcs_writes - ww;
				uint64_t t0 = bench_now_ns();
				op(ctx);
				elapsed += bench_now_ns() - t0;
			}
		}
		reads += h->vmcs_reads - r0;
		writes += h->vmcs_writes - w0;
		samples[b] = (double)elapsed / per_batch;
	}
	qsort(samples, batches, sizeof(double), cmp_double);
	uint64_t n = (uint64_t)batches * per_batch;
	unsigned p99 = (unsigned)((batches - 1) * 0.99);
	/* L1-state accesses include the untimed resets' (they are rare). */
	printf("{\"bench\": \"%s\", \"ns_median\": %.1f, \"ns_p99\": %.1f, \"iterations\": %llu, "
	       "\"vmcs_reads\": %.2f, \"vmcs_writes\": %.2f, \"l1_reads\": %.2f, \"l1_writes\": %.2f%s%s}\n",
	       name, samples[batches / 2], samples[p99], (unsigned long long)n,
	       (double)reads / n, (double)writes / n, (double)(h->l1_reads - l1r0) / n,
	       (double)(h->l1_writes - l1w0) / n, extra_json ? ", " : "",
	       extra_json ? extra_json : "");
	fflush(stdout);
	double median = samples[batches / 2];
	free(samples);
	return median;
}
