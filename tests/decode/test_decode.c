/* SPDX-License-Identifier: MIT */
/*
 * nvmx_decode (Zydis) for the instructions whose exits carry instruction
 * information: encodings typed from the SDM opcode tables, expected operands
 * from the SDM's ModRM/SIB rules (vol. 2, 2.1.5), in 16-, 32- and 64-bit
 * modes.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "decode/decode.h"

#define N (-1)

struct dcase {
	char name[40];
	uint8_t bytes[15];
	uint8_t n;
	uint8_t bits;
	int cls;
	uint8_t len;
	bool mem;
	uint8_t seg;
	int8_t base, index;
	uint8_t scale;
	uint8_t asz;
	int64_t disp;
	bool rip;
	uint8_t nregs;
	int8_t r0, r1;
	uint8_t op_size;       /* 0: not checked */
	bool rep;
};

#define ES 0
#define CS 1
#define SS 2
#define DS 3
#define FS 4
#define GS 5

/* Memory-operand cases. */
#define M(nm, bits_, cls_, len_, seg_, base_, index_, scale_, asz_, disp_, nregs_, r0_, ...) \
	{ .name = nm, .bytes = { __VA_ARGS__ }, .n = len_, .bits = bits_, .cls = cls_,      \
	  .len = len_, .mem = true, .seg = seg_, .base = base_, .index = index_,              \
	  .scale = scale_, .asz = asz_, .disp = disp_, .nregs = nregs_, .r0 = r0_, .r1 = N }
/* Register-only cases. */
#define R(nm, bits_, cls_, len_, nregs_, r0_, r1_, opsz_, ...)                              \
	{ .name = nm, .bytes = { __VA_ARGS__ }, .n = len_, .bits = bits_, .cls = cls_,      \
	  .len = len_, .nregs = nregs_, .r0 = r0_, .r1 = r1_, .op_size = opsz_, .base = N,     \
	  .index = N }

