/* SPDX-License-Identifier: MIT */
/*
 * VMX instructions executed by L1 (SDM vol. 3 chapter 31): the state of one
 * emulation, shared by the instruction handlers (insn.c) and the operand
 * decoder (operand.c).
 */
#ifndef NVMX_INSN_H
#define NVMX_INSN_H

#include "../util/rules.h"
#include "../core.h"

/* Segment registers in the order of the instruction-information field. */
enum nvmx_seg { NVMX_SEG_ES, NVMX_SEG_CS, NVMX_SEG_SS, NVMX_SEG_DS, NVMX_SEG_FS, NVMX_SEG_GS };

/* The operands of the instruction, from the instruction-information field
 * (SDM 28.2.5) or from decoding its bytes. */
struct nvmx_insn_operands {
	bool mem;               /* the r/m operand is in memory */
	uint8_t seg;            /* enum nvmx_seg */
	int8_t base;            /* GPR, or -1 */
	int8_t index;           /* GPR, or -1 */
	uint8_t scale_log2;     /* 0..3 */
	uint8_t addr_size;      /* 2, 4 or 8 bytes */
	bool rip_relative;      /* decoded RIP-relative operand (64-bit mode) */
	uint64_t disp;          /* sign-extended displacement */
	int8_t reg1;            /* r/m as a register (VMREAD/VMWRITE), or -1 */
	int8_t reg2;            /* the reg operand (field encoding, INVEPT/INVVPID type) */
};

struct nvmx_insn_ctx {
	struct nvmx_vcpu *v;
	const struct nvmx_insn_exit *ex;
	struct nvmx_result *res;
	uint64_t cr0, efer, rflags;
	uint32_t cs_ar, ss_ar;
	/* VMLAUNCH/VMRESUME only, read with the above: interruptibility
	 * (MOV-SS blocking) and, when the merge needs it, IA32_PAT. */
	uint64_t intr, pat;
	bool have_pat;
	/* Read from L1 when first needed (insn_cr4, insn_rip): a VMRESUME
	 * that enters L2 needs neither. */
	bool have_cr4, have_rip;
	uint64_t cr4_, rip_;
	bool long64;            /* 64-bit mode: IA32_EFER.LMA = 1 and CS.L = 1 */
	unsigned op_bytes;      /* VMREAD/VMWRITE/INVEPT/INVVPID operand size: 8 or 4 */
	uint32_t len;           /* instruction length */
	struct nvmx_insn_operands op;
};

/* The operand forms of the VMX instructions (SDM 31.3, and the
 * instruction-information formats of 28.2.5). */
enum nvmx_insn_form {
	NVMX_FORM_NONE,         /* VMXOFF, VMLAUNCH, VMRESUME */
	NVMX_FORM_MEM,          /* m64: VMXON, VMCLEAR, VMPTRLD, VMPTRST */
	NVMX_FORM_RM_REG,       /* r/m64 and a register: VMREAD, VMWRITE */
	NVMX_FORM_REG_MEM,      /* a register and m128: INVEPT, INVVPID */
};

/* Which capability gates an instruction (#UD when not offered). */
enum nvmx_insn_gate { NVMX_GATE_NONE, NVMX_GATE_INVEPT, NVMX_GATE_INVVPID };

/* One row per VMX instruction L1 can execute (insn.c): the one table the
 * instruction module dispatches, decodes and gates by. */
struct nvmx_insn_desc {
	enum nvmx_status (*handler)(struct nvmx_insn_ctx *c);
	uint8_t cls;            /* the decoder's class (decode.h, enum nvmx_insn_class) */
	uint8_t form;           /* enum nvmx_insn_form */
	uint8_t gate;           /* enum nvmx_insn_gate */
	bool sync_lazy;         /* copy the lazy guest state into VMCS12 first (vmcs/sync.h) */
};

/* The row of basic exit reason `reason`, NULL when it is no VMX instruction. */
const struct nvmx_insn_desc *nvmx_insn_desc(uint32_t reason);

/*
 * Fill ctx->op and ctx->len from the exit: the instruction-information field
 * when NVMX_INSN_INFO_VALID is set, otherwise the decoded instruction bytes.
 * BAD_INSTRUCTION when the exit does not describe the instruction.
 */
enum nvmx_status nvmx_insn_get_operands(struct nvmx_insn_ctx *c);

/* L1's CR4 and RIP (VMCS01 guest fields), read once per instruction. */
static inline uint64_t insn_cr4(struct nvmx_insn_ctx *c)
{
	if (!c->have_cr4) {
		c->cr4_ = nvmx_l1_read(c->v, NVMX_F_GUEST_CR4);
		c->have_cr4 = true;
	}
	return c->cr4_;
}

static inline uint64_t insn_rip(struct nvmx_insn_ctx *c)
{
	if (!c->have_rip) {
		c->rip_ = nvmx_l1_read(c->v, NVMX_F_GUEST_RIP);
		c->have_rip = true;
	}
	return c->rip_;
}

/*
 * Read/write `len` bytes of the memory operand: effective address,
 * segmentation (SDM 3.4.5, 5.3, 5.5; 64-bit mode: canonical form) and the
 * host's linear access. Returns OK, or GUEST_FAULT after putting the fault
 * L1 takes into ctx->res (the caller then finishes with OK), or the host's
 * failure status.
 */
enum nvmx_status nvmx_insn_mem_read(struct nvmx_insn_ctx *c, void *buf, unsigned len);
enum nvmx_status nvmx_insn_mem_write(struct nvmx_insn_ctx *c, const void *buf, unsigned len);

/* The linear address of the memory operand, or false with the fault in
 * ctx->res (#GP(0) or #SS(0) from the segmentation checks). */
bool nvmx_insn_linear(struct nvmx_insn_ctx *c, unsigned len, bool write, uint64_t *la);

/* Finish with a fault L1 takes (RIP and RFLAGS unchanged). */
void nvmx_insn_fault(struct nvmx_insn_ctx *c, uint8_t vector, bool has_code, enum nvmx_reason why);

/* Canonical with respect to L1's linear-address width (57 with CR4.LA57). */
bool nvmx_insn_canonical(struct nvmx_insn_ctx *c, uint64_t la);

#endif
