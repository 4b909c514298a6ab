/* SPDX-License-Identifier: MIT */
/*
 * Operands of the VMX instructions: where they are (VM-exit instruction
 * information, SDM 28.2.5, or the decoded bytes) and how L1's memory operand
 * is reached (effective address, segmentation, then the host's linear
 * access).
 */
#include "insn.h"
#include "../decode/decode.h"

/* Instruction-information field bits (SDM 28.2.5): nvmx/arch.h. */
#define INFO_SCALE(i) NVMX_INSN_INFO_GET(i, SCALE)
#define INFO_REG1(i) NVMX_INSN_INFO_GET(i, REG1)
#define INFO_ASIZE(i) NVMX_INSN_INFO_GET(i, ASIZE)
#define INFO_REG_OPERAND NVMX_INSN_INFO_REG_OPERAND
#define INFO_SEG(i) NVMX_INSN_INFO_GET(i, SEG)
#define INFO_INDEX(i) NVMX_INSN_INFO_GET(i, INDEX)
#define INFO_INDEX_INVALID NVMX_INSN_INFO_INDEX_INVALID
#define INFO_BASE(i) NVMX_INSN_INFO_GET(i, BASE)
#define INFO_BASE_INVALID NVMX_INSN_INFO_BASE_INVALID
#define INFO_REG2(i) NVMX_INSN_INFO_GET(i, REG2)

static enum nvmx_status from_info(struct nvmx_insn_ctx *c)
{
	uint32_t info = c->ex->insn_info;
	struct nvmx_insn_operands *op = &c->op;
	const struct nvmx_insn_desc *desc = nvmx_insn_desc(c->ex->exit_reason);
	static const uint8_t asz[3] = { 2, 4, 8 };

	/* With a register operand (bit 10), the address size, segment, index
	 * and base fields are undefined (SDM 28.2.5, Table 28-13/28-14): real
	 * processors leave them arbitrary (Bochs writes address size 0 in
	 * 64-bit mode), so they are checked only for a memory operand. */
	bool reg_form = (info & INFO_REG_OPERAND) && desc->form == NVMX_FORM_RM_REG;
	if (!reg_form) {
		if (INFO_ASIZE(info) > 2 || INFO_SEG(info) > NVMX_SEG_GS)
			return NVMX_STATUS_BAD_INSTRUCTION;
		op->addr_size = asz[INFO_ASIZE(info)];
		/* 64-bit addressing exists only in 64-bit mode, 16-bit never there. */
		if ((op->addr_size == 8 && !c->long64) || (op->addr_size == 2 && c->long64))
			return NVMX_STATUS_BAD_INSTRUCTION;
	} else {
		op->addr_size = c->long64 ? 8 : 4;
	}
	op->seg = (uint8_t)(INFO_SEG(info) & 7u);
	op->scale_log2 = (uint8_t)INFO_SCALE(info);
	op->index = (info & INFO_INDEX_INVALID) ? -1 : (int8_t)INFO_INDEX(info);
	op->base = (info & INFO_BASE_INVALID) ? -1 : (int8_t)INFO_BASE(info);
	op->disp = c->ex->qualification;
	switch (desc->form) {
	case NVMX_FORM_RM_REG:
		op->mem = !(info & INFO_REG_OPERAND);
		op->reg1 = op->mem ? -1 : (int8_t)INFO_REG1(info);
		op->reg2 = (int8_t)INFO_REG2(info);
		break;
	case NVMX_FORM_REG_MEM:
		/* Bit 10 is undefined in this format: the operand is memory. */
		op->mem = true;
		op->reg2 = (int8_t)INFO_REG2(info);
		break;
	default:
		/* VMCLEAR/VMPTRLD/VMPTRST/VMXON: bit 10 is cleared to 0 by the
		 * hardware; a set bit describes a register operand (#UD). */
		op->mem = !(info & INFO_REG_OPERAND);
		break;
	}
	return NVMX_STATUS_OK;
}

/*
 * INVEPT/INVVPID (66 0F 38 80/81 /r) with ModRM.mod = 3 is not a valid
 * encoding, so the decoder refuses it; the processor raises #UD for it
 * (SDM vol. 2, INVEPT/INVVPID: the r/m operand must be memory). Recognize
 * that form so that L1 gets the #UD rather than the host an error.
 */
static bool inv_register_form(const uint8_t *b, size_t n, bool long64)
{
	size_t i = 0;
	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
	                 b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
	                 b[i] == 0x64 || b[i] == 0x65) && i < 14)
		i++;
	if (long64 && i < n && (b[i] & 0xf0) == 0x40)
		i++;
	return i + 4 <= n && b[i] == 0x0f && b[i + 1] == 0x38 &&
	       (b[i + 2] == 0x80 || b[i + 2] == 0x81) && (b[i + 3] >> 6) == 3;
}

