/* SPDX-License-Identifier: MIT */
/*
 * Shadow-EPT fuzzer. The bytes drive a hostile L1 (random EPT12 tables and
 * edits, EPTP switches, INVEPTs, EPTP lists, VPID use), a changing EPT01
 * (refhost ranges: remap, unmap, MMIO, reduced rights) and L2 accesses run
 * through the hardware model. After every step, every present EPT02 leaf of
 * every live root must equal the composition computed by the independent
 * two-stage walk below (docs/architecture.md invariant 4): same host page, no more
 * rights than EPT12 and EPT01 both grant, same memory type; and every L2
 * access outcome must agree with that walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refhost.h"
#include "hw_ept.h"
#include "ept/ept.h"

#define MEM (8ull << 20)
#define TBL_BASE 0x100000ull    /* 64 candidate EPT12 table pages */
#define NTBL 64u
#define LIST_GPA 0x80000ull
#define VMCS12_GPA 0x10000ull

#include "fuzz_input.h"

#define FAIL(...)                                                  \
	do {                                                           \
		fprintf(stderr, "fuzz_ept invariant: " __VA_ARGS__);   \
		fprintf(stderr, "\n");                                 \
		abort();                                               \
	} while (0)

static struct refhost h;
static bool wp_mode;
static unsigned maxphy;

/*
 * The L1 pages written since the last reset: by this file (through the two
 * helpers below, the only way it writes L1 memory) and by the library (the
 * host's write log). reset_host() zeroes just those pages.
 */
static uint8_t dirty[MEM >> 12];

static void mark_dirty(uint64_t gpa, uint64_t len)
{
	for (uint64_t p = gpa >> 12; p < MEM >> 12 && p <= (gpa + len - 1) >> 12; p++)
		dirty[p] = 1;
}

static void l1_w64(uint64_t gpa, uint64_t v)
{
	mark_dirty(gpa, 8);
	refhost_mem_w64(&h, gpa, v);
}

static void l1_store64(uint64_t gpa, uint64_t v)
{
	mark_dirty(gpa, 8);
	refhost_l1_store(&h, gpa, &v, 8);
}

/* ---- the independent model: EPT01 and EPT12 as the SDM defines them ---- */

static const struct refhost_range *range_at(uint64_t gpa)
{
	for (unsigned i = h.nranges; i-- > 0;)
		if (gpa >= h.ranges[i].gpa && gpa - h.ranges[i].gpa < h.ranges[i].len)
			return &h.ranges[i];
	return NULL;
}

static bool l1_ram(uint64_t gpa)
{
	const struct refhost_range *r = range_at(gpa);
	return gpa < MEM && (!r || r->kind == REFHOST_RANGE_MAP);
}

static bool ept01(uint64_t gpa, uint64_t *hpa, unsigned *rights)
{
	uint64_t page = gpa & ~0xfffull;
	if (!l1_ram(page))
		return false;
	const struct refhost_range *r = range_at(page);
	*hpa = r ? r->hpa + (page - r->gpa) : REFHOST_HPA_BASE + page;
	*rights = r ? r->rights : 7u;
	if (refhost_wp_test(&h, page))
		*rights &= ~2u;
	return true;
}

enum { W_OK, W_NP, W_MISCONF, W_UNBACKED };

struct two {
	int st;
	uint64_t l1, size;
	unsigned rights, mt;
	bool ipat;
};

