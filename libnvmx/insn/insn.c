/* SPDX-License-Identifier: MIT */
/*
 * The VMX instructions L1 executes (SDM vol. 3 chapter 31), each following
 * the order of its Operation section in 31.3. Conventions of 31.2: VMsucceed
 * clears CF PF AF ZF SF OF; VMfailInvalid sets CF; VMfailValid(n) sets ZF and
 * stores n in the current VMCS's VM-instruction error field. VMfail(n) is
 * VMfailValid(n) when there is a current VMCS, VMfailInvalid otherwise.
 *
 * Host-failure rule: every host call that can fail happens before L1's state
 * (VMCS12 cache, vCPU state, registers, RFLAGS, RIP) changes, so a non-OK
 * status leaves L1 as it was.
 */
#include "insn.h"
#include "../entry/entry.h"
#include "../ept/ept.h"
#include "../decode/decode.h"
#include "../exit/exit.h"

#define VMFAIL_INVALID 0u

static void finish(struct nvmx_insn_ctx *c, enum nvmx_outcome outcome, enum nvmx_reason why,
                   uint32_t err)
{
	struct nvmx_vcpu *v = c->v;
	uint64_t fl = nvmx_vmx_outcome_rflags(c->rflags, outcome);
	if (outcome == NVMX_OUTCOME_VMFAIL_VALID)
		nvmx_vmcs12_store(v->cur, NVMX_IDX_VM_INSTRUCTION_ERROR, err);
	nvmx_l1_write(v, NVMX_F_GUEST_RFLAGS, fl);
	uint64_t rip = insn_rip(c) + c->len;
	if (!c->long64)
		rip &= 0xffffffffull;
	nvmx_l1_write(v, NVMX_F_GUEST_RIP, rip);
	c->res->action = NVMX_ACTION_RESUME_L1;
	c->res->outcome = outcome;
	c->res->reason = why;
	c->res->vm_insn_error = outcome == NVMX_OUTCOME_VMFAIL_VALID ? err : 0;
}

static void succeed(struct nvmx_insn_ctx *c)
{
	finish(c, NVMX_OUTCOME_SUCCEED, NVMX_REASON_INSN_OK, 0);
}

static void fail_invalid(struct nvmx_insn_ctx *c, enum nvmx_reason why)
{
	finish(c, NVMX_OUTCOME_VMFAIL_INVALID, why, 0);
}

/* VMfail(err): VMfailValid when a current VMCS exists (SDM 31.2). */
static void vmfail(struct nvmx_insn_ctx *c, uint32_t err, enum nvmx_reason why)
{
	if (c->v->cur)
		finish(c, NVMX_OUTCOME_VMFAIL_VALID, why, err);
	else
		finish(c, NVMX_OUTCOME_VMFAIL_INVALID, why, 0);
}

static void ud(struct nvmx_insn_ctx *c, enum nvmx_reason why)
{
	nvmx_insn_fault(c, NVMX_VEC_UD, false, why);
}

static void gp0(struct nvmx_insn_ctx *c, enum nvmx_reason why)
{
	nvmx_insn_fault(c, NVMX_VEC_GP, true, why);
}

static unsigned cpl(const struct nvmx_insn_ctx *c)
{
	return (c->ss_ar & NVMX_AR_DPL_MASK) >> NVMX_AR_DPL_SHIFT;
}

/* A VMX pointer: 4-KiB aligned and within the physical-address width (SDM 31.3). */
static bool vmx_ptr_ok(const struct nvmx_vcpu *v, uint64_t pa)
{
	unsigned w = nvmx_caps_vmx_addr_width(&v->vm->caps);
	return (pa & 0xfffu) == 0 && (w >= 64 || (pa >> w) == 0);
}

static uint64_t reg_operand(struct nvmx_insn_ctx *c, int8_t reg)
{
	uint64_t x = nvmx_l1_gpr(c->v, (unsigned)reg);
	return c->long64 ? x : (x & 0xffffffffull);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < 8; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
}

