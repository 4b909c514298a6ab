/* SPDX-License-Identifier: MIT */
/* pthread_rwlock_t is POSIX (not in strict C11). */
#define _POSIX_C_SOURCE 200809L
#include "refhost.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Locks of a host whose VM runs on several threads (refhost_init_mt). */
struct refhost_mt {
	pthread_mutex_t vm;       /* the library's VM lock (ops.vm_lock) */
	pthread_mutex_t host;     /* the allocator, counters, write-protect bits */
	pthread_rwlock_t walk;    /* readers: hardware-model walks of EPT02 */
};

/* The VM's host: [vm] callbacks use its shared state. A refhost set up by
 * hand (vmh NULL) is its own. */
static struct refhost *VMH(void *host)
{
	struct refhost *h = host;
	return h->vmh ? h->vmh : h;
}

static void mt_lock(const struct refhost *h)
{
	if (h->mt)
		pthread_mutex_lock(&h->mt->host);
}

static void mt_unlock(const struct refhost *h)
{
	if (h->mt)
		pthread_mutex_unlock(&h->mt->host);
}

/* In a threaded host the page index never moves (the hardware model reads
 * it without a lock): room for this many pages. */
#define MT_PAGE_INDEX (1u << 17)

/* Encoding bits 14:1: the fields of one type and width sit together (a 4 KiB
 * group each), as a real VMCS would keep them; bit 0 picks the high half. */
#define SLOT(f) (((f) >> 1) & (REFHOST_VMCS_SLOTS - 1u))

/* ---- EPT01 ---- */

/* The last matching override wins; otherwise L1 GPA g is backed at base + g. */
static const struct refhost_range *range_of(const struct refhost *h, uint64_t gpa)
{
	for (unsigned i = h->nranges; i-- > 0;) {
		const struct refhost_range *r = &h->ranges[i];
		if (gpa >= r->gpa && gpa - r->gpa < r->len)
			return r;
	}
	return NULL;
}

static bool gpa_is_ram(const struct refhost *h, uint64_t gpa, size_t len)
{
	if (gpa >= h->mem_size || len > h->mem_size - gpa)
		return false;
	return true;
}

static bool wp_test(const struct refhost *h, uint64_t gpa)
{
	uint64_t pfn = gpa >> 12;
	return h->wp_bits && pfn < (h->mem_size >> 12) && ((h->wp_bits[pfn / 8] >> (pfn % 8)) & 1u);
}

static bool wp_any(const struct refhost *h, uint64_t base, uint64_t len)
{
	for (uint64_t p = base; p < base + len; p += 4096 * 8) {
		uint64_t pfn = p >> 12;
		if (pfn / 8 < (h->mem_size >> 15) && h->wp_bits[pfn / 8])
			return true;
	}
	return false;
}

/*
 * Failing-host mode (refhost_fail_at): every call of a callback that may
 * fail is counted, and the one numbered fail_at fails in the way of its
 * kind (fail_mode: REFHOST_FAIL_SOFT for the failure the contract expects
 * of a healthy host, REFHOST_FAIL_HARD for HOST_FAILURE where the op can
 * return it).
 */
static bool inject(struct refhost *h, enum refhost_fail_op op)
{
	if (!h->fail_at)
		return false;
	if (++h->fail_calls != h->fail_at)
		return false;
	h->failed_op = op;
	return true;
}

static enum nvmx_status injected(const struct refhost *h, enum nvmx_status soft)
{
	return h->fail_mode == REFHOST_FAIL_HARD ? NVMX_STATUS_HOST_FAILURE : soft;
}

static enum nvmx_status op_gpa_to_hpa(void *host, uint64_t gpa, struct nvmx_l0_map *map)
{
	struct refhost *h = VMH(host);
	memset(map, 0, sizeof(*map));
	if (inject(h, REFHOST_FAIL_GPA_TO_HPA))
		return injected(h, NVMX_STATUS_NOT_MAPPED);
	if (gpa >= h->mem_size)
		return NVMX_STATUS_NOT_MAPPED;
	const struct refhost_range *r = range_of(h, gpa);
	if (r && r->kind != REFHOST_RANGE_MAP)
		return NVMX_STATUS_NOT_MAPPED;
	uint64_t page = gpa & ~0xfffull;
	map->page_size = 4096;
	map->memtype = 6;
	if (r) {
		map->hpa = r->hpa + (page - r->gpa);
		map->rights = r->rights;
		return NVMX_STATUS_OK;
	}
	map->hpa = REFHOST_HPA_BASE + page;
	map->rights = NVMX_ACCESS_READ | NVMX_ACCESS_WRITE | NVMX_ACCESS_EXEC;
	if (wp_test(h, gpa)) {
		map->rights &= (uint8_t)~NVMX_ACCESS_WRITE;
		return NVMX_STATUS_OK;
	}
	/* Report the largest naturally aligned mapping with no override inside. */
	static const uint64_t sizes[] = { 1ull << 30, 2ull << 20 };
	for (unsigned s = 0; s < 2; s++) {
		uint64_t base = gpa & ~(sizes[s] - 1);
		if (base + sizes[s] > h->mem_size)
			continue;
		bool clean = true;
		for (unsigned i = 0; i < h->nranges && clean; i++) {
			const struct refhost_range *o = &h->ranges[i];
			if (o->gpa < base + sizes[s] && base < o->gpa + o->len)
				clean = false;
		}
		if (clean && h->wp_count)
			clean = !wp_any(h, base, sizes[s]);
		if (clean) {
			map->page_size = sizes[s];
			break;
		}
	}
	return NVMX_STATUS_OK;
}

