/* SPDX-License-Identifier: MIT */
/*
 * The L1 test kernels: Multiboot kernels that use VMX as a guest hypervisor
 * would, print one line per case on COM1 between "BEGIN <name>" and
 * "END <name>", and stop the machine. tools/bochs-run.sh runs each bare on
 * Bochs and as L1 under nvmx-l0; the two outputs must agree
 * (tests/l1/allowed-differences.txt).
 */
#ifndef NVMX_L1_H
#define NVMX_L1_H

#include "../../examples/baremetal/rt.h"
#include <nvmx/arch.h>
#include <nvmx/vmcs_fields.h>

#define PAGE_ALIGNED __attribute__((aligned(4096)))

/* The VMX instructions; each returns 0 VMsucceed, 1 VMfailInvalid,
 * 2 VMfailValid (SDM 31.2). */
static inline int vmx_rflags(uint64_t rf)
{
	return (rf & 1) ? 1 : (rf & 0x40) ? 2 : 0;
}
#define VMX_OP1(insn, pa)                                                           \
	({                                                                          \
		uint64_t rf_;                                                       \
		__asm__ volatile(insn " %1; pushfq; popq %0" : "=r"(rf_) : "m"(pa) : "cc", "memory"); \
		vmx_rflags(rf_);                                                    \
	})
static inline int vmxon(uint64_t pa) { return VMX_OP1("vmxon", pa); }
static inline int vmclear(uint64_t pa) { return VMX_OP1("vmclear", pa); }
static inline int vmptrld(uint64_t pa) { return VMX_OP1("vmptrld", pa); }
static inline int vmptrst(uint64_t *pa)
{
	uint64_t rf;
	__asm__ volatile("vmptrst %1; pushfq; popq %0" : "=r"(rf), "=m"(*pa) : : "cc", "memory");
	return vmx_rflags(rf);
}
static inline int vmxoff(void)
{
	uint64_t rf;
	__asm__ volatile("vmxoff; pushfq; popq %0" : "=r"(rf) : : "cc", "memory");
	return vmx_rflags(rf);
}
static inline int vmread(uint64_t field, uint64_t *v)
{
	uint64_t rf;
	__asm__ volatile("vmread %2, %1; pushfq; popq %0" : "=r"(rf), "=r"(*v) : "r"(field) : "cc");
	return vmx_rflags(rf);
}
static inline int vmwrite(uint64_t field, uint64_t v)
{
	uint64_t rf;
	__asm__ volatile("vmwrite %2, %1; pushfq; popq %0" : "=r"(rf) : "r"(field), "r"(v) : "cc");
	return vmx_rflags(rf);
}
static inline int invept(uint64_t type, uint64_t eptp)
{
	uint64_t desc[2] = { eptp, 0 }, rf;
	__asm__ volatile("invept %1, %2; pushfq; popq %0" : "=r"(rf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_rflags(rf);
}
static inline int invvpid(uint64_t type, uint64_t vpid, uint64_t la)
{
	uint64_t desc[2] = { vpid, la }, rf;
	__asm__ volatile("invvpid %1, %2; pushfq; popq %0" : "=r"(rf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_rflags(rf);
}

int l1_vmrun(int launch);
void l1_vmexit(void);

/* l1lib.c */
void serial_init(void);
void begin(const char *name);
__attribute__((noreturn)) void end(const char *name);
uint64_t vr(uint64_t field);               /* VMREAD, 0 on failure */
void vw(uint64_t field, uint64_t v);       /* VMWRITE, a line on failure */
uint32_t vmx_adjust(uint32_t want, uint32_t true_msr, uint32_t msr);
uint64_t vm_error(void);                   /* the VM-instruction error field */
/* Print "<name>: <outcome>" for a VMX instruction result. */
void report(const char *name, int r);
/* VMXON with a fresh region; the VMCS at `vmcs` current with L2 in 64-bit
 * mode on L1's own page tables, EPT on (eptp), L2 at rip with stack rsp. */
void vmx_on(void);
void vmcs_setup(uint64_t vmcs, uint64_t eptp, void (*rip)(void), uint64_t rsp);
/* An EPT12 identity map of the first 1 GiB, 2 MiB pages except the first
 * 2 MiB (4 KiB pages, so that single pages can be taken out). */
uint64_t ept_identity(void);
extern uint64_t *ept_pt0; /* the 4 KiB table of the first 2 MiB */
extern uint8_t vmxon_region[4096];
extern uint8_t probe_page[4096];
extern uint64_t l2_seen;
/* Print the exit information of the last VM exit as one line. */
void exit_line(const char *what);
void skip_insn(void);
/* l1_vmrun plus exit_line (or the VMfail). */
void run(const char *name, int launch);

#endif