static struct two walk12(uint64_t eptp, bool mbec, uint64_t l2)
{
	struct two r = { W_OK, 0, 0, mbec ? 15u : 7u, 0, false };
	unsigned levels = (unsigned)((eptp >> 3) & 7) + 1;
	uint64_t table = eptp & 0xffffffffff000ull, e = 0;
	uint64_t beyond = 0xffffffffff000ull & ~((1ull << maxphy) - 1);
	for (unsigned l = levels; l >= 1; l--) {
		uint64_t ea = table + 8 * ((l2 >> (12 + 9 * (l - 1))) & 511);
		if (!l1_ram(ea) || !refhost_mem_read(&h, ea, &e, 8)) {
			r.st = W_UNBACKED;
			return r;
		}
		unsigned rt = (unsigned)(e & 7) | ((mbec && (e >> 10 & 1)) ? 8u : 0u);
		r.rights &= rt;
		if (!rt) {
			r.st = W_NP;
			return r;
		}
		bool large = (e >> 7) & 1;
		bool leaf = l == 1 || (large && l <= 3);
		/* EPT_VPID_CAP offered: execute-only, 2M and 1G pages (example caps). */
		if ((e & 3) == 2 || (e & beyond) || (l >= 4 && large)) {
			r.st = W_MISCONF;
			return r;
		}
		if (!leaf) {
			if (e & 0x78) {
				r.st = W_MISCONF;
				return r;
			}
			table = e & 0xffffffffff000ull;
			continue;
		}
		unsigned mt = (unsigned)(e >> 3) & 7;
		uint64_t size = 1ull << (12 + 9 * (l - 1));
		if (mt == 2 || mt == 3 || mt == 7 || (e & (size - 1) & ~0xfffull)) {
			r.st = W_MISCONF;
			return r;
		}
		r.size = size;
		r.l1 = (e & 0xffffffffff000ull & ~(size - 1)) | (l2 & (size - 1));
		r.mt = mt;
		r.ipat = (e >> 6) & 1;
		return r;
	}
	return r;
}

/* ---- checking EPT02 ---- */
/*
 * The checker walks every EPT02 table after every step: libFuzzer's edge and
 * comparison callbacks on its 512-entry loops cost more than the library
 * itself and tell the fuzzer nothing about the library, so they are left out
 * (the checks themselves are unchanged, and ASan still watches them).
 */
#if defined(__clang__) && __clang_major__ >= 13
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* A root the hardware may run L2 on: VMCS02's EPT pointer (slot -1) or an
 * entry of the EPTP-list page (both read again at each check: the library
 * moves a vCPU off a retired root when L2 faults under it). */
struct root_info {
	uint64_t eptp02, eptp12;
	bool mbec;
	int slot;
};
static const uint64_t *list_page;
static bool list_active;
static struct root_info roots[520];
static unsigned nroots;

NO_COVERAGE static void check_leaf(const struct root_info *ri, uint64_t l2, uint64_t e, unsigned level,
                       unsigned rights02)
{
	uint64_t size = 1ull << (12 + 9 * (level - 1));
	uint64_t hpa_base = e & 0xffffffffff000ull & ~(size - 1);
	for (uint64_t off = 0; off < size; off += 4096) {
		struct two w = walk12(ri->eptp12, ri->mbec, l2 + off);
		if (w.st != W_OK)
			FAIL("EPT02 maps L2 %#llx that EPT12 (%#llx) does not (st %d)",
			     (unsigned long long)(l2 + off), (unsigned long long)ri->eptp12, w.st);
		uint64_t hpa01;
		unsigned r01;
		if (!ept01(w.l1, &hpa01, &r01))
			FAIL("EPT02 maps L2 %#llx to L1 %#llx that EPT01 does not back",
			     (unsigned long long)(l2 + off), (unsigned long long)w.l1);
		if (hpa_base + off != hpa01)
			FAIL("EPT02 hpa %#llx != composition %#llx at L2 %#llx",
			     (unsigned long long)(hpa_base + off), (unsigned long long)hpa01,
			     (unsigned long long)(l2 + off));
		unsigned allowed = w.rights & (r01 | ((r01 & 4) ? 8u : 0u));
		if (rights02 & ~allowed)
			FAIL("EPT02 rights %#x exceed EPT12 %#x and EPT01 %#x at L2 %#llx", rights02,
			     w.rights, r01, (unsigned long long)(l2 + off));
		if (((e >> 3) & 7) != w.mt || (((e >> 6) & 1) != w.ipat))
			FAIL("EPT02 memory type %llu/%llu != EPT12 %u/%d", (unsigned long long)((e >> 3) & 7),
			     (unsigned long long)((e >> 6) & 1), w.mt, w.ipat);
		if (size > 4096 && off == 0 && size > w.size)
			FAIL("EPT02 page larger than EPT12's");
	}
}

static unsigned leaves_seen;

