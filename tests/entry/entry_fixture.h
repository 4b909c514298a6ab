/* SPDX-License-Identifier: MIT */
/*
 * A reference host with L1 in VMX root operation, a current VMCS12 that
 * holds a valid 64-bit L2 (the baseline every entry test mutates), an L0
 * policy with EPT01 and small L0 MSR/I/O bitmaps, and L0's VMCS02 host
 * state. Shared by the entry tests, the entry fuzzer and the benchmark.
 */
#ifndef NVMX_ENTRY_FIXTURE_H
#define NVMX_ENTRY_FIXTURE_H

#include "core.h"
#include "entry/entry.h"
#include "refhost.h"
#include "hwcheck.h"

#define FX_MEM (1ull << 20)
#define FX_VMXON 0x1000ull
#define FX_HOST_CR3 0x3000ull
#define FX_GUEST_CR3 0x4000ull
#define FX_VMCS12 0x10000ull
#define FX_MSR_BITMAP 0x20000ull
#define FX_IO_A 0x21000ull
#define FX_IO_B 0x22000ull
#define FX_VAPIC 0x23000ull
#define FX_APIC_ACCESS 0x24000ull
#define FX_PI_DESC 0x25000ull
#define FX_PML 0x26000ull
#define FX_EPTP_LIST 0x27000ull
#define FX_VE 0x28000ull
#define FX_EXIT_MSR 0x29000ull
#define FX_ENTRY_MSR 0x2a000ull
/* Scratch for VMXON/VMPTRLD's m64 operand. */
#define FX_OPERAND 0x2f000ull
#define FX_EPTP01 (0x7e00000000ull | 0x1eull)
/* L0's bitmaps: L0 intercepts RDMSR 0x10 (TSC), WRMSR 0xc0000080 (EFER),
 * and port 0x80. */
#define FX_L0_MSR_READ 0x10u
#define FX_L0_MSR_WRITE_HI 0xc0000080u
#define FX_L0_PORT 0x80u

struct entry_fixture {
	struct refhost h;
	struct nvmx_vcpu *v;
	struct nvmx_vmcs12 *s;
	struct nvmx_l0_policy pol;
	uint8_t l0_msr[4096], l0_io_a[4096], l0_io_b[4096];
};

/* 0 on success. */
int fx_init(struct entry_fixture *f);
void fx_fini(struct entry_fixture *f);
/* Back to the state fx_init leaves, without re-creating the VM (fuzzers). */
void fx_reset(struct entry_fixture *f);
/* Rewrite the valid baseline VMCS12 (every field through VMWRITE). */
void fx_baseline(struct entry_fixture *f);
static inline void fx_set(struct entry_fixture *f, unsigned idx, uint64_t v)
{
	nvmx_vmcs12_set(f->s, idx, v);
}
static inline uint64_t fx_get(struct entry_fixture *f, unsigned idx) { return f->s->f[idx]; }
uint64_t fx_cap(struct entry_fixture *f, uint32_t msr);
enum nvmx_status fx_enter(struct entry_fixture *f, bool launch, struct nvmx_result *res);
/* L2 exited to L1 (what the exit module will do): L1 may enter again. */
void fx_exit_to_l1(struct entry_fixture *f);
/* Whether the MSR access (write = false: read) / port exits under VMCS02. */
bool fx_vmcs02_msr_exits(struct entry_fixture *f, uint32_t msr, bool write);
bool fx_vmcs02_port_exits(struct entry_fixture *f, uint16_t port);
/* Invariant 3 of docs/architecture.md on the VMCS02 just built: NULL when it keeps
 * every exit the fixture's L0 policy requires, else what it lost. */
const char *fx_l0_exits_missing(struct entry_fixture *f);

#endif