static struct dcase cases[] = {
	/* VMX instructions, 64-bit mode */
	M("vmxon [rbx]", 64, NVMX_IC_VMXON, 4, DS, 3, N, 1, 8, 0, 0, N, 0xf3, 0x0f, 0xc7, 0x33),
	M("vmclear [rsi+rdi*8-0x10]", 64, NVMX_IC_VMCLEAR, 6, DS, 6, 7, 8, 8, -16, 0, N,
	  0x66, 0x0f, 0xc7, 0x74, 0xfe, 0xf0),
	M("vmptrld [rax]", 64, NVMX_IC_VMPTRLD, 3, DS, 0, N, 1, 8, 0, 0, N, 0x0f, 0xc7, 0x30),
	M("vmptrst gs:[r13+0x80]", 64, NVMX_IC_VMPTRST, 9, GS, 13, N, 1, 8, 0x80, 0, N,
	  0x65, 0x41, 0x0f, 0xc7, 0xbd, 0x80, 0x00, 0x00, 0x00),
	M("vmread [rbx], rdx", 64, NVMX_IC_VMREAD, 3, DS, 3, N, 1, 8, 0, 1, 2, 0x0f, 0x78, 0x13),
	M("vmwrite r9, [r12+8]", 64, NVMX_IC_VMWRITE, 6, DS, 12, N, 1, 8, 8, 1, 9,
	  0x45, 0x0f, 0x79, 0x4c, 0x24, 0x08),
	M("vmptrld [esi] (67h)", 64, NVMX_IC_VMPTRLD, 4, DS, 6, N, 1, 4, 0, 0, N,
	  0x67, 0x0f, 0xc7, 0x36),
	M("invept rcx, [rbx]", 64, NVMX_IC_INVEPT, 5, DS, 3, N, 1, 8, 0, 1, 1,
	  0x66, 0x0f, 0x38, 0x80, 0x0b),
	M("invvpid rcx, [rbx]", 64, NVMX_IC_INVVPID, 5, DS, 3, N, 1, 8, 0, 1, 1,
	  0x66, 0x0f, 0x38, 0x81, 0x0b),
	M("invpcid rax, [rsp+8]", 64, NVMX_IC_INVPCID, 7, SS, 4, N, 1, 8, 8, 1, 0,
	  0x66, 0x0f, 0x38, 0x82, 0x44, 0x24, 0x08),
	/* descriptor-table instructions */
	M("sgdt [rax]", 64, NVMX_IC_SGDT, 3, DS, 0, N, 1, 8, 0, 0, N, 0x0f, 0x01, 0x00),
	M("sidt [rax]", 64, NVMX_IC_SIDT, 3, DS, 0, N, 1, 8, 0, 0, N, 0x0f, 0x01, 0x08),
	M("lgdt [rax]", 64, NVMX_IC_LGDT, 3, DS, 0, N, 1, 8, 0, 0, N, 0x0f, 0x01, 0x10),
	M("lidt [rax]", 64, NVMX_IC_LIDT, 3, DS, 0, N, 1, 8, 0, 0, N, 0x0f, 0x01, 0x18),
	M("str [rbx]", 64, NVMX_IC_STR, 3, DS, 3, N, 1, 8, 0, 0, N, 0x0f, 0x00, 0x0b),
	M("ltr [rax]", 64, NVMX_IC_LTR, 3, DS, 0, N, 1, 8, 0, 0, N, 0x0f, 0x00, 0x18),
	M("sldt [rcx]", 64, NVMX_IC_SLDT, 3, DS, 1, N, 1, 8, 0, 0, N, 0x0f, 0x00, 0x01),
	M("lldt [rdx]", 64, NVMX_IC_LLDT, 3, DS, 2, N, 1, 8, 0, 0, N, 0x0f, 0x00, 0x12),
	/* XSAVES/XRSTORS */
	M("xsaves [rdi]", 64, NVMX_IC_XSAVES, 3, DS, 7, N, 1, 8, 0, 0, N, 0x0f, 0xc7, 0x2f),
	M("xsaves64 [rdi]", 64, NVMX_IC_XSAVES, 4, DS, 7, N, 1, 8, 0, 0, N, 0x48, 0x0f, 0xc7, 0x2f),
	M("xrstors [rdi]", 64, NVMX_IC_XRSTORS, 3, DS, 7, N, 1, 8, 0, 0, N, 0x0f, 0xc7, 0x1f),
	M("invlpg [rax]", 64, NVMX_IC_INVLPG, 3, DS, 0, N, 1, 8, 0, 0, N, 0x0f, 0x01, 0x38),
	/* INS/OUTS: the string operand */
	M("insb", 64, NVMX_IC_INS, 1, ES, 7, N, 1, 8, 0, 0, N, 0x6c),
	M("outsb", 64, NVMX_IC_OUTS, 1, DS, 6, N, 1, 8, 0, 0, N, 0x6e),
	M("outsb (67h)", 64, NVMX_IC_OUTS, 2, DS, 6, N, 1, 4, 0, 0, N, 0x67, 0x6e),
	M("outsb fs:", 64, NVMX_IC_OUTS, 2, FS, 6, N, 1, 8, 0, 0, N, 0x64, 0x6e),
	/* 32-bit mode */
	M("vmptrld [ebx] (32)", 32, NVMX_IC_VMPTRLD, 3, DS, 3, N, 1, 4, 0, 0, N, 0x0f, 0xc7, 0x33),
	M("vmptrld [esp+4] (32)", 32, NVMX_IC_VMPTRLD, 5, SS, 4, N, 1, 4, 4, 0, N,
	  0x0f, 0xc7, 0x74, 0x24, 0x04),
	M("vmclear [ebp-8] (32)", 32, NVMX_IC_VMCLEAR, 5, SS, 5, N, 1, 4, -8, 0, N,
	  0x66, 0x0f, 0xc7, 0x75, 0xf8),
	M("vmptrld [bx] (32, 67h)", 32, NVMX_IC_VMPTRLD, 4, DS, 3, N, 1, 2, 0, 0, N,
	  0x67, 0x0f, 0xc7, 0x37),
	M("invept ecx, [eax] (32)", 32, NVMX_IC_INVEPT, 5, DS, 0, N, 1, 4, 0, 1, 1,
	  0x66, 0x0f, 0x38, 0x80, 0x08),
	M("insd (32)", 32, NVMX_IC_INS, 1, ES, 7, N, 1, 4, 0, 0, N, 0x6d),
	M("sgdt [eax] (32)", 32, NVMX_IC_SGDT, 3, DS, 0, N, 1, 4, 0, 0, N, 0x0f, 0x01, 0x00),
	/* 16-bit mode */
	M("vmptrld [bx] (16)", 16, NVMX_IC_VMPTRLD, 3, DS, 3, N, 1, 2, 0, 0, N, 0x0f, 0xc7, 0x37),
	M("vmptrld [bp+si] (16)", 16, NVMX_IC_VMPTRLD, 3, SS, 5, 6, 1, 2, 0, 0, N, 0x0f, 0xc7, 0x32),
	M("vmptrld [bx+di+0x10] (16)", 16, NVMX_IC_VMPTRLD, 4, DS, 3, 7, 1, 2, 0x10, 0, N,
	  0x0f, 0xc7, 0x71, 0x10),
	M("vmptrld [0x1234] (16)", 16, NVMX_IC_VMPTRLD, 5, DS, N, N, 1, 2, 0x1234, 0, N,
	  0x0f, 0xc7, 0x36, 0x34, 0x12),
	M("vmxon [di] (16)", 16, NVMX_IC_VMXON, 4, DS, 7, N, 1, 2, 0, 0, N, 0xf3, 0x0f, 0xc7, 0x35),
	M("outsw (16)", 16, NVMX_IC_OUTS, 1, DS, 6, N, 1, 2, 0, 0, N, 0x6f),
	M("sidt [si] (16)", 16, NVMX_IC_SIDT, 3, DS, 6, N, 1, 2, 0, 0, N, 0x0f, 0x01, 0x0c),

