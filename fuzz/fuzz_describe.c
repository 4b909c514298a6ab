/* SPDX-License-Identifier: MIT */
/*
 * fuzz_describe: the exit-information describer for instructions L0
 * emulated for L2 (NVMX_L2_EXIT_EMULATED, libnvmx/exit/insninfo.c). The
 * fuzz bytes choose, for each of up to 16 exits, an instruction class (the
 * VMX instructions, SGDT/SIDT/LGDT/LIDT, SLDT/STR/LLDT/LTR, RDRAND/RDSEED,
 * IN/OUT/INS/OUTS), L2's mode (64-bit or 32-bit protected), and its
 * prefixes, ModR/M, SIB and displacement; x86_gen.h encodes it and records
 * what it means. L1 intercepts every one of them, so each exit must reach
 * L1 with the instruction length, the defined bits of the VM-exit
 * instruction information (SDM 28.2.5, Tables 28-9 to 28-13) and the exit
 * qualification (SDM 28.2.1, Table 28-5 for I/O) that the encoding gives.
 * One exit in four has some bytes overwritten with fuzz bytes instead: then
 * only the library's safety is checked (no crash, a length within the
 * bytes given, L2 still running when the exit stays with L0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "refhost.h"
#include "vmcs12_valid.h"
#include "x86_gen.h"

#define VMCS12_GPA 0x10000ull
#define MEM (1u << 20)

#define FAIL(...)                                                     \
	do {                                                              \
		fprintf(stderr, "fuzz_describe: " __VA_ARGS__);           \
		fprintf(stderr, "\n");                                    \
		abort();                                                  \
	} while (0)

static struct refhost h;
static bool have_host;

enum cls {
	C_VMCLEAR, C_VMPTRLD, C_VMXON, C_VMPTRST, C_VMREAD, C_VMWRITE, C_INVEPT, C_INVVPID,
	C_SGDT, C_SIDT, C_LGDT, C_LIDT, C_SLDT, C_STR, C_LLDT, C_LTR, C_RDRAND, C_RDSEED,
	C_INOUT, C_STRIO, C_COUNT
};

static void set12(void *ctx, unsigned idx, uint64_t val)
{
	nvmx_vmcs12_set(ctx, idx, val);
}

static bool start(void)
{
	if (!have_host) {
		struct nvmx_vm_config cfg;
		nvmx_vm_config_example(&cfg);
		cfg.shadow_ept_budget = 1ull << 20;
		if (refhost_init(&h, MEM, &cfg) != NVMX_STATUS_OK)
			return false;
		have_host = true;
	}
	struct nvmx_vcpu *v = h.vcpu;
	v->vmxon = true;
	v->vmxon_ptr = 0x1000;
	v->in_l2 = false;
	v->cur = NULL;
	refhost_mem_w32(&h, VMCS12_GPA, 4);
	struct nvmx_vmcs12 *s;
	if (nvmx_vmcs12_load(v, VMCS12_GPA, &s) != NVMX_STATUS_OK)
		return false;
	v->cur = s;
	v->current_vmptr = VMCS12_GPA;
	s->launched = true;
	/* L1 intercepts everything described here. */
	nvmx_vmcs12_set(s, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	                NVMX_PROC_UNCOND_IO_EXITING | NVMX_PROC_SECONDARY_CONTROLS);
	nvmx_vmcs12_set(s, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL,
	                NVMX_PROC2_DESC_TABLE_EXITING | NVMX_PROC2_RDRAND_EXITING |
	                        NVMX_PROC2_RDSEED_EXITING);
	nvmx_vmcs12_set(s, NVMX_IDX_VM_EXIT_CONTROLS, NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE);
	tsup_vmcs12_host64(set12, s);
	return true;
}

/* The memory-operand bits every format shares, with undefined ones masked
 * (scaling and index undefined without an index, base without a base). */
static void mem_expect(const struct gen_modrm *m, uint32_t *val, uint32_t *mask)
{
	uint32_t v = 0, k = 0;
	k |= 7u << 7;
	v |= (m->addr_size == 8 ? 2u : 1u) << 7;
	k |= 7u << 15;
	v |= m->seg << 15;
	k |= 1u << 22 | 1u << 27;
	if (m->index >= 0) {
		k |= 3u | 15u << 18;
		v |= (m->scale == 8 ? 3u : m->scale == 4 ? 2u : m->scale == 2 ? 1u : 0u) |
		     (uint32_t)m->index << 18;
	} else {
		v |= 1u << 22;
	}
	if (m->base >= 0) {
		k |= 15u << 23;
		v |= (uint32_t)m->base << 23;
	} else {
		v |= 1u << 27;
	}
	*val |= v;
	*mask |= k;
}