static void put_le(uint8_t *p, uint64_t x, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

/* Read the 64-bit memory operand of VMXON/VMCLEAR/VMPTRLD. Returns OK with
 * *pa, GUEST_FAULT (fault in res), or the host's failure. */
static enum nvmx_status read_ptr(struct nvmx_insn_ctx *c, uint64_t *pa)
{
	uint8_t b[8];
	NVMX_CHECK(nvmx_insn_mem_read(c, b, 8));
	*pa = le64(b);
	return NVMX_STATUS_OK;
}

/* ---- VMXON (SDM 31.3) ---- */

static bool fixed_ok(uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	/* Bits set in FIXED0 must be 1; bits clear in FIXED1 must be 0 (A.7, A.8). */
	return (val & fixed0) == fixed0 && (val & ~fixed1) == 0;
}

static enum nvmx_status do_vmxon(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	const struct nvmx_caps *caps = &v->vm->caps;

	if (v->vmxon) {
		if (cpl(c) > 0)
			gp0(c, NVMX_REASON_INSN_GP_CPL);
		else
			vmfail(c, NVMX_VMERR_VMXON_IN_ROOT, NVMX_REASON_INSN_VMFAIL_VMXON_IN_ROOT);
		return NVMX_STATUS_OK;
	}
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return NVMX_STATUS_OK;
	}
	if (!fixed_ok(c->cr0, nvmx_caps_msr(caps, NVMX_MSR_IA32_VMX_CR0_FIXED0),
	              nvmx_caps_msr(caps, NVMX_MSR_IA32_VMX_CR0_FIXED1))) {
		gp0(c, NVMX_REASON_INSN_GP_CR0_FIXED);
		return NVMX_STATUS_OK;
	}
	if (!fixed_ok(insn_cr4(c), nvmx_caps_msr(caps, NVMX_MSR_IA32_VMX_CR4_FIXED0),
	              nvmx_caps_msr(caps, NVMX_MSR_IA32_VMX_CR4_FIXED1))) {
		gp0(c, NVMX_REASON_INSN_GP_CR4_FIXED);
		return NVMX_STATUS_OK;
	}
	uint64_t fc = 0;
	enum nvmx_status s = nvmx_host_l1_msr_read(&v->vm->ops, v->host, NVMX_MSR_IA32_FEATURE_CONTROL, &fc);
	if (s == NVMX_STATUS_NOT_SUPPORTED)
		fc = 0; /* no such MSR for L1: reads as locked-off */
	else if (s != NVMX_STATUS_OK)
		return s;
	/* L1 never runs in SMX operation here: bit 2 (outside SMX) governs. */
	if (!(fc & NVMX_FEATCTL_LOCK) || !(fc & NVMX_FEATCTL_VMX_OUTSIDE_SMX)) {
		gp0(c, NVMX_REASON_INSN_GP_FEATURE_CONTROL);
		return NVMX_STATUS_OK;
	}
	uint64_t pa;
	s = read_ptr(c, &pa);
	if (s == NVMX_STATUS_GUEST_FAULT)
		return NVMX_STATUS_OK;
	NVMX_CHECK(s);
	if (!vmx_ptr_ok(v, pa)) {
		fail_invalid(c, NVMX_REASON_INSN_VMFAIL_VMXON_PTR_INVALID);
		return NVMX_STATUS_OK;
	}
	uint8_t rb[4];
	uint32_t rev;
	s = nvmx_gpa_read(v, pa, rb, 4);
	if (s == NVMX_STATUS_NOT_MAPPED)
		rev = 0xffffffffu; /* nonexistent memory reads as all ones */
	else if (s != NVMX_STATUS_OK)
		return s;
	else
		rev = (uint32_t)rb[0] | (uint32_t)rb[1] << 8 | (uint32_t)rb[2] << 16 |
		      (uint32_t)rb[3] << 24;
	if ((rev & 0x7fffffffu) != nvmx_caps_revision(caps) || (rev >> 31)) {
		fail_invalid(c, NVMX_REASON_INSN_VMFAIL_VMXON_REVISION);
		return NVMX_STATUS_OK;
	}
	v->vmxon = true;
	v->vmxon_ptr = pa;
	v->current_vmptr = NVMX_NO_VMPTR;
	v->cur = NULL;
	succeed(c);
	return NVMX_STATUS_OK;
}

/* ---- VMXOFF ---- */