bool refhost_range_add(struct refhost *h, enum refhost_range_kind kind, uint64_t gpa,
                       uint64_t len, uint64_t hpa, uint8_t rights)
{
	if (h->nranges >= REFHOST_MAX_RANGES || len == 0)
		return false;
	h->ranges[h->nranges++] = (struct refhost_range){ gpa, len, hpa, (uint8_t)kind, rights };
	return true;
}

/* ---- L1 memory ---- */

static void log_write(struct refhost *h, uint64_t gpa, size_t len)
{
	if (h->log_writes && h->nwrites < REFHOST_MAX_WRITES)
		h->writes[h->nwrites++] = (struct refhost_write){ gpa, len };
}

static bool gpa_backed(const struct refhost *h, uint64_t gpa, size_t len)
{
	if (!gpa_is_ram(h, gpa, len))
		return false;
	const struct refhost_range *r = range_of(h, gpa);
	return !r || r->kind == REFHOST_RANGE_MAP;
}

/* An aligned 8-byte word is read and written whole, as L1's processors
 * do (EPT12 entries, which several vCPUs walk and set A/D flags in). */
static enum nvmx_status gpa_read_raw(struct refhost *h, uint64_t gpa, void *buf, size_t len)
{
	h = VMH(h);
	if (!gpa_backed(h, gpa, len))
		return NVMX_STATUS_NOT_MAPPED;
	if (len == 8 && !(gpa & 7)) {
		uint64_t v = __atomic_load_n((uint64_t *)(void *)(h->mem + gpa), __ATOMIC_RELAXED);
		memcpy(buf, &v, 8);
		return NVMX_STATUS_OK;
	}
	memcpy(buf, h->mem + gpa, len);
	return NVMX_STATUS_OK;
}

static enum nvmx_status gpa_write_raw(struct refhost *h, uint64_t gpa, const void *buf, size_t len)
{
	h = VMH(h);
	if (!gpa_backed(h, gpa, len))
		return NVMX_STATUS_NOT_MAPPED;
	if (len == 8 && !(gpa & 7)) {
		uint64_t v;
		memcpy(&v, buf, 8);
		__atomic_store_n((uint64_t *)(void *)(h->mem + gpa), v, __ATOMIC_RELAXED);
	} else {
		memcpy(h->mem + gpa, buf, len);
	}
	log_write(h, gpa, len);
	return NVMX_STATUS_OK;
}

static enum nvmx_status op_gpa_read(void *host, uint64_t gpa, void *buf, size_t len)
{
	struct refhost *h = VMH(host);
	if (inject(h, REFHOST_FAIL_GPA_READ))
		return injected(h, NVMX_STATUS_NOT_MAPPED);
	return gpa_read_raw(h, gpa, buf, len);
}

static enum nvmx_status op_gpa_write(void *host, uint64_t gpa, const void *buf, size_t len)
{
	struct refhost *h = VMH(host);
	if (inject(h, REFHOST_FAIL_GPA_WRITE))
		return injected(h, NVMX_STATUS_NOT_MAPPED);
	return gpa_write_raw(h, gpa, buf, len);
}

