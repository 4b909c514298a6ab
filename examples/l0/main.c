/* SPDX-License-Identifier: MIT */
/*
 * nvmx-l0: boots from GRUB (Multiboot v1), turns VMX on, loads the first
 * module as L1 the way a Multiboot loader would, and runs it in VMX
 * non-root operation on VMCS01 with EPT01. L1's VMX instructions and every
 * exit of L2 go through libnvmx (docs/bare-metal-l0.md). L0 prints only to
 * port 0xE9; the serial port is L1's.
 *
 * Command line options (GRUB's `multiboot /boot/nvmx-l0.elf OPTIONS`):
 *   verbose   log every exit and library decision on port 0xE9
 *   nostats   no JSON cost report when L1 shuts the machine down
 */
#include "l0.h"
#include "vmx.h"

struct l0_state l0;
uint64_t l0_gprs[16];

extern char _end[];
extern struct rt_dtr boot_gdtr;
extern char boot_tss[];
extern char l0_exit_stack_top[];
void l0_vmexit(void);
__attribute__((noreturn)) void l0_start_guest(unsigned launch);
unsigned l0_handle_exit(void);
__attribute__((noreturn)) void l0_entry_failed(uint64_t rflags);
void l0_pool_init(uint64_t start);

#define E9 0xE9

void rt_putc(char c)
{
	outb(E9, (uint8_t)c);
}

void l0_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rt_puts("nvmx-l0: ");
	rt_vprintf(fmt, ap);
	rt_putc('\n');
	va_end(ap);
}

static void print_stats(void);

void l0_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rt_puts("nvmx-l0: FATAL: ");
	rt_vprintf(fmt, ap);
	rt_putc('\n');
	va_end(ap);
	print_stats();
	rt_shutdown();
}

void kernel_trap(uint64_t vector, uint64_t error_code, uint64_t rip)
{
	l0_die("exception %lu in L0 (error code 0x%lx) at rip 0x%lx", vector, error_code, rip);
}

static const char *exit_name(uint32_t basic)
{
	switch (basic) {
#define X_(name, num) case num: return #name;
	NVMX_EXIT_REASONS(X_)
#undef X_
	default: return "UNKNOWN";
	}
}

/* --- the VMCS dump of a failed entry ------------------------------------ */

void l0_dump_vmcs(void)
{
	static const struct { const char *name; uint32_t enc; } f[] = {
#define X_(name, enc, feat) { #name, enc },
		NVMX_VMCS_FIELDS(X_)
#undef X_
	};
	l0_log("VMCS 0x%lx (fields the processor has):", l0.cur_vmcs);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint64_t v;
		if (vmread_checked(f[i].enc, &v) && v)
			l0_log("  %s (0x%x) = 0x%lx", f[i].name, f[i].enc, v);
	}
}

/* --- capability MSRs ----------------------------------------------------- */

/* Whether the capability MSR exists, from the values that announce it
 * (SDM A.1-A.11): the TRUE controls with IA32_VMX_BASIC[55], EPT_VPID_CAP
 * with EPT or VPID allowed, VMFUNC with VM functions, CTLS3 with the
 * tertiary controls, EXIT_CTLS2 with the secondary exit controls. */
static bool cap_exists(const uint64_t *m, uint32_t msr)
{
	uint64_t proc2 = (m[NVMX_MSR_IA32_VMX_PROCBASED_CTLS - 0x480] >> 63) & 1
	                         ? m[NVMX_MSR_IA32_VMX_PROCBASED_CTLS2 - 0x480] >> 32
	                         : 0;
	switch (msr) {
	case 0x480: case 0x481: case 0x482: case 0x483: case 0x484: case 0x485:
	case 0x486: case 0x487: case 0x488: case 0x489: case 0x48a:
		return true;
	case 0x48b: return (m[2] >> 63) & 1;
	case 0x48c: return proc2 & (NVMX_PROC2_EPT | NVMX_PROC2_VPID);
	case 0x48d: case 0x48e: case 0x48f: case 0x490: return (m[0] >> 55) & 1;
	case 0x491: return proc2 & NVMX_PROC2_VMFUNC;
	case 0x492: return (m[2] >> 32) & NVMX_PROC_TERTIARY_CONTROLS;
	case 0x493: return (m[3] >> 32) & NVMX_EXIT_CTL_SECONDARY_CONTROLS;
	default: return false;
	}
}

static void read_hw_caps(void)
{
	memset(&l0.hw, 0, sizeof(l0.hw));
	for (uint32_t i = 0; i < NVMX_CAP_MSR_COUNT; i++)
		if (cap_exists(l0.hw.vmx_msr, 0x480 + i))
			l0.hw.vmx_msr[i] = rdmsr(0x480 + i);
	uint32_t r[4];
	cpuid(0x80000000u, 0, r);
	if (r[0] >= 0x80000008u) {
		cpuid(0x80000008u, 0, r);
		l0.hw.maxphyaddr = (uint8_t)r[0];
	}
	cpuid(7, 0, r);
	l0.hw.la57 = (r[2] >> 16) & 1;
}

/* The control value: wanted bits where allowed, plus the required ones
 * (SDM A.3-A.5: allowed-0 settings in bits 31:0, allowed-1 in 63:32). */
static uint32_t adjust(uint32_t want, uint32_t msr)
{
	uint64_t cap = rdmsr(msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

/* --- EPT01 ---------------------------------------------------------------- */

#define EPT_RWX 7ull
#define EPT_MT(t) ((uint64_t)(t) << 3)
#define EPT_LARGE (1ull << 7)

/* L1 GPA g is backed at HPA g, for RAM below L0's region (write-back) and
 * device space from L0_END to 4 GiB (uncached; the legacy VGA/ROM window
 * too). L0's region is absent: L1 touching it is an EPT violation. */
static uint64_t build_ept01(void)
{
	uint64_t *pml4 = l0_page_alloc(), *pdpt = l0_page_alloc(), *pt0 = l0_page_alloc();
	if (!pml4 || !pdpt || !pt0)
		l0_die("no memory for EPT01");
	pml4[0] = (uint64_t)pdpt | EPT_RWX;
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t pa = i << 12;
		unsigned mt = (pa >= 0xA0000 && pa < 0x100000) ? 0 : 6;
		pt0[i] = pa | EPT_RWX | EPT_MT(mt);
	}
	for (uint64_t g = 0; g < L1_PHYS_TOP >> 30; g++) {
		uint64_t *pd = l0_page_alloc();
		if (!pd)
			l0_die("no memory for EPT01");
		pdpt[g] = (uint64_t)pd | EPT_RWX;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = (g << 30) | (i << 21);
			if (pa == 0)
				pd[i] = (uint64_t)pt0 | EPT_RWX;
			else if (pa < L0_BASE)
				pd[i] = pa | EPT_RWX | EPT_MT(6) | EPT_LARGE;
			else if (pa >= L0_END)
				pd[i] = pa | EPT_RWX | EPT_MT(0) | EPT_LARGE;
		}
	}
	/* EPTP: write-back walks, 4 levels (SDM 25.6.11). */
	return (uint64_t)pml4 | 6u | (3u << 3);
}