	/* register-only forms */
	R("vmread rax, rdx", 64, NVMX_IC_VMREAD, 3, 2, 0, 2, 8, 0x0f, 0x78, 0xd0),
	R("vmwrite rdx, rcx", 64, NVMX_IC_VMWRITE, 3, 2, 2, 1, 8, 0x0f, 0x79, 0xd1),
	R("vmread r15, r8", 64, NVMX_IC_VMREAD, 4, 2, 15, 8, 8, 0x45, 0x0f, 0x78, 0xc7),
	R("vmread eax, edx (32)", 32, NVMX_IC_VMREAD, 3, 2, 0, 2, 4, 0x0f, 0x78, 0xd0),
	R("vmlaunch", 64, NVMX_IC_VMLAUNCH, 3, 0, N, N, 0, 0x0f, 0x01, 0xc2),
	R("vmresume", 64, NVMX_IC_VMRESUME, 3, 0, N, N, 0, 0x0f, 0x01, 0xc3),
	R("vmxoff", 64, NVMX_IC_VMXOFF, 3, 0, N, N, 0, 0x0f, 0x01, 0xc4),
	R("vmcall", 64, NVMX_IC_VMCALL, 3, 0, N, N, 0, 0x0f, 0x01, 0xc1),
	R("vmfunc", 64, NVMX_IC_VMFUNC, 3, 0, N, N, 0, 0x0f, 0x01, 0xd4),
	R("vmlaunch (16)", 16, NVMX_IC_VMLAUNCH, 3, 0, N, N, 0, 0x0f, 0x01, 0xc2),
	R("rdrand eax", 64, NVMX_IC_RDRAND, 3, 1, 0, N, 4, 0x0f, 0xc7, 0xf0),
	R("rdrand rax", 64, NVMX_IC_RDRAND, 4, 1, 0, N, 8, 0x48, 0x0f, 0xc7, 0xf0),
	R("rdrand r10w", 64, NVMX_IC_RDRAND, 5, 1, 10, N, 2, 0x66, 0x41, 0x0f, 0xc7, 0xf2),
	R("rdseed ecx", 64, NVMX_IC_RDSEED, 3, 1, 1, N, 4, 0x0f, 0xc7, 0xf9),
	R("rdseed ax (16)", 16, NVMX_IC_RDSEED, 3, 1, 0, N, 2, 0x0f, 0xc7, 0xf8),
	R("rdrand eax (32)", 32, NVMX_IC_RDRAND, 3, 1, 0, N, 4, 0x0f, 0xc7, 0xf0),
	R("sldt eax", 64, NVMX_IC_SLDT, 3, 1, 0, N, 0, 0x0f, 0x00, 0xc0),
	R("lldt ax", 64, NVMX_IC_LLDT, 3, 1, 0, N, 0, 0x0f, 0x00, 0xd0),
	R("mov cr3, rax", 64, NVMX_IC_MOV_CR, 3, 2, 3, 0, 0, 0x0f, 0x22, 0xd8),
	R("mov rax, cr4", 64, NVMX_IC_MOV_CR, 3, 2, 0, 4, 0, 0x0f, 0x20, 0xe0),
	R("mov rax, dr7", 64, NVMX_IC_MOV_DR, 3, 2, 0, 7, 0, 0x0f, 0x21, 0xf8),
	/* mod 00, SIB.base 101 with REX.B: no base, disp32 (SDM vol. 2, table
	 * 2-5), with 64-bit and, under 67h, 32-bit addresses. */
	M("invvpid rdi, [rdi+0x434343c5]", 64, NVMX_IC_INVVPID, 11, DS, N, 7, 1, 8, 0x434343c5, 1, 7,
	  0x66, 0x49, 0x0f, 0x38, 0x81, 0x3c, 0x3d, 0xc5, 0x43, 0x43, 0x43),
	M("invvpid rdi, [edi+0x434343c5]", 64, NVMX_IC_INVVPID, 12, DS, N, 7, 1, 4, 0x434343c5, 1, 7,
	  0x67, 0x66, 0x49, 0x0f, 0x38, 0x81, 0x3c, 0x3d, 0xc5, 0x43, 0x43, 0x43),
	R("cpuid", 64, NVMX_IC_CPUID, 2, 0, N, N, 0, 0x0f, 0xa2),
	R("hlt", 64, NVMX_IC_HLT, 1, 0, N, N, 0, 0xf4),
	R("rdmsr", 64, NVMX_IC_RDMSR, 2, 0, N, N, 0, 0x0f, 0x32),
	R("wrmsr", 64, NVMX_IC_WRMSR, 2, 0, N, N, 0, 0x0f, 0x30),
	R("rdtsc", 64, NVMX_IC_RDTSC, 2, 0, N, N, 0, 0x0f, 0x31),
	R("rdtscp", 64, NVMX_IC_RDTSCP, 3, 0, N, N, 0, 0x0f, 0x01, 0xf9),
	R("mov rax, rbx", 64, NVMX_IC_OTHER, 3, 2, 0, 3, 8, 0x48, 0x89, 0xd8),
};

