/* SPDX-License-Identifier: MIT */
#include "l1.h"

#define COM1 0x3F8

void serial_init(void)
{
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xC7);
	outb(COM1 + 4, 0x0B);
}

void rt_putc(char c)
{
	/* bounded: a missing UART must not hang the kernel */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

/* Let the UART send its last bytes (LSR bit 6, transmitter empty) before
 * the machine stops. */
static void drain(void)
{
	for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & 0x40); i++)
		;
}

void kernel_trap(uint64_t vector, uint64_t error_code, uint64_t rip)
{
	rt_printf("exception %lu error 0x%lx rip 0x%lx\n", vector, error_code, rip);
	drain();
	rt_shutdown();
}

void begin(const char *name)
{
	serial_init();
	/* No device interrupt may reach an L2 that runs with RFLAGS.IF=1:
	 * mask both 8259 PICs (the kernels poll, they take no interrupts). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	rt_printf("BEGIN %s\n", name);
}

void end(const char *name)
{
	rt_printf("END %s\n", name);
	drain();
	rt_shutdown();
}

uint64_t vm_error(void)
{
	uint64_t v = 0;
	vmread(NVMX_F_VM_INSTRUCTION_ERROR, &v);
	return v;
}

uint64_t vr(uint64_t field)
{
	uint64_t v = 0;
	if (vmread(field, &v) != 0)
		rt_printf("vmread 0x%lx failed\n", field);
	return v;
}

void vw(uint64_t field, uint64_t v)
{
	int r = vmwrite(field, v);
	if (r)
		rt_printf("vmwrite 0x%lx failed %d error %lu\n", field, r, vm_error());
}

void report(const char *name, int r)
{
	if (r == 0)
		rt_printf("%s: ok\n", name);
	else if (r == 1)
		rt_printf("%s: vmfail-invalid\n", name);
	else
		rt_printf("%s: vmfail-valid %lu\n", name, vm_error());
}

uint32_t vmx_adjust(uint32_t want, uint32_t true_msr, uint32_t msr)
{
	uint64_t cap = rdmsr(((rdmsr(0x480) >> 55) & 1) ? true_msr : msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

uint8_t vmxon_region[4096] PAGE_ALIGNED;
uint8_t probe_page[4096] PAGE_ALIGNED;
uint64_t l2_seen;

void vmx_on(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	rt_printf("cpuid.1:ecx.vmx: %u\n", (r[2] >> 5) & 1);
	rt_printf("feature_control: 0x%lx\n", rdmsr(0x3a));
	write_cr0((read_cr0() | rdmsr(0x486)) & rdmsr(0x487));
	write_cr4((read_cr4() | rdmsr(0x488)) & rdmsr(0x489));
	*(uint32_t *)vmxon_region = (uint32_t)rdmsr(0x480) & 0x7fffffff;
	report("vmxon", vmxon((uint64_t)vmxon_region));
}

static uint64_t ept_pml4[512] PAGE_ALIGNED, ept_pdpt[512] PAGE_ALIGNED, ept_pd[512] PAGE_ALIGNED;
static uint64_t ept_pt[512] PAGE_ALIGNED;
uint64_t *ept_pt0 = ept_pt;

uint64_t ept_identity(void)
{
	ept_pml4[0] = (uint64_t)ept_pdpt | 7;
	ept_pdpt[0] = (uint64_t)ept_pd | 7;
	ept_pd[0] = (uint64_t)ept_pt | 7;
	for (uint64_t i = 0; i < 512; i++)
		ept_pt[i] = (i << 12) | 7 | (6u << 3);
	for (uint64_t i = 1; i < 512; i++)
		ept_pd[i] = (i << 21) | 7 | (6u << 3) | 0x80;
	return (uint64_t)ept_pml4 | 6 | (3u << 3);
}

extern char boot_tss[];

void vmcs_setup(uint64_t vmcs, uint64_t eptp, void (*rip)(void), uint64_t rsp)
{
	*(uint32_t *)vmcs = (uint32_t)rdmsr(0x480) & 0x7fffffff;
	report("vmclear", vmclear(vmcs));
	report("vmptrld", vmptrld(vmcs));
	vw(NVMX_F_PIN_BASED_VM_EXEC_CONTROL, vmx_adjust(0, 0x48d, 0x481));
	vw(NVMX_F_CPU_BASED_VM_EXEC_CONTROL,
	   vmx_adjust(NVMX_PROC_SECONDARY_CONTROLS, 0x48e, 0x482));
	vw(NVMX_F_SECONDARY_VM_EXEC_CONTROL, vmx_adjust(eptp ? NVMX_PROC2_EPT : 0, 0x48b, 0x48b));
	vw(NVMX_F_VM_EXIT_CONTROLS, vmx_adjust(NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE, 0x48f, 0x483));
	vw(NVMX_F_VM_ENTRY_CONTROLS, vmx_adjust(NVMX_ENTRY_CTL_IA32E_MODE_GUEST, 0x490, 0x484));
	vw(NVMX_F_EXCEPTION_BITMAP, 0);
	vw(NVMX_F_CR3_TARGET_COUNT, 0);
	vw(NVMX_F_VM_EXIT_MSR_STORE_COUNT, 0);
	vw(NVMX_F_VM_EXIT_MSR_LOAD_COUNT, 0);
	vw(NVMX_F_VM_ENTRY_MSR_LOAD_COUNT, 0);
	vw(NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0);
	if (eptp)
		vw(NVMX_F_EPT_POINTER, eptp);
	vw(NVMX_F_VMCS_LINK_POINTER, ~0ull);

	struct rt_dtr g, i;
	sgdt(&g);
	sidt(&i);
	vw(NVMX_F_HOST_CR0, read_cr0());
	vw(NVMX_F_HOST_CR3, read_cr3());
	vw(NVMX_F_HOST_CR4, read_cr4());
	vw(NVMX_F_HOST_CS_SELECTOR, 0x08);
	vw(NVMX_F_HOST_SS_SELECTOR, 0x10);
	vw(NVMX_F_HOST_DS_SELECTOR, 0x10);
	vw(NVMX_F_HOST_ES_SELECTOR, 0x10);
	vw(NVMX_F_HOST_FS_SELECTOR, 0x10);
	vw(NVMX_F_HOST_GS_SELECTOR, 0x10);
	vw(NVMX_F_HOST_TR_SELECTOR, 0x18);
	vw(NVMX_F_HOST_FS_BASE, 0);
	vw(NVMX_F_HOST_GS_BASE, 0);
	vw(NVMX_F_HOST_TR_BASE, (uint64_t)boot_tss);
	vw(NVMX_F_HOST_GDTR_BASE, g.base);
	vw(NVMX_F_HOST_IDTR_BASE, i.base);
	vw(NVMX_F_HOST_IA32_SYSENTER_CS, 0);
	vw(NVMX_F_HOST_IA32_SYSENTER_ESP, 0);
	vw(NVMX_F_HOST_IA32_SYSENTER_EIP, 0);
	vw(NVMX_F_HOST_RIP, (uint64_t)l1_vmexit);

	vw(NVMX_F_GUEST_CR0, read_cr0());
	vw(NVMX_F_GUEST_CR3, read_cr3());
	vw(NVMX_F_GUEST_CR4, read_cr4());
	vw(NVMX_F_GUEST_DR7, 0x400);
	static const uint32_t seg[6] = {
		NVMX_F_GUEST_ES_SELECTOR, NVMX_F_GUEST_CS_SELECTOR, NVMX_F_GUEST_SS_SELECTOR,
		NVMX_F_GUEST_DS_SELECTOR, NVMX_F_GUEST_FS_SELECTOR, NVMX_F_GUEST_GS_SELECTOR,
	};
	for (int s = 0; s < 6; s++) {
		bool cs = s == 1;
		/* ES, CS, SS, DS, FS, GS encodings step by 2 (SDM B.1.2, B.3.3, B.4.3) */
		vw(seg[s], cs ? 0x08 : 0x10);
		vw(NVMX_F_GUEST_ES_BASE + 2u * (uint32_t)s, 0);
		vw(NVMX_F_GUEST_ES_LIMIT + 2u * (uint32_t)s, 0xffffffffu);
		vw(NVMX_F_GUEST_ES_AR_BYTES + 2u * (uint32_t)s, cs ? 0xa09b : 0xc093);
	}
	vw(NVMX_F_GUEST_LDTR_SELECTOR, 0);
	vw(NVMX_F_GUEST_LDTR_BASE, 0);
	vw(NVMX_F_GUEST_LDTR_LIMIT, 0);
	vw(NVMX_F_GUEST_LDTR_AR_BYTES, NVMX_AR_UNUSABLE);
	vw(NVMX_F_GUEST_TR_SELECTOR, 0x18);
	vw(NVMX_F_GUEST_TR_BASE, (uint64_t)boot_tss);
	vw(NVMX_F_GUEST_TR_LIMIT, 0x67);
	vw(NVMX_F_GUEST_TR_AR_BYTES, 0x8b);
	vw(NVMX_F_GUEST_GDTR_BASE, g.base);
	vw(NVMX_F_GUEST_GDTR_LIMIT, g.limit);
	vw(NVMX_F_GUEST_IDTR_BASE, i.base);
	vw(NVMX_F_GUEST_IDTR_LIMIT, i.limit);
	vw(NVMX_F_GUEST_IA32_DEBUGCTL, 0);
	vw(NVMX_F_GUEST_SYSENTER_CS, 0);
	vw(NVMX_F_GUEST_SYSENTER_ESP, 0);
	vw(NVMX_F_GUEST_SYSENTER_EIP, 0);
	vw(NVMX_F_GUEST_RSP, rsp);
	vw(NVMX_F_GUEST_RIP, (uint64_t)rip);
	vw(NVMX_F_GUEST_RFLAGS, 0x2);
	vw(NVMX_F_GUEST_ACTIVITY_STATE, 0);
	vw(NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 0);
	vw(NVMX_F_GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

void exit_line(const char *what)
{
	uint64_t reason = vr(NVMX_F_VM_EXIT_REASON);
	rt_printf("%s: exit 0x%lx qual 0x%lx len %lu\n", what, reason, vr(NVMX_F_EXIT_QUALIFICATION),
	          vr(NVMX_F_VM_EXIT_INSTRUCTION_LEN));
}

void skip_insn(void)
{
	vw(NVMX_F_GUEST_RIP, vr(NVMX_F_GUEST_RIP) + vr(NVMX_F_VM_EXIT_INSTRUCTION_LEN));
}

void run(const char *name, int launch)
{
	int r = l1_vmrun(launch);
	if (r) {
		report(name, r);
		return;
	}
	exit_line(name);
}
