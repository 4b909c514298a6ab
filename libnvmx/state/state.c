/* SPDX-License-Identifier: MIT */
/*
 * Nested state save and restore (nvmx/state.h, docs/nested-state.md).
 *
 * Blob format version 1, little endian, fixed widths:
 *   0   u32 magic "NMXS" (0x53584d4e)
 *   4   u16 format version (1)
 *   6   u16 header size: 64 + 16 * number of capability records
 *   8   u32 library version (NVMX_VERSION_NUMBER of the writer)
 *   12  u32 flags (bit 0: the VMCS12 contents are in L1 memory)
 *   16  u64 total size of the blob
 *   24  u64 XXH64 (seed 0) of the whole blob with these 8 bytes zero
 *   32  u32 number of sections (at most 16)
 *   36  u32 number of capability records (at most 20)
 *   40  u8  MAXPHYADDR L1 was offered; 41..63 reserved, zero
 *   64  capability records: u32 MSR index, u32 zero, u64 value offered to L1
 *   then the section directory: per section u32 type, u32 flags (bit 0:
 *   mandatory), u64 offset, u64 length; then the section payloads.
 * Sections: 1 vCPU (64 bytes), 2 VMCS12s, 3 L2 (40 bytes, present exactly
 * when L2 has run since its last entry), 4 L0 policy (optional: u32 count,
 * u32 zero, then per item u32 item number (NVMX_STATE_POLICY_*), u32 flags
 * (bit 0 checked, bit 1 present: L0's bitmaps only), u64 value). A reader skips an unknown section
 * without the mandatory bit and refuses one with it.
 */
#include "../core.h"
#include "../exit/exit.h"
#include "../entry/entry.h"
#include "../ept/ept.h"
#include <nvmx/state.h>
#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t on the stack: no allocation */
#include <xxhash.h>

#define ST_MAGIC 0x53584d4eu
#define ST_VM_MAGIC 0x56584d4eu     /* "NMXV": a VM blob */
#define ST_HDR 64u
#define ST_CAP_REC 16u
#define ST_DIR_REC 24u
#define ST_MAX_SECTIONS 16u
#define ST_FLAG_IN_MEMORY 1u
#define ST_SEC_MANDATORY 1u

enum { SEC_VCPU = 1, SEC_VMCS12 = 2, SEC_L2 = 3, SEC_POLICY = 4 };

#define VCPU_LEN 64u
#define L2_LEN 40u
#define VMCS12_SEC_HDR 8u
#define REC_HDR 24u
#define FIELD_REC 12u

/* ---- little-endian access ---- */

static void put8(uint8_t *p, uint8_t x) { p[0] = x; }
static void put16(uint8_t *p, uint16_t x) { p[0] = (uint8_t)x; p[1] = (uint8_t)(x >> 8); }
static void put32(uint8_t *p, uint32_t x)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}
static void put64(uint8_t *p, uint64_t x)
{
	put32(p, (uint32_t)x);
	put32(p + 4, (uint32_t)(x >> 32));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (unsigned)p[1] << 8); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- sizes ---- */

/* ---- the L0-policy section ---- */

#define POL_SEC_HDR 8u
#define POL_REC 16u
#define POL_NITEMS 20u          /* items this version writes */
#define POL_MAX_RECORDS 64u     /* records a reader accepts */
#define POL_CHECKED 1u
#define POL_PRESENT 2u

struct pol_item {
	uint32_t item, flags;
	uint64_t value;
};

static uint64_t page_digest(const uint8_t *page)
{
	return page ? XXH64(page, 4096, 0) : 0;
}

/* The items that name a 4 KiB page: a presence bit and a digest. */
static bool pol_is_page(uint32_t item)
{
	return (item >= NVMX_STATE_POLICY_MSR_BITMAP && item <= NVMX_STATE_POLICY_IO_BITMAP_B) ||
	       item == NVMX_STATE_POLICY_L1_MSR_BITMAP;
}

/* The policy as the section's items, in item order (o[k] is item k + 1). */
static void policy_items(const struct nvmx_l0_policy *p, struct pol_item o[POL_NITEMS])
{
	const uint32_t C = POL_CHECKED;
	const uint8_t *page[POL_NITEMS + 1u] = { 0 };
	page[NVMX_STATE_POLICY_MSR_BITMAP] = p->msr_bitmap;
	page[NVMX_STATE_POLICY_IO_BITMAP_A] = p->io_bitmap_a;
	page[NVMX_STATE_POLICY_IO_BITMAP_B] = p->io_bitmap_b;
	page[NVMX_STATE_POLICY_L1_MSR_BITMAP] = p->l1_msr_bitmap;
	uint64_t val[POL_NITEMS] = { p->flags, p->pin_set, p->proc_set, p->proc2_set,
		                     p->exit_set, p->entry_set, p->exception_bitmap,
		                     p->cr0_mask, p->cr4_mask, 0, 0, 0, p->tsc_offset,
		                     p->tsc_multiplier, p->eptp01, p->vpid01, p->l1_flags,
		                     p->l1_cr0_mask, p->l1_cr4_mask, 0 };
	for (uint32_t k = 0; k < POL_NITEMS; k++) {
		uint32_t item = k + 1u;
		uint32_t f = item <= NVMX_STATE_POLICY_IO_BITMAP_B ? C : 0;
		if (pol_is_page(item)) {
			val[k] = page_digest(page[item]);
			if (page[item])
				f |= POL_PRESENT;
		}
		o[k] = (struct pol_item){ item, f, val[k] };
	}
}

/* The policy in force on v, without installing the default as a side
 * effect (a refused restore changes nothing). */
static const struct nvmx_l0_policy *policy_of(const struct nvmx_vcpu *v,
                                              struct nvmx_l0_policy *def)
{
	if (v->entry.have_policy)
		return &v->entry.pol;
	nvmx_l0_policy_default(def);
	return def;
}

