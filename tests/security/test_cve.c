/* SPDX-License-Identifier: MIT */
/*
 * One regression test per nested-VMX bug class that other hypervisors
 * shipped (docs/security.md has the table). Each test states the attack an
 * L1 or L2 would mount and asserts the outcome the Intel SDM prescribes, on
 * the reference host with the entry fixture (a valid 64-bit L2 in VMCS12).
 * Expected values are written from the SDM, never computed by the library.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "entry_fixture.h"
#include "ept/ept.h"

#define L1_RIP 0x100000ull
#define OPND 0x8000ull
#define OTHER_VMCS 0x30000ull
#define X2APIC_FIRST 0x800u
#define X2APIC_LAST 0x8ffu

static struct entry_fixture f;
static struct nvmx_result r;

static void setup(void)
{
	cr_assert_eq(fx_init(&f), 0);
	refhost_l1_set(&f.h, NVMX_F_GUEST_RIP, L1_RIP);
	refhost_l1_set(&f.h, NVMX_F_GUEST_RFLAGS, 0x2);
}

static void teardown(void)
{
	fx_fini(&f);
}

TestSuite(cve, .init = setup, .fini = teardown);

static enum nvmx_status insn(uint32_t reason, bool mem, unsigned reg1, unsigned reg2)
{
	struct refhost_insn in = { .exit_reason = reason, .mem = mem, .la = OPND,
	                           .reg1 = reg1, .reg2 = reg2 };
	return refhost_exec(&f.h, &in, &r);
}

/* VMLAUNCH as L1 executes it (instruction checks, then the entry). */
static void vmlaunch(void)
{
	refhost_l1_set(&f.h, NVMX_F_GUEST_RIP, L1_RIP);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMLAUNCH, false, 0, 0), NVMX_STATUS_OK);
}

static void expect_l2_running(void)
{
	cr_assert_eq(r.outcome, NVMX_OUTCOME_L2_ENTERED, "outcome %d reason %s", r.outcome,
	             nvmx_reason_name(r.reason));
	cr_assert(nvmx_vcpu_in_l2(f.v));
}

static uint32_t vmcs02_proc(void)
{
	return (uint32_t)refhost_vmcs02_get(&f.h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
}

static struct nvmx_l2_exit l2_exit(uint32_t reason, uint64_t qual, uint64_t operand)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = reason;
	e.qualification = qual;
	e.operand = operand;
	e.insn_len = 3;
	return e;
}

static void set_l1_bit(uint64_t page, uint32_t bit)
{
	uint8_t b = 0;
	refhost_mem_read(&f.h, page + bit / 8, &b, 1);
	b |= (uint8_t)(1u << (bit % 8));
	refhost_mem_write(&f.h, page + bit / 8, &b, 1);
}

/* ------------------------------------------------------------------------
 * CVE-2017-12154: KVM left CR8-load/store exiting clear in VMCS02 when L1
 * used neither them nor the TPR shadow, so L2's MOV to/from CR8 reached the
 * physical TPR, which was L0's. Without "use TPR shadow", MOV CR8 in VMX
 * non-root operation accesses the local APIC's TPR (SDM 26.3, 30.1.1):
 * VMCS02 must make both exit, and the exit is L0's (it emulates L1's TPR),
 * not L1's (VMCS12 does not ask for it).
 */
Test(cve, CVE_2017_12154_l2_cannot_reach_the_physical_cr8_without_a_tpr_shadow)
{
	uint32_t proc = (uint32_t)fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL);
	cr_assert_eq(proc & (NVMX_PROC_TPR_SHADOW | NVMX_PROC_CR8_LOAD_EXITING |
	                     NVMX_PROC_CR8_STORE_EXITING), 0, "the baseline asks for no CR8 exits");
	vmlaunch();
	expect_l2_running();
	cr_expect(vmcs02_proc() & NVMX_PROC_CR8_LOAD_EXITING, "MOV to CR8 must exit");
	cr_expect(vmcs02_proc() & NVMX_PROC_CR8_STORE_EXITING, "MOV from CR8 must exit");
	/* L2: mov cr8, rax (qualification: CR 8, access type 0, register 0). */
	struct nvmx_l2_exit e = l2_exit(NVMX_EXIT_REASON_CR_ACCESS, 8, 0xf);
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.action, NVMX_ACTION_L0_EXIT, "L0 emulates L1's TPR");
	cr_expect_eq(r.reason, NVMX_REASON_EXIT_L0_NOT_WANTED_BY_L1);
	/* L2: mov rax, cr8 (access type 1). */
	e = l2_exit(NVMX_EXIT_REASON_CR_ACCESS, 8 | 1u << 4, 0);
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.action, NVMX_ACTION_L0_EXIT);
}

Test(cve, CVE_2017_12154_with_a_tpr_shadow_cr8_exits_follow_l1)
{
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW);
	fx_set(&f, NVMX_IDX_VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC);
	vmlaunch();
	expect_l2_running();
	/* The hardware virtualizes CR8 against L1's virtual-APIC page. */
	cr_expect(vmcs02_proc() & NVMX_PROC_TPR_SHADOW);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VIRTUAL_APIC_PAGE_ADDR),
	             REFHOST_HPA_BASE + FX_VAPIC);
	cr_expect_eq(vmcs02_proc() & (NVMX_PROC_CR8_LOAD_EXITING | NVMX_PROC_CR8_STORE_EXITING), 0);
}