NO_COVERAGE static void check_table(const struct root_info *ri, const uint64_t *t, unsigned level, uint64_t base,
                        unsigned rights)
{
	static const uint64_t zero8[8];
	for (unsigned i = 0; i < 512; i++) {
		/* Eight zero entries at once: none of them is present. */
		if (!(i & 7) && !memcmp(t + i, zero8, sizeof(zero8))) {
			i += 7;
			continue;
		}
		uint64_t e = t[i];
		unsigned rt = (unsigned)(e & 7) | ((ri->mbec && (e >> 10 & 1)) ? 8u : 0u);
		if (!rt)
			continue;
		uint64_t l2 = base | ((uint64_t)i << (12 + 9 * (level - 1)));
		if (level == 1 || ((e >> 7) & 1)) {
			if (level > 3)
				FAIL("EPT02 large page at level %u", level);
			leaves_seen++;
			check_leaf(ri, l2, e, level, rights & rt);
			continue;
		}
		const uint64_t *child = refhost_page_va(&h, e);
		if (!child)
			FAIL("EPT02 non-leaf entry names a page the host never gave: %#llx",
			     (unsigned long long)e);
		check_table(ri, child, level - 1, l2, rights & rt);
	}
}

NO_COVERAGE static void check_all(void)
{
	for (unsigned i = 0; i < nroots; i++)
		roots[i].eptp02 = roots[i].slot < 0 ? refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER)
		                                    : list_page[roots[i].slot];
	for (unsigned i = 0; i < nroots; i++) {
		/* The same root seen the same way is checked once. */
		bool seen = false;
		for (unsigned j = 0; j < i && !seen; j++)
			seen = roots[j].eptp02 == roots[i].eptp02 && roots[j].eptp12 == roots[i].eptp12 &&
			       roots[j].mbec == roots[i].mbec;
		if (seen)
			continue;
		const uint64_t *t = refhost_page_va(&h, roots[i].eptp02);
		if (!t)
			FAIL("live EPTP02 %#llx names no host page", (unsigned long long)roots[i].eptp02);
		check_table(&roots[i], t, (unsigned)((roots[i].eptp02 >> 3) & 7) + 1, 0,
		            roots[i].mbec ? 15u : 7u);
	}
}

/* ---- the L1 and L2 actions ---- */

static unsigned outcomes[8];
static uint64_t cur_eptp12;
static bool cur_mbec, have_root;

static uint64_t pick_eptp(struct fuzz_src *in)
{
	uint64_t b = fuzz_take(in, 1);
	uint64_t root = TBL_BASE + 4096 * (b & 3);
	unsigned levels = (b & 4) ? 5 : 4;
	return root | 6u | ((uint64_t)(levels - 1) << 3) | ((b & 8) ? 1u << 6 : 0);
}

static void set_mbec(bool mbec)
{
	struct nvmx_vmcs12 *s = h.vcpu->cur;
	s->f[NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL] = NVMX_PROC_SECONDARY_CONTROLS;
	s->f[NVMX_IDX_SECONDARY_VM_EXEC_CONTROL] =
		NVMX_PROC2_EPT | (mbec ? NVMX_PROC2_MODE_BASED_EPT_EXEC : 0);
	refhost_vmcs02_set(&h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_SECONDARY_CONTROLS);
	refhost_vmcs02_set(&h, NVMX_F_SECONDARY_VM_EXEC_CONTROL,
	                   NVMX_PROC2_EPT | (mbec ? NVMX_PROC2_MODE_BASED_EPT_EXEC : 0));
}

static void enter(uint64_t eptp12, bool mbec)
{
	set_mbec(mbec);
	uint64_t eptp02;
	enum nvmx_status s = nvmx_ept_root(h.vcpu, eptp12, &eptp02);
	if (s != NVMX_STATUS_OK) {
		/* The VM entry fails: L2 does not run until one succeeds. */
		have_root = false;
		nroots = 0;
		list_active = false;
		return;
	}
	refhost_vmcs02_set(&h, NVMX_F_EPT_POINTER, eptp02);
	cur_eptp12 = eptp12;
	cur_mbec = mbec;
	have_root = true;
	/* The live roots: this one, and the EPTP list's (rebuilt on switches). */
	roots[0] = (struct root_info){ eptp02, eptp12, mbec, -1 };
	if (nroots == 0)
		nroots = 1;
}

