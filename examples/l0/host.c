/* SPDX-License-Identifier: MIT */
/*
 * The host callbacks of nvmx-l0 over real VMX hardware (docs/host-callbacks.md,
 * docs/bare-metal-l0.md). One vCPU: the host pointer of the VM and of the
 * vCPU is the global l0 state.
 *
 * Which VMCS is current: the library reaches VMCS02 through vmcs_read/write
 * and L1's state (VMCS01's guest-state area) through l1_read/l1_write; the
 * callbacks VMPTRLD whichever they need (l0_use_vmcs), so the library may
 * interleave them freely. L0 memory is identity-mapped (boot.S), and L1
 * physical memory is identity-backed by EPT01, so a host-physical address
 * is also L0's pointer.
 */
#include "l0.h"
#include "vmx.h"

#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)

extern char _end[];

/* --- memory ------------------------------------------------------------ */

static uint64_t pool_next, pool_end;
static void *page_free_list;
struct free_blk {
	struct free_blk *next;
	size_t size;
};
static struct free_blk *blk_free_list;

void l0_pool_init(uint64_t start);
void l0_pool_init(uint64_t start)
{
	pool_next = (start + 4095) & ~4095ull;
	pool_end = L0_END;
}

void *l0_page_alloc(void)
{
	void *p;
	if (page_free_list) {
		p = page_free_list;
		page_free_list = *(void **)p;
	} else {
		if (pool_next + 4096 > pool_end)
			return NULL;
		p = (void *)pool_next;
		pool_next += 4096;
	}
	memset(p, 0, 4096);
	return p;
}

void l0_page_free(void *p)
{
	*(void **)p = page_free_list;
	page_free_list = p;
}

void *l0_alloc(size_t size)
{
	size = (size + 15) & ~(size_t)15;
	for (struct free_blk **pp = &blk_free_list; *pp; pp = &(*pp)->next) {
		if ((*pp)->size == size) {
			struct free_blk *b = *pp;
			*pp = b->next;
			return b;
		}
	}
	if (size >= 4096) {
		/* whole pages from the page pool's bump pointer, contiguous */
		size_t n = (size + 4095) / 4096 * 4096;
		if (pool_next + n > pool_end)
			return NULL;
		void *p = (void *)pool_next;
		pool_next += n;
		return p;
	}
	static uint8_t *chunk;
	static size_t chunk_left;
	if (chunk_left < size) {
		chunk = l0_page_alloc();
		if (!chunk)
			return NULL;
		chunk_left = 4096;
	}
	void *p = chunk;
	chunk += size;
	chunk_left -= size;
	return p;
}

void l0_free(void *p, size_t size)
{
	if (!p)
		return;
	struct free_blk *b = p;
	b->size = (size + 15) & ~(size_t)15;
	if (b->size >= 4096)
		b->size = (b->size + 4095) / 4096 * 4096;
	b->next = blk_free_list;
	blk_free_list = b;
}

/* L1 RAM: below L0's region. EPT01 maps device space above L0_END too, but
 * the library never reads VMCS12s or EPT12s there. */
bool l0_l1_ram(uint64_t gpa, uint64_t len)
{
	return len <= L0_BASE && gpa <= L0_BASE - len;
}

/* --- VMCS access ------------------------------------------------------- */

void l0_use_vmcs(uint64_t pa)
{
	if (l0.cur_vmcs == pa)
		return;
	if (!vmptrld(pa))
		l0_die("VMPTRLD 0x%lx failed", pa);
	l0.cur_vmcs = pa;
}

uint64_t l0_vmread(uint64_t field)
{
	uint64_t v = 0;
	if (!vmread_checked(field, &v))
		l0_die("VMREAD of field 0x%lx failed (VMCS 0x%lx)", field, l0.cur_vmcs);
	return v;
}

void l0_vmwrite(uint64_t field, uint64_t v)
{
	if (!vmwrite_checked(field, v)) {
		uint64_t err = 0;
		vmread_checked(NVMX_F_VM_INSTRUCTION_ERROR, &err);
		l0_die("VMWRITE of field 0x%lx = 0x%lx failed, VM-instruction error %lu (VMCS 0x%lx)",
		       field, v, err, l0.cur_vmcs);
	}
}

/* L1's CR0 and CR4 as L1 sees them: the bits L0 owns (guest/host mask)
 * come from the read shadow, the rest from the guest-state field. */
