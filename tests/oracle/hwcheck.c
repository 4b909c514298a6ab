/* SPDX-License-Identifier: MIT */
/* The hardware VM-entry check model (see hwcheck.h). */
#include "hwcheck.h"

#define G(f) hw_field(h, NVMX_F_##f)
#define MSR(n) hw->vmx_msr[(n) - 0x480]
#define REQUIRE(cond, name)      \
	do {                     \
		if (!(cond))     \
			return name; \
	} while (0)

/* A VMCS02 field as the hardware holds it: VMWRITE keeps only the field's
 * width (SDM 25.11.2, 31 VMWRITE). */
static uint64_t hw_field(const struct refhost *h, uint32_t enc)
{
	uint64_t v = refhost_vmcs02_get(h, enc);
	switch ((enc >> 13) & 3u) {
	case 0: return v & 0xffffu;
	case 2: return v & 0xffffffffu;
	default: return v;
	}
}

static int canon(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Control word `v` against a capability MSR pair (allowed-0 low, allowed-1 high). */
static int ctl_fits(uint64_t cap, uint32_t v)
{
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);
	return (v & must) == must && (v | may) == may;
}

static uint64_t pick(const struct nvmx_hw_caps *hw, unsigned plain, unsigned tru)
{
	return (MSR(0x480) & (1ull << 55)) ? MSR(tru) : MSR(plain);
}

static int aligned_in(uint64_t a, uint64_t mask, unsigned width)
{
	return !(a & mask) && !(a >> width);
}

