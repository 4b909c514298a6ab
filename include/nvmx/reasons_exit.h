/* SPDX-License-Identifier: MIT */
/* Named reasons of the exit module. Append only: values are ABI. */
#ifndef NVMX_REASONS_EXIT_H
#define NVMX_REASONS_EXIT_H

#define NVMX_REASONS_EXIT(X) \
	X(EXIT_NONE, "no exit diagnostic")

#endif
