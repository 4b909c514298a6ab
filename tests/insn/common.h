/* SPDX-License-Identifier: MIT */
/* Shared set-up for the VMX-instruction tests: a reference host with L1 in
 * 64-bit mode at CPL 0, and helpers that present instructions as hardware
 * would (VM-exit instruction information, SDM 28.2.5). */
#ifndef TEST_INSN_COMMON_H
#define TEST_INSN_COMMON_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>
#include "refhost.h"
#include "core.h"

/* Values typed from the SDM and from nvmx_hw_caps_example's description. */
#define REV 0x4u                 /* VMCS revision identifier (IA32_VMX_BASIC[30:0]) */
#define VMXON_PA 0x1000ull
#define VMCS_A 0x2000ull
#define VMCS_B 0x3000ull
#define OPND 0x8000ull           /* memory operands live here */
#define RIP0 0x100000ull
#define ARITH 0x8d5ull           /* CF PF AF ZF SF OF */
#define IFLAG 0x200ull
#define FL0 (0x2ull | IFLAG | ARITH)
#define FL_SUCCEED (0x2ull | IFLAG)
#define FL_INVALID (0x3ull | IFLAG)    /* CF */
#define FL_VALID (0x42ull | IFLAG)     /* ZF */
#define RAX 0u
#define RCX 1u
#define RDX 2u
#define RBX 3u
#define RSP 4u
#define RBP 5u
#define RSI 6u
#define RDI 7u

static struct refhost h;
static struct nvmx_result r;

static inline void setup_host(void)
{
	cr_assert_eq(refhost_init(&h, 4ull << 20, NULL), NVMX_STATUS_OK);
	refhost_l1_set(&h, NVMX_F_GUEST_RFLAGS, FL0);
	refhost_mem_w32(&h, VMXON_PA, REV);
	refhost_mem_w32(&h, VMCS_A, REV);
	refhost_mem_w32(&h, VMCS_B, REV);
}

static inline void teardown_host(void)
{
	refhost_fini(&h);
}

static inline uint64_t l1(uint32_t f) { return refhost_l1_get(&h, f); }

/* Reset RIP and RFLAGS before each instruction so that checks are exact. */
static inline void rearm(void)
{
	refhost_l1_set(&h, NVMX_F_GUEST_RIP, RIP0);
	refhost_l1_set(&h, NVMX_F_GUEST_RFLAGS, FL0);
}

static inline enum nvmx_status exec_mem(uint32_t reason, uint64_t la)
{
	struct refhost_insn in = { .exit_reason = reason, .mem = true, .la = la };
	rearm();
	return refhost_exec(&h, &in, &r);
}

static inline enum nvmx_status exec_ptr(uint32_t reason, uint64_t pa)
{
	refhost_mem_w64(&h, OPND, pa);
	return exec_mem(reason, OPND);
}

static inline enum nvmx_status exec_noop(uint32_t reason)
{
	struct refhost_insn in = { .exit_reason = reason };
	rearm();
	return refhost_exec(&h, &in, &r);
}

/* A raw exit, for operand-format tests. */
static inline enum nvmx_status exec_raw(uint32_t reason, uint32_t info, uint64_t qual, uint32_t len)
{
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = reason;
	ex.insn_info = info;
	ex.qualification = qual;
	ex.insn_len = len;
	ex.flags = NVMX_INSN_INFO_VALID;
	rearm();
	return nvmx_vcpu_emulate_vmx_insn(h.vcpu, &ex, &r);
}

/* An exit without instruction information: the library decodes the bytes. */
static inline enum nvmx_status exec_bytes(uint32_t reason, const uint8_t *b, unsigned n, uint32_t len)
{
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = reason;
	ex.insn_len = len;
	memcpy(ex.bytes, b, n);
	ex.nbytes = (uint8_t)n;
	rearm();
	return nvmx_vcpu_emulate_vmx_insn(h.vcpu, &ex, &r);
}

/* VMREAD/VMWRITE with register operands: field encoding in RDX. */
static inline enum nvmx_status vmread_reg(uint64_t enc, unsigned dst)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMREAD, .reg1 = dst, .reg2 = RDX };
	h.gpr[RDX] = enc;
	rearm();
	return refhost_exec(&h, &in, &r);
}

static inline enum nvmx_status vmwrite_reg(uint64_t enc, uint64_t val)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMWRITE, .reg1 = RCX, .reg2 = RDX };
	h.gpr[RDX] = enc;
	h.gpr[RCX] = val;
	rearm();
	return refhost_exec(&h, &in, &r);
}