uint64_t l0_l1_cr_read(uint32_t field)
{
	l0_use_vmcs(l0.vmcs01);
	bool cr0 = field == NVMX_F_GUEST_CR0;
	uint64_t mask = cr0 ? l0.cr0_mask : l0.cr4_mask;
	uint64_t hw = l0_vmread(field);
	uint64_t sh = l0_vmread(cr0 ? NVMX_F_CR0_READ_SHADOW : NVMX_F_CR4_READ_SHADOW);
	return (hw & ~mask) | (sh & mask);
}

/* L1 sets its CR0/CR4 (an intercepted MOV, or the host-state load of a VM
 * exit to L1): the shadow takes L1's value, the hardware field the value
 * with the bits VMX operation fixes (IA32_VMX_CR*_FIXED*, SDM A.7/A.8;
 * unrestricted guest frees CR0.PE and CR0.PG, SDM 27.3.1.1). */
void l0_l1_cr_write(uint32_t field, uint64_t v)
{
	l0_use_vmcs(l0.vmcs01);
	if (field == NVMX_F_GUEST_CR0) {
		uint64_t f0 = l0.cr0_fixed0 & ~(uint64_t)(NVMX_CR0_PE | NVMX_CR0_PG);
		l0_vmwrite(NVMX_F_CR0_READ_SHADOW, v);
		l0_vmwrite(NVMX_F_GUEST_CR0, (v | f0) & (l0.cr0_fixed1 | NVMX_CR0_PE | NVMX_CR0_PG));
	} else {
		l0_vmwrite(NVMX_F_CR4_READ_SHADOW, v);
		l0_vmwrite(NVMX_F_GUEST_CR4, (v | l0.cr4_fixed0) & l0.cr4_fixed1);
	}
}

/* --- L1 linear memory -------------------------------------------------- */

/* Walk L1's paging structures for one access (SDM vol. 3 chapter 4):
 * paging off, 32-bit, PAE and 4-level paging. Faults come back as the #PF
 * L1 would take (error code: P, W/R; L1 is at CPL 0 for VMX instructions). */