/* --- loading L1 (Multiboot spec 3.1, 3.2) --------------------------------- */

struct staged {
	uint8_t *data;
	uint32_t len;
	const char *string;
};

#define MAX_MODS 16

static struct staged mods[MAX_MODS];
static uint32_t nmods;
static uint64_t l1_entry;

static uint64_t l1_place(uint64_t *cursor, uint64_t len, uint64_t align)
{
	uint64_t at = (*cursor + align - 1) & ~(align - 1);
	if (at + len > L0_BASE || at + len < at)
		l0_die("L1 does not fit below L0's region (0x%lx bytes at 0x%lx)", len, at);
	*cursor = at + len;
	return at;
}

static bool in_l1(uint64_t a, uint64_t len)
{
	return a >= 0x1000 && len <= L0_BASE && a <= L0_BASE - len;
}

/* The first module is L1: an ELF32 or ELF64 executable whose PT_LOAD
 * segments go to their physical addresses (the a.out kludge is not
 * supported: refused with a message). Returns the end of the highest
 * segment. */
static uint64_t load_l1(const struct staged *k)
{
	const uint8_t *d = k->data;
	if (k->len < 64 || memcmp(d, "\x7f" "ELF", 4) != 0)
		l0_die("L1 (first module) is not an ELF file (the a.out kludge is not supported)");
	bool is64 = d[4] == 2;
	uint64_t phoff, entry;
	uint32_t phnum, phentsize;
	if (is64) {
		memcpy(&entry, d + 24, 8);
		memcpy(&phoff, d + 32, 8);
		phentsize = *(const uint16_t *)(d + 54);
		phnum = *(const uint16_t *)(d + 56);
	} else {
		uint32_t e32, p32;
		memcpy(&e32, d + 24, 4);
		memcpy(&p32, d + 28, 4);
		entry = e32;
		phoff = p32;
		phentsize = *(const uint16_t *)(d + 42);
		phnum = *(const uint16_t *)(d + 44);
	}
	uint64_t top = 0;
	if (phnum > 64 || phoff > k->len || (uint64_t)phnum * phentsize > k->len - phoff)
		l0_die("L1's program headers are out of the file");
	for (uint32_t i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
		uint32_t type = *(const uint32_t *)ph;
		uint64_t off, pa, filesz, memsz;
		if (is64) {
			memcpy(&off, ph + 8, 8);
			memcpy(&pa, ph + 24, 8);
			memcpy(&filesz, ph + 32, 8);
			memcpy(&memsz, ph + 40, 8);
		} else {
			uint32_t v[4];
			memcpy(&v[0], ph + 4, 4);
			memcpy(&v[1], ph + 12, 4);
			memcpy(&v[2], ph + 16, 4);
			memcpy(&v[3], ph + 20, 4);
			off = v[0], pa = v[1], filesz = v[2], memsz = v[3];
		}
		if (type != 1 || memsz == 0)
			continue;
		if (filesz > memsz || off > k->len || filesz > k->len - off || !in_l1(pa, memsz))
			l0_die("L1 segment %u (0x%lx bytes at 0x%lx) is not loadable", i, memsz, pa);
		memcpy((void *)pa, d + off, filesz);
		memset((void *)(pa + filesz), 0, memsz - filesz);
		if (pa + memsz > top)
			top = pa + memsz;
	}
	if (top == 0 || entry >= L0_BASE)
		l0_die("L1 has no loadable segment or its entry is out of its memory");
	l1_entry = entry;
	return top;
}

/* Builds L1's Multiboot information in L1 memory after its image and
 * modules: the memory map without L0's region, L1's command line (the
 * module's string, as GRUB gives a kernel its own), modules 2.. as L1's
 * modules, GRUB's boot device and loader name. */
static uint64_t build_l1_mbi(const struct mb_info *mbi, uint64_t cursor)
{
	struct mb_module l1mods[MAX_MODS];
	for (uint32_t i = 1; i < nmods; i++) {
		uint64_t at = l1_place(&cursor, mods[i].len, 4096);
		memcpy((void *)at, mods[i].data, mods[i].len);
		l1mods[i - 1].start = (uint32_t)at;
		l1mods[i - 1].end = (uint32_t)(at + mods[i].len);
		l1mods[i - 1].reserved = 0;
	}
	for (uint32_t i = 1; i < nmods; i++) {
		size_t n = rt_strlen(mods[i].string) + 1;
		uint64_t at = l1_place(&cursor, n, 1);
		memcpy((void *)at, mods[i].string, n);
		l1mods[i - 1].string = (uint32_t)at;
	}
	size_t cl = rt_strlen(mods[0].string) + 1;
	uint64_t cmdline = l1_place(&cursor, cl, 1);
	memcpy((void *)cmdline, mods[0].string, cl);

	uint64_t mods_at = l1_place(&cursor, sizeof(struct mb_module) * (nmods - 1) + 1, 16);
	memcpy((void *)mods_at, l1mods, sizeof(struct mb_module) * (nmods - 1));

	/* memory map: GRUB's, with available ranges cut at L0_BASE */
	uint64_t mmap_at = l1_place(&cursor, mbi->mmap_length * 2 + 24, 16), mmap_len = 0;
	if (mbi->flags & MB_INFO_MMAP) {
		for (uint64_t o = 0; o + 4 <= mbi->mmap_length;) {
			const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)(mbi->mmap_addr + o);
			struct mb_mmap n = *e;
			o += e->size + 4;
			if (n.type == 1) {
				uint64_t end = n.addr + n.len;
				if (n.addr >= L0_BASE && n.addr < L0_END) {
					if (end <= L0_END)
						continue;
					n.addr = L0_END;
				} else if (n.addr < L0_BASE && end > L0_BASE) {
					/* RAM above L0's region (below 512 MiB, less than
					 * 2 MiB) is not given to L1 */
					n.len = L0_BASE - n.addr;
				}
			}
			n.size = 20;
			memcpy((void *)(mmap_at + mmap_len), &n, sizeof(n));
			mmap_len += sizeof(n);
		}
	}
	uint64_t name = 0;
	if (mbi->flags & MB_INFO_LOADER_NAME) {
		const char *s = (const char *)(uintptr_t)mbi->boot_loader_name;
		size_t n = rt_strlen(s) + 1;
		name = l1_place(&cursor, n, 1);
		memcpy((void *)name, s, n);
	}
	uint64_t at = l1_place(&cursor, sizeof(struct mb_info), 16);
	struct mb_info *o = (struct mb_info *)at;
	memset(o, 0, sizeof(*o));
	o->flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | (mbi->flags & 2u) |
	           ((mbi->flags & MB_INFO_MMAP) ? MB_INFO_MMAP : 0) |
	           ((mbi->flags & MB_INFO_LOADER_NAME) ? MB_INFO_LOADER_NAME : 0);
	o->mem_lower = mbi->mem_lower;
	o->mem_upper = mbi->mem_upper;
	if ((uint64_t)o->mem_upper * 1024 + 0x100000 > L0_BASE)
		o->mem_upper = (uint32_t)((L0_BASE - 0x100000) / 1024);
	o->boot_device = mbi->boot_device;
	o->cmdline = (uint32_t)cmdline;
	o->mods_count = nmods - 1;
	o->mods_addr = (uint32_t)mods_at;
	o->mmap_length = (uint32_t)mmap_len;
	o->mmap_addr = (uint32_t)mmap_at;
	o->boot_loader_name = (uint32_t)name;
	return at;
}

