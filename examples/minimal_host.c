/* SPDX-License-Identifier: MIT */
/*
 * The smallest complete embedding of libnvmx: read this first.
 *
 * A hypervisor (L0) runs a guest hypervisor (L1) that wants to run its own
 * guest (L2). L0 keeps doing what it does for any guest; where L1 executes
 * a VMX instruction, or L2 exits, L0 hands the exit to the library, which
 * emulates it on VMCS12 (L1's VMCS, in L1's memory) and VMCS02 (the VMCS L0
 * runs L2 on). This file plays L0 with plain arrays for the hardware:
 * VMCS02 and L1's guest state are field/value lists, L1's memory is a
 * buffer L0 backs at HPA_BASE + gpa, and L1's page tables map 1:1.
 *
 * It uses only <nvmx/nvmx.h>. Flow: create the VM and the vCPU with the
 * host callbacks; L1 executes VMXON, VMCLEAR, VMPTRLD, VMWRITEs and
 * VMLAUNCH (each a VM exit of L1 passed to nvmx_vcpu_emulate_vmx_insn); L0 runs L2
 * on VMCS02; L2 executes HLT, which L1 asked to intercept, and the library
 * reflects the exit to L1 (nvmx_vcpu_handle_exit); L1 reads the exit reason.
 */
#include <nvmx/nvmx.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM_SIZE (1u << 20)
#define HPA_BASE 0x100000000ull
#define VMXON_GPA 0x1000u
#define VMCS12_GPA 0x2000u
#define OPERAND_LA 0x3000u

/* A VMCS as a list of (encoding, value): what hardware VMREAD/VMWRITE do. */
struct vmcs { uint32_t enc[2 * NVMX_FIELD_COUNT]; uint64_t val[2 * NVMX_FIELD_COUNT]; unsigned n; };

struct host {
	uint8_t mem[MEM_SIZE];  /* L1 physical memory */
	struct vmcs vmcs02, l1; /* VMCS02, and L1's state (VMCS01's guest area) */
	uint64_t gpr[16];       /* L1's general-purpose registers */
	uint64_t next_page;     /* page_alloc's next host-physical address */
};

static uint64_t *slot(struct vmcs *v, uint32_t enc)
{
	for (unsigned i = 0; i < v->n; i++)
		if (v->enc[i] == enc)
			return &v->val[i];
	if (v->n == 2 * NVMX_FIELD_COUNT)
		abort(); /* more fields than the SDM defines */
	v->enc[v->n] = enc;
	v->val[v->n] = 0;
	return &v->val[v->n++];
}

/* The host callbacks (include/nvmx/host.h). `h` is the pointer given at
 * nvmx_vm_create / nvmx_vcpu_create (one vCPU here: the same). */
