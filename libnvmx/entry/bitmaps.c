/* SPDX-License-Identifier: MIT */
/*
 * MSR- and I/O-bitmap merges into library pages (SDM 25.6.4, 25.6.9): an
 * access exits under VMCS02 if L0 or L1 wants it to. Pages are allocated
 * once per vCPU through ops.page_alloc; a merge is cached and redone only
 * when L1's bitmap address or controls change, the policy changes, or the
 * host reports that L1's page changed (nvmx_vcpu_notify_l1_page_changed) or L0
 * changed its backing of any L1 memory (nvmx_vm_notify_l1_mem_changed). With
 * NVMX_L0_HASH_L1_BITMAPS the library instead re-reads L1's page at every
 * entry and compares an XXH3 hash.
 */
#include "entry_int.h"
#include "../apic/emulate.h"
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack: no allocation */
#include <xxhash.h>

#define PAGE 4096u
/* src_gpa of a page built from L0's bitmap alone. */
#define SRC_L0_ONLY (~0ull - 1u)

static enum nvmx_status page_get(struct nvmx_vcpu *v, struct nvmx_merged_page *p)
{
	if (p->va)
		return NVMX_STATUS_OK;
	void *va;
	uint64_t hpa;
	enum nvmx_status st = nvmx_host_page_alloc(&v->vm->ops, v->host, &va, &hpa);
	if (st != NVMX_STATUS_OK)
		return st == NVMX_STATUS_NO_MEMORY ? st : NVMX_STATUS_HOST_FAILURE;
	p->va = va;
	p->hpa = hpa;
	p->valid = false;
	p->src_gpa = NVMX_NO_VMPTR;
	return NVMX_STATUS_OK;
}

static void or_page(uint8_t *dst, const uint8_t *l0)
{
	if (!l0)
		return;
	for (unsigned i = 0; i < PAGE; i += 8) {
		uint64_t a, b;
		nvmx_memcpy(&a, dst + i, 8);
		nvmx_memcpy(&b, l0 + i, 8);
		a |= b;
		nvmx_memcpy(dst + i, &a, 8);
	}
}

/* Whether an L1 page L0 does not back refuses the entry (the policy flag)
 * instead of reading as all ones. */
static bool refuse_unbacked(struct nvmx_vcpu *v)
{
	return nvmx_entry_policy(v)->flags & NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES;
}

/*
 * x2APIC MSRs (800H-8FFH) VMCS02 must intercept whatever L0's and L1's
 * bitmaps say: every access the processor does not virtualize under
 * VMCS02's controls (which are L1's here) operates on the physical x2APIC
 * (SDM 30.5), which is L0's. KVM shipped this as CVE-2019-3887. Without
 * "virtualize x2APIC mode", nothing is virtualized; with it, RDMSR of 808H
 * (TPR) is, every RDMSR of the range with APIC-register virtualization, and
 * WRMSR of 808H, plus 80BH (EOI) and 83FH (SELF IPI) with virtual-interrupt
 * delivery; in NVMX_L0_EMULATE_APIC_VIRT mode VMCS02 has no such
 * control, so every access exits. The value is a key: a merged page is rebuilt when it changes.
 */
#define X2APIC_FORCE 1u          /* force some exits */
#define X2APIC_READS_VIRT 2u     /* every read virtualized */
#define X2APIC_TPR_VIRT 4u       /* TPR read and write virtualized */
#define X2APIC_EOI_SELF_VIRT 8u  /* EOI and SELF IPI writes virtualized */
#define X2APIC_BYTE 0x100u       /* 800H / 8: first byte of the range in a quarter */
#define X2APIC_BYTES 32u

static uint32_t x2apic_forced(const struct nvmx_entry_ctx *x)
{
	uint32_t k = X2APIC_FORCE;
	/* NVMX_L0_EMULATE_APIC_VIRT: VMCS02 virtualizes nothing, every one exits. */
	if (!(x->proc2 & NVMX_PROC2_VIRT_X2APIC) || nvmx_apic_emulated(x->v))
		return k;
	k |= X2APIC_TPR_VIRT;
	if (x->proc2 & NVMX_PROC2_APIC_REG_VIRT)
		k |= X2APIC_READS_VIRT;
	if (x->proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY)
		k |= X2APIC_EOI_SELF_VIRT;
	return k;
}

static void clear_bit(uint8_t *q, uint32_t msr)
{
	q[(msr & 0x1fffu) / 8u] &= (uint8_t)~(1u << (msr % 8u));
}

