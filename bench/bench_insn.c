/* SPDX-License-Identifier: MIT */
/*
 * VMX-instruction emulation costs: VMREAD and VMWRITE of a VMCS12 field,
 * VMPTRLD switching between two cached VMCS12s, VMCLEAR with write-back of
 * a dirty VMCS12. One JSON line each (docs/benchmarks.md).
 */
#include <stdio.h>
#include <string.h>
#include "bench_util.h"

#define REV 0x4u
#define VMXON_PA 0x1000ull
#define VMCS_A 0x2000ull
#define VMCS_B 0x3000ull
#define OPND 0x8000ull

struct ctx {
	struct refhost *h;
	struct nvmx_insn_exit vmread, vmwrite, vmptrld, vmclear;
	unsigned flip;
	unsigned failures;
};

static void run(struct ctx *c, const struct nvmx_insn_exit *ex)
{
	struct nvmx_result r;
	if (nvmx_vcpu_emulate_vmx_insn(c->h->vcpu, ex, &r) != NVMX_STATUS_OK ||
	    r.outcome != NVMX_OUTCOME_SUCCEED)
		c->failures++;
}

static struct nvmx_insn_exit mk(uint32_t reason, uint32_t info, uint32_t len)
{
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = reason;
	ex.insn_info = info;
	ex.insn_len = len;
	ex.flags = NVMX_INSN_INFO_VALID;
	return ex;
}

/* Memory operand DS:[RBX], 64-bit addressing; register forms name RCX
 * (value) and RDX (field encoding) (SDM 28.2.5). */
#define INFO_MEM_RBX ((2u << 7) | (3u << 15) | (1u << 22) | (3u << 23))
#define INFO_REGS ((2u << 7) | (1u << 10) | (1u << 3) | (2u << 28))

static void op_vmread(void *p) { struct ctx *c = p; run(c, &c->vmread); }
static void op_vmwrite(void *p) { struct ctx *c = p; c->h->gpr[1]++; run(c, &c->vmwrite); }

static void op_vmptrld_switch(void *p)
{
	struct ctx *c = p;
	c->flip ^= 1;
	c->h->gpr[3] = OPND + 8 * c->flip;
	run(c, &c->vmptrld);
}

static void reset_dirty_a(void *p)
{
	struct ctx *c = p;
	c->h->gpr[3] = OPND;
	run(c, &c->vmptrld);
	c->h->gpr[1]++;
	run(c, &c->vmwrite);
}

static void op_vmclear(void *p)
{
	struct ctx *c = p;
	c->h->gpr[3] = OPND;
	run(c, &c->vmclear);
}

int main(void)
{
	static struct refhost h;
	if (refhost_init(&h, 16ull << 20, NULL) != NVMX_STATUS_OK)
		return 1;
	struct ctx c = { .h = &h };
	refhost_mem_w32(&h, VMXON_PA, REV);
	refhost_mem_w32(&h, VMCS_A, REV);
	refhost_mem_w32(&h, VMCS_B, REV);
	refhost_mem_w64(&h, OPND, VMCS_A);
	refhost_mem_w64(&h, OPND + 8, VMCS_B);
	refhost_mem_w64(&h, OPND + 16, VMXON_PA);
	h.gpr[3] = OPND + 16;
	struct nvmx_insn_exit vmxon = mk(NVMX_EXIT_REASON_VMXON, INFO_MEM_RBX, 4);
	run(&c, &vmxon);
	c.vmread = mk(NVMX_EXIT_REASON_VMREAD, INFO_REGS, 3);
	c.vmwrite = mk(NVMX_EXIT_REASON_VMWRITE, INFO_REGS, 3);
	c.vmptrld = mk(NVMX_EXIT_REASON_VMPTRLD, INFO_MEM_RBX, 3);
	c.vmclear = mk(NVMX_EXIT_REASON_VMCLEAR, INFO_MEM_RBX, 4);
	h.gpr[3] = OPND;
	run(&c, &c.vmptrld);
	h.gpr[2] = NVMX_F_GUEST_RIP;
	h.gpr[1] = 0x1000;
	run(&c, &c.vmwrite);
	if (c.failures) {
		fprintf(stderr, "bench_insn: set-up failed\n");
		return 1;
	}

	bench_run("insn_vmread", &h, op_vmread, NULL, &c, 101, 2000, NULL);
	bench_run("insn_vmwrite", &h, op_vmwrite, NULL, &c, 101, 2000, NULL);
	/* Prime both slots so that the switch measures cached VMPTRLDs. */
	op_vmptrld_switch(&c);
	op_vmptrld_switch(&c);
	bench_run("insn_vmptrld_switch", &h, op_vmptrld_switch, NULL, &c, 101, 2000, NULL);
	bench_run("insn_vmclear_writeback", &h, op_vmclear, reset_dirty_a, &c, 51, 200,
	          "\"vmcs12_bytes\": 4096");
	refhost_fini(&h);
	if (c.failures) {
		fprintf(stderr, "bench_insn: %u operations did not succeed\n", c.failures);
		return 1;
	}
	return 0;
}