static enum nvmx_status gpa_read(void *h, uint64_t gpa, void *buf, size_t len)
{
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return NVMX_STATUS_NOT_MAPPED;
	memcpy(buf, ((struct host *)h)->mem + gpa, len);
	return NVMX_STATUS_OK;
}
static enum nvmx_status gpa_write(void *h, uint64_t gpa, const void *buf, size_t len)
{
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return NVMX_STATUS_NOT_MAPPED;
	memcpy(((struct host *)h)->mem + gpa, buf, len);
	return NVMX_STATUS_OK;
}
static enum nvmx_status lin_read(void *h, uint64_t la, void *buf, size_t len, struct nvmx_fault *f)
{
	(void)f; /* L1's paging maps linear = physical here */
	return gpa_read(h, la, buf, len);
}
static enum nvmx_status lin_write(void *h, uint64_t la, const void *buf, size_t len, struct nvmx_fault *f)
{
	(void)f;
	return gpa_write(h, la, buf, len);
}
static uint64_t vmcs_read(void *h, uint32_t f) { return *slot(&((struct host *)h)->vmcs02, f); }
static void vmcs_write(void *h, uint32_t f, uint64_t v) { *slot(&((struct host *)h)->vmcs02, f) = v; }
static uint64_t l1_read(void *h, uint32_t f) { return *slot(&((struct host *)h)->l1, f); }
static void l1_write(void *h, uint32_t f, uint64_t v) { *slot(&((struct host *)h)->l1, f) = v; }
static uint64_t gpr_read(void *h, unsigned r) { return ((struct host *)h)->gpr[r & 15]; }
static void gpr_write(void *h, unsigned r, uint64_t v) { ((struct host *)h)->gpr[r & 15] = v; }
static enum nvmx_status l1_msr_read(void *h, uint32_t msr, uint64_t *v)
{
	(void)h; /* L0's firmware locked VMX on, outside SMX (SDM 24.7) */
	*v = msr == NVMX_MSR_IA32_FEATURE_CONTROL ? NVMX_FEATCTL_LOCK | NVMX_FEATCTL_VMX_OUTSIDE_SMX : 0;
	return NVMX_STATUS_OK;
}
static enum nvmx_status msr_load(void *h, bool l2, uint32_t msr, uint64_t v)
{
	(void)h, (void)l2, (void)msr, (void)v; /* a real L0 updates its MSR file */
	return NVMX_STATUS_OK;
}
static enum nvmx_status gpa_to_hpa(void *h, uint64_t gpa, struct nvmx_l0_map *m)
{
	(void)h;
	if (gpa >= MEM_SIZE)
		return NVMX_STATUS_NOT_MAPPED;
	m->hpa = HPA_BASE + gpa;
	m->page_size = 4096;
	m->rights = NVMX_ACCESS_READ | NVMX_ACCESS_WRITE | NVMX_ACCESS_EXEC;
	m->memtype = 6; /* write-back */
	return NVMX_STATUS_OK;
}
static enum nvmx_status page_alloc(void *h, void **va, uint64_t *hpa)
{
	*va = calloc(1, 4096); /* a page for the library's shadow tables */
	*hpa = ((struct host *)h)->next_page += 4096;
	return *va ? NVMX_STATUS_OK : NVMX_STATUS_NO_MEMORY;
}
static void page_free(void *h, void *va, uint64_t hpa) { (void)h, (void)hpa; free(va); }
static void *alloc(void *h, size_t size) { (void)h; return calloc(1, size); }
static void host_free(void *h, void *p, size_t size) { (void)h, (void)size; free(p); }
static void invept(void *h, uint32_t t, uint64_t eptp) { (void)h, (void)t, (void)eptp; }
static void invvpid(void *h, uint32_t t, uint16_t vpid, uint64_t la) { (void)h, (void)t, (void)vpid, (void)la; }

/* L1 executed a VMX instruction: the exit L0's hardware reports, handed
 * to the library. Instruction information as SDM 28.2.5 lays it out. */
static struct nvmx_result l1_insn(struct nvmx_vcpu *v, struct host *h, uint32_t reason,
                                  uint32_t len, uint64_t mem_pa, unsigned reg1, unsigned reg2)
{
	struct nvmx_insn_exit ex = { .size = sizeof(ex), .exit_reason = reason, .insn_len = len,
	                             .flags = NVMX_INSN_INFO_VALID };
	ex.insn_info = 2u << 7;                                 /* 64-bit address size */
	if (reason == NVMX_EXIT_REASON_VMREAD || reason == NVMX_EXIT_REASON_VMWRITE)
		ex.insn_info |= 1u << 10 | reg1 << 3 | reg2 << 28; /* register operands */
	else if (reason != NVMX_EXIT_REASON_VMLAUNCH)
		ex.insn_info |= 3u << 15 | 1u << 22 | 3u << 23; /* [DS:RBX], no index */
	/* The memory operand of VMXON, VMCLEAR, VMPTRLD holds a 64-bit
	 * physical address; L1 keeps it at OPERAND_LA, RBX points there. */
	memcpy(h->mem + OPERAND_LA, &mem_pa, 8);
	h->gpr[3] = OPERAND_LA;
	struct nvmx_result res;
	if (nvmx_vcpu_emulate_vmx_insn(v, &ex, &res) != NVMX_STATUS_OK)
		abort(); /* a host callback failed */
	return res;
}

