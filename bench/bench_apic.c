/* SPDX-License-Identifier: MIT */
/*
 * bench_apic: APIC virtualization for L2 in software (libnvmx/apic): a
 * virtualized TPR write to the APIC-access page (virtual-interrupt
 * delivery on: no exit), an EOI without an EOI exit, an EOI whose vector
 * is in L1's EOI-exit bitmap (exit 45 reflected to L1), and a posted
 * interrupt processed and delivered to a running L2 (notification +
 * delivery into VMCS02's injection field, no exit to L1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core.h"
#include "exit/exit.h"
#include <nvmx/apic.h>

#define VMCS12 0x10000ull
#define VAPIC 0x30000ull
#define PIDESC 0x32000ull

struct ctx {
	struct refhost *h;
	struct nvmx_vmcs12 *s;
	struct nvmx_apic_access tpr, eoi;
	bool eoi_exit;
	bool failed;
};

#define F12(c, name) ((c)->s->f[NVMX_IDX_##name])

static void enter_l2(struct ctx *c)
{
	struct nvmx_vcpu *v = c->h->vcpu;
	v->vmxon = true;
	v->vmxon_ptr = 0x1000;
	v->cur = c->s;
	v->current_vmptr = VMCS12;
	c->s->launched = true;
	v->in_l2 = true;
	refhost_vmcs02_set(c->h, NVMX_F_GUEST_RFLAGS, 0x202);
	refhost_vmcs02_set(c->h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0);
}

static void setup(struct ctx *c)
{
	F12(c, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_POSTED_INTR | NVMX_PIN_EXT_INTR_EXITING;
	F12(c, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_TPR_SHADOW | NVMX_PROC_SECONDARY_CONTROLS;
	F12(c, SECONDARY_VM_EXEC_CONTROL) = NVMX_PROC2_VIRT_APIC_ACCESSES |
	                                    NVMX_PROC2_VIRT_INTR_DELIVERY;
	F12(c, VIRTUAL_APIC_PAGE_ADDR) = VAPIC;
	F12(c, APIC_ACCESS_ADDR) = 0x31000;
	F12(c, POSTED_INTR_DESC_ADDR) = PIDESC;
	F12(c, POSTED_INTR_NV) = 0xf2;
	F12(c, VM_EXIT_CONTROLS) = NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE | NVMX_EXIT_CTL_ACK_INTR_ON_EXIT;
	F12(c, HOST_CR0) = 0x80050033ull;
	F12(c, HOST_CR3) = 0x5000;
	F12(c, HOST_CR4) = NVMX_CR4_VMXE | NVMX_CR4_PAE;
	F12(c, HOST_CS_SELECTOR) = 0x10;
	F12(c, HOST_SS_SELECTOR) = 0x18;
	F12(c, HOST_TR_SELECTOR) = 0x40;
	F12(c, HOST_RIP) = 0x401000;
	enter_l2(c);
	memset(&c->tpr, 0, sizeof(c->tpr));
	c->tpr.size = sizeof(c->tpr);
	c->tpr.type = NVMX_APIC_LINEAR_WRITE;
	c->tpr.offset = 0x80;
	c->tpr.width = 4;
	c->tpr.value = 0x20;
	c->tpr.insn_len = 6;
	c->eoi = c->tpr;
	c->eoi.offset = 0xb0;
	c->eoi.value = 0;
}

static void op_tpr(void *p)
{
	struct ctx *c = p;
	struct nvmx_result r;
	if (nvmx_vcpu_apic_access(c->h->vcpu, &c->tpr, &r) != NVMX_STATUS_OK ||
	    r.reason != NVMX_REASON_APIC_WRITE_VIRTUALIZED)
		c->failed = true;
}

/* In service: vector 0x31 (SVI), maybe in the EOI-exit bitmap. */
static void reset_eoi(void *p)
{
	struct ctx *c = p;
	if (!c->h->vcpu->in_l2)
		enter_l2(c);
	refhost_mem_w32(c->h, VAPIC + 0x110, 1u << 0x11);
	F12(c, GUEST_INTR_STATUS) = 0x3100;
	F12(c, EOI_EXIT_BITMAP0) = c->eoi_exit ? 1ull << 0x31 : 0;
}

static void op_eoi(void *p)
{
	struct ctx *c = p;
	struct nvmx_result r;
	enum nvmx_reason want = c->eoi_exit ? NVMX_REASON_APIC_EOI_EXIT
	                                    : NVMX_REASON_APIC_EOI_VIRTUALIZED;
	if (nvmx_vcpu_apic_access(c->h->vcpu, &c->eoi, &r) != NVMX_STATUS_OK || r.reason != want)
		c->failed = true;
}

/* L1 posted vector 0x61 (PIR bit, ON) and nothing is in service. */
static void reset_pi(void *p)
{
	struct ctx *c = p;
	refhost_mem_w64(c->h, PIDESC + 8, 1ull << 33);
	refhost_mem_w64(c->h, PIDESC + 32, 1);
	refhost_mem_w32(c->h, VAPIC + 0x130, 0);
	refhost_mem_w32(c->h, VAPIC + 0xa0, 0);
	F12(c, GUEST_INTR_STATUS) = 0;
	refhost_vmcs02_set(c->h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0);
}

static void op_pi(void *p)
{
	struct ctx *c = p;
	struct nvmx_result r;
	if (nvmx_vcpu_apic_interrupt(c->h->vcpu, 0xf2, &r) != NVMX_STATUS_OK ||
	    r.reason != NVMX_REASON_APIC_PI_PROCESSED ||
	    nvmx_vcpu_apic_deliver(c->h->vcpu, &r) != NVMX_STATUS_OK || r.value != 0x61)
		c->failed = true;
}

int main(void)
{
	static struct refhost h;
	if (refhost_init(&h, 1u << 20, NULL) != NVMX_STATUS_OK)
		return 1;
	struct ctx c = { .h = &h };
	if (nvmx_vmcs12_load(h.vcpu, VMCS12, &c.s) != NVMX_STATUS_OK)
		return 1;
	setup(&c);
	bench_run("apic_tpr_write_virtualized", &h, op_tpr, NULL, &c, 101, 1000, NULL);
	c.eoi_exit = false;
	bench_run("apic_eoi_no_exit", &h, op_eoi, reset_eoi, &c, 101, 200, NULL);
	c.eoi_exit = true;
	bench_run("apic_eoi_exit_to_l1", &h, op_eoi, reset_eoi, &c, 101, 200, "\"l1_exits\": 1");
	c.eoi_exit = false;
	enter_l2(&c);
	bench_run("apic_posted_interrupt_delivered", &h, op_pi, reset_pi, &c, 101, 200,
	          "\"l1_exits\": 0");
	refhost_fini(&h);
	if (c.failed) {
		fprintf(stderr, "bench_apic: an operation did not give the expected outcome\n");
		return 1;
	}
	return 0;
}
