/* SPDX-License-Identifier: MIT */
/*
 * nvmx-l0: a bare-metal L0 hypervisor that links the freestanding libnvmx
 * and runs one Multiboot kernel as L1 (docs/bare-metal-l0.md).
 */
#ifndef NVMX_L0_H
#define NVMX_L0_H

#include "../baremetal/rt.h"
#include <nvmx/nvmx.h>

/* L0 keeps [L0_BASE, L0_END) for itself: its image, its page pool (VMXON
 * region, VMCS01/02, EPT01, bitmaps, the library's pages and bookkeeping)
 * and the staged GRUB modules. EPT01 does not map it, so L1 never sees it. */
#define L0_BASE 0x1C000000ul
/* L0_END: the end of the RAM range (memory map) that holds L0_BASE, at
 * most 512 MiB, rounded down to 2 MiB (EPT01's page size there); firmware
 * ranges above it (ACPI tables) stay L1's. Set by kernel_main. */
#define L0_END (l0.end)
#define L0_END_MAX 0x20000000ul
/* EPT01 maps L1 physical addresses below this (RAM below L0_BASE as
 * write-back, L0_END up to 4 GiB as uncached device space). */
#define L1_PHYS_TOP 0x100000000ull

#define NVMX_UNUSED_HOST(x) ((void)(x))

struct l0_state {
	uint64_t end;                   /* L0_END */
	uint64_t vmxon_pa, vmcs01, vmcs02, cur_vmcs;
	uint64_t eptp01;
	uint8_t *msr_bitmap, *io_a, *io_b;
	bool in_l2, vmcs02_launched;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t cr0_mask, cr4_mask;
	struct nvmx_hw_caps hw;
	struct nvmx_vm *vm;
	struct nvmx_vcpu *vcpu;
	bool verbose, stats;
	uint64_t pending_cr2;
	bool have_cr2;
	/* the cost report (docs/bare-metal-l0.md "Cost report") */
	bool rt_open;
	uint32_t rt_reason;
	uint64_t rt_start, rt_l0, rt_handler_start;
	uint32_t rt_l1_exits[64];
	bool stats_printed;
	uint64_t tsc_per_kinsn;
};

extern struct l0_state l0;
extern uint64_t l0_gprs[16];

/* host.c: the nvmx host callbacks over the real VMX hardware. */
void l0_host_ops(struct nvmx_host_ops *ops);
void l0_use_vmcs(uint64_t pa);
uint64_t l0_vmread(uint64_t field);
void l0_vmwrite(uint64_t field, uint64_t v);
uint64_t l0_l1_cr_read(uint32_t field);
void l0_l1_cr_write(uint32_t field, uint64_t v);
enum nvmx_status l0_l1_lin(uint64_t la, void *buf, size_t len, bool write,
                           struct nvmx_fault *fault);
bool l0_l1_ram(uint64_t gpa, uint64_t len);

/* Page pool and bookkeeping memory, inside L0's region. */
void *l0_page_alloc(void);
void l0_page_free(void *p);
void *l0_alloc(size_t size);
void l0_free(void *p, size_t size);

__attribute__((noreturn)) void l0_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void l0_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void l0_dump_vmcs(void);

#endif
