/* SPDX-License-Identifier: MIT */
/* Named reasons of the ept module. Append only: values are ABI. */
#ifndef NVMX_REASONS_EPT_H
#define NVMX_REASONS_EPT_H

#define NVMX_REASONS_EPT(X) \
	X(EPT_NONE, "no ept diagnostic")

#endif