static size_t max_size(uint32_t ncache)
{
	return ST_HDR + NVMX_CAP_MSR_COUNT * ST_CAP_REC + 4u * ST_DIR_REC + VCPU_LEN + L2_LEN +
	       POL_SEC_HDR + POL_NITEMS * POL_REC +
	       VMCS12_SEC_HDR + (size_t)ncache * (REC_HDR + (size_t)NVMX_FIELD_COUNT * FIELD_REC);
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_state_size(const struct nvmx_vcpu *v, uint32_t flags,
                                                  size_t *size)
{
	if (!v || !size || (flags & ~NVMX_STATE_FLUSH_VMCS12))
		return NVMX_STATUS_INVALID_ARGUMENT;
	*size = max_size(v->ncache);
	return NVMX_STATUS_OK;
}

/* Whether field idx travels in a blob: it exists for L1 and is not zero. */
static bool field_saved(const struct nvmx_caps *c, const struct nvmx_vmcs12 *s, unsigned idx)
{
	return s->f[idx] != 0 && nvmx_caps_has(c, nvmx_field_table[idx].feature);
}

static uint64_t checksum(const uint8_t *b, size_t len)
{
	/* The checksum field counts as zero: hash around it. */
	XXH64_state_t st;
	XXH64_reset(&st, 0);
	static const uint8_t zero[8];
	XXH64_update(&st, b, 24);
	XXH64_update(&st, zero, 8);
	XXH64_update(&st, b + 32, len - 32);
	return XXH64_digest(&st);
}

/* ---- save ---- */

/* L2 has run since its entry: its state is in VMCS02. Bring VMCS12 up to
 * date as a VM exit would (SDM 28.3), and read what an exit would not keep
 * but a resumed L2 needs: an event L0 armed for re-injection and the
 * preemption timer's remaining value. */
struct l2_live {
	uint64_t intr_info, error_code, insn_len;
	uint64_t timer_valid, timer;
};

static enum nvmx_status sync_l2(struct nvmx_vcpu *v, struct l2_live *l2)
{
	struct nvmx_l2_exit none;
	nvmx_memset(&none, 0, sizeof(none));
	none.size = sizeof(none);
	nvmx_exit_sync_guest(v, &none);
	NVMX_CHECK(nvmx_sync_lazy_all(v));
	static const uint32_t enc[] = { NVMX_F_VM_ENTRY_INTR_INFO_FIELD,
	                                NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE,
	                                NVMX_F_VM_ENTRY_INSTRUCTION_LEN,
	                                NVMX_F_PIN_BASED_VM_EXEC_CONTROL,
	                                NVMX_F_VMX_PREEMPTION_TIMER_VALUE };
	uint64_t val[NVMX_ARRAY_SIZE(enc)];
	nvmx_vmcs02_read_n(v, enc, val, NVMX_ARRAY_SIZE(enc));
	l2->intr_info = val[0] & 0xffffffffull;
	l2->error_code = val[1] & 0xffffffffull;
	l2->insn_len = val[2] & 0xffffffffull;
	/* The timer runs in VMCS02 only when L1 enabled it and L0 does not
	 * emulate it (entry/merge.c). */
	bool runs = (val[3] & NVMX_PIN_PREEMPTION_TIMER) &&
	            (V12(v->cur, PIN_BASED_VM_EXEC_CONTROL) & NVMX_PIN_PREEMPTION_TIMER);
	l2->timer_valid = runs ? 1 : 0;
	l2->timer = runs ? (val[4] & 0xffffffffull) : 0;
	return NVMX_STATUS_OK;
}

/* The header both blob kinds share (docs/nested-state.md, "Header (64 bytes)"), with
 * the capability records after it; the checksum at offset 24 comes last. */
static void put_header(uint8_t *b, uint32_t magic, size_t hdr, uint32_t flags, uint64_t total,
                       uint32_t nsec, const struct nvmx_caps *c)
{
	put32(b, magic);
	put16(b + 4, NVMX_STATE_FORMAT_VERSION);
	put16(b + 6, (uint16_t)hdr);
	put32(b + 8, NVMX_VERSION_NUMBER);
	put32(b + 12, flags);
	put64(b + 16, total);
	put32(b + 32, nsec);
	put32(b + 36, NVMX_CAP_MSR_COUNT);
	put8(b + 40, c->maxphyaddr);
	for (unsigned i = 0; i < NVMX_CAP_MSR_COUNT; i++) {
		put32(b + ST_HDR + i * ST_CAP_REC, NVMX_CAP_MSR_FIRST + i);
		put64(b + ST_HDR + i * ST_CAP_REC + 8, c->msr[i]);
	}
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_save(struct nvmx_vcpu *v, uint32_t flags, void *buf,
                                            size_t cap, size_t *len)
{
	if (!v || !buf || !len || (flags & ~NVMX_STATE_FLUSH_VMCS12))
		return NVMX_STATUS_INVALID_ARGUMENT;
	*len = 0;
	const struct nvmx_caps *c = &v->vm->caps;
	bool in_memory = flags & NVMX_STATE_FLUSH_VMCS12;
	bool l2_ran = v->vmxon && v->in_l2 && v->cur && !nvmx_sync_as_built(&v->sync);

	/* What the blob holds, and its exact size, before anything changes. */
	struct nvmx_vmcs12 *order[64];
	uint32_t n = 0;
	for (uint32_t i = 0; i < v->ncache && n < 64u; i++)
		if (v->cache[i].gpa != NVMX_NO_VMPTR)
			order[n++] = &v->cache[i];
	/* Oldest first: a restore gives the records increasing LRU stamps. */
	for (uint32_t i = 1; i < n; i++) {
		struct nvmx_vmcs12 *x = order[i];
		uint32_t j = i;
		for (; j > 0 && order[j - 1]->lru > x->lru; j--)
			order[j] = order[j - 1];
		order[j] = x;
	}
	struct l2_live l2;
	nvmx_memset(&l2, 0, sizeof(l2));
	if (l2_ran)
		NVMX_CHECK(sync_l2(v, &l2));
	if (in_memory)
		NVMX_CHECK(nvmx_vmcs12_writeback_dirty(v));

	size_t vmcs_len = VMCS12_SEC_HDR;
	for (uint32_t i = 0; i < n; i++) {
		vmcs_len += REC_HDR;
		if (!in_memory)
			for (unsigned k = 0; k < NVMX_FIELD_COUNT; k++)
				vmcs_len += field_saved(c, order[i], k) ? FIELD_REC : 0;
	}
	uint32_t nsec = l2_ran ? 4u : 3u;
	size_t hdr = ST_HDR + NVMX_CAP_MSR_COUNT * ST_CAP_REC;
	size_t off_vcpu = hdr + nsec * ST_DIR_REC;
	size_t off_vmcs = off_vcpu + VCPU_LEN;
	size_t off_l2 = off_vmcs + vmcs_len;
	size_t off_pol = off_l2 + (l2_ran ? L2_LEN : 0);
	const size_t pol_len = POL_SEC_HDR + POL_NITEMS * POL_REC;
	size_t total = off_pol + pol_len;
	if (cap < total)
		return NVMX_STATUS_INVALID_ARGUMENT;

	uint8_t *b = buf;
	nvmx_memset(b, 0, total);
	put_header(b, ST_MAGIC, hdr, in_memory ? ST_FLAG_IN_MEMORY : 0, total, nsec, c);
	uint8_t *d = b + hdr;
	put32(d, SEC_VCPU);
	put32(d + 4, ST_SEC_MANDATORY);
	put64(d + 8, off_vcpu);
	put64(d + 16, VCPU_LEN);
	d += ST_DIR_REC;
	put32(d, SEC_VMCS12);
	put32(d + 4, ST_SEC_MANDATORY);
	put64(d + 8, off_vmcs);
	put64(d + 16, vmcs_len);
	if (l2_ran) {
		d += ST_DIR_REC;
		put32(d, SEC_L2);
		put32(d + 4, ST_SEC_MANDATORY);
		put64(d + 8, off_l2);
		put64(d + 16, L2_LEN);
	}
	d += ST_DIR_REC;
	put32(d, SEC_POLICY);
	put32(d + 4, 0);
	put64(d + 8, off_pol);
	put64(d + 16, pol_len);

	uint8_t *p = b + off_vcpu;
	put8(p, v->vmxon);
	put8(p + 1, v->vmxon && v->in_l2);
	put8(p + 2, v->vmxon && v->in_l2 && nvmx_sync_as_built(&v->sync));
	put8(p + 3, v->vmxon && v->in_l2 && v->exit.l1_snap);
	put32(p + 4, v->abort_pending);
	put64(p + 8, v->vmxon ? v->vmxon_ptr : 0);
	put64(p + 16, v->vmxon ? v->current_vmptr : NVMX_NO_VMPTR);
	if (v->vmxon && v->in_l2 && v->exit.l1_snap) {
		put64(p + 24, v->exit.l1_efer);
		put64(p + 32, v->exit.l1_cr0);
	}

	p = b + off_vmcs;
	put32(p, n);
	p += VMCS12_SEC_HDR;
	for (uint32_t i = 0; i < n; i++) {
		const struct nvmx_vmcs12 *s = order[i];
		put64(p, s->gpa);
		put32(p + 8, s->revision);
		put32(p + 12, s->abort);
		put8(p + 16, s->launched);
		put8(p + 17, in_memory);
		uint8_t *cnt = p + 20;
		p += REC_HDR;
		uint32_t nf = 0;
		if (!in_memory) {
			for (unsigned k = 0; k < NVMX_FIELD_COUNT; k++) {
				if (!field_saved(c, s, k))
					continue;
				put32(p, nvmx_field_table[k].encoding);
				put64(p + 4, s->f[k]);
				p += FIELD_REC;
				nf++;
			}
		}
		put32(cnt, nf);
	}
	if (l2_ran) {
		p = b + off_l2;
		put64(p, l2.intr_info);
		put64(p + 8, l2.error_code);
		put64(p + 16, l2.insn_len);
		put64(p + 24, l2.timer_valid);
		put64(p + 32, l2.timer);
	}
	struct nvmx_l0_policy def;
	struct pol_item items[POL_NITEMS];
	policy_items(policy_of(v, &def), items);
	p = b + off_pol;
	put32(p, POL_NITEMS);
	p += POL_SEC_HDR;
	for (uint32_t k = 0; k < POL_NITEMS; k++, p += POL_REC) {
		put32(p, items[k].item);
		put32(p + 4, items[k].flags);
		put64(p + 8, items[k].value);
	}
	put64(b + 24, checksum(b, total));
	*len = total;
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_flush(struct nvmx_vcpu *v)
{
	if (!v)
		return NVMX_STATUS_INVALID_ARGUMENT;
	return nvmx_vmcs12_writeback_dirty(v);
}

/* ---- restore ---- */

/* Everything a blob says, decoded and validated, before it is applied. */
struct decoded {
	uint32_t flags;
	struct nvmx_caps caps;          /* what the VM will offer */
	bool caps_changed;
	bool vmxon, in_l2, run_pending, l1_snap;
	uint32_t abort;
	uint64_t vmxon_ptr, current_vmptr, l1_efer, l1_cr0;
	uint32_t n;
	int cur;                        /* index of the current record, -1: none */
	bool have_l2;
	struct l2_live l2;
};

/* The restore's scratch memory, from the host allocator: the decoded
 * VMCS12s (one per cache slot) and copies for the entry checks. */
struct scratch {
	struct nvmx_vcpu tv;            /* a copy of the vCPU for the entry checks */
	struct nvmx_vm tvm;
	struct nvmx_vmcs12 rec[];       /* v->ncache */
};

struct rctx {
	struct nvmx_vcpu *v;            /* NULL for a VM blob */
	struct nvmx_vm *vm;
	const uint8_t *b;
	size_t len;
	struct nvmx_state_refusal *why;
	struct decoded d;
	struct scratch *sc;
	uint32_t hdr;                   /* header size, once decode_frame passed */
};

/* Refuse: record why (and where) and report CORRUPT_STATE. */
#define REFUSE(r, rsn, off)                                             \
	do {                                                            \
		(r)->why->reason = NVMX_REASON_##rsn;                   \
		(r)->why->offset = (off);                               \
		return NVMX_STATUS_CORRUPT_STATE;                       \
	} while (0)

static bool ptr_ok(const struct nvmx_caps *c, uint64_t pa)
{
	unsigned w = nvmx_caps_vmx_addr_width(c);
	return (pa & 0xfffu) == 0 && (w >= 64 || (pa >> w) == 0);
}

/* Whether L0 backs the page at pa as L1 RAM (what VMPTRLD requires). */
static enum nvmx_status backed(struct nvmx_vcpu *v, uint64_t pa, bool *ok)
{
	uint8_t x[4];
	enum nvmx_status s = nvmx_gpa_read(v, pa, x, sizeof(x));
	*ok = s == NVMX_STATUS_OK;
	return s == NVMX_STATUS_NOT_MAPPED ? NVMX_STATUS_OK : s;
}

/*
 * The capabilities the blob was offered, applied to a copy of what this VM
 * offers now: each value must be one nvmx_vm_set_cap would accept against
 * the VM's current offer (only taking features away), so a VM that offers
 * less refuses, naming the MSR.
 */
static enum nvmx_status decode_caps(struct rctx *r, uint32_t ncaps)
{
	struct nvmx_caps *c = &r->d.caps;
	const struct nvmx_caps *vmc = &r->vm->caps;
	*c = *vmc;
	nvmx_memcpy(c->base, vmc->msr, sizeof(c->base));
	uint64_t val[NVMX_CAP_MSR_COUNT];
	uint32_t seen = 0;
	for (uint32_t i = 0; i < ncaps; i++) {
		const uint8_t *p = r->b + ST_HDR + i * ST_CAP_REC;
		uint32_t msr = get32(p);
		uint32_t k = msr - NVMX_CAP_MSR_FIRST;
		r->why->msr = msr;
		if (msr < NVMX_CAP_MSR_FIRST || k >= NVMX_CAP_MSR_COUNT || (seen >> k) & 1u)
			REFUSE(r, STATE_CAP_UNKNOWN_MSR, ST_HDR + i * ST_CAP_REC);
		if (get32(p + 4))
			REFUSE(r, STATE_RESERVED_NONZERO, ST_HDR + i * ST_CAP_REC + 4);
		seen |= 1u << k;
		val[k] = get64(p + 8);
	}
	/* The common case, the VM offers what the blob was offered: nothing to
	 * apply (each nvmx_caps_set re-derives the whole model). */
	bool same = r->b[40] == vmc->maxphyaddr;
	for (uint32_t k = 0; same && k < NVMX_CAP_MSR_COUNT; k++)
		same = !((seen >> k) & 1u) || val[k] == vmc->msr[k];
	if (same) {
		r->why->msr = 0;
		nvmx_memcpy(c->base, vmc->base, sizeof(c->base));
		r->d.caps_changed = false;
		return NVMX_STATUS_OK;
	}
	/* In index order, the derived VMCS_ENUM last. */
	for (uint32_t pass = 0; pass < 2; pass++) {
		for (uint32_t k = 0; k < NVMX_CAP_MSR_COUNT; k++) {
			uint32_t msr = NVMX_CAP_MSR_FIRST + k;
			bool is_enum = msr == NVMX_MSR_IA32_VMX_VMCS_ENUM;
			if (!((seen >> k) & 1u) || is_enum != (pass == 1))
				continue;
			r->why->msr = msr;
			uint64_t now;
			if (nvmx_caps_get(c, msr, &now) == NVMX_STATUS_NOT_SUPPORTED) {
				/* An MSR this VM does not have (SDM A.1: it exists
				 * only with the feature): it must read as here. */
				if (val[k] != c->msr[k])
					REFUSE(r, STATE_CAP_LACKING, ST_HDR);
				continue;
			}
			enum nvmx_status s = nvmx_caps_set(c, msr, val[k]);
			if (s == NVMX_STATUS_CAP_ADDS_FEATURE)
				REFUSE(r, STATE_CAP_LACKING, ST_HDR);
			if (s != NVMX_STATUS_OK)
				REFUSE(r, STATE_CAP_INCONSISTENT, ST_HDR);
		}
	}
	for (uint32_t k = 0; k < NVMX_CAP_MSR_COUNT; k++) {
		r->why->msr = NVMX_CAP_MSR_FIRST + k;
		if (((seen >> k) & 1u) && c->msr[k] != val[k])
			REFUSE(r, STATE_CAP_INCONSISTENT, ST_HDR);
	}
	r->why->msr = 0;
	uint8_t mp = r->b[40];
	if (mp > vmc->maxphyaddr)
		REFUSE(r, STATE_MAXPHYADDR, 40);
	if (nvmx_caps_set_maxphyaddr(c, mp) != NVMX_STATUS_OK)
		REFUSE(r, STATE_CAP_INCONSISTENT, 40);
	nvmx_memcpy(c->base, vmc->base, sizeof(c->base));
	r->d.caps_changed = nvmx_memcmp(c->msr, vmc->msr, sizeof(c->msr)) != 0 ||
	                    c->maxphyaddr != vmc->maxphyaddr;
	return NVMX_STATUS_OK;
}

struct sec {
	uint64_t off, len;
	bool present;
};

static enum nvmx_status decode_vcpu(struct rctx *r, const struct sec *s)
{
	if (s->len != VCPU_LEN)
		REFUSE(r, STATE_SIZES, s->off);
	const uint8_t *p = r->b + s->off;
	for (unsigned i = 0; i < 4; i++)
		if (p[i] > 1)
			REFUSE(r, STATE_BAD_VALUE, s->off + i);
	if (!all_zero(p + 40, VCPU_LEN - 40))
		REFUSE(r, STATE_RESERVED_NONZERO, s->off + 40);
	struct decoded *d = &r->d;
	d->vmxon = p[0];
	d->in_l2 = p[1];
	d->run_pending = p[2];
	d->l1_snap = p[3];
	d->abort = get32(p + 4);
	d->vmxon_ptr = get64(p + 8);
	d->current_vmptr = get64(p + 16);
	d->l1_efer = get64(p + 24);
	d->l1_cr0 = get64(p + 32);
	if ((d->in_l2 && !d->vmxon) || (d->run_pending && !d->in_l2) || (d->l1_snap && !d->in_l2) ||
	    (d->in_l2 && !d->l1_snap))
		REFUSE(r, STATE_BAD_FLAGS, s->off);
	if (!d->vmxon && (d->vmxon_ptr != 0 || d->current_vmptr != NVMX_NO_VMPTR))
		REFUSE(r, STATE_BAD_FLAGS, s->off + 8);
	if (d->in_l2 && d->current_vmptr == NVMX_NO_VMPTR)
		REFUSE(r, STATE_L2_WITHOUT_VMCS, s->off + 16);
	if (!d->l1_snap && (d->l1_efer || d->l1_cr0))
		REFUSE(r, STATE_RESERVED_NONZERO, s->off + 24);
	if (d->l1_snap && ((d->l1_efer & ~(NVMX_EFER_SCE | NVMX_EFER_LME | NVMX_EFER_LMA |
	                                   NVMX_EFER_NXE)) ||
	                   ((d->l1_cr0 >> 32) && d->l1_cr0 != NVMX_L1_CR0_UNKNOWN)))
		REFUSE(r, STATE_L1_STATE, s->off + 24);
	if (d->vmxon) {
		if (!ptr_ok(&d->caps, d->vmxon_ptr))
			REFUSE(r, STATE_VMXON_PTR, s->off + 8);
		bool ok;
		NVMX_CHECK(backed(r->v, d->vmxon_ptr, &ok));
		if (!ok)
			REFUSE(r, STATE_PTR_NOT_BACKED, s->off + 8);
		if (d->current_vmptr != NVMX_NO_VMPTR && (!ptr_ok(&d->caps, d->current_vmptr) ||
		                                          d->current_vmptr == d->vmxon_ptr))
			REFUSE(r, STATE_VMCS_PTR, s->off + 16);
	}
	return NVMX_STATUS_OK;
}

static enum nvmx_status decode_vmcs12s(struct rctx *r, const struct sec *s)
{
	struct decoded *d = &r->d;
	const struct nvmx_caps *c = &d->caps;
	if (s->len < VMCS12_SEC_HDR)
		REFUSE(r, STATE_SIZES, s->off);
	const uint8_t *p = r->b + s->off;
	const uint8_t *end = p + s->len;
	uint32_t n = get32(p);
	if (get32(p + 4))
		REFUSE(r, STATE_RESERVED_NONZERO, s->off + 4);
	if (n > r->v->ncache || n > 64u)
		REFUSE(r, STATE_TOO_MANY_VMCS12, s->off);
	if (n && !d->vmxon)
		REFUSE(r, STATE_BAD_FLAGS, s->off);
	bool in_memory = d->flags & ST_FLAG_IN_MEMORY;
	p += VMCS12_SEC_HDR;
	d->cur = -1;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = (uint64_t)(p - r->b);
		if ((size_t)(end - p) < REC_HDR)
			REFUSE(r, STATE_SIZES, at);
		struct nvmx_vmcs12 *x = &r->sc->rec[i];
		nvmx_memset(x, 0, sizeof(*x));
		uint64_t gpa = get64(p);
		uint32_t nf = get32(p + 20);
		if (p[16] > 1 || p[17] > 1)
			REFUSE(r, STATE_BAD_VALUE, at + 16);
		if ((bool)p[17] != in_memory)
			REFUSE(r, STATE_BAD_FLAGS, at + 17);
		if (get16(p + 18))
			REFUSE(r, STATE_RESERVED_NONZERO, at + 18);
		if (!ptr_ok(c, gpa) || gpa == d->vmxon_ptr)
			REFUSE(r, STATE_VMCS_PTR, at);
		for (uint32_t j = 0; j < i; j++)
			if (r->sc->rec[j].gpa == gpa)
				REFUSE(r, STATE_VMCS12_REPEATED, at);
		bool ok;
		NVMX_CHECK(backed(r->v, gpa, &ok));
		if (!ok)
			REFUSE(r, STATE_PTR_NOT_BACKED, at);
		if (in_memory && nf)
			REFUSE(r, STATE_SIZES, at + 20);
		if ((size_t)(end - p - REC_HDR) / FIELD_REC < nf)
			REFUSE(r, STATE_SIZES, at + 20);
		if (in_memory) {
			enum nvmx_status rs = nvmx_vmcs12_read_region(r->v, gpa, x);
			if (rs == NVMX_STATUS_NOT_MAPPED)
				REFUSE(r, STATE_PTR_NOT_BACKED, at);
			NVMX_CHECK(rs);
		} else {
			x->gpa = gpa;
			x->revision = get32(p + 8);
			x->abort = get32(p + 12);
		}
		x->launched = p[16];
		if ((x->revision & 0x7fffffffu) != nvmx_caps_revision(c) ||
		    ((x->revision >> 31) && !nvmx_caps_has(c, NVMX_FEAT_SHADOW_VMCS)))
			REFUSE(r, STATE_VMCS12_REVISION, at + 8);
		p += REC_HDR;
		uint64_t seen[NVMX_FIELD_WORDS] = { 0 };
		for (uint32_t k = 0; k < nf; k++, p += FIELD_REC) {
			uint64_t fat = (uint64_t)(p - r->b);
			uint32_t enc = get32(p);
			uint64_t val = get64(p + 4);
			int idx = nvmx_field_lookup(enc);
			r->why->field = enc;
			if (idx < 0 || nvmx_field_table[idx].encoding != enc ||
			    !nvmx_caps_has(c, nvmx_field_table[idx].feature))
				REFUSE(r, STATE_VMCS12_FIELD_UNKNOWN, fat);
			uint64_t bit = 1ull << ((unsigned)idx % 64u);
			if (seen[(unsigned)idx / 64u] & bit)
				REFUSE(r, STATE_VMCS12_FIELD_REPEATED, fat);
			seen[(unsigned)idx / 64u] |= bit;
			if (val & ~nvmx_field_mask(enc))
				REFUSE(r, STATE_VMCS12_FIELD_WIDTH, fat + 4);
			x->f[idx] = val;
		}
		r->why->field = 0;
		if (gpa == d->current_vmptr)
			d->cur = (int)i;
	}
	if (p != end)
		REFUSE(r, STATE_SIZES, s->off);
	d->n = n;
	if (d->current_vmptr != NVMX_NO_VMPTR && d->cur < 0)
		REFUSE(r, STATE_CURRENT_NOT_SAVED, s->off);
	return NVMX_STATUS_OK;
}

static enum nvmx_status decode_l2(struct rctx *r, const struct sec *s)
{
	struct decoded *d = &r->d;
	bool want = d->in_l2 && !d->run_pending;
	if (want && !s->present)
		REFUSE(r, STATE_SECTION_MISSING, 0);
	if (!want && s->present)
		REFUSE(r, STATE_BAD_FLAGS, s->off);
	if (!want)
		return NVMX_STATUS_OK;
	if (s->len != L2_LEN)
		REFUSE(r, STATE_SIZES, s->off);
	const uint8_t *p = r->b + s->off;
	d->have_l2 = true;
	d->l2.intr_info = get64(p);
	d->l2.error_code = get64(p + 8);
	d->l2.insn_len = get64(p + 16);
	d->l2.timer_valid = get64(p + 24);
	d->l2.timer = get64(p + 32);
	if ((d->l2.intr_info | d->l2.error_code | d->l2.insn_len | d->l2.timer) >> 32 ||
	    d->l2.timer_valid > 1 || (!d->l2.timer_valid && d->l2.timer))
		REFUSE(r, STATE_BAD_VALUE, s->off);
	return NVMX_STATUS_OK;
}

/* The VM-entry checks on the VMCS12 L2 runs under, as the next entry would
 * make them, on a copy of the vCPU that offers the blob's capabilities. */
static enum nvmx_status check_entry(struct rctx *r)
{
	struct decoded *d = &r->d;
	struct scratch *sc = r->sc;
	struct nvmx_vmcs12 *s = &sc->rec[d->cur];
	if (!s->launched)
		REFUSE(r, STATE_L2_NOT_LAUNCHED, 0);
	sc->tvm = *r->v->vm;
	sc->tvm.caps = d->caps;
	sc->tv = *r->v;
	sc->tv.vm = &sc->tvm;
	sc->tv.cur = s;
	sc->tv.cache = sc->rec;
	sc->tv.ncache = d->n;
	nvmx_sync_lazy_drop(&sc->tv.sync);
	enum nvmx_reason why;
	NVMX_CHECK(nvmx_entry_check_state(&sc->tv, d->l1_efer, &why));
	if (why) {
		r->why->entry_reason = why;
		REFUSE(r, STATE_ENTRY_CHECKS, 0);
	}
	if (!d->have_l2 || !(d->l2.intr_info & NVMX_INTR_INFO_VALID))
		return NVMX_STATUS_OK;
	/* The event VMCS02 will inject passes the event-injection checks as
	 * if VMCS12 asked for it (SDM 27.2.1.3). */
	uint64_t keep[3] = { V12(s, VM_ENTRY_INTR_INFO_FIELD), V12(s, VM_ENTRY_EXCEPTION_ERROR_CODE),
	                     V12(s, VM_ENTRY_INSTRUCTION_LEN) };
	V12(s, VM_ENTRY_INTR_INFO_FIELD) = d->l2.intr_info;
	V12(s, VM_ENTRY_EXCEPTION_ERROR_CODE) = d->l2.error_code;
	V12(s, VM_ENTRY_INSTRUCTION_LEN) = d->l2.insn_len;
	enum nvmx_status st = nvmx_entry_check_state(&sc->tv, d->l1_efer, &why);
	V12(s, VM_ENTRY_INTR_INFO_FIELD) = keep[0];
	V12(s, VM_ENTRY_EXCEPTION_ERROR_CODE) = keep[1];
	V12(s, VM_ENTRY_INSTRUCTION_LEN) = keep[2];
	NVMX_CHECK(st);
	if (why) {
		r->why->entry_reason = why;
		REFUSE(r, STATE_EVENT, 0);
	}
	return NVMX_STATUS_OK;
}

/* The header, the capabilities and the section directory, the same in a
 * vCPU blob (magic ST_MAGIC) and a VM blob (ST_VM_MAGIC): secs[1..nknown]
 * receives the known sections. */
static enum nvmx_status decode_frame(struct rctx *r, uint32_t magic, uint32_t nknown,
                                     struct sec *secs)
{
	const uint8_t *b = r->b;
	size_t len = r->len;
	if (len < ST_HDR)
		REFUSE(r, STATE_TRUNCATED, len);
	if (get32(b) != magic) {
		if (get32(b) == (magic == ST_MAGIC ? ST_VM_MAGIC : ST_MAGIC))
			REFUSE(r, STATE_BLOB_KIND, 0);
		REFUSE(r, STATE_BAD_MAGIC, 0);
	}
	if (get16(b + 4) != NVMX_STATE_FORMAT_VERSION)
		REFUSE(r, STATE_VERSION, 4);
	uint64_t total = get64(b + 16);
	if (total > len)
		REFUSE(r, STATE_TRUNCATED, 16);
	if (total < len)
		REFUSE(r, STATE_SIZES, 16);
	if (get64(b + 24) != checksum(b, len))
		REFUSE(r, STATE_CHECKSUM, 24);
	uint32_t flags = get32(b + 12);
	uint32_t nsec = get32(b + 32), ncaps = get32(b + 36);
	uint32_t hdr = get16(b + 6);
	if (flags & ~ST_FLAG_IN_MEMORY)
		REFUSE(r, STATE_RESERVED_NONZERO, 12);
	if (!all_zero(b + 41, ST_HDR - 41))
		REFUSE(r, STATE_RESERVED_NONZERO, 41);
	if (ncaps > NVMX_CAP_MSR_COUNT || nsec > ST_MAX_SECTIONS ||
	    hdr != ST_HDR + ncaps * ST_CAP_REC)
		REFUSE(r, STATE_SIZES, 6);
	uint64_t dir_end = (uint64_t)hdr + (uint64_t)nsec * ST_DIR_REC;
	if (dir_end > len)
		REFUSE(r, STATE_TRUNCATED, hdr);
	r->d.flags = flags;
	NVMX_CHECK(decode_caps(r, ncaps));

	nvmx_memset(secs, 0, sizeof(*secs) * (nknown + 1u));
	uint64_t so[ST_MAX_SECTIONS], sl[ST_MAX_SECTIONS];
	uint32_t types[ST_MAX_SECTIONS];
	for (uint32_t i = 0; i < nsec; i++) {
		const uint8_t *e = b + hdr + i * ST_DIR_REC;
		uint64_t at = hdr + i * ST_DIR_REC;
		uint32_t type = get32(e), sf = get32(e + 4);
		uint64_t off = get64(e + 8), slen = get64(e + 16);
		if (sf & ~ST_SEC_MANDATORY)
			REFUSE(r, STATE_RESERVED_NONZERO, at + 4);
		if (off < dir_end || off > len || slen > len - off)
			REFUSE(r, STATE_SECTION_BOUNDS, at + 8);
		for (uint32_t j = 0; j < i; j++) {
			if (types[j] == type)
				REFUSE(r, STATE_SECTION_REPEATED, at);
			if (slen && sl[j] && off < so[j] + sl[j] && so[j] < off + slen)
				REFUSE(r, STATE_SECTION_OVERLAP, at + 8);
		}
		types[i] = type;
		so[i] = off;
		sl[i] = slen;
		if (type >= 1 && type <= nknown) {
			secs[type] = (struct sec){ off, slen, true };
		} else if (sf & ST_SEC_MANDATORY) {
			REFUSE(r, STATE_SECTION_UNKNOWN, at);
		}
	}
	r->hdr = hdr;
	return NVMX_STATUS_OK;
}

/* The policy section, when the blob has one: every checked item must equal
 * the policy in force on the vCPU (nvmx/state.h). */
static enum nvmx_status decode_policy(struct rctx *r, const struct sec *s)
{
	if (!s->present)
		return NVMX_STATUS_OK; /* a blob written before the section existed */
	if (s->len < POL_SEC_HDR)
		REFUSE(r, STATE_POLICY_RECORD, s->off);
	const uint8_t *p = r->b + s->off;
	uint32_t n = get32(p);
	if (get32(p + 4) != 0)
		REFUSE(r, STATE_RESERVED_NONZERO, s->off + 4);
	if (n > POL_MAX_RECORDS || s->len != POL_SEC_HDR + (uint64_t)n * POL_REC)
		REFUSE(r, STATE_POLICY_RECORD, s->off);
	struct nvmx_l0_policy def;
	struct pol_item want[POL_NITEMS];
	policy_items(policy_of(r->v, &def), want);
	uint32_t seen = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = s->off + POL_SEC_HDR + (uint64_t)i * POL_REC;
		const uint8_t *e = r->b + at;
		uint32_t item = get32(e), f = get32(e + 4);
		uint64_t val = get64(e + 8);
		if (f & ~(POL_CHECKED | POL_PRESENT))
			REFUSE(r, STATE_POLICY_RECORD, at + 4);
		if (item == 0 || item > POL_NITEMS) {
			if (f & POL_PRESENT)
				REFUSE(r, STATE_POLICY_RECORD, at + 4);
			if (f & POL_CHECKED) {
				r->why->field = item;
				REFUSE(r, STATE_POLICY_UNKNOWN, at);
			}
			continue; /* an L0-local item of a later version */
		}
		const struct pol_item *w = &want[item - 1u];
		if (seen & (1u << item))
			REFUSE(r, STATE_POLICY_RECORD, at);
		seen |= 1u << item;
		bool bitmap = pol_is_page(item);
		/* This version knows which items are checked: a record that says
		 * otherwise, or a presence bit where none belongs, is malformed. */
		if ((f & POL_CHECKED) != (w->flags & POL_CHECKED) ||
		    ((f & POL_PRESENT) && !bitmap) || (bitmap && !(f & POL_PRESENT) && val))
			REFUSE(r, STATE_POLICY_RECORD, at + 4);
		if ((f & POL_CHECKED) && (f != w->flags || val != w->value)) {
			r->why->field = item;
			REFUSE(r, STATE_POLICY_MISMATCH, at);
		}
	}
	/* A section that leaves out a checked item this version knows cannot be
	 * compared: refused as malformed (a writer of this format writes all). */
	for (uint32_t k = 0; k < POL_NITEMS; k++)
		if ((want[k].flags & POL_CHECKED) && !(seen & (1u << (k + 1u)))) {
			r->why->field = k + 1u;
			REFUSE(r, STATE_POLICY_RECORD, s->off);
		}
	return NVMX_STATUS_OK;
}

static enum nvmx_status decode(struct rctx *r)
{
	struct sec secs[5];
	NVMX_CHECK(decode_frame(r, ST_MAGIC, 4, secs));
	uint32_t hdr = r->hdr;
	if (!secs[SEC_VCPU].present)
		REFUSE(r, STATE_SECTION_MISSING, hdr);
	if (!secs[SEC_VMCS12].present)
		REFUSE(r, STATE_SECTION_MISSING, hdr);
	NVMX_CHECK(decode_vcpu(r, &secs[SEC_VCPU]));
	NVMX_CHECK(decode_vmcs12s(r, &secs[SEC_VMCS12]));
	NVMX_CHECK(decode_l2(r, &secs[SEC_L2]));
	NVMX_CHECK(decode_policy(r, &secs[SEC_POLICY]));
	if (r->d.have_l2 && r->d.l2.timer_valid &&
	    !(V12(&r->sc->rec[r->d.cur], PIN_BASED_VM_EXEC_CONTROL) & NVMX_PIN_PREEMPTION_TIMER))
		REFUSE(r, STATE_BAD_VALUE, secs[SEC_L2].off + 24);
	if (r->d.in_l2)
		NVMX_CHECK(check_entry(r));
	return NVMX_STATUS_OK;
}

/* Put the decoded state into the vCPU (and the capabilities into the VM),
 * dropping what is derived from the old state. */
static enum nvmx_status apply(struct rctx *r)
{
	struct nvmx_vcpu *v = r->v;
	struct nvmx_vm *vm = v->vm;
	struct decoded *d = &r->d;
	if (d->caps_changed) {
		vm->caps = d->caps;
		vm->caps_gen++;
	}
	for (uint32_t i = 0; i < v->ncache; i++) {
		nvmx_memset(&v->cache[i], 0, sizeof(v->cache[i]));
		v->cache[i].gpa = NVMX_NO_VMPTR;
	}
	bool in_memory = d->flags & ST_FLAG_IN_MEMORY;
	for (uint32_t i = 0; i < d->n; i++) {
		struct nvmx_vmcs12 *s = &v->cache[i];
		*s = r->sc->rec[i];
		s->lru = i + 1u;
		/* From the blob, L1 memory may hold an older copy. */
		s->mem_dirty = !in_memory;
		nvmx_vmcs12_mark_all_dirty(s);
	}
	v->lru_clock = d->n;
	v->vmxon = d->vmxon;
	v->in_l2 = d->in_l2;
	nvmx_sync_set_as_built(&v->sync, d->run_pending);
	v->abort_pending = d->abort;
	v->vmxon_ptr = d->vmxon_ptr;
	v->current_vmptr = d->current_vmptr;
	v->cur = d->cur >= 0 ? &v->cache[d->cur] : NULL;

	/* Derived sync and exit state: nothing lazily pending, L1's host
	 * state rebuilt from VMCS12 at the next exit. */
	nvmx_sync_lazy_drop(&v->sync);
	v->exit.hs_ok = false;
	v->exit.hs_s = NULL;
	/* VMCS01 is restored by the host: nothing of it is known. */
	nvmx_exit_l1k_forget(v);
	v->exit.l1_snap = d->l1_snap;
	v->exit.l1_efer = d->l1_efer;
	v->exit.l1_cr0 = d->l1_cr0;
	/* Derived entry state: the next entry (or the rebuild below) writes
	 * every VMCS02 field and redoes every check and merge. */
	nvmx_vcpu_vmcs02_reset(v);

	/* Shadow EPT built from the old state's EPT12 contents, and TLB
	 * entries of L2 under any VPID02: dropped (SDM 29.4.3: stale mappings
	 * of another L2 history must not survive). */
	if (nvmx_caps_has(&vm->caps, NVMX_FEAT_EPT))
		NVMX_CHECK(nvmx_ept_invept(v, 2, 0));
	if (nvmx_caps_has(&vm->caps, NVMX_FEAT_VPID))
		NVMX_CHECK(nvmx_vpid_invvpid(v, 2, 0, 0));

	if (!v->in_l2)
		return NVMX_STATUS_OK;
	enum nvmx_reason why;
	NVMX_CHECK(nvmx_entry_rebuild(v, d->l1_efer, &why));
	if (why) {
		/* The checks above passed on the same inputs: only a host whose
		 * answers changed in between gets here. */
		v->in_l2 = false;
		nvmx_sync_set_as_built(&v->sync, false);
		return NVMX_STATUS_HOST_FAILURE;
	}
	uint64_t vp;
	if (nvmx_sync_vmcs02_known(&v->sync, NVMX_IDX_VIRTUAL_PROCESSOR_ID, &vp))
		nvmx_vpid_flush(v, (uint16_t)vp);
	if (d->have_l2) {
		/* VMCS02 goes on from where L2 was: L0's re-injection and the
		 * timer's remaining count; the next entry rewrites them from
		 * VMCS12. */
		nvmx_sync_vmcs02_diverge(v, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD, d->l2.intr_info);
		nvmx_sync_vmcs02_diverge(v, NVMX_IDX_VM_ENTRY_EXCEPTION_ERROR_CODE,
		                         d->l2.error_code);
		nvmx_sync_vmcs02_diverge(v, NVMX_IDX_VM_ENTRY_INSTRUCTION_LEN, d->l2.insn_len);
		if (d->l2.timer_valid)
			nvmx_sync_vmcs02_diverge(v, NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE,
			                         d->l2.timer);
	}
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_restore(struct nvmx_vcpu *v, const void *buf, size_t len,
                                               struct nvmx_state_refusal *why)
{
	struct nvmx_state_refusal dummy;
	if (!why)
		why = &dummy;
	nvmx_memset(why, 0, sizeof(*why));
	if (!v || (!buf && len))
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct rctx r;
	nvmx_memset(&r, 0, sizeof(r));
	r.v = v;
	r.vm = v->vm;
	r.b = buf;
	r.len = len;
	r.why = why;
	size_t scsize = sizeof(*r.sc) + (size_t)v->ncache * sizeof(r.sc->rec[0]);
	r.sc = nvmx_vm_alloc(v->vm, scsize);
	if (!r.sc)
		return NVMX_STATUS_NO_MEMORY;
	enum nvmx_status st = decode(&r);
	if (st == NVMX_STATUS_OK)
		st = apply(&r);
	if (st == NVMX_STATUS_OK)
		why->reason = NVMX_REASON_STATE_OK;
	nvmx_vm_free(v->vm, r.sc, scsize);
	return st;
}

/* ---- the VM blob ----
 *
 * The same frame as a vCPU blob (header with the capability records,
 * section directory), magic "NMXV", flags 0. Section 1, the VPID map
 * (mandatory): u32 count, u32 zero, then per VPID12 L1 has used, oldest
 * first: u16 VPID12, u16 zero. VPID02 values are this host's: they are not
 * saved, and a restore gives each VPID12 a VPID02 of this VM's pool. */

enum { SEC_VM_VPID = 1 };
#define VPID_SEC_HDR 8u
#define VPID_REC 4u

static size_t vm_max_size(const struct nvmx_vm *vm)
{
	return ST_HDR + NVMX_CAP_MSR_COUNT * ST_CAP_REC + ST_DIR_REC + VPID_SEC_HDR +
	       (size_t)vm->ept.nvpid * VPID_REC;
}

NVMX_EXPORT enum nvmx_status nvmx_vm_state_size(const struct nvmx_vm *vm, size_t *size)
{
	if (!vm || !size)
		return NVMX_STATUS_INVALID_ARGUMENT;
	*size = vm_max_size(vm);
	return NVMX_STATUS_OK;
}

/* Sift-down of a heap of slot indices ordered by LRU stamp (largest on top). */
static void lru_sift(const struct nvmx_vpid_slot *sl, uint16_t *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t m = i, a = 2 * i + 1, b = a + 1;
		if (a < n && sl[h[a]].lru > sl[h[m]].lru)
			m = a;
		if (b < n && sl[h[b]].lru > sl[h[m]].lru)
			m = b;
		if (m == i)
			return;
		uint16_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

NVMX_EXPORT enum nvmx_status nvmx_vm_save(struct nvmx_vm *vm, void *buf, size_t cap, size_t *len)
{
	if (!vm || !buf || !len)
		return NVMX_STATUS_INVALID_ARGUMENT;
	*len = 0;
	const struct nvmx_ept_vm *e = &vm->ept;
	/* The pool holds at most 4095 slots (vpid.c): heap-sort their
	 * indices by LRU stamp, oldest first, in O(n log n). */
	size_t idx_size = sizeof(uint16_t) * (e->nvpid ? e->nvpid : 1u);
	uint16_t *h = nvmx_vm_alloc(vm, idx_size);
	if (!h)
		return NVMX_STATUS_NO_MEMORY;
	nvmx_vm_lock(vm);
	uint32_t n = 0;
	for (uint32_t i = 0; i < e->nvpid; i++)
		if (e->vpid[i].lru)
			h[n++] = (uint16_t)i;
	size_t hdr = ST_HDR + NVMX_CAP_MSR_COUNT * ST_CAP_REC;
	size_t off_vpid = hdr + ST_DIR_REC;
	size_t vpid_len = VPID_SEC_HDR + (size_t)n * VPID_REC;
	size_t total = off_vpid + vpid_len;
	if (cap < total) {
		nvmx_vm_unlock(vm);
		nvmx_vm_free(vm, h, idx_size);
		return NVMX_STATUS_INVALID_ARGUMENT;
	}
	for (uint32_t i = n / 2; i-- > 0;)
		lru_sift(e->vpid, h, n, i);
	for (uint32_t k = n; k > 1; k--) {
		uint16_t t = h[0];
		h[0] = h[k - 1];
		h[k - 1] = t;
		lru_sift(e->vpid, h, k - 1, 0);
	}
	uint8_t *b = buf;
	nvmx_memset(b, 0, total);
	uint8_t *p = b + off_vpid;
	put32(p, n);
	for (uint32_t i = 0; i < n; i++)
		put16(p + VPID_SEC_HDR + i * VPID_REC, e->vpid[h[i]].vpid12);
	nvmx_vm_unlock(vm);
	nvmx_vm_free(vm, h, idx_size);

	const struct nvmx_caps *c = &vm->caps;
	put_header(b, ST_VM_MAGIC, hdr, 0, total, 1, c);
	uint8_t *d = b + hdr;
	put32(d, SEC_VM_VPID);
	put32(d + 4, ST_SEC_MANDATORY);
	put64(d + 8, off_vpid);
	put64(d + 16, vpid_len);
	put64(b + 24, checksum(b, total));
	*len = total;
	return NVMX_STATUS_OK;
}

/* The VPID map section: every VPID12 non-zero and listed once. `seen` is
 * a 65536-bit scratch bitmap. */
static enum nvmx_status decode_vpids(struct rctx *r, const struct sec *s, uint64_t *seen,
                                     uint32_t *count)
{
	if (s->len < VPID_SEC_HDR)
		REFUSE(r, STATE_SIZES, s->off);
	const uint8_t *p = r->b + s->off;
	uint32_t n = get32(p);
	if (get32(p + 4))
		REFUSE(r, STATE_RESERVED_NONZERO, s->off + 4);
	if (n > 0xffffu || s->len != VPID_SEC_HDR + (uint64_t)n * VPID_REC)
		REFUSE(r, STATE_SIZES, s->off);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = s->off + VPID_SEC_HDR + (uint64_t)i * VPID_REC;
		uint16_t vpid12 = get16(r->b + at);
		if (get16(r->b + at + 2))
			REFUSE(r, STATE_RESERVED_NONZERO, at + 2);
		if (!vpid12)
			REFUSE(r, STATE_VPID_ZERO, at);
		if ((seen[vpid12 / 64u] >> (vpid12 % 64u)) & 1u)
			REFUSE(r, STATE_VPID_REPEATED, at);
		seen[vpid12 / 64u] |= 1ull << (vpid12 % 64u);
	}
	*count = n;
	return NVMX_STATUS_OK;
}

static enum nvmx_status vm_restore(struct nvmx_vm *vm, const void *buf, size_t len,
                                   struct nvmx_state_refusal *why, bool apply)
{
	struct nvmx_state_refusal dummy;
	if (!why)
		why = &dummy;
	nvmx_memset(why, 0, sizeof(*why));
	if (!vm || (!buf && len))
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct rctx r;
	nvmx_memset(&r, 0, sizeof(r));
	r.vm = vm;
	r.b = buf;
	r.len = len;
	r.why = why;
	const size_t seen_size = 65536u / 8u;
	uint64_t *seen = nvmx_vm_alloc(vm, seen_size);
	if (!seen)
		return NVMX_STATUS_NO_MEMORY;
	nvmx_memset(seen, 0, seen_size);
	struct sec secs[2];
	uint32_t n = 0;
	enum nvmx_status st = decode_frame(&r, ST_VM_MAGIC, 1, secs);
	if (st == NVMX_STATUS_OK && r.d.flags) {
		why->reason = NVMX_REASON_STATE_RESERVED_NONZERO;
		why->offset = 12;
		st = NVMX_STATUS_CORRUPT_STATE;
	}
	if (st == NVMX_STATUS_OK && !secs[SEC_VM_VPID].present) {
		why->reason = NVMX_REASON_STATE_SECTION_MISSING;
		why->offset = r.hdr;
		st = NVMX_STATUS_CORRUPT_STATE;
	}
	if (st == NVMX_STATUS_OK)
		st = decode_vpids(&r, &secs[SEC_VM_VPID], seen, &n);
	nvmx_vm_free(vm, seen, seen_size);
	if (st != NVMX_STATUS_OK || !apply) {
		if (st == NVMX_STATUS_OK)
			why->reason = NVMX_REASON_STATE_OK;
		return st;
	}

	/* Apply. No vCPU of this VM is inside the library (state.h), so the
	 * capabilities may change; the map is still changed under the lock,
	 * as every other user of it does. */
	if (r.d.caps_changed) {
		vm->caps = r.d.caps;
		vm->caps_gen++;
	}
	const uint8_t *p = r.b + secs[SEC_VM_VPID].off + VPID_SEC_HDR;
	struct nvmx_ept_vm *e = &vm->ept;
	nvmx_vm_lock(vm);
	for (uint32_t i = 0; i < e->nvpid; i++) {
		e->vpid[i].lru = 0;
		e->vpid[i].vpid12 = 0;
	}
	/* A smaller pool keeps the most recently used VPID12s: the others
	 * get a VPID02 again when L2 next uses them, as after an eviction. */
	uint32_t keep = n < e->nvpid ? n : e->nvpid;
	/* Whatever the hardware still holds for a VPID02 belongs to its
	 * previous owner: gen 0 differs from every vpid_gen (it starts at 1
	 * and only grows), so each VPID02 is flushed before its first use
	 * (SDM 29.4.3.3 has no other way for L1 to learn of it). */
	e->vpid_gen++;
	for (uint32_t i = 0; i < keep; i++) {
		struct nvmx_vpid_slot *s = &e->vpid[i];
		s->vpid12 = get16(p + (size_t)(n - keep + i) * VPID_REC);
		s->lru = ++e->vpid_clock;
		s->gen = 0;
	}
	nvmx_vm_unlock(vm);
	why->reason = NVMX_REASON_STATE_OK;
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vm_restore(struct nvmx_vm *vm, const void *buf, size_t len,
                                             struct nvmx_state_refusal *why)
{
	return vm_restore(vm, buf, len, why, true);
}

NVMX_EXPORT enum nvmx_status nvmx_vm_restore_check(struct nvmx_vm *vm, const void *buf,
                                                   size_t len, struct nvmx_state_refusal *why)
{
	return vm_restore(vm, buf, len, why, false);
}