/* L0's region ends with the RAM range that holds it (docs/bare-metal-l0.md
 * "Memory"): with 512 MiB, Bochs' BIOS reports RAM up to 0x1FFEFFFF and
 * ACPI tables above, which must stay visible to L1. */
static void find_l0_end(const struct mb_info *mbi)
{
	if (!(mbi->flags & MB_INFO_MMAP))
		l0_die("no memory map from the loader");
	for (uint64_t o = 0; o + 24 <= mbi->mmap_length;) {
		const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)(mbi->mmap_addr + o);
		o += e->size + 4;
		if (e->type == 1 && e->addr <= L0_BASE && e->addr + e->len > L0_BASE) {
			uint64_t end = e->addr + e->len;
			if (end > L0_END_MAX)
				end = L0_END_MAX;
			l0.end = end & ~0x1fffffull;
		}
	}
	if (l0.end < L0_BASE + (32ul << 20))
		l0_die("less than 32 MiB of RAM at 0x%lx for L0 (this L0 needs a 512 MiB machine)",
		       L0_BASE);
}

/* GRUB may put modules anywhere (often right after L0's image): copy them
 * into L0's pool first, so that loading L1 cannot overwrite one. */
static void stage_modules(const struct mb_info *mbi)
{
	if (!(mbi->flags & MB_INFO_MODS) || mbi->mods_count == 0)
		l0_die("no L1: give the L1 kernel as the first GRUB module");
	if (mbi->mods_count > MAX_MODS)
		l0_die("%u modules, at most %u", mbi->mods_count, MAX_MODS);
	const struct mb_module *m = (const struct mb_module *)(uintptr_t)mbi->mods_addr;
	uint64_t pool = (uint64_t)_end;
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		uint64_t strend = m[i].string + rt_strlen((const char *)(uintptr_t)m[i].string) + 1;
		if (m[i].end > pool && m[i].end <= L0_END)
			pool = m[i].end;
		if (strend > pool && strend <= L0_END && m[i].string >= L0_BASE)
			pool = strend;
	}
	if (mbi->mods_addr >= L0_BASE && mbi->mods_addr + 16u * mbi->mods_count > pool)
		pool = mbi->mods_addr + 16u * mbi->mods_count;
	l0_pool_init(pool);
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		uint32_t len = m[i].end - m[i].start;
		uint8_t *p = l0_alloc(len + 1);
		const char *s = (const char *)(uintptr_t)m[i].string;
		size_t sl = rt_strlen(s) + 1;
		char *sp = l0_alloc(sl);
		if (!p || !sp)
			l0_die("no room in L0's region for module %u (%u bytes)", i, len);
		memcpy(p, (const void *)(uintptr_t)m[i].start, len);
		memcpy(sp, s, sl);
		mods[i] = (struct staged){ p, len, sp };
	}
	nmods = mbi->mods_count;
}

/* --- VMCS01 --------------------------------------------------------------- */

static void host_state(void)
{
	struct rt_dtr g, i;
	sgdt(&g);
	sidt(&i);
	l0_vmwrite(NVMX_F_HOST_CR0, read_cr0());
	l0_vmwrite(NVMX_F_HOST_CR3, read_cr3());
	l0_vmwrite(NVMX_F_HOST_CR4, read_cr4());
	l0_vmwrite(NVMX_F_HOST_CS_SELECTOR, 0x08);
	l0_vmwrite(NVMX_F_HOST_SS_SELECTOR, 0x10);
	l0_vmwrite(NVMX_F_HOST_DS_SELECTOR, 0x10);
	l0_vmwrite(NVMX_F_HOST_ES_SELECTOR, 0x10);
	l0_vmwrite(NVMX_F_HOST_FS_SELECTOR, 0x10);
	l0_vmwrite(NVMX_F_HOST_GS_SELECTOR, 0x10);
	l0_vmwrite(NVMX_F_HOST_TR_SELECTOR, 0x18);
	l0_vmwrite(NVMX_F_HOST_FS_BASE, 0);
	l0_vmwrite(NVMX_F_HOST_GS_BASE, 0);
	l0_vmwrite(NVMX_F_HOST_TR_BASE, (uint64_t)boot_tss);
	l0_vmwrite(NVMX_F_HOST_GDTR_BASE, g.base);
	l0_vmwrite(NVMX_F_HOST_IDTR_BASE, i.base);
	l0_vmwrite(NVMX_F_HOST_IA32_SYSENTER_CS, 0);
	l0_vmwrite(NVMX_F_HOST_IA32_SYSENTER_ESP, 0);
	l0_vmwrite(NVMX_F_HOST_IA32_SYSENTER_EIP, 0);
	l0_vmwrite(NVMX_F_HOST_IA32_EFER, rdmsr(0xC0000080u));
	l0_vmwrite(NVMX_F_HOST_IA32_PAT, rdmsr(0x277));
	l0_vmwrite(NVMX_F_HOST_RSP, (uint64_t)l0_exit_stack_top);
	l0_vmwrite(NVMX_F_HOST_RIP, (uint64_t)l0_vmexit);
}