static enum nvmx_status do_vmxoff(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return NVMX_STATUS_OK;
	}
	/* Write every cached VMCS12 back first (failures leave the cache as it
	 * was), then drop them: flush_all then has nothing left that can fail. */
	for (uint32_t i = 0; i < v->ncache; i++) {
		struct nvmx_vmcs12 *s = &v->cache[i];
		if (s->gpa != NVMX_NO_VMPTR && s->mem_dirty) {
			enum nvmx_status st = nvmx_vmcs12_writeback(v, s);
			if (st == NVMX_STATUS_NOT_MAPPED)
				continue; /* writes to nonexistent memory are lost */
			NVMX_CHECK(st);
		}
	}
	for (uint32_t i = 0; i < v->ncache; i++) {
		v->cache[i].mem_dirty = false;
		v->cache[i].gpa = NVMX_NO_VMPTR;
	}
	NVMX_CHECK(nvmx_vmcs12_flush_all(v));
	v->vmxon = false;
	v->vmxon_ptr = 0;
	v->current_vmptr = NVMX_NO_VMPTR;
	v->cur = NULL;
	succeed(c);
	return NVMX_STATUS_OK;
}

/* The operand checks VMCLEAR and VMPTRLD share (SDM 31.3): CPL, the
 * pointer read from memory, its alignment and width, and not the VMXON
 * pointer. Returns false when the outcome (fault, VMfail) is already set;
 * *st carries a host failure. */
static bool vmcs_ptr_operand(struct nvmx_insn_ctx *c, uint64_t *pa, enum nvmx_status *st,
                             uint32_t err_addr, enum nvmx_reason why_addr,
                             uint32_t err_vmxon, enum nvmx_reason why_vmxon)
{
	*st = NVMX_STATUS_OK;
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return false;
	}
	enum nvmx_status s = read_ptr(c, pa);
	if (s != NVMX_STATUS_OK) {
		if (s != NVMX_STATUS_GUEST_FAULT)
			*st = s;
		return false;
	}
	if (!vmx_ptr_ok(c->v, *pa)) {
		vmfail(c, err_addr, why_addr);
		return false;
	}
	if (*pa == c->v->vmxon_ptr) {
		vmfail(c, err_vmxon, why_vmxon);
		return false;
	}
	return true;
}

/* ---- VMCLEAR ---- */

static enum nvmx_status do_vmclear(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	uint64_t pa;
	enum nvmx_status s;
	if (!vmcs_ptr_operand(c, &pa, &s, NVMX_VMERR_VMCLEAR_INVALID_ADDR, NVMX_REASON_INSN_VMFAIL_VMCLEAR_ADDR,
	                      NVMX_VMERR_VMCLEAR_VMXON_PTR, NVMX_REASON_INSN_VMFAIL_VMCLEAR_VMXON_PTR))
		return s;
	struct nvmx_vmcs12 *slot = nvmx_vmcs12_find(v, pa);
	bool was_launched = slot && slot->launched;
	s = nvmx_vmcs12_clear(v, pa);
	if (s == NVMX_STATUS_NOT_MAPPED) {
		/* L0 backs no RAM there: the hardware's writes would be lost.
		 * The VMCS is no longer active either way. */
		if (slot) {
			if (v->cur == slot)
				v->cur = NULL;
			slot->gpa = NVMX_NO_VMPTR;
			slot->mem_dirty = false;
			slot->launched = false;
		}
	} else if (s != NVMX_STATUS_OK) {
		if (slot)
			slot->launched = was_launched;
		return s;
	}
	if (pa == v->current_vmptr) {
		v->current_vmptr = NVMX_NO_VMPTR;
		v->cur = NULL;
	}
	succeed(c);
	return NVMX_STATUS_OK;
}

/* ---- VMPTRLD ---- */

