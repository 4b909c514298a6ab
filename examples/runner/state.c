/* SPDX-License-Identifier: MIT */
/*
 * save <file> [flush] and restore <file> (docs/scenario-format.md): the
 * roll-back use case. The library's blob goes to <file>, exactly the bytes
 * nvmx_vcpu_save produced; what a host restores itself (docs/nested-state.md)
 * goes to <file>.host in the runner's own format:
 *
 *   u64 magic "NVMXHOST", u32 version (1), u32 who-runs flags
 *   (bit 0 L2 runs, 1 L1 shut down, 2 L1 has been in VMX operation),
 *   u32 L1 mode, u32 EPT01 range count, u64 L1 memory size,
 *   u64 IA32_FEATURE_CONTROL, u64 gpr[16],
 *   u32 count + count x (u32 slot, u64 value): L1's non-zero VMCS01 fields,
 *   the EPT01 ranges (u64 gpa, len, hpa, u8 kind, rights, 6 zero bytes),
 *   u64 count + count x (u64 gpa, 4096 bytes): L1's non-zero pages.
 *
 * <file>.vm holds exactly the bytes nvmx_vm_save produced (the VM's
 * capabilities and VPID map).
 *
 * A restore reads the files, checks <file>.vm (nvmx_vm_restore_check), puts
 * the host state in place, then asks the library to restore the vCPU; if it
 * refuses, the host state is put back, so that a refused restore leaves
 * everything as it was; then the VM blob is applied. A <file>.vm whose
 * capabilities are wider than <file>'s (not one save's pair) is refused
 * after the vCPU was restored.
 */
#include "runner.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_MAGIC 0x54534f48584d564eull /* "NVMXHOST" */
#define HOST_VERSION 1u
#define PAGE 4096ull

enum { HF_L2 = 1, HF_SHUT = 2, HF_VMX_SEEN = 4 };

struct wbuf {
	FILE *f;
	bool ok;
};

static void w(struct wbuf *b, const void *p, size_t n)
{
	if (b->ok && fwrite(p, 1, n, b->f) != n)
		b->ok = false;
}
static void w32(struct wbuf *b, uint32_t x) { w(b, &x, 4); } /* little-endian host */
static void w64(struct wbuf *b, uint64_t x) { w(b, &x, 8); }

static bool write_host(struct runner *r, const char *path)
{
	struct refhost *h = &r->h;
	struct wbuf b = { fopen(path, "wb"), true };
	if (!b.f)
		return false;
	w64(&b, HOST_MAGIC);
	w32(&b, HOST_VERSION);
	w32(&b, (r->l2_running ? HF_L2 : 0) | (r->shut_down ? HF_SHUT : 0) |
	                (r->vmx_seen ? HF_VMX_SEEN : 0));
	w32(&b, (uint32_t)r->mode);
	w32(&b, h->nranges);
	w64(&b, h->mem_size);
	w64(&b, h->feature_control);
	for (unsigned i = 0; i < 16; i++)
		w64(&b, h->gpr[i]);
	uint32_t n = 0;
	for (uint32_t i = 0; i < REFHOST_VMCS_SLOTS; i++)
		n += h->l1[i] != 0;
	w32(&b, n);
	for (uint32_t i = 0; i < REFHOST_VMCS_SLOTS; i++) {
		if (h->l1[i]) {
			w32(&b, i);
			w64(&b, h->l1[i]);
		}
	}
	for (unsigned i = 0; i < h->nranges; i++) {
		const struct refhost_range *x = &h->ranges[i];
		uint8_t tail[8] = { x->kind, x->rights, 0, 0, 0, 0, 0, 0 };
		w64(&b, x->gpa);
		w64(&b, x->len);
		w64(&b, x->hpa);
		w(&b, tail, sizeof(tail));
	}
	static const uint8_t zero[PAGE];
	uint64_t pages = 0;
	for (uint64_t g = 0; g < h->mem_size; g += PAGE)
		pages += memcmp(h->mem + g, zero, PAGE) != 0;
	w64(&b, pages);
	for (uint64_t g = 0; g < h->mem_size; g += PAGE) {
		if (memcmp(h->mem + g, zero, PAGE) != 0) {
			w64(&b, g);
			w(&b, h->mem + g, PAGE);
		}
	}
	return fclose(b.f) == 0 && b.ok;
}

/* <file>.vm: exactly the bytes nvmx_vm_save produced. */
static enum nvmx_status write_vm(struct runner *r, const char *path, bool *ok)
{
	size_t max = 0, len = 0;
	*ok = false;
	enum nvmx_status s = nvmx_vm_state_size(r->h.vm, &max);
	uint8_t *buf = s == NVMX_STATUS_OK ? malloc(max) : NULL;
	if (s == NVMX_STATUS_OK && !buf)
		s = NVMX_STATUS_NO_MEMORY;
	if (s == NVMX_STATUS_OK)
		s = nvmx_vm_save(r->h.vm, buf, max, &len);
	char vpath[1040];
	if (s == NVMX_STATUS_OK && (size_t)snprintf(vpath, sizeof(vpath), "%s.vm", path) < sizeof(vpath)) {
		FILE *f = fopen(vpath, "wb");
		*ok = f && fwrite(buf, 1, len, f) == len;
		if (f && fclose(f) != 0)
			*ok = false;
	}
	free(buf);
	return s;
}