static void set_bit(uint8_t *bm, uint32_t bit)
{
	bm[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* The machine state of Multiboot spec 3.2: 32-bit protected mode, paging
 * off, flat 4 GiB CS (execute/read) and data segments, EFLAGS.IF=0,
 * EAX = magic, EBX = information. Paging off in protected mode needs
 * unrestricted guest (SDM 27.3.1.1). */
static void setup_vmcs01(uint64_t mbi_at)
{
	uint64_t tp = (rdmsr(0x480) >> 55) & 1;
	uint32_t pin = adjust(0, tp ? 0x48d : 0x481);
	uint32_t proc = adjust(NVMX_PROC_USE_MSR_BITMAPS | NVMX_PROC_USE_IO_BITMAPS |
	                               NVMX_PROC_SECONDARY_CONTROLS,
	                       tp ? 0x48e : 0x482);
	/* RDTSCP, INVPCID and XSAVES raise #UD in L1 unless enabled (SDM
	 * 26.3): enable what the processor has, to pass them through. */
	uint32_t proc2 = adjust(NVMX_PROC2_EPT | NVMX_PROC2_UNRESTRICTED_GUEST | NVMX_PROC2_RDTSCP |
	                                NVMX_PROC2_INVPCID | NVMX_PROC2_XSAVES,
	                        0x48b);
	if ((proc2 & (NVMX_PROC2_EPT | NVMX_PROC2_UNRESTRICTED_GUEST)) !=
	    (NVMX_PROC2_EPT | NVMX_PROC2_UNRESTRICTED_GUEST))
		l0_die("the processor lacks EPT or unrestricted guest");
	uint32_t exitc = adjust(NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE | NVMX_EXIT_CTL_SAVE_EFER |
	                                NVMX_EXIT_CTL_LOAD_EFER | NVMX_EXIT_CTL_SAVE_PAT | NVMX_EXIT_CTL_LOAD_PAT |
	                                NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS,
	                        tp ? 0x48f : 0x483);
	uint32_t entryc = adjust((1u << 14) | (1u << 15) | NVMX_ENTRY_CTL_LOAD_DEBUG_CONTROLS,
	                         tp ? 0x490 : 0x484); /* load PAT, load EFER */
	l0_vmwrite(NVMX_F_PIN_BASED_VM_EXEC_CONTROL, pin);
	l0_vmwrite(NVMX_F_CPU_BASED_VM_EXEC_CONTROL, proc);
	l0_vmwrite(NVMX_F_SECONDARY_VM_EXEC_CONTROL, proc2);
	l0_vmwrite(NVMX_F_VM_EXIT_CONTROLS, exitc);
	l0_vmwrite(NVMX_F_VM_ENTRY_CONTROLS, entryc);
	l0_vmwrite(NVMX_F_EXCEPTION_BITMAP, 0);
	l0_vmwrite(NVMX_F_EPT_POINTER, l0.eptp01);

	/* MSR bitmap: IA32_FEATURE_CONTROL and the VMX capability MSRs exit
	 * (read bitmap for low MSRs at 0, write bitmap at 2048, SDM 25.6.9). */
	set_bit(l0.msr_bitmap, NVMX_MSR_IA32_FEATURE_CONTROL);
	set_bit(l0.msr_bitmap + 2048, NVMX_MSR_IA32_FEATURE_CONTROL);
	for (uint32_t m = 0x480; m < 0x480 + NVMX_CAP_MSR_COUNT; m++) {
		set_bit(l0.msr_bitmap, m);
		set_bit(l0.msr_bitmap + 2048, m);
	}
	l0_vmwrite(NVMX_F_MSR_BITMAP, (uint64_t)l0.msr_bitmap);
	/* I/O bitmaps: only Bochs' shutdown port, so that L0 prints its cost
	 * report before the machine stops; every other port passes through. */
	set_bit(l0.io_b, 0x8900 - 0x8000);
	l0_vmwrite(NVMX_F_IO_BITMAP_A, (uint64_t)l0.io_a);
	l0_vmwrite(NVMX_F_IO_BITMAP_B, (uint64_t)l0.io_b);

	l0_vmwrite(NVMX_F_CR0_GUEST_HOST_MASK, l0.cr0_mask);
	l0_vmwrite(NVMX_F_CR4_GUEST_HOST_MASK, l0.cr4_mask);
	l0_vmwrite(NVMX_F_VMCS_LINK_POINTER, ~0ull);
	host_state();

	l0_l1_cr_write(NVMX_F_GUEST_CR0, NVMX_CR0_PE | (1u << 4)); /* PE, ET */
	l0_l1_cr_write(NVMX_F_GUEST_CR4, 0);
	l0_vmwrite(NVMX_F_GUEST_CR3, 0);
	l0_vmwrite(NVMX_F_GUEST_DR7, 0x400);
	static const uint32_t seg[6][4] = {
		{ NVMX_F_GUEST_ES_SELECTOR, NVMX_F_GUEST_ES_BASE, NVMX_F_GUEST_ES_LIMIT, NVMX_F_GUEST_ES_AR_BYTES },
		{ NVMX_F_GUEST_CS_SELECTOR, NVMX_F_GUEST_CS_BASE, NVMX_F_GUEST_CS_LIMIT, NVMX_F_GUEST_CS_AR_BYTES },
		{ NVMX_F_GUEST_SS_SELECTOR, NVMX_F_GUEST_SS_BASE, NVMX_F_GUEST_SS_LIMIT, NVMX_F_GUEST_SS_AR_BYTES },
		{ NVMX_F_GUEST_DS_SELECTOR, NVMX_F_GUEST_DS_BASE, NVMX_F_GUEST_DS_LIMIT, NVMX_F_GUEST_DS_AR_BYTES },
		{ NVMX_F_GUEST_FS_SELECTOR, NVMX_F_GUEST_FS_BASE, NVMX_F_GUEST_FS_LIMIT, NVMX_F_GUEST_FS_AR_BYTES },
		{ NVMX_F_GUEST_GS_SELECTOR, NVMX_F_GUEST_GS_BASE, NVMX_F_GUEST_GS_LIMIT, NVMX_F_GUEST_GS_AR_BYTES },
	};
	for (int s = 0; s < 6; s++) {
		bool cs = s == 1;
		l0_vmwrite(seg[s][0], cs ? 0x10 : 0x18);
		l0_vmwrite(seg[s][1], 0);
		l0_vmwrite(seg[s][2], 0xffffffffu);
		l0_vmwrite(seg[s][3], cs ? 0xc09b : 0xc093);
	}
	l0_vmwrite(NVMX_F_GUEST_LDTR_SELECTOR, 0);
	l0_vmwrite(NVMX_F_GUEST_LDTR_BASE, 0);
	l0_vmwrite(NVMX_F_GUEST_LDTR_LIMIT, 0);
	l0_vmwrite(NVMX_F_GUEST_LDTR_AR_BYTES, NVMX_AR_UNUSABLE);
	l0_vmwrite(NVMX_F_GUEST_TR_SELECTOR, 0);
	l0_vmwrite(NVMX_F_GUEST_TR_BASE, 0);
	l0_vmwrite(NVMX_F_GUEST_TR_LIMIT, 0xffff);
	l0_vmwrite(NVMX_F_GUEST_TR_AR_BYTES, 0x8b);
	l0_vmwrite(NVMX_F_GUEST_GDTR_BASE, 0);
	l0_vmwrite(NVMX_F_GUEST_GDTR_LIMIT, 0xffff);
	l0_vmwrite(NVMX_F_GUEST_IDTR_BASE, 0);
	l0_vmwrite(NVMX_F_GUEST_IDTR_LIMIT, 0xffff);
	l0_vmwrite(NVMX_F_GUEST_IA32_DEBUGCTL, 0);
	l0_vmwrite(NVMX_F_GUEST_IA32_EFER, 0);
	l0_vmwrite(NVMX_F_GUEST_IA32_PAT, rdmsr(0x277));
	l0_vmwrite(NVMX_F_GUEST_SYSENTER_CS, 0);
	l0_vmwrite(NVMX_F_GUEST_SYSENTER_ESP, 0);
	l0_vmwrite(NVMX_F_GUEST_SYSENTER_EIP, 0);
	l0_vmwrite(NVMX_F_GUEST_RSP, 0);
	l0_vmwrite(NVMX_F_GUEST_RIP, l1_entry);
	l0_vmwrite(NVMX_F_GUEST_RFLAGS, 0x2);
	l0_vmwrite(NVMX_F_GUEST_ACTIVITY_STATE, 0);
	l0_vmwrite(NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 0);
	l0_vmwrite(NVMX_F_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	memset(l0_gprs, 0, sizeof(l0_gprs));
	l0_gprs[0] = MB_BOOT_MAGIC;
	l0_gprs[3] = mbi_at;
}

/* VMCS02: its host state is L0's, as in VMCS01 (the library never writes
 * HOST_* fields, nvmx/entry.h); the library fills everything else. */
static void setup_vmcs02(void)
{
	l0_use_vmcs(l0.vmcs02);
	host_state();
	l0_use_vmcs(l0.vmcs01);
}

static void setup_library(void)
{
	struct nvmx_host_ops ops;
	l0_host_ops(&ops);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_default(&cfg);
	cfg.hw = l0.hw;
	cfg.shadow_ept_budget = 8ull << 20;
	enum nvmx_status s = nvmx_vm_create(&cfg, &ops, &l0, &l0.vm);
	if (s != NVMX_STATUS_OK)
		l0_die("nvmx_vm_create: %s", nvmx_status_name(s));
	s = nvmx_vcpu_create(l0.vm, &l0, &l0.vcpu);
	if (s != NVMX_STATUS_OK)
		l0_die("nvmx_vcpu_create: %s", nvmx_status_name(s));
	struct nvmx_l0_policy pol;
	nvmx_l0_policy_default(&pol);
	/* L1 owns interrupts and NMIs (pass-through): VMCS02 exits on them
	 * only when VMCS12 asks, and then L1 gets them. */
	pol.pin_set = 0;
	pol.exit_set = NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE | NVMX_EXIT_CTL_LOAD_EFER;
	pol.exception_bitmap = 0;
	pol.io_bitmap_a = l0.io_a;
	pol.io_bitmap_b = l0.io_b;
	pol.eptp01 = l0.eptp01;
	s = nvmx_vcpu_set_l0_policy(l0.vcpu, &pol);
	if (s != NVMX_STATUS_OK)
		l0_die("nvmx_vcpu_set_l0_policy: %s", nvmx_status_name(s));
}

static bool option(const char *cmdline, const char *word)
{
	size_t n = rt_strlen(word);
	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && memcmp(p, word, n) == 0 &&
		    (p[n] == 0 || p[n] == ' '))
			return true;
	}
	return false;
}

/* Instructions per TSC tick: Bochs with `clock: sync=none` advances the TSC
 * by a fixed amount per emulated instruction (docs/bare-metal-l0.md), so a
 * loop of known length gives the scale of the cost report. */
static void calibrate(void)
{
	uint64_t n = 100000, t0 = rdtsc();
	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
	uint64_t t1 = rdtsc();
	l0.tsc_per_kinsn = (t1 - t0) * 1000 / 200000;
}

void kernel_main(uint32_t magic, uint32_t info)
{
	if (magic != MB_BOOT_MAGIC)
		l0_die("not booted by a Multiboot loader (EAX 0x%x)", magic);
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)info;
	const char *cmdline = (mbi->flags & MB_INFO_CMDLINE) ? (const char *)(uintptr_t)mbi->cmdline : "";
	l0.verbose = option(cmdline, "verbose");
	l0.stats = !option(cmdline, "nostats");
	l0_log("libnvmx %s, command line \"%s\"", NVMX_VERSION, cmdline);

	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 5)))
		l0_die("no VMX (CPUID.1:ECX[5] = 0)");
	uint64_t fc = rdmsr(NVMX_MSR_IA32_FEATURE_CONTROL);
	if (!(fc & NVMX_FEATCTL_LOCK)) {
		wrmsr(NVMX_MSR_IA32_FEATURE_CONTROL, fc | NVMX_FEATCTL_LOCK | NVMX_FEATCTL_VMX_OUTSIDE_SMX);
		fc = rdmsr(NVMX_MSR_IA32_FEATURE_CONTROL);
	}
	if (!(fc & NVMX_FEATCTL_VMX_OUTSIDE_SMX))
		l0_die("VMX disabled by IA32_FEATURE_CONTROL (0x%lx)", fc);
	read_hw_caps();
	calibrate();

	find_l0_end(mbi);
	stage_modules(mbi);
	uint64_t top = load_l1(&mods[0]);
	uint64_t mbi_at = build_l1_mbi(mbi, top);

	l0.cr0_fixed0 = rdmsr(NVMX_MSR_IA32_VMX_CR0_FIXED0);
	l0.cr0_fixed1 = rdmsr(NVMX_MSR_IA32_VMX_CR0_FIXED1);
	l0.cr4_fixed0 = rdmsr(NVMX_MSR_IA32_VMX_CR4_FIXED0);
	l0.cr4_fixed1 = rdmsr(NVMX_MSR_IA32_VMX_CR4_FIXED1);
	/* L0 owns the CR bits VMX operation fixes (besides PE/PG, which
	 * unrestricted guest frees): L1 sees its own values in the shadows. */
	l0.cr0_mask = (l0.cr0_fixed0 & ~(uint64_t)(NVMX_CR0_PE | NVMX_CR0_PG)) |
	              (~l0.cr0_fixed1 & 0xffffffffull);
	l0.cr4_mask = l0.cr4_fixed0 | (~l0.cr4_fixed1 & 0xffffffffull);

	write_cr0((read_cr0() | l0.cr0_fixed0) & l0.cr0_fixed1);
	write_cr4((read_cr4() | l0.cr4_fixed0) & l0.cr4_fixed1);
	uint32_t rev = (uint32_t)rdmsr(NVMX_MSR_IA32_VMX_BASIC) & 0x7fffffffu;
	uint32_t *vmxon_region = l0_page_alloc(), *v01 = l0_page_alloc(), *v02 = l0_page_alloc();
	l0.msr_bitmap = l0_page_alloc();
	l0.io_a = l0_page_alloc();
	l0.io_b = l0_page_alloc();
	if (!vmxon_region || !v01 || !v02 || !l0.msr_bitmap || !l0.io_a || !l0.io_b)
		l0_die("no memory for the VMX regions");
	vmxon_region[0] = v01[0] = v02[0] = rev;
	l0.vmxon_pa = (uint64_t)vmxon_region;
	l0.vmcs01 = (uint64_t)v01;
	l0.vmcs02 = (uint64_t)v02;
	if (!vmxon(l0.vmxon_pa))
		l0_die("VMXON failed");
	if (!vmclear(l0.vmcs01) || !vmclear(l0.vmcs02))
		l0_die("VMCLEAR failed");
	l0.cur_vmcs = ~0ull;
	l0.eptp01 = build_ept01();
	l0_use_vmcs(l0.vmcs01);
	setup_vmcs01(mbi_at);
	setup_vmcs02();
	setup_library();
	l0_log("L1 \"%s\" entry 0x%lx, %u module(s) for it, L0 keeps 0x%lx-0x%lx, revision 0x%x",
	       mods[0].string, l1_entry, nmods - 1, L0_BASE, L0_END - 1, rev);
	l0_use_vmcs(l0.vmcs01);
	l0_start_guest(1);
}

