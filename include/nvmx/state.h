/* SPDX-License-Identifier: MIT */
/*
 * Nested state: save a vCPU's whole nested-VMX state into a buffer, restore
 * it (into the same vCPU, a fresh one, or one on another host), and flush
 * the cached VMCS12s to L1 memory. docs/nested-state.md has the format, what
 * is saved, what is rebuilt, and what the host restores itself.
 */
#ifndef NVMX_STATE_H
#define NVMX_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "reason.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nvmx_vcpu;

/* Save flag: write every cached VMCS12 back to L1 memory and keep only its
 * address and launch state in the blob (the host copies L1 memory itself).
 * Without it the VMCS12 contents travel in the blob. */
#define NVMX_STATE_FLUSH_VMCS12 (1u << 0)

/*
 * The items of the L0-policy section of a vCPU blob (struct nvmx_l0_policy,
 * nvmx/entry.h), by the number each record carries. "Checked" items must
 * equal the policy the host has set on the vCPU it restores into (else
 * STATE_POLICY_MISMATCH naming the item): they decide which exits are L0's
 * and what VMCS02 holds, so a rollback under another policy would not
 * behave as the saved vCPU did. The others are L0-local values (a physical
 * address, L0's own VPID, L1's TSC offset and multiplier on this host) that
 * a migration legitimately changes: saved for the record, never compared.
 * L0's bitmaps are saved as XXH64 digests of their 4 KiB contents.
 */
enum nvmx_state_policy_item {
	NVMX_STATE_POLICY_FLAGS = 1,            /* checked */
	NVMX_STATE_POLICY_PIN_SET = 2,          /* checked */
	NVMX_STATE_POLICY_PROC_SET = 3,         /* checked */
	NVMX_STATE_POLICY_PROC2_SET = 4,        /* checked */
	NVMX_STATE_POLICY_EXIT_SET = 5,         /* checked */
	NVMX_STATE_POLICY_ENTRY_SET = 6,        /* checked */
	NVMX_STATE_POLICY_EXCEPTION_BITMAP = 7, /* checked */
	NVMX_STATE_POLICY_CR0_MASK = 8,         /* checked */
	NVMX_STATE_POLICY_CR4_MASK = 9,         /* checked */
	NVMX_STATE_POLICY_MSR_BITMAP = 10,      /* checked: present, and its digest */
	NVMX_STATE_POLICY_IO_BITMAP_A = 11,     /* checked: present, and its digest */
	NVMX_STATE_POLICY_IO_BITMAP_B = 12,     /* checked: present, and its digest */
	NVMX_STATE_POLICY_TSC_OFFSET = 13,      /* L0-local */
	NVMX_STATE_POLICY_TSC_MULTIPLIER = 14,  /* L0-local */
	NVMX_STATE_POLICY_EPTP01 = 15,          /* L0-local */
	NVMX_STATE_POLICY_VPID01 = 16,          /* L0-local */
	NVMX_STATE_POLICY_L1_FLAGS = 17,        /* L0-local: what VMCS01 intercepts */
	NVMX_STATE_POLICY_L1_CR0_MASK = 18,     /* L0-local */
	NVMX_STATE_POLICY_L1_CR4_MASK = 19,     /* L0-local */
	NVMX_STATE_POLICY_L1_MSR_BITMAP = 20,   /* L0-local: present, and its digest */
};

/* Blob format version this library writes and reads. */
#define NVMX_STATE_FORMAT_VERSION 1u

/* The largest blob nvmx_vcpu_save can produce for this vCPU with `flags`
 * (it depends only on the number of cache slots). */
NVMX_API enum nvmx_status nvmx_vcpu_state_size(const struct nvmx_vcpu *vcpu, uint32_t flags,
                                      size_t *size);

/*
 * Save the vCPU's nested state into buf[0..cap). *len receives the bytes
 * written. INVALID_ARGUMENT when cap is below the size the state needs
 * (nvmx_vcpu_state_size is always enough); HOST_FAILURE when a VMCS12
 * writeback failed (with NVMX_STATE_FLUSH_VMCS12). In L2, L2's state is
 * first copied from VMCS02 into the current VMCS12, as an exit would: L1
 * cannot observe that copy. Call it when the vCPU is not running.
 */