ParameterizedTestParameters(decode, gives_class_length_and_operands)
{
	return cr_make_param_array(struct dcase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct dcase *c, decode, gives_class_length_and_operands)
{
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(c->bytes, 15, c->bits, &d), NVMX_STATUS_OK, "%s", c->name);
	cr_assert_eq((int)d.cls, c->cls, "%s: class %d", c->name, d.cls);
	cr_assert_eq(d.length, c->len, "%s: length %u", c->name, d.length);
	cr_assert_eq(d.mem.present, c->mem, "%s", c->name);
	cr_assert_eq(d.nregs, c->nregs, "%s: nregs %u", c->name, d.nregs);
	if (c->nregs > 0)
		cr_assert_eq(d.reg[0], c->r0, "%s: reg0 %d", c->name, d.reg[0]);
	if (c->nregs > 1)
		cr_assert_eq(d.reg[1], c->r1, "%s: reg1 %d", c->name, d.reg[1]);
	if (c->op_size)
		cr_assert_eq(d.op_size, c->op_size, "%s: op_size %u", c->name, d.op_size);
	if (!c->mem)
		return;
	cr_assert_eq(d.mem.seg, c->seg, "%s: seg %u", c->name, d.mem.seg);
	cr_assert_eq(d.mem.base, c->base, "%s: base %d", c->name, d.mem.base);
	cr_assert_eq(d.mem.index, c->index, "%s: index %d", c->name, d.mem.index);
	cr_assert_eq(d.mem.scale, c->scale, "%s: scale %u", c->name, d.mem.scale);
	cr_assert_eq(d.mem.addr_size, c->asz, "%s: addr_size %u", c->name, d.mem.addr_size);
	cr_assert_eq(d.mem.disp, c->disp, "%s: disp %lld", c->name, (long long)d.mem.disp);
	cr_assert_not(d.mem.rip_relative, "%s", c->name);
}