static enum nvmx_status l1_translate(uint64_t la, bool write, uint64_t *pa,
                                     struct nvmx_fault *fault)
{
	uint64_t cr0 = l0_l1_cr_read(NVMX_F_GUEST_CR0);
	uint64_t cr4 = l0_l1_cr_read(NVMX_F_GUEST_CR4);
	uint64_t efer = l0_vmread(NVMX_F_GUEST_IA32_EFER);
	uint64_t cr3 = l0_vmread(NVMX_F_GUEST_CR3);
	bool wp = cr0 & CR0_WP;
	if (!(cr0 & NVMX_CR0_PG)) {
		*pa = la & 0xffffffffull;
		return NVMX_STATUS_OK;
	}
	uint64_t addr_mask = 0x000ffffffffff000ull;
	int levels, shift;
	uint64_t table;
	bool pae = cr4 & NVMX_CR4_PAE;
	if (efer & NVMX_EFER_LMA) {
		levels = (cr4 & NVMX_CR4_LA57) ? 5 : 4;
		shift = levels == 5 ? 48 : 39;
		table = cr3 & addr_mask;
	} else if (pae) {
		uint64_t pdpte;
		uint64_t at = (cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8;
		if (!l0_l1_ram(at, 8))
			return NVMX_STATUS_HOST_FAILURE;
		memcpy(&pdpte, (void *)at, 8);
		if (!(pdpte & 1))
			goto pf;
		levels = 2;
		shift = 21;
		table = pdpte & addr_mask;
	} else {
		levels = 2;
		shift = 22;
		table = cr3 & 0xfffff000ull;
	}
	bool wide = pae || (efer & NVMX_EFER_LMA); /* 8-byte entries, 9 bits a level */
	int step = wide ? 9 : 10;
	bool writable = true;
	for (int l = 0; l < levels; l++, shift -= step) {
		uint64_t e;
		uint64_t at = table + ((la >> shift) & ((1u << step) - 1)) * (wide ? 8u : 4u);
		if (!l0_l1_ram(at, 8))
			return NVMX_STATUS_HOST_FAILURE;
		if (wide) {
			memcpy(&e, (void *)at, 8);
		} else {
			uint32_t e32;
			memcpy(&e32, (void *)at, 4);
			e = e32;
		}
		if (!(e & 1))
			goto pf;
		writable = writable && (e & 2);
		/* PS makes a 1 GiB, 2 MiB or 4 MiB page at the PDPT/PD levels. */
		bool large = (e & 0x80) && shift >= 21 && shift <= 30 && (wide || (cr4 & CR4_PSE));
		if (l == levels - 1 || large) {
			uint64_t size = 1ull << shift;
			uint64_t base = wide ? (e & addr_mask) : (e & 0xfffff000ull);
			if (!wide && large)
				base |= ((e >> 13) & 0xffull) << 32; /* PSE-36 */
			base &= ~(size - 1);
			if (write && wp && !writable) {
				fault->error_code = 3;
				goto pf_code;
			}
			*pa = base | (la & (size - 1));
			return NVMX_STATUS_OK;
		}
		table = wide ? (e & addr_mask) : (e & 0xfffff000ull);
	}
pf:
	fault->error_code = write ? 2 : 0;
pf_code:
	fault->vector = 14;
	fault->has_error_code = true;
	fault->cr2 = la;
	return NVMX_STATUS_GUEST_FAULT;
}

enum nvmx_status l0_l1_lin(uint64_t la, void *buf, size_t len, bool write,
                           struct nvmx_fault *fault)
{
	uint8_t *b = buf;
	while (len) {
		size_t n = 4096 - (la & 4095);
		if (n > len)
			n = len;
		uint64_t pa;
		enum nvmx_status s = l1_translate(la, write, &pa, fault);
		if (s != NVMX_STATUS_OK)
			return s;
		if (!l0_l1_ram(pa, n))
			return NVMX_STATUS_HOST_FAILURE;
		if (write)
			memcpy((void *)pa, b, n);
		else
			memcpy(b, (void *)pa, n);
		la += n;
		b += n;
		len -= n;
	}
	return NVMX_STATUS_OK;
}

/* --- the callbacks ----------------------------------------------------- */

static enum nvmx_status cb_gpa_read(void *host, uint64_t gpa, void *buf, size_t len)
{
	NVMX_UNUSED_HOST(host);
	if (!l0_l1_ram(gpa, len))
		return NVMX_STATUS_NOT_MAPPED;
	memcpy(buf, (void *)gpa, len);
	return NVMX_STATUS_OK;
}

static enum nvmx_status cb_gpa_write(void *host, uint64_t gpa, const void *buf, size_t len)
{
	NVMX_UNUSED_HOST(host);
	if (!l0_l1_ram(gpa, len))
		return NVMX_STATUS_NOT_MAPPED;
	memcpy((void *)gpa, buf, len);
	return NVMX_STATUS_OK;
}

static enum nvmx_status cb_gpa_cmpxchg64(void *host, uint64_t gpa, uint64_t expected,
                                         uint64_t desired, bool *swapped)
{
	NVMX_UNUSED_HOST(host);
	if (!l0_l1_ram(gpa, 8) || (gpa & 7))
		return NVMX_STATUS_NOT_MAPPED;
	uint64_t *p = (uint64_t *)gpa;
	*swapped = __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST,
	                                       __ATOMIC_SEQ_CST);
	return NVMX_STATUS_OK;
}

static enum nvmx_status cb_lin_read(void *host, uint64_t la, void *buf, size_t len,
                                    struct nvmx_fault *fault)
{
	NVMX_UNUSED_HOST(host);
	return l0_l1_lin(la, buf, len, false, fault);
}

static enum nvmx_status cb_lin_write(void *host, uint64_t la, const void *buf, size_t len,
                                     struct nvmx_fault *fault)
{
	NVMX_UNUSED_HOST(host);
	return l0_l1_lin(la, (void *)(uintptr_t)buf, len, true, fault);
}

static uint64_t cb_vmcs_read(void *host, uint32_t field)
{
	NVMX_UNUSED_HOST(host);
	l0_use_vmcs(l0.vmcs02);
	return l0_vmread(field);
}

static void cb_vmcs_write(void *host, uint32_t field, uint64_t value)
{
	NVMX_UNUSED_HOST(host);
	l0_use_vmcs(l0.vmcs02);
	l0_vmwrite(field, value);
}

static uint64_t cb_l1_read(void *host, uint32_t field)
{
	NVMX_UNUSED_HOST(host);
	if (field == NVMX_F_GUEST_CR0 || field == NVMX_F_GUEST_CR4)
		return l0_l1_cr_read(field);
	l0_use_vmcs(l0.vmcs01);
	return l0_vmread(field);
}

