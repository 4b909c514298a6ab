/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decode: the VMX-instruction decoder fallback. A host without the
 * VM-exit instruction-information field hands the library the instruction
 * bytes from L1's memory (NVMX_INSN_INFO_VALID clear) and the library
 * decodes them (libnvmx/insn/operand.c, Zydis). Differential oracle: two
 * reference hosts start in the same state; each instruction (VMCLEAR,
 * VMPTRLD, VMXON, VMPTRST, VMREAD, VMWRITE, INVEPT, INVVPID with
 * fuzz-chosen prefixes, REX, ModR/M, SIB and displacement, encoded by
 * x86_gen.h) goes to host A as bytes and to host B as the instruction
 * information and qualification real hardware would report for that
 * encoding (SDM 28.2.5, Table 28-13, built here from the encoding). Both
 * must produce the same result, L1 registers, RIP, RFLAGS, L1 memory and
 * current VMCS. One instruction in four is sent to host A with some bytes
 * overwritten instead (host B then skips it): the library must not crash,
 * and a refused instruction must leave L1's RIP and RFLAGS alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "refhost.h"
#include "x86_gen.h"

#define MEM (256u << 10)
#define REV 0x4u

#define FAIL(...)                                                   \
	do {                                                            \
		fprintf(stderr, "fuzz_decode: " __VA_ARGS__);           \
		fprintf(stderr, "\n");                                  \
		abort();                                                \
	} while (0)

static struct refhost ha, hb;

static bool reset(struct refhost *h, bool long64)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.shadow_ept_budget = 1ull << 20;
	cfg.vmcs12_cache_slots = 2;
	if (!h->mem)
		return refhost_init(h, MEM, &cfg) == NVMX_STATUS_OK && reset(h, long64);
	nvmx_vcpu_destroy(h->vcpu);
	nvmx_vm_destroy(h->vm);
	h->vcpu = NULL;
	h->vm = NULL;
	memset(h->mem, 0, MEM);
	memset(h->l1, 0, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
	memset(h->gpr, 0, sizeof(h->gpr));
	h->nranges = 0;
	refhost_l1_long_mode(h);
	if (!long64) {
		/* 32-bit protected mode, flat segments. */
		refhost_l1_set(h, NVMX_F_GUEST_IA32_EFER, 0);
		refhost_l1_set(h, NVMX_F_GUEST_CS_AR_BYTES,
		               0xb | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G);
	}
	refhost_l1_set(h, NVMX_F_GUEST_RFLAGS, 0x2);
	if (nvmx_vm_create(&cfg, &h->ops, h, &h->vm) != NVMX_STATUS_OK ||
	    nvmx_vcpu_create(h->vm, h, &h->vcpu) != NVMX_STATUS_OK)
		return false;
	for (unsigned i = 1; i <= 8; i++)
		refhost_mem_w32(h, (uint64_t)i << 12, REV);
	return true;
}

/* Table 28-13, from the encoding. */
static uint32_t info_of(const struct gen_modrm *m, uint32_t reason)
{
	uint32_t info = 0;
	const bool vmrw = reason == NVMX_EXIT_REASON_VMREAD || reason == NVMX_EXIT_REASON_VMWRITE;
	if (m->mem) {
		info |= m->scale == 8 ? 3u : m->scale == 4 ? 2u : m->scale == 2 ? 1u : 0u;
		info |= (m->addr_size == 8 ? 2u : 1u) << 7;
		info |= m->seg << 15;
		info |= m->index >= 0 ? (uint32_t)m->index << 18 : 1u << 22;
		info |= m->base >= 0 ? (uint32_t)m->base << 23 : 1u << 27;
	} else {
		info |= 1u << 10 | m->rm << 3;
	}
	if (vmrw || reason == NVMX_EXIT_REASON_INVEPT || reason == NVMX_EXIT_REASON_INVVPID)
		info |= m->reg << 28;
	return info;
}

static void encode(struct fuzz_src *in, unsigned c, bool long64, struct gen_insn *g,
                   uint32_t *reason)
{
	static const uint32_t reasons[] = { NVMX_EXIT_REASON_VMCLEAR, NVMX_EXIT_REASON_VMPTRLD, NVMX_EXIT_REASON_VMXON,
	                                    NVMX_EXIT_REASON_VMPTRST, NVMX_EXIT_REASON_VMREAD, NVMX_EXIT_REASON_VMWRITE,
	                                    NVMX_EXIT_REASON_INVEPT, NVMX_EXIT_REASON_INVVPID };
	struct gen_plan p;
	memset(g, 0, sizeof(*g));
	g->long64 = long64;
	*reason = reasons[c];
	const bool vmrw = c == 4 || c == 5;
	gen_plan(in, long64, c <= 2 ? 6 : c == 3 ? 7 : -1, !vmrw, false, &p);
	gen_fix_segment(&p, long64);
	gen_prefixes(g, &p);
	if (c == 0 || c >= 6)
		gen_put(g, 0x66);
	if (c == 2)
		gen_put(g, 0xf3);
	gen_rex(g, &p);
	gen_put(g, 0x0f);
	if (c <= 3) {
		gen_put(g, 0xc7);
	} else if (vmrw) {
		gen_put(g, c == 4 ? 0x78 : 0x79);
	} else {
		gen_put(g, 0x38);
		gen_put(g, c == 6 ? 0x80 : 0x81);
	}
	gen_modrm_bytes(g, &p);
}