/* --- exits ----------------------------------------------------------------- */

static void advance_rip(void)
{
	l0_vmwrite(NVMX_F_GUEST_RIP,
	           l0_vmread(NVMX_F_GUEST_RIP) + l0_vmread(NVMX_F_VM_EXIT_INSTRUCTION_LEN));
}

/* Deliver a hardware exception to the guest of the current VMCS at its
 * next VM entry (SDM 27.6). */
static void inject(const struct nvmx_fault *f)
{
	uint64_t info = f->vector | (3u << 8) | (1u << 31) | (f->has_error_code ? 1u << 11 : 0);
	l0_vmwrite(NVMX_F_VM_ENTRY_INTR_INFO_FIELD, info);
	if (f->has_error_code)
		l0_vmwrite(NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE, f->error_code);
	if (f->vector == 14) {
		l0.pending_cr2 = f->cr2;
		l0.have_cr2 = true;
	}
}

static void inject_gp(void)
{
	struct nvmx_fault f = { .vector = 13, .has_error_code = true };
	inject(&f);
}

static void inject_ud(void)
{
	struct nvmx_fault f = { .vector = 6 };
	inject(&f);
}

/* --- the cost report --------------------------------------------------- */

/* n / d to two decimals, as JSON */
static void put_ratio(const char *key, uint64_t n, uint64_t d)
{
	uint64_t c = n * 100 / d;
	if (c % 100)
		rt_printf(", \"%s\": %lu.%02lu", key, c / 100, c % 100);
	else
		rt_printf(", \"%s\": %lu", key, c / 100);
}

