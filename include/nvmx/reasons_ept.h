/* SPDX-License-Identifier: MIT */
/* Named reasons of the ept module. Append only: values are ABI. */
#ifndef NVMX_REASONS_EPT_H
#define NVMX_REASONS_EPT_H

#define NVMX_REASONS_EPT(X) \
	X(EPT_NONE, "no ept diagnostic") \
	X(EPT_MAPPED, "EPT02 entry installed from EPT12 composed with EPT01") \
	X(EPT12_NOT_PRESENT, "an EPT12 entry on the walk is not present (EPT violation)") \
	X(EPT12_ACCESS_DENIED, "EPT12 does not grant the access (EPT violation)") \
	X(EPT12_WRITE_NO_READ, "EPT12 entry writable but not readable (misconfiguration)") \
	X(EPT12_EXEC_ONLY, "EPT12 entry execute-only without the execute-only capability (misconfiguration)") \
	X(EPT12_RESERVED_BIT, "EPT12 entry sets a reserved bit or one beyond MAXPHYADDR (misconfiguration)") \
	X(EPT12_BAD_MEMTYPE, "EPT12 leaf has memory type 2, 3 or 7 (misconfiguration)") \
	X(EPT12_PAGE_SIZE, "EPT12 maps a page size not offered to L1 (misconfiguration)") \
	X(EPT12_TABLE_UNBACKED, "an EPT12 table lies in L1 memory L0 does not back") \
	X(EPT01_NOT_MAPPED, "EPT01 does not map the L1 physical address") \
	X(EPT01_RIGHTS, "EPT01 does not grant the access L2 made") \
	X(EPT12_AD_RACE, "an EPT12 entry kept changing while its A/D flags were set") \
	X(EPT_BUDGET, "the shadow EPT budget cannot hold the tables needed") \
	X(EPT_INVALID_EPTP, "the EPTP does not satisfy the SDM's EPTP checks") \
	X(EPT_WP_OP_MISSING, "write-protect mode needs the l0_write_protect host op") \
	X(EPT_INVALIDATED, "an invalidation ran while the fault was walked: nothing installed, L2 retries")

#endif