/* ------------------------------------------------------------------------
 * CVE-2018-12904: KVM emulated VMX instructions for L1 without checking
 * CPL, so L1's user space could drive L1's hypervisor state. SDM chapter
 * 31: outside VMX non-root operation, every VMX instruction at CPL > 0
 * raises #GP(0), and nothing else happens (RIP, RFLAGS, the current VMCS
 * and its fields are unchanged).
 */
Test(cve, CVE_2018_12904_every_vmx_instruction_at_cpl3_raises_gp0_and_changes_nothing)
{
	static const struct {
		uint32_t reason;
		bool mem;
		const char *name;
	} all[] = {
		{ NVMX_EXIT_REASON_VMXON, true, "VMXON" },   { NVMX_EXIT_REASON_VMXOFF, false, "VMXOFF" },
		{ NVMX_EXIT_REASON_VMCLEAR, true, "VMCLEAR" }, { NVMX_EXIT_REASON_VMPTRLD, true, "VMPTRLD" },
		{ NVMX_EXIT_REASON_VMPTRST, true, "VMPTRST" }, { NVMX_EXIT_REASON_VMREAD, false, "VMREAD" },
		{ NVMX_EXIT_REASON_VMWRITE, false, "VMWRITE" }, { NVMX_EXIT_REASON_VMLAUNCH, false, "VMLAUNCH" },
		{ NVMX_EXIT_REASON_VMRESUME, false, "VMRESUME" }, { NVMX_EXIT_REASON_INVEPT, true, "INVEPT" },
		{ NVMX_EXIT_REASON_INVVPID, true, "INVVPID" },
	};
	refhost_mem_w32(&f.h, OTHER_VMCS, 4);
	refhost_mem_w64(&f.h, OPND, OTHER_VMCS);
	refhost_mem_w64(&f.h, OPND + 8, 0);
	uint64_t ss = refhost_l1_get(&f.h, NVMX_F_GUEST_SS_AR_BYTES);
	refhost_l1_set(&f.h, NVMX_F_GUEST_SS_AR_BYTES, ss | 3u << 5); /* DPL 3: CPL 3 */
	struct nvmx_vmcs12 before = *f.s;
	uint8_t mem_before[64];
	refhost_mem_read(&f.h, OPND, mem_before, sizeof(mem_before));
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		refhost_l1_set(&f.h, NVMX_F_GUEST_RIP, L1_RIP);
		refhost_l1_set(&f.h, NVMX_F_GUEST_RFLAGS, 0x2);
		f.h.gpr[1] = 1;                           /* RCX: INVEPT/INVVPID type 1 */
		f.h.gpr[2] = NVMX_F_GUEST_RIP;            /* RDX: VMREAD/VMWRITE field */
		cr_assert_eq(insn(all[i].reason, all[i].mem, 0, all[i].mem ? 1 : 2), NVMX_STATUS_OK,
		             "%s", all[i].name);
		cr_expect_eq(r.action, NVMX_ACTION_INJECT_L1, "%s", all[i].name);
		cr_expect_eq(r.outcome, NVMX_OUTCOME_FAULT, "%s", all[i].name);
		cr_expect_eq(r.fault.vector, 13, "%s", all[i].name);
		cr_expect(r.fault.has_error_code, "%s", all[i].name);
		cr_expect_eq(r.fault.error_code, 0, "%s", all[i].name);
		cr_expect_eq(r.reason, NVMX_REASON_INSN_GP_CPL, "%s: %s", all[i].name,
		             nvmx_reason_name(r.reason));
		cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RIP), L1_RIP, "%s", all[i].name);
		cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RFLAGS), 0x2, "%s", all[i].name);
		cr_expect(nvmx_vcpu_in_vmx_operation(f.v), "%s", all[i].name);
		cr_expect_eq(nvmx_vcpu_current_vmptr(f.v), FX_VMCS12, "%s", all[i].name);
		cr_expect(!nvmx_vcpu_in_l2(f.v), "%s", all[i].name);
		cr_expect_eq(memcmp(before.f, f.s->f, sizeof(before.f)), 0, "%s", all[i].name);
		uint8_t mem_now[64];
		refhost_mem_read(&f.h, OPND, mem_now, sizeof(mem_now));
		cr_expect_eq(memcmp(mem_before, mem_now, sizeof(mem_now)), 0, "%s", all[i].name);
	}
	cr_expect_eq(f.h.invept_calls + f.h.invvpid_calls, 0);
}

/* ------------------------------------------------------------------------
 * CVE-2019-3887: KVM built L2's MSR bitmap so that the x2APIC MSRs
 * (800H-8FFH) passed through when L1 passed them, although VMCS02 did not
 * virtualize them: L2 read and wrote L0's physical x2APIC. SDM 30.5: an
 * x2APIC MSR access that the processor does not virtualize operates
 * normally, on the physical APIC. So VMCS02 must intercept every x2APIC
 * MSR access it does not virtualize, whatever L0's and L1's bitmaps say.
 */