void runner_save(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint32_t flags = 0;
	if (cl->ntok == 3) {
		if (!word_is(cl->tok[2], "flush")) {
			outcome_error(o, "usage: save <file> [flush]");
			return;
		}
		flags = NVMX_STATE_FLUSH_VMCS12;
	}
	size_t max = 0, len = 0;
	enum nvmx_status s = nvmx_vcpu_state_size(r->h.vcpu, flags, &max);
	uint8_t *buf = s == NVMX_STATUS_OK ? malloc(max) : NULL;
	if (s == NVMX_STATUS_OK && !buf)
		s = NVMX_STATUS_NO_MEMORY;
	if (s == NVMX_STATUS_OK)
		s = nvmx_vcpu_save(r->h.vcpu, flags, buf, max, &len);
	if (s != NVMX_STATUS_OK) {
		free(buf);
		outcome_status(o, s);
		return;
	}
	const char *path = cl->tok[1];
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(buf, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = false;
	free(buf);
	char hpath[1024];
	if (ok && (size_t)snprintf(hpath, sizeof(hpath), "%s.host", path) < sizeof(hpath))
		ok = write_host(r, hpath);
	else
		ok = false;
	if (!ok) {
		outcome_error(o, "cannot write '%s' or its .host file", path);
		return;
	}
	s = write_vm(r, path, &ok);
	if (s != NVMX_STATUS_OK) {
		outcome_status(o, s);
		return;
	}
	if (!ok) {
		outcome_error(o, "cannot write '%s.vm'", path);
		return;
	}
	outcome_set(o, "ok");
}

/* ---- restore ---- */

struct host_image {
	uint32_t flags, mode, nranges;
	uint64_t mem_size, feature_control, gpr[16];
	uint64_t *l1;                   /* REFHOST_VMCS_SLOTS */
	uint8_t *mem;                   /* mem_size */
	struct refhost_range ranges[REFHOST_MAX_RANGES];
};

static bool rd(FILE *f, void *p, size_t n)
{
	return fread(p, 1, n, f) == n;
}

/* Parse <file>.host; false with a message in err. */
static bool read_host(const char *path, struct host_image *im, char *err,
                      size_t errsz)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "cannot read '%.100s'", path);
		return false;
	}
	bool ok = false;
	uint64_t magic;
	uint32_t version, n;
	if (!rd(f, &magic, 8) || !rd(f, &version, 4) || magic != HOST_MAGIC ||
	    version != HOST_VERSION || !rd(f, &im->flags, 4) || !rd(f, &im->mode, 4) ||
	    !rd(f, &im->nranges, 4) || !rd(f, &im->mem_size, 8) ||
	    !rd(f, &im->feature_control, 8) || !rd(f, im->gpr, sizeof(im->gpr)) || !rd(f, &n, 4)) {
		snprintf(err, errsz, "'%.100s' is not a reference-host state file", path);
		goto out;
	}
	if (im->mem_size < RUNNER_MEM_MIN || im->mem_size > RUNNER_MEM_MAX ||
	    (im->mem_size & (PAGE - 1))) {
		snprintf(err, errsz, "'%.100s' has an L1 memory size nvmx-run cannot have", path);
		goto out;
	}
	if (im->mode > L1_MODE_LONG || im->nranges > REFHOST_MAX_RANGES || n > REFHOST_VMCS_SLOTS) {
		snprintf(err, errsz, "'%.100s' is malformed", path);
		goto out;
	}
	im->l1 = calloc(REFHOST_VMCS_SLOTS, sizeof(uint64_t));
	im->mem = calloc(1, im->mem_size);
	if (!im->l1 || !im->mem) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t slot;
		uint64_t v;
		if (!rd(f, &slot, 4) || !rd(f, &v, 8) || slot >= REFHOST_VMCS_SLOTS)
			goto bad;
		im->l1[slot] = v;
	}
	for (uint32_t i = 0; i < im->nranges; i++) {
		struct refhost_range *x = &im->ranges[i];
		uint8_t tail[8];
		if (!rd(f, &x->gpa, 8) || !rd(f, &x->len, 8) || !rd(f, &x->hpa, 8) ||
		    !rd(f, tail, sizeof(tail)))
			goto bad;
		x->kind = tail[0];
		x->rights = tail[1];
	}
	uint64_t pages;
	if (!rd(f, &pages, 8) || pages > im->mem_size / PAGE)
		goto bad;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t g;
		if (!rd(f, &g, 8) || (g & (PAGE - 1)) || g >= im->mem_size ||
		    !rd(f, im->mem + g, PAGE))
			goto bad;
	}
	ok = true;
	goto out;
