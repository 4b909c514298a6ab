/* SPDX-License-Identifier: MIT */
/*
 * The library's internal objects. Every module reaches the host only through
 * the wrappers at the end of this file, which also count hardware VMCS
 * accesses.
 */
#ifndef NVMX_CORE_H
#define NVMX_CORE_H

#include "deps.h"
#include "host_ops.h"
#include <nvmx/nvmx.h>
#include "caps/caps.h"
#include "vmcs/fields.h"
#include "vmcs/vmcs12.h"
#include "vmcs/sync.h"
#include "entry/entry_state.h"
#include "exit/exit_state.h"
#include "ept/ept_state.h"

struct nvmx_vm {
	struct nvmx_host_ops ops;       /* the host's table, zero-extended to our size */
	void *host;
	struct nvmx_vm_config cfg;
	struct nvmx_caps caps;          /* what L1 is offered */
	uint32_t nvcpus;
	/* Bumped when what L1 is offered changes (nvmx_vm_set_cap,
	 * nvmx_vm_set_maxphyaddr) and when L0 reports a change to its backing
	 * of L1 memory (nvmx_vm_notify_l1_mem_changed): results cached from either
	 * are recomputed (entry.c, the VMRESUME fast path). */
	uint64_t caps_gen;
	uint64_t map_gen;
	struct nvmx_ept_vm ept;
};

#define NVMX_NO_VMPTR (~0ull)

struct nvmx_vcpu {
	struct nvmx_vm *vm;
	void *host;
	bool vmxon;                     /* in VMX operation (root or non-root) */
	bool in_l2;                     /* L2 is the current guest (VMX non-root for L1) */
	/* The VMX-abort indicator of a VMX abort that shut L1 down (SDM 28.7),
	 * 0 when none happened. */
	uint32_t abort_pending;
	uint64_t vmxon_ptr;
	uint64_t current_vmptr;         /* NVMX_NO_VMPTR when there is no current VMCS */
	struct nvmx_vmcs12 *cur;        /* cache slot of the current VMCS12, or NULL */
	struct nvmx_vmcs12 *cache;      /* vm->cfg.vmcs12_cache_slots slots */
	uint32_t ncache;
	uint64_t lru_clock;
	struct nvmx_vcpu_stats stats;
	struct nvmx_sync sync;          /* which VMCS02 and VMCS12 values agree (vmcs/sync.h) */
	struct nvmx_entry_vcpu entry;
	struct nvmx_exit_vcpu exit;
	struct nvmx_ept_vcpu ept;
};

/* ---- host wrappers: vCPU context ---- */

static inline uint64_t nvmx_vmcs02_read(struct nvmx_vcpu *v, uint32_t field)
{
	v->stats.vmcs_reads++;
	return nvmx_host_vmcs_read(&v->vm->ops, v->host, field);
}

