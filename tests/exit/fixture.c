/* SPDX-License-Identifier: MIT */
#include "fixture.h"
#include "vmcs12_valid.h"

#include <criterion/criterion.h>
#include <string.h>

static void fx_set12(void *ctx, unsigned idx, uint64_t val)
{
	((struct nvmx_vmcs12 *)ctx)->f[idx] = val;
}

void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	cr_assert_eq(refhost_init(&f->h, 1u << 20, NULL), NVMX_STATUS_OK);
	f->v = f->h.vcpu;
	f->v->vmxon = true;
	f->v->vmxon_ptr = 0x1000;
	cr_assert_eq(nvmx_vmcs12_load(f->v, FX_VMCS12, &f->s), NVMX_STATUS_OK);
	f->v->cur = f->s;
	f->v->current_vmptr = FX_VMCS12;
	f->s->launched = true;
	f->v->in_l2 = true;

	S12(f, MSR_BITMAP) = FX_MSR_BITMAP;
	S12(f, IO_BITMAP_A) = FX_IO_A;
	S12(f, IO_BITMAP_B) = FX_IO_B;
	S12(f, EPTP_LIST_ADDRESS) = FX_EPTP_LIST;
	S12(f, VM_EXIT_CONTROLS) = NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE;
	tsup_vmcs12_host64(fx_set12, f->s);
	S12(f, HOST_FS_SELECTOR) = 0;
	S12(f, HOST_GS_SELECTOR) = 0x18;
	S12(f, HOST_TR_SELECTOR) = 0x40;
	S12(f, HOST_FS_BASE) = 0x7000;
	S12(f, HOST_GS_BASE) = 0x8000;
	S12(f, HOST_TR_BASE) = 0x9000;
	S12(f, HOST_GDTR_BASE) = 0xa000;
	S12(f, HOST_IDTR_BASE) = 0xb000;
	/* L1 ran at another RIP with other state when it entered L2. */
	refhost_l1_set(&f->h, NVMX_F_GUEST_RIP, 0x100000);
	refhost_l1_set(&f->h, NVMX_F_GUEST_RFLAGS, 0x246);
	refhost_l1_set(&f->h, NVMX_F_GUEST_DR7, 0x4ff);
	refhost_l1_set(&f->h, NVMX_F_GUEST_IA32_DEBUGCTL, 1);
	/* L2 state in VMCS02. */
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_RIP, 0x2000);
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_RSP, 0x3000);
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_RFLAGS, 0x202);
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_CR0, 0x80000031);
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_CR4, 0x2020);
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_CR3, 0x6000);
}

void fx_fini(struct fx *f)
{
	refhost_fini(&f->h);
}

void fx_set_bit(struct fx *f, uint64_t gpa, uint32_t bit)
{
	uint8_t b = 0;
	refhost_mem_read(&f->h, gpa + bit / 8, &b, 1);
	b |= (uint8_t)(1u << (bit % 8));
	refhost_mem_write(&f->h, gpa + bit / 8, &b, 1);
}

struct nvmx_l2_exit fx_exit(uint32_t reason)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = reason;
	return e;
}