Test(cve, CVE_2019_3887_x2apic_msrs_exit_when_vmcs02_does_not_virtualize_them)
{
	/* L1's bitmap is all zeros: L1 passes every MSR; L0's does not
	 * intercept x2APIC MSRs either (L0 virtualizes L1's x2APIC). */
	vmlaunch();
	expect_l2_running();
	unsigned pass_r = 0, pass_w = 0;
	for (uint32_t msr = X2APIC_FIRST; msr <= X2APIC_LAST; msr++) {
		pass_r += !fx_vmcs02_msr_exits(&f, msr, false);
		pass_w += !fx_vmcs02_msr_exits(&f, msr, true);
	}
	cr_expect_eq(pass_r, 0, "%u x2APIC MSRs readable by L2 without an exit", pass_r);
	cr_expect_eq(pass_w, 0, "%u x2APIC MSRs writable by L2 without an exit", pass_w);
	/* The exit is L0's: L1 asked for none, L0 emulates L1's x2APIC. */
	struct nvmx_l2_exit e = l2_exit(NVMX_EXIT_REASON_RDMSR, 0, 0x802);
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.action, NVMX_ACTION_L0_EXIT);
	/* Other MSRs L1 and L0 pass still pass. */
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x174, false), "SYSENTER_CS passes");
}

Test(cve, CVE_2019_3887_virtualized_x2apic_msrs_pass_only_as_the_sdm_virtualizes_them)
{
	/* L1 virtualizes x2APIC mode with APIC-register virtualization and
	 * virtual-interrupt delivery (SDM 27.2.1.1 prerequisites: TPR shadow,
	 * external-interrupt exiting, no APIC-access virtualization). */
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW);
	fx_set(&f, NVMX_IDX_VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC);
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL,
	       NVMX_PROC2_VIRT_X2APIC | NVMX_PROC2_APIC_REG_VIRT | NVMX_PROC2_VIRT_INTR_DELIVERY);
	vmlaunch();
	expect_l2_running();
	/* SDM 30.5: with APIC-register virtualization every RDMSR of the range
	 * is virtualized; WRMSR is virtualized for TPR (808H) and, with
	 * virtual-interrupt delivery, EOI (80BH) and SELF IPI (83FH). */
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x802, false));
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x830, false));
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x808, true));
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x80b, true));
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x83f, true));
	cr_expect(fx_vmcs02_msr_exits(&f, 0x830, true), "an ICR write is not virtualized");
	cr_expect(fx_vmcs02_msr_exits(&f, 0x802, true));
	cr_expect(fx_vmcs02_msr_exits(&f, 0x838, true), "initial-count write");
}

Test(cve, CVE_2019_3887_without_apic_register_virtualization_only_tpr_reads_pass)
{
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW);
	fx_set(&f, NVMX_IDX_VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC);
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VIRT_X2APIC);
	vmlaunch();
	expect_l2_running();
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x808, false));
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x808, true));
	cr_expect(fx_vmcs02_msr_exits(&f, 0x802, false), "APIC ID read reaches the hardware");
	cr_expect(fx_vmcs02_msr_exits(&f, 0x80b, true), "EOI without virtual-interrupt delivery");
	cr_expect(fx_vmcs02_msr_exits(&f, 0x83f, true));
}

Test(cve, CVE_2019_3887_a_change_of_l1s_apic_controls_redoes_the_merged_bitmap)
{
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_TPR_SHADOW);
	fx_set(&f, NVMX_IDX_VIRTUAL_APIC_PAGE_ADDR, FX_VAPIC);
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL,
	       NVMX_PROC2_VIRT_X2APIC | NVMX_PROC2_APIC_REG_VIRT);
	vmlaunch();
	expect_l2_running();
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x802, false));
	fx_exit_to_l1(&f);
	/* L1 turns x2APIC virtualization off, same bitmap page. */
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, 0);
	cr_assert_eq(fx_enter(&f, false, &r), NVMX_STATUS_OK);
	expect_l2_running();
	cr_expect(fx_vmcs02_msr_exits(&f, 0x802, false), "the cached merge must not survive");
}

/* ------------------------------------------------------------------------
 * CVE-2020-2732: KVM's instruction emulator, running an L2 instruction
 * for L0, checked L0's intercepts instead of L1's, so L2 performed I/O
 * that L1's I/O bitmap forbade. An instruction L0 emulates for L2 must be
 * checked against VMCS12 as the hardware would (SDM 26.1.3): every port
 * byte in L1's bitmaps, an access wrapping past FFFFH exits.
 */
Test(cve, CVE_2020_2732_an_emulated_l2_io_instruction_is_checked_against_l1s_bitmaps)
{
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_USE_IO_BITMAPS);
	fx_set(&f, NVMX_IDX_IO_BITMAP_A, FX_IO_A);
	fx_set(&f, NVMX_IDX_IO_BITMAP_B, FX_IO_B);
	set_l1_bit(FX_IO_B, 0x8000u & 0x7fffu);    /* L1 wants port 0x8000 */
	vmlaunch();
	expect_l2_running();
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_CS_AR_BYTES, 0xa09b);
	/* L2: out dx, eax with DX = 0x7ffe: ports 7FFEH-8001H, one of them L1's. */
	struct nvmx_l2_exit e = l2_exit(NVMX_EXIT_REASON_IO_INSTRUCTION, 0, 0x7ffe);
	e.flags = NVMX_L2_EXIT_EMULATED;
	e.bytes[0] = 0xef;
	e.nbytes = 1;
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.outcome, NVMX_OUTCOME_EXIT_TO_L1, "%s", nvmx_reason_name(r.reason));
	cr_expect_eq(r.exit_reason, NVMX_EXIT_REASON_IO_INSTRUCTION);
	/* SDM Table 28-5: size 4 (3), OUT (bit 3 clear), DX (bit 6 clear), port in 31:16. */
	cr_expect_eq(r.exit_qualification, 0x7ffe0003ull, "got %#llx",
	             (unsigned long long)r.exit_qualification);
}