NVMX_API enum nvmx_status nvmx_vcpu_save(struct nvmx_vcpu *vcpu, uint32_t flags, void *buf, size_t cap,
                                size_t *len);

/* Why a restore was refused. */
struct nvmx_state_refusal {
	enum nvmx_reason reason;        /* NVMX_REASON_STATE_*, STATE_OK when restored */
	enum nvmx_reason entry_reason;  /* STATE_ENTRY_CHECKS / STATE_EVENT: the entry check */
	uint32_t msr;                   /* STATE_CAP_*: the capability MSR */
	uint32_t field;                 /* STATE_VMCS12_FIELD_*: the field encoding;
	                                 * STATE_POLICY_*: the item (NVMX_STATE_POLICY_*) */
	uint64_t offset;                /* byte offset in the blob of what was refused */
	uint64_t reserved[2];
};

/*
 * Restore a blob made by nvmx_vcpu_save. The blob is hostile input: a
 * malformed, corrupt or inconsistent one returns CORRUPT_STATE with the
 * reason in *why (may be NULL) and changes nothing. On success the vCPU is
 * in the saved state, the VM offers the saved capabilities (a VM that
 * offers fewer refuses with STATE_CAP_LACKING), VMCS02 is rebuilt when L2
 * runs (else at the next entry), and the shadow EPT and VPID02 mappings are
 * flushed. The host restores L1's memory, registers and VMCS01 first.
 */
NVMX_API enum nvmx_status nvmx_vcpu_restore(struct nvmx_vcpu *vcpu, const void *buf, size_t len,
                                   struct nvmx_state_refusal *why);

/* Write every cached VMCS12 whose L1-memory copy is older back to L1
 * memory now (they stay cached), for hosts that copy L1 memory themselves
 * (migration pre-copy, snapshots). */
NVMX_API enum nvmx_status nvmx_vcpu_flush(struct nvmx_vcpu *vcpu);

/*
 * The VM's nested state: the capability MSRs and MAXPHYADDR L1 is offered,
 * and the VPID map (the VPID12 values L1's L2s used, most recent last; the
 * VPID02 values are this host's and are not saved). Same frame as a vCPU
 * blob (docs/nested-state.md, "VM blob"). nvmx_vm_save takes the VM lock
 * around its read of the VPID map and may run beside vCPU calls.
 */
struct nvmx_vm;
NVMX_API enum nvmx_status nvmx_vm_state_size(const struct nvmx_vm *vm, size_t *size);
NVMX_API enum nvmx_status nvmx_vm_save(struct nvmx_vm *vm, void *buf, size_t cap, size_t *len);

/*
 * Restore a VM blob; restore the VM before its vCPUs (their blobs then find
 * the capabilities already in place). It must run with no vCPU of the VM
 * inside the library (no call on any of them in progress or started until
 * it returns): it changes what L1 is offered. Refusals as for
 * nvmx_vcpu_restore (CORRUPT_STATE, *why, nothing changed); a VM offering
 * fewer capabilities than the blob refuses STATE_CAP_LACKING naming the
 * MSR in why->msr. On success the VM offers the saved capabilities and
 * maps the saved VPID12s (the most recent ones when its VPID02 pool is
 * smaller) to VPID02s of its pool, each flushed before its first use.
 */
NVMX_API enum nvmx_status nvmx_vm_restore(struct nvmx_vm *vm, const void *buf, size_t len,
                                 struct nvmx_state_refusal *why);
/* Validate a VM blob exactly as nvmx_vm_restore does, changing nothing:
 * OK when nvmx_vm_restore would accept it now. For a host that must know
 * both its VM and vCPU blobs are acceptable before changing anything. */
NVMX_API enum nvmx_status nvmx_vm_restore_check(struct nvmx_vm *vm, const void *buf, size_t len,
                                       struct nvmx_state_refusal *why);

#ifdef __cplusplus
}
#endif
#endif
