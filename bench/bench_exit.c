/* SPDX-License-Identifier: MIT */
/*
 * bench_exit: the cost of one L2 exit reflected to L1 (CPUID, I/O, MSR,
 * external interrupt) and of one exit L0 keeps, with the hardware VMCS
 * reads and writes per exit. The exit half is always measured
 * ("round_trip": false); when VM entry works (nvmx_entry_enter accepts the
 * VMCS12 set up here) the roundtrip_* lines add L1's VMRESUME, presented
 * through nvmx_vcpu_vmx_insn as a host would ("round_trip": true).
 */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "core.h"
#include "entry/entry.h"
#include "exit/exit.h"

#define VMCS12_GPA 0x10000ull
#define MSR_BM 0x20000ull
#define IO_A 0x21000ull
#define IO_B 0x22000ull

struct ctx {
	struct refhost *h;
	struct nvmx_l2_exit e;
	bool round_trip;
	bool failed;
};

#define S(name, val) (s->f[NVMX_IDX_##name] = (val))

/* A VMCS12 describing a 64-bit L2 and a 64-bit L1 host, as a hypervisor
 * would build it, with the controls the benchmarks exercise. */
static void setup_vmcs12(struct refhost *h, struct nvmx_vmcs12 *s)
{
	uint64_t pin0 = 0, proc0 = 0, exit0 = 0, entry0 = 0;
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS, &pin0);
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS, &proc0);
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS, &exit0);
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS, &entry0);
	S(PIN_BASED_VM_EXEC_CONTROL, (uint32_t)pin0 | NVMX_PIN_EXT_INTR_EXITING);
	S(CPU_BASED_VM_EXEC_CONTROL, (uint32_t)proc0 | NVMX_PROC_USE_IO_BITMAPS | NVMX_PROC_USE_MSR_BITMAPS);
	S(VM_EXIT_CONTROLS, (uint32_t)exit0 | NVMX_EXIT_HOST_ADDR_SPACE_SIZE | NVMX_EXIT_ACK_INTR_ON_EXIT);
	S(VM_ENTRY_CONTROLS, (uint32_t)entry0 | NVMX_ENTRY_IA32E_MODE_GUEST);
	S(IO_BITMAP_A, IO_A);
	S(IO_BITMAP_B, IO_B);
	S(MSR_BITMAP, MSR_BM);
	S(VMCS_LINK_POINTER, ~0ull);
	S(HOST_CR0, 0x80050033ull);
	S(HOST_CR3, 0x5000);
	S(HOST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE);
	S(HOST_CS_SELECTOR, 0x10);
	S(HOST_SS_SELECTOR, 0x18);
	S(HOST_DS_SELECTOR, 0x18);
	S(HOST_ES_SELECTOR, 0x18);
	S(HOST_TR_SELECTOR, 0x40);
	S(HOST_RIP, 0x401000);
	S(HOST_RSP, 0x402000);
	S(GUEST_CR0, 0x80000031ull);
	S(GUEST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE);
	S(GUEST_CR3, 0x6000);
	S(GUEST_IA32_EFER, NVMX_EFER_LMA | NVMX_EFER_LME);
	S(GUEST_DR7, 0x400);
	S(GUEST_RFLAGS, 2);
	S(GUEST_RIP, 0x2000);
	S(GUEST_CS_SELECTOR, 0x10);
	S(GUEST_CS_LIMIT, 0xffffffff);
	S(GUEST_CS_AR_BYTES, 0xa09b);
	S(GUEST_SS_SELECTOR, 0x18);
	S(GUEST_SS_LIMIT, 0xffffffff);
	S(GUEST_SS_AR_BYTES, 0xc093);
	S(GUEST_DS_AR_BYTES, NVMX_AR_UNUSABLE);
	S(GUEST_ES_AR_BYTES, NVMX_AR_UNUSABLE);
	S(GUEST_FS_AR_BYTES, NVMX_AR_UNUSABLE);
	S(GUEST_GS_AR_BYTES, NVMX_AR_UNUSABLE);
	S(GUEST_LDTR_AR_BYTES, NVMX_AR_UNUSABLE);
	S(GUEST_TR_SELECTOR, 0x40);
	S(GUEST_TR_LIMIT, 0x67);
	S(GUEST_TR_AR_BYTES, 0x8b);
	S(GUEST_GDTR_LIMIT, 0xffff);
	S(GUEST_IDTR_LIMIT, 0xffff);
	nvmx_vmcs12_mark_all_dirty(s);
	/* Port 0x60 and MSR 0x10 (reads) exit to L1. */
	uint8_t b = 1;
	refhost_mem_write(h, IO_A + 0x60 / 8, &b, 1);
	b = 1 << (0x10 % 8);
	refhost_mem_write(h, MSR_BM + 0x10 / 8, &b, 1);
}