static void compare(const char *what, const struct nvmx_result *ra, const struct nvmx_result *rb,
                    enum nvmx_status sa, enum nvmx_status sb)
{
	if (sa != sb)
		FAIL("%s: status %d (bytes) vs %d (information)", what, sa, sb);
	if (ra->action != rb->action || ra->outcome != rb->outcome || ra->reason != rb->reason ||
	    ra->vm_insn_error != rb->vm_insn_error || ra->value != rb->value)
		FAIL("%s: bytes gave outcome %d reason %s error %u, information outcome %d reason %s error %u",
		     what, ra->outcome, nvmx_reason_name(ra->reason), ra->vm_insn_error, rb->outcome,
		     nvmx_reason_name(rb->reason), rb->vm_insn_error);
	if (ra->outcome == NVMX_OUTCOME_FAULT &&
	    (ra->fault.vector != rb->fault.vector || ra->fault.error_code != rb->fault.error_code ||
	     ra->fault.cr2 != rb->fault.cr2))
		FAIL("%s: faults differ (%u vs %u)", what, ra->fault.vector, rb->fault.vector);
	if (memcmp(ha.gpr, hb.gpr, sizeof(ha.gpr)))
		FAIL("%s: general-purpose registers differ", what);
	if (refhost_l1_get(&ha, NVMX_F_GUEST_RIP) != refhost_l1_get(&hb, NVMX_F_GUEST_RIP) ||
	    refhost_l1_get(&ha, NVMX_F_GUEST_RFLAGS) != refhost_l1_get(&hb, NVMX_F_GUEST_RFLAGS))
		FAIL("%s: RIP or RFLAGS differ", what);
	if (nvmx_vcpu_current_vmptr(ha.vcpu) != nvmx_vcpu_current_vmptr(hb.vcpu) ||
	    nvmx_vcpu_in_vmx_operation(ha.vcpu) != nvmx_vcpu_in_vmx_operation(hb.vcpu))
		FAIL("%s: VMX state differs", what);
	if (ha.vcpu->cur && memcmp(ha.vcpu->cur->f, hb.vcpu->cur->f, sizeof(ha.vcpu->cur->f)))
		FAIL("%s: current VMCS12 fields differ", what);
	if (memcmp(ha.mem, hb.mem, MEM))
		FAIL("%s: L1 memory differs", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src in = { data, size };
	bool long64 = !(fuzz_take(&in, 1) & 1);
	if (!reset(&ha, long64) || !reset(&hb, long64))
		abort();
	/* Registers: small, 8-byte aligned values, so that operands land in
	 * L1 memory; L1 memory: pointers to the VMCS regions. */
	for (unsigned r = 0; r < 16; r++)
		ha.gpr[r] = hb.gpr[r] = fuzz_take(&in, 2) & 0xfff8u;
	unsigned nfill = (unsigned)fuzz_take(&in, 1) & 15;
	for (unsigned i = 0; i < nfill; i++) {
		uint64_t a = (fuzz_take(&in, 2) & 0xfff8u);
		uint64_t val = fuzz_take(&in, 1);
		val = val < 0xc0 ? (val % 9) << 12 : (val << 32 | fuzz_take(&in, 4));
		refhost_mem_w64(&ha, a, val);
		refhost_mem_w64(&hb, a, val);
	}
	for (unsigned k = 0; k < 24 && in.n; k++) {
		uint8_t sel = (uint8_t)fuzz_take(&in, 1);
		struct gen_insn g;
		uint32_t reason;
		encode(&in, sel & 7, long64, &g, &reason);
		uint64_t rip = 0x100000 + 0x100ull * k;
		refhost_l1_set(&ha, NVMX_F_GUEST_RIP, rip);
		refhost_l1_set(&hb, NVMX_F_GUEST_RIP, rip);
		struct nvmx_insn_exit ea, eb;
		memset(&ea, 0, sizeof(ea));
		memset(&eb, 0, sizeof(eb));
		ea.size = eb.size = sizeof(ea);
		ea.exit_reason = eb.exit_reason = reason;
		ea.insn_len = eb.insn_len = g.n;
		eb.flags = NVMX_INSN_INFO_VALID;
		eb.insn_info = info_of(&g.m, reason);
		eb.qualification = g.m.mem ? (uint64_t)g.m.disp : 0;
		memcpy(ea.bytes, g.b, sizeof(ea.bytes));
		ea.nbytes = (uint8_t)g.n;
		struct nvmx_result ra, rb;
		if ((sel & 0x18) == 0x18) {
			unsigned cnt = (unsigned)fuzz_take(&in, 1) & 3;
			for (unsigned i = 0; i <= cnt; i++)
				ea.bytes[fuzz_take(&in, 1) % 15] = (uint8_t)fuzz_take(&in, 1);
			if (sel & 0x20)
				ea.insn_len = 0; /* the library takes the decoded length */
			uint64_t rfl = refhost_l1_get(&ha, NVMX_F_GUEST_RFLAGS);
			enum nvmx_status st = nvmx_vcpu_emulate_vmx_insn(ha.vcpu, &ea, &ra);
			if ((st != NVMX_STATUS_OK || ra.outcome == NVMX_OUTCOME_FAULT) &&
			    (refhost_l1_get(&ha, NVMX_F_GUEST_RIP) != rip ||
			     refhost_l1_get(&ha, NVMX_F_GUEST_RFLAGS) != rfl))
				FAIL("raw bytes: a refused instruction moved RIP or RFLAGS");
			/* The hosts now differ: no more comparisons this input. */
			return 0;
		}
		enum nvmx_status sa = nvmx_vcpu_emulate_vmx_insn(ha.vcpu, &ea, &ra);
		enum nvmx_status sb = nvmx_vcpu_emulate_vmx_insn(hb.vcpu, &eb, &rb);
		char what[64];
		snprintf(what, sizeof(what), "insn %u (exit %u, %s, %u bytes)", k, reason,
		         long64 ? "64-bit" : "32-bit", g.n);
		compare(what, &ra, &rb, sa, sb);
	}
	return 0;
}
