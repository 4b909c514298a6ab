/* SPDX-License-Identifier: MIT */
#include "entry_fixture.h"
#include "vmcs12_valid.h"
#include "vmx_on.h"

#include <stdlib.h>
#include <string.h>

uint64_t fx_cap(struct entry_fixture *f, uint32_t msr)
{
	uint64_t v = 0;
	nvmx_vm_get_cap(f->h.vm, msr, &v);
	return v;
}

/* Allowed-0 bits of a control (TRUE MSR: the example host sets BASIC[55]). */
static uint32_t a0(struct entry_fixture *f, uint32_t true_msr)
{
	return (uint32_t)fx_cap(f, true_msr);
}

static void fx_set_cb(void *ctx, unsigned idx, uint64_t val)
{
	nvmx_vmcs12_set(ctx, idx, val);
}

void fx_baseline(struct entry_fixture *f)
{
	struct nvmx_vmcs12 *s = f->s;
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++)
		nvmx_vmcs12_set(s, i, 0);
	tsup_vmcs12_valid(f->h.vm, fx_set_cb, s);
#define S(name, v) nvmx_vmcs12_set(s, NVMX_IDX_##name, (v))
	/* What the entry tests add to the shared baseline: NMI and HLT
	 * exiting, the MSR bitmap, CR masks, and a kernel-like layout. */
	S(PIN_BASED_VM_EXEC_CONTROL, a0(f, NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS) |
	                                     NVMX_PIN_EXT_INTR_EXITING | NVMX_PIN_NMI_EXITING);
	S(CPU_BASED_VM_EXEC_CONTROL, a0(f, NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS) |
	                                     NVMX_PROC_HLT_EXITING | NVMX_PROC_USE_MSR_BITMAPS |
	                                     NVMX_PROC_SECONDARY_CONTROLS);
	S(MSR_BITMAP, FX_MSR_BITMAP);
	S(EXCEPTION_BITMAP, 1u << 6);
	S(CR0_GUEST_HOST_MASK, NVMX_CR0_PE | NVMX_CR0_PG);
	S(CR0_READ_SHADOW, 0x80000011ull);
	S(CR4_GUEST_HOST_MASK, NVMX_CR4_VMXE);
	S(CR4_READ_SHADOW, NVMX_CR4_PAE);
	S(HOST_CR3, FX_HOST_CR3);
	S(HOST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE | (1ull << 9) | (1ull << 10));
	S(HOST_TR_BASE, 0xffff888000010000ull);
	S(HOST_GDTR_BASE, 0xffff888000011000ull);
	S(HOST_IDTR_BASE, 0xffff888000012000ull);
	S(HOST_RIP, 0xffffffff81000000ull);
	S(HOST_RSP, 0xffffc90000008000ull);
	S(GUEST_CR0, 0x80050033ull);
	S(GUEST_CR3, FX_GUEST_CR3);
	S(GUEST_RFLAGS, 0x202);
	S(GUEST_RIP, 0x400000);
	S(GUEST_RSP, 0x7ff000);
	S(GUEST_CS_SELECTOR, 0x08);
	S(GUEST_SS_SELECTOR, 0x10);
	static const unsigned data[] = { NVMX_IDX_GUEST_ES_SELECTOR, NVMX_IDX_GUEST_SS_SELECTOR,
	                                 NVMX_IDX_GUEST_DS_SELECTOR, NVMX_IDX_GUEST_FS_SELECTOR,
	                                 NVMX_IDX_GUEST_GS_SELECTOR };
	for (unsigned i = 0; i < 5; i++) {
		unsigned seg = data[i] - NVMX_IDX_GUEST_ES_SELECTOR;
		nvmx_vmcs12_set(s, data[i], 0x10);
		nvmx_vmcs12_set(s, NVMX_IDX_GUEST_ES_AR_BYTES + seg, 0xc093);
		nvmx_vmcs12_set(s, NVMX_IDX_GUEST_ES_LIMIT + seg, 0xffffffff);
	}
	S(GUEST_TR_SELECTOR, 0x18);
	S(GUEST_GDTR_LIMIT, 0x27);
	S(GUEST_IDTR_LIMIT, 0xfff);
	S(GUEST_IA32_PAT, 0x0007040600070406ull);
	S(GUEST_IA32_EFER, NVMX_EFER_LMA | NVMX_EFER_LME | NVMX_EFER_SCE);
#undef S
}

int fx_init(struct entry_fixture *f)
{
	memset(f, 0, sizeof(*f));
	if (refhost_init(&f->h, FX_MEM, NULL) != NVMX_STATUS_OK)
		return -1;
	f->v = f->h.vcpu;
	refhost_mem_w32(&f->h, FX_VMXON, 4);
	refhost_mem_w32(&f->h, FX_VMCS12, 4);
	/* VMXON and VMPTRLD as L1 executes them (tests/support/vmx_on.h). */
	if (tsup_vmx_on(&f->h, FX_OPERAND, FX_VMXON, FX_VMCS12) != 0)
		return -1;
	f->s = f->v->cur;
	nvmx_l0_policy_default(&f->pol);
	f->pol.eptp01 = FX_EPTP01;
	f->l0_msr[FX_L0_MSR_READ / 8] |= 1u << (FX_L0_MSR_READ % 8);
	f->l0_msr[3072 + (FX_L0_MSR_WRITE_HI & 0x1fff) / 8] |= 1u << (FX_L0_MSR_WRITE_HI % 8);
	f->l0_io_a[FX_L0_PORT / 8] |= 1u << (FX_L0_PORT % 8);
	f->pol.msr_bitmap = f->l0_msr;
	f->pol.io_bitmap_a = f->l0_io_a;
	f->pol.io_bitmap_b = f->l0_io_b;
	if (nvmx_vcpu_set_l0_policy(f->v, &f->pol) != NVMX_STATUS_OK)
		return -1;
	hwcheck_set_l0_host_state(&f->h);
	fx_baseline(f);
	return 0;
}

