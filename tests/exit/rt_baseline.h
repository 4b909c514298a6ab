/* SPDX-License-Identifier: MIT */
/*
 * tests/support/vmcs12_valid.h's valid VMCS12 written straight into the
 * library's VMCS12 object: the baseline of the round-trip tests (test_roundtrip.c) and
 * benchmarks (bench/bench_exit.c). Controls are the capabilities' allowed-0
 * bits plus external-interrupt exiting, host address-space size and IA-32e
 * mode guest; callers add theirs. Every field is marked dirty, as after a
 * load from memory.
 */
#ifndef NVMX_TEST_RT_BASELINE_H
#define NVMX_TEST_RT_BASELINE_H

#include "core.h"
#include "vmcs12_valid.h"

static inline void rt_set_(void *ctx, unsigned idx, uint64_t val)
{
	((struct nvmx_vmcs12 *)ctx)->f[idx] = val;
}

static inline void rt_vmcs12_baseline(struct nvmx_vm *vm, struct nvmx_vmcs12 *s)
{
	tsup_vmcs12_valid(vm, rt_set_, s);
	nvmx_vmcs12_mark_all_dirty(s);
}

#endif