bad:
	snprintf(err, errsz, "'%.100s' is truncated or malformed", path);
out:
	fclose(f);
	return ok;
}

/* Swap the image with the host's state (twice: back again). */
static void swap_host(struct runner *r, struct host_image *im)
{
	struct refhost *h = &r->h;
	uint8_t *m = h->mem;
	h->mem = im->mem;
	im->mem = m;
	uint64_t *l1 = h->l1;
	h->l1 = im->l1;
	im->l1 = l1;
	uint64_t gpr[16];
	memcpy(gpr, h->gpr, sizeof(gpr));
	memcpy(h->gpr, im->gpr, sizeof(gpr));
	memcpy(im->gpr, gpr, sizeof(gpr));
	uint64_t fc = h->feature_control;
	h->feature_control = im->feature_control;
	im->feature_control = fc;
	struct refhost_range rg[REFHOST_MAX_RANGES];
	unsigned nr = h->nranges;
	memcpy(rg, h->ranges, sizeof(rg));
	memcpy(h->ranges, im->ranges, sizeof(rg));
	memcpy(im->ranges, rg, sizeof(rg));
	h->nranges = im->nranges;
	im->nranges = nr;
	uint32_t flags = (r->l2_running ? HF_L2 : 0) | (r->shut_down ? HF_SHUT : 0) |
	                 (r->vmx_seen ? HF_VMX_SEEN : 0);
	uint32_t mode = (uint32_t)r->mode;
	r->l2_running = im->flags & HF_L2;
	r->shut_down = im->flags & HF_SHUT;
	r->vmx_seen = im->flags & HF_VMX_SEEN;
	r->mode = (enum l1_mode)im->mode;
	im->flags = flags;
	im->mode = mode;
}

static uint8_t *read_blob(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1u << 16, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		if (cap >= (64u << 20)) { /* no blob is this large: refuse to grow on */
			break;
		}
		uint8_t *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	fclose(f);
	*len = n;
	return b;
}

void runner_restore(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	const char *path = cl->tok[1];
	size_t len = 0;
	uint8_t *blob = read_blob(path, &len);
	if (!blob) {
		outcome_error(o, "cannot read '%s'", path);
		return;
	}
	char hpath[1024], err[200];
	struct host_image im;
	memset(&im, 0, sizeof(im));
	bool named = (size_t)snprintf(hpath, sizeof(hpath), "%s.host", path) < sizeof(hpath);
	if (!named)
		snprintf(err, sizeof(err), "file name too long");
	if (!named || !read_host(hpath, &im, err, sizeof(err))) {
		free(im.l1);
		free(im.mem);
		free(blob);
		outcome_error(o, "%s", err);
		return;
	}
	/* The first command of a run may bring its own L1 memory size. */
	if (im.mem_size != r->mem_size && !runner_resize(r, im.mem_size)) {
		free(im.l1);
		free(im.mem);
		free(blob);
		outcome_error(o, "'%.100s' has %" PRIu64 " bytes of L1 memory, this run %" PRIu64
		              " (restore first, or set `l1 memory`)", hpath, im.mem_size, r->mem_size);
		return;
	}
	/* <file>.vm, when the save wrote one (older saves have none): checked
	 * before anything changes, applied once the vCPU restored. */
	char vpath[1040];
	size_t vlen = 0;
	uint8_t *vblob = NULL;
	if ((size_t)snprintf(vpath, sizeof(vpath), "%s.vm", path) < sizeof(vpath)) {
		FILE *vf = fopen(vpath, "rb");
		if (vf) {
			fclose(vf);
			vblob = read_blob(vpath, &vlen);
		}
	}
	struct nvmx_state_refusal why;
	enum nvmx_status s = NVMX_STATUS_OK;
	if (vblob)
		s = nvmx_vm_restore_check(r->h.vm, vblob, vlen, &why);
	r->touched = true;
	if (s == NVMX_STATUS_OK) {
		swap_host(r, &im);
		s = nvmx_vcpu_restore(r->h.vcpu, blob, len, &why);
		if (s != NVMX_STATUS_OK)
			swap_host(r, &im); /* the host state goes back: nothing changed */
	}
	/* The vCPU blob put its own capabilities in place: the VM blob of the
	 * same save offers the same and only brings the VPID map. */
	if (s == NVMX_STATUS_OK && vblob)
		s = nvmx_vm_restore(r->h.vm, vblob, vlen, &why);
	free(vblob);
	free(blob);
	free(im.l1);
	free(im.mem);
	if (s == NVMX_STATUS_CORRUPT_STATE) {
		outcome_set(o, "refused %s", nvmx_reason_name(why.reason));
		return;
	}
	if (s != NVMX_STATUS_OK) {
		outcome_status(o, s);
		return;
	}
	outcome_set(o, "ok");
}