void fx_reset(struct entry_fixture *f)
{
	memset(f->h.mem, 0, f->h.mem_size);
	f->h.nranges = 0;
	f->h.nmsrs = 0;
	/* The hardware VMCS02 is cleared below: the library must not keep
	 * believing it holds what the last input wrote (a field this input's
	 * entries do not write would otherwise stay "written" but be 0). */
	nvmx_vcpu_vmcs02_reset(f->v);
	memset(f->h.vmcs02, 0, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
	refhost_l1_long_mode(&f->h);
	refhost_mem_w32(&f->h, FX_VMXON, 4);
	refhost_mem_w32(&f->h, FX_VMCS12, 4);
	f->v->in_l2 = false;
	f->s->launched = false;
	nvmx_l0_policy_default(&f->pol);
	f->pol.eptp01 = FX_EPTP01;
	f->pol.msr_bitmap = f->l0_msr;
	f->pol.io_bitmap_a = f->l0_io_a;
	f->pol.io_bitmap_b = f->l0_io_b;
	nvmx_vcpu_set_l0_policy(f->v, &f->pol);
	hwcheck_set_l0_host_state(&f->h);
	fx_baseline(f);
}

void fx_fini(struct entry_fixture *f)
{
	refhost_fini(&f->h);
}

enum nvmx_status fx_enter(struct entry_fixture *f, bool launch, struct nvmx_result *res)
{
	return nvmx_entry_enter(f->v, launch, res);
}

void fx_exit_to_l1(struct entry_fixture *f)
{
	f->v->in_l2 = false;
}

static uint64_t vmcs02(struct entry_fixture *f, uint32_t field)
{
	return refhost_vmcs02_get(&f->h, field);
}

/* Reads the merged page back through the host's page list. */
static const uint8_t *page_of(struct entry_fixture *f, uint64_t hpa)
{
	for (unsigned i = 0; i < f->h.npages; i++)
		if (f->h.pages[i].hpa == hpa)
			return f->h.pages[i].va;
	return NULL;
}

bool fx_vmcs02_msr_exits(struct entry_fixture *f, uint32_t msr, bool write)
{
	uint32_t proc = (uint32_t)vmcs02(f, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	if (!(proc & NVMX_PROC_USE_MSR_BITMAPS))
		return true;
	const uint8_t *p = page_of(f, vmcs02(f, NVMX_F_MSR_BITMAP));
	if (!p)
		return true;
	unsigned off;
	if (msr <= 0x1fff)
		off = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		off = 1024;
	else
		return true;
	off += write ? 2048 : 0;
	unsigned bit = msr & 0x1fff;
	return (p[off + bit / 8] >> (bit % 8)) & 1u;
}

bool fx_vmcs02_port_exits(struct entry_fixture *f, uint16_t port)
{
	uint32_t proc = (uint32_t)vmcs02(f, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	if (!(proc & NVMX_PROC_USE_IO_BITMAPS))
		return (proc & NVMX_PROC_UNCOND_IO_EXITING) != 0;
	const uint8_t *p = page_of(f, vmcs02(f, port < 0x8000 ? NVMX_F_IO_BITMAP_A : NVMX_F_IO_BITMAP_B));
	if (!p)
		return true;
	unsigned b = port & 0x7fff;
	return (p[b / 8] >> (b % 8)) & 1u;
}

const char *fx_l0_exits_missing(struct entry_fixture *f)
{
	const struct nvmx_l0_policy *p = &f->pol;
	uint64_t pin = refhost_vmcs02_get(&f->h, NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
	uint64_t proc = refhost_vmcs02_get(&f->h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	uint64_t eb = refhost_vmcs02_get(&f->h, NVMX_F_EXCEPTION_BITMAP);
	if ((pin & p->pin_set) != p->pin_set)
		return "pin controls";
	/* Bitmap and secondary-control bits are derived, not copied. */
	uint32_t derived = NVMX_PROC_USE_MSR_BITMAPS | NVMX_PROC_USE_IO_BITMAPS |
	                   NVMX_PROC_UNCOND_IO_EXITING | NVMX_PROC_SECONDARY_CONTROLS;
	if ((proc & (p->proc_set & ~derived)) != (p->proc_set & ~derived))
		return "processor-based controls";
	if ((eb & p->exception_bitmap) != p->exception_bitmap)
		return "exception bitmap";
	if ((p->exception_bitmap & (1u << 14)) &&
	    (refhost_vmcs02_get(&f->h, NVMX_F_PAGE_FAULT_ERROR_CODE_MASK) ||
	     refhost_vmcs02_get(&f->h, NVMX_F_PAGE_FAULT_ERROR_CODE_MATCH)))
		return "#PF filter";
	if ((refhost_vmcs02_get(&f->h, NVMX_F_CR0_GUEST_HOST_MASK) & p->cr0_mask) != p->cr0_mask ||
	    (refhost_vmcs02_get(&f->h, NVMX_F_CR4_GUEST_HOST_MASK) & p->cr4_mask) != p->cr4_mask)
		return "CR masks";
	if (!fx_vmcs02_msr_exits(f, FX_L0_MSR_READ, false) ||
	    !fx_vmcs02_msr_exits(f, FX_L0_MSR_WRITE_HI, true))
		return "MSR bitmap";
	if (!fx_vmcs02_port_exits(f, FX_L0_PORT))
		return "I/O bitmap";
	return NULL;
}