static uint64_t pick_l2(struct fuzz_src *in)
{
	uint64_t b = fuzz_take(in, 3);
	/* Few indices per level so that walks meet the tables L1 wrote. */
	uint64_t l2 = ((b & 1) << 39) | (((b >> 1) & 1) << 30) | (((b >> 2) & 3) << 21) |
	              (((b >> 4) & 7) << 12) | ((b >> 7) & 0xfff);
	if (b & (1u << 20))
		l2 |= 1ull << 48;
	if (!(b & (1u << 21)))
		l2 &= 0x1fffff;   /* mostly where the start-up tables map */
	return l2;
}

static uint64_t pick_entry(struct fuzz_src *in)
{
	uint64_t b = fuzz_take(in, 3);
	uint64_t flags = b & 0xff;          /* rights, memtype, ipat, large */
	if (b & 0x100)
		flags |= 1u << 10;
	uint64_t addr;
	switch ((b >> 9) & 3) {
	case 0:
	case 1:
		addr = TBL_BASE + 4096 * ((b >> 11) % NTBL);
		flags &= ~0xf8ull;         /* a plausible non-leaf */
		if (b & 0x200000)
			flags |= 0x80;
		break;
	case 2:
		addr = ((b >> 11) & 7) << 21;  /* 2M-aligned data */
		break;
	default:
		addr = ((b >> 11) & 0x7ff) << 12;
		if (b & 0x400000)
			addr |= 1ull << 45;    /* beyond MAXPHYADDR or unbacked */
		break;
	}
	return addr | flags;
}

static void load_list(void);

/* L1's INVEPT, then the VM entry that runs L2 again: the merge hands VMCS02
 * the live root (and rebuilds the EPTP list), which is what the hardware
 * walks afterwards. Retired roots are never walked again by this vCPU. */
static void resume(void)
{
	if (!have_root)
		return;
	enter(cur_eptp12, cur_mbec);
	if (list_active)
		load_list();
}

static void invept(uint64_t type, uint64_t eptp12)
{
	nvmx_ept_invept(h.vcpu, type, eptp12);
	resume();
}

/* Four INVEPTs, then one VM entry. */
static void invept_every_root(void)
{
	for (unsigned k = 0; k < 4; k++)
		nvmx_ept_invept(h.vcpu, 1, TBL_BASE + 4096 * k);
	resume();
}