Test(cve, CVE_2020_2732_an_emulated_io_access_that_l1_does_not_intercept_stays_with_l0)
{
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_USE_IO_BITMAPS);
	fx_set(&f, NVMX_IDX_IO_BITMAP_A, FX_IO_A);
	fx_set(&f, NVMX_IDX_IO_BITMAP_B, FX_IO_B);
	vmlaunch();
	expect_l2_running();
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_CS_AR_BYTES, 0xa09b);
	struct nvmx_l2_exit e = l2_exit(NVMX_EXIT_REASON_IO_INSTRUCTION, 0, 0x3f8);
	e.flags = NVMX_L2_EXIT_EMULATED;
	e.bytes[0] = 0xee; /* out dx, al */
	e.nbytes = 1;
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.action, NVMX_ACTION_L0_EXIT);
	cr_expect(nvmx_vcpu_in_l2(f.v));
	/* The wrap rule: OUT DX, AX at FFFFH touches FFFFH and 0000H. */
	e.operand = 0xffff;
	e.bytes[0] = 0x66;
	e.bytes[1] = 0xef;
	e.nbytes = 2;
	cr_assert_eq(nvmx_vcpu_handle_exit(f.v, &e, &r), NVMX_STATUS_OK);
	cr_expect_eq(r.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(r.reason, NVMX_REASON_EXIT_L1_IO_WRAP);
}

/* ------------------------------------------------------------------------
 * CVE-2023-30456: KVM lacked the CR0/CR4 consistency checks of nested VM
 * entry when it ran L2 on shadow paging, and entered an L2 with IA-32e mode
 * and paging off. SDM 27.3.1.1: CR0.PG = 1 requires CR0.PE = 1 (even for an
 * unrestricted guest), an IA-32e mode guest requires CR0.PG = 1 and
 * CR4.PAE = 1, and CR0/CR4 must respect the FIXED0/FIXED1 MSRs. A failure is
 * a VM-entry failure: exit reason 80000021H, qualification 0, L1's host
 * state loaded (SDM 27.8).
 */
static void expect_guest_state_failure(enum nvmx_reason why)
{
	cr_expect_eq(r.outcome, NVMX_OUTCOME_ENTRY_FAILED, "outcome %d reason %s", r.outcome,
	             nvmx_reason_name(r.reason));
	cr_expect_eq(r.exit_reason, 0x80000021u);
	cr_expect_eq(r.exit_qualification, 0);
	cr_expect_eq(r.reason, why, "reason %s", nvmx_reason_name(r.reason));
	cr_expect(!nvmx_vcpu_in_l2(f.v));
	cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RIP), fx_get(&f, NVMX_IDX_HOST_RIP));
	cr_expect_eq(fx_get(&f, NVMX_IDX_VM_EXIT_REASON), 0x80000021u);
}

Test(cve, CVE_2023_30456_ia32e_mode_guest_with_paging_off_fails_the_entry)
{
	/* Unrestricted guest lets PE and PG be 0 (SDM 27.3.1.1), but an
	 * IA-32e mode guest still needs them. */
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL,
	       NVMX_PROC2_EPT | NVMX_PROC2_UNRESTRICTED_GUEST);
	fx_set(&f, NVMX_IDX_EPT_POINTER, 0x50000ull | 0x1eull);
	fx_set(&f, NVMX_IDX_GUEST_CR0, 0x00050033ull & ~1ull);
	vmlaunch();
	expect_guest_state_failure(NVMX_REASON_ENTRY_GUEST_IA32E_PAGING);
}

Test(cve, CVE_2023_30456_paging_without_protection_fails_even_for_an_unrestricted_guest)
{
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL,
	       NVMX_PROC2_EPT | NVMX_PROC2_UNRESTRICTED_GUEST);
	fx_set(&f, NVMX_IDX_EPT_POINTER, 0x50000ull | 0x1eull);
	fx_set(&f, NVMX_IDX_GUEST_CR0, 0x80050033ull & ~1ull);
	vmlaunch();
	expect_guest_state_failure(NVMX_REASON_ENTRY_GUEST_CR0_PG_WITHOUT_PE);
}

Test(cve, CVE_2023_30456_ia32e_mode_guest_without_cr4_pae_fails_the_entry)
{
	fx_set(&f, NVMX_IDX_GUEST_CR4, NVMX_CR4_VMXE);
	vmlaunch();
	expect_guest_state_failure(NVMX_REASON_ENTRY_GUEST_IA32E_PAGING);
}

Test(cve, CVE_2023_30456_guest_cr4_without_the_fixed1_vmxe_bit_fails_the_entry)
{
	/* IA32_VMX_CR4_FIXED0 has VMXE (bit 13) set: a guest CR4 without it. */
	cr_assert(fx_cap(&f, NVMX_MSR_IA32_VMX_CR4_FIXED0) & NVMX_CR4_VMXE);
	fx_set(&f, NVMX_IDX_GUEST_CR4, NVMX_CR4_PAE);
	vmlaunch();
	expect_guest_state_failure(NVMX_REASON_ENTRY_GUEST_CR4_FIXED);
}

