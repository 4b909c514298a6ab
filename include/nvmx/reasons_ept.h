/* SPDX-License-Identifier: MIT */
/* Named reasons of the ept module. Values are ABI (tests/util/test_names.c
 * pins every one): never renumbered or reused; a new row goes at the END of
 * the list with the next free number of the block. */
#ifndef NVMX_REASONS_EPT_H
#define NVMX_REASONS_EPT_H

#define NVMX_REASONS_EPT(X) \
	X(EPT_NONE, 0x3001, "no ept diagnostic") \
	X(EPT_MAPPED, 0x3002, "EPT02 entry installed from EPT12 composed with EPT01") \
	X(EPT12_NOT_PRESENT, 0x3003, "an EPT12 entry on the walk is not present (EPT violation)") \
	X(EPT12_ACCESS_DENIED, 0x3004, "EPT12 does not grant the access (EPT violation)") \
	X(EPT12_WRITE_NO_READ, 0x3005, "EPT12 entry writable but not readable (misconfiguration)") \
	X(EPT12_EXEC_ONLY, 0x3006, "EPT12 entry execute-only without the execute-only capability (misconfiguration)") \
	X(EPT12_RESERVED_BIT, 0x3007, "EPT12 entry sets a reserved bit or one beyond MAXPHYADDR (misconfiguration)") \
	X(EPT12_BAD_MEMTYPE, 0x3008, "EPT12 leaf has memory type 2, 3 or 7 (misconfiguration)") \
	X(EPT12_PAGE_SIZE, 0x3009, "EPT12 maps a page size not offered to L1 (misconfiguration)") \
	X(EPT12_TABLE_UNBACKED, 0x300a, "an EPT12 table lies in L1 memory L0 does not back") \
	X(EPT01_NOT_MAPPED, 0x300b, "EPT01 does not map the L1 physical address") \
	X(EPT01_RIGHTS, 0x300c, "EPT01 does not grant the access L2 made") \
	X(EPT12_AD_RACE, 0x300d, "an EPT12 entry kept changing while its A/D flags were set") \
	X(EPT_BUDGET, 0x300e, "the shadow EPT budget cannot hold the tables needed") \
	X(EPT_INVALID_EPTP, 0x300f, "the EPTP does not satisfy the SDM's EPTP checks") \
	X(EPT_WP_OP_MISSING, 0x3010, "write-protect mode needs the l0_write_protect host op")

#endif
