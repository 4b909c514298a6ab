/* SPDX-License-Identifier: MIT */
/*
 * vmx_basic: VMXON, a VMCS for an L2 in 64-bit mode with EPT, VMLAUNCH of an
 * L2 that executes CPUID (exit 10), reads a page EPT12 does not map (EPT
 * violation, exit 48: L1 maps it, INVEPT, resumes) and executes VMCALL
 * (exit 18). Then the VMX instruction error paths (SDM 31.4 numbers) and
 * VM-entry check failures. Expected values: SDM vol. 3 chapters 27-31 and
 * appendix C; the bare Bochs run is the oracle the nested run is held to.
 */
#include "l1.h"

static uint8_t vmcs[4096] PAGE_ALIGNED;
static uint8_t vmcs_b[4096] PAGE_ALIGNED;
static uint8_t l2_stack[8192] __attribute__((aligned(16)));
void l2_basic(void);

void kernel_main(uint32_t magic, uint32_t info)
{
	(void)info;
	begin("vmx_basic");
	rt_printf("multiboot magic: 0x%x\n", magic);
	vmx_on();

	uint64_t eptp = ept_identity();
	uint64_t probe = (uint64_t)probe_page;
	*(volatile uint64_t *)probe_page = 0x1122334455667788ull;
	ept_pt0[probe >> 12] = 0; /* L2 finds nothing there */
	if (probe >= 0x200000)
		rt_printf("probe page beyond the 4 KiB-mapped range\n");
	vmcs_setup((uint64_t)vmcs, eptp, l2_basic, (uint64_t)(l2_stack + sizeof(l2_stack)));

	uint64_t cur = 0;
	report("vmptrst", vmptrst(&cur));
	rt_printf("vmptrst value is the vmcs: %u\n", cur == (uint64_t)vmcs);

	/* 1. CPUID in L2: exit 10, qualification 0, length 2. */
	run("vmlaunch cpuid", 1);
	skip_insn();
	/* 2. The read of the unmapped page: EPT violation (SDM 28.2.1: bit 0
	 * read, bit 7 linear address valid, bit 8 translation of it). */
	run("vmresume probe", 0);
	rt_printf("ept violation gpa is the probe: %u, gla is the probe: %u\n",
	          vr(NVMX_F_GUEST_PHYSICAL_ADDRESS) == probe,
	          vr(NVMX_F_GUEST_LINEAR_ADDRESS) == probe);
	ept_pt0[probe >> 12] = probe | 7 | (6u << 3);
	report("invept single-context", invept(1, eptp));
	/* 3. The read succeeds now; VMCALL: exit 18, length 3. */
	run("vmresume vmcall", 0);
	rt_printf("l2 read the probe: %u\n", l2_seen == 0x1122334455667788ull);

	/* VPID (SDM 29.1, 31.3 INVVPID): L2 with VPID 1, each INVVPID type
	 * IA32_VMX_EPT_VPID_CAP offers, and VPID 0 where a type needs one. */
	uint64_t cap = rdmsr(0x48c);
	vw(NVMX_F_SECONDARY_VM_EXEC_CONTROL, vr(NVMX_F_SECONDARY_VM_EXEC_CONTROL) | NVMX_PROC2_VPID);
	vw(NVMX_F_VIRTUAL_PROCESSOR_ID, 1);
	run("vmresume with vpid 1", 0);
	for (unsigned t = 0; t < 4; t++) {
		static const char *name[4] = { "invvpid individual-address", "invvpid single-context",
		                               "invvpid all-context", "invvpid single-context-non-global" };
		if ((cap >> (40 + t)) & 1)
			report(name[t], invvpid(t, 1, (uint64_t)probe_page));
		else
			rt_printf("%s: not offered\n", name[t]);
	}
	report("invvpid single-context vpid 0 (28)", invvpid(1, 0, 0));
	report("invvpid individual non-canonical (28)", invvpid(0, 1, 0x8000000000000000ull));

	/* VMX instruction errors (SDM 31.4). */
	report("vmlaunch launched (4)", l1_vmrun(1) );
	uint64_t bad = (uint64_t)vmcs_b + 8;
	report("vmclear unaligned (2)", vmclear(bad));
	report("vmclear vmxon pointer (3)", vmclear((uint64_t)vmxon_region));
	report("vmptrld unaligned (9)", vmptrld(bad));
	report("vmptrld vmxon pointer (10)", vmptrld((uint64_t)vmxon_region));
	*(uint32_t *)vmcs_b = 0x12345;
	report("vmptrld bad revision (11)", vmptrld((uint64_t)vmcs_b));
	uint64_t v;
	report("vmread unsupported (12)", vmread(0x7fff, &v));
	report("vmwrite read-only (13)", vmwrite(NVMX_F_VM_EXIT_REASON, 1));
	report("vmxon in root (15)", vmxon((uint64_t)vmxon_region));
	report("invept type 0 (28)", invept(0, eptp));
	report("invvpid type 4 (28)", invvpid(4, 1, 0));

	/* VM-entry checks: a control (7), host state (8), guest state (33). */
	uint64_t pin = vr(NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
	uint64_t pinmsr = rdmsr(0x48d);
	uint32_t forbidden = ~(uint32_t)(pinmsr >> 32);
	if (forbidden) {
		vw(NVMX_F_PIN_BASED_VM_EXEC_CONTROL, pin | (forbidden & (0u - forbidden)));
		report("vmresume bad pin control (7)", l1_vmrun(0));
		vw(NVMX_F_PIN_BASED_VM_EXEC_CONTROL, pin);
	}
	uint64_t hcr4 = vr(NVMX_F_HOST_CR4);
	vw(NVMX_F_HOST_CR4, hcr4 & ~NVMX_CR4_PAE);
	report("vmresume host cr4.pae=0 (8)", l1_vmrun(0));
	vw(NVMX_F_HOST_CR4, hcr4);
	vw(NVMX_F_GUEST_RFLAGS, 0);
	run("vmresume guest rflags bit 1 clear (33)", 0);
	vw(NVMX_F_GUEST_RFLAGS, 2);

	/* VMCLEAR then VMRESUME: no current VMCS (VMfailInvalid), and after
	 * VMPTRLD a clear VMCS (error 5). */
	report("vmclear", vmclear((uint64_t)vmcs));
	report("vmresume no current vmcs", l1_vmrun(0));
	report("vmptrld", vmptrld((uint64_t)vmcs));
	report("vmresume clear vmcs (5)", l1_vmrun(0));
	report("vmxoff", vmxoff());
	end("vmx_basic");
}