static void cb_l1_write(void *host, uint32_t field, uint64_t value)
{
	NVMX_UNUSED_HOST(host);
	if (field == NVMX_F_GUEST_CR0 || field == NVMX_F_GUEST_CR4) {
		l0_l1_cr_write(field, value);
		return;
	}
	l0_use_vmcs(l0.vmcs01);
	l0_vmwrite(field, value);
	/* EFER.LMA after an exit to L1 is the "IA-32e mode guest" entry
	 * control of VMCS01 (SDM 27.3.1.1, 28.5.1). */
	if (field == NVMX_F_GUEST_IA32_EFER) {
		uint64_t ec = l0_vmread(NVMX_F_VM_ENTRY_CONTROLS);
		ec = (value & NVMX_EFER_LMA) ? ec | NVMX_ENTRY_CTL_IA32E_MODE_GUEST
		                             : ec & ~(uint64_t)NVMX_ENTRY_CTL_IA32E_MODE_GUEST;
		l0_vmwrite(NVMX_F_VM_ENTRY_CONTROLS, ec);
	}
}

static uint64_t cb_l1_gpr_read(void *host, unsigned reg)
{
	NVMX_UNUSED_HOST(host);
	if (reg == 4) {
		l0_use_vmcs(l0.vmcs01);
		return l0_vmread(NVMX_F_GUEST_RSP);
	}
	return l0_gprs[reg & 15];
}

static void cb_l1_gpr_write(void *host, unsigned reg, uint64_t value)
{
	NVMX_UNUSED_HOST(host);
	if (reg == 4) {
		l0_use_vmcs(l0.vmcs01);
		l0_vmwrite(NVMX_F_GUEST_RSP, value);
		return;
	}
	l0_gprs[reg & 15] = value;
}

static enum nvmx_status cb_l1_msr_read(void *host, uint32_t msr, uint64_t *value)
{
	NVMX_UNUSED_HOST(host);
	if (msr == NVMX_MSR_IA32_FEATURE_CONTROL) {
		*value = 0x5; /* locked, VMX outside SMX */
		return NVMX_STATUS_OK;
	}
	return NVMX_STATUS_NOT_SUPPORTED;
}

/* VM-entry and VM-exit MSR-load and MSR-store areas. This L0 passes L1's
 * MSRs through (it switches none itself), so the MSR L1 or L2 sees is the
 * processor's: a load is a WRMSR now, a store a RDMSR now, as on bare
 * hardware. A WRMSR that faults would fault in L0, so only MSRs whose
 * valid values are known are accepted, the values checked as WRMSR checks
 * them (SDM vol. 4: canonical bases, reserved bits); any other MSR fails
 * the load as the SDM says (entry failure 34, or a VMX abort), a
 * documented capability difference (docs/bare-metal-l0.md). */
static bool canonical(uint64_t v)
{
	uint64_t top = v >> 47;
	return top == 0 || top == 0x1ffff;
}

static bool msr_passable(uint32_t msr, uint64_t v, bool write)
{
	switch (msr) {
	case 0x174:                       /* IA32_SYSENTER_CS */
	case 0xc0000081:                  /* IA32_STAR */
		return true;
	case 0x175: case 0x176:           /* IA32_SYSENTER_ESP, _EIP */
	case 0xc0000082: case 0xc0000083: /* IA32_LSTAR, IA32_CSTAR */
	case 0xc0000100: case 0xc0000101: /* IA32_FS_BASE, IA32_GS_BASE */
	case 0xc0000102:                  /* IA32_KERNEL_GS_BASE */
		return !write || canonical(v);
	case 0xc0000084:                  /* IA32_FMASK: bits 63:32 reserved */
	case 0xc0000103:                  /* IA32_TSC_AUX: bits 63:32 reserved */
		return !write || (v >> 32) == 0;
	default:
		return false;
	}
}

static enum nvmx_status cb_msr_load(void *host, bool l2, uint32_t msr, uint64_t value)
{
	NVMX_UNUSED_HOST(host);
	NVMX_UNUSED_HOST(l2);
	if (!msr_passable(msr, value, true))
		return NVMX_STATUS_NOT_SUPPORTED;
	wrmsr(msr, value);
	return NVMX_STATUS_OK;
}

static enum nvmx_status cb_msr_store(void *host, uint32_t msr, uint64_t *value)
{
	NVMX_UNUSED_HOST(host);
	if (!msr_passable(msr, 0, false))
		return NVMX_STATUS_NOT_SUPPORTED;
	*value = rdmsr(msr);
	return NVMX_STATUS_OK;
}

