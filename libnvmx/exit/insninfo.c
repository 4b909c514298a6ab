/* SPDX-License-Identifier: MIT */
/*
 * Exit information for an instruction L0 emulated for L2 (for instance in
 * its MMIO path) when L1 intercepts it: the hardware never exited on it, so
 * the VM-exit instruction length, instruction information (SDM 28.2.5,
 * Tables 28-8 to 28-15) and, where it is a displacement or describes the
 * I/O access, the exit qualification (SDM 28.2.1) come from the bytes.
 */
#include "exit.h"
#include "../decode/decode.h"

/* The memory-operand part shared by the instruction-information formats
 * (SDM 28.2.5; bit positions in nvmx/arch.h). */
static uint32_t mem_info(const struct nvmx_decoded_mem *m)
{
	uint32_t info = 0;
	unsigned sc = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
	unsigned as = m->addr_size == 2 ? 0 : m->addr_size == 4 ? 1 : 2;
	info |= NVMX_INSN_INFO_PUT(SCALE, sc);
	info |= NVMX_INSN_INFO_PUT(ASIZE, as);
	info |= NVMX_INSN_INFO_PUT(SEG, m->seg);
	if (m->index >= 0)
		info |= NVMX_INSN_INFO_PUT(INDEX, m->index);
	else
		info |= NVMX_INSN_INFO_INDEX_INVALID;
	if (m->base >= 0 && !m->rip_relative)
		info |= NVMX_INSN_INFO_PUT(BASE, m->base);
	else
		info |= NVMX_INSN_INFO_BASE_INVALID;
	return info;
}

static unsigned addr_size_code(uint8_t bytes)
{
	return bytes == 2 ? 0 : bytes == 4 ? 1 : 2;
}

/* L2's default operand width from VMCS02's CS (L bit: 64, D/B: 32). */
static unsigned l2_cpu_bits(struct nvmx_vcpu *v)
{
	uint64_t ar = nvmx_vmcs02_read(v, NVMX_F_GUEST_CS_AR_BYTES);
	if (ar & NVMX_AR_L)
		return 64;
	return (ar & NVMX_AR_DB) ? 32 : 16;
}

enum nvmx_status nvmx_exit_describe_emulated(struct nvmx_vcpu *v, struct nvmx_l2_exit *e)
{
	struct nvmx_decoded d;
	size_t n = e->nbytes > sizeof(e->bytes) ? sizeof(e->bytes) : e->nbytes;
	if (n == 0)
		return NVMX_STATUS_INVALID_ARGUMENT;
	NVMX_CHECK(nvmx_decode(e->bytes, n, l2_cpu_bits(v), &d));
	if (d.length == 0 || d.length > 15)
		return NVMX_STATUS_INVALID_ARGUMENT;
	e->insn_len = d.length;
	uint32_t info = 0;
	uint64_t qual = e->qualification;
	bool reg_form = !d.mem.present;
	int8_t last = d.nregs ? d.reg[d.nregs - 1] : 0;

