/* SPDX-License-Identifier: MIT */
/*
 * Instruction decoding with Zydis 4: the one file of the library that
 * includes Zydis. It turns instruction bytes into the operand description
 * the VM-exit instruction-information field would give (SDM 28.2.5), so that
 * hosts without that field (or exits L0 emulated) are handled the same way.
 */
#include "decode.h"

#include <Zydis/Zydis.h>

static enum nvmx_insn_class class_of(ZydisMnemonic m, const ZydisDecodedOperand *ops,
                                     unsigned nops)
{
	switch (m) {
	case ZYDIS_MNEMONIC_VMCLEAR: return NVMX_IC_VMCLEAR;
	case ZYDIS_MNEMONIC_VMPTRLD: return NVMX_IC_VMPTRLD;
	case ZYDIS_MNEMONIC_VMPTRST: return NVMX_IC_VMPTRST;
	case ZYDIS_MNEMONIC_VMXON: return NVMX_IC_VMXON;
	case ZYDIS_MNEMONIC_VMREAD: return NVMX_IC_VMREAD;
	case ZYDIS_MNEMONIC_VMWRITE: return NVMX_IC_VMWRITE;
	case ZYDIS_MNEMONIC_VMXOFF: return NVMX_IC_VMXOFF;
	case ZYDIS_MNEMONIC_VMLAUNCH: return NVMX_IC_VMLAUNCH;
	case ZYDIS_MNEMONIC_VMRESUME: return NVMX_IC_VMRESUME;
	case ZYDIS_MNEMONIC_VMCALL: return NVMX_IC_VMCALL;
	case ZYDIS_MNEMONIC_VMFUNC: return NVMX_IC_VMFUNC;
	case ZYDIS_MNEMONIC_INVEPT: return NVMX_IC_INVEPT;
	case ZYDIS_MNEMONIC_INVVPID: return NVMX_IC_INVVPID;
	case ZYDIS_MNEMONIC_INVPCID: return NVMX_IC_INVPCID;
	case ZYDIS_MNEMONIC_SGDT: return NVMX_IC_SGDT;
	case ZYDIS_MNEMONIC_SIDT: return NVMX_IC_SIDT;
	case ZYDIS_MNEMONIC_LGDT: return NVMX_IC_LGDT;
	case ZYDIS_MNEMONIC_LIDT: return NVMX_IC_LIDT;
	case ZYDIS_MNEMONIC_SLDT: return NVMX_IC_SLDT;
	case ZYDIS_MNEMONIC_STR: return NVMX_IC_STR;
	case ZYDIS_MNEMONIC_LLDT: return NVMX_IC_LLDT;
	case ZYDIS_MNEMONIC_LTR: return NVMX_IC_LTR;
	case ZYDIS_MNEMONIC_RDRAND: return NVMX_IC_RDRAND;
	case ZYDIS_MNEMONIC_RDSEED: return NVMX_IC_RDSEED;
	case ZYDIS_MNEMONIC_XSAVES:
	case ZYDIS_MNEMONIC_XSAVES64: return NVMX_IC_XSAVES;
	case ZYDIS_MNEMONIC_XRSTORS:
	case ZYDIS_MNEMONIC_XRSTORS64: return NVMX_IC_XRSTORS;
	case ZYDIS_MNEMONIC_INSB:
	case ZYDIS_MNEMONIC_INSW:
	case ZYDIS_MNEMONIC_INSD: return NVMX_IC_INS;
	case ZYDIS_MNEMONIC_OUTSB:
	case ZYDIS_MNEMONIC_OUTSW:
	case ZYDIS_MNEMONIC_OUTSD: return NVMX_IC_OUTS;
	case ZYDIS_MNEMONIC_IN: return NVMX_IC_IN;
	case ZYDIS_MNEMONIC_OUT: return NVMX_IC_OUT;
	case ZYDIS_MNEMONIC_CPUID: return NVMX_IC_CPUID;
	case ZYDIS_MNEMONIC_HLT: return NVMX_IC_HLT;
	case ZYDIS_MNEMONIC_RDMSR: return NVMX_IC_RDMSR;
	case ZYDIS_MNEMONIC_WRMSR: return NVMX_IC_WRMSR;
	case ZYDIS_MNEMONIC_RDTSC: return NVMX_IC_RDTSC;
	case ZYDIS_MNEMONIC_RDTSCP: return NVMX_IC_RDTSCP;
	case ZYDIS_MNEMONIC_INVLPG: return NVMX_IC_INVLPG;
	case ZYDIS_MNEMONIC_UMWAIT: return NVMX_IC_UMWAIT;
	case ZYDIS_MNEMONIC_TPAUSE: return NVMX_IC_TPAUSE;
	case ZYDIS_MNEMONIC_LOADIWKEY: return NVMX_IC_LOADIWKEY;
	case ZYDIS_MNEMONIC_ENQCMD: return NVMX_IC_ENQCMD;
	case ZYDIS_MNEMONIC_ENQCMDS: return NVMX_IC_ENQCMDS;
	case ZYDIS_MNEMONIC_PCONFIG: return NVMX_IC_PCONFIG;
	case ZYDIS_MNEMONIC_MOV:
		for (unsigned i = 0; i < nops; i++) {
			if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER)
				continue;
			ZydisRegisterClass c = ZydisRegisterGetClass(ops[i].reg.value);
			if (c == ZYDIS_REGCLASS_CONTROL)
				return NVMX_IC_MOV_CR;
			if (c == ZYDIS_REGCLASS_DEBUG)
				return NVMX_IC_MOV_DR;
		}
		return NVMX_IC_OTHER;
	default:
		return NVMX_IC_OTHER;
	}
}

