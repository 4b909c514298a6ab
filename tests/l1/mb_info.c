/* SPDX-License-Identifier: MIT */
/*
 * mb_info: what a Multiboot loader gave the kernel (Multiboot spec 3.3):
 * command line, modules (length, string, a checksum of the contents),
 * memory fields and map, loader name. Bare, GRUB is the loader; nested,
 * nvmx-l0 is, and the lines that differ by design (L0's memory taken out,
 * the information L0 does not pass on) are listed with their reasons in
 * tests/l1/allowed-differences.txt.
 */
#include "l1.h"

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

void kernel_main(uint32_t magic, uint32_t info)
{
	begin("mb_info");
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)info;
	rt_printf("magic: 0x%x\n", magic);
	rt_printf("flags: 0x%x\n", mbi->flags);
	rt_printf("flags memory, cmdline, mods, mmap, loader name: 0x%x\n", mbi->flags & 0x24d);
	if (mbi->flags & MB_INFO_CMDLINE)
		rt_printf("cmdline: \"%s\"\n", (const char *)(uintptr_t)mbi->cmdline);
	if (mbi->flags & MB_INFO_MEMORY)
		rt_printf("mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	if (mbi->flags & 2u)
		rt_printf("boot_device: 0x%x\n", mbi->boot_device);
	if (mbi->flags & MB_INFO_MODS) {
		rt_printf("mods: %u\n", mbi->mods_count);
		const struct mb_module *m = (const struct mb_module *)(uintptr_t)mbi->mods_addr;
		for (uint32_t i = 0; i < mbi->mods_count && i < 8; i++)
			rt_printf("mod %u: %u bytes, page-aligned %u, fnv1a 0x%08x, string \"%s\"\n", i,
			          m[i].end - m[i].start, (m[i].start & 4095) == 0,
			          fnv1a((const uint8_t *)(uintptr_t)m[i].start, m[i].end - m[i].start),
			          (const char *)(uintptr_t)m[i].string);
	}
	if (mbi->flags & MB_INFO_MMAP) {
		uint64_t avail = 0;
		for (uint32_t o = 0; o + 24 <= mbi->mmap_length;) {
			const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)(mbi->mmap_addr + o);
			rt_printf("mmap 0x%lx-0x%lx type %u\n", e->addr, e->addr + e->len - 1, e->type);
			if (e->type == 1)
				avail += e->len;
			o += e->size + 4;
		}
		rt_printf("mmap available: %lu KiB\n", avail >> 10);
	}
	if (mbi->flags & MB_INFO_LOADER_NAME)
		rt_printf("loader: %s\n", (const char *)(uintptr_t)mbi->boot_loader_name);
	end("mb_info");
}