static void l2_step(struct fuzz_src *in)
{
	if (!have_root)
		return;
	uint64_t l2 = pick_l2(in);
	unsigned b = (unsigned)fuzz_take(in, 1);
	unsigned acc = (b & 3) == 0 ? REFHOST_L2_READ : (b & 3) == 1 ? REFHOST_L2_WRITE
	                                                             : REFHOST_L2_EXEC;
	if (b & 4)
		acc |= REFHOST_L2_USER;
	if ((b & 0x18) == 0x18 && (acc & REFHOST_L2_READ))
		acc |= REFHOST_L2_GPAGING;  /* the processor reads a guest paging entry */
	bool ad = (cur_eptp12 >> 6) & 1;
	struct two w = walk12(cur_eptp12, cur_mbec, l2);
	uint64_t hpa = 0;
	int res = -1;
	struct nvmx_ept_outcome o;
	memset(&o, 0, sizeof(o));
	for (int i = 0; i < 4; i++) {
		struct refhost_l2_exit ex;
		enum refhost_l2_result r = refhost_l2_access(&h, l2, acc, &hpa, &ex);
		if (r == REFHOST_L2_OK) {
			res = -1;
			break;
		}
		if (r != REFHOST_L2_EPT_VIOLATION)
			FAIL("hardware model: EPT02 gives %d at L2 %#llx", r, (unsigned long long)l2);
		enum nvmx_status fst = nvmx_ept_fault(h.vcpu, l2, ex.qualification, 0, &o);
		if (fst == NVMX_STATUS_BUDGET_EXCEEDED) {
			/* A named refusal, allowed only when the budget is full of
			 * pages that cannot go: pinned roots (VMCS02's, the EPTP
			 * list's) and the walk's own path (at most 5 levels). */
			struct nvmx_ept_stats st;
			nvmx_vm_get_ept_stats(h.vm, &st);
			if (st.pages + 5 < st.budget_pages)
				FAIL("BUDGET_EXCEEDED with %llu of %llu pages held",
				     (unsigned long long)st.pages, (unsigned long long)st.budget_pages);
			outcomes[6]++;
			return;
		}
		if (fst != NVMX_STATUS_OK) {
			res = 99;
			break;
		}
		res = (int)o.kind;
		if (o.kind != NVMX_EPT_MAPPED)
			break;
		res = 98;
	}
	outcomes[res == -1 ? 0 : res >= 0 && res < 5 ? res + 1 : 6]++;
	/* The outcome must agree with the independent walk. */
	unsigned need = (acc & 3) | ((acc & 4) ? ((cur_mbec && (acc & REFHOST_L2_USER)) ? 8u : 4u) : 0);
	if (ad && (acc & REFHOST_L2_GPAGING))
		need |= 2;  /* SDM 29.3.3.2: a write with EPT A/D */
	switch (w.st) {
	case W_UNBACKED:
		if (res != NVMX_EPT_L0)
			FAIL("EPT12 table unbacked but outcome %d", res);
		return;
	case W_MISCONF:
		if (res != NVMX_EPT_REFLECT_MISCONFIG)
			FAIL("EPT12 misconfigured at %#llx but outcome %d", (unsigned long long)l2, res);
		return;
	case W_NP:
		if (res != NVMX_EPT_REFLECT_VIOLATION)
			FAIL("EPT12 not present at %#llx but outcome %d", (unsigned long long)l2, res);
		return;
	default:
		break;
	}
	if ((w.rights & need) != need) {
		if (res != NVMX_EPT_REFLECT_VIOLATION)
			FAIL("EPT12 denies %#x at %#llx but outcome %d", need, (unsigned long long)l2, res);
		if (((o.qualification >> 3) & 7) != (w.rights & 7))
			FAIL("violation qualification rights %#llx != EPT12 %#x",
			     (unsigned long long)o.qualification, w.rights);
		return;
	}
	uint64_t hpa01;
	unsigned r01;
	bool backed = ept01(w.l1, &hpa01, &r01);
	/* L0's EPT01 has no mode-based execute: an execute of either kind
	 * (bit 2 supervisor, bit 3 user under L1's MBEC) needs its X bit. */
	unsigned need01 = (need & 3u) | ((need & 0xcu) ? 4u : 0u);
	if (!backed || (need01 & ~r01)) {
		if (res != NVMX_EPT_L0)
			FAIL("EPT01 refuses L1 %#llx but outcome %d", (unsigned long long)w.l1, res);
		return;
	}
	if (res != -1)
		FAIL("allowed access to %#llx ended with %d", (unsigned long long)l2, res);
	if (hpa != hpa01 + (w.l1 & 0xfff))
		FAIL("access hpa %#llx != composition %#llx", (unsigned long long)hpa,
		     (unsigned long long)(hpa01 + (w.l1 & 0xfff)));
}

static void l1_edit(struct fuzz_src *in)
{
	uint64_t b = fuzz_take(in, 2);
	uint64_t table = TBL_BASE + 4096 * (b % NTBL);
	unsigned idx = (unsigned)((b >> 6) & 7);
	if (b & 0x8000)
		idx = (unsigned)((b >> 6) & 511);
	uint64_t e = pick_entry(in);
	if (wp_mode) {
		/* L0's write fault handler tells the library: no INVEPT needed. */
		l1_store64(table + 8 * idx, e);
	} else {
		l1_w64(table + 8 * idx, e);
		/* A correct L1 invalidates every EPTP that may use the table. */
		if (b & 0x4000)
			invept(2, 0);
		else
			invept_every_root();
	}
}

