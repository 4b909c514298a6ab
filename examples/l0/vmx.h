/* SPDX-License-Identifier: MIT */
/* The VMX instructions the L0 executes (SDM vol. 3 chapter 31). */
#ifndef NVMX_L0_VMX_H
#define NVMX_L0_VMX_H

#include <stdint.h>
#include <stdbool.h>

/* VMX instructions report failure in RFLAGS: CF VMfailInvalid, ZF
 * VMfailValid (SDM 31.2). These return true on VMsucceed. */
static inline bool vmxon(uint64_t pa)
{
	bool ok;
	__asm__ volatile("vmxon %1; setna %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	return !ok;
}
static inline bool vmclear(uint64_t pa)
{
	bool bad;
	__asm__ volatile("vmclear %1; setna %0" : "=qm"(bad) : "m"(pa) : "cc", "memory");
	return !bad;
}
static inline bool vmptrld(uint64_t pa)
{
	bool bad;
	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(bad) : "m"(pa) : "cc", "memory");
	return !bad;
}
static inline bool vmread_checked(uint64_t field, uint64_t *v)
{
	bool bad;
	__asm__ volatile("vmread %2, %1; setna %0" : "=qm"(bad), "=rm"(*v) : "r"(field) : "cc");
	return !bad;
}
static inline bool vmwrite_checked(uint64_t field, uint64_t v)
{
	bool bad;
	__asm__ volatile("vmwrite %2, %1; setna %0" : "=qm"(bad) : "r"(field), "rm"(v) : "cc");
	return !bad;
}
static inline void invept(uint64_t type, uint64_t eptp)
{
	uint64_t desc[2] = { eptp, 0 };
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}
static inline void invvpid(uint64_t type, uint16_t vpid, uint64_t la)
{
	uint64_t desc[2] = { vpid, la };
	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

#endif