struct rt_stat {
	uint64_t count, tsc, l0_tsc, l1_exits;
	uint64_t l1_by_reason[64];
};
static struct rt_stat rt_stats[80];
/* L0's own cost per exit of L1, by reason (VMREAD, VMWRITE, VMRESUME...):
 * from the first instruction of the exit handler to its return. */
static uint64_t l1x_count[80], l1x_tsc[80];

static void print_stats(void)
{
	if (!l0.stats || l0.stats_printed)
		return;
	l0.stats_printed = true;
	struct nvmx_vcpu_stats st;
	if (l0.vcpu)
		nvmx_vcpu_get_stats(l0.vcpu, &st);
	else
		memset(&st, 0, sizeof(st));
	rt_printf("{\"bench\": \"l0_calibration\", \"tsc_per_1000_insns\": %lu}\n", l0.tsc_per_kinsn);
	for (unsigned r = 0; r < 80; r++) {
		struct rt_stat *s = &rt_stats[r];
		if (!s->count)
			continue;
		uint64_t k = l0.tsc_per_kinsn ? l0.tsc_per_kinsn : 1000;
		rt_printf("{\"bench\": \"l0_roundtrip\", \"exit_reason\": %u, \"name\": \"%s\", "
		          "\"count\": %lu, \"tsc\": %lu, \"l0_tsc\": %lu, \"bochs_insns\": %lu, "
		          "\"l0_insns\": %lu",
		          r, exit_name(r), s->count, s->tsc / s->count, s->l0_tsc / s->count,
		          s->tsc * 1000 / k / s->count, s->l0_tsc * 1000 / k / s->count);
		put_ratio("l1_exits", s->l1_exits, s->count);
		/* L1's exits by kind per round trip, to two decimals: an exit
		 * L1 takes once in 11 round trips must not print as 0 */
		for (unsigned e = 0; e < 64; e++) {
			if (s->l1_by_reason[e]) {
				char key[40] = "l1_";
				const char *n = exit_name(e);
				size_t len = rt_strlen(n);
				memcpy(key + 3, n, len < 36 ? len + 1 : 36);
				key[39] = 0;
				put_ratio(key, s->l1_by_reason[e], s->count);
			}
		}
		rt_printf("}\n");
	}
	for (unsigned r = 0; r < 80; r++) {
		if (!l1x_count[r])
			continue;
		uint64_t k = l0.tsc_per_kinsn ? l0.tsc_per_kinsn : 1000;
		rt_printf("{\"bench\": \"l0_l1_exit\", \"exit_reason\": %u, \"name\": \"%s\", "
		          "\"count\": %lu, \"l0_insns\": %lu}\n",
		          r, exit_name(r), l1x_count[r], l1x_tsc[r] * 1000 / k / l1x_count[r]);
	}
	rt_printf("{\"bench\": \"l0_totals\", \"entries\": %lu, \"exits_reflected\": %lu, "
	          "\"exits_l0\": %lu, \"vmcs02_reads\": %lu, \"vmcs02_writes\": %lu}\n",
	          st.entries, st.exits_reflected, st.exits_l0, st.vmcs_reads, st.vmcs_writes);
}

/* An L1 OUT to port 0x8900 (the only port L0 intercepts): print the report
 * first, then do the OUT for L1. */