static enum nvmx_status op_gpa_cmpxchg64(void *host, uint64_t gpa, uint64_t expected,
                                         uint64_t desired, bool *swapped)
{
	struct refhost *h = VMH(host);
	if (inject(h, REFHOST_FAIL_CMPXCHG)) {
		if (h->fail_mode == REFHOST_FAIL_HARD)
			return NVMX_STATUS_HOST_FAILURE;
		*swapped = false; /* another vCPU changed the entry first */
		return NVMX_STATUS_OK;
	}
	if (!gpa_backed(h, gpa, 8) || (gpa & 7))
		return NVMX_STATUS_NOT_MAPPED;
	*swapped = __atomic_compare_exchange_n((uint64_t *)(void *)(h->mem + gpa), &expected,
	                                       desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	if (*swapped)
		log_write(h, gpa, 8);
	return NVMX_STATUS_OK;
}

/* L1 paging is modelled as the identity: linear = physical. */
static enum nvmx_status op_lin_read(void *host, uint64_t la, void *buf, size_t len,
                                    struct nvmx_fault *fault)
{
	struct refhost *h = host;
	if (inject(h, REFHOST_FAIL_LIN_READ)) {
		if (h->fail_mode == REFHOST_FAIL_HARD)
			return NVMX_STATUS_HOST_FAILURE;
		*fault = (struct nvmx_fault){ .vector = 14, .has_error_code = true,
		                              .error_code = 0, .cr2 = la };
		return NVMX_STATUS_GUEST_FAULT;
	}
	if (gpa_read_raw(h, la, buf, len) != NVMX_STATUS_OK) {
		*fault = (struct nvmx_fault){ .vector = 14, .has_error_code = true,
		                              .error_code = 0, .cr2 = la };
		return NVMX_STATUS_GUEST_FAULT;
	}
	return NVMX_STATUS_OK;
}

static enum nvmx_status op_lin_write(void *host, uint64_t la, const void *buf, size_t len,
                                     struct nvmx_fault *fault)
{
	struct refhost *h = host;
	if (inject(h, REFHOST_FAIL_LIN_WRITE)) {
		if (h->fail_mode == REFHOST_FAIL_HARD)
			return NVMX_STATUS_HOST_FAILURE;
		*fault = (struct nvmx_fault){ .vector = 14, .has_error_code = true,
		                              .error_code = 2, .cr2 = la };
		return NVMX_STATUS_GUEST_FAULT;
	}
	if (gpa_write_raw(h, la, buf, len) != NVMX_STATUS_OK) {
		*fault = (struct nvmx_fault){ .vector = 14, .has_error_code = true,
		                              .error_code = 2, .cr2 = la };
		return NVMX_STATUS_GUEST_FAULT;
	}
	return NVMX_STATUS_OK;
}

/* ---- hardware VMCS02 and L1 state ---- */

static uint64_t slot_read(const uint64_t *a, uint32_t f)
{
	if (f & 1u) /* high access of a 64-bit field */
		return a[SLOT(f & ~1u)] >> 32;
	return a[SLOT(f)];
}

static void slot_write(uint64_t *a, uint32_t f, uint64_t v)
{
	if (f & 1u)
		a[SLOT(f & ~1u)] = (a[SLOT(f & ~1u)] & 0xffffffffull) | (v << 32);
	else
		a[SLOT(f)] = v;
}

static uint64_t op_vmcs_read(void *host, uint32_t f)
{
	struct refhost *h = host;
	h->vmcs_reads++;
	return slot_read(h->vmcs02, f);
}

static void op_vmcs_write(void *host, uint32_t f, uint64_t v)
{
	struct refhost *h = host;
	h->vmcs_writes++;
	slot_write(h->vmcs02, f, v);
}

static uint64_t op_l1_read(void *host, uint32_t f)
{
	((struct refhost *)host)->l1_reads++;
	return slot_read(((struct refhost *)host)->l1, f);
}

static void op_l1_write(void *host, uint32_t f, uint64_t v)
{
	((struct refhost *)host)->l1_writes++;
	slot_write(((struct refhost *)host)->l1, f, v);
}

static void op_l1_write_n(void *host, const struct nvmx_field_value *fv, unsigned n)
{
	struct refhost *h = host;
	uint64_t *restrict a = h->l1;
	h->l1_writes += n;
	for (unsigned i = 0; i < n; i++) {
		uint32_t f = fv[i].field;
		if (fv[i].flags & NVMX_FV_REDUNDANT) {
			/* The full load would write this value: VMCS01 must hold
			 * it already, or the skip was wrong. */
			h->l1_writes--;
			h->l1_skips_checked++;
			if (slot_read(a, f) != fv[i].value) {
				h->l1_skips_wrong++;
				h->l1_skip_wrong_field = f;
			}
			continue;
		}
		if (f & 1u)
			slot_write(a, f, fv[i].value);
		else
			a[SLOT(f)] = fv[i].value;
	}
}

/* n reads of one field array (VMCS02 or L1's state), counted in *count. */
static void slots_read_n(const uint64_t *a, uint64_t *count, const uint32_t *fields,
                         uint64_t *values, unsigned n)
{
	*count += n;
	for (unsigned i = 0; i < n; i++)
		values[i] = slot_read(a, fields[i]);
}

static void op_vmcs_read_n(void *host, const uint32_t *fields, uint64_t *values, unsigned n)
{
	struct refhost *h = host;
	slots_read_n(h->vmcs02, &h->vmcs_reads, fields, values, n);
}

static void op_l1_read_n(void *host, const uint32_t *fields, uint64_t *values, unsigned n)
{
	struct refhost *h = host;
	slots_read_n(h->l1, &h->l1_reads, fields, values, n);
}

static uint64_t op_gpr_read(void *host, unsigned r)
{
	struct refhost *h = host;
	if ((r & 15) == 4)
		h->gpr_rsp_calls++;
	return h->gpr[r & 15];
}

static void op_gpr_write(void *host, unsigned r, uint64_t v)
{
	struct refhost *h = host;
	if ((r & 15) == 4)
		h->gpr_rsp_calls++;
	h->gpr[r & 15] = v;
}

/* ---- the MSR file ---- */

static struct refhost_msr *msr_slot(struct refhost *h, uint32_t msr)
{
	for (unsigned i = 0; i < h->nmsrs; i++)
		if (h->msrs[i].index == msr)
			return &h->msrs[i];
	return NULL;
}

/* Whether the model has the MSR at all, and the reason a write of `v`
 * gives (MSR_WRITE_OK when it completes). */
static enum nvmx_reason msr_rule(const struct refhost *h, uint32_t msr, uint64_t v)
{
	if (msr == 0x0 || msr == 0x1) /* IA32_P5_MC_ADDR, IA32_P5_MC_TYPE */
		return NVMX_REASON_MSR_WRITE_OK;
	if (msr == NVMX_MSR_IA32_FEATURE_CONTROL) /* locked by the model's BIOS */
		return (h->feature_control & NVMX_FEATCTL_LOCK) ? NVMX_REASON_MSR_READ_ONLY
		                                                : NVMX_REASON_MSR_WRITE_OK;
	enum nvmx_reason r = nvmx_vm_msr_write_check(h->vm, msr, v);
	return r == NVMX_REASON_MSR_NOT_ARCHITECTURAL ? NVMX_REASON_MSR_UNKNOWN : r;
}

enum nvmx_reason refhost_wrmsr(struct refhost *h, uint32_t msr, uint64_t v)
{
	enum nvmx_reason r = msr_rule(h, msr, v);
	if (r != NVMX_REASON_MSR_WRITE_OK)
		return r;
	if (msr == NVMX_MSR_IA32_FEATURE_CONTROL) {
		h->feature_control = v;
		return r;
	}
	struct refhost_msr *m = msr_slot(h, msr);
	if (!m) {
		/* Every MSR the model has fits: the rule tables name fewer. */
		if (h->nmsrs == REFHOST_MAX_MSRS)
			return NVMX_REASON_MSR_UNKNOWN;
		m = &h->msrs[h->nmsrs++];
		m->index = msr;
	}
	m->value = v;
	return r;
}

enum nvmx_reason refhost_rdmsr(const struct refhost *h, uint32_t msr, uint64_t *v)
{
	if (msr == NVMX_MSR_IA32_FEATURE_CONTROL) {
		*v = h->feature_control;
		return NVMX_REASON_MSR_WRITE_OK;
	}
	if (msr >= NVMX_MSR_IA32_VMX_BASIC && msr <= NVMX_MSR_IA32_VMX_EXIT_CTLS2)
		return nvmx_vm_get_cap(h->vm, msr, v) == NVMX_STATUS_OK ? NVMX_REASON_MSR_WRITE_OK
		                                                        : NVMX_REASON_MSR_UNKNOWN;
	/* Reading needs the MSR to exist; the value 0 satisfies the write rule
	 * of every MSR the model has but the read-only ones. */
	enum nvmx_reason r = msr_rule(h, msr, 0);
	if (r != NVMX_REASON_MSR_WRITE_OK && r != NVMX_REASON_MSR_READ_ONLY)
		return NVMX_REASON_MSR_UNKNOWN;
	for (unsigned i = 0; i < h->nmsrs; i++)
		if (h->msrs[i].index == msr) {
			*v = h->msrs[i].value;
			return NVMX_REASON_MSR_WRITE_OK;
		}
	*v = msr == 0x277 ? 0x0007040600070406ull : msr == 0x1b ? 0xfee00900ull : 0;
	return NVMX_REASON_MSR_WRITE_OK;
}

static enum nvmx_status op_l1_msr_read(void *host, uint32_t msr, uint64_t *v)
{
	if (inject(host, REFHOST_FAIL_L1_MSR))
		return injected(host, NVMX_STATUS_NOT_SUPPORTED);
	return refhost_rdmsr(host, msr, v) == NVMX_REASON_MSR_WRITE_OK ? NVMX_STATUS_OK
	                                                               : NVMX_STATUS_NOT_SUPPORTED;
}

/* MSR-load areas: WRMSR into the MSR file, for L2 (VM entry) or L1 (VM
 * exit); NOT_SUPPORTED where WRMSR would raise #GP. */
static enum nvmx_status op_msr_load(void *host, bool l2, uint32_t msr, uint64_t v)
{
	struct refhost *h = host;
	if (inject(h, REFHOST_FAIL_MSR_LOAD))
		return injected(h, NVMX_STATUS_NOT_SUPPORTED);
	h->msr_loads++;
	if (l2 && h->msr_load_to_vmcs02) {
		/* SDM 25.4.1: the guest-state fields of these MSRs. */
		static const struct { uint32_t msr, field; } via[] = {
			{ 0x174, 0x482a }, { 0x175, 0x6824 }, { 0x176, 0x6826 }, { 0x1d9, 0x2802 },
			{ 0x277, 0x2804 }, { 0x38f, 0x2808 }, { 0xc0000080u, 0x2806 },
		};
		for (size_t i = 0; i < sizeof(via) / sizeof(via[0]); i++)
			if (via[i].msr == msr) {
				refhost_vmcs02_set(h, via[i].field, v);
				return NVMX_STATUS_OK;
			}
	}
	/* Otherwise one processor: the same MSR file for L1 and L2. */
	return refhost_wrmsr(h, msr, v) == NVMX_REASON_MSR_WRITE_OK ? NVMX_STATUS_OK
	                                                            : NVMX_STATUS_NOT_SUPPORTED;
}

/* The VM-exit MSR-store area: RDMSR of L2's MSR. */
static enum nvmx_status op_msr_store(void *host, uint32_t msr, uint64_t *v)
{
	struct refhost *h = host;
	if (inject(h, REFHOST_FAIL_MSR_STORE))
		return injected(h, NVMX_STATUS_NOT_SUPPORTED);
	h->msr_stores++;
	return refhost_rdmsr(h, msr, v) == NVMX_REASON_MSR_WRITE_OK ? NVMX_STATUS_OK
	                                                            : NVMX_STATUS_NOT_SUPPORTED;
}

/* ---- memory for the library ---- */

static enum nvmx_status page_alloc(struct refhost *h, void **va, uint64_t *hpa)
{
	if (inject(h, REFHOST_FAIL_PAGE_ALLOC))
		return injected(h, NVMX_STATUS_NO_MEMORY);
	if (h->page_limit && h->npages >= h->page_limit)
		return NVMX_STATUS_NO_MEMORY;
	if (h->npages == h->pages_cap) {
		unsigned cap = h->pages_cap ? h->pages_cap * 2 : 64;
		struct refhost_page *p = realloc(h->pages, cap * sizeof(*p));
		if (!p)
			return NVMX_STATUS_NO_MEMORY;
		h->pages = p;
		h->pages_cap = cap;
	}
	void *page = aligned_alloc(4096, 4096);
	if (!page)
		return NVMX_STATUS_NO_MEMORY;
	memset(page, 0, 4096);
	uint64_t slot = (h->next_page_hpa - REFHOST_PAGE_HPA_BASE) >> 12;
	if (slot >= h->page_index_cap && h->mt) {
		free(page);
		return NVMX_STATUS_NO_MEMORY;
	}
	if (slot >= h->page_index_cap) {
		uint64_t cap = h->page_index_cap ? h->page_index_cap * 2 : 1024;
		void **ix = realloc(h->page_index, cap * sizeof(*ix));
		if (ix)
			h->page_index = ix;
		uint32_t *pos = ix ? realloc(h->page_pos, cap * sizeof(*pos)) : NULL;
		if (!pos) {
			free(page);
			return NVMX_STATUS_NO_MEMORY;
		}
		memset(ix + h->page_index_cap, 0, (cap - h->page_index_cap) * sizeof(*ix));
		h->page_pos = pos;
		h->page_index_cap = cap;
	}
	h->page_index[slot] = page;
	h->page_pos[slot] = h->npages;
	*va = page;
	*hpa = h->next_page_hpa;
	h->next_page_hpa += 4096;
	h->pages[h->npages++] = (struct refhost_page){ page, *hpa };
	return NVMX_STATUS_OK;
}

static enum nvmx_status op_page_alloc(void *host, void **va, uint64_t *hpa)
{
	struct refhost *h = VMH(host);
	mt_lock(h);
	enum nvmx_status s = page_alloc(h, va, hpa);
	mt_unlock(h);
	return s;
}

static void page_free(struct refhost *h, void *va, uint64_t hpa)
{
	uint64_t slot = (hpa - REFHOST_PAGE_HPA_BASE) >> 12;
	/* Freeing a page the host never gave out is a library bug. */
	if (hpa < REFHOST_PAGE_HPA_BASE || (hpa & 0xfff) || slot >= h->page_index_cap ||
	    h->page_index[slot] != va)
		abort();
	unsigned i = h->page_pos[slot];
	h->pages[i] = h->pages[--h->npages];
	h->page_pos[(h->pages[i].hpa - REFHOST_PAGE_HPA_BASE) >> 12] = i;
	h->page_index[slot] = NULL;
	free(va);
}

static void op_page_free(void *host, void *va, uint64_t hpa)
{
	struct refhost *h = VMH(host);
	mt_lock(h);
	page_free(h, va, hpa);
	mt_unlock(h);
}

static void *op_alloc(void *host, size_t size)
{
	struct refhost *h = host;
	if (inject(h, REFHOST_FAIL_ALLOC))
		return NULL;
	void *p = malloc(size ? size : 1);
	if (p)
		h->alloc_bytes += (int64_t)size;
	return p;
}

static void op_free(void *host, void *p, size_t size)
{
	struct refhost *h = host;
	if (p)
		h->alloc_bytes -= (int64_t)size;
	free(p);
}

void refhost_walk_enter(struct refhost *h)
{
	if (h->mt)
		pthread_rwlock_rdlock(&h->mt->walk);
}

void refhost_walk_leave(struct refhost *h)
{
	if (h->mt)
		pthread_rwlock_unlock(&h->mt->walk);
}

/* The flush reaches every processor: walks in flight end first. */
static void op_hw_invept(void *host, uint32_t type, uint64_t eptp)
{
	struct refhost *h = VMH(host);
	if (h->mt) {
		pthread_rwlock_wrlock(&h->mt->walk);
		pthread_rwlock_unlock(&h->mt->walk);
	}
	mt_lock(h);
	h->invept_calls++;
	h->last_invept_type = type;
	h->last_invept_eptp = eptp;
	mt_unlock(h);
}

static void op_hw_invvpid(void *host, uint32_t type, uint16_t vpid, uint64_t la)
{
	struct refhost *h = VMH(host);
	mt_lock(h);
	h->invvpid_calls++;
	h->last_invvpid_type = type;
	h->last_invvpid_vpid = vpid;
	h->last_invvpid_la = la;
	mt_unlock(h);
}

static void op_vm_lock(void *host)
{
	pthread_mutex_lock(&((struct refhost *)host)->mt->vm);
}

static void op_vm_unlock(void *host)
{
	pthread_mutex_unlock(&((struct refhost *)host)->mt->vm);
}

/* EPT01 write protection of one L1 page (NVMX_VM_WRITE_PROTECT_EPT12). */
static enum nvmx_status write_protect(struct refhost *h, uint64_t gpa, bool protect)
{
	uint64_t pfn = gpa >> 12;
	if (inject(h, REFHOST_FAIL_WRITE_PROTECT))
		return NVMX_STATUS_HOST_FAILURE;
	h->wp_calls++;
	if (pfn >= (h->mem_size >> 12))
		return NVMX_STATUS_NOT_MAPPED;
	if (!h->wp_bits) {
		h->wp_bits = calloc(1, (size_t)(h->mem_size >> 15) + 1);
		if (!h->wp_bits)
			return NVMX_STATUS_NO_MEMORY;
	}
	bool was = (h->wp_bits[pfn / 8] >> (pfn % 8)) & 1u;
	if (protect && !was) {
		h->wp_bits[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		h->wp_count++;
	} else if (!protect && was) {
		h->wp_bits[pfn / 8] &= (uint8_t)~(1u << (pfn % 8));
		h->wp_count--;
	}
	return NVMX_STATUS_OK;
}

static enum nvmx_status op_l0_write_protect(void *host, uint64_t gpa, bool protect)
{
	struct refhost *h = VMH(host);
	mt_lock(h);
	enum nvmx_status s = write_protect(h, gpa, protect);
	mt_unlock(h);
	return s;
}

static void op_trace(void *host, const struct nvmx_trace *ev)
{
	struct refhost *h = host;
	if (h->trace_hook)
		h->trace_hook(h->trace_ctx, ev);
}

static const struct nvmx_host_ops refhost_ops_template = {
	.size = sizeof(struct nvmx_host_ops),
	.gpa_read = op_gpa_read,
	.gpa_write = op_gpa_write,
	.gpa_cmpxchg64 = op_gpa_cmpxchg64,
	.lin_read = op_lin_read,
	.lin_write = op_lin_write,
	.vmcs_read = op_vmcs_read,
	.vmcs_write = op_vmcs_write,
	.l1_read = op_l1_read,
	.l1_write = op_l1_write,
	.l1_gpr_read = op_gpr_read,
	.l1_gpr_write = op_gpr_write,
	.l1_msr_read = op_l1_msr_read,
	.msr_load = op_msr_load,
	.msr_store = op_msr_store,
	.gpa_to_hpa = op_gpa_to_hpa,
	.page_alloc = op_page_alloc,
	.page_free = op_page_free,
	.alloc = op_alloc,
	.free = op_free,
	.hw_invept = op_hw_invept,
	.hw_invvpid = op_hw_invvpid,
	.trace = op_trace,
	.l0_write_protect = op_l0_write_protect,
	.l1_write_n = op_l1_write_n,
	.vmcs_read_n = op_vmcs_read_n,
	.l1_read_n = op_l1_read_n,
};

/* ---- set-up ---- */

uint64_t refhost_l1_get(const struct refhost *h, uint32_t f) { return slot_read(h->l1, f); }
void refhost_l1_set(struct refhost *h, uint32_t f, uint64_t v) { slot_write(h->l1, f, v); }
uint64_t refhost_vmcs02_get(const struct refhost *h, uint32_t f) { return slot_read(h->vmcs02, f); }
void refhost_vmcs02_set(struct refhost *h, uint32_t f, uint64_t v) { slot_write(h->vmcs02, f, v); }

void refhost_l1_long_mode(struct refhost *h)
{
	refhost_l1_set(h, NVMX_F_GUEST_CR0, 0x80050033ull); /* PG WP NE ET MP PE */
	refhost_l1_set(h, NVMX_F_GUEST_CR4, NVMX_CR4_VMXE | NVMX_CR4_PAE | (1ull << 9) | (1ull << 10));
	refhost_l1_set(h, NVMX_F_GUEST_IA32_EFER, NVMX_EFER_LME | NVMX_EFER_LMA | NVMX_EFER_SCE | NVMX_EFER_NXE);
	refhost_l1_set(h, NVMX_F_GUEST_RFLAGS, NVMX_RFLAGS_FIXED1);
	refhost_l1_set(h, NVMX_F_GUEST_RIP, 0x100000);
	/* CS: 64-bit code, DPL 0, present, accessed, execute/read. */
	refhost_l1_set(h, NVMX_F_GUEST_CS_SELECTOR, 0x10);
	refhost_l1_set(h, NVMX_F_GUEST_CS_AR_BYTES, 0xb | NVMX_AR_S | NVMX_AR_P | NVMX_AR_L | NVMX_AR_G);
	refhost_l1_set(h, NVMX_F_GUEST_CS_LIMIT, 0xffffffff);
	static const uint32_t data_ar[] = { NVMX_F_GUEST_ES_AR_BYTES, NVMX_F_GUEST_SS_AR_BYTES,
	                                    NVMX_F_GUEST_DS_AR_BYTES, NVMX_F_GUEST_FS_AR_BYTES,
	                                    NVMX_F_GUEST_GS_AR_BYTES };
	static const uint32_t data_lim[] = { NVMX_F_GUEST_ES_LIMIT, NVMX_F_GUEST_SS_LIMIT,
	                                     NVMX_F_GUEST_DS_LIMIT, NVMX_F_GUEST_FS_LIMIT,
	                                     NVMX_F_GUEST_GS_LIMIT };
	for (unsigned i = 0; i < 5; i++) {
		refhost_l1_set(h, data_ar[i], 0x3 | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G);
		refhost_l1_set(h, data_lim[i], 0xffffffff);
	}
	refhost_l1_set(h, NVMX_F_GUEST_SS_SELECTOR, 0x18);
	refhost_l1_set(h, NVMX_F_GUEST_DS_SELECTOR, 0x18);
	refhost_l1_set(h, NVMX_F_GUEST_TR_AR_BYTES, 0xb | NVMX_AR_P);
	refhost_l1_set(h, NVMX_F_GUEST_TR_LIMIT, 0x67);
	h->feature_control = NVMX_FEATCTL_LOCK | NVMX_FEATCTL_VMX_OUTSIDE_SMX;
}

static enum nvmx_status init(struct refhost *h, uint64_t mem_size,
                             const struct nvmx_vm_config *cfg, bool threaded)
{
	memset(h, 0, sizeof(*h));
	h->vmh = h;
	if (threaded) {
		h->mt = calloc(1, sizeof(*h->mt));
		h->page_index = calloc(MT_PAGE_INDEX, sizeof(*h->page_index));
		h->page_pos = calloc(MT_PAGE_INDEX, sizeof(*h->page_pos));
		if (!h->mt || !h->page_index || !h->page_pos) {
			free(h->mt);
			h->mt = NULL;
			refhost_fini(h);
			return NVMX_STATUS_NO_MEMORY;
		}
		h->page_index_cap = MT_PAGE_INDEX;
		pthread_mutex_init(&h->mt->vm, NULL);
		pthread_mutex_init(&h->mt->host, NULL);
		pthread_rwlock_init(&h->mt->walk, NULL);
	}
	h->mem_size = mem_size ? mem_size : REFHOST_DEFAULT_MEM;
	h->mem = calloc(1, h->mem_size);
	h->vmcs02 = calloc(REFHOST_VMCS_SLOTS, sizeof(uint64_t));
	h->l1 = calloc(REFHOST_VMCS_SLOTS, sizeof(uint64_t));
	if (!h->mem || !h->vmcs02 || !h->l1) {
		refhost_fini(h);
		return NVMX_STATUS_NO_MEMORY;
	}
	h->next_page_hpa = REFHOST_PAGE_HPA_BASE;
	h->ops = refhost_ops_template;
	if (threaded) {
		h->ops.vm_lock = op_vm_lock;
		h->ops.vm_unlock = op_vm_unlock;
	}
	refhost_l1_long_mode(h);

	struct nvmx_vm_config def;
	if (!cfg) {
		nvmx_vm_config_example(&def);
		cfg = &def;
	}
	enum nvmx_status s = nvmx_vm_create(cfg, &h->ops, h, &h->vm);
	if (s == NVMX_STATUS_OK)
		s = nvmx_vcpu_create(h->vm, h, &h->vcpu);
	if (s != NVMX_STATUS_OK)
		refhost_fini(h);
	return s;
}

enum nvmx_status refhost_init(struct refhost *h, uint64_t mem_size,
                              const struct nvmx_vm_config *cfg)
{
	return init(h, mem_size, cfg, false);
}

enum nvmx_status refhost_init_mt(struct refhost *h, uint64_t mem_size,
                                 const struct nvmx_vm_config *cfg)
{
	return init(h, mem_size, cfg, true);
}

enum nvmx_status refhost_vcpu_init(struct refhost *vc, struct refhost *vm_host)
{
	memset(vc, 0, sizeof(*vc));
	vc->vmh = vm_host;
	vc->mt = vm_host->mt;
	vc->mem = vm_host->mem;
	vc->mem_size = vm_host->mem_size;
	vc->ops = vm_host->ops;
	vc->vm = vm_host->vm;
	vc->vmcs02 = calloc(REFHOST_VMCS_SLOTS, sizeof(uint64_t));
	vc->l1 = calloc(REFHOST_VMCS_SLOTS, sizeof(uint64_t));
	enum nvmx_status s = NVMX_STATUS_NO_MEMORY;
	if (vc->vmcs02 && vc->l1) {
		refhost_l1_long_mode(vc);
		s = nvmx_vcpu_create(vc->vm, vc, &vc->vcpu);
	}
	if (s != NVMX_STATUS_OK)
		refhost_fini(vc);
	return s;
}

void refhost_fail_at(struct refhost *h, uint64_t n, enum refhost_fail_mode mode)
{
	h->fail_at = n;
	h->fail_calls = 0;
	h->fail_mode = (uint8_t)mode;
	h->failed_op = REFHOST_FAIL_NONE;
}

void refhost_fini(struct refhost *h)
{
	if (h->vcpu)
		nvmx_vcpu_destroy(h->vcpu);
	h->vcpu = NULL;
	if (h->vmh && h->vmh != h) {
		/* An extra vCPU: the VM and its memory are the VM host's. */
		free(h->vmcs02);
		free(h->l1);
		memset(h, 0, sizeof(*h));
		return;
	}
	if (h->vm)
		nvmx_vm_destroy(h->vm);
	h->vcpu = NULL;
	h->vm = NULL;
	for (unsigned i = 0; i < h->npages; i++)
		free(h->pages[i].va);
	free(h->pages);
	free(h->page_index);
	free(h->page_pos);
	free(h->wp_bits);
	h->page_index = NULL;
	h->page_pos = NULL;
	h->page_index_cap = 0;
	h->wp_bits = NULL;
	free(h->mem);
	free(h->vmcs02);
	free(h->l1);
	if (h->mt) {
		pthread_mutex_destroy(&h->mt->vm);
		pthread_mutex_destroy(&h->mt->host);
		pthread_rwlock_destroy(&h->mt->walk);
		free(h->mt);
		h->mt = NULL;
	}
	h->pages = NULL;
	h->mem = NULL;
	h->vmcs02 = h->l1 = NULL;
}

bool refhost_mem_write(struct refhost *h, uint64_t gpa, const void *buf, size_t len)
{
	if (!gpa_is_ram(h, gpa, len))
		return false;
	memcpy(h->mem + gpa, buf, len);
	return true;
}

bool refhost_mem_read(const struct refhost *h, uint64_t gpa, void *buf, size_t len)
{
	if (!gpa_is_ram(h, gpa, len))
		return false;
	memcpy(buf, h->mem + gpa, len);
	return true;
}

void refhost_mem_w32(struct refhost *h, uint64_t gpa, uint32_t v) { refhost_mem_write(h, gpa, &v, 4); }
void refhost_mem_w64(struct refhost *h, uint64_t gpa, uint64_t v) { refhost_mem_write(h, gpa, &v, 8); }

uint32_t refhost_mem_r32(const struct refhost *h, uint64_t gpa)
{
	uint32_t v = 0;
	refhost_mem_read(h, gpa, &v, 4);
	return v;
}

uint64_t refhost_mem_r64(const struct refhost *h, uint64_t gpa)
{
	uint64_t v = 0;
	refhost_mem_read(h, gpa, &v, 8);
	return v;
}

/* ---- presenting VMX instructions ---- */

#define RBX 3u

uint32_t refhost_insn_info(const struct refhost_insn *in)
{
	unsigned asz = in->addr_size == 2 ? 0 : in->addr_size == 4 ? 1 : 2;
	uint32_t info = NVMX_INSN_INFO_PUT(ASIZE, asz);
	if (in->mem) {
		info |= NVMX_INSN_INFO_PUT(SEG, 3u);     /* DS */
		info |= NVMX_INSN_INFO_INDEX_INVALID;    /* no index */
		info |= NVMX_INSN_INFO_PUT(BASE, RBX);   /* base RBX holds the address */
	} else {
		info |= NVMX_INSN_INFO_REG_OPERAND;      /* register operand (VMREAD/VMWRITE) */
	}
	switch (in->exit_reason) {
	case NVMX_EXIT_REASON_VMREAD:
	case NVMX_EXIT_REASON_VMWRITE:
		info |= NVMX_INSN_INFO_PUT(REG1, in->reg1);
		info |= NVMX_INSN_INFO_PUT(REG2, in->reg2);
		break;
	case NVMX_EXIT_REASON_INVEPT:
	case NVMX_EXIT_REASON_INVVPID:
		info &= ~NVMX_INSN_INFO_REG_OPERAND;
		info |= NVMX_INSN_INFO_PUT(REG2, in->reg2);
		break;
	default:
		break;
	}
	return info;
}

static unsigned insn_len(uint32_t reason)
{
	switch (reason) {
	case NVMX_EXIT_REASON_VMXON: return 5;   /* F3 0F C7 /6 with a ModRM + SIB-less operand */
	case NVMX_EXIT_REASON_VMXOFF:
	case NVMX_EXIT_REASON_VMLAUNCH:
	case NVMX_EXIT_REASON_VMRESUME: return 3;
	case NVMX_EXIT_REASON_VMCLEAR: return 4;
	case NVMX_EXIT_REASON_INVEPT:
	case NVMX_EXIT_REASON_INVVPID: return 5;
	default: return 3;
	}
}

unsigned refhost_insn_len(uint32_t exit_reason) { return insn_len(exit_reason); }

enum nvmx_status refhost_exec(struct refhost *h, const struct refhost_insn *in,
                              struct nvmx_result *res)
{
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = in->exit_reason;
	ex.insn_len = insn_len(in->exit_reason);
	ex.flags = NVMX_INSN_INFO_VALID;
	if (in->mem)
		h->gpr[RBX] = in->la;
	ex.insn_info = refhost_insn_info(in);
	ex.qualification = 0;
	enum nvmx_status s = nvmx_vcpu_emulate_vmx_insn(h->vcpu, &ex, res);
	if (s == NVMX_STATUS_OK && res->action == NVMX_ACTION_RUN_L2)
		refhost_hw_enter(h);
	return s;
}

void refhost_hw_enter(struct refhost *h)
{
	if (refhost_vmcs02_get(h, NVMX_F_VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_LOAD_DEBUG_CONTROLS)
		h->dr7 = (refhost_vmcs02_get(h, NVMX_F_GUEST_DR7) & ~((1ull << 12) | (3ull << 14))) |
		         (1ull << 10);
}

void refhost_hw_exit(struct refhost *h)
{
	if (refhost_vmcs02_get(h, NVMX_F_VM_EXIT_CONTROLS) & NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS)
		refhost_vmcs02_set(h, NVMX_F_GUEST_DR7, h->dr7);
}