int main(void)
{
	static const struct nvmx_host_ops ops = {
		.size = sizeof(ops), .gpa_read = gpa_read, .gpa_write = gpa_write,
		.lin_read = lin_read, .lin_write = lin_write, .vmcs_read = vmcs_read,
		.vmcs_write = vmcs_write, .l1_read = l1_read, .l1_write = l1_write,
		.l1_gpr_read = gpr_read, .l1_gpr_write = gpr_write, .l1_msr_read = l1_msr_read,
		.msr_load = msr_load, .gpa_to_hpa = gpa_to_hpa, .page_alloc = page_alloc,
		.page_free = page_free, .alloc = alloc, .free = host_free,
		.hw_invept = invept, .hw_invvpid = invvpid,
	};
	struct host *h = calloc(1, sizeof(*h));
	struct nvmx_vm_config cfg;
	struct nvmx_vm *vm;
	struct nvmx_vcpu *v;
	if (!h)
		return 1;
	h->next_page = 0x200000000ull;
	nvmx_vm_config_example(&cfg); /* the VMX capabilities L1 is offered */
	if (nvmx_vm_create(&cfg, &ops, h, &vm) != NVMX_STATUS_OK || nvmx_vcpu_create(vm, h, &v) != NVMX_STATUS_OK)
		return 1;

	/* L1 runs in 64-bit mode at CPL 0 with CR4.VMXE set. */
	static const uint32_t l1f[] = { NVMX_F_GUEST_CR0, NVMX_F_GUEST_CR4, NVMX_F_GUEST_IA32_EFER,
		NVMX_F_GUEST_RFLAGS, NVMX_F_GUEST_CS_SELECTOR, NVMX_F_GUEST_CS_AR_BYTES, NVMX_F_GUEST_SS_AR_BYTES };
	static const uint64_t l1v[] = { 0x80050033, NVMX_CR4_VMXE | NVMX_CR4_PAE, NVMX_EFER_LME | NVMX_EFER_LMA,
		2, 0x10, 0xb | NVMX_AR_S | NVMX_AR_P | NVMX_AR_L | NVMX_AR_G, 0x3 | NVMX_AR_S | NVMX_AR_P };
	for (unsigned i = 0; i < sizeof(l1f) / sizeof(l1f[0]); i++)
		l1_write(h, l1f[i], l1v[i]);

	/* VMXON and VMCS regions start with the VMCS revision (SDM 25.2). */
	uint64_t basic, pin, proc, exitc, entry;
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_BASIC, &basic);
	uint32_t rev = (uint32_t)basic & 0x7fffffffu;
	memcpy(h->mem + VMXON_GPA, &rev, 4);
	memcpy(h->mem + VMCS12_GPA, &rev, 4);
	struct nvmx_result r = l1_insn(v, h, NVMX_EXIT_REASON_VMXON, 4, VMXON_GPA, 0, 0);
	printf("VMXON: %s\n", nvmx_outcome_name(r.outcome));
	r = l1_insn(v, h, NVMX_EXIT_REASON_VMCLEAR, 4, VMCS12_GPA, 0, 0);
	printf("VMCLEAR: %s\n", nvmx_outcome_name(r.outcome));
	r = l1_insn(v, h, NVMX_EXIT_REASON_VMPTRLD, 3, VMCS12_GPA, 0, 0);
	printf("VMPTRLD: %s\n", nvmx_outcome_name(r.outcome));

	/* L1 fills a valid VMCS12 for a 64-bit L2 (SDM 27.2-27.3): controls
	 * from the allowed-0 bits (SDM A.3-A.5) plus HLT exiting. */
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS, &pin);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS, &proc);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS, &exitc);
	nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS, &entry);
	const struct { const char *name; uint64_t val; } w[] = {
		{ "PIN_BASED_VM_EXEC_CONTROL", (uint32_t)pin },
		{ "CPU_BASED_VM_EXEC_CONTROL", (uint32_t)proc | NVMX_PROC_HLT_EXITING },
		{ "VM_EXIT_CONTROLS", (uint32_t)exitc | NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE },
		{ "VM_ENTRY_CONTROLS", (uint32_t)entry | NVMX_ENTRY_CTL_IA32E_MODE_GUEST },
		{ "VMCS_LINK_POINTER", ~0ull }, { "HOST_CR0", 0x80050033 },
		{ "HOST_CR3", 0x5000 }, { "HOST_CR4", NVMX_CR4_VMXE | NVMX_CR4_PAE },
		{ "HOST_CS_SELECTOR", 0x10 }, { "HOST_SS_SELECTOR", 0x18 }, { "HOST_TR_SELECTOR", 0x40 },
		{ "HOST_RIP", 0x401000 }, { "HOST_RSP", 0x402000 },
		{ "GUEST_CR0", 0x80000031 }, { "GUEST_CR3", 0x6000 },
		{ "GUEST_CR4", NVMX_CR4_VMXE | NVMX_CR4_PAE }, { "GUEST_IA32_EFER", NVMX_EFER_LMA | NVMX_EFER_LME },
		{ "GUEST_DR7", 0x400 }, { "GUEST_RFLAGS", 2 }, { "GUEST_RIP", 0x2000 },
		{ "GUEST_CS_SELECTOR", 0x10 }, { "GUEST_CS_LIMIT", 0xffffffff }, { "GUEST_CS_AR_BYTES", 0xa09b },
		{ "GUEST_SS_SELECTOR", 0x18 }, { "GUEST_SS_LIMIT", 0xffffffff }, { "GUEST_SS_AR_BYTES", 0xc093 },
		{ "GUEST_DS_AR_BYTES", NVMX_AR_UNUSABLE }, { "GUEST_ES_AR_BYTES", NVMX_AR_UNUSABLE },
		{ "GUEST_FS_AR_BYTES", NVMX_AR_UNUSABLE }, { "GUEST_GS_AR_BYTES", NVMX_AR_UNUSABLE },
		{ "GUEST_LDTR_AR_BYTES", NVMX_AR_UNUSABLE }, { "GUEST_TR_SELECTOR", 0x40 },
		{ "GUEST_TR_LIMIT", 0x67 }, { "GUEST_TR_AR_BYTES", 0x8b },
		{ "GUEST_GDTR_LIMIT", 0xffff }, { "GUEST_IDTR_LIMIT", 0xffff },
	};
	unsigned ok = 0, n = sizeof(w) / sizeof(w[0]);
	for (unsigned i = 0; i < n; i++) {
		uint32_t enc;
		if (!nvmx_vmcs_field_by_name(w[i].name, &enc))
			return 1;
		h->gpr[0] = w[i].val; /* VMWRITE RCX (field), RAX (value) */
		h->gpr[1] = enc;
		r = l1_insn(v, h, NVMX_EXIT_REASON_VMWRITE, 3, 0, 0, 1);
		ok += r.outcome == NVMX_OUTCOME_SUCCEED;
	}
	printf("VMWRITE x%u: %u succeeded\n", n, ok);

	/* VMLAUNCH: the library checks VMCS12 and builds VMCS02; RUN_L2 tells
	 * L0 to enter L2 on VMCS02 (here: read what the hardware would run). */
	r = l1_insn(v, h, NVMX_EXIT_REASON_VMLAUNCH, 3, 0, 0, 0);
	printf("VMLAUNCH: %s, action %s, L2 RIP %#llx\n", nvmx_outcome_name(r.outcome),
	       nvmx_action_name(r.action), (unsigned long long)vmcs_read(h, NVMX_F_GUEST_RIP));

	/* L2 executes HLT: VMCS02 exits to L0, which asks the library. L1
	 * asked for HLT exits, so the exit is reflected (SDM 26.1.3, 28). */
	struct nvmx_l2_exit e = { .size = sizeof(e), .exit_reason = NVMX_EXIT_REASON_HLT, .insn_len = 1 };
	if (nvmx_vcpu_handle_exit(v, &e, &r) != NVMX_STATUS_OK)
		return 1;
	printf("L2 HLT: %s, action %s, L1 RIP %#llx\n", nvmx_outcome_name(r.outcome),
	       nvmx_action_name(r.action), (unsigned long long)l1_read(h, NVMX_F_GUEST_RIP));

	/* L1's exit handler reads why L2 exited: VMREAD RAX <- field in RCX. */
	uint32_t reason_enc = 0;
	nvmx_vmcs_field_by_name("VM_EXIT_REASON", &reason_enc);
	h->gpr[1] = reason_enc;
	r = l1_insn(v, h, NVMX_EXIT_REASON_VMREAD, 3, 0, 0, 1);
	printf("VMREAD %s: %s, %llu\n", nvmx_vmcs_field_name(reason_enc),
	       nvmx_outcome_name(r.outcome), (unsigned long long)h->gpr[0]);

	nvmx_vcpu_destroy(v);
	nvmx_vm_destroy(vm);
	free(h);
	return 0;
}