/* ------------------------------------------------------------------------
 * CVE-2019-7221: KVM's emulated VMX-preemption timer (an hrtimer) fired
 * after the nested state it pointed to was gone. Here the host emulates
 * the timer and reports its expiry with nvmx_vcpu_inject_exit: a late
 * expiry, after L2 is no longer running (L2 exited, or its VMCS12 was
 * cleared and its cache slot reused), must be refused and touch nothing,
 * and an expiry the VMCS12 did not ask for is not an exit (SDM 26.5.1:
 * the timer exists only while "activate VMX-preemption timer" is 1).
 */
static enum nvmx_status timer_fires(void)
{
	struct nvmx_synth_exit x;
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = NVMX_SYNTH_PREEMPTION_TIMER;
	return nvmx_vcpu_inject_exit(f.v, &x, &r);
}

Test(cve, CVE_2019_7221_a_preemption_timer_expiry_after_l2_is_gone_is_refused)
{
	f.pol.flags |= NVMX_L0_EMULATE_PREEMPTION_TIMER;
	cr_assert_eq(nvmx_vcpu_set_l0_policy(f.v, &f.pol), NVMX_STATUS_OK);
	fx_set(&f, NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL) | NVMX_PIN_PREEMPTION_TIMER);
	fx_set(&f, NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE, 1000);
	vmlaunch();
	expect_l2_running();
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_PIN_BASED_VM_EXEC_CONTROL) &
	             NVMX_PIN_PREEMPTION_TIMER, 0, "L0 emulates the timer");
	/* The timer fires while L2 runs: L1 gets exit 52. */
	cr_assert_eq(timer_fires(), NVMX_STATUS_OK);
	cr_expect_eq(r.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(r.exit_reason, 52);
	/* A second, stale expiry: L2 is gone. */
	uint64_t rip = refhost_l1_get(&f.h, NVMX_F_GUEST_RIP);
	struct nvmx_vmcs12 before = *f.s;
	cr_expect_eq(timer_fires(), NVMX_STATUS_WRONG_STATE);
	cr_expect_eq(refhost_l1_get(&f.h, NVMX_F_GUEST_RIP), rip);
	cr_expect_eq(memcmp(before.f, f.s->f, sizeof(before.f)), 0);
	/* L1 clears the VMCS and loads another into the freed slot: still refused. */
	refhost_mem_w64(&f.h, OPND, FX_VMCS12);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMCLEAR, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	refhost_mem_w32(&f.h, OTHER_VMCS, 4);
	refhost_mem_w64(&f.h, OPND, OTHER_VMCS);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	cr_expect_eq(timer_fires(), NVMX_STATUS_WRONG_STATE);
}

Test(cve, CVE_2019_7221_an_expiry_vmcs12_did_not_ask_for_is_not_an_exit)
{
	f.pol.flags |= NVMX_L0_EMULATE_PREEMPTION_TIMER;
	cr_assert_eq(nvmx_vcpu_set_l0_policy(f.v, &f.pol), NVMX_STATUS_OK);
	vmlaunch();
	expect_l2_running();
	cr_assert_eq(timer_fires(), NVMX_STATUS_OK);
	cr_expect_eq(r.outcome, NVMX_OUTCOME_NONE);
	cr_expect_eq(r.reason, NVMX_REASON_EXIT_SYNTH_NOT_INTERCEPTED);
	cr_expect(nvmx_vcpu_in_l2(f.v));
}

Test(cve, CVE_2019_7221_destroying_a_vcpu_while_l2_runs_frees_all_nested_state)
{
	/* Under ASan/LSan (the sanitizer build), any use after free or leak
	 * of the VMCS12 cache, merged bitmaps or shadow pages shows here. */
	vmlaunch();
	expect_l2_running();
	nvmx_vcpu_destroy(f.v);
	f.h.vcpu = NULL;
	cr_expect_eq(nvmx_vm_destroy(f.h.vm), NVMX_STATUS_OK);
	f.h.vm = NULL;
	cr_expect_eq(f.h.npages, 0, "every shadow page went back to the host");
}

/* ------------------------------------------------------------------------
 * CVE-2026-64562: a shadow VMCS was freed while a VMCS still linked to it,
 * and the next VM entry used the freed copy. libnvmx offers no VMCS
 * shadowing; the link pointer is checked against L1 memory at every entry
 * (SDM 27.3.1.5: the 32 bits it points to hold the revision identifier,
 * bit 31 equal to "VMCS shadowing"), never against a cached copy, so
 * clearing or evicting the linked VMCS changes nothing but what memory says.
 */
