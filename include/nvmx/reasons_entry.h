/* SPDX-License-Identifier: MIT */
/* Named reasons of the entry module. Append only: values are ABI. */
#ifndef NVMX_REASONS_ENTRY_H
#define NVMX_REASONS_ENTRY_H

#define NVMX_REASONS_ENTRY(X) \
	X(ENTRY_NONE, "no entry diagnostic")

#endif
