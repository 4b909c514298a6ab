/* SPDX-License-Identifier: MIT */
/* VM and vCPU objects. */
#include "core.h"
#include "ept/ept.h"
#include "entry/entry.h"
#include "exit/exit.h"
#include <nvmx/exit.h>

NVMX_EXPORT void nvmx_vm_config_default(struct nvmx_vm_config *cfg)
{
	nvmx_memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->vmcs12_cache_slots = 8;
	cfg->shadow_ept_budget = 64ull << 20;
	/* cfg->hw stays empty: the host fills it from its processor's MSRs.
	 * A VM is never offered an example CPU's features by accident. */
}

NVMX_EXPORT void nvmx_vm_config_example(struct nvmx_vm_config *cfg)
{
	nvmx_vm_config_default(cfg);
	nvmx_hw_caps_example(&cfg->hw);
}

void *nvmx_vm_alloc(struct nvmx_vm *vm, size_t size)
{
	return nvmx_host_alloc(&vm->ops, vm->host, size);
}

void nvmx_vm_free(struct nvmx_vm *vm, void *p, size_t size)
{
	if (p)
		nvmx_host_free(&vm->ops, vm->host, p, size);
}

/* The first required callback `o` lacks (by member name), or NULL: the
 * REQ rows of the host-op table (host_ops.h) in table order, then the two
 * conditional rules. */
static const char *ops_missing(const struct nvmx_host_ops *o, uint32_t vm_flags)
{
#define NEED_REQ(m) \
	if (!o->m) \
		return #m;
#define NEED_OPT(m)
#define ROW_R(ret, name, need, scope, params, args) NEED_##need(name)
#define ROW_V(name, need, scope, params, args) NEED_##need(name)
	NVMX_HOST_OPS(ROW_R, ROW_V)
#undef ROW_R
#undef ROW_V
#undef NEED_REQ
#undef NEED_OPT
	if ((vm_flags & NVMX_VM_WRITE_PROTECT_EPT12) && !o->l0_write_protect)
		return "l0_write_protect";
	/* The lock callbacks come as a pair or not at all. */
	if (!o->vm_lock != !o->vm_unlock)
		return o->vm_lock ? "vm_unlock" : "vm_lock";
	return NULL;
}

/* An ops table as the library reads it: zero-extended when older and
 * shorter. False when it does not reach the first callback. */
static bool ops_load(const struct nvmx_host_ops *ops, struct nvmx_host_ops *o)
{
	nvmx_memset(o, 0, sizeof(*o));
	if (ops->size < offsetof(struct nvmx_host_ops, gpa_read))
		return false;
	nvmx_memcpy(o, ops, ops->size < sizeof(*o) ? ops->size : sizeof(*o));
	return true;
}

NVMX_EXPORT const char *nvmx_host_ops_missing(const struct nvmx_host_ops *ops, uint32_t vm_flags)
{
	if (!ops)
		return "ops";
	struct nvmx_host_ops o;
	if (!ops_load(ops, &o))
		return "size";
	return ops_missing(&o, vm_flags);
}

NVMX_EXPORT enum nvmx_status nvmx_vm_create(const struct nvmx_vm_config *cfg,
                                            const struct nvmx_host_ops *ops, void *host,
                                            struct nvmx_vm **out)
{
	if (!cfg || !ops || !out)
		return NVMX_STATUS_INVALID_ARGUMENT;
	*out = NULL;
	struct nvmx_vm_config c;
	NVMX_CHECK(nvmx_abi_load(&c, sizeof(c), cfg, offsetof(struct nvmx_vm_config, reserved)));
	if (!NVMX_RESERVED_ZERO(&c, reserved) || !NVMX_RESERVED_ZERO(&c.hw, reserved0) ||
	    !NVMX_RESERVED_ZERO(&c.hw, reserved) || !NVMX_RESERVED_ZERO(ops, reserved0))
		return NVMX_STATUS_INVALID_ARGUMENT;
	cfg = &c;
	if (cfg->vmcs12_cache_slots < 1 || cfg->vmcs12_cache_slots > 64)
		return NVMX_STATUS_INVALID_ARGUMENT;
	/* IA32_VMX_BASIC is never 0 on a processor with VMX (SDM A.1): an
	 * empty hw means the host did not describe its processor. */
	if (cfg->hw.vmx_msr[0] == 0)
		return NVMX_STATUS_NO_HW_CAPS;
	/* Zero-extend an older, shorter ops table: missing members are NULL.
	 * nvmx_host_ops_missing names what BAD_OPS is about. */
	struct nvmx_host_ops o;
	if (!ops_load(ops, &o) || ops_missing(&o, cfg->flags))
		return NVMX_STATUS_BAD_OPS;