struct expect {
	uint32_t reason;
	uint32_t info, info_mask;
	uint64_t qual;
	uint64_t dx;
};

/* Encode one instruction of class `c` and what the library must report. */
static void encode(struct fuzz_src *in, enum cls c, bool long64, struct gen_insn *g,
                   struct expect *x)
{
	struct gen_plan p;
	memset(g, 0, sizeof(*g));
	memset(x, 0, sizeof(*x));
	g->long64 = long64;
	uint8_t opt = (uint8_t)fuzz_take(in, 1);
	switch (c) {
	case C_VMCLEAR: case C_VMPTRLD: case C_VMXON: case C_VMPTRST: {
		static const uint32_t r[] = { NVMX_EXIT_REASON_VMCLEAR, NVMX_EXIT_REASON_VMPTRLD, NVMX_EXIT_REASON_VMXON,
		                              NVMX_EXIT_REASON_VMPTRST };
		gen_plan(in, long64, c == C_VMPTRST ? 7 : 6, true, false, &p);
		gen_fix_segment(&p, long64);
		gen_prefixes(g, &p);
		if (c == C_VMCLEAR)
			gen_put(g, 0x66);
		if (c == C_VMXON)
			gen_put(g, 0xf3);
		gen_rex(g, &p);
		gen_put(g, 0x0f);
		gen_put(g, 0xc7);
		gen_modrm_bytes(g, &p);
		x->reason = r[c - C_VMCLEAR];
		mem_expect(&g->m, &x->info, &x->info_mask);
		x->info_mask |= 1u << 10;
		x->qual = (uint64_t)g->m.disp;
		break;
	}
	case C_VMREAD: case C_VMWRITE:
		gen_plan(in, long64, -1, false, false, &p);
		gen_fix_segment(&p, long64);
		gen_prefixes(g, &p);
		gen_rex(g, &p);
		gen_put(g, 0x0f);
		gen_put(g, c == C_VMREAD ? 0x78 : 0x79);
		gen_modrm_bytes(g, &p);
		x->reason = c == C_VMREAD ? NVMX_EXIT_REASON_VMREAD : NVMX_EXIT_REASON_VMWRITE;
		x->info = g->m.reg << 28;
		x->info_mask = 15u << 28 | 1u << 10;
		if (g->m.mem) {
			mem_expect(&g->m, &x->info, &x->info_mask);
			x->qual = (uint64_t)g->m.disp;
		} else {
			x->info |= 1u << 10 | g->m.rm << 3;
			x->info_mask |= 15u << 3;
		}
		break;
	case C_INVEPT: case C_INVVPID:
		gen_plan(in, long64, -1, true, false, &p);
		gen_fix_segment(&p, long64);
		gen_prefixes(g, &p);
		gen_put(g, 0x66);
		gen_rex(g, &p);
		gen_put(g, 0x0f);
		gen_put(g, 0x38);
		gen_put(g, c == C_INVEPT ? 0x80 : 0x81);
		gen_modrm_bytes(g, &p);
		x->reason = c == C_INVEPT ? NVMX_EXIT_REASON_INVEPT : NVMX_EXIT_REASON_INVVPID;
		mem_expect(&g->m, &x->info, &x->info_mask);
		x->info |= g->m.reg << 28;
		x->info_mask |= 15u << 28 | 1u << 10;
		x->qual = (uint64_t)g->m.disp;
		break;
	case C_SGDT: case C_SIDT: case C_LGDT: case C_LIDT: {
		unsigned id = (unsigned)(c - C_SGDT);
		gen_plan(in, long64, (int)id, true, false, &p);
		gen_fix_segment(&p, long64);
		gen_prefixes(g, &p);
		bool o16 = !long64 && (opt & 1);
		if (o16)
			gen_put(g, 0x66);
		gen_rex(g, &p);
		gen_put(g, 0x0f);
		gen_put(g, 0x01);
		gen_modrm_bytes(g, &p);
		x->reason = NVMX_EXIT_REASON_GDTR_IDTR;
		mem_expect(&g->m, &x->info, &x->info_mask);
		x->info |= id << 28;
		x->info_mask |= 3u << 28 | 1u << 10;
		if (!long64) { /* operand size: 0 16-bit, 1 32-bit; undefined in 64-bit mode */
			x->info_mask |= 1u << 11;
			x->info |= o16 ? 0 : 1u << 11;
		}
		x->qual = (uint64_t)g->m.disp;
		break;
	}
	case C_SLDT: case C_STR: case C_LLDT: case C_LTR: {
		unsigned id = (unsigned)(c - C_SLDT);
		gen_plan(in, long64, (int)id, false, false, &p);
		gen_fix_segment(&p, long64);
		gen_prefixes(g, &p);
		gen_rex(g, &p);
		gen_put(g, 0x0f);
		gen_put(g, 0x00);
		gen_modrm_bytes(g, &p);
		x->reason = NVMX_EXIT_REASON_LDTR_TR;
		x->info = id << 28;
		x->info_mask = 3u << 28 | 1u << 10;
		if (g->m.mem) {
			mem_expect(&g->m, &x->info, &x->info_mask);
			x->qual = (uint64_t)g->m.disp;
		} else {
			x->info |= 1u << 10 | g->m.rm << 3;
			x->info_mask |= 15u << 3;
		}
		break;
	}
	case C_RDRAND: case C_RDSEED: {
		gen_plan(in, long64, c == C_RDRAND ? 6 : 7, false, true, &p);
		gen_prefixes(g, &p);
		bool o16 = opt & 1;
		if (o16)
			gen_put(g, 0x66);
		gen_rex(g, &p);
		gen_put(g, 0x0f);
		gen_put(g, 0xc7);
		gen_modrm_bytes(g, &p);
		x->reason = c == C_RDRAND ? NVMX_EXIT_REASON_RDRAND : NVMX_EXIT_REASON_RDSEED;
		/* REX.W wins over 66h (SDM vol. 2, 2.2.1.2). */
		unsigned os = long64 && p.rex_w ? 2 : o16 ? 0 : 1;
		x->info = g->m.rm << 3 | os << 11;
		x->info_mask = 15u << 3 | 3u << 11;
		break;
	}
	case C_INOUT: {
		/* E4/E5 IN imm8, E6/E7 OUT imm8, EC/ED IN DX, EE/EF OUT DX. */
		uint8_t op = (uint8_t)(0xe4 + (opt & 3) + ((opt & 4) ? 8 : 0));
		bool o16 = (opt & 8) && (op & 1);
		if (o16)
			gen_put(g, 0x66);
		gen_put(g, op);
		bool imm = !(op & 8);
		uint8_t port8 = (uint8_t)fuzz_take(in, 1);
		if (imm)
			gen_put(g, port8);
		x->dx = fuzz_take(in, 2);
		unsigned size = !(op & 1) ? 1 : o16 ? 2 : 4;
		bool is_in = !(op & 2);
		x->reason = NVMX_EXIT_REASON_IO_INSTRUCTION;
		x->qual = (uint64_t)(size - 1) | (is_in ? 8u : 0) | (imm ? 0x40u : 0) |
		          (uint64_t)(imm ? port8 : x->dx) << 16;
		break;
	}
	default: { /* C_STRIO: 6C/6D INS, 6E/6F OUTS */
		uint8_t op = (uint8_t)(0x6c + (opt & 3));
		bool is_in = op < 0x6e;
		bool rep = opt & 4, o16 = (opt & 8) && (op & 1), a32 = long64 && (opt & 16);
		bool ovr = !is_in && (opt & 32);
		unsigned seg = ((unsigned)opt >> 6) % 6;
		if (long64 && seg < 4)
			seg = 4 + (seg & 1); /* as in x86_gen.h: only FS/GS in 64-bit mode */
		if (ovr)
			gen_put(g, gen_seg_prefix[seg]);
		if (a32)
			gen_put(g, 0x67);
		if (rep)
			gen_put(g, 0xf3);
		if (o16)
			gen_put(g, 0x66);
		gen_put(g, op);
		x->dx = fuzz_take(in, 2);
		unsigned size = !(op & 1) ? 1 : o16 ? 2 : 4;
		x->reason = NVMX_EXIT_REASON_IO_INSTRUCTION;
		x->qual = (uint64_t)(size - 1) | (is_in ? 8u : 0) | 0x10u | (rep ? 0x20u : 0) |
		          x->dx << 16;
		if (nvmx_caps_msr(&h.vm->caps, NVMX_MSR_IA32_VMX_BASIC) & NVMX_BASIC_INOUT_INFO) {
			x->info = (long64 && !a32 ? 2u : 1u) << 7;
			x->info_mask = 7u << 7;
			if (!is_in) { /* INS always uses ES; bits 17:15 are defined for OUTS */
				x->info |= (ovr ? seg : 3u) << 15;
				x->info_mask |= 7u << 15;
			}
		}
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src in = { data, size };
	if (!start())
		abort();
	struct nvmx_vcpu *v = h.vcpu;
	for (unsigned k = 0; k < 16 && in.n; k++) {
		uint8_t sel = (uint8_t)fuzz_take(&in, 1);
		enum cls c = (enum cls)(sel % C_COUNT);
		bool long64 = !(sel & 0x80);
		bool raw = (sel & 0x60) == 0x60;
		struct gen_insn g;
		struct expect x;
		encode(&in, c, long64, &g, &x);
		if (raw) {
			/* Overwrite up to 4 bytes at fuzz-chosen places. */
			unsigned cnt = (unsigned)fuzz_take(&in, 1) & 3;
			for (unsigned i = 0; i <= cnt; i++) {
				unsigned at = (unsigned)fuzz_take(&in, 1) % 15;
				g.b[at] = (uint8_t)fuzz_take(&in, 1);
				if (at >= g.n)
					g.n = at + 1;
			}
		}
		v->in_l2 = true;
		refhost_vmcs02_set(&h, NVMX_F_GUEST_CS_AR_BYTES, long64 ? 0xa09b : 0xc09b);
		struct nvmx_l2_exit e;
		memset(&e, 0, sizeof(e));
		e.size = sizeof(e);
		e.exit_reason = x.reason;
		e.flags = NVMX_L2_EXIT_EMULATED;
		e.operand = x.dx;
		memcpy(e.bytes, g.b, sizeof(e.bytes));
		e.nbytes = (uint8_t)g.n;
		struct nvmx_result r;
		enum nvmx_status st = nvmx_vcpu_handle_exit(v, &e, &r);
		if (raw) {
			if (st != NVMX_STATUS_OK)
				continue;
			if (r.outcome == NVMX_OUTCOME_EXIT_TO_L1) {
				uint64_t len = v->cur->f[NVMX_IDX_VM_EXIT_INSTRUCTION_LEN];
				if (len == 0 || len > g.n)
					FAIL("raw bytes: length %llu of %u bytes", (unsigned long long)len, g.n);
			} else if (r.action == NVMX_ACTION_L0_EXIT && !v->in_l2) {
				FAIL("raw bytes: an exit L0 keeps left L2");
			}
			continue;
		}
		if (st != NVMX_STATUS_OK || r.outcome != NVMX_OUTCOME_EXIT_TO_L1)
			FAIL("class %d (%s mode, %u bytes): status %d outcome %d reason %s", c,
			     long64 ? "64-bit" : "32-bit", g.n, st, r.outcome, nvmx_reason_name(r.reason));
		const struct nvmx_vmcs12 *s = v->cur;
		uint64_t len = s->f[NVMX_IDX_VM_EXIT_INSTRUCTION_LEN];
		uint32_t info = (uint32_t)s->f[NVMX_IDX_VMX_INSTRUCTION_INFO];
		uint64_t qual = s->f[NVMX_IDX_EXIT_QUALIFICATION];
		if (len != g.n)
			FAIL("class %d: length %llu, encoded %u", c, (unsigned long long)len, g.n);
		if ((info & x.info_mask) != x.info) {
			for (unsigned i = 0; i < g.n; i++)
				fprintf(stderr, "%02x ", g.b[i]);
			fprintf(stderr, "\n");
		}
		if ((info & x.info_mask) != x.info)
			FAIL("class %d (%s): information %#x, expected %#x under mask %#x", c,
			     long64 ? "64-bit" : "32-bit", info, x.info, x.info_mask);
		if (qual != x.qual)
			FAIL("class %d: qualification %#llx, expected %#llx", c, (unsigned long long)qual,
			     (unsigned long long)x.qual);
	}
	return 0;
}