static enum nvmx_status do_vmptrld(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	const struct nvmx_caps *caps = &v->vm->caps;
	uint64_t pa;
	enum nvmx_status s;
	if (!vmcs_ptr_operand(c, &pa, &s, NVMX_VMERR_VMPTRLD_INVALID_ADDR, NVMX_REASON_INSN_VMFAIL_VMPTRLD_ADDR,
	                      NVMX_VMERR_VMPTRLD_VMXON_PTR, NVMX_REASON_INSN_VMFAIL_VMPTRLD_VMXON_PTR))
		return s;
	struct nvmx_vmcs12 *slot = nvmx_vmcs12_find(v, pa);
	uint32_t rev;
	if (slot) {
		rev = slot->revision;
	} else {
		uint8_t rb[4];
		s = nvmx_gpa_read(v, pa, rb, 4);
		if (s == NVMX_STATUS_NOT_MAPPED) {
			vmfail(c, NVMX_VMERR_VMPTRLD_INVALID_ADDR,
			       NVMX_REASON_INSN_VMFAIL_VMPTRLD_NOT_BACKED);
			return NVMX_STATUS_OK;
		}
		NVMX_CHECK(s);
		rev = (uint32_t)rb[0] | (uint32_t)rb[1] << 8 | (uint32_t)rb[2] << 16 |
		      (uint32_t)rb[3] << 24;
	}
	if ((rev & 0x7fffffffu) != nvmx_caps_revision(caps)) {
		vmfail(c, NVMX_VMERR_VMPTRLD_BAD_REVISION, NVMX_REASON_INSN_VMFAIL_VMPTRLD_REVISION);
		return NVMX_STATUS_OK;
	}
	if ((rev >> 31) && !nvmx_caps_has(caps, NVMX_FEAT_SHADOW_VMCS)) {
		vmfail(c, NVMX_VMERR_VMPTRLD_BAD_REVISION, NVMX_REASON_INSN_VMFAIL_VMPTRLD_SHADOW);
		return NVMX_STATUS_OK;
	}
	/* Let the current VMCS12 be evicted too if the cache needs its slot
	 * (a 1-slot cache); on failure nothing was overwritten. */
	struct nvmx_vmcs12 *old = v->cur;
	struct nvmx_vmcs12 *now = NULL;
	v->cur = NULL;
	s = nvmx_vmcs12_load(v, pa, &now);
	if (s != NVMX_STATUS_OK) {
		v->cur = old;
		if (s == NVMX_STATUS_NOT_MAPPED) {
			vmfail(c, NVMX_VMERR_VMPTRLD_INVALID_ADDR,
			       NVMX_REASON_INSN_VMFAIL_VMPTRLD_NOT_BACKED);
			return NVMX_STATUS_OK;
		}
		return s;
	}
	/* A region just loaded was read a second time: keep the revision
	 * that was checked above, not what the second read found (another L1
	 * vCPU may have changed it in between, the CVE-2021-29657 class). */
	now->revision = rev;
	v->cur = now;
	v->current_vmptr = pa;
	succeed(c);
	return NVMX_STATUS_OK;
}

/* ---- VMPTRST ---- */

static enum nvmx_status do_vmptrst(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return NVMX_STATUS_OK;
	}
	uint8_t b[8];
	put_le(b, v->current_vmptr, 8);
	enum nvmx_status s = nvmx_insn_mem_write(c, b, 8);
	if (s == NVMX_STATUS_GUEST_FAULT)
		return NVMX_STATUS_OK;
	NVMX_CHECK(s);
	c->res->value = v->current_vmptr;
	succeed(c);
	return NVMX_STATUS_OK;
}

/* ---- VMREAD / VMWRITE ---- */

/* The compact index of the field named by the register operand, or -1 when
 * no such component exists for L1 (SDM 31.3: "does not correspond to any
 * VMCS field"; fields of features not offered do not exist, 25.11.2). */
static int field_of(struct nvmx_insn_ctx *c, uint64_t *enc_out)
{
	uint64_t enc = reg_operand(c, c->op.reg2);
	*enc_out = enc;
	int idx = nvmx_field_lookup(enc);
	if (idx < 0 || !nvmx_caps_has(&c->v->vm->caps, nvmx_field_table[idx].feature))
		return -1;
	return idx;
}

/* The checks VMREAD and VMWRITE share, in their Operation sections' order:
 * CPL, a current VMCS, a supported field. Returns the field's compact index,
 * or -1 when the outcome (#GP or VMfail) is already set. */
static int vmrw_field(struct nvmx_insn_ctx *c, uint64_t *enc)
{
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return -1;
	}
	if (!c->v->cur) {
		fail_invalid(c, NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS);
		return -1;
	}
	int idx = field_of(c, enc);
	if (idx < 0)
		vmfail(c, NVMX_VMERR_UNSUPPORTED_FIELD, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD);
	return idx;
}