Test(cve, CVE_2026_64562_a_linked_vmcs_cleared_and_evicted_is_read_from_memory_again)
{
	refhost_mem_w32(&f.h, OTHER_VMCS, 4);
	/* L1 loads the VMCS it will link to (it is now cached), then goes back. */
	refhost_mem_w64(&f.h, OPND, OTHER_VMCS);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	refhost_mem_w64(&f.h, OPND, FX_VMCS12);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	fx_set(&f, NVMX_IDX_VMCS_LINK_POINTER, OTHER_VMCS);
	/* L1 clears the linked VMCS (its cache slot is freed), then overwrites
	 * the region: the link now names a region with revision 0. */
	refhost_mem_w64(&f.h, OPND, OTHER_VMCS);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMCLEAR, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	refhost_mem_w32(&f.h, OTHER_VMCS, 0);
	vmlaunch();
	cr_expect_eq(r.outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect_eq(r.exit_reason, 0x80000021u);
	cr_expect_eq(r.exit_qualification, 4, "SDM 27.8: 4 = VMCS link pointer");
	cr_expect_eq(r.reason, NVMX_REASON_ENTRY_GUEST_LINK_REVISION);
	/* With the revision back, the same link passes. */
	refhost_mem_w32(&f.h, OTHER_VMCS, 4);
	vmlaunch();
	expect_l2_running();
}

Test(cve, CVE_2026_64562_a_one_slot_cache_evicts_the_current_vmcs_without_losing_it)
{
	fx_fini(&f);
	memset(&f, 0, sizeof(f));
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vmcs12_cache_slots = 1;
	cr_assert_eq(refhost_init(&f.h, FX_MEM, &cfg), NVMX_STATUS_OK);
	f.v = f.h.vcpu;
	refhost_l1_set(&f.h, NVMX_F_GUEST_RFLAGS, 0x2);
	refhost_mem_w32(&f.h, FX_VMXON, 4);
	refhost_mem_w32(&f.h, FX_VMCS12, 4);
	refhost_mem_w32(&f.h, OTHER_VMCS, 4);
	refhost_mem_w64(&f.h, OPND, FX_VMXON);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMXON, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	refhost_mem_w64(&f.h, OPND, FX_VMCS12);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0), NVMX_STATUS_OK);
	f.h.gpr[1] = 0x1234;
	f.h.gpr[2] = NVMX_F_GUEST_RIP;
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMWRITE, false, 1, 2), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	/* VMPTRLD of another VMCS takes the only slot: A is written back. */
	refhost_mem_w64(&f.h, OPND, OTHER_VMCS);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	cr_expect_eq(nvmx_vcpu_current_vmptr(f.v), OTHER_VMCS);
	refhost_mem_w64(&f.h, OPND, FX_VMCS12);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMREAD, false, 3, 2), NVMX_STATUS_OK);
	cr_expect_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	cr_expect_eq(f.h.gpr[3], 0x1234, "the evicted VMCS kept its field");
}

/* ------------------------------------------------------------------------
 * KVM "always flush vpid02 on first use": a VPID02 handed to a VPID12 may
 * hold translations of its previous owner, so its first use must flush it
 * (SDM 29.4.3.3 lets stale entries survive otherwise). The flush must not
 * be lost when the entry that took the VPID02 fails before it could flush.
 */
struct invvpid_log {
	unsigned n;
	uint32_t type[64];
	uint16_t vpid[64];
};
static struct invvpid_log vlog;

static void log_invvpid(void *host, uint32_t type, uint16_t vpid, uint64_t la)
{
	(void)host;
	(void)la;
	if (vlog.n < 64) {
		vlog.type[vlog.n] = type;
		vlog.vpid[vlog.n] = vpid;
	}
	vlog.n++;
}

static bool flushed(uint16_t vpid)
{
	for (unsigned i = 0; i < vlog.n && i < 64; i++)
		if (vlog.vpid[i] == vpid && (vlog.type[i] == 1 || vlog.type[i] == 3))
			return true;
		else if (vlog.type[i] == 2)
			return true;
	return false;
}

Test(cve, KVM_vpid02_is_flushed_on_first_use_only)
{
	f.h.vm->ops.hw_invvpid = log_invvpid;
	memset(&vlog, 0, sizeof(vlog));
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VPID);
	fx_set(&f, NVMX_IDX_VIRTUAL_PROCESSOR_ID, 1);
	vmlaunch();
	expect_l2_running();
	uint16_t v02 = (uint16_t)refhost_vmcs02_get(&f.h, NVMX_F_VIRTUAL_PROCESSOR_ID);
	cr_assert_neq(v02, 0);
	cr_expect(flushed(v02), "first use of VPID02 %#x", v02);
	/* The same VPID12 again: its translations are L2's own, no flush. */
	fx_exit_to_l1(&f);
	memset(&vlog, 0, sizeof(vlog));
	cr_assert_eq(fx_enter(&f, false, &r), NVMX_STATUS_OK);
	expect_l2_running();
	cr_expect(!flushed(v02));
}

Test(cve, KVM_vpid02_first_use_flush_survives_an_entry_that_failed_after_taking_it)
{
	f.h.vm->ops.hw_invvpid = log_invvpid;
	memset(&vlog, 0, sizeof(vlog));
	/* L1 with VPID 1 and EPT; the host runs out of pages exactly when the
	 * shadow EPT root is needed, after the bitmaps. */
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VPID | NVMX_PROC2_EPT);
	fx_set(&f, NVMX_IDX_VIRTUAL_PROCESSOR_ID, 1);
	fx_set(&f, NVMX_IDX_EPT_POINTER, 0x50000ull | 0x1eull);
	f.h.page_limit = f.h.npages + 3; /* MSR bitmap, I/O bitmaps A and B */
	cr_assert_eq(fx_enter(&f, true, &r), NVMX_STATUS_NO_MEMORY);
	cr_expect(!nvmx_vcpu_in_l2(f.v));
	f.h.page_limit = 0;
	memset(&vlog, 0, sizeof(vlog));
	cr_assert_eq(fx_enter(&f, true, &r), NVMX_STATUS_OK);
	expect_l2_running();
	uint16_t v02 = (uint16_t)refhost_vmcs02_get(&f.h, NVMX_F_VIRTUAL_PROCESSOR_ID);
	cr_expect(flushed(v02), "VPID02 %#x entered L2 without a flush", v02);
}