static void force_x2apic(uint8_t *page, uint32_t k)
{
	uint8_t *rd = page + X2APIC_BYTE, *wr = page + 2048u + X2APIC_BYTE;
	if (!(k & X2APIC_READS_VIRT)) {
		nvmx_memset(rd, 0xff, X2APIC_BYTES);
		if (k & X2APIC_TPR_VIRT)
			clear_bit(page, 0x808u);
	}
	nvmx_memset(wr, 0xff, X2APIC_BYTES);
	if (k & X2APIC_TPR_VIRT)
		clear_bit(page + 2048u, 0x808u);
	if (k & X2APIC_EOI_SELF_VIRT) {
		clear_bit(page + 2048u, 0x80bu);
		clear_bit(page + 2048u, 0x83fu);
	}
}

/* With the hash: read L1's page piece by piece, hash each piece and store
 * it, ORed with L0's, into the merged page at once. The bytes merged are
 * the bytes hashed: reading twice (once to hash, once to merge) would let
 * another L1 vCPU change the page in between and leave a merged page that
 * a later, matching hash keeps (the CVE-2021-29657 class). */
static enum nvmx_status read_hashed(struct nvmx_entry_ctx *x, struct nvmx_merged_page *p,
                                    uint64_t gpa, const uint8_t *l0, uint32_t field, uint64_t *h)
{
	XXH3_state_t st3;
	XXH3_INITSTATE(&st3);
	XXH3_64bits_reset(&st3);
	uint8_t piece[512];
	for (unsigned off = 0; off < PAGE; off += sizeof(piece)) {
		enum nvmx_status st = nvmx_gpa_read(x->v, gpa + off, piece, sizeof(piece));
		if (st == NVMX_STATUS_NOT_MAPPED) {
			if (refuse_unbacked(x->v)) {
				p->valid = false;
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_ADDR_NOT_BACKED, field);
			}
			nvmx_memset(piece, 0xff, sizeof(piece));
			st = NVMX_STATUS_OK;
		}
		if (st != NVMX_STATUS_OK) {
			p->valid = false;
			return NVMX_STATUS_HOST_FAILURE;
		}
		XXH3_64bits_update(&st3, piece, sizeof(piece));
		if (l0)
			for (unsigned i = 0; i < sizeof(piece); i++)
				piece[i] |= l0[off + i];
		nvmx_memcpy(p->va + off, piece, sizeof(piece));
	}
	*h = XXH3_64bits_digest(&st3);
	return NVMX_STATUS_OK;
}

/*
 * Build `p` from L1's page at `gpa` (or from nothing when gpa is
 * SRC_L0_ONLY) OR L0's page `l0`, then the forced exits `forced` (MSR
 * bitmap only, 0 for none). A page L0 does not back reads as all ones, as a
 * physical read that hits no memory does: every access it governs exits.
 * With NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES it sets x->reason instead.
 */