	switch (d.cls) {
	/* VMX-instruction format (Table 28-13). */
	case NVMX_IC_VMCLEAR: case NVMX_IC_VMPTRLD: case NVMX_IC_VMPTRST: case NVMX_IC_VMXON:
		info = mem_info(&d.mem);
		qual = (uint64_t)d.mem.disp;
		break;
	case NVMX_IC_VMREAD: /* VMREAD r/m, r: reg2 = field register */
	case NVMX_IC_VMWRITE: /* VMWRITE r, r/m: reg2 = field register */ {
		int8_t field_reg = d.cls == NVMX_IC_VMREAD ? last : d.reg[0];
		info = NVMX_INSN_INFO_PUT(REG2, field_reg);
		if (reg_form) {
			int8_t rm = d.cls == NVMX_IC_VMREAD ? d.reg[0] : last;
			info |= NVMX_INSN_INFO_REG_OPERAND;
			info |= NVMX_INSN_INFO_PUT(REG1, rm);
			info |= NVMX_INSN_INFO_PUT(ASIZE, addr_size_code(d.mem.addr_size ? d.mem.addr_size : 8));
			qual = 0;
		} else {
			info |= mem_info(&d.mem);
			qual = (uint64_t)d.mem.disp;
		}
		break;
	}
	case NVMX_IC_INVEPT: case NVMX_IC_INVVPID: case NVMX_IC_INVPCID:
		info = mem_info(&d.mem) | NVMX_INSN_INFO_PUT(REG2, d.reg[0]);
		qual = (uint64_t)d.mem.disp;
		break;
	/* Descriptor-table format (Table 28-10): identity 29:28 (SGDT 0, SIDT
	 * 1, LGDT 2, LIDT 3), operand size 11 (1 = 32-bit). */
	case NVMX_IC_SGDT: case NVMX_IC_SIDT: case NVMX_IC_LGDT: case NVMX_IC_LIDT: {
		unsigned id = d.cls == NVMX_IC_SGDT ? 0 : d.cls == NVMX_IC_SIDT ? 1
		            : d.cls == NVMX_IC_LGDT ? 2 : 3;
		info = mem_info(&d.mem) | NVMX_INSN_INFO_PUT(REG2, id);
		if (d.op_size != 2)
			info |= 1u << 11;
		qual = (uint64_t)d.mem.disp;
		break;
	}
	/* LDTR/TR format (Table 28-11): SLDT 0, STR 1, LLDT 2, LTR 3. */
	case NVMX_IC_SLDT: case NVMX_IC_STR: case NVMX_IC_LLDT: case NVMX_IC_LTR: {
		unsigned id = d.cls == NVMX_IC_SLDT ? 0 : d.cls == NVMX_IC_STR ? 1
		            : d.cls == NVMX_IC_LLDT ? 2 : 3;
		info = NVMX_INSN_INFO_PUT(REG2, id);
		if (reg_form) {
			info |= NVMX_INSN_INFO_REG_OPERAND;
			info |= (uint32_t)(d.reg[0] & 15) << 3;
			qual = 0;
		} else {
			info |= mem_info(&d.mem);
			qual = (uint64_t)d.mem.disp;
		}
		break;
	}
	/* RDRAND/RDSEED (Table 28-12): destination 6:3, operand size 12:11. */
	case NVMX_IC_RDRAND: case NVMX_IC_RDSEED: {
		unsigned os = d.op_size == 2 ? 0 : d.op_size == 4 ? 1 : 2;
		info = (uint32_t)(d.reg[0] & 15) << 3 | (uint32_t)os << 11;
		qual = 0;
		break;
	}
	/* XSAVES/XRSTORS (Table 28-15): the memory-operand fields. */
	case NVMX_IC_XSAVES: case NVMX_IC_XRSTORS:
		info = mem_info(&d.mem);
		qual = 0;
		break;
	/* I/O (Table 28-5 qualification; Table 28-9 information for INS/OUTS
	 * when IA32_VMX_BASIC[54] is offered). */
	case NVMX_IC_IN: case NVMX_IC_OUT: case NVMX_IC_INS: case NVMX_IC_OUTS: {
		bool in = d.cls == NVMX_IC_IN || d.cls == NVMX_IC_INS;
		bool str = d.cls == NVMX_IC_INS || d.cls == NVMX_IC_OUTS;
		unsigned size = d.op_size >= 4 ? 4 : d.op_size == 2 ? 2 : 1;
		uint64_t port = d.has_imm ? (d.imm & 0xffu) : (e->operand & 0xffffu);
		qual = (uint64_t)(size - 1) | (in ? 1u << 3 : 0) | (str ? 1u << 4 : 0) |
		       (d.rep ? 1u << 5 : 0) | (d.has_imm ? 1u << 6 : 0) | port << 16;
		if (str && (nvmx_caps_msr(&v->vm->caps, NVMX_MSR_IA32_VMX_BASIC) & NVMX_BASIC_INOUT_INFO)) {
			info = NVMX_INSN_INFO_PUT(ASIZE, addr_size_code(d.mem.addr_size));
			info |= NVMX_INSN_INFO_PUT(SEG, in ? 0u : (unsigned)d.mem.seg); /* INS always uses ES */
		}
		break;
	}
	/* UMWAIT/TPAUSE: the register operand in 6:3. */
	case NVMX_IC_UMWAIT: case NVMX_IC_TPAUSE:
		info = (uint32_t)(d.reg[0] & 15) << 3;
		break;
	default:
		/* No instruction information; the host's qualification stands. */
		break;
	}
	e->insn_info = info;
	e->qualification = qual;
	return NVMX_STATUS_OK;
}
