/* SPDX-License-Identifier: MIT */
#include "../core.h"

_Static_assert(NVMX_VMCS12_BYTES <= 4096, "VMCS12 layout must fit a 4 KiB region");

struct nvmx_vmcs12 *nvmx_vmcs12_find(struct nvmx_vcpu *v, uint64_t gpa)
{
	for (uint32_t i = 0; i < v->ncache; i++)
		if (v->cache[i].gpa == gpa)
			return &v->cache[i];
	return NULL;
}

static void put_u32(uint8_t *p, uint32_t x)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u64(uint8_t *p, uint64_t x)
{
	put_u32(p, (uint32_t)x);
	put_u32(p + 4, (uint32_t)(x >> 32));
}

static uint64_t get_u64(const uint8_t *p)
{
	return get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void encode(const struct nvmx_vmcs12 *s, uint8_t *buf)
{
	put_u32(buf, s->revision);
	put_u32(buf + 4, s->abort);
	put_u32(buf + 8, NVMX_VMCS12_MAGIC);
	buf[12] = (uint8_t)NVMX_VMCS12_LAYOUT_VERSION;
	buf[13] = 0;
	buf[14] = s->launched ? 1 : 0;
	buf[15] = 0;
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++)
		put_u64(buf + NVMX_VMCS12_FIELDS_OFFSET + 8 * i, s->f[i]);
}

enum nvmx_status nvmx_vmcs12_writeback(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s)
{
	uint8_t buf[NVMX_VMCS12_BYTES];
	/* Guest state a reflected exit left in VMCS02 belongs in the region. */
	if (s == v->cur)
		NVMX_CHECK(nvmx_sync_lazy_all(v));
	encode(s, buf);
	NVMX_CHECK(nvmx_gpa_write(v, s->gpa, buf, sizeof(buf)));
	s->mem_dirty = false;
	v->stats.vmcs12_writebacks++;
	nvmx_trace(v, NVMX_TRACE_VMCS12, NVMX_REASON_NONE, s->gpa, 1);
	return NVMX_STATUS_OK;
}

static void decode(struct nvmx_vmcs12 *s, const uint8_t *buf)
{
	s->revision = get_u32(buf);
	s->abort = get_u32(buf + 4);
	bool ours = get_u32(buf + 8) == NVMX_VMCS12_MAGIC &&
	            (buf[12] | (unsigned)buf[13] << 8) == NVMX_VMCS12_LAYOUT_VERSION;
	s->launched = ours && buf[14] == 1;
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++)
		s->f[i] = ours ? get_u64(buf + NVMX_VMCS12_FIELDS_OFFSET + 8 * i) : 0;
	/* A stored value wider than its field cannot come from VMWRITE; keep the
	 * cache consistent with what VMREAD could ever return. */
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++)
		s->f[i] &= nvmx_field_mask(nvmx_field_table[i].encoding);
}

static struct nvmx_vmcs12 *victim(struct nvmx_vcpu *v)
{
	struct nvmx_vmcs12 *best = NULL;
	for (uint32_t i = 0; i < v->ncache; i++) {
		struct nvmx_vmcs12 *s = &v->cache[i];
		if (s->gpa == NVMX_NO_VMPTR)
			return s;
		if (s == v->cur)
			continue;
		if (!best || s->lru < best->lru)
			best = s;
	}
	return best;
}

enum nvmx_status nvmx_vmcs12_load(struct nvmx_vcpu *v, uint64_t gpa, struct nvmx_vmcs12 **out)
{
	struct nvmx_vmcs12 *s = nvmx_vmcs12_find(v, gpa);
	if (!s) {
		uint8_t buf[NVMX_VMCS12_BYTES];
		NVMX_CHECK(nvmx_gpa_read(v, gpa, buf, sizeof(buf)));
		s = victim(v);
		if (!s)
			return NVMX_STATUS_NO_MEMORY; /* only with a 1-slot cache holding cur */
		if (s->gpa != NVMX_NO_VMPTR) {
			if (s->mem_dirty)
				NVMX_CHECK(nvmx_vmcs12_writeback(v, s));
			nvmx_trace(v, NVMX_TRACE_VMCS12, NVMX_REASON_NONE, s->gpa, 2);
		}
		decode(s, buf);
		s->gpa = gpa;
		s->mem_dirty = false;
		nvmx_vmcs12_mark_all_dirty(s);
		v->stats.vmcs12_loads++;
		nvmx_trace(v, NVMX_TRACE_VMCS12, NVMX_REASON_NONE, gpa, 0);
	}
	s->lru = ++v->lru_clock;
	*out = s;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_vmcs12_clear(struct nvmx_vcpu *v, uint64_t gpa)
{
	struct nvmx_vmcs12 *s = nvmx_vmcs12_find(v, gpa);
	if (s) {
		s->launched = false;
		NVMX_CHECK(nvmx_vmcs12_writeback(v, s));
		if (v->cur == s)
			v->cur = NULL;
		s->gpa = NVMX_NO_VMPTR;
		return NVMX_STATUS_OK;
	}
	/* Not cached: keep the field data of a region in our layout, initialize
	 * any other region (SDM 31.3, VMCLEAR: "initializes parts of the VMCS
	 * region"), and set the launch state to clear. */
	uint8_t hdr[16];
	NVMX_CHECK(nvmx_gpa_read(v, gpa, hdr, sizeof(hdr)));
	bool ours = get_u32(hdr + 8) == NVMX_VMCS12_MAGIC &&
	            (hdr[12] | (unsigned)hdr[13] << 8) == NVMX_VMCS12_LAYOUT_VERSION;
	if (ours) {
		uint8_t clear = 0;
		return nvmx_gpa_write(v, gpa + 14, &clear, 1);
	}
	struct nvmx_vmcs12 tmp;
	nvmx_memset(&tmp, 0, sizeof(tmp));
	tmp.revision = get_u32(hdr);
	tmp.abort = get_u32(hdr + 4);
	tmp.gpa = gpa;
	return nvmx_vmcs12_writeback(v, &tmp);
}

enum nvmx_status nvmx_vmcs12_flush_all(struct nvmx_vcpu *v)
{
	for (uint32_t i = 0; i < v->ncache; i++) {
		struct nvmx_vmcs12 *s = &v->cache[i];
		if (s->gpa == NVMX_NO_VMPTR)
			continue;
		if (s->mem_dirty)
			NVMX_CHECK(nvmx_vmcs12_writeback(v, s));
		s->gpa = NVMX_NO_VMPTR;
	}
	v->cur = NULL;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_vmcs12_writeback_dirty(struct nvmx_vcpu *v)
{
	for (uint32_t i = 0; i < v->ncache; i++) {
		struct nvmx_vmcs12 *s = &v->cache[i];
		if (s->gpa != NVMX_NO_VMPTR && s->mem_dirty)
			NVMX_CHECK(nvmx_vmcs12_writeback(v, s));
	}
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_vmcs12_read_region(struct nvmx_vcpu *v, uint64_t gpa, struct nvmx_vmcs12 *s)
{
	uint8_t buf[NVMX_VMCS12_BYTES];
	NVMX_CHECK(nvmx_gpa_read(v, gpa, buf, sizeof(buf)));
	decode(s, buf);
	s->gpa = gpa;
	s->mem_dirty = false;
	return NVMX_STATUS_OK;
}
