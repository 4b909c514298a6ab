/* SPDX-License-Identifier: MIT */
/*
 * vmx_exits: one L2 exit of each kind and the exit information L1 reads
 * (SDM vol. 3 chapter 26 for what causes an exit, 28.2 for the information
 * fields, appendix C for the reasons). Each case points L2 at a stub of
 * l2stubs.S, turns on one control, enters L2 and prints the exit reason,
 * the qualification, and the instruction length, interruption information,
 * IDT-vectoring information or instruction information where the SDM
 * defines them for that exit (undefined fields are not printed: they may
 * legitimately differ between two processors).
 */
#include "l1.h"

static uint8_t vmcs[4096] PAGE_ALIGNED;
static uint8_t msr_bitmap[4096] PAGE_ALIGNED;
/* MSR-load/store areas: 16-byte entries, index in bits 31:0, value in 127:64
 * (SDM 25.7.2, 25.8.2). */
static uint64_t entry_load[2] __attribute__((aligned(16)));
static uint64_t exit_store[2] __attribute__((aligned(16)));
static uint64_t exit_load[2] __attribute__((aligned(16)));
static uint64_t bad_load[2] __attribute__((aligned(16)));
static uint8_t l2_stack[8192] __attribute__((aligned(16)));
static uint64_t base_pin, base_proc, base_proc2, base_exit, base_entry;

#define L2(name) void name(void);
L2(l2_hlt) L2(l2_rdtsc) L2(l2_out80) L2(l2_in61) L2(l2_rdmsr) L2(l2_wrmsr)
L2(l2_movtocr3) L2(l2_movfromcr3) L2(l2_clts) L2(l2_ud2) L2(l2_int3) L2(l2_invlpg)
L2(l2_pause) L2(l2_wbinvd) L2(l2_rdtscp) L2(l2_invd) L2(l2_vmptrst) L2(l2_vmclear)
L2(l2_nop) L2(l2_tscaux) L2(l2_store_probe) L2(l2_read_probe)
#undef L2

/* QREL: the qualification is an address, printed relative to rip0 so that
 * the line does not depend on where the compiler put the stub. */
enum { LEN = 1, INTR = 2, IDT = 4, INFO = 8, RIP = 16, GPA = 32, QREL = 64 };

static void reset(void (*rip)(void))
{
	vw(NVMX_F_PIN_BASED_VM_EXEC_CONTROL, base_pin);
	vw(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, base_proc);
	vw(NVMX_F_SECONDARY_VM_EXEC_CONTROL, base_proc2);
	vw(NVMX_F_VM_EXIT_CONTROLS, base_exit);
	vw(NVMX_F_VM_ENTRY_CONTROLS, base_entry);
	vw(NVMX_F_EXCEPTION_BITMAP, 0);
	vw(NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0);
	vw(NVMX_F_CR0_GUEST_HOST_MASK, 0);
	vw(NVMX_F_CR0_READ_SHADOW, 0);
	vw(NVMX_F_GUEST_RIP, (uint64_t)rip);
	vw(NVMX_F_GUEST_RSP, (uint64_t)(l2_stack + sizeof(l2_stack)));
	vw(NVMX_F_GUEST_RFLAGS, 2);
	vw(NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 0);
	vw(NVMX_F_GUEST_ACTIVITY_STATE, 0);
}

static void set_on(uint64_t field, uint64_t bits)
{
	vw(field, vr(field) | bits);
}

/* Enter L2 (VMRESUME: the VMCS is launched by the first case) and print
 * the exit. */
static void go(const char *name, unsigned what, uint64_t rip0)
{
	int r = l1_vmrun(0);
	if (r) {
		report(name, r);
		return;
	}
	uint64_t qual = vr(NVMX_F_EXIT_QUALIFICATION);
	if (what & QREL)
		rt_printf("%s: exit 0x%lx qual stub+%ld", name, vr(NVMX_F_VM_EXIT_REASON),
		          (int64_t)(qual - rip0));
	else
		rt_printf("%s: exit 0x%lx qual 0x%lx", name, vr(NVMX_F_VM_EXIT_REASON), qual);
	if (what & LEN)
		rt_printf(" len %lu", vr(NVMX_F_VM_EXIT_INSTRUCTION_LEN));
	if (what & INTR)
		rt_printf(" intr 0x%lx", vr(NVMX_F_VM_EXIT_INTR_INFO));
	if (what & IDT)
		rt_printf(" idt 0x%lx", vr(NVMX_F_IDT_VECTORING_INFO_FIELD));
	if (what & INFO) /* the bits Table 28-13 defines */
		rt_printf(" info 0x%lx", vr(NVMX_F_VMX_INSTRUCTION_INFO) & 0x0fff8383u);
	if (what & RIP)
		rt_printf(" rip +%lu", vr(NVMX_F_GUEST_RIP) - rip0);
	if (what & GPA)
		rt_printf(" gpa-probe %ld", (int64_t)(vr(NVMX_F_GUEST_PHYSICAL_ADDRESS) -
		                                      (uint64_t)probe_page));
	rt_printf("\n");
}