static inline enum nvmx_status vmread_mem(uint64_t enc, uint64_t la)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMREAD, .mem = true, .la = la,
	                           .reg2 = RDX };
	h.gpr[RDX] = enc;
	rearm();
	return refhost_exec(&h, &in, &r);
}

static inline enum nvmx_status vmwrite_mem(uint64_t enc, uint64_t la)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMWRITE, .mem = true, .la = la,
	                           .reg2 = RDX };
	h.gpr[RDX] = enc;
	rearm();
	return refhost_exec(&h, &in, &r);
}

/* INVEPT/INVVPID: type in RCX, descriptor at OPND. */
static inline enum nvmx_status exec_inv(uint32_t reason, uint64_t type, uint64_t lo, uint64_t hi)
{
	struct refhost_insn in = { .exit_reason = reason, .mem = true, .la = OPND, .reg2 = RCX };
	h.gpr[RCX] = type;
	refhost_mem_w64(&h, OPND, lo);
	refhost_mem_w64(&h, OPND + 8, hi);
	rearm();
	return refhost_exec(&h, &in, &r);
}

static inline void do_vmxon(void)
{
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED, "VMXON failed: reason %d", r.reason);
}

static inline void do_vmptrld(uint64_t pa)
{
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, pa), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED, "VMPTRLD failed: reason %d", r.reason);
}

static inline void do_vmwrite(uint64_t enc, uint64_t val)
{
	cr_assert_eq(vmwrite_reg(enc, val), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED, "VMWRITE %#llx failed: reason %d",
	             (unsigned long long)enc, r.reason);
}

static inline void expect_succeed(uint32_t len)
{
	cr_assert_eq(r.action, NVMX_ACTION_RESUME_L1);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED, "outcome %d reason %d", r.outcome, r.reason);
	cr_assert_eq(r.reason, NVMX_REASON_INSN_OK);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL_SUCCEED);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0 + len);
}

static inline void expect_invalid(enum nvmx_reason why, uint32_t len)
{
	cr_assert_eq(r.action, NVMX_ACTION_RESUME_L1);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_VMFAIL_INVALID, "outcome %d reason %d", r.outcome,
	             r.reason);
	cr_assert_eq(r.reason, why, "reason %d", r.reason);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL_INVALID);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0 + len);
}

static inline void expect_valid(uint32_t err, enum nvmx_reason why, uint32_t len)
{
	cr_assert_eq(r.action, NVMX_ACTION_RESUME_L1);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_VMFAIL_VALID, "outcome %d reason %d", r.outcome,
	             r.reason);
	cr_assert_eq(r.vm_insn_error, err);
	cr_assert_eq(r.reason, why, "reason %d", r.reason);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL_VALID);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0 + len);
	cr_assert_not_null(h.vcpu->cur);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_VM_INSTRUCTION_ERROR], err);
}

static inline void expect_fault(uint8_t vector, enum nvmx_reason why)
{
	cr_assert_eq(r.action, NVMX_ACTION_INJECT_L1);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_FAULT, "outcome %d reason %d", r.outcome, r.reason);
	cr_assert_eq(r.fault.vector, vector, "vector %u", r.fault.vector);
	cr_assert_eq(r.reason, why, "reason %d", r.reason);
	if (vector == 13 || vector == 12) {
		cr_assert(r.fault.has_error_code);
		cr_assert_eq(r.fault.error_code, 0);
	}
	if (vector == 6)
		cr_assert_not(r.fault.has_error_code);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL0);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
}

/* Protected mode, 32-bit code, paging on: VMX instructions are allowed, the
 * operand size is 32 bits and segment limits apply. */
static inline void l1_protected32(void)
{
	refhost_l1_set(&h, NVMX_F_GUEST_IA32_EFER, 0);
	refhost_l1_set(&h, NVMX_F_GUEST_CR0, 0x80000031ull); /* PG NE ET PE */
	refhost_l1_set(&h, NVMX_F_GUEST_CR4, NVMX_CR4_VMXE);
	refhost_l1_set(&h, NVMX_F_GUEST_CS_AR_BYTES, 0xb | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G);
}

static inline void set_cpl3(void)
{
	uint64_t ar = l1(NVMX_F_GUEST_SS_AR_BYTES);
	refhost_l1_set(&h, NVMX_F_GUEST_SS_AR_BYTES, ar | (3u << 5));
}

static inline void cap_clear(uint32_t msr, uint64_t bits)
{
	uint64_t v;
	cr_assert_eq(nvmx_vm_get_cap(h.vm, msr, &v), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_set_cap(h.vm, msr, v & ~bits), NVMX_STATUS_OK);
}

#endif