static enum nvmx_status do_vmread(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	uint64_t enc;
	int idx = vmrw_field(c, &enc);
	if (idx < 0)
		return NVMX_STATUS_OK;
	/* The field's value: the high access type reads bits 63:32 of a 64-bit
	 * field; shorter fields zero-extend, longer ones are truncated to the
	 * 32-bit operand size outside 64-bit mode (31.3 VMREAD). */
	NVMX_CHECK(nvmx_sync_lazy_field(v, (unsigned)idx)); /* lazy L2 state (vmcs/sync.h) */
	uint64_t val = v->cur->f[idx] & nvmx_field_mask((uint32_t)enc);
	if (NVMX_FIELD_ACCESS_HIGH((uint32_t)enc))
		val >>= 32;
	if (c->op_bytes == 4)
		val &= 0xffffffffull;
	if (c->op.mem) {
		uint8_t b[8];
		put_le(b, val, c->op_bytes);
		enum nvmx_status s = nvmx_insn_mem_write(c, b, c->op_bytes);
		if (s == NVMX_STATUS_GUEST_FAULT)
			return NVMX_STATUS_OK;
		NVMX_CHECK(s);
	} else {
		nvmx_l1_set_gpr(v, (unsigned)c->op.reg1, val);
	}
	c->res->value = val;
	succeed(c);
	return NVMX_STATUS_OK;
}

static enum nvmx_status do_vmwrite(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	uint64_t enc;
	int idx = vmrw_field(c, &enc);
	if (idx < 0)
		return NVMX_STATUS_OK;
	uint64_t misc = nvmx_caps_msr(&v->vm->caps, NVMX_MSR_IA32_VMX_MISC);
	if (nvmx_field_is_exit_info((uint32_t)enc) && !(misc & NVMX_MISC_VMWRITE_ANY)) {
		vmfail(c, NVMX_VMERR_VMWRITE_READ_ONLY, NVMX_REASON_INSN_VMFAIL_READ_ONLY_FIELD);
		return NVMX_STATUS_OK;
	}
	uint64_t src;
	if (c->op.mem) {
		uint8_t b[8] = { 0 };
		enum nvmx_status s = nvmx_insn_mem_read(c, b, c->op_bytes);
		if (s == NVMX_STATUS_GUEST_FAULT)
			return NVMX_STATUS_OK;
		NVMX_CHECK(s);
		src = le64(b);
	} else {
		src = reg_operand(c, c->op.reg1);
	}
	/* A shorter field ignores the source's high bits; a longer one gets
	 * its high bits cleared (31.3 VMWRITE). The high access type writes
	 * only bits 63:32 of the 64-bit field. */
	uint64_t val;
	if (NVMX_FIELD_ACCESS_HIGH((uint32_t)enc))
		val = (v->cur->f[idx] & 0xffffffffull) | (src << 32);
	else
		val = src & nvmx_field_mask((uint32_t)enc);
	nvmx_vmcs12_set(v->cur, (unsigned)idx, val);
	succeed(c);
	return NVMX_STATUS_OK;
}

/* ---- VMLAUNCH / VMRESUME (pre-entry part) ---- */

/*
 * L1's registers every instruction needs (CPL, mode, operand size, RFLAGS),
 * in one batch; VMLAUNCH/VMRESUME add interruptibility (MOV-SS blocking,
 * SDM 31.3) and IA32_PAT when L2 inherits it (no "load IA32_PAT", SDM
 * 27.3.2.1), so that the entry reads nothing of L1 itself.
 */
static void read_l1_mode(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	static const uint32_t f[7] = { NVMX_F_GUEST_CR0, NVMX_F_GUEST_IA32_EFER, NVMX_F_GUEST_RFLAGS,
	                               NVMX_F_GUEST_CS_AR_BYTES, NVMX_F_GUEST_SS_AR_BYTES,
	                               NVMX_F_GUEST_INTERRUPTIBILITY_INFO, NVMX_F_GUEST_IA32_PAT };
	uint64_t val[7] = { 0 };
	unsigned n = 5;
	uint32_t r = c->ex->exit_reason;
	if (r == NVMX_EXIT_REASON_VMLAUNCH || r == NVMX_EXIT_REASON_VMRESUME) {
		n = 6;
		c->have_pat = v->cur && nvmx_entry_l2_inherits_pat(v, v->cur);
		if (c->have_pat)
			n = 7;
	}
	nvmx_l1_read_n(v, f, val, n);
	c->cr0 = val[0];
	c->efer = val[1];
	c->rflags = val[2];
	c->cs_ar = (uint32_t)val[3];
	c->ss_ar = (uint32_t)val[4];
	c->intr = val[5];
	c->pat = val[6];
}