static bool l1_enters_l2(struct ctx *c, bool launch)
{
	struct nvmx_result res;
	enum nvmx_status st = nvmx_entry_enter(c->h->vcpu, launch, &res);
	return st == NVMX_STATUS_OK && res.action == NVMX_ACTION_RUN_L2;
}

/* L1 executes VMRESUME (through the instruction module, as a host would
 * present it). */
static bool l1_vmresume(struct ctx *c)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_VMRESUME, .addr_size = 8 };
	struct nvmx_result res;
	return refhost_exec(c->h, &in, &res) == NVMX_STATUS_OK && res.action == NVMX_ACTION_RUN_L2;
}

static void op_exit(void *p)
{
	struct ctx *c = p;
	struct nvmx_vcpu *v = c->h->vcpu;
	struct nvmx_result res;
	if (nvmx_vcpu_handle_exit(v, &c->e, &res) != NVMX_STATUS_OK)
		c->failed = true;
	if (c->round_trip) {
		if (v->in_l2 || !l1_vmresume(c))
			c->failed = true;
	} else {
		v->in_l2 = true; /* back in L2 without an entry: exit half only */
	}
}

static void bench(const char *name, struct refhost *h, bool round_trip, struct nvmx_l2_exit e)
{
	struct ctx c = { .h = h, .e = e, .round_trip = round_trip };
	char extra[160];
	for (unsigned i = 0; i < 1000; i++) /* warm-up */
		op_exit(&c);
	snprintf(extra, sizeof(extra), "\"round_trip\": %s, \"measures\": \"%s\"",
	         round_trip ? "true" : "false",
	         round_trip ? "exit + L1 VMRESUME" : "exit only");
	bench_run(name, h, op_exit, NULL, &c, 200, 500, extra);
	if (c.failed)
		fprintf(stderr, "bench_exit: %s: an operation failed\n", name);
}

int main(void)
{
	struct refhost h;
	if (refhost_init(&h, 16u << 20, NULL) != NVMX_STATUS_OK)
		return 1;
	struct nvmx_vcpu *v = h.vcpu;
	v->vmxon = true;
	v->vmxon_ptr = 0x1000;
	struct nvmx_vmcs12 *s;
	if (nvmx_vmcs12_load(v, VMCS12_GPA, &s) != NVMX_STATUS_OK)
		return 1;
	v->cur = s;
	v->current_vmptr = VMCS12_GPA;
	setup_vmcs12(&h, s);

	struct ctx probe = { .h = &h };
	bool round_trip = l1_enters_l2(&probe, true);
	if (!round_trip) {
		s->launched = true;
		v->in_l2 = true;
		fprintf(stderr, "bench_exit: VM entry unavailable; measuring the exit half only\n");
	}

	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);

	struct nvmx_l2_exit ex[4];
	static const char *const names[4][2] = {
		{ "exit_cpuid_to_l1", "roundtrip_cpuid" }, { "exit_io_to_l1", "roundtrip_io" },
		{ "exit_msr_to_l1", "roundtrip_msr" }, { "exit_extint_to_l1", "roundtrip_extint" },
	};
	for (unsigned i = 0; i < 4; i++)
		ex[i] = e;
	ex[0].exit_reason = NVMX_EXIT_CPUID;
	ex[0].insn_len = 2;
	ex[1].exit_reason = NVMX_EXIT_IO_INSTRUCTION;
	ex[1].qualification = 0x60ull << 16 | 8;
	ex[1].insn_len = 1;
	ex[2].exit_reason = NVMX_EXIT_RDMSR;
	ex[2].operand = 0x10;
	ex[2].insn_len = 2;
	ex[3].exit_reason = NVMX_EXIT_EXTERNAL_INTERRUPT;
	ex[3].intr_info = 0x41 | NVMX_INTR_INFO_VALID;
	/* The exit half alone, then (when VM entry works) the full round trip
	 * with L1's VMRESUME, which also completes the lazy guest-state sync. */
	for (unsigned i = 0; i < 4; i++)
		bench(names[i][0], &h, false, ex[i]);
	if (round_trip)
		for (unsigned i = 0; i < 4; i++)
			bench(names[i][1], &h, true, ex[i]);

	/* An exit L0 keeps (L1 does not intercept RDMSR of 0x11): no
	 * round trip through L1 either way. */
	e.exit_reason = NVMX_EXIT_RDMSR;
	e.intr_info = 0;
	e.operand = 0x11;
	struct ctx c = { .h = &h, .e = e };
	if (!v->in_l2)
		v->in_l2 = true;
	bench_run("exit_msr_l0_kept", &h, op_exit, NULL, &c, 200, 500,
	          "\"round_trip\": false, \"measures\": \"decision only (L0 keeps the exit)\"");
	refhost_fini(&h);
	return 0;
}