Test(decode, vmptrst_rip_relative)
{
	static const uint8_t b[] = { 0x0f, 0xc7, 0x3d, 0x00, 0x01, 0x00, 0x00 };
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 64, &d), NVMX_STATUS_OK);
	cr_assert_eq(d.cls, NVMX_IC_VMPTRST);
	cr_assert(d.mem.rip_relative);
	cr_assert_eq(d.mem.base, -1);
	cr_assert_eq(d.mem.disp, 0x100);
	cr_assert_eq(d.length, 7);
}

Test(decode, rep_prefix_on_ins)
{
	static const uint8_t b[] = { 0xf3, 0x6d };
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 64, &d), NVMX_STATUS_OK);
	cr_assert_eq(d.cls, NVMX_IC_INS);
	cr_assert(d.rep);
	cr_assert_eq(d.op_size, 4);
}

Test(decode, no_rep_on_plain_outs)
{
	static const uint8_t b[] = { 0x6e };
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 32, &d), NVMX_STATUS_OK);
	cr_assert_not(d.rep);
	cr_assert_eq(d.op_size, 1);
}

Test(decode, in_with_an_immediate_port)
{
	static const uint8_t b[] = { 0xe4, 0x60 }; /* in al, 0x60 */
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 64, &d), NVMX_STATUS_OK);
	cr_assert_eq(d.cls, NVMX_IC_IN);
	cr_assert(d.has_imm);
	cr_assert_eq(d.imm, 0x60);
}

Test(decode, out_to_dx_has_no_immediate)
{
	static const uint8_t b[] = { 0xee }; /* out dx, al */
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 16, &d), NVMX_STATUS_OK);
	cr_assert_eq(d.cls, NVMX_IC_OUT);
	cr_assert_not(d.has_imm);
}

Test(decode, reads_at_most_15_bytes)
{
	uint8_t b[32];
	memset(b, 0x66, sizeof(b)); /* prefixes only: no instruction within 15 bytes */
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 64, &d), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(decode, refuses_an_undefined_opcode)
{
	static const uint8_t b[] = { 0x0f, 0x04, 0x00 }; /* 0F 04 is not an opcode */
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 64, &d), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(decode, refuses_truncated_bytes)
{
	static const uint8_t b[] = { 0x0f, 0xc7 };
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 64, &d), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(decode, refuses_an_unknown_mode)
{
	static const uint8_t b[] = { 0x0f, 0x01, 0xc2 };
	struct nvmx_decoded d;
	cr_assert_eq(nvmx_decode(b, sizeof(b), 8, &d), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_decode(NULL, 3, 64, &d), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_decode(b, 3, 64, NULL), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(decode, refuses_invept_with_a_register_operand)
{
	static const uint8_t b[] = { 0x66, 0x0f, 0x38, 0x80, 0xc8 }; /* mod = 11 */
	struct nvmx_decoded d;
	enum nvmx_status s = nvmx_decode(b, sizeof(b), 64, &d);
	cr_assert(s == NVMX_STATUS_INVALID_ARGUMENT || d.cls != NVMX_IC_INVEPT || !d.mem.present);
}