static enum nvmx_status do_vmentry(struct nvmx_insn_ctx *c, bool launch)
{
	struct nvmx_vcpu *v = c->v;
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return NVMX_STATUS_OK;
	}
	if (!v->cur) {
		fail_invalid(c, NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS);
		return NVMX_STATUS_OK;
	}
	/* A shadow VMCS cannot be entered (SDM 25.10: VMfailInvalid). */
	if (v->cur->revision >> 31) {
		fail_invalid(c, NVMX_REASON_INSN_VMFAIL_SHADOW_VMLAUNCH);
		return NVMX_STATUS_OK;
	}
	if (c->intr & 2u) {
		vmfail(c, NVMX_VMERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS,
		       NVMX_REASON_INSN_VMFAIL_MOV_SS_BLOCKING);
		return NVMX_STATUS_OK;
	}
	if (launch && v->cur->launched) {
		vmfail(c, NVMX_VMERR_VMLAUNCH_NONCLEAR, NVMX_REASON_INSN_VMFAIL_VMLAUNCH_NOT_CLEAR);
		return NVMX_STATUS_OK;
	}
	if (!launch && !v->cur->launched) {
		vmfail(c, NVMX_VMERR_VMRESUME_NONLAUNCHED,
		       NVMX_REASON_INSN_VMFAIL_VMRESUME_NOT_LAUNCHED);
		return NVMX_STATUS_OK;
	}
	c->res->reason = NVMX_REASON_INSN_VMLAUNCH_CHECKS_NEXT;
	struct nvmx_entry_l1 l1 = { .efer = c->efer, .cr0 = c->cr0, .pat = c->pat,
	                            .pat_known = c->have_pat, .traced = true };
	/* L1's registers just read are VMCS01's until L1 runs again. */
	const uint64_t mode[7] = { c->cr0, c->efer, c->rflags, c->cs_ar, c->ss_ar, c->intr, c->pat };
	nvmx_exit_l1k_entering(v, mode, c->have_pat);
	enum nvmx_status est = nvmx_entry_enter_l1(v, launch, &l1, c->res);
	if (!v->in_l2)
		nvmx_exit_l1k_resumed(v);
	NVMX_CHECK(est);
	/* The entry module sets the error number and RFLAGS of VMfailValid(7/8)
	 * but cannot know the instruction length: advance RIP here. */
	if (c->res->outcome == NVMX_OUTCOME_VMFAIL_VALID) {
		uint64_t rip = insn_rip(c) + c->len;
		nvmx_l1_write(v, NVMX_F_GUEST_RIP, c->long64 ? rip : rip & 0xffffffffull);
	}
	return NVMX_STATUS_OK;
}

/* ---- INVEPT / INVVPID ---- */

/* SDM 31.3 INVEPT: the EPTP checks of VM entry (caps.h, the one rule). */
static bool eptp_ok(const struct nvmx_vcpu *v, uint64_t eptp)
{
	return nvmx_caps_eptp_check(&v->vm->caps, eptp) == NVMX_REASON_NONE;
}

static enum nvmx_status do_invept(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	uint64_t cap = nvmx_caps_msr(&v->vm->caps, NVMX_MSR_IA32_VMX_EPT_VPID_CAP);
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return NVMX_STATUS_OK;
	}
	uint64_t type = reg_operand(c, c->op.reg2);
	if (!((type == 1 && (cap & NVMX_EPT_CAP_INVEPT_SINGLE)) ||
	      (type == 2 && (cap & NVMX_EPT_CAP_INVEPT_ALL)))) {
		vmfail(c, NVMX_VMERR_INVALID_INVEPT_INVVPID, NVMX_REASON_INSN_VMFAIL_INVALID_INVEPT_TYPE);
		return NVMX_STATUS_OK;
	}
	uint8_t d[16];
	enum nvmx_status s = nvmx_insn_mem_read(c, d, 16);
	if (s == NVMX_STATUS_GUEST_FAULT)
		return NVMX_STATUS_OK;
	NVMX_CHECK(s);
	uint64_t eptp = le64(d);
	if (type == 1 && !eptp_ok(v, eptp)) {
		vmfail(c, NVMX_VMERR_INVALID_INVEPT_INVVPID, NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP);
		return NVMX_STATUS_OK;
	}
	NVMX_CHECK(nvmx_ept_invept(v, type, eptp));
	succeed(c);
	return NVMX_STATUS_OK;
}