/* GPR number 0..15 (x86 encoding order) of a general-purpose register, or -1.
 * The legacy high-byte registers AH..BH are not GPR numbers: -1. */
static int gpr_number(ZydisRegister r)
{
	switch (ZydisRegisterGetClass(r)) {
	case ZYDIS_REGCLASS_GPR8:
		if (r == ZYDIS_REGISTER_AH || r == ZYDIS_REGISTER_CH || r == ZYDIS_REGISTER_DH ||
		    r == ZYDIS_REGISTER_BH)
			return -1;
		break;
	case ZYDIS_REGCLASS_GPR16:
	case ZYDIS_REGCLASS_GPR32:
	case ZYDIS_REGCLASS_GPR64:
		break;
	default:
		return -1;
	}
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	if (big < ZYDIS_REGISTER_RAX || big > ZYDIS_REGISTER_R15)
		return -1;
	return (int)(big - ZYDIS_REGISTER_RAX);
}

static int seg_number(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ES: return 0;
	case ZYDIS_REGISTER_CS: return 1;
	case ZYDIS_REGISTER_SS: return 2;
	case ZYDIS_REGISTER_DS: return 3;
	case ZYDIS_REGISTER_FS: return 4;
	case ZYDIS_REGISTER_GS: return 5;
	default: return -1;
	}
}

enum nvmx_status nvmx_decode(const uint8_t *bytes, size_t n, unsigned cpu_bits,
                             struct nvmx_decoded *out)
{
	if (!bytes || !out)
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_memset(out, 0, sizeof(*out));
	out->reg[0] = out->reg[1] = -1;
	out->mem.base = out->mem.index = -1;

	ZydisMachineMode mode;
	ZydisStackWidth sw;
	switch (cpu_bits) {
	case 16:
		mode = ZYDIS_MACHINE_MODE_LEGACY_16;
		sw = ZYDIS_STACK_WIDTH_16;
		break;
	case 32:
		mode = ZYDIS_MACHINE_MODE_LEGACY_32;
		sw = ZYDIS_STACK_WIDTH_32;
		break;
	case 64:
		mode = ZYDIS_MACHINE_MODE_LONG_64;
		sw = ZYDIS_STACK_WIDTH_64;
		break;
	default:
		return NVMX_STATUS_INVALID_ARGUMENT;
	}
	if (n > 15)
		n = 15;