/* n reads of VMCS02 through one vmcs_read_n call when the host has it. */
static inline void nvmx_vmcs02_read_n(struct nvmx_vcpu *v, const uint32_t *fields,
                                      uint64_t *values, unsigned n)
{
	const struct nvmx_host_ops *o = &v->vm->ops;
	v->stats.vmcs_reads += n;
	if (o->vmcs_read_n) {
		nvmx_host_vmcs_read_n(o, v->host, fields, values, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		values[i] = nvmx_host_vmcs_read(o, v->host, fields[i]);
}

/* Write VMCS02 field `idx` (compact index): the only write path, so the
 * VMCS02 shadow (vmcs/sync.h) knows every value the library wrote. */
static inline void nvmx_vmcs02_put(struct nvmx_vcpu *v, unsigned idx, uint64_t value)
{
	v->stats.vmcs_writes++;
	nvmx_sync_note_write(&v->sync, idx, value);
	nvmx_host_vmcs_write(&v->vm->ops, v->host, nvmx_field_table[idx].encoding, value);
}

static inline uint64_t nvmx_l1_read(struct nvmx_vcpu *v, uint32_t field)
{
	return nvmx_host_l1_read(&v->vm->ops, v->host, field);
}

/* n reads of L1's state through one l1_read_n call when the host has it. */
static inline void nvmx_l1_read_n(struct nvmx_vcpu *v, const uint32_t *fields, uint64_t *values,
                                  unsigned n)
{
	const struct nvmx_host_ops *o = &v->vm->ops;
	if (o->l1_read_n) {
		nvmx_host_l1_read_n(o, v->host, fields, values, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		values[i] = nvmx_host_l1_read(o, v->host, fields[i]);
}

/* host_state.c: the library wrote `field` of VMCS01 (the known-content
 * cache of NVMX_L1_SKIP_UNCHANGED follows). */
void nvmx_exit_l1k_wrote(struct nvmx_vcpu *v, uint32_t field, uint64_t value);

static inline void nvmx_l1_write(struct nvmx_vcpu *v, uint32_t field, uint64_t value)
{
	/* RIP and RSP, the writes of every emulated instruction, are never
	 * tracked; the rest only once something is known. */
	if (v->exit.l1k_known | v->exit.l1k_snap) { /* 0 unless skipping is on */
		if (field == NVMX_F_GUEST_RFLAGS) {
			v->exit.l1k_val[NVMX_L1K_RFLAGS] = value;
			v->exit.l1k_known |= 1ull << NVMX_L1K_RFLAGS;
		} else if (field != NVMX_F_GUEST_RIP && field != NVMX_F_GUEST_RSP) {
			nvmx_exit_l1k_wrote(v, field, value);
		}
	}
	nvmx_host_l1_write(&v->vm->ops, v->host, field, value);
}

/*
 * L1's general-purpose registers, with one authority each (docs/host-
 * callbacks.md, "L1's registers"): RSP is VMCS01's GUEST_RSP, read and
 * written through l1_read/l1_write like RIP and RFLAGS (a VM exit loads it
 * from HOST_RSP there); the other fifteen go through l1_gpr_read/write,
 * which the library never calls with register 4.
 */
#define NVMX_GPR_RSP 4u
static inline uint64_t nvmx_l1_gpr(struct nvmx_vcpu *v, unsigned reg)
{
	reg &= 15u;
	if (reg == NVMX_GPR_RSP)
		return nvmx_l1_read(v, NVMX_F_GUEST_RSP);
	return nvmx_host_l1_gpr_read(&v->vm->ops, v->host, reg);
}

static inline void nvmx_l1_set_gpr(struct nvmx_vcpu *v, unsigned reg, uint64_t value)
{
	reg &= 15u;
	if (reg == NVMX_GPR_RSP) {
		nvmx_l1_write(v, NVMX_F_GUEST_RSP, value);
		return;
	}
	nvmx_host_l1_gpr_write(&v->vm->ops, v->host, reg, value);
}

static inline enum nvmx_status nvmx_gpa_read(struct nvmx_vcpu *v, uint64_t gpa, void *buf,
                                             size_t len)
{
	return nvmx_host_gpa_read(&v->vm->ops, v->host, gpa, buf, len);
}

static inline enum nvmx_status nvmx_gpa_write(struct nvmx_vcpu *v, uint64_t gpa,
                                              const void *buf, size_t len)
{
	return nvmx_host_gpa_write(&v->vm->ops, v->host, gpa, buf, len);
}

static inline void nvmx_trace(struct nvmx_vcpu *v, uint32_t kind, uint32_t reason, uint64_t a,
                              uint64_t b)
{
	if (v->vm->ops.trace) {
		struct nvmx_trace ev = { kind, reason, a, b };
		nvmx_host_trace(&v->vm->ops, v->host, &ev);
	}
}

/* The VM lock (host.h: vm_lock), taken around every use of the VM's shared
 * shadow-EPT and VPID state; nothing when the host runs one thread. */
static inline void nvmx_vm_lock(struct nvmx_vm *vm)
{
	if (vm->ops.vm_lock)
		nvmx_host_vm_lock(&vm->ops, vm->host);
}

static inline void nvmx_vm_unlock(struct nvmx_vm *vm)
{
	if (vm->ops.vm_unlock)
		nvmx_host_vm_unlock(&vm->ops, vm->host);
}

/* Allocation through the VM's host. */
void *nvmx_vm_alloc(struct nvmx_vm *vm, size_t size);
void nvmx_vm_free(struct nvmx_vm *vm, void *p, size_t size);

/*
 * The size rule of every caller-filled struct (docs/host-callbacks.md,
 * "Versioning"): its first member `uint32_t size` is the caller's sizeof.
 * A size below `min` (the end of the last member of the first published
 * layout) or above 4 KiB is INVALID_ARGUMENT; an older, shorter struct is
 * zero-extended into `dst` (members beyond `size` count as 0, the default);
 * a newer, longer one is NOT_SUPPORTED unless every byte the library does
 * not know is 0. Reserved members are the caller's promise of zeros:
 * nvmx_zero checks them.
 */
static inline bool nvmx_zero(const void *p, size_t len)
{
	const uint8_t *b = (const uint8_t *)p;
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static inline enum nvmx_status nvmx_abi_load(void *dst, size_t dst_size, const void *src, size_t min)
{
	uint32_t size;
	nvmx_memcpy(&size, src, sizeof(size));
	if (size < min || size > 4096u)
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_memset(dst, 0, dst_size);
	nvmx_memcpy(dst, src, size < dst_size ? size : dst_size);
	if (size > dst_size && !nvmx_zero((const uint8_t *)src + dst_size, size - dst_size))
		return NVMX_STATUS_NOT_SUPPORTED;
	return NVMX_STATUS_OK;
}

#define NVMX_RESERVED_ZERO(s, m) nvmx_zero(&(s)->m, sizeof((s)->m))

#endif