static enum nvmx_status do_invvpid(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	uint64_t cap = nvmx_caps_msr(&v->vm->caps, NVMX_MSR_IA32_VMX_EPT_VPID_CAP);
	static const uint64_t type_bit[4] = { NVMX_VPID_CAP_INVVPID_ADDR, NVMX_VPID_CAP_INVVPID_SINGLE,
	                                      NVMX_VPID_CAP_INVVPID_ALL,
	                                      NVMX_VPID_CAP_INVVPID_SINGLE_NONGLOBAL };
	if (cpl(c) > 0) {
		gp0(c, NVMX_REASON_INSN_GP_CPL);
		return NVMX_STATUS_OK;
	}
	uint64_t type = reg_operand(c, c->op.reg2);
	if (type > 3 || !(cap & type_bit[type])) {
		vmfail(c, NVMX_VMERR_INVALID_INVEPT_INVVPID,
		       NVMX_REASON_INSN_VMFAIL_INVALID_INVVPID_TYPE);
		return NVMX_STATUS_OK;
	}
	uint8_t d[16];
	enum nvmx_status s = nvmx_insn_mem_read(c, d, 16);
	if (s == NVMX_STATUS_GUEST_FAULT)
		return NVMX_STATUS_OK;
	NVMX_CHECK(s);
	uint64_t lo = le64(d), la = le64(d + 8);
	uint16_t vpid = (uint16_t)lo;
	if (lo >> 16) {
		vmfail(c, NVMX_VMERR_INVALID_INVEPT_INVVPID,
		       NVMX_REASON_INSN_VMFAIL_INVVPID_DESC_RSVD);
		return NVMX_STATUS_OK;
	}
	if (type != 2 && vpid == 0) {
		vmfail(c, NVMX_VMERR_INVALID_INVEPT_INVVPID, NVMX_REASON_INSN_VMFAIL_INVVPID_VPID_ZERO);
		return NVMX_STATUS_OK;
	}
	if (type == 0 && !nvmx_insn_canonical(c, la)) {
		vmfail(c, NVMX_VMERR_INVALID_INVEPT_INVVPID,
		       NVMX_REASON_INSN_VMFAIL_INVVPID_NONCANONICAL);
		return NVMX_STATUS_OK;
	}
	NVMX_CHECK(nvmx_vpid_invvpid(v, type, vpid, la));
	succeed(c);
	return NVMX_STATUS_OK;
}

/* ---- dispatch ---- */

static enum nvmx_status do_vmlaunch(struct nvmx_insn_ctx *c)
{
	return do_vmentry(c, true);
}

static enum nvmx_status do_vmresume(struct nvmx_insn_ctx *c)
{
	return do_vmentry(c, false);
}

/*
 * The VMX instructions (SDM 31.3). sync_lazy: guest state a reflected exit
 * left in VMCS02 (vmcs/sync.h) must be in VMCS12 before the instruction
 * reads or changes VMCS12 other than field by field; VMREAD and VMWRITE
 * work field by field, VMPTRST touches no VMCS12, and VM entry decides
 * itself whether the state can stay in VMCS02 (entry.c, rare_trusted).
 */
