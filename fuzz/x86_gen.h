/* SPDX-License-Identifier: MIT */
/*
 * A small x86 instruction encoder for the decoder harnesses (fuzz_decode,
 * fuzz_describe), written from the Intel SDM volume 2 (chapter 2: prefixes,
 * REX, ModR/M, SIB, displacement) and shared by no library code: the fuzz
 * bytes choose an instruction's parts, this file lays out its bytes and
 * records what the parts mean, so that the harness knows the right decoding
 * by construction and checks the library's (Zydis-based) one against it.
 *
 * Covered: 64-bit mode (REX, 67h for 32-bit addresses, no RIP-relative
 * form) and 32-bit protected mode (32-bit addresses only); segment-override
 * prefixes; ModR/M with or without SIB, disp8/disp32, register forms.
 */
#ifndef NVMX_FUZZ_X86_GEN_H
#define NVMX_FUZZ_X86_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "fuzz_input.h"

/* What the encoded memory or register operand is. */
struct gen_modrm {
	bool mem;               /* memory operand (else register form) */
	int base, index;        /* GPR 0..15, -1 for none */
	unsigned scale;         /* 1, 2, 4, 8 (index only) */
	unsigned addr_size;     /* 4 or 8 bytes */
	unsigned seg;           /* 0 ES .. 5 GS, after the override or the default */
	int64_t disp;           /* sign-extended */
	unsigned reg;           /* ModR/M.reg with REX.R: a GPR number or an opcode extension */
	unsigned rm;            /* register form: ModR/M.rm with REX.B */
};

struct gen_insn {
	uint8_t b[15];
	unsigned n;
	bool long64;
	bool opsize16;          /* 66h given as an operand-size prefix */
	bool rex_w;
	struct gen_modrm m;
};

static inline void gen_put(struct gen_insn *g, uint8_t byte)
{
	if (g->n < sizeof(g->b))
		g->b[g->n++] = byte;
}

/*
 * Choose and emit prefixes (segment override, 67h) before the caller's
 * mandatory prefix and opcode. The REX byte (64-bit mode) is emitted by
 * gen_modrm_bytes's caller through gen_rex, after the mandatory prefix.
 */
struct gen_plan {
	bool seg_override;
	unsigned seg;
	bool addr32;            /* 67h in 64-bit mode */
	unsigned mod, reg, rm;  /* before REX extension */
	bool sib;
	unsigned ss, idx, sbase;
	bool rex_r, rex_x, rex_b, rex_w;
	int32_t disp;
};