static void l0_change(struct fuzz_src *in)
{
	uint64_t b = fuzz_take(in, 3);
	uint64_t gpa = (b & 0x7ff) << 12;
	if (b & (1u << 23))
		gpa = 0x200000 + ((b & 0x1ff) << 12);  /* where the start-up tables map */
	uint64_t len = (((b >> 11) & 0x1f) + 1) << 12;
	unsigned kind = (b >> 16) & 3;
	enum nvmx_mem_change ch;
	bool ok;
	if (kind == 0) {
		ok = refhost_range_add(&h, REFHOST_RANGE_MAP, gpa, len,
		                       0x4000000000ull + (((b >> 18) & 0xf) << 21),
		                       (uint8_t)(1u | ((b >> 21) & 6u)));
		ch = NVMX_MEM_REMAPPED;
	} else if (kind == 1) {
		ok = refhost_range_add(&h, REFHOST_RANGE_UNMAP, gpa, len, 0, 0);
		ch = NVMX_MEM_BALLOONED;
	} else if (kind == 2) {
		ok = refhost_range_add(&h, REFHOST_RANGE_MMIO, gpa, len, 0, 0);
		ch = NVMX_MEM_UNMAPPED;
	} else {
		uint64_t hpa;
		unsigned r;
		/* Reduced rights of whatever backs it now. */
		ok = ept01(gpa, &hpa, &r) &&
		     refhost_range_add(&h, REFHOST_RANGE_MAP, gpa, 4096, hpa, (uint8_t)(r & 5u));
		len = 4096;
		ch = NVMX_MEM_READ_ONLY;
	}
	if (ok && nvmx_vm_notify_l1_mem_changed(h.vm, gpa, len, ch) != NVMX_STATUS_OK)
		FAIL("l1_mem_changed refused a valid range");
}

static void eptp_list(struct fuzz_src *in)
{
	if (!have_root)
		return;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = fuzz_take(in, 1) & 0x10 ? 0x12345001ull : pick_eptp(in);
		l1_w64(LIST_GPA + 8 * i, e);
	}
	list_active = true;
	load_list();
}

static void load_list(void)
{
	uint64_t hpa;
	nroots = 1;
	if (nvmx_ept_eptp_list(h.vcpu, LIST_GPA, &hpa) != NVMX_STATUS_OK) {
		list_active = false;
		return;
	}
	const uint64_t *l = refhost_page_va(&h, hpa);
	if (!l)
		FAIL("EPTP list page is no host page");
	list_page = l;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e12 = refhost_mem_r64(&h, LIST_GPA + 8 * i);
		if (!l[i])
			continue;
		if (!nvmx_ept_eptp_valid(h.vm, e12))
			FAIL("EPTP list entry %u valid in EPT02 but not in L1's list", i);
		roots[nroots++] = (struct root_info){ l[i], e12, cur_mbec, (int)i };
	}
}

static void vpid_step(struct fuzz_src *in)
{
	uint64_t b = fuzz_take(in, 2);
	bool flush;
	if (b & 1) {
		uint16_t v02 = nvmx_vpid_for_entry(h.vcpu, (b & 2) != 0, (uint16_t)((b >> 2) & 7), &flush);
		if (v02 < 0xff00)
			FAIL("VPID02 %u outside the pool", v02);
	} else {
		nvmx_vpid_invvpid(h.vcpu, (b >> 1) & 3, (uint16_t)((b >> 3) & 7), 0x1000);
	}
}

/*
 * The reference host is built once and reset for every input, into the state
 * refhost_init() gives: allocating (and, under ASan, poisoning) 8 MiB of L1
 * memory for each input was most of the run time. The VM and vCPU are
 * created anew with the input's configuration, and destroyed (with any
 * shadow page still held) at the end of the input, so that an input frees
 * what it allocates and libFuzzer's leak detection stays quiet and cheap.
 */
