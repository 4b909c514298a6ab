/* SPDX-License-Identifier: MIT */
/* A vCPU with L2 running under a VMCS12 set up directly (VM entry is not
 * needed): the state the exit module starts from. */
#ifndef NVMX_TEST_EXIT_FIXTURE_H
#define NVMX_TEST_EXIT_FIXTURE_H

#include "core.h"
#include "exit/exit.h"
#include "ept/ept.h"
#include "refhost.h"

#define FX_VMCS12 0x10000ull
#define FX_MSR_BITMAP 0x20000ull
#define FX_IO_A 0x21000ull
#define FX_IO_B 0x22000ull
#define FX_EPTP_LIST 0x23000ull
#define FX_MSR_STORE 0x24000ull
#define FX_MSR_LOAD 0x25000ull

struct fx {
	struct refhost h;
	struct nvmx_vcpu *v;
	struct nvmx_vmcs12 *s;
};

/* L1 in 64-bit mode in VMX operation, VMCS12 current and launched, L2
 * running; VMCS12 holds a 64-bit host state and the bitmap addresses
 * above (bitmaps all zero), and no VM-execution control set. */
void fx_init(struct fx *f);
void fx_fini(struct fx *f);
void fx_set_bit(struct fx *f, uint64_t gpa, uint32_t bit);
struct nvmx_l2_exit fx_exit(uint32_t reason);
#define S12(x, name) ((x)->s->f[NVMX_IDX_##name])

#endif