static bool allowed1(uint32_t msr, uint32_t bit)
{
	return (rdmsr(msr) >> 32) & bit;
}

void kernel_main(uint32_t magic, uint32_t info)
{
	(void)magic;
	(void)info;
	begin("vmx_exits");
	vmx_on();
	uint64_t eptp = ept_identity();
	vmcs_setup((uint64_t)vmcs, eptp, l2_nop, (uint64_t)(l2_stack + sizeof(l2_stack)));
	base_pin = vr(NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
	base_proc = vr(NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	base_proc2 = vr(NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	base_exit = vr(NVMX_F_VM_EXIT_CONTROLS);
	base_entry = vr(NVMX_F_VM_ENTRY_CONTROLS);
	uint32_t tproc = 0x48e, tpin = 0x48d;

	int r = l1_vmrun(1);
	if (r)
		report("vmlaunch nop", r);
	else
		exit_line("vmlaunch nop");

	/* Instructions that exit by a control (SDM 26.1.3). */
	reset(l2_hlt);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_HLT_EXITING);
	go("hlt exiting", LEN, 0);
	reset(l2_rdtsc);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_RDTSC_EXITING);
	go("rdtsc exiting", LEN, 0);
	reset(l2_out80);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_UNCOND_IO_EXITING);
	go("out imm8 unconditional i/o exiting", LEN, 0);
	reset(l2_in61);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_UNCOND_IO_EXITING);
	go("in dx unconditional i/o exiting", LEN, 0);

	/* MSR bitmap: read of 0x10 (low read bitmap), write of 0xc0000103
	 * (high write bitmap at 3072), SDM 25.6.9. */
	msr_bitmap[0x10 / 8] |= 1u << (0x10 % 8);
	msr_bitmap[3072 + 0x103 / 8] |= 1u << (0x103 % 8);
	vw(NVMX_F_MSR_BITMAP, (uint64_t)msr_bitmap);
	reset(l2_rdmsr);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_USE_MSR_BITMAPS);
	go("rdmsr 0x10 msr bitmap", LEN, 0);
	reset(l2_wrmsr);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_USE_MSR_BITMAPS);
	go("wrmsr 0xc0000103 msr bitmap", LEN, 0);
	reset(l2_rdmsr);
	go("rdmsr without msr bitmaps", LEN, 0);

	if (allowed1(tproc, NVMX_PROC_CR3_LOAD_EXITING) || 1) {
		reset(l2_movtocr3);
		set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_CR3_LOAD_EXITING);
		go("mov to cr3 cr3-load exiting", LEN, 0);
		reset(l2_movfromcr3);
		set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_CR3_STORE_EXITING);
		go("mov from cr3 cr3-store exiting", LEN, 0);
	}
	/* CLTS exits when CR0.TS is owned by L1 and its shadow is 1 (26.1.3). */
	reset(l2_clts);
	vw(NVMX_F_CR0_GUEST_HOST_MASK, 1u << 3);
	vw(NVMX_F_CR0_READ_SHADOW, 1u << 3);
	go("clts cr0.ts owned, shadow 1", LEN, 0);
	reset(l2_invlpg);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_INVLPG_EXITING);
	go("invlpg exiting (qual: the operand, the stub itself)", LEN | QREL, (uint64_t)l2_invlpg);
	reset(l2_pause);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_PAUSE_EXITING);
	go("pause exiting", LEN, 0);
	reset(l2_wbinvd);
	set_on(NVMX_F_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_WBINVD_EXITING);
	go("wbinvd exiting", LEN, 0);
	reset(l2_rdtscp);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_RDTSC_EXITING);
	set_on(NVMX_F_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_RDTSCP);
	go("rdtscp exiting", LEN, 0);
	reset(l2_rdtscp);
	vw(NVMX_F_EXCEPTION_BITMAP, 1u << 6);
	go("rdtscp not enabled: #ud", INTR, 0);

	/* Unconditional exits (26.1.2). */
	reset(l2_invd);
	go("invd", LEN, 0);
	reset(l2_vmptrst);
	go("vmptrst in l2", LEN | INFO, 0);
	reset(l2_vmclear);
	go("vmclear in l2 (base+index*4)", LEN | INFO, 0);

	/* Exceptions through the exception bitmap (26.2). */
	reset(l2_ud2);
	vw(NVMX_F_EXCEPTION_BITMAP, 1u << 6);
	go("ud2 exception bitmap", INTR, 0);
	reset(l2_int3);
	vw(NVMX_F_EXCEPTION_BITMAP, 1u << 3);
	go("int3 exception bitmap", LEN | INTR, 0);
	/* Window and timer exits (26.7). */
	reset(l2_nop);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_INTR_WINDOW_EXITING);
	vw(NVMX_F_GUEST_RFLAGS, 0x202);
	go("interrupt window, if=1", RIP, (uint64_t)l2_nop);
	reset(l2_nop);
	set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_INTR_WINDOW_EXITING);
	vw(NVMX_F_GUEST_RFLAGS, 0x202);
	vw(NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 1); /* blocking by STI */
	go("interrupt window, sti blocking", RIP, (uint64_t)l2_nop);
	if (allowed1(tpin, NVMX_PIN_VIRTUAL_NMIS) && allowed1(tproc, NVMX_PROC_NMI_WINDOW_EXITING)) {
		reset(l2_nop);
		set_on(NVMX_F_PIN_BASED_VM_EXEC_CONTROL, NVMX_PIN_NMI_EXITING | NVMX_PIN_VIRTUAL_NMIS);
		set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_NMI_WINDOW_EXITING);
		go("nmi window", RIP, (uint64_t)l2_nop);
	}
	if (allowed1(tproc, NVMX_PROC_MONITOR_TRAP_FLAG)) {
		reset(l2_nop);
		set_on(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_MONITOR_TRAP_FLAG);
		go("monitor trap flag", RIP, (uint64_t)l2_nop);
	}
	if (allowed1(tpin, NVMX_PIN_PREEMPTION_TIMER)) {
		reset(l2_nop);
		set_on(NVMX_F_PIN_BASED_VM_EXEC_CONTROL, NVMX_PIN_PREEMPTION_TIMER);
		vw(NVMX_F_VMX_PREEMPTION_TIMER_VALUE, 0);
		go("preemption timer 0", RIP, (uint64_t)l2_nop);
	}

	/* MSR areas (27.4, 28.4, 28.6): the entry loads IA32_TSC_AUX = 5 for
	 * L2 (RDTSCP returns it in ECX), the exit stores L2's value and loads
	 * 7 for L1; an entry that loads IA32_VMX_BASIC (read-only) fails with
	 * reason 34 and the entry's index as qualification. */
	entry_load[0] = 0xc0000103u;
	entry_load[1] = 5;
	exit_store[0] = 0xc0000103u;
	exit_load[0] = 0xc0000103u;
	exit_load[1] = 7;
	reset(l2_tscaux);
	set_on(NVMX_F_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_RDTSCP);
	vw(NVMX_F_VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)entry_load);
	vw(NVMX_F_VM_ENTRY_MSR_LOAD_COUNT, 1);
	vw(NVMX_F_VM_EXIT_MSR_STORE_ADDR, (uint64_t)exit_store);
	vw(NVMX_F_VM_EXIT_MSR_STORE_COUNT, 1);
	vw(NVMX_F_VM_EXIT_MSR_LOAD_ADDR, (uint64_t)exit_load);
	vw(NVMX_F_VM_EXIT_MSR_LOAD_COUNT, 1);
	go("msr areas tsc_aux", LEN, 0);
	rt_printf("l2 tsc_aux %lu, stored %lu, l1 tsc_aux after the exit %lu\n", l2_seen,
	          exit_store[1], rdmsr(0xc0000103u));
	vw(NVMX_F_VM_EXIT_MSR_STORE_COUNT, 0);
	vw(NVMX_F_VM_EXIT_MSR_LOAD_COUNT, 0);
	bad_load[0] = 0x480;
	vw(NVMX_F_VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)bad_load);
	reset(l2_nop);
	go("entry msr-load of ia32_vmx_basic", 0, 0);
	vw(NVMX_F_VM_ENTRY_MSR_LOAD_COUNT, 0);

	/* EPT (29.3.3): a write to a read-only page, and a write-only entry
	 * (a misconfiguration). */
	uint64_t probe = (uint64_t)probe_page;
	/* Event injection whose delivery faults: L2's IDT on a page EPT12
	 * does not map. The injected #UD is not subject to the exception
	 * bitmap (27.6.1); reading its IDT entry is an EPT violation, and the
	 * exit carries the event in the IDT-vectoring information (28.2.4). */
	ept_pt0[probe >> 12] = 0;
	report("invept single-context", invept(1, eptp));
	uint64_t idtr = vr(NVMX_F_GUEST_IDTR_BASE);
	reset(l2_nop);
	vw(NVMX_F_GUEST_IDTR_BASE, probe);
	vw(NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0x80000306u);
	go("injected #ud, idt not mapped in ept12", IDT | GPA | RIP, (uint64_t)l2_nop);
	vw(NVMX_F_GUEST_IDTR_BASE, idtr);
	ept_pt0[probe >> 12] = probe | 1 | (6u << 3);
	report("invept all-context", invept(2, 0));
	reset(l2_store_probe);
	go("ept write to read-only", GPA, 0);
	ept_pt0[probe >> 12] = probe | 2 | (6u << 3);
	report("invept single-context", invept(1, eptp));
	reset(l2_read_probe);
	go("ept write-only entry (misconfig)", GPA, 0);
	ept_pt0[probe >> 12] = probe | 7 | (6u << 3);
	report("invept single-context", invept(1, eptp));
	reset(l2_read_probe);
	go("ept mapped again", 0, 0);
	report("vmxoff", vmxoff());
	end("vmx_exits");
}
