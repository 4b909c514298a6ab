/* SPDX-License-Identifier: MIT */
/*
 * VPIDs for L2 (SDM 29.1 VPIDs, 29.4.3 maintenance of the TLBs, INVVPID in
 * chapter 31). L1 names L2's address space with VPID12; the hardware sees a
 * VPID02 from the host's pool (cfg.vpid02_first/count). The pool is bounded:
 * when it runs out, the least recently used VPID02 is taken from its VPID12,
 * and its next user starts with a flush. All-context INVVPID is one
 * generation bump: each VPID02 is flushed at its next VM entry, so its cost
 * does not grow with the pool. The map is per VM: every function here that
 * reads or changes it holds the VM lock.
 */
#include "ept_int.h"

#define VPID_DEFAULT_FIRST 0xff00u
#define VPID_DEFAULT_COUNT 255u
#define VPID_MAX_COUNT 4096u

enum nvmx_status nvmx_vpid_vm_init(struct nvmx_vm *vm)
{
	uint32_t first = vm->cfg.vpid02_first, count = vm->cfg.vpid02_count;
	if (count == 0) {
		first = VPID_DEFAULT_FIRST;
		count = VPID_DEFAULT_COUNT;
	}
	if (first == 0 || count < 2 || first + count - 1u > 0xffffu)
		return NVMX_STATUS_INVALID_ARGUMENT;
	if (count > VPID_MAX_COUNT)
		count = VPID_MAX_COUNT;
	struct nvmx_ept_vm *e = &vm->ept;
	e->vpid_none = (uint16_t)first;
	e->vpid_gen = 1;
	e->nvpid = count - 1u;
	e->vpid = nvmx_vm_alloc(vm, sizeof(*e->vpid) * e->nvpid);
	if (!e->vpid)
		return NVMX_STATUS_NO_MEMORY;
	for (uint32_t i = 0; i < e->nvpid; i++)
		e->vpid[i] = (struct nvmx_vpid_slot){ 0, 0, 0, (uint16_t)(first + 1u + i) };
	return NVMX_STATUS_OK;
}

void nvmx_vpid_vm_fini(struct nvmx_vm *vm)
{
	nvmx_vm_free(vm, vm->ept.vpid, sizeof(*vm->ept.vpid) * vm->ept.nvpid);
	vm->ept.vpid = NULL;
}

static struct nvmx_vpid_slot *find(const struct nvmx_vm *vm, uint16_t vpid12)
{
	const struct nvmx_ept_vm *e = &vm->ept;
	for (uint32_t i = 0; i < e->nvpid; i++)
		if (e->vpid[i].lru && e->vpid[i].vpid12 == vpid12)
			return &e->vpid[i];
	return NULL;
}

uint16_t nvmx_vpid_lookup(const struct nvmx_vm *vm, uint16_t vpid12)
{
	struct nvmx_vm *mvm = (struct nvmx_vm *)(uintptr_t)vm;  /* the lock only */
	nvmx_vm_lock(mvm);
	const struct nvmx_vpid_slot *s = find(vm, vpid12);
	uint16_t vpid02 = s ? s->vpid02 : 0;
	nvmx_vm_unlock(mvm);
	return vpid02;
}

uint16_t nvmx_vpid_for_entry(struct nvmx_vcpu *v, bool l1_vpid_enabled, uint16_t vpid12,
                             bool *flush)
{
	struct nvmx_ept_vm *e = &v->vm->ept;
	/* SDM 29.4.3.3: with "enable VPID" 0, every VM entry and exit
	 * invalidates the linear and combined mappings of VPID 0, which L1 and
	 * L2 share in L1's view. VPID 0 in VMCS12 with VPID enabled fails the
	 * entry checks before we get here; treat it the same way regardless. */
	if (!l1_vpid_enabled || vpid12 == 0) {
		*flush = true;
		return e->vpid_none;
	}
	nvmx_vm_lock(v->vm);
	struct nvmx_vpid_slot *s = find(v->vm, vpid12);
	*flush = false;
	if (!s) {
		/* A free slot, else the least recently used one. */
		s = &e->vpid[0];
		for (uint32_t i = 0; i < e->nvpid; i++) {
			if (!e->vpid[i].lru) {
				s = &e->vpid[i];
				break;
			}
			if (e->vpid[i].lru < s->lru)
				s = &e->vpid[i];
		}
		s->vpid12 = vpid12;
		/* Whatever the hardware holds for this VPID02 belongs to its last
		 * owner (or to nobody we know of): start clean. */
		*flush = true;
	} else if (s->gen != e->vpid_gen) {
		*flush = true;  /* an all-context INVVPID since its last entry */
	}
	s->gen = e->vpid_gen;
	s->lru = ++e->vpid_clock;
	uint16_t vpid02 = s->vpid02;
	nvmx_vm_unlock(v->vm);
	return vpid02;
}

bool nvmx_vpid_exit_flush(const struct nvmx_vcpu *v, bool l1_vpid_enabled)
{
	NVMX_UNUSED(v);
	return !l1_vpid_enabled;
}

/* The widest-needed-first fallback when the hardware lacks a type. */
static uint32_t hw_type(const struct nvmx_vm *vm, uint32_t type)
{
	static const uint64_t bit[4] = { NVMX_VPID_CAP_INVVPID_ADDR, NVMX_VPID_CAP_INVVPID_SINGLE,
	                                 NVMX_VPID_CAP_INVVPID_ALL,
	                                 NVMX_VPID_CAP_INVVPID_SINGLE_NONGLOBAL };
	uint64_t hw = ept_hw_cap(vm);
	if (hw & bit[type])
		return type;
	if ((type == 0 || type == 3) && (hw & bit[1]))
		return 1;
	return 2;
}

static void invvpid(struct nvmx_vcpu *v, uint32_t type, uint16_t vpid02, uint64_t la)
{
	uint32_t t = hw_type(v->vm, type);
	nvmx_host_hw_invvpid(&v->vm->ops, v->host, t, t == 2 ? 0 : vpid02, t == 0 ? la : 0);
}

void nvmx_vpid_flush(struct nvmx_vcpu *v, uint16_t vpid)
{
	if (vpid)
		invvpid(v, 1, vpid, 0);
}

enum nvmx_status nvmx_vpid_invvpid(struct nvmx_vcpu *v, uint64_t type, uint16_t vpid12,
                                   uint64_t la)
{
	struct nvmx_ept_vm *e = &v->vm->ept;
	if (type > 3)
		return NVMX_STATUS_INVALID_ARGUMENT;
	if (type == 2) {
		/* All contexts of L1 = every VPID02 this VM maps (VPID 0 is
		 * excluded by the SDM; the no-VPID value is flushed at every
		 * entry anyway): each is flushed before its next use. */
		nvmx_vm_lock(v->vm);
		e->vpid_gen++;
		nvmx_vm_unlock(v->vm);
		return NVMX_STATUS_OK;
	}
	nvmx_vm_lock(v->vm);
	const struct nvmx_vpid_slot *s = find(v->vm, vpid12);
	uint16_t vpid02 = s ? s->vpid02 : 0;
	nvmx_vm_unlock(v->vm);
	if (vpid02)  /* else never mapped, or recycled with a flush */
		invvpid(v, (uint32_t)type, vpid02, la);
	return NVMX_STATUS_OK;
}
