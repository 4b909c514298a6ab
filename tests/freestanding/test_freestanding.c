/* SPDX-License-Identifier: MIT */
/*
 * The freestanding library (libnvmx-freestanding.a, docs/freestanding.md)
 * on the reference host: it emulates VMX instructions the hardware
 * describes with its instruction-information field, and refuses one it
 * would have to decode (no Zydis) with a named reason, changing nothing.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "refhost.h"
#include "../exit/fixture.h"

#define REV 0x4u          /* nvmx_hw_caps_example's revision identifier */
#define VMXON_PA 0x1000ull
#define RIP0 0x100000ull

static struct refhost h;
static struct nvmx_result r;

static void setup(void)
{
	cr_assert_eq(refhost_init(&h, 4ull << 20, NULL), NVMX_STATUS_OK);
	refhost_mem_w32(&h, VMXON_PA, REV);
	refhost_l1_set(&h, NVMX_F_GUEST_RIP, RIP0);
	refhost_l1_set(&h, NVMX_F_GUEST_RFLAGS, 0x2);
}

static void teardown(void)
{
	refhost_fini(&h);
}

TestSuite(freestanding, .init = setup, .fini = teardown);

Test(freestanding, completes_vmxon_described_by_instruction_information)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMXON, .mem = true, .la = 0x8000 };
	refhost_mem_w64(&h, 0x8000, VMXON_PA);
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	cr_assert(nvmx_vcpu_in_vmx_operation(h.vcpu));
	cr_assert_eq(refhost_l1_get(&h, NVMX_F_GUEST_RIP), RIP0 + 5); /* VMXON m64: 5 bytes here */
}

/* VMXON [rbx] (F3 0F C7 33) without instruction information: the normal
 * build decodes it, the freestanding build has no decoder. */
Test(freestanding, refuses_an_instruction_without_information_and_changes_nothing)
{
	static const uint8_t vmxon_rbx[] = { 0xf3, 0x0f, 0xc7, 0x33 };
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = NVMX_EXIT_REASON_VMXON;
	ex.insn_len = sizeof(vmxon_rbx);
	memcpy(ex.bytes, vmxon_rbx, sizeof(vmxon_rbx));
	ex.nbytes = sizeof(vmxon_rbx);
	h.gpr[3] = 0x8000;
	refhost_mem_w64(&h, 0x8000, VMXON_PA);
	uint64_t writes = h.l1_writes;
	cr_assert_eq(nvmx_vcpu_emulate_vmx_insn(h.vcpu, &ex, &r), NVMX_STATUS_NOT_SUPPORTED);
	cr_assert_eq(r.reason, NVMX_REASON_INSN_NO_DECODER);
	cr_assert_str_eq(nvmx_reason_name(r.reason), "INSN_NO_DECODER");
	cr_assert(!nvmx_vcpu_in_vmx_operation(h.vcpu));
	cr_assert_eq(refhost_l1_get(&h, NVMX_F_GUEST_RIP), RIP0);
	cr_assert_eq(refhost_l1_get(&h, NVMX_F_GUEST_RFLAGS), 0x2);
	cr_assert_eq(h.l1_writes, writes);
}

/* An L2 exit L0 emulated (NVMX_L2_EXIT_EMULATED) needs the decoder to
 * describe it to L1: the freestanding library keeps it with L0, with a
 * reason, and L1's VMCS12 is not written. */
Test(freestanding_exit, keeps_an_l0_emulated_exit_with_l0_and_says_why)
{
	struct fx f;
	fx_init(&f);
	static const uint8_t b[] = { 0x0f, 0xc7, 0x70, 0x08 }; /* vmptrld [rax+8] */
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_CS_AR_BYTES, 0xa09b);
	struct nvmx_l2_exit e = fx_exit(NVMX_EXIT_REASON_VMPTRLD);
	e.flags = NVMX_L2_EXIT_EMULATED;
	memcpy(e.bytes, b, sizeof(b));
	e.nbytes = sizeof(b);
	S12(&f, VM_EXIT_REASON) = 0;
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &res), NVMX_STATUS_OK);
	cr_assert_eq(res.action, NVMX_ACTION_L0_EXIT);
	cr_assert_eq(res.reason, NVMX_REASON_EXIT_NO_DECODER);
	cr_assert_eq(S12(&f, VM_EXIT_REASON), 0);
	cr_assert(nvmx_vcpu_in_l2(f.v));
	fx_fini(&f);
}
