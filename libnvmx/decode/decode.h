/* SPDX-License-Identifier: MIT */
/*
 * Instruction decoding (the only user of Zydis): describe an instruction
 * from its bytes, for hosts without an instruction-information field and for
 * exits that L0 emulated. decode.c is the one file that includes Zydis.
 */
#ifndef NVMX_DECODE_H
#define NVMX_DECODE_H

#include "../deps.h"
#include <nvmx/status.h>

/* Instructions whose VM exits carry instruction information (SDM 28.2.5). */
enum nvmx_insn_class {
	NVMX_IC_OTHER = 0,
	NVMX_IC_VMCLEAR, NVMX_IC_VMPTRLD, NVMX_IC_VMPTRST, NVMX_IC_VMXON, NVMX_IC_VMREAD,
	NVMX_IC_VMWRITE, NVMX_IC_VMXOFF, NVMX_IC_VMLAUNCH, NVMX_IC_VMRESUME, NVMX_IC_VMCALL,
	NVMX_IC_VMFUNC, NVMX_IC_INVEPT, NVMX_IC_INVVPID, NVMX_IC_INVPCID,
	NVMX_IC_SGDT, NVMX_IC_SIDT, NVMX_IC_LGDT, NVMX_IC_LIDT,
	NVMX_IC_SLDT, NVMX_IC_STR, NVMX_IC_LLDT, NVMX_IC_LTR,
	NVMX_IC_RDRAND, NVMX_IC_RDSEED, NVMX_IC_XSAVES, NVMX_IC_XRSTORS,
	NVMX_IC_INS, NVMX_IC_OUTS, NVMX_IC_IN, NVMX_IC_OUT,
	NVMX_IC_CPUID, NVMX_IC_HLT, NVMX_IC_RDMSR, NVMX_IC_WRMSR, NVMX_IC_RDTSC,
	NVMX_IC_RDTSCP, NVMX_IC_MOV_CR, NVMX_IC_MOV_DR, NVMX_IC_INVLPG, NVMX_IC_UMWAIT,
	NVMX_IC_TPAUSE, NVMX_IC_LOADIWKEY, NVMX_IC_ENQCMD, NVMX_IC_ENQCMDS, NVMX_IC_PCONFIG,
	NVMX_IC_COUNT
};

struct nvmx_decoded_mem {
	bool present;
	uint8_t seg;          /* 0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS (after prefixes/defaults) */
	int8_t base;          /* GPR 0..15, or -1 */
	int8_t index;         /* GPR 0..15, or -1 */
	uint8_t scale;        /* 1, 2, 4 or 8 */
	uint8_t addr_size;    /* 2, 4 or 8 bytes */
	bool rip_relative;
	int64_t disp;         /* sign-extended displacement */
};

struct nvmx_decoded {
	enum nvmx_insn_class cls;
	uint8_t length;       /* bytes */
	uint8_t op_size;      /* operand size in bytes (2, 4, 8) */
	uint8_t nregs;        /* register operands, in Intel operand order */
	int8_t reg[2];        /* GPR numbers 0..15 (or CR/DR number for MOV CR/DR) */
	bool rep;             /* REP/REPE/REPNE prefix */
	struct nvmx_decoded_mem mem;
	uint64_t imm;         /* immediate (I/O port for IN/OUT imm8) */
	bool has_imm;
};

/*
 * Decode the instruction at the start of `bytes` (at most 15 are read) for a
 * processor in a mode with `cpu_bits` default operand/address width: 16, 32
 * (protected or compatibility mode) or 64. INVALID_ARGUMENT when the bytes do
 * not form a valid instruction; NOT_SUPPORTED in the freestanding build,
 * which has no decoder (decode_none.c).
 */
enum nvmx_status nvmx_decode(const uint8_t *bytes, size_t n, unsigned cpu_bits,
                             struct nvmx_decoded *out);

#endif