void hwcheck_set_l0_host_state(struct refhost *h)
{
	static const struct { uint32_t f; uint64_t v; } hs[] = {
		{ NVMX_F_HOST_CR0, 0x80050033ull },
		{ NVMX_F_HOST_CR3, 0x2000ull },
		{ NVMX_F_HOST_CR4, 0x2020ull | (1ull << 9) | (1ull << 10) },
		{ NVMX_F_HOST_CS_SELECTOR, 0x10 }, { NVMX_F_HOST_SS_SELECTOR, 0x18 },
		{ NVMX_F_HOST_DS_SELECTOR, 0 }, { NVMX_F_HOST_ES_SELECTOR, 0 },
		{ NVMX_F_HOST_FS_SELECTOR, 0 }, { NVMX_F_HOST_GS_SELECTOR, 0 },
		{ NVMX_F_HOST_TR_SELECTOR, 0x40 },
		{ NVMX_F_HOST_RIP, 0xffffffff81000000ull }, { NVMX_F_HOST_RSP, 0xffffc90000004000ull },
	};
	for (unsigned i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		refhost_vmcs02_set(h, hs[i].f, hs[i].v);
}

static const char *check_controls(const struct refhost *h, const struct nvmx_hw_caps *hw,
                                  unsigned pa)
{
	uint32_t pin = (uint32_t)G(PIN_BASED_VM_EXEC_CONTROL);
	uint32_t cpu = (uint32_t)G(CPU_BASED_VM_EXEC_CONTROL);
	uint32_t sec = (cpu >> 31) ? (uint32_t)G(SECONDARY_VM_EXEC_CONTROL) : 0;
	uint32_t ex = (uint32_t)G(VM_EXIT_CONTROLS);
	uint32_t en = (uint32_t)G(VM_ENTRY_CONTROLS);
	REQUIRE(ctl_fits(pick(hw, 0x481, 0x48d), pin), "ctl.pin");
	REQUIRE(ctl_fits(pick(hw, 0x482, 0x48e), cpu), "ctl.proc");
	REQUIRE(!(cpu >> 31) || ctl_fits(MSR(0x48b), sec), "ctl.proc2");
	REQUIRE(!(cpu & (1u << 17)), "ctl.proc3");
	REQUIRE(G(CR3_TARGET_COUNT) <= ((MSR(0x485) >> 16) & 0x1ff), "ctl.cr3count");
	if (cpu & (1u << 25)) {
		REQUIRE(aligned_in(G(IO_BITMAP_A), 0xfff, pa), "ctl.iobitmap");
		REQUIRE(aligned_in(G(IO_BITMAP_B), 0xfff, pa), "ctl.iobitmap");
	}
	if (cpu & (1u << 28))
		REQUIRE(aligned_in(G(MSR_BITMAP), 0xfff, pa), "ctl.msrbitmap");
	if (cpu & (1u << 21)) {
		REQUIRE(aligned_in(G(VIRTUAL_APIC_PAGE_ADDR), 0xfff, pa), "ctl.vapic");
		REQUIRE((sec & (1u << 9)) || !(G(TPR_THRESHOLD) >> 4), "ctl.tprthreshold");
	} else {
		REQUIRE(!(sec & ((1u << 4) | (1u << 8) | (1u << 9))), "ctl.apicv");
	}
	REQUIRE((pin & 8u) || !(pin & 32u), "ctl.vnmi");
	REQUIRE((pin & 32u) || !(cpu & (1u << 22)), "ctl.nmiwindow");
	if (sec & 1u)
		REQUIRE(aligned_in(G(APIC_ACCESS_ADDR), 0xfff, pa), "ctl.apicaccess");
	REQUIRE(!((sec & 1u) && (sec & 16u)), "ctl.x2apic");
	REQUIRE(!(sec & (1u << 9)) || (pin & 1u), "ctl.vid");
	if (pin & (1u << 7)) {
		REQUIRE((sec & (1u << 9)) && (ex & (1u << 15)), "ctl.posted");
		REQUIRE(!(G(POSTED_INTR_NV) & 0xff00), "ctl.posted");
		REQUIRE(aligned_in(G(POSTED_INTR_DESC_ADDR), 0x3f, pa), "ctl.posted");
	}
	REQUIRE(!(sec & 32u) || G(VIRTUAL_PROCESSOR_ID) != 0, "ctl.vpid");
	if (sec & 2u) {
		uint64_t e = G(EPT_POINTER), cap = MSR(0x48c);
		uint64_t mt = e & 7, wl = (e >> 3) & 7;
		REQUIRE((mt == 0 && (cap & (1u << 8))) || (mt == 6 && (cap & (1u << 14))), "ctl.eptp");
		REQUIRE((wl == 3 && (cap & 64)) || (wl == 4 && (cap & 128)), "ctl.eptp");
		REQUIRE(!(e & 64) || (cap & (1u << 21)), "ctl.eptp");
		REQUIRE(!(e & 0xf80) && !(e >> pa), "ctl.eptp");
	}
	REQUIRE(!(sec & (1u << 17)) || ((sec & 2u) && aligned_in(G(PML_ADDRESS), 0xfff, pa)), "ctl.pml");
	REQUIRE(!(sec & (1u << 7)) || (sec & 2u), "ctl.ug");
	REQUIRE(!(sec & (1u << 22)) || (sec & 2u), "ctl.mbec");
	if (sec & (1u << 13)) {
		REQUIRE(!(G(VM_FUNCTION_CONTROL) & ~MSR(0x491)), "ctl.vmfunc");
		if (G(VM_FUNCTION_CONTROL) & 1)
			REQUIRE((sec & 2u) && aligned_in(G(EPTP_LIST_ADDRESS), 0xfff, pa), "ctl.eptplist");
	}
	REQUIRE(!(sec & (1u << 14)), "ctl.shadowvmcs");
	REQUIRE(ctl_fits(pick(hw, 0x483, 0x48f), ex), "ctl.exit");
	REQUIRE((pin & 64u) || !(ex & (1u << 22)), "ctl.savetimer");
	REQUIRE(G(VM_EXIT_MSR_STORE_COUNT) == 0 || !(G(VM_EXIT_MSR_STORE_ADDR) & 0xf), "ctl.exitmsr");
	REQUIRE(G(VM_EXIT_MSR_LOAD_COUNT) == 0 || !(G(VM_EXIT_MSR_LOAD_ADDR) & 0xf), "ctl.exitmsr");
	REQUIRE(ctl_fits(pick(hw, 0x484, 0x490), en), "ctl.entry");
	uint32_t info = (uint32_t)G(VM_ENTRY_INTR_INFO_FIELD);
	if (info >> 31) {
		unsigned type = (info >> 8) & 7, vec = info & 0xff;
		REQUIRE(type != 1 && !(info & 0x7ffff000u), "ctl.event");
		REQUIRE(type != 2 || vec == 2, "ctl.event");
		REQUIRE(type != 3 || vec < 32, "ctl.event");
		REQUIRE(!(info & (1u << 11)) || (type == 3 && !(G(VM_ENTRY_EXCEPTION_ERROR_CODE) >> 16)),
		        "ctl.event");
		if (type >= 4 && type <= 6)
			REQUIRE(G(VM_ENTRY_INSTRUCTION_LEN) <= 15 &&
			                (G(VM_ENTRY_INSTRUCTION_LEN) || (MSR(0x485) & (1u << 30))),
			        "ctl.event");
	}
	REQUIRE(G(VM_ENTRY_MSR_LOAD_COUNT) == 0 || !(G(VM_ENTRY_MSR_LOAD_ADDR) & 0xf), "ctl.entrymsr");
	REQUIRE(!(en & (3u << 10)), "ctl.smm");
	return NULL;
}

static const char *check_host(const struct refhost *h, const struct nvmx_hw_caps *hw, unsigned pa)
{
	uint64_t cr0 = G(HOST_CR0), cr4 = G(HOST_CR4);
	REQUIRE((cr0 & MSR(0x486)) == MSR(0x486) && !(cr0 & ~MSR(0x487)), "host.cr0");
	REQUIRE((cr4 & MSR(0x488)) == MSR(0x488) && !(cr4 & ~MSR(0x489)), "host.cr4");
	REQUIRE(!(G(HOST_CR3) >> pa), "host.cr3");
	REQUIRE(canon(G(HOST_IA32_SYSENTER_ESP)) && canon(G(HOST_IA32_SYSENTER_EIP)), "host.sysenter");
	uint32_t sels[] = { NVMX_F_HOST_ES_SELECTOR, NVMX_F_HOST_CS_SELECTOR, NVMX_F_HOST_SS_SELECTOR,
	                    NVMX_F_HOST_DS_SELECTOR, NVMX_F_HOST_FS_SELECTOR, NVMX_F_HOST_GS_SELECTOR,
	                    NVMX_F_HOST_TR_SELECTOR };
	for (unsigned i = 0; i < 7; i++)
		REQUIRE(!(hw_field(h, sels[i]) & 7), "host.selector");
	REQUIRE(G(HOST_CS_SELECTOR) && G(HOST_TR_SELECTOR), "host.selector");
	REQUIRE(canon(G(HOST_FS_BASE)) && canon(G(HOST_GS_BASE)) && canon(G(HOST_GDTR_BASE)) &&
	                canon(G(HOST_IDTR_BASE)) && canon(G(HOST_TR_BASE)),
	        "host.base");
	/* L0 runs in 64-bit mode. */
	REQUIRE(G(VM_EXIT_CONTROLS) & (1u << 9), "host.addrsize");
	REQUIRE((cr4 & 0x20) && canon(G(HOST_RIP)), "host.rip");
	return NULL;
}

static int lim_g_ok(uint32_t lim, uint32_t ar)
{
	if ((lim & 0xfff) != 0xfff && (ar & (1u << 15)))
		return 0;
	if ((lim >> 20) && !(ar & (1u << 15)))
		return 0;
	return 1;
}

static const char *check_guest(const struct refhost *h, const struct nvmx_hw_caps *hw, unsigned pa)
{
	uint32_t cpu = (uint32_t)G(CPU_BASED_VM_EXEC_CONTROL);
	uint32_t sec = (cpu >> 31) ? (uint32_t)G(SECONDARY_VM_EXEC_CONTROL) : 0;
	uint32_t en = (uint32_t)G(VM_ENTRY_CONTROLS);
	int ug = (sec >> 7) & 1, lma = (en >> 9) & 1;
	uint64_t cr0 = G(GUEST_CR0), cr4 = G(GUEST_CR4), rfl = G(GUEST_RFLAGS);
	uint64_t f0 = MSR(0x486) & ~(ug ? 0x80000001ull : 0);
	REQUIRE((cr0 & f0) == f0 && !(cr0 & ~MSR(0x487)), "guest.cr0");
	REQUIRE(!(cr0 >> 31 & 1) || (cr0 & 1), "guest.cr0");
	REQUIRE((cr4 & MSR(0x488)) == MSR(0x488) && !(cr4 & ~MSR(0x489)), "guest.cr4");
	REQUIRE(!lma || ((cr0 >> 31) && (cr4 & 0x20)), "guest.ia32e");
	REQUIRE(lma || !(cr4 & (1u << 17)), "guest.pcide");
	REQUIRE(!(G(GUEST_CR3) >> pa), "guest.cr3");
	if (en & 4u) {
		REQUIRE(!(G(GUEST_DR7) >> 32), "guest.dr7");
		REQUIRE(!(G(GUEST_IA32_DEBUGCTL) & ~0xffc3ull), "guest.debugctl");
	}
	REQUIRE(canon(G(GUEST_SYSENTER_ESP)) && canon(G(GUEST_SYSENTER_EIP)), "guest.sysenter");
	if (en & (1u << 14))
		for (unsigned i = 0; i < 8; i++) {
			unsigned t = (G(GUEST_IA32_PAT) >> (8 * i)) & 0xff;
			REQUIRE(t == 0 || t == 1 || (t >= 4 && t <= 7), "guest.pat");
		}
	if (en & (1u << 15)) {
		uint64_t efer = G(GUEST_IA32_EFER);
		REQUIRE(!(efer & ~0xd01ull), "guest.efer");
		REQUIRE(((efer >> 10) & 1) == (uint64_t)lma, "guest.efer");
		REQUIRE(!(cr0 >> 31) || ((efer >> 10) & 1) == ((efer >> 8) & 1), "guest.efer");
	}
	/* Segments (ES CS SS DS FS GS LDTR TR). */
	uint32_t ar[8], lim[8];
	uint64_t base[8];
	uint16_t sel[8];
	for (unsigned i = 0; i < 8; i++) {
		sel[i] = (uint16_t)hw_field(h, NVMX_F_GUEST_ES_SELECTOR + 2 * i);
		lim[i] = (uint32_t)hw_field(h, NVMX_F_GUEST_ES_LIMIT + 2 * i);
		ar[i] = (uint32_t)hw_field(h, NVMX_F_GUEST_ES_AR_BYTES + 2 * i);
		base[i] = refhost_vmcs02_get(h, NVMX_F_GUEST_ES_BASE + 2 * i);
	}
	int vm = (rfl >> 17) & 1;
	REQUIRE(!(sel[7] & 4), "guest.tr");
	REQUIRE((ar[6] & 0x10000) || !(sel[6] & 4), "guest.ldtr");
	REQUIRE(vm || ug || (sel[2] & 3) == (sel[1] & 3), "guest.ss");
	REQUIRE(canon(base[7]) && canon(base[4]) && canon(base[5]), "guest.base");
	REQUIRE((ar[6] & 0x10000) || canon(base[6]), "guest.base");
	REQUIRE(!(base[1] >> 32), "guest.base");
	static const unsigned low_base[] = { 0, 2, 3 }; /* ES, SS, DS */
	for (unsigned i = 0; i < 3; i++)
		REQUIRE((ar[low_base[i]] & 0x10000) || !(base[low_base[i]] >> 32), "guest.base");
	if (vm) {
		for (unsigned i = 0; i < 6; i++)
			REQUIRE(base[i] == (uint64_t)sel[i] << 4 && lim[i] == 0xffff && ar[i] == 0xf3,
			        "guest.v86");
	} else {
		unsigned ct = ar[1] & 15, cdpl = (ar[1] >> 5) & 3, sdpl = (ar[2] >> 5) & 3;
		REQUIRE(ct == 9 || ct == 11 || ct == 13 || ct == 15 || (ug && ct == 3), "guest.cs");
		REQUIRE(ct != 3 || cdpl == 0, "guest.cs");
		REQUIRE(!(ct == 9 || ct == 11) || cdpl == sdpl, "guest.cs");
		REQUIRE(!(ct == 13 || ct == 15) || cdpl <= sdpl, "guest.cs");
		REQUIRE(ug || sdpl == (sel[2] & 3u), "guest.ss");
		REQUIRE(!(ct == 3 || !(cr0 & 1)) || sdpl == 0, "guest.ss");
		for (unsigned i = 0; i < 6; i++) {
			if (i != 1 && (ar[i] & 0x10000))
				continue;
			unsigned t = ar[i] & 15;
			REQUIRE(i != 2 || t == 3 || t == 7, "guest.ss");
			REQUIRE(i == 1 || i == 2 || ((t & 1) && (!(t & 8) || (t & 2))), "guest.seg");
			REQUIRE(i == 1 || i == 2 || ug || t > 11 || ((ar[i] >> 5) & 3) >= (sel[i] & 3u),
			        "guest.seg");
			REQUIRE((ar[i] & 0x10) && (ar[i] & 0x80) && !(ar[i] & 0xfffe0f00u), "guest.seg");
			REQUIRE(lim_g_ok(lim[i], ar[i]), "guest.seg");
		}
		REQUIRE(!(lma && (ar[1] & (1u << 13)) && (ar[1] & (1u << 14))), "guest.cs");
	}
	unsigned tt = ar[7] & 15;
	REQUIRE(tt == 11 || (!lma && tt == 3), "guest.tr");
	REQUIRE(!(ar[7] & 0x10) && (ar[7] & 0x80) && !(ar[7] & 0xffff0f00u), "guest.tr");
	REQUIRE(lim_g_ok(lim[7], ar[7]), "guest.tr");
	if (!(ar[6] & 0x10000))
		REQUIRE((ar[6] & 0x9f) == 0x82 && !(ar[6] & 0xfffe0f00u) && lim_g_ok(lim[6], ar[6]),
		        "guest.ldtr");
	REQUIRE(canon(G(GUEST_GDTR_BASE)) && canon(G(GUEST_IDTR_BASE)), "guest.dtr");
	REQUIRE(!(G(GUEST_GDTR_LIMIT) >> 16) && !(G(GUEST_IDTR_LIMIT) >> 16), "guest.dtr");
	uint64_t rip = G(GUEST_RIP);
	REQUIRE((lma && (ar[1] & (1u << 13))) ? canon(rip) : !(rip >> 32), "guest.rip");
	REQUIRE((rfl & 2) && !(rfl & (~0x3fffffull | 0x8028)), "guest.rflags");
	REQUIRE(!vm || (!lma && (cr0 & 1)), "guest.rflags");
	uint32_t info = (uint32_t)G(VM_ENTRY_INTR_INFO_FIELD);
	int inj = info >> 31;
	unsigned type = (info >> 8) & 7;
	REQUIRE(!(inj && type == 0) || (rfl & 0x200), "guest.rflags");
	uint64_t act = G(GUEST_ACTIVITY_STATE), intr = G(GUEST_INTERRUPTIBILITY_INFO);
	REQUIRE(act <= 3 && (act == 0 || (MSR(0x485) >> (5 + act) & 1)), "guest.activity");
	REQUIRE(act != 1 || !(ar[2] & 0x60), "guest.activity");
	REQUIRE(act == 0 || !(intr & 3), "guest.activity");
	REQUIRE(!(intr & ~0xfull) && (intr & 3) != 3 && ((rfl & 0x200) || !(intr & 1)), "guest.intr");
	/* This model is of a processor that refuses NMI injection under STI
	 * blocking (model specific, SDM 27.3.1.5). */
	REQUIRE(!(inj && type == 0 && (intr & 3)) && !(inj && type == 2 && (intr & 3)), "guest.intr");
	REQUIRE(!(intr & 4), "guest.intr");
	uint64_t pde = G(GUEST_PENDING_DBG_EXCEPTIONS);
	REQUIRE(!(pde & ~0x500full), "guest.pde");
	REQUIRE(G(VMCS_LINK_POINTER) == ~0ull, "guest.link");
	(void)pa;
	return NULL;
}

const char *hwcheck_vmcs02(const struct refhost *h, const struct nvmx_hw_caps *hw)
{
	unsigned pa = hw->maxphyaddr ? hw->maxphyaddr : 46;
	const char *r = check_controls(h, hw, pa);
	if (!r)
		r = check_host(h, hw, pa);
	if (!r)
		r = check_guest(h, hw, pa);
	return r;
}
