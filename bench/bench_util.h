/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helpers: time an operation in batches, report the median and
 * 99th percentile per operation, and the hardware VMCS accesses (host
 * vmcs_read/vmcs_write calls) per operation, as one JSON line (docs/benchmarks.md).
 */
#ifndef NVMX_BENCH_UTIL_H
#define NVMX_BENCH_UTIL_H

#include <stdint.h>
#include "refhost.h"

struct bench_result {
	double ns_median, ns_p99;
	uint64_t iterations;
	double vmcs_reads, vmcs_writes;  /* per operation */
};

/*
 * Run `op(ctx)` `batches` times `per_batch` times; `reset(ctx)` (may be NULL)
 * runs untimed before every operation when the operation consumes state.
 * VMCS accesses are counted on h across all timed operations. Returns the
 * median ns per operation (0 when skipped by NVMX_BENCH).
 */
double bench_run(const char *name, struct refhost *h, void (*op)(void *ctx),
               void (*reset)(void *ctx), void *ctx, unsigned batches, unsigned per_batch,
               const char *extra_json);

uint64_t bench_now_ns(void);

#endif