static const uint8_t gen_seg_prefix[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

/* Fill a plan from the fuzz bytes. `reg_fixed` >= 0 forces ModR/M.reg (an
 * opcode extension); `mem_only`/`reg_only` restrict the form. */
static inline void gen_plan(struct fuzz_src *in, bool long64, int reg_fixed, bool mem_only,
                            bool reg_only, struct gen_plan *p)
{
	memset(p, 0, sizeof(*p));
	uint8_t a = (uint8_t)fuzz_take(in, 1), b = (uint8_t)fuzz_take(in, 1);
	uint8_t c = (uint8_t)fuzz_take(in, 1);
	p->seg_override = a & 1;
	p->seg = (a >> 1) % 6;
	/* In 64-bit mode ES/CS/SS/DS overrides are ignored (SDM vol. 1,
	 * 3.3.7.1): which segment an exit would then report is not defined
	 * here, so only FS and GS are used. */
	if (long64 && p->seg < 4)
		p->seg = 4 + (p->seg & 1);
	p->addr32 = long64 && (a & 0x10);
	p->mod = reg_only ? 3 : mem_only ? (b & 3) % 3 : (b & 3);
	p->reg = reg_fixed >= 0 ? (unsigned)reg_fixed : (b >> 2) & 7;
	p->rm = (b >> 5) & 7;
	p->ss = c & 3;
	p->idx = (c >> 2) & 7;
	p->sbase = (c >> 5) & 7;
	if (long64) {
		uint8_t r = (uint8_t)fuzz_take(in, 1);
		p->rex_r = reg_fixed < 0 && (r & 1);
		p->rex_x = r & 2;
		p->rex_b = r & 4;
		p->rex_w = r & 8;
	}
	p->disp = (int32_t)(uint32_t)fuzz_take(in, 4);
	if (p->mod != 3 && p->mod == 0 && p->rm == 5)
		p->rm = 4; /* no RIP-relative / absolute disp32 form: use a SIB */
	p->sib = p->mod != 3 && p->rm == 4;
}

static inline uint8_t gen_rex_byte(const struct gen_plan *p)
{
	return (uint8_t)(0x40 | (p->rex_w ? 8 : 0) | (p->rex_r ? 4 : 0) | (p->rex_x ? 2 : 0) |
	                 (p->rex_b ? 1 : 0));
}

/* Emit the prefixes that come before a mandatory prefix. */
static inline void gen_prefixes(struct gen_insn *g, const struct gen_plan *p)
{
	if (p->seg_override)
		gen_put(g, gen_seg_prefix[p->seg]);
	if (p->addr32)
		gen_put(g, 0x67);
}

/* Emit REX (64-bit mode: always, so that the harness's view of the register
 * numbers is exact), to be called right before the opcode. */
static inline void gen_rex(struct gen_insn *g, const struct gen_plan *p)
{
	if (g->long64)
		gen_put(g, gen_rex_byte(p));
}

/* Emit ModR/M, SIB and displacement, and record their meaning in g->m. */
static inline void gen_modrm_bytes(struct gen_insn *g, const struct gen_plan *p)
{
	struct gen_modrm *m = &g->m;
	unsigned rx = g->long64 && p->rex_r ? 8 : 0, bx = g->long64 && p->rex_b ? 8 : 0;
	unsigned xx = g->long64 && p->rex_x ? 8 : 0;
	gen_put(g, (uint8_t)(p->mod << 6 | (p->reg & 7) << 3 | (p->rm & 7)));
	m->reg = (p->reg & 7) | rx;
	m->mem = p->mod != 3;
	m->base = m->index = -1;
	m->scale = 1;
	m->disp = 0;
	m->addr_size = g->long64 && !p->addr32 ? 8 : 4;
	if (!m->mem) {
		m->rm = (p->rm & 7) | bx;
		return;
	}
	bool no_base = false;
	if (p->sib) {
		gen_put(g, (uint8_t)(p->ss << 6 | (p->idx & 7) << 3 | (p->sbase & 7)));
		unsigned idx = (p->idx & 7) | xx;
		if (idx != 4) { /* SIB.index 100b without REX.X: no index */
			m->index = (int)idx;
			m->scale = 1u << p->ss;
		}
		if (p->mod == 0 && (p->sbase & 7) == 5)
			no_base = true; /* disp32, no base */
		else
			m->base = (int)((p->sbase & 7) | bx);
	} else {
		m->base = (int)((p->rm & 7) | bx);
	}
	if (p->mod == 1) {
		gen_put(g, (uint8_t)p->disp);
		m->disp = (int8_t)(uint8_t)p->disp;
	} else if (p->mod == 2 || no_base) {
		for (unsigned i = 0; i < 4; i++)
			gen_put(g, (uint8_t)((uint32_t)p->disp >> (8 * i)));
		m->disp = p->disp;
	}
	/* Default segment: SS when the base is rSP or rBP (SDM vol. 1, 3.7.4),
	 * DS otherwise. The harness keeps r12/r13 out of that question by
	 * giving them an explicit override. */
	if (p->seg_override)
		m->seg = p->seg;
	else if (m->base == 4 || m->base == 5)
		m->seg = 2;
	else
		m->seg = 3;
}

/* Whether the plan must carry an override to make the segment unambiguous
 * (a base r12 or r13). Call after gen_plan; fixes the plan. */
static inline void gen_fix_segment(struct gen_plan *p, bool long64)
{
	if (!long64 || p->mod == 3 || p->seg_override)
		return;
	unsigned bx = p->rex_b ? 8 : 0;
	unsigned base = p->sib ? ((p->sbase & 7) | bx) : ((p->rm & 7) | bx);
	bool no_base = p->sib && p->mod == 0 && (p->sbase & 7) == 5;
	if (!no_base && (base == 12 || base == 13)) {
		p->seg_override = true;
		p->seg = 3;
	}
}

#endif