/* ------------------------------------------------------------------------
 * KVM "service TLB flushes on a failed nested VM entry": a VM-entry
 * failure after the guest-state checks loads L1's host state as a VM exit
 * does (SDM 27.8), and with "enable VPID" 0 in VMCS12 that exit invalidates
 * the mappings of VPID 0000H (SDM 29.4.3.3), which in L1's view are its
 * own: L0 tags them with VPID01. A VMfailValid (SDM 27.2) loads nothing and
 * flushes nothing.
 */
Test(cve, KVM_a_failed_entry_flushes_l1s_vpid01_as_a_vm_exit_does)
{
	f.pol.vpid01 = 7;
	cr_assert_eq(nvmx_vcpu_set_l0_policy(f.v, &f.pol), NVMX_STATUS_OK);
	f.h.vm->ops.hw_invvpid = log_invvpid;
	/* Guest-state failure (exit reason 33). */
	memset(&vlog, 0, sizeof(vlog));
	fx_set(&f, NVMX_IDX_GUEST_CR4, NVMX_CR4_VMXE);
	vmlaunch();
	cr_assert_eq(r.outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect(flushed(7), "VPID01 flushed by the failed entry");
	/* MSR-load failure (exit reason 34): an x2APIC MSR may not be loaded. */
	fx_baseline(&f);
	memset(&vlog, 0, sizeof(vlog));
	refhost_mem_w32(&f.h, FX_ENTRY_MSR, 0x808);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_ADDR, FX_ENTRY_MSR);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT, 1);
	vmlaunch();
	cr_assert_eq(r.outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect_eq(r.exit_reason, 0x80000022u);
	cr_expect(flushed(7));
	/* VMfailValid(7): nothing loaded, nothing flushed. */
	fx_baseline(&f);
	memset(&vlog, 0, sizeof(vlog));
	fx_set(&f, NVMX_IDX_CR3_TARGET_COUNT, 5);
	vmlaunch();
	cr_assert_eq(r.outcome, NVMX_OUTCOME_VMFAIL_VALID);
	cr_expect_eq(vlog.n, 0);
}

Test(cve, KVM_a_failed_entry_takes_no_vpid02)
{
	f.h.vm->ops.hw_invvpid = log_invvpid;
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VPID);
	fx_set(&f, NVMX_IDX_VIRTUAL_PROCESSOR_ID, 1);
	fx_set(&f, NVMX_IDX_GUEST_CR4, NVMX_CR4_VMXE);
	vmlaunch();
	cr_assert_eq(r.outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect_eq(nvmx_vpid_lookup(f.h.vm, 1), 0, "no VPID02 for an L2 that never ran");
	fx_set(&f, NVMX_IDX_GUEST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE);
	memset(&vlog, 0, sizeof(vlog));
	vmlaunch();
	expect_l2_running();
	uint16_t v02 = (uint16_t)refhost_vmcs02_get(&f.h, NVMX_F_VIRTUAL_PROCESSOR_ID);
	cr_expect(flushed(v02));
}

/* ------------------------------------------------------------------------
 * CVE-2021-29657 (nSVM): KVM read L1's VMCB control fields from guest
 * memory twice, once to check and once to use, so a second L1 vCPU could
 * swap a checked value for an unchecked one in between. The same class in
 * VMX: any L1 structure the library checks (VMCS region revision, MSR-load
 * entries, bitmaps) must be used from the same read. A racing host rewrites
 * every byte range right after the library read it, as another L1 vCPU
 * would; the library must act on what it read first.
 */
static enum nvmx_status (*real_gpa_read)(void *, uint64_t, void *, size_t);
static uint64_t race_lo, race_hi;   /* the L1 range the racer rewrites */
static uint8_t race_xor;
static unsigned race_left;          /* reads to race, then stop */

static enum nvmx_status racing_gpa_read(void *host, uint64_t gpa, void *buf, size_t len)
{
	enum nvmx_status st = real_gpa_read(host, gpa, buf, len);
	if (st != NVMX_STATUS_OK || !race_left)
		return st;
	uint64_t lo = gpa > race_lo ? gpa : race_lo;
	uint64_t hi = gpa + len < race_hi ? gpa + len : race_hi;
	if (lo >= hi)
		return st;
	race_left--;
	for (uint64_t a = lo; a < hi; a++) {
		uint8_t b = 0;
		refhost_mem_read(&f.h, a, &b, 1);
		b ^= race_xor;
		refhost_mem_write(&f.h, a, &b, 1);
	}
	return st;
}

static void race(uint64_t gpa, uint64_t len, uint8_t xor_with, unsigned reads)
{
	if (f.h.vm->ops.gpa_read != racing_gpa_read) {
		real_gpa_read = f.h.vm->ops.gpa_read;
		f.h.vm->ops.gpa_read = racing_gpa_read;
	}
	race_lo = gpa;
	race_hi = gpa + len;
	race_xor = xor_with;
	race_left = reads;
}