static enum nvmx_status merge(struct nvmx_entry_ctx *x, struct nvmx_merged_page *p, uint64_t gpa,
                              const uint8_t *l0, uint32_t field, uint32_t forced)
{
	struct nvmx_vcpu *v = x->v;
	const bool hash = nvmx_entry_policy(v)->flags & NVMX_L0_HASH_L1_BITMAPS;
	NVMX_CHECK(page_get(v, p));
	const uint64_t map_gen = nvmx_atomic_load(&v->vm->map_gen);
	const bool same = p->valid && p->src_gpa == gpa && p->map_gen == map_gen &&
	                  p->forced == forced;
	if (same && !(hash && gpa != SRC_L0_ONLY))
		return NVMX_STATUS_OK;
	if (gpa == SRC_L0_ONLY) {
		nvmx_memset(p->va, 0, PAGE);
		or_page(p->va, l0);
	} else if (hash) {
		uint64_t h = 0;
		NVMX_CHECK(read_hashed(x, p, gpa, l0, field, &h));
		if (x->reason)
			return NVMX_STATUS_OK;
		/* Rebuilt either way; counted as a merge only when it changed. */
		if (!same || p->hash != h)
			v->entry.merges++;
		p->hash = h;
		if (forced)
			force_x2apic(p->va, forced);
		p->src_gpa = gpa;
		p->map_gen = map_gen;
		p->forced = forced;
		p->valid = true;
		return NVMX_STATUS_OK;
	} else {
		enum nvmx_status st = nvmx_gpa_read(v, gpa, p->va, PAGE);
		if (st == NVMX_STATUS_NOT_MAPPED) {
			p->valid = false;
			if (refuse_unbacked(v))
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_ADDR_NOT_BACKED, field);
			/* A page partly backed is not a case: EPT01 backs or not
			 * in units of at least 4 KiB. */
			nvmx_memset(p->va, 0xff, PAGE);
			nvmx_trace(v, NVMX_TRACE_ENTRY, NVMX_REASON_ENTRY_CTL_UNBACKED_READS_ONES,
			           NVMX_REASON_ENTRY_CTL_UNBACKED_READS_ONES, field);
			st = NVMX_STATUS_OK;
		}
		if (st != NVMX_STATUS_OK) {
			p->valid = false;
			return NVMX_STATUS_HOST_FAILURE;
		}
		p->hash = 0;
		or_page(p->va, l0);
	}
	if (forced)
		force_x2apic(p->va, forced);
	p->src_gpa = gpa;
	p->map_gen = map_gen;
	p->forced = forced;
	p->valid = true;
	v->entry.merges++;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_bitmaps_msr(struct nvmx_entry_ctx *x, bool *use, uint64_t *hpa)
{
	*use = false;
	*hpa = 0;
	/* Without L1's MSR bitmaps every MSR access exits (SDM 25.6.9): VMCS02
	 * then uses none either. */
	if (!(x->proc & NVMX_PROC_USE_MSR_BITMAPS))
		return NVMX_STATUS_OK;
	struct nvmx_merged_page *p = &x->v->entry.msr;
	NVMX_CHECK(merge(x, p, V12(x->s, MSR_BITMAP), nvmx_entry_policy(x->v)->msr_bitmap,
	                 NVMX_F_MSR_BITMAP, x2apic_forced(x)));
	if (x->reason)
		return NVMX_STATUS_OK;
	*use = true;
	*hpa = p->hpa;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_bitmaps_io(struct nvmx_entry_ctx *x, bool *use, bool *uncond,
                                 uint64_t *hpa_a, uint64_t *hpa_b)
{
	const struct nvmx_l0_policy *pol = nvmx_entry_policy(x->v);
	struct nvmx_entry_vcpu *e = &x->v->entry;
	*use = *uncond = false;
	*hpa_a = *hpa_b = 0;
	uint64_t ga, gb;
	/* "Use I/O bitmaps" overrides unconditional I/O exiting (SDM 25.6.4). */
	if (x->proc & NVMX_PROC_USE_IO_BITMAPS) {
		ga = V12(x->s, IO_BITMAP_A);
		gb = V12(x->s, IO_BITMAP_B);
	} else if (x->proc & NVMX_PROC_UNCOND_IO_EXITING) {
		*uncond = true;
		return NVMX_STATUS_OK;
	} else if (pol->io_bitmap_a || pol->io_bitmap_b) {
		ga = gb = SRC_L0_ONLY;
	} else {
		return NVMX_STATUS_OK;
	}
	NVMX_CHECK(merge(x, &e->io_a, ga, pol->io_bitmap_a, NVMX_F_IO_BITMAP_A, 0));
	if (x->reason)
		return NVMX_STATUS_OK;
	NVMX_CHECK(merge(x, &e->io_b, gb, pol->io_bitmap_b, NVMX_F_IO_BITMAP_B, 0));
	if (x->reason)
		return NVMX_STATUS_OK;
	*use = true;
	*hpa_a = e->io_a.hpa;
	*hpa_b = e->io_b.hpa;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_bitmaps_unbacked(struct nvmx_entry_ctx *x, uint64_t gpa, uint32_t field,
                                       uint64_t *hpa)
{
	struct nvmx_vcpu *v = x->v;
	if (refuse_unbacked(v))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_ADDR_NOT_BACKED, field);
	NVMX_CHECK(page_get(v, &v->entry.sink));
	/* Refilled at each full entry: what L2 (or the processor for it) wrote
	 * into it under an earlier entry is not read back as memory. */
	nvmx_memset(v->entry.sink.va, 0xff, PAGE);
	nvmx_trace(v, NVMX_TRACE_ENTRY, NVMX_REASON_ENTRY_CTL_UNBACKED_READS_ONES,
	           NVMX_REASON_ENTRY_CTL_UNBACKED_READS_ONES, field);
	*hpa = v->entry.sink.hpa | (gpa & 0xfffull);
	return NVMX_STATUS_OK;
}

void nvmx_bitmaps_invalidate(struct nvmx_vcpu *v)
{
	v->entry.msr.valid = v->entry.io_a.valid = v->entry.io_b.valid = false;
	v->entry.ctl_ok = false;
}

static void page_put(struct nvmx_vcpu *v, struct nvmx_merged_page *p)
{
	if (p->va)
		nvmx_host_page_free(&v->vm->ops, v->host, p->va, p->hpa);
	p->va = NULL;
	p->valid = false;
}

void nvmx_bitmaps_fini(struct nvmx_vcpu *v)
{
	page_put(v, &v->entry.msr);
	page_put(v, &v->entry.io_a);
	page_put(v, &v->entry.io_b);
	page_put(v, &v->entry.sink);
}

NVMX_EXPORT void nvmx_vcpu_notify_l1_page_changed(struct nvmx_vcpu *v, uint64_t gpa)
{
	if (!v)
		return;
	uint64_t page = gpa & ~0xfffull;
	struct nvmx_merged_page *ps[] = { &v->entry.msr, &v->entry.io_a, &v->entry.io_b };
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(ps); i++)
		if (ps[i]->src_gpa == page) {
			ps[i]->valid = false;
			v->entry.ctl_ok = false;
		}
}