static void l1_io(void)
{
	uint64_t q = l0_vmread(NVMX_F_EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1, port = (unsigned)(q >> 16) & 0xffff;
	bool in = q & 8, string = q & 16;
	if (string || size != 1)
		l0_die("string or wide I/O to port 0x%x is not emulated", port);
	if (in) {
		l0_gprs[0] = (l0_gprs[0] & ~0xffull) | inb((uint16_t)port);
	} else {
		if (port == 0x8900)
			print_stats();
		outb((uint16_t)port, (uint8_t)l0_gprs[0]);
	}
	advance_rip();
}

/* --- L1's own exits (VMCS01 current) -------------------------------------- */

static uint64_t gpr_of(unsigned reg)
{
	return reg == 4 ? l0_vmread(NVMX_F_GUEST_RSP) : l0_gprs[reg];
}

static unsigned l1_cr_access(void)
{
	uint64_t q = l0_vmread(NVMX_F_EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	if (type != 0 || (cr != 0 && cr != 4))
		l0_die("L1 CR access 0x%lx not emulated", q);
	uint64_t v = gpr_of(reg);
	if (cr == 4) {
		if (v & ~l0.cr4_fixed1 & ~(uint64_t)NVMX_CR4_VMXE) {
			inject_gp();
			return 0;
		}
		l0_l1_cr_write(NVMX_F_GUEST_CR4, v);
		advance_rip();
		return 0;
	}
	uint64_t old = l0_l1_cr_read(NVMX_F_GUEST_CR0);
	l0_l1_cr_write(NVMX_F_GUEST_CR0, v);
	/* A MOV to CR0 that exits and turns paging on or off: what the
	 * processor does to EFER.LMA (SDM 10.8.5) and the PAE PDPTEs with EPT
	 * (SDM 4.4.1, 27.3.2.4) L0 does here. */
	uint64_t efer = l0_vmread(NVMX_F_GUEST_IA32_EFER);
	bool pg_on = (v & NVMX_CR0_PG) && !(old & NVMX_CR0_PG);
	bool pg_off = !(v & NVMX_CR0_PG) && (old & NVMX_CR0_PG);
	uint64_t ec = l0_vmread(NVMX_F_VM_ENTRY_CONTROLS);
	if (pg_on && (efer & NVMX_EFER_LME)) {
		l0_vmwrite(NVMX_F_GUEST_IA32_EFER, efer | NVMX_EFER_LMA);
		l0_vmwrite(NVMX_F_VM_ENTRY_CONTROLS, ec | NVMX_ENTRY_CTL_IA32E_MODE_GUEST);
	} else if (pg_off && (efer & NVMX_EFER_LMA)) {
		l0_vmwrite(NVMX_F_GUEST_IA32_EFER, efer & ~NVMX_EFER_LMA);
		l0_vmwrite(NVMX_F_VM_ENTRY_CONTROLS, ec & ~(uint64_t)NVMX_ENTRY_CTL_IA32E_MODE_GUEST);
	} else if (pg_on && (l0_l1_cr_read(NVMX_F_GUEST_CR4) & NVMX_CR4_PAE)) {
		uint64_t base = l0_vmread(NVMX_F_GUEST_CR3) & 0xffffffe0ull, p[4];
		if (!l0_l1_ram(base, 32))
			l0_die("L1's PAE page-directory pointers at 0x%lx are not RAM", base);
		memcpy(p, (void *)base, 32);
		l0_vmwrite(NVMX_F_GUEST_PDPTR0, p[0]);
		l0_vmwrite(NVMX_F_GUEST_PDPTR1, p[1]);
		l0_vmwrite(NVMX_F_GUEST_PDPTR2, p[2]);
		l0_vmwrite(NVMX_F_GUEST_PDPTR3, p[3]);
	}
	advance_rip();
	return 0;
}

static void l1_msr(bool write)
{
	uint32_t msr = (uint32_t)l0_gprs[1];
	if (write) {
		/* IA32_FEATURE_CONTROL is locked, the capability MSRs are
		 * read-only: WRMSR faults (SDM 24.7, A.1). */
		inject_gp();
		return;
	}
	uint64_t v;
	if (msr == NVMX_MSR_IA32_FEATURE_CONTROL) {
		v = 0x5;
	} else {
		uint64_t offered[NVMX_CAP_MSR_COUNT];
		for (uint32_t i = 0; i < NVMX_CAP_MSR_COUNT; i++)
			if (nvmx_vm_get_cap(l0.vm, 0x480 + i, &offered[i]) != NVMX_STATUS_OK)
				offered[i] = 0;
		if (msr < 0x480 || msr >= 0x480 + NVMX_CAP_MSR_COUNT || !cap_exists(offered, msr)) {
			inject_gp();
			return;
		}
		v = offered[msr - 0x480];
	}
	l0_gprs[0] = (uint32_t)v;
	l0_gprs[2] = v >> 32;
	advance_rip();
}

static void l1_cpuid(void)
{
	uint32_t r[4];
	cpuid((uint32_t)l0_gprs[0], (uint32_t)l0_gprs[1], r);
	/* VMX present: libnvmx offers it. Nothing else changes. */
	if ((uint32_t)l0_gprs[0] == 1)
		r[2] |= 1u << 5;
	l0_gprs[0] = r[0];
	l0_gprs[3] = r[1];
	l0_gprs[1] = r[2];
	l0_gprs[2] = r[3];
	advance_rip();
}

/* Returns 1 to VMLAUNCH, 0 to VMRESUME the VMCS made current. */
static unsigned run_l2(void)
{
	l0.in_l2 = true;
	l0_use_vmcs(l0.vmcs02);
	if (l0.rt_open)
		l0.rt_l0 += rdtsc() - l0.rt_handler_start;
	unsigned launch = !l0.vmcs02_launched;
	l0.vmcs02_launched = true;
	if (l0.rt_open) {
		struct rt_stat *s = &rt_stats[l0.rt_reason];
		s->count++;
		s->tsc += rdtsc() - l0.rt_start;
		s->l0_tsc += l0.rt_l0;
		for (unsigned e = 0; e < 64; e++) {
			s->l1_exits += l0.rt_l1_exits[e];
			s->l1_by_reason[e] += l0.rt_l1_exits[e];
		}
		l0.rt_open = false;
	}
	return launch;
}

static unsigned l1_vmx_insn(uint32_t basic)
{
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = basic;
	ex.insn_info = (uint32_t)l0_vmread(NVMX_F_VMX_INSTRUCTION_INFO);
	ex.qualification = l0_vmread(NVMX_F_EXIT_QUALIFICATION);
	ex.insn_len = (uint32_t)l0_vmread(NVMX_F_VM_EXIT_INSTRUCTION_LEN);
	ex.flags = NVMX_INSN_INFO_VALID;
	struct nvmx_result res;
	enum nvmx_status s = nvmx_vcpu_emulate_vmx_insn(l0.vcpu, &ex, &res);
	if (s != NVMX_STATUS_OK)
		l0_die("L1 %s: libnvmx failed: %s (%s)", exit_name(basic), nvmx_status_name(s),
		       nvmx_reason_name(res.reason));
	if (l0.verbose)
		l0_log("L1 %s -> action %u outcome %u %s", exit_name(basic), res.action, res.outcome,
		       nvmx_reason_name(res.reason));
	switch (res.action) {
	case NVMX_ACTION_RESUME_L1:
		l0_use_vmcs(l0.vmcs01);
		return 0;
	case NVMX_ACTION_INJECT_L1:
		l0_use_vmcs(l0.vmcs01);
		inject(&res.fault);
		return 0;
	case NVMX_ACTION_RUN_L2:
		return run_l2();
	default:
		l0_die("L1 %s: action %u (%s)", exit_name(basic), res.action,
		       nvmx_reason_name(res.reason));
	}
}

static unsigned l1_exit(uint32_t reason)
{
	uint32_t basic = reason & 0xffff;
	if (l0.rt_open && basic < 64)
		l0.rt_l1_exits[basic]++;
	if (reason & (1u << 31))
		l0_die("VM entry to L1 failed: exit reason 0x%x, qualification 0x%lx", reason,
		       l0_vmread(NVMX_F_EXIT_QUALIFICATION));
	switch (basic) {
	case NVMX_EXIT_REASON_CPUID: l1_cpuid(); return 0;
	case NVMX_EXIT_REASON_RDMSR: l1_msr(false); return 0;
	case NVMX_EXIT_REASON_WRMSR: l1_msr(true); return 0;
	case NVMX_EXIT_REASON_CR_ACCESS: return l1_cr_access();
	case NVMX_EXIT_REASON_IO_INSTRUCTION: l1_io(); return 0;
	case NVMX_EXIT_REASON_VMCLEAR: case NVMX_EXIT_REASON_VMLAUNCH: case NVMX_EXIT_REASON_VMPTRLD:
	case NVMX_EXIT_REASON_VMPTRST: case NVMX_EXIT_REASON_VMREAD: case NVMX_EXIT_REASON_VMRESUME:
	case NVMX_EXIT_REASON_VMWRITE: case NVMX_EXIT_REASON_VMXOFF: case NVMX_EXIT_REASON_VMXON:
	case NVMX_EXIT_REASON_INVEPT: case NVMX_EXIT_REASON_INVVPID:
		return l1_vmx_insn(basic);
	case NVMX_EXIT_REASON_VMCALL:
		/* Outside VMX operation VMCALL is #UD (SDM 31.3 VMCALL). */
		if (!nvmx_vcpu_in_vmx_operation(l0.vcpu)) {
			inject_ud();
			return 0;
		}
		l0_die("L1 VMCALL in VMX root operation (the dual-monitor treatment) is not emulated");
	case NVMX_EXIT_REASON_EPT_VIOLATION:
		l0_die("L1 touched 0x%lx, which EPT01 does not map (L0's region or beyond 4 GiB), "
		       "qualification 0x%lx, rip 0x%lx",
		       l0_vmread(NVMX_F_GUEST_PHYSICAL_ADDRESS), l0_vmread(NVMX_F_EXIT_QUALIFICATION),
		       l0_vmread(NVMX_F_GUEST_RIP));
	default:
		/* TRIPLE_FAULT, INVD, XSETBV, GETSEC and every exit L0 does not
		 * emulate: a report, never a silent hang. */
		l0_die("L1 exit %u (%s) at rip 0x%lx, qualification 0x%lx: L1 stopped", basic,
		       exit_name(basic), l0_vmread(NVMX_F_GUEST_RIP),
		       l0_vmread(NVMX_F_EXIT_QUALIFICATION));
	}
}

/* --- L2's exits (VMCS02 current) ---------------------------------------- */

static void entry_failure_report(const char *what, uint64_t detail)
{
	l0_log("VMCS02 REFUSED by the processor: %s %lu; libnvmx built a VMCS02 the hardware "
	       "rejects (invariant 2)",
	       what, detail);
	l0_dump_vmcs();
	l0_die("stopping after a VMCS02 entry failure");
}

static unsigned l2_io(void)
{
	uint64_t q = l0_vmread(NVMX_F_EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1, port = (unsigned)(q >> 16) & 0xffff;
	if ((q & 16) || size != 1 || (q & 8))
		l0_die("L2 I/O 0x%lx to L0's port not emulated", q);
	if (port == 0x8900)
		print_stats();
	outb((uint16_t)port, (uint8_t)l0_gprs[0]);
	advance_rip();
	return 0;
}

static unsigned l2_exit(uint32_t reason)
{
	uint32_t basic = reason & 0xffff;
	if ((reason & (1u << 31)) != 0)
		entry_failure_report("VM-entry failure exit reason", basic);
	if (!l0.rt_open && basic < 80) {
		l0.rt_open = true;
		l0.rt_reason = basic;
		l0.rt_start = l0.rt_handler_start;
		l0.rt_l0 = 0;
		memset(l0.rt_l1_exits, 0, sizeof(l0.rt_l1_exits));
	}
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = reason;
	e.qualification = l0_vmread(NVMX_F_EXIT_QUALIFICATION);
	e.guest_linear_address = l0_vmread(NVMX_F_GUEST_LINEAR_ADDRESS);
	e.guest_physical_address = l0_vmread(NVMX_F_GUEST_PHYSICAL_ADDRESS);
	e.intr_info = (uint32_t)l0_vmread(NVMX_F_VM_EXIT_INTR_INFO);
	e.intr_error_code = (uint32_t)l0_vmread(NVMX_F_VM_EXIT_INTR_ERROR_CODE);
	e.idt_vectoring_info = (uint32_t)l0_vmread(NVMX_F_IDT_VECTORING_INFO_FIELD);
	e.idt_vectoring_error_code = (uint32_t)l0_vmread(NVMX_F_IDT_VECTORING_ERROR_CODE);
	e.insn_len = (uint32_t)l0_vmread(NVMX_F_VM_EXIT_INSTRUCTION_LEN);
	e.insn_info = (uint32_t)l0_vmread(NVMX_F_VMX_INSTRUCTION_INFO);
	if (basic == NVMX_EXIT_REASON_RDMSR || basic == NVMX_EXIT_REASON_WRMSR)
		e.operand = l0_gprs[1] & 0xffffffffu;
	if (basic == NVMX_EXIT_REASON_CR_ACCESS)
		e.operand = gpr_of((unsigned)(e.qualification >> 8) & 15);
	if (basic == NVMX_EXIT_REASON_VMFUNC) {
		e.operand = l0_gprs[0] & 0xffffffffu;
		e.operand2 = l0_gprs[1] & 0xffffffffu;
	}
	struct nvmx_result res;
	enum nvmx_status s = nvmx_vcpu_handle_exit(l0.vcpu, &e, &res);
	if (s != NVMX_STATUS_OK)
		l0_die("L2 exit %s: libnvmx failed: %s", exit_name(basic), nvmx_status_name(s));
	if (l0.verbose)
		l0_log("L2 %s qual 0x%lx -> action %u outcome %u %s", exit_name(basic),
		       e.qualification, res.action, res.outcome, nvmx_reason_name(res.reason));
	switch (res.action) {
	case NVMX_ACTION_RESUME_L1:
		l0.in_l2 = false;
		l0_use_vmcs(l0.vmcs01);
		return 0;
	case NVMX_ACTION_L0_EXIT:
		l0_use_vmcs(l0.vmcs02);
		if (res.reason == NVMX_REASON_EXIT_L0_EPT02_FILL)
			return run_l2();
		if (basic == NVMX_EXIT_REASON_IO_INSTRUCTION) {
			l2_io();
			return run_l2();
		}
		l0_die("L2 exit %u (%s) stays with L0 (%s), which does not handle it", basic,
		       exit_name(basic), nvmx_reason_name(res.reason));
	default:
		l0_die("L2 exit %s: action %u (%s)", exit_name(basic), res.action,
		       nvmx_reason_name(res.reason));
	}
}

unsigned l0_handle_exit(void)
{
	l0.rt_handler_start = rdtsc();
	/* The exit happened on whichever VMCS ran: VMCS02 while L2 ran. */
	l0.cur_vmcs = l0.in_l2 ? l0.vmcs02 : l0.vmcs01;
	uint32_t reason = (uint32_t)l0_vmread(NVMX_F_VM_EXIT_REASON);
	if (l0.verbose)
		l0_log("exit %s 0x%x rip 0x%lx", l0.in_l2 ? "L2" : "L1", reason,
		       l0_vmread(NVMX_F_GUEST_RIP));
	bool from_l1 = !l0.in_l2;
	unsigned launch = l0.in_l2 ? l2_exit(reason) : l1_exit(reason);
	if (from_l1 && (reason & 0xffff) < 80) {
		l1x_count[reason & 0xffff]++;
		l1x_tsc[reason & 0xffff] += rdtsc() - l0.rt_handler_start;
	}
	if (l0.have_cr2) {
		write_cr2(l0.pending_cr2);
		l0.have_cr2 = false;
	}
	if (l0.rt_open && !l0.in_l2)
		l0.rt_l0 += rdtsc() - l0.rt_handler_start;
	return launch;
}

void l0_entry_failed(uint64_t rflags)
{
	bool l2 = l0.cur_vmcs == l0.vmcs02;
	if (rflags & 1)
		l0_die("VMLAUNCH/VMRESUME: VMfailInvalid (no valid current VMCS)");
	uint64_t err = 0;
	vmread_checked(NVMX_F_VM_INSTRUCTION_ERROR, &err);
	if (l2)
		entry_failure_report("VM-instruction error", err);
	l0_dump_vmcs();
	l0_die("VM entry to L1 failed: VM-instruction error %lu", err);
}