Test(cve, CVE_2021_29657_vmptrld_caches_the_revision_it_checked)
{
	/* The racer sets bit 31 (shadow-VMCS indicator) of the revision right
	 * after VMPTRLD checked it. */
	refhost_mem_w32(&f.h, OTHER_VMCS, 4);
	refhost_mem_w64(&f.h, OPND, OTHER_VMCS);
	race(OTHER_VMCS + 3, 1, 0x80, 1);
	cr_assert_eq(insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	/* The VMCS is an ordinary one (SDM 25.10): VMLAUNCH is not refused as
	 * a shadow VMCS, and VMPTRLD of it again succeeds. */
	fx_baseline(&f);
	f.s = f.v->cur;
	fx_baseline(&f);
	vmlaunch();
	cr_expect_neq(r.reason, NVMX_REASON_INSN_VMFAIL_SHADOW_VMLAUNCH);
	expect_l2_running();
}

struct msr_log {
	unsigned n;
	uint32_t msr[8];
	uint64_t val[8];
};
static struct msr_log mlog;

static enum nvmx_status log_msr_load(void *host, bool l2, uint32_t msr, uint64_t value)
{
	(void)host;
	(void)l2;
	if (mlog.n < 8) {
		mlog.msr[mlog.n] = msr;
		mlog.val[mlog.n] = value;
	}
	mlog.n++;
	return NVMX_STATUS_OK;
}

Test(cve, CVE_2021_29657_an_msr_load_entry_is_loaded_as_it_was_checked)
{
	/* Entry 1 loads IA32_SYSENTER_CS (174H) with 8; right after the read
	 * the racer turns it into 0x874 (x2APIC, refused by SDM 27.4) with
	 * value 8 ^ 0xff.. */
	refhost_mem_w32(&f.h, FX_ENTRY_MSR, 0x174);
	refhost_mem_w64(&f.h, FX_ENTRY_MSR + 8, 8);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_ADDR, FX_ENTRY_MSR);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT, 1);
	f.h.vm->ops.msr_load = log_msr_load;
	memset(&mlog, 0, sizeof(mlog));
	race(FX_ENTRY_MSR + 1, 8, 0x08, 4);
	vmlaunch();
	expect_l2_running();
	cr_assert_eq(mlog.n, 1);
	cr_expect_eq(mlog.msr[0], 0x174);
	cr_expect_eq(mlog.val[0], 8);
}

Test(cve, CVE_2021_29657_a_hashed_bitmap_is_merged_from_the_bytes_that_were_hashed)
{
	/* With NVMX_L0_HASH_L1_BITMAPS the library hashes L1's MSR bitmap at
	 * every entry and merges it again when the hash changed. L1 asks for
	 * RDMSR 174H exits between two entries; during the next entry the
	 * racer flips that bit after each of the first two reads of it (a
	 * library that hashes one read and merges another then holds "pass"
	 * under the hash of "exit", and L1's page ends as "exit"). From the
	 * next entry on, VMCS02 must follow L1's page as it then is. */
	f.pol.flags |= NVMX_L0_HASH_L1_BITMAPS;
	cr_assert_eq(nvmx_vcpu_set_l0_policy(f.v, &f.pol), NVMX_STATUS_OK);
	vmlaunch();
	expect_l2_running();
	cr_expect(!fx_vmcs02_msr_exits(&f, 0x174, false));
	fx_exit_to_l1(&f);
	set_l1_bit(FX_MSR_BITMAP, 0x174);
	race(FX_MSR_BITMAP + 0x174 / 8, 1, 1u << (0x174 % 8), 2);
	cr_assert_eq(fx_enter(&f, false, &r), NVMX_STATUS_OK);
	expect_l2_running();
	fx_exit_to_l1(&f);
	race_left = 0;
	cr_assert_eq(fx_enter(&f, false, &r), NVMX_STATUS_OK);
	expect_l2_running();
	uint8_t b = 0;
	refhost_mem_read(&f.h, FX_MSR_BITMAP + 0x174 / 8, &b, 1);
	bool l1_wants = (b >> (0x174 % 8)) & 1u;
	cr_expect_eq(fx_vmcs02_msr_exits(&f, 0x174, false), l1_wants,
	             "VMCS02 says %d, L1's page %d", fx_vmcs02_msr_exits(&f, 0x174, false), l1_wants);
}

Test(cve, CVE_2021_29657_every_l1_structure_raced_at_entry_still_yields_a_valid_vmcs02)
{
	/* The racer rewrites every L1 byte right after every read during a
	 * VMLAUNCH with MSR bitmaps, I/O bitmaps and an MSR-load area; the
	 * entry either fails as the SDM says or builds a VMCS02 the hardware
	 * checks accept and that keeps every exit L0 needs. */
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_USE_IO_BITMAPS);
	fx_set(&f, NVMX_IDX_IO_BITMAP_A, FX_IO_A);
	fx_set(&f, NVMX_IDX_IO_BITMAP_B, FX_IO_B);
	refhost_mem_w32(&f.h, FX_ENTRY_MSR, 0x174);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_ADDR, FX_ENTRY_MSR);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT, 1);
	race(0, FX_MEM, 0xff, ~0u);
	vmlaunch();
	race_left = 0;
	if (r.outcome == NVMX_OUTCOME_L2_ENTERED) {
		const char *hw = hwcheck_vmcs02(&f.h, &f.h.vm->cfg.hw);
		cr_expect_null(hw, "hardware refuses VMCS02: %s", hw);
		cr_expect_null(fx_l0_exits_missing(&f));
	} else {
		cr_expect(r.outcome == NVMX_OUTCOME_ENTRY_FAILED ||
		          r.outcome == NVMX_OUTCOME_VMFAIL_VALID, "outcome %d", r.outcome);
	}
}