static bool reset_host(const struct nvmx_vm_config *cfg)
{
	if (!h.mem) {
		if (refhost_init(&h, MEM, cfg) != NVMX_STATUS_OK)
			return false;
		h.log_writes = true;
		return true;
	}
	/* Every write the library made is logged, or the log overflowed. */
	bool log_whole = h.nwrites < REFHOST_MAX_WRITES;
	for (unsigned i = 0; i < h.nwrites; i++)
		mark_dirty(h.writes[i].gpa, h.writes[i].len);
	if (!log_whole)
		memset(h.mem, 0, MEM);
	for (unsigned p = 0; p < MEM >> 12; p++) {
		if (dirty[p] && log_whole)
			memset(h.mem + ((uint64_t)p << 12), 0, 4096);
		dirty[p] = 0;
	}
	struct refhost keep = h;
	memset(&h, 0, sizeof(h));
	h.mem = keep.mem;
	h.mem_size = keep.mem_size;
	h.vmcs02 = keep.vmcs02;
	h.l1 = keep.l1;
	h.pages = keep.pages;
	h.pages_cap = keep.pages_cap;
	h.page_index = keep.page_index;
	h.page_pos = keep.page_pos;
	h.page_index_cap = keep.page_index_cap;
	h.wp_bits = keep.wp_bits;
	h.ops = keep.ops;
	h.next_page_hpa = REFHOST_PAGE_HPA_BASE;
	h.log_writes = true;
	memset(h.vmcs02, 0, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
	memset(h.l1, 0, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
	if (h.page_index)
		memset(h.page_index, 0, h.page_index_cap * sizeof(*h.page_index));
	if (h.wp_bits)
		memset(h.wp_bits, 0, (size_t)(MEM >> 15) + 1);
	refhost_l1_long_mode(&h);
	if (nvmx_vm_create(cfg, &h.ops, &h, &h.vm) != NVMX_STATUS_OK)
		abort();
	if (nvmx_vcpu_create(h.vm, &h, &h.vcpu) != NVMX_STATUS_OK)
		abort();
	return true;
}

static void release_vm(void)
{
	if (h.vcpu)
		nvmx_vcpu_destroy(h.vcpu);
	if (h.vm)
		nvmx_vm_destroy(h.vm);
	h.vcpu = NULL;
	h.vm = NULL;
	for (unsigned i = 0; i < h.npages; i++)
		free(h.pages[i].va);
	h.npages = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src in = { data, size };
	uint64_t cfgb = fuzz_take(&in, 1);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.shadow_ept_budget = (8 + (cfgb & 0x3f)) * 4096ull;
	wp_mode = (cfgb & 0x40) != 0;
	if (wp_mode)
		cfg.flags |= NVMX_VM_WRITE_PROTECT_EPT12;
	if (!reset_host(&cfg))
		return 0;
	maxphy = nvmx_vm_maxphyaddr(h.vm);
	struct nvmx_vmcs12 *s = NULL;
	if (nvmx_vmcs12_load(h.vcpu, VMCS12_GPA, &s) != NVMX_STATUS_OK) {
		release_vm();
		return 0;
	}
	h.vcpu->cur = s;
	nroots = 0;
	have_root = false;
	list_active = false;
	/* A plausible start: each candidate root maps something. */
	for (unsigned k = 0; k < 4; k++) {
		l1_w64(TBL_BASE + 4096 * k, (TBL_BASE + 4096 * (4 + k)) | 7);
		l1_w64(TBL_BASE + 4096 * (4 + k), (TBL_BASE + 4096 * (8 + k)) | 7);
		l1_w64(TBL_BASE + 4096 * (8 + k), 0x200000 | 0x80 | 0x37);
	}
	enter(pick_eptp(&in), cfgb & 0x80);
	for (unsigned step = 0; step < 256 && in.n; step++) {
		switch (fuzz_take(&in, 1) % 8) {
		case 0:
		case 1:
		case 2:
			l2_step(&in);
			break;
		case 3:
			l1_edit(&in);
			break;
		case 4:
			l0_change(&in);
			break;
		case 5: {
			uint64_t b = fuzz_take(&in, 1);
			nroots = 1;  /* a new VMCS12 EPTP: the merge drops the old list */
			list_active = false;
			enter(pick_eptp(&in), b & 1);
			break;
		}
		case 6:
			if (fuzz_take(&in, 1) & 1)
				eptp_list(&in);
			else
				vpid_step(&in);
			break;
		default:
			if (fuzz_take(&in, 1) & 1)
				invept(2, 0);
			else
				invept(1, pick_eptp(&in));
			break;
		}
		check_all();
	}
	if (getenv("FUZZ_EPT_STATS"))
		fprintf(stderr, "leaves checked %u; access ok %u mapped %u viol %u misconf %u l0 %u retry %u other %u\n",
		        leaves_seen, outcomes[0], outcomes[1], outcomes[2], outcomes[3], outcomes[4],
		        outcomes[5], outcomes[6]);
	release_vm();
	return 0;
}
