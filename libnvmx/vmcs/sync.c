/* SPDX-License-Identifier: MIT */
/* The owner of the VMCS02/VMCS12 sync state (sync.h). */
#include "../core.h"

void nvmx_sync_init(struct nvmx_sync *y)
{
	nvmx_memset(y, 0, sizeof(*y));
	/*
	 * What every L2 run or its exit may change in VMCS02: the exit-
	 * information fields (SDM 28.2), the guest-state area the processor
	 * saves (SDM 28.3), and the VM-entry interruption-information field,
	 * whose valid bit every VM exit clears (with its error code and
	 * instruction length, handled as one group). Not here: the VMCS link
	 * pointer, which no exit writes, and IA32_PAT and IA32_EFER, which an
	 * exit saves only under VMCS02's "save IA32_PAT"/"save IA32_EFER"
	 * controls (SDM 28.3.1; nvmx_sync_l2_ran). The processor writes no
	 * other control field.
	 */
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++) {
		unsigned t = NVMX_FIELD_TYPE(nvmx_field_table[i].encoding);
		if (i == NVMX_IDX_VMCS_LINK_POINTER || i == NVMX_IDX_GUEST_IA32_PAT ||
		    i == NVMX_IDX_GUEST_IA32_EFER)
			continue;
		if (t == NVMX_FIELD_TYPE_GUEST || t == NVMX_FIELD_TYPE_EXIT_INFO ||
		    i == NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD ||
		    i == NVMX_IDX_VM_ENTRY_EXCEPTION_ERROR_CODE ||
		    i == NVMX_IDX_VM_ENTRY_INSTRUCTION_LEN)
			y->volatile02[i / 64u] |= 1ull << (i % 64u);
	}
}

void nvmx_sync_vmcs02_forget(struct nvmx_vcpu *v, unsigned idx)
{
	if (idx >= NVMX_FIELD_COUNT)
		return;
	v->sync.known[idx / 64u] &= ~(1ull << (idx % 64u));
	/* Without a current VMCS12 the next entry is a full rebuild anyway
	 * (a VMPTRLD loads a VMCS12 marked all changed). */
	if (v->cur)
		nvmx_vmcs12_mark_differs(v->cur, idx);
}

void nvmx_sync_vmcs02_diverge(struct nvmx_vcpu *v, unsigned idx, uint64_t value)
{
	nvmx_vmcs02_put(v, idx, value);
	nvmx_sync_vmcs02_forget(v, idx);
}

void nvmx_sync_vmcs12_written_outside(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s, unsigned idx)
{
	if (idx >= NVMX_FIELD_COUNT)
		return;
	nvmx_vmcs12_mark_differs(s, idx);
	s->mem_dirty = true;
	/* The outside write wins over L2's value still in VMCS02. */
	if (v->sync.lazy_pending && s->gpa == v->sync.lazy_gpa)
		v->sync.lazy[idx / 64u] &= ~(1ull << (idx % 64u));
}

/* Whether the lazy state of the current VMCS12 is pending; drops a pending
 * set of a VMCS12 that is no longer current (every path that changes the
 * current VMCS12 copies first, sync.h). */
static bool pending_for_current(struct nvmx_vcpu *v)
{
	struct nvmx_sync *y = &v->sync;
	if (!y->lazy_pending)
		return false;
	if (!v->cur || v->cur->gpa != y->lazy_gpa) {
		y->lazy_pending = false;
		return false;
	}
	return true;
}

static void copy_unless_differs(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s, unsigned idx)
{
	if (nvmx_vmcs12_differs(s, idx))
		return;
	nvmx_vmcs12_store_as02(s, idx, nvmx_vmcs02_read(v, nvmx_field_table[idx].encoding));
}

void nvmx_sync_lazy_begin(struct nvmx_vcpu *v, const uint64_t *mask)
{
	struct nvmx_sync *y = &v->sync;
	struct nvmx_vmcs12 *s = v->cur;
	nvmx_memcpy(y->lazy, mask, sizeof(y->lazy));
	nvmx_memcpy(y->lazy_set, mask, sizeof(y->lazy_set));
	y->lazy_key = nvmx_sync_lazy_key(s);
	y->lazy_pending = true;
	y->lazy_gpa = s->gpa;
}

bool nvmx_sync_lazy_trusted(const struct nvmx_vcpu *v)
{
	const struct nvmx_sync *y = &v->sync;
	const struct nvmx_vmcs12 *s = v->cur;
	if (!y->lazy_pending || !s || s->gpa != y->lazy_gpa)
		return false;
	if (nvmx_vmcs12_differs_any(s, y->lazy_set))
		return false;
	return nvmx_sync_lazy_key(s) == y->lazy_key;
}

enum nvmx_status nvmx_sync_lazy_field(struct nvmx_vcpu *v, unsigned idx)
{
	if (idx >= NVMX_FIELD_COUNT || !pending_for_current(v))
		return NVMX_STATUS_OK;
	uint64_t bit = 1ull << (idx % 64u);
	if (!(v->sync.lazy[idx / 64u] & bit))
		return NVMX_STATUS_OK;
	v->sync.lazy[idx / 64u] &= ~bit;
	copy_unless_differs(v, v->cur, idx);
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_sync_lazy_all(struct nvmx_vcpu *v)
{
	if (!pending_for_current(v))
		return NVMX_STATUS_OK;
	struct nvmx_sync *y = &v->sync;
	y->lazy_pending = false;
	for (unsigned w = 0; w < NVMX_FIELD_WORDS; w++) {
		uint64_t m = y->lazy[w];
		y->lazy[w] = 0;
		for (unsigned b = 0; m && b < 64u; b++, m >>= 1)
			if (m & 1u)
				copy_unless_differs(v, v->cur, w * 64u + b);
	}
	return NVMX_STATUS_OK;
}