#define D(r, fn, cl, fm, gt, sy) \
	[NVMX_EXIT_REASON_##r] = { fn, NVMX_IC_##cl, NVMX_FORM_##fm, NVMX_GATE_##gt, sy }
static const struct nvmx_insn_desc insn_table[] = {
	D(VMCLEAR, do_vmclear, VMCLEAR, MEM, NONE, true),
	D(VMLAUNCH, do_vmlaunch, VMLAUNCH, NONE, NONE, false),
	D(VMPTRLD, do_vmptrld, VMPTRLD, MEM, NONE, true),
	D(VMPTRST, do_vmptrst, VMPTRST, MEM, NONE, false),
	D(VMREAD, do_vmread, VMREAD, RM_REG, NONE, false),
	D(VMRESUME, do_vmresume, VMRESUME, NONE, NONE, false),
	D(VMWRITE, do_vmwrite, VMWRITE, RM_REG, NONE, false),
	D(VMXOFF, do_vmxoff, VMXOFF, NONE, NONE, true),
	D(VMXON, do_vmxon, VMXON, MEM, NONE, true),
	D(INVEPT, do_invept, INVEPT, REG_MEM, INVEPT, true),
	D(INVVPID, do_invvpid, INVVPID, REG_MEM, INVVPID, true),
};
#undef D

const struct nvmx_insn_desc *nvmx_insn_desc(uint32_t reason)
{
	if (reason >= NVMX_ARRAY_SIZE(insn_table) || !insn_table[reason].handler)
		return NULL;
	return &insn_table[reason];
}

/* Whether L1 is offered the instruction (31.3: #UD otherwise). */
static bool offered(const struct nvmx_vcpu *v, const struct nvmx_insn_desc *d)
{
	const struct nvmx_caps *caps = &v->vm->caps;
	uint64_t cap = nvmx_caps_msr(caps, NVMX_MSR_IA32_VMX_EPT_VPID_CAP);
	if (d->gate == NVMX_GATE_INVEPT)
		return nvmx_caps_has(caps, NVMX_FEAT_EPT) && (cap & NVMX_EPT_CAP_INVEPT);
	if (d->gate == NVMX_GATE_INVVPID)
		return nvmx_caps_has(caps, NVMX_FEAT_VPID) && (cap & NVMX_VPID_CAP_INVVPID);
	return true;
}

static enum nvmx_status dispatch(struct nvmx_insn_ctx *c)
{
	struct nvmx_vcpu *v = c->v;
	uint32_t reason = c->ex->exit_reason;
	const struct nvmx_insn_desc *d = nvmx_insn_desc(reason);
	if (!d)
		return NVMX_STATUS_BAD_INSTRUCTION;

	/* #UD conditions (one IF in every Operation section of 31.3). */
	bool vmxon = reason == NVMX_EXIT_REASON_VMXON;
	if (vmxon ? !(insn_cr4(c) & NVMX_CR4_VMXE) : !v->vmxon) {
		ud(c, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
		return NVMX_STATUS_OK;
	}
	if (!(c->cr0 & NVMX_CR0_PE) || (c->rflags & NVMX_RFLAGS_VM)) {
		ud(c, NVMX_REASON_INSN_UD_REAL_OR_V86);
		return NVMX_STATUS_OK;
	}
	if ((c->efer & NVMX_EFER_LMA) && !(c->cs_ar & NVMX_AR_L)) {
		ud(c, NVMX_REASON_INSN_UD_COMPAT_MODE);
		return NVMX_STATUS_OK;
	}
	if (!offered(v, d)) {
		ud(c, NVMX_REASON_INSN_UD_FEATURE_NOT_OFFERED);
		return NVMX_STATUS_OK;
	}
	NVMX_CHECK(nvmx_insn_get_operands(c));
	if (d->sync_lazy)
		NVMX_CHECK(nvmx_sync_lazy_all(v));
	if ((d->form == NVMX_FORM_MEM || d->form == NVMX_FORM_REG_MEM) && !c->op.mem) {
		ud(c, NVMX_REASON_INSN_UD_BAD_ENCODING);
		return NVMX_STATUS_OK;
	}

	return d->handler(c);
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_emulate_vmx_insn(struct nvmx_vcpu *v,
                                                const struct nvmx_insn_exit *ex,
                                                struct nvmx_result *res)
{
	if (!v || !ex || !res)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct nvmx_insn_exit exl;
	NVMX_CHECK(nvmx_abi_load(&exl, sizeof(exl), ex, offsetof(struct nvmx_insn_exit, reserved)));
	if (exl.reserved0 || !NVMX_RESERVED_ZERO(&exl, reserved))
		return NVMX_STATUS_INVALID_ARGUMENT;
	ex = &exl;
	nvmx_memset(res, 0, sizeof(*res));
	if (v->in_l2)
		return NVMX_STATUS_WRONG_STATE;
	if (!nvmx_insn_desc(ex->exit_reason))
		return NVMX_STATUS_BAD_INSTRUCTION;

	struct nvmx_insn_ctx c;
	nvmx_memset(&c, 0, sizeof(c));
	c.v = v;
	c.ex = ex;
	c.res = res;
	read_l1_mode(&c);
	c.long64 = (c.efer & NVMX_EFER_LMA) && (c.cs_ar & NVMX_AR_L);
	c.op_bytes = c.long64 ? 8 : 4;

	enum nvmx_status s = dispatch(&c);
	if (s != NVMX_STATUS_OK) {
		/* entry_enter may have filled *res; a host failure reports none. */
		nvmx_memset(res, 0, sizeof(*res));
		res->reason = s == NVMX_STATUS_NOT_SUPPORTED ? NVMX_REASON_INSN_NO_DECODER
		                                             : NVMX_REASON_INSN_HOST_FAILURE;
		return s;
	}
	nvmx_trace(v, NVMX_TRACE_INSN, res->reason, ex->exit_reason, res->outcome);
	return NVMX_STATUS_OK;
}