	ZydisDecoder dec;
	if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, mode, sw)))
		return NVMX_STATUS_INVALID_ARGUMENT;
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, n, &insn, ops)))
		return NVMX_STATUS_INVALID_ARGUMENT;

	unsigned nops = insn.operand_count;
	if (nops > ZYDIS_MAX_OPERAND_COUNT)
		nops = ZYDIS_MAX_OPERAND_COUNT;
	out->cls = class_of(insn.mnemonic, ops, nops);
	out->length = insn.length;
	out->op_size = (uint8_t)(insn.operand_width / 8);
	out->rep = (insn.attributes &
	            (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) != 0;

	for (unsigned i = 0; i < nops; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		bool explicit_op = op->visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT;
		switch (op->type) {
		case ZYDIS_OPERAND_TYPE_REGISTER: {
			if (!explicit_op || out->nregs >= 2)
				break;
			ZydisRegisterClass c = ZydisRegisterGetClass(op->reg.value);
			int num;
			if (c == ZYDIS_REGCLASS_CONTROL || c == ZYDIS_REGCLASS_DEBUG)
				num = ZydisRegisterGetId(op->reg.value);
			else
				num = gpr_number(op->reg.value);
			if (num < 0)
				break;
			out->reg[out->nregs++] = (int8_t)num;
			break;
		}
		case ZYDIS_OPERAND_TYPE_MEMORY: {
			/* Explicit memory operands, and the string operand of
			 * INS/OUTS (ES:[rDI] or seg:[rSI]), which Zydis lists as
			 * hidden. LEA-style address generation is not an access. */
			if (out->mem.present || op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
				break;
			if (!explicit_op && out->cls != NVMX_IC_INS && out->cls != NVMX_IC_OUTS)
				break;
			int seg = seg_number(op->mem.segment);
			if (seg < 0)
				return NVMX_STATUS_INVALID_ARGUMENT;
			out->mem.present = true;
			out->mem.seg = (uint8_t)seg;
			out->mem.addr_size = (uint8_t)(insn.address_width / 8);
			if (op->mem.base == ZYDIS_REGISTER_RIP || op->mem.base == ZYDIS_REGISTER_EIP) {
				out->mem.rip_relative = true;
			} else if (op->mem.base != ZYDIS_REGISTER_NONE) {
				int b = gpr_number(op->mem.base);
				if (b < 0)
					return NVMX_STATUS_INVALID_ARGUMENT;
				out->mem.base = (int8_t)b;
			}
			if (op->mem.index != ZYDIS_REGISTER_NONE) {
				int x = gpr_number(op->mem.index);
				if (x < 0)
					return NVMX_STATUS_INVALID_ARGUMENT;
				out->mem.index = (int8_t)x;
			}
			out->mem.scale = op->mem.scale ? op->mem.scale : 1;
			out->mem.disp = op->mem.disp.has_displacement ? op->mem.disp.value : 0;
			/* ModR/M.mod 00 with SIB.base 101 has no base and a disp32,
			 * whatever REX.B says (SDM vol. 2, table 2-5). Zydis 4.0.0
			 * reports [r13d + index + 0] instead when a 67h prefix gives
			 * 32-bit addresses in 64-bit mode (found by fuzz_describe). */
			if ((insn.attributes & ZYDIS_ATTRIB_HAS_SIB) && insn.raw.modrm.mod == 0 &&
			    (insn.raw.sib.base & 7u) == 5 && insn.raw.disp.size == 32) {
				out->mem.base = -1;
				out->mem.disp = insn.raw.disp.value;
			}
			break;
		}
		case ZYDIS_OPERAND_TYPE_IMMEDIATE:
			if (!explicit_op || out->has_imm)
				break;
			out->has_imm = true;
			out->imm = op->imm.value.u;
			if (op->imm.is_signed && op->size < 64)
				out->imm &= (1ull << op->size) - 1;
			break;
		default:
			break;
		}
	}
	return NVMX_STATUS_OK;
}