static enum nvmx_status cb_gpa_to_hpa(void *host, uint64_t gpa, struct nvmx_l0_map *map)
{
	NVMX_UNUSED_HOST(host);
	memset(map, 0, sizeof(*map));
	if (gpa < 0x200000) {
		map->hpa = gpa;
		map->page_size = 4096;
		map->memtype = (gpa >= 0xA0000 && gpa < 0x100000) ? 0 : 6;
	} else if (gpa < L0_BASE) {
		map->hpa = gpa;
		map->page_size = 0x200000;
		map->memtype = 6;
	} else if (gpa >= L0_END && gpa < L1_PHYS_TOP) {
		map->hpa = gpa;
		map->page_size = 0x200000;
		map->memtype = 0;
	} else {
		return NVMX_STATUS_NOT_MAPPED;
	}
	map->rights = NVMX_ACCESS_READ | NVMX_ACCESS_WRITE | NVMX_ACCESS_EXEC;
	return NVMX_STATUS_OK;
}

static enum nvmx_status cb_page_alloc(void *host, void **va, uint64_t *hpa)
{
	NVMX_UNUSED_HOST(host);
	void *p = l0_page_alloc();
	if (!p)
		return NVMX_STATUS_NO_MEMORY;
	*va = p;
	*hpa = (uint64_t)p;
	return NVMX_STATUS_OK;
}

static void cb_page_free(void *host, void *va, uint64_t hpa)
{
	NVMX_UNUSED_HOST(host);
	NVMX_UNUSED_HOST(hpa);
	l0_page_free(va);
}

static void *cb_alloc(void *host, size_t size)
{
	NVMX_UNUSED_HOST(host);
	return l0_alloc(size);
}

static void cb_free(void *host, void *ptr, size_t size)
{
	NVMX_UNUSED_HOST(host);
	l0_free(ptr, size);
}

/* The batched forms: one VMCS switch at most for the whole batch (the
 * library reads L2's state from VMCS02 and loads L1's host state into
 * VMCS01 through these on a reflected exit). */
static void cb_vmcs_read_n(void *host, const uint32_t *fields, uint64_t *values, unsigned n)
{
	NVMX_UNUSED_HOST(host);
	l0_use_vmcs(l0.vmcs02);
	for (unsigned i = 0; i < n; i++)
		values[i] = l0_vmread(fields[i]);
}

static void cb_l1_read_n(void *host, const uint32_t *fields, uint64_t *values, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		values[i] = cb_l1_read(host, fields[i]);
}

static void cb_l1_write_n(void *host, const struct nvmx_field_value *fv, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		cb_l1_write(host, fv[i].field, fv[i].value);
}

static void cb_hw_invept(void *host, uint32_t type, uint64_t eptp)
{
	NVMX_UNUSED_HOST(host);
	invept(type, eptp);
}

static void cb_hw_invvpid(void *host, uint32_t type, uint16_t vpid, uint64_t la)
{
	NVMX_UNUSED_HOST(host);
	/* L0 runs L1 without VPID; INVVPID of VPID 0 is not allowed (SDM
	 * 31.3 INVVPID), and VM entries and exits flush VPID 0 anyway. */
	if (vpid == 0 && type != 2)
		return;
	invvpid(type, vpid, la);
}

static void cb_trace(void *host, const struct nvmx_trace *ev)
{
	NVMX_UNUSED_HOST(host);
	if (l0.verbose)
		l0_log("trace kind=%u reason=%s a=0x%lx b=0x%lx", ev->kind,
		       nvmx_reason_name((enum nvmx_reason)ev->reason), ev->a, ev->b);
}

void l0_host_ops(struct nvmx_host_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->size = sizeof(*ops);
	ops->gpa_read = cb_gpa_read;
	ops->gpa_write = cb_gpa_write;
	ops->gpa_cmpxchg64 = cb_gpa_cmpxchg64;
	ops->lin_read = cb_lin_read;
	ops->lin_write = cb_lin_write;
	ops->vmcs_read = cb_vmcs_read;
	ops->vmcs_write = cb_vmcs_write;
	ops->l1_read = cb_l1_read;
	ops->l1_write = cb_l1_write;
	ops->l1_gpr_read = cb_l1_gpr_read;
	ops->l1_gpr_write = cb_l1_gpr_write;
	ops->l1_msr_read = cb_l1_msr_read;
	ops->msr_load = cb_msr_load;
	ops->msr_store = cb_msr_store;
	ops->gpa_to_hpa = cb_gpa_to_hpa;
	ops->page_alloc = cb_page_alloc;
	ops->page_free = cb_page_free;
	ops->alloc = cb_alloc;
	ops->free = cb_free;
	ops->hw_invept = cb_hw_invept;
	ops->hw_invvpid = cb_hw_invvpid;
	ops->trace = cb_trace;
	ops->l1_write_n = cb_l1_write_n;
	ops->vmcs_read_n = cb_vmcs_read_n;
	ops->l1_read_n = cb_l1_read_n;
}
