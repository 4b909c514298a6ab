/* SPDX-License-Identifier: MIT */
/*
 * The hardware model of an L2 memory access: the processor walks the EPT
 * paging structures named by VMCS02's EPT pointer (the library's EPT02, which
 * lives in pages the reference host handed out), as SDM 29.3 describes, and
 * either yields the host-physical address or an EPT violation / EPT
 * misconfiguration exit with the exit qualification it would report. When
 * VMCS02's EPT pointer is not a library page, VMCS02 runs on L0's own EPT01
 * (L1 gave L2 no EPT), which the reference host models with its L1 map.
 */
#ifndef NVMX_HW_EPT_H
#define NVMX_HW_EPT_H

#include "refhost.h"

/* Access bits for refhost_l2_access. */
#define REFHOST_L2_READ 1u
#define REFHOST_L2_WRITE 2u
#define REFHOST_L2_EXEC 4u
#define REFHOST_L2_USER 8u      /* from a user-mode linear address (MBEC) */
#define REFHOST_L2_GPAGING 16u  /* the processor's access to a guest paging entry */
#define REFHOST_L2_NOLINEAR 32u /* no linear address (e.g. a VMCS-named address) */

enum refhost_l2_result {
	REFHOST_L2_OK = 0,
	REFHOST_L2_EPT_VIOLATION = 48,
	REFHOST_L2_EPT_MISCONFIG = 49,
	REFHOST_L2_BAD_TABLE = 1000,    /* EPT02 names memory that is no table page */
};

struct refhost_l2_exit {
	uint32_t reason;        /* 48 or 49 */
	uint64_t qualification;
	uint64_t gpa;           /* guest-physical address (L2's) */
};

/* One access of `access` (REFHOST_L2_* bits) to l2_gpa. */
enum refhost_l2_result refhost_l2_access(struct refhost *h, uint64_t l2_gpa, unsigned access,
                                         uint64_t *hpa_out, struct refhost_l2_exit *ex);

/* The library page at host-physical `hpa` (any offset), or NULL. */
void *refhost_page_va(const struct refhost *h, uint64_t hpa);

/* An L1 store to its own memory as L0 runs it: a write to a page the library
 * write-protected (NVMX_VM_WRITE_PROTECT_EPT12) faults to L0's handler,
 * which tells the library (nvmx_vm_notify_l1_write) and completes the write. */
bool refhost_l1_store(struct refhost *h, uint64_t gpa, const void *buf, size_t len);
/* Whether the library asked L0 to write-protect the L1 page holding gpa. */
bool refhost_wp_test(const struct refhost *h, uint64_t gpa);

#endif
