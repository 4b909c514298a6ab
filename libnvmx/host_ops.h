/* SPDX-License-Identifier: MIT */
/*
 * The host callbacks (nvmx/host.h, struct nvmx_host_ops), one row each, in
 * the order of the struct: whether the library requires it (REQ) or copes
 * with NULL (OPT), and whether the library calls it for the VM (VM: any
 * vCPU's thread may call it, docs/host-callbacks.md "[vm]") or for one vCPU
 * (VCPU). From this table come the completeness check of
 * nvmx_host_ops_missing (core.c) and the wrappers below, the library's only
 * way to call the host: tests/util/host_ops_one_path.sh fails on a direct
 * `ops.`/`ops->` call anywhere else in libnvmx/.
 *
 * R(ret, name, need, scope, (params), (args)) for a callback with a result,
 * V(name, need, scope, (params), (args)) for one without; params and args
 * start with the host pointer. Wrappers are nvmx_host_<name>(ops, host,
 * ...): ops is the library's copy of the table (vm->ops), host the pointer
 * the host gave with the VM (VM rows) or with the vCPU (VCPU rows; VM rows
 * may also get a vCPU's pointer, docs/host-callbacks.md).
 */
#ifndef NVMX_HOST_OPS_H
#define NVMX_HOST_OPS_H

#include "deps.h"
#include <nvmx/host.h>

#define NVMX_HOST_OPS(R, V) \
	R(enum nvmx_status, gpa_read, REQ, VM, (void *host, uint64_t gpa, void *buf, size_t len), (host, gpa, buf, len)) \
	R(enum nvmx_status, gpa_write, REQ, VM, (void *host, uint64_t gpa, const void *buf, size_t len), (host, gpa, buf, len)) \
	R(enum nvmx_status, gpa_cmpxchg64, OPT, VM, (void *host, uint64_t gpa, uint64_t expected, uint64_t desired, bool *swapped), (host, gpa, expected, desired, swapped)) \
	R(enum nvmx_status, lin_read, REQ, VCPU, (void *host, uint64_t la, void *buf, size_t len, struct nvmx_fault *fault), (host, la, buf, len, fault)) \
	R(enum nvmx_status, lin_write, REQ, VCPU, (void *host, uint64_t la, const void *buf, size_t len, struct nvmx_fault *fault), (host, la, buf, len, fault)) \
	R(uint64_t, vmcs_read, REQ, VCPU, (void *host, uint32_t field), (host, field)) \
	V(vmcs_write, REQ, VCPU, (void *host, uint32_t field, uint64_t value), (host, field, value)) \
	R(uint64_t, l1_read, REQ, VCPU, (void *host, uint32_t field), (host, field)) \
	V(l1_write, REQ, VCPU, (void *host, uint32_t field, uint64_t value), (host, field, value)) \
	R(uint64_t, l1_gpr_read, REQ, VCPU, (void *host, unsigned reg), (host, reg)) \
	V(l1_gpr_write, REQ, VCPU, (void *host, unsigned reg, uint64_t value), (host, reg, value)) \
	R(enum nvmx_status, l1_msr_read, REQ, VCPU, (void *host, uint32_t msr, uint64_t *value), (host, msr, value)) \
	R(enum nvmx_status, msr_load, OPT, VCPU, (void *host, bool l2, uint32_t msr, uint64_t value), (host, l2, msr, value)) \
	R(enum nvmx_status, msr_store, OPT, VCPU, (void *host, uint32_t msr, uint64_t *value), (host, msr, value)) \
	R(enum nvmx_status, gpa_to_hpa, REQ, VM, (void *host, uint64_t gpa, struct nvmx_l0_map *map), (host, gpa, map)) \
	R(enum nvmx_status, page_alloc, REQ, VM, (void *host, void **va, uint64_t *hpa), (host, va, hpa)) \
	V(page_free, REQ, VM, (void *host, void *va, uint64_t hpa), (host, va, hpa)) \
	R(void *, alloc, REQ, VM, (void *host, size_t size), (host, size)) \
	V(free, REQ, VM, (void *host, void *ptr, size_t size), (host, ptr, size)) \
	V(hw_invept, REQ, VM, (void *host, uint32_t type, uint64_t eptp), (host, type, eptp)) \
	V(hw_invvpid, REQ, VM, (void *host, uint32_t type, uint16_t vpid, uint64_t la), (host, type, vpid, la)) \
	V(trace, OPT, VM, (void *host, const struct nvmx_trace *ev), (host, ev)) \
	R(enum nvmx_status, l0_write_protect, OPT, VM, (void *host, uint64_t gpa, bool protect), (host, gpa, protect)) \
	V(l1_write_n, OPT, VCPU, (void *host, const struct nvmx_field_value *fv, unsigned n), (host, fv, n)) \
	V(vmcs_read_n, OPT, VCPU, (void *host, const uint32_t *fields, uint64_t *values, unsigned n), (host, fields, values, n)) \
	V(l1_read_n, OPT, VCPU, (void *host, const uint32_t *fields, uint64_t *values, unsigned n), (host, fields, values, n)) \
	V(vm_lock, OPT, VM, (void *host), (host)) \
	V(vm_unlock, OPT, VM, (void *host), (host))

/* The wrappers, one per row. */
#define NVMX_HOST_WRAP_R_(ret, name, need, scope, params, args) \
	static inline ret nvmx_host_##name(const struct nvmx_host_ops *ops, NVMX_HOST_UNPAREN_ params) \
	{ \
		return ops->name args; \
	}
#define NVMX_HOST_WRAP_V_(name, need, scope, params, args) \
	static inline void nvmx_host_##name(const struct nvmx_host_ops *ops, NVMX_HOST_UNPAREN_ params) \
	{ \
		ops->name args; \
	}
#define NVMX_HOST_UNPAREN_(...) __VA_ARGS__
NVMX_HOST_OPS(NVMX_HOST_WRAP_R_, NVMX_HOST_WRAP_V_)
#undef NVMX_HOST_WRAP_R_
#undef NVMX_HOST_WRAP_V_

/* Whether the host gave callback `name` (for the OPT rows). */
#define NVMX_HOST_HAS(ops, name) ((ops)->name != NULL)

#endif