	struct nvmx_vm *vm = nvmx_host_alloc(&o, host, sizeof(*vm));
	if (!vm)
		return NVMX_STATUS_NO_MEMORY;
	nvmx_memset(vm, 0, sizeof(*vm));
	vm->ops = o;
	vm->host = host;
	vm->cfg = *cfg;
	enum nvmx_status s = nvmx_caps_init(&vm->caps, &cfg->hw);
	if (s == NVMX_STATUS_OK)
		s = nvmx_ept_vm_init(vm);
	if (s != NVMX_STATUS_OK) {
		nvmx_host_free(&o, host, vm, sizeof(*vm));
		return s;
	}
	*out = vm;
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vm_destroy(struct nvmx_vm *vm)
{
	if (!vm)
		return NVMX_STATUS_OK;
	if (nvmx_atomic_load(&vm->nvcpus))
		return NVMX_STATUS_BUSY;
	nvmx_ept_vm_fini(vm);
	nvmx_host_free(&vm->ops, vm->host, vm, sizeof(*vm));
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vm_get_cap(const struct nvmx_vm *vm, uint32_t msr,
                                             uint64_t *value)
{
	if (!vm || !value)
		return NVMX_STATUS_INVALID_ARGUMENT;
	return nvmx_caps_get(&vm->caps, msr, value);
}

NVMX_EXPORT enum nvmx_status nvmx_vm_set_cap(struct nvmx_vm *vm, uint32_t msr, uint64_t value)
{
	if (!vm)
		return NVMX_STATUS_INVALID_ARGUMENT;
	enum nvmx_status st = nvmx_caps_set(&vm->caps, msr, value);
	if (st == NVMX_STATUS_OK)
		vm->caps_gen++;
	return st;
}

NVMX_EXPORT enum nvmx_status nvmx_vm_set_maxphyaddr(struct nvmx_vm *vm, uint8_t bits)
{
	if (!vm)
		return NVMX_STATUS_INVALID_ARGUMENT;
	enum nvmx_status st = nvmx_caps_set_maxphyaddr(&vm->caps, bits);
	if (st == NVMX_STATUS_OK)
		vm->caps_gen++;
	return st;
}

NVMX_EXPORT uint8_t nvmx_vm_maxphyaddr(const struct nvmx_vm *vm)
{
	return vm->caps.maxphyaddr;
}

NVMX_EXPORT bool nvmx_vm_field_exists(const struct nvmx_vm *vm, uint64_t encoding)
{
	int idx = nvmx_field_lookup(encoding);
	return idx >= 0 && nvmx_caps_has(&vm->caps, nvmx_field_table[idx].feature);
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_create(struct nvmx_vm *vm, void *host,
                                              struct nvmx_vcpu **out)
{
	if (!vm || !out)
		return NVMX_STATUS_INVALID_ARGUMENT;
	*out = NULL;
	struct nvmx_vcpu *v = nvmx_vm_alloc(vm, sizeof(*v));
	if (!v)
		return NVMX_STATUS_NO_MEMORY;
	nvmx_memset(v, 0, sizeof(*v));
	v->ncache = vm->cfg.vmcs12_cache_slots;
	v->cache = nvmx_vm_alloc(vm, sizeof(*v->cache) * v->ncache);
	if (!v->cache) {
		nvmx_vm_free(vm, v, sizeof(*v));
		return NVMX_STATUS_NO_MEMORY;
	}
	nvmx_memset(v->cache, 0, sizeof(*v->cache) * v->ncache);
	for (uint32_t i = 0; i < v->ncache; i++)
		v->cache[i].gpa = NVMX_NO_VMPTR;
	v->vm = vm;
	v->host = host;
	v->current_vmptr = NVMX_NO_VMPTR;
	nvmx_sync_init(&v->sync);
	enum nvmx_status s = nvmx_ept_vcpu_init(v);
	if (s != NVMX_STATUS_OK) {
		nvmx_vm_free(vm, v->cache, sizeof(*v->cache) * v->ncache);
		nvmx_vm_free(vm, v, sizeof(*v));
		return s;
	}
	nvmx_atomic_add(&vm->nvcpus, 1u);
	*out = v;
	return NVMX_STATUS_OK;
}

NVMX_EXPORT void nvmx_vcpu_destroy(struct nvmx_vcpu *v)
{
	if (!v)
		return;
	struct nvmx_vm *vm = v->vm;
	nvmx_entry_vcpu_fini(v);
	nvmx_ept_vcpu_fini(v);
	nvmx_vm_free(vm, v->cache, sizeof(*v->cache) * v->ncache);
	nvmx_vm_free(vm, v, sizeof(*v));
	nvmx_atomic_add(&vm->nvcpus, (uint32_t)-1);
}

NVMX_EXPORT void nvmx_vcpu_get_stats(const struct nvmx_vcpu *v, struct nvmx_vcpu_stats *st)
{
	*st = v->stats;
}

NVMX_EXPORT bool nvmx_vcpu_in_vmx_operation(const struct nvmx_vcpu *v)
{
	return v->vmxon;
}

NVMX_EXPORT bool nvmx_vcpu_in_l2(const struct nvmx_vcpu *v)
{
	return v->in_l2;
}

NVMX_EXPORT uint64_t nvmx_vcpu_current_vmptr(const struct nvmx_vcpu *v)
{
	return v->current_vmptr;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_vmcs12_peek(const struct nvmx_vcpu *v, uint64_t encoding,
                                                   uint64_t *value)
{
	if (!v || !value)
		return NVMX_STATUS_INVALID_ARGUMENT;
	if (!v->vmxon || !v->cur)
		return NVMX_STATUS_WRONG_STATE;
	int idx = nvmx_field_lookup(encoding);
	if (idx < 0 || !nvmx_caps_has(&v->vm->caps, nvmx_field_table[idx].feature))
		return NVMX_STATUS_INVALID_ARGUMENT;
	unsigned type = NVMX_FIELD_TYPE((uint32_t)encoding);
	if (type != NVMX_FIELD_TYPE_CONTROL && type != NVMX_FIELD_TYPE_HOST)
		return NVMX_STATUS_INVALID_ARGUMENT;
	uint64_t x = v->cur->f[idx];
	*value = NVMX_FIELD_ACCESS_HIGH((uint32_t)encoding) ? x >> 32 : x;
	return NVMX_STATUS_OK;
}

/* ---- INIT and RESET (SDM 24.8, 26.2) ---- */

static enum nvmx_status init_signal(struct nvmx_vcpu *v, struct nvmx_result *res)
{
	if (!v->vmxon) {
		res->action = NVMX_ACTION_INIT_L1;
		res->reason = NVMX_REASON_VCPU_INIT_OUTSIDE_VMX;
		return NVMX_STATUS_OK;
	}
	if (!v->in_l2) {
		/* "INIT signals are blocked whenever a logical processor is in
		 * VMX root operation." */
		res->action = NVMX_ACTION_RESUME_L1;
		res->reason = NVMX_REASON_VCPU_INIT_BLOCKED_ROOT;
		return NVMX_STATUS_OK;
	}
	/* In VMX non-root operation INIT causes a VM exit, except in the
	 * wait-for-SIPI state (activity state 3), which blocks it. */
	if (nvmx_vmcs02_read(v, NVMX_F_GUEST_ACTIVITY_STATE) == 3) {
		res->action = NVMX_ACTION_RUN_L2;
		res->reason = NVMX_REASON_VCPU_INIT_BLOCKED_WAIT_SIPI;
		return NVMX_STATUS_OK;
	}
	struct nvmx_synth_exit x;
	nvmx_memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = NVMX_SYNTH_INIT;
	NVMX_CHECK(nvmx_vcpu_inject_exit(v, &x, res));
	if (res->outcome == NVMX_OUTCOME_EXIT_TO_L1)
		res->reason = NVMX_REASON_VCPU_INIT_EXIT;
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_init_signal(struct nvmx_vcpu *v, struct nvmx_result *res)
{
	if (!v || !res)
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_memset(res, 0, sizeof(*res));
	/* The host may reset L1's registers after an INIT: the next exit
	 * writes all of L1's host state. */
	nvmx_exit_l1k_forget(v);
	enum nvmx_status st = init_signal(v, res);
	if (st == NVMX_STATUS_OK)
		nvmx_trace(v, NVMX_TRACE_VCPU, res->reason, 1, res->action);
	return st;
}

NVMX_EXPORT void nvmx_vcpu_reset(struct nvmx_vcpu *v)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < v->ncache; i++) {
		v->cache[i].gpa = NVMX_NO_VMPTR;
		v->cache[i].mem_dirty = false;
		v->cache[i].launched = false;
	}
	v->cur = NULL;
	v->vmxon = false;
	v->in_l2 = false;
	v->vmxon_ptr = 0;
	v->current_vmptr = NVMX_NO_VMPTR;
	/* VMCS02 is the host's to reset: nothing of it is read back, and the
	 * next entry writes every field (as after nvmx_vcpu_vmcs02_reset). */
	nvmx_sync_lazy_drop(&v->sync);
	nvmx_sync_vmcs02_forget_all(&v->sync);
	nvmx_sync_set_as_built(&v->sync, false);
	v->entry.built_gpa = NVMX_NO_VMPTR;
	v->entry.host_ok = false;
	v->entry.ctl_ok = false;
	nvmx_exit_l1k_forget(v);
	nvmx_trace(v, NVMX_TRACE_VCPU, NVMX_REASON_VCPU_RESET, 0, 0);
}

NVMX_EXPORT void nvmx_vcpu_l1_state_changed(struct nvmx_vcpu *v)
{
	if (v)
		nvmx_exit_l1k_forget(v);
}