static enum nvmx_status from_bytes(struct nvmx_insn_ctx *c)
{
	const struct nvmx_insn_exit *ex = c->ex;
	struct nvmx_insn_operands *op = &c->op;
	unsigned bits = c->long64 ? 64 : (c->cs_ar & NVMX_AR_DB) ? 32 : 16;
	size_t n = ex->nbytes < sizeof(ex->bytes) ? ex->nbytes : sizeof(ex->bytes);
	struct nvmx_decoded d;
	enum nvmx_status ds = nvmx_decode(ex->bytes, n, bits, &d);

	/* The freestanding build has no decoder: a refusal with its own reason
	 * (INSN_NO_DECODER), before anything changed. */
	if (ds == NVMX_STATUS_NOT_SUPPORTED)
		return ds;
	if (ds != NVMX_STATUS_OK) {
		if ((ex->exit_reason == NVMX_EXIT_REASON_INVEPT || ex->exit_reason == NVMX_EXIT_REASON_INVVPID) &&
		    inv_register_form(ex->bytes, n, c->long64)) {
			op->mem = false;
			return NVMX_STATUS_OK;
		}
		return NVMX_STATUS_BAD_INSTRUCTION;
	}
	if (d.cls != (enum nvmx_insn_class)nvmx_insn_desc(ex->exit_reason)->cls)
		return NVMX_STATUS_BAD_INSTRUCTION;
	if (c->len == 0 || c->len > 15)
		c->len = d.length;
	op->mem = d.mem.present;
	if (d.mem.present) {
		op->seg = d.mem.seg;
		op->base = d.mem.base;
		op->index = d.mem.index;
		op->scale_log2 = d.mem.scale == 8 ? 3 : d.mem.scale == 4 ? 2 : d.mem.scale == 2 ? 1 : 0;
		op->addr_size = d.mem.addr_size;
		op->rip_relative = d.mem.rip_relative;
		op->disp = (uint64_t)d.mem.disp;
		if (op->addr_size != 2 && op->addr_size != 4 && op->addr_size != 8)
			return NVMX_STATUS_BAD_INSTRUCTION;
	}
	/* Register operands come in Intel order: VMREAD r/m, reg; VMWRITE reg,
	 * r/m; INVEPT/INVVPID reg, m128. */
	switch (ex->exit_reason) {
	case NVMX_EXIT_REASON_VMREAD:
		if (d.nregs < (d.mem.present ? 1u : 2u))
			return NVMX_STATUS_BAD_INSTRUCTION;
		op->reg1 = d.mem.present ? -1 : d.reg[0];
		op->reg2 = d.mem.present ? d.reg[0] : d.reg[1];
		break;
	case NVMX_EXIT_REASON_VMWRITE:
		if (d.nregs < (d.mem.present ? 1u : 2u))
			return NVMX_STATUS_BAD_INSTRUCTION;
		op->reg2 = d.reg[0];
		op->reg1 = d.mem.present ? -1 : d.reg[1];
		break;
	case NVMX_EXIT_REASON_INVEPT:
	case NVMX_EXIT_REASON_INVVPID:
		if (d.nregs < 1)
			return NVMX_STATUS_BAD_INSTRUCTION;
		op->reg2 = d.reg[0];
		break;
	default:
		break;
	}
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_insn_get_operands(struct nvmx_insn_ctx *c)
{
	c->len = c->ex->insn_len;
	c->op.reg1 = c->op.reg2 = -1;
	c->op.base = c->op.index = -1;
	if (c->ex->flags & NVMX_INSN_INFO_VALID) {
		if (c->len == 0 || c->len > 15)
			return NVMX_STATUS_BAD_INSTRUCTION;
		return nvmx_insn_desc(c->ex->exit_reason)->form != NVMX_FORM_NONE ? from_info(c)
		                                                                   : NVMX_STATUS_OK;
	}
	return from_bytes(c);
}

void nvmx_insn_fault(struct nvmx_insn_ctx *c, uint8_t vector, bool has_code, enum nvmx_reason why)
{
	struct nvmx_result *r = c->res;
	r->action = NVMX_ACTION_INJECT_L1;
	r->outcome = NVMX_OUTCOME_FAULT;
	r->reason = why;
	nvmx_memset(&r->fault, 0, sizeof(r->fault));
	r->fault.vector = vector;
	r->fault.has_error_code = has_code;
	r->fault.error_code = 0;
}

bool nvmx_insn_canonical(struct nvmx_insn_ctx *c, uint64_t la)
{
	return nvmx_canonical(la, c->v->vm->caps.la57 && (insn_cr4(c) & NVMX_CR4_LA57));
}

static void seg_fault(struct nvmx_insn_ctx *c)
{
	if (c->op.seg == NVMX_SEG_SS)
		nvmx_insn_fault(c, NVMX_VEC_SS, true, NVMX_REASON_INSN_SS_SEGMENT);
	else
		nvmx_insn_fault(c, NVMX_VEC_GP, true, NVMX_REASON_INSN_GP_SEGMENT);
}

static uint64_t addr_mask(unsigned size)
{
	return size == 2 ? 0xffffull : size == 4 ? 0xffffffffull : ~0ull;
}

bool nvmx_insn_linear(struct nvmx_insn_ctx *c, unsigned len, bool write, uint64_t *la)
{
	struct nvmx_vcpu *v = c->v;
	const struct nvmx_insn_operands *op = &c->op;

	/* Effective address (SDM vol. 1 3.7.5): base + index * scale + disp,
	 * truncated to the address size. */
	uint64_t ea = op->disp;
	if (op->rip_relative)
		ea += insn_rip(c) + c->len;
	if (op->base >= 0)
		ea += nvmx_l1_gpr(v, (unsigned)op->base);
	if (op->index >= 0)
		ea += nvmx_l1_gpr(v, (unsigned)op->index) << op->scale_log2;
	ea &= addr_mask(op->addr_size);

	uint32_t seg = op->seg;
	if (c->long64) {
		/* 64-bit mode (SDM 3.4.4, 5.3.1): only FS and GS have bases; no
		 * limit checks; the operand must be canonical. */
		uint64_t base = 0;
		if (seg == NVMX_SEG_FS || seg == NVMX_SEG_GS)
			base = nvmx_l1_read(v, NVMX_F_GUEST_ES_BASE + 2u * seg);
		uint64_t first = ea + base;
		if (!nvmx_insn_canonical(c, first) || !nvmx_insn_canonical(c, first + len - 1)) {
			seg_fault(c);
			return false;
		}
		*la = first;
		return true;
	}

	/* Protected mode (SDM 3.4.5, 5.5): usable segment of the right type,
	 * operand within the limit (expand-down: above it). */
	uint32_t ar = (uint32_t)nvmx_l1_read(v, NVMX_F_GUEST_ES_AR_BYTES + 2u * seg);
	uint64_t limit = nvmx_l1_read(v, NVMX_F_GUEST_ES_LIMIT + 2u * seg) & 0xffffffffull;
	uint64_t base = nvmx_l1_read(v, NVMX_F_GUEST_ES_BASE + 2u * seg) & 0xffffffffull;
	uint32_t type = ar & NVMX_AR_TYPE_MASK;
	bool code = (type & 8u) != 0;
	if ((ar & NVMX_AR_UNUSABLE) || !(ar & NVMX_AR_S) || !(ar & NVMX_AR_P)) {
		seg_fault(c);
		return false;
	}
	if (write ? (code || !(type & 2u)) : (code && !(type & 2u))) {
		seg_fault(c);
		return false;
	}
	uint64_t last = ea + len - 1;
	bool ok;
	if (!code && (type & 4u)) {
		uint64_t upper = (ar & NVMX_AR_DB) ? 0xffffffffull : 0xffffull;
		ok = ea > limit && last <= upper;
	} else {
		ok = last <= limit;
	}
	if (!ok) {
		seg_fault(c);
		return false;
	}
	*la = (base + ea) & 0xffffffffull;
	return true;
}

static enum nvmx_status access(struct nvmx_insn_ctx *c, void *rbuf, const void *wbuf,
                               unsigned len)
{
	uint64_t la;
	if (!nvmx_insn_linear(c, len, wbuf != NULL, &la))
		return NVMX_STATUS_GUEST_FAULT;
	struct nvmx_fault f;
	nvmx_memset(&f, 0, sizeof(f));
	struct nvmx_host_ops *o = &c->v->vm->ops;
	enum nvmx_status s = wbuf ? nvmx_host_lin_write(o, c->v->host, la, wbuf, len, &f)
	                          : nvmx_host_lin_read(o, c->v->host, la, rbuf, len, &f);
	if (s == NVMX_STATUS_GUEST_FAULT) {
		struct nvmx_result *r = c->res;
		r->action = NVMX_ACTION_INJECT_L1;
		r->outcome = NVMX_OUTCOME_FAULT;
		r->reason = NVMX_REASON_INSN_GUEST_FAULT;
		r->fault = f;
	}
	return s;
}

enum nvmx_status nvmx_insn_mem_read(struct nvmx_insn_ctx *c, void *buf, unsigned len)
{
	return access(c, buf, NULL, len);
}

enum nvmx_status nvmx_insn_mem_write(struct nvmx_insn_ctx *c, const void *buf, unsigned len)
{
	return access(c, NULL, buf, len);
}
