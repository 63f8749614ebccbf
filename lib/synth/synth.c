/* SPDX-License-Identifier: MIT */
/*
 * The synthetic domain model: the host (a keyed permutation of machine
 * frames), the per-frame state Xen keeps for a PV domain, the sparse page
 * store, generated content, and Xen's PV page-type and reference-count
 * rules.  Mapping and the oracle are in synth_map.c, the Linux layout in
 * synth_layout.c, the source backend and core writer in synth_source.c,
 * the text format in synth_spec.c.
 *
 * The type model follows xen/arch/x86/mm.c (Xen 4.17): _get_page_type(),
 * _put_page_type(), get_page_from_l1e() .. get_page_from_l4e(), the
 * get_lN_linear_pagetable() rules (define_get_linear_pagetable),
 * promote_lN_table()/demote_lN_table(), mod_lN_entry(), the
 * MMUEXT_[UN]PIN_TABLE paths of do_mmuext_op(), init_xen_l4_slots() and
 * fill_ro_mpt(); adjust_guest_lNe() from xen/arch/x86/pv/mm.h; slot numbers
 * from xen/arch/x86/include/asm/config.h.  It is single-threaded, so
 * there is no PGT_locked / PGT_partial / preemption: every operation
 * completes or fails as a whole, as the hypercall would when not preempted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/synth_int.h"
#include "xen/pv.h"
#include "xen/pvmm.h"
#include "xen/xen_abi.h"

/* ---- hash map ------------------------------------------------------------ */

uint64_t synth_mix64(uint64_t x)
{
	// splitmix64 finaliser: a good, cheap bijective mixer
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

bool synth_map_get(const struct synth_map *m, uint64_t key, uint64_t *val_ret)
{
	return m->count && htab_map_get(&m->m, key, val_ret);
}

bool synth_map_put(struct synth_map *m, uint64_t key, uint64_t val)
{
	bool ok = htab_map_put(&m->m, key, val);

	m->count = htab_map_count(&m->m);
	return ok;
}

void synth_map_del(struct synth_map *m, uint64_t key)
{
	htab_map_del(&m->m, key);
	m->count = htab_map_count(&m->m);
}

void synth_map_free(struct synth_map *m)
{
	htab_map_free(&m->m);
	m->count = 0;
}

/* ---- failures ------------------------------------------------------------ */

int synth_fail(struct xenpt_synth *s, int rc, const char *fmt, ...)
{
	va_list ap;

	if (s->fail_rc)
		return rc;
	s->fail_rc = rc;
	va_start(ap, fmt);
	vsnprintf(s->fail_msg, sizeof(s->fail_msg), fmt, ap);
	va_end(ap);
	return rc;
}

int synth_fail_ctx(struct xenpt_synth *s, int rc, const char *fmt, ...)
{
	char ctx[256], old[sizeof(s->fail_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (!s->fail_rc) {
		s->fail_rc = rc;
		snprintf(s->fail_msg, sizeof(s->fail_msg), "%s", ctx);
		return rc;
	}
	memcpy(old, s->fail_msg, sizeof(old));
	if (snprintf(s->fail_msg, sizeof(s->fail_msg), "%s: %s", ctx, old) >= (int)sizeof(s->fail_msg))
		memcpy(s->fail_msg + sizeof(s->fail_msg) - 4, "...", 4);
	s->fail_rc = rc;
	return rc;
}

static void fail_reset(struct xenpt_synth *s)
{
	s->fail_rc = 0;
	s->fail_msg[0] = 0;
}

struct xenpt_error *synth_fail_error(struct xenpt_synth *s, const char *fmt, ...)
{
	enum xenpt_error_code code;
	struct xenpt_error *err;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (s->fail_rc) {
	case -ENOMEM: code = XENPT_ERR_NOMEM; break;
	case -EBUSY: case -EPERM: code = XENPT_ERR_REFUSED; break;
	case -ENOENT: code = XENPT_ERR_NOT_FOUND; break;
	default: code = XENPT_ERR_INVALID_ARG; break;
	}
	err = xenpt_error_create(code, "%s: %s: %s", s->desc, what,
				 s->fail_msg[0] ? s->fail_msg : "failed");
	fail_reset(s);
	return err;
}

/* ---- the host: a keyed permutation of machine frames --------------------- */

// The network with the round functions looked up (round_tables): a sweep of
// the P2M evaluates it for every frame of the domain.
static inline uint64_t feistel_tab(const uint16_t *const *t, unsigned bits_b, uint64_t mb,
				   uint64_t x, bool inverse)
{
	uint64_t l = x >> bits_b, r = x & mb;

	if (inverse) {
		l ^= t[3][r];
		r ^= t[2][l];
		l ^= t[1][r];
		r ^= t[0][l];
	} else {
		r ^= t[0][l];
		l ^= t[1][r];
		r ^= t[2][l];
		l ^= t[3][r];
	}
	return (l << bits_b) | r;
}

static inline uint64_t feistel(const struct xenpt_synth *s, uint64_t x, bool inverse)
{
	uint64_t ma = (1ull << s->perm_a) - 1, mb = (1ull << s->perm_b) - 1;
	uint64_t l = x >> s->perm_b, r = x & mb;
	unsigned i;

	// alternating (unbalanced) Feistel rounds: each step XORs one half with
	// a keyed hash of the other, so every step is its own inverse
	if (s->perm_tab[0])
		return feistel_tab((const uint16_t *const *)s->perm_tab, s->perm_b, mb, x, inverse);
	for (i = 0; i < SYNTH_ROUNDS; i++) {
		unsigned k = inverse ? SYNTH_ROUNDS - 1 - i : i;

		if (k & 1)
			l ^= synth_mix64(r ^ s->perm_key[k]) & ma;
		else
			r ^= synth_mix64(l ^ s->perm_key[k]) & mb;
	}
	return (l << s->perm_b) | r;
}

/*
 * Tabulate the round functions when the halves are small (a host of up to
 * 2^32 frames: at most 4 tables of 2^16 entries, 512 KiB; the 64 GiB
 * domain's host needs 96 KiB, which stay in the L2 cache): round k maps the
 * other half (a bits for even k, b bits for odd k) to
 * synth_mix64(half ^ key[k]) masked to the half it changes.  False on
 * allocation failure (the tables are an optimisation: then every round
 * is computed).
 */
static bool round_tables(struct xenpt_synth *s)
{
	uint64_t ma = (1ull << s->perm_a) - 1, mb = (1ull << s->perm_b) - 1, v;
	unsigned k;

	_Static_assert(SYNTH_ROUNDS == 4, "feistel() unrolls four rounds");
	if (s->perm_a > SYNTH_ROUND_TAB_BITS)
		return true;
	for (k = 0; k < SYNTH_ROUNDS; k++) {
		uint64_t dom = k & 1 ? mb : ma, img = k & 1 ? ma : mb;

		s->perm_tab[k] = malloc((dom + 1) * sizeof(*s->perm_tab[k]));
		if (!s->perm_tab[k])
			goto fail;
		for (v = 0; v <= dom; v++)
			s->perm_tab[k][v] = (uint16_t)(synth_mix64(v ^ s->perm_key[k]) & img);
	}
	return true;
fail:
	for (k = 0; k < SYNTH_ROUNDS; k++) {
		free(s->perm_tab[k]);
		s->perm_tab[k] = NULL;
	}
	return false;
}

// A permutation of [0, perm_n) by cycle walking (the Feistel network
// permutes [0, 2^(a+b)) with 2^(a+b) < 2 * perm_n).
static uint64_t perm(const struct xenpt_synth *s, uint64_t x)
{
	do
		x = feistel(s, x, false);
	while (x >= s->perm_n);
	return x;
}

static uint64_t perm_inv(const struct xenpt_synth *s, uint64_t x)
{
	do
		x = feistel(s, x, true);
	while (x >= s->perm_n);
	return x;
}

/*
 * The permutation (or its inverse) of x[0..n) in place, for batches.  Each
 * pass evaluates the network once for every value still outside
 * [0, perm_n), so the evaluations are independent of one another (they
 * overlap in the CPU) and no branch per value decides whether to walk on.
 */
static void perm_batch(const struct xenpt_synth *s, uint64_t *x, size_t n, bool inverse)
{
	enum { CH = 512 };
	const uint16_t *const *t = (const uint16_t *const *)s->perm_tab;
	const uint64_t lim = s->perm_n, mb = (1ull << s->perm_b) - 1;
	const unsigned bits_b = s->perm_b;
	uint32_t pend[CH];
	size_t b, i, j, np, nq;

	for (b = 0; b < n; b += CH) {
		size_t m = n - b < CH ? n - b : CH;
		uint64_t *v = x + b;

		np = 0;
		for (i = 0; i < m; i++) {
			uint64_t y = t[0] ? feistel_tab(t, bits_b, mb, v[i], inverse)
					  : feistel(s, v[i], inverse);

			v[i] = y;
			pend[np] = (uint32_t)i;
			np += y >= lim;
		}
		while (np) {
			nq = 0;
			for (j = 0; j < np; j++) {
				uint64_t y;

				i = pend[j];
				y = t[0] ? feistel_tab(t, bits_b, mb, v[i], inverse) : feistel(s, v[i], inverse);
				v[i] = y;
				pend[nq] = (uint32_t)i;
				nq += y >= lim;
			}
			np = nq;
		}
	}
}

/*
 * The inverse is mostly asked for frames whose forward permutation was just
 * computed (a map writes an MFN from the P2M, then Xen's model looks up its
 * owner), so forward results are remembered in a small direct-mapped cache.
 */
uint64_t synth_slot_to_mfn(const struct xenpt_synth *s, uint64_t slot)
{
	uint64_t mfn = SYNTH_IO_FRAMES + perm(s, slot);
	struct synth_slot_cache *c = &s->slot_cache[mfn & (SYNTH_SLOT_CACHE - 1)];

	c->mfn = mfn;
	c->slot = slot;
	return mfn;
}

uint64_t synth_mfn_to_slot(const struct xenpt_synth *s, uint64_t mfn)
{
	const struct synth_slot_cache *c = &s->slot_cache[mfn & (SYNTH_SLOT_CACHE - 1)];

	if (mfn < SYNTH_IO_FRAMES || mfn >= s->p.host_frames)
		return UINT64_MAX;
	if (c->mfn == mfn)
		return c->slot;
	return perm_inv(s, mfn - SYNTH_IO_FRAMES);
}

bool synth_gfn_populated(const struct xenpt_synth *s, uint64_t gfn)
{
	if (gfn >= s->p.nr_pages)
		return false;
	return !(!s->pv && s->p.vga_hole && gfn >= 0xa0 && gfn < 0xc0);
}

int64_t synth_state_idx(const struct xenpt_synth *s, uint64_t frame)
{
	uint64_t slot;

	if (!s->pv)
		return synth_gfn_populated(s, frame) ? (int64_t)frame : -1;
	slot = synth_mfn_to_slot(s, frame);
	if (slot == UINT64_MAX || slot >= s->nr_state)
		return -1;
	return (int64_t)slot;
}

uint64_t synth_idx_frame(const struct xenpt_synth *s, int64_t idx)
{
	return s->pv ? synth_slot_to_mfn(s, (uint64_t)idx) : (uint64_t)idx;
}

uint64_t synth_p2m(const struct xenpt_synth *s, uint64_t pfn)
{
	uint64_t v;

	if (!s->pv || pfn >= s->p.nr_pages)
		return XENPT_INVALID_FRAME;
	if (s->p2m_ovr.count && synth_map_get(&s->p2m_ovr, pfn, &v))
		return v;
	return synth_slot_to_mfn(s, pfn);
}

// The PFN that the M2P holds for the frame in host slot @slot (UINT64_MAX: none).
static uint64_t slot_m2p(const struct xenpt_synth *s, uint64_t slot)
{
	if (slot == UINT64_MAX)
		return XENPT_INVALID_FRAME;
	if (slot < s->p.nr_pages)
		return slot;
	if (slot >= s->dom0_first && slot < s->dom0_first + s->dom0_n)
		return slot - s->dom0_first;
	if (slot >= s->other_first && slot < s->other_first + s->other_n)
		return slot - s->other_first;
	return XENPT_INVALID_FRAME;     // shared_info, Xen's and free frames
}

uint64_t synth_m2p(const struct xenpt_synth *s, uint64_t mfn)
{
	uint64_t v;

	if (!s->pv)
		return XENPT_INVALID_FRAME;
	if (s->m2p_ovr.count && synth_map_get(&s->m2p_ovr, mfn, &v))
		return v;
	return slot_m2p(s, synth_mfn_to_slot(s, mfn));
}

static enum xenpt_synth_owner mfn_owner(const struct xenpt_synth *s, uint64_t mfn,
					 uint64_t *slot_ret, uint32_t *domid_ret)
{
	uint64_t slot;

	*domid_ret = 0;
	*slot_ret = UINT64_MAX;
	if (mfn >= s->p.host_frames)
		return XENPT_SYNTH_OWNER_NONE;
	if (mfn < SYNTH_IO_FRAMES) {
		*domid_ret = 0x7ff1;    // DOMID_IO
		return XENPT_SYNTH_OWNER_IO;
	}
	slot = synth_mfn_to_slot(s, mfn);
	*slot_ret = slot;
	if (slot < s->nr_state) {
		*domid_ret = s->p.domid;
		return XENPT_SYNTH_OWNER_DOMAIN;
	}
	if (slot < s->dom0_first) {
		*domid_ret = 0x7ff2;    // DOMID_XEN
		return XENPT_SYNTH_OWNER_XEN;
	}
	if (slot < s->dom0_first + s->dom0_n)
		return XENPT_SYNTH_OWNER_OTHER;
	if (slot < s->other_first + s->other_n) {
		*domid_ret = s->other_domid;
		return XENPT_SYNTH_OWNER_OTHER;
	}
	return XENPT_SYNTH_OWNER_FREE;
}

// "owned by d0" etc., for messages
static const char *owner_text(const struct xenpt_synth *s, uint64_t mfn, char *buf, size_t len)
{
	uint64_t slot;
	uint32_t domid;

	switch (mfn_owner(s, mfn, &slot, &domid)) {
	case XENPT_SYNTH_OWNER_NONE:
		snprintf(buf, len, "beyond the host, which has 0x%" PRIx64 " frames",
			 s->p.host_frames);
		break;
	case XENPT_SYNTH_OWNER_IO:
		snprintf(buf, len, "owned by DOMID_IO");
		break;
	case XENPT_SYNTH_OWNER_XEN:
		snprintf(buf, len, "owned by Xen");
		break;
	case XENPT_SYNTH_OWNER_OTHER:
		snprintf(buf, len, "owned by d%u", domid);
		break;
	case XENPT_SYNTH_OWNER_FREE:
		snprintf(buf, len, "a free frame of the host");
		break;
	default:
		snprintf(buf, len, "owned by d%u", s->p.domid);
		break;
	}
	return buf;
}

/* ---- parameters, creation ---------------------------------------------------- */

XENPT_PUBLIC void xenpt_synth_limits_init(struct xenpt_synth_limits *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->max_pages = 1ull << 26;
	ret->max_host_frames = 1ull << 40;
	ret->max_tables = 1ull << 20;
	ret->max_written = 1ull << 18;
	ret->max_entries = 1ull << 27;
	ret->max_generated = 1ull << 18;
	ret->max_vcpus = 128;
	ret->max_roots = 4096;
}

XENPT_PUBLIC void xenpt_synth_params_init(struct xenpt_synth_params *ret,
					  enum xenpt_synth_kind kind)
{
	memset(ret, 0, sizeof(*ret));
	ret->kind = kind;
	ret->mode = XENPT_PM_4LEVEL;
	ret->domid = 1;
	snprintf(ret->name, sizeof(ret->name), "synth");
	ret->nr_pages = 0x1000;
	ret->nr_vcpus = 1;
	ret->seed = 1;
	ret->vga_hole = kind == XENPT_SYNTH_HVM;
}

static unsigned bits_for(uint64_t n)
{
	unsigned k = 0;

	while (k < 64 && (1ull << k) < n)
		k++;
	return k;
}

static const char *mode_name(enum xenpt_paging_mode m)
{
	switch (m) {
	case XENPT_PM_2LEVEL: return "2level";
	case XENPT_PM_PAE: return "pae";
	case XENPT_PM_4LEVEL: return "4level";
	case XENPT_PM_5LEVEL: return "5level";
	default: return "none";
	}
}

static struct xenpt_error *check_params(const struct xenpt_synth_params *p,
					const struct xenpt_synth_limits *lim)
{
	uint64_t min_host;

	if (p->kind != XENPT_SYNTH_PV && p->kind != XENPT_SYNTH_HVM)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "synthetic domain: unknown kind %d",
					  (int)p->kind);
	if (p->kind == XENPT_SYNTH_PV && p->mode != XENPT_PM_4LEVEL && p->mode != XENPT_PM_NONE)
		return xenpt_error_hint(
			xenpt_error_create(XENPT_ERR_INVALID_ARG,
					   "synthetic PV domain: paging mode %s is not supported",
					   mode_name(p->mode)),
			"64-bit PV guests use 4-level paging; use an HVM domain for other modes");
	if (p->kind == XENPT_SYNTH_HVM && p->mode != XENPT_PM_2LEVEL && p->mode != XENPT_PM_PAE &&
	    p->mode != XENPT_PM_4LEVEL && p->mode != XENPT_PM_5LEVEL)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "synthetic HVM domain: paging mode %s is not supported (2level, pae, 4level, 5level)",
					  mode_name(p->mode));
	if (p->domid == 0 || p->domid >= 0x7ff0)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "synthetic domain: domid %u is out of range 1..0x7fef "
					  "(0 is the control domain, 0x7ff0.. are reserved)", p->domid);
	if (p->nr_pages < 16 || p->nr_pages > lim->max_pages)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "synthetic domain: %" PRIu64 " pages is out of range 16..%" PRIu64,
					  p->nr_pages, lim->max_pages);
	if (p->kind == XENPT_SYNTH_HVM && p->mode == XENPT_PM_2LEVEL && p->nr_pages > (1ull << 20))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "synthetic HVM domain: 2-level paging reaches 4 GiB (0x100000 GFNs), not 0x%" PRIx64,
					  p->nr_pages);
	if (p->nr_vcpus < 1 || p->nr_vcpus > lim->max_vcpus)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "synthetic domain: %u vCPUs is out of range 1..%u",
					  p->nr_vcpus, lim->max_vcpus);
	min_host = p->nr_pages + SYNTH_IO_FRAMES + 1 + SYNTH_NR_XEN + 16;
	if (p->host_frames && (p->host_frames < min_host || p->host_frames > lim->max_host_frames))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "synthetic domain: host of 0x%" PRIx64 " frames is out of range "
					  "0x%" PRIx64 "..0x%" PRIx64 " for a domain of 0x%" PRIx64 " pages",
					  p->host_frames, min_host, lim->max_host_frames, p->nr_pages);
	return NULL;
}

static void synth_free(struct xenpt_synth *s)
{
	size_t i;
	unsigned r;

	if (!s)
		return;
	for (i = 0; i < s->store.count; i++) {
		struct synth_page *pg = (struct synth_page *)(uintptr_t)s->store.m.vals[i];

		free(pg->raw_bits);
		free(pg->sp);
		free(pg->data);
		free(pg);
	}
	synth_lazy_free(s->lazy);
	free(s->lazy_err);
	synth_map_free(&s->store);
	synth_map_free(&s->p2m_ovr);
	synth_map_free(&s->m2p_ovr);
	synth_map_free(&s->linear);
	for (r = 0; r < s->nr_roots; r++)
		free(s->roots[r].link);
	free(s->roots);
	synth_ext_free(s);
	free(s->erec);
	free(s->vcpus);
	free(s->type_count);
	free(s->ref_count);
	free(s->fflags);
	free(s->slot_cache);
	free(s->memo);
	for (r = 0; r < SYNTH_ROUNDS; r++)
		free(s->perm_tab[r]);
	free(s);
}

static void init_vcpus(struct xenpt_synth *s)
{
	uint32_t i;

	for (i = 0; i < s->p.nr_vcpus; i++) {
		struct xenpt_vcpu *v = &s->vcpus[i];

		memset(v, 0, sizeof(*v));
		v->id = i;
		v->online = true;
		v->regs.rflags = 0x202;
		if (s->pv) {
			// arch_set_info_guest() defaults a 64-bit PV kernel would give
			v->flags = XEN_VGCF_ONLINE | XEN_VGCF_IN_KERNEL | XEN_VGCF_I387_VALID;
			v->regs.cs = 0xe033;    // FLAT_KERNEL_CS64
			v->regs.ss = 0xe02b;    // FLAT_KERNEL_SS64
			v->cr0 = 0x80050033;
			v->cr4 = 0x50660;
			v->kernel_ss = 0xe02b;
		} else {
			v->flags = XEN_VGCF_ONLINE;
			v->efer_known = true;
			v->cr0 = 0x80050033;    // PG WP NE ET MP PE
			switch (s->mode) {
			case XENPT_PM_2LEVEL:
				v->cr4 = 0x690;  // PSE PGE OSFXSR OSXMMEXCPT
				v->efer = 0;
				v->regs.cs = 0x10;
				break;
			case XENPT_PM_PAE:
				v->cr4 = 0x6a0;  // PAE PGE OSFXSR OSXMMEXCPT
				v->efer = 0x800; // NXE
				v->regs.cs = 0x10;
				break;
			case XENPT_PM_5LEVEL:
				v->cr4 = 0x16a0; // + LA57
				v->efer = 0xd01; // SCE LME LMA NXE
				v->regs.cs = 0x10;
				break;
			default:
				v->cr4 = 0x6a0;
				v->efer = 0xd01;
				v->regs.cs = 0x10;
				break;
			}
			v->regs.ss = 0x18;
		}
	}
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_create(const struct xenpt_synth_params *params,
						    struct xenpt_synth **ret)
{
	struct xenpt_synth_limits lim;
	struct xenpt_synth *s = NULL;
	struct xenpt_error *err = NULL;
	uint64_t rest, k, i;
	unsigned root;

	if (params->limits)
		lim = *params->limits;
	else
		xenpt_synth_limits_init(&lim);
	err = check_params(params, &lim);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (s) {
		s->slot_cache = malloc(SYNTH_SLOT_CACHE * sizeof(*s->slot_cache));
		s->memo = calloc(1, sizeof(*s->memo));
	}
	if (!s || !s->slot_cache || !s->memo) {
		if (s) {
			free(s->slot_cache);
			free(s->memo);
		}
		free(s);
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	}
	memset(s->slot_cache, 0xff, SYNTH_SLOT_CACHE * sizeof(*s->slot_cache));
	s->refs = 1;
	s->p = *params;
	s->p.limits = NULL;
	s->p.name[sizeof(s->p.name) - 1] = 0;
	s->lim = lim;
	s->pv = params->kind == XENPT_SYNTH_PV;
	if (s->pv) {
		s->p.mode = XENPT_PM_4LEVEL;
		s->p.vga_hole = false;
	}
	s->mode = s->p.mode;
	s->levels = xenpt_paging_mode_levels(s->mode);
	s->entry_bytes = s->mode == XENPT_PM_2LEVEL ? 4 : 8;
	s->idx_bits = s->mode == XENPT_PM_2LEVEL ? 10 : 9;
	snprintf(s->desc, sizeof(s->desc), "synthetic domain %u (%s)", s->p.domid, s->p.name);
	if (!s->p.host_frames) {
		uint64_t h = 4 * s->p.nr_pages + 0x1000;

		s->p.host_frames = h > 0x20000 ? h : 0x20000;
		if (s->p.host_frames > lim.max_host_frames)
			s->p.host_frames = lim.max_host_frames;
		if (s->p.host_frames < s->p.nr_pages + SYNTH_IO_FRAMES + 1 + SYNTH_NR_XEN + 16) {
			err = xenpt_error_create(XENPT_ERR_INVALID_ARG,
						 "synthetic domain: the host limit of 0x%" PRIx64
						 " frames is too small for 0x%" PRIx64 " pages",
						 lim.max_host_frames, s->p.nr_pages);
			goto out;
		}
	}

	// the host partition (see synth_int.h)
	s->perm_n = s->p.host_frames - SYNTH_IO_FRAMES;
	k = bits_for(s->perm_n);
	if (k < 2)
		k = 2;
	s->perm_a = (unsigned)((k + 1) / 2);
	s->perm_b = (unsigned)(k / 2);
	for (i = 0; i < SYNTH_ROUNDS; i++)
		s->perm_key[i] = synth_mix64(s->p.seed * 0x9e3779b97f4a7c15ull + i + 1);
	(void)round_tables(s);
	s->pattern_key = synth_mix64(s->p.seed ^ 0x5851f42d4c957f2dull);
	s->nr_state = s->p.nr_pages + (s->pv ? 1 : 0);
	s->xen_first = s->p.nr_pages + 1;
	rest = s->perm_n - s->xen_first - SYNTH_NR_XEN;
	s->dom0_first = s->xen_first + SYNTH_NR_XEN;
	s->dom0_n = rest / 2;
	s->other_first = s->dom0_first + s->dom0_n;
	s->other_n = rest / 4;
	s->free_first = s->other_first + s->other_n;
	s->other_domid = s->p.domid + 1 < 0x7ff0 ? s->p.domid + 1 : 1;

	s->fflags = calloc(s->nr_state, 1);
	s->vcpus = calloc(s->p.nr_vcpus, sizeof(*s->vcpus));
	if (!s->fflags || !s->vcpus)
		goto nomem;
	if (s->pv) {
		// ref_count holds references beyond PGC_allocated's, so calloc'd
		// (lazily zeroed) memory is the initial state of every frame
		s->type_count = calloc(s->nr_state, sizeof(*s->type_count));
		s->ref_count = calloc(s->nr_state, sizeof(*s->ref_count));
		if (!s->type_count || !s->ref_count)
			goto nomem;
		// shared_info: share_xen_page_with_guest(SHARE_rw) makes it a
		// validated writable page with one type reference
		s->fflags[s->p.nr_pages] = XENPT_SYNTH_TYPE_WRITABLE | FF_VALIDATED | FF_USED;
		s->type_count[s->p.nr_pages] = 1;
		synth_init_xen_slots(s);
		s->shinfo_mfn = synth_slot_to_mfn(s, s->p.nr_pages);
		if (!synth_page_make(s, s->shinfo_mfn, SPAGE_SPECIAL, false))
			goto nomem;
		synth_encode_shared_info(s);
	} else {
		s->shinfo_mfn = XENPT_INVALID_FRAME;
	}
	s->alloc_cursor = s->p.nr_pages;
	init_vcpus(s);

	// root "kernel": pinned and loaded as every vCPU's CR3 (PV)
	if (synth_root_add(s, "kernel", true, &root)) {
		err = synth_fail_error(s, "creating the root table");
		goto out;
	}
	for (i = 0; i < s->p.nr_vcpus; i++) {
		if (s->pv && synth_get_root_ref(s, s->roots[root].frame, true)) {
			err = synth_fail_error(s, "loading the root table as vCPU %" PRIu64 "'s CR3", i);
			goto out;
		}
		s->vcpus[i].cr3 = s->roots[root].frame << XENPT_PAGE_SHIFT;
	}
	*ret = s;
	return NULL;
nomem:
	err = xenpt_error_create(XENPT_ERR_NOMEM, "%s: out of memory for 0x%" PRIx64 " pages",
				 s->desc, s->p.nr_pages);
out:
	synth_free(s);
	return err;
}

XENPT_PUBLIC void xenpt_synth_destroy(struct xenpt_synth *s)
{
	if (s && !--s->refs)
		synth_free(s);
}

XENPT_PUBLIC const struct xenpt_synth_params *xenpt_synth_get_params(const struct xenpt_synth *s)
{
	return &s->p;
}

XENPT_PUBLIC const char *xenpt_synth_describe(const struct xenpt_synth *s)
{
	return s->desc;
}

/* ---- the page store and generated content ------------------------------------ */

struct synth_page *synth_page_get(const struct xenpt_synth *s, uint64_t frame)
{
	uint64_t v;

	if (!synth_map_get(&s->store, frame, &v))
		return NULL;
	return (struct synth_page *)(uintptr_t)v;
}

static void put_le64(uint8_t *p, uint64_t v);

// Stored pages are counted in page_bytes, which a const reader may change
// when it turns a compact table into 4 KiB (synth_page_data).
static void page_bytes_add(const struct xenpt_synth *s, int64_t n)
{
	struct xenpt_synth *w = (struct xenpt_synth *)(uintptr_t)s;

	w->page_bytes += (uint64_t)n;
}

static void page_set_dense(const struct xenpt_synth *s, uint8_t *p, unsigned i, uint64_t v)
{
	if (s->entry_bytes == 4) {
		p += 4 * i;
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
		return;
	}
	put_le64(p + 8 * i, v);
}

uint8_t *synth_page_data(const struct xenpt_synth *s, struct synth_page *pg)
{
	uint8_t *d;
	unsigned k;

	if (pg->data)
		return pg->data;
	d = calloc(1, SYNTH_PAGE);
	if (!d)
		return NULL;
	for (k = 0; k < pg->nr_sp; k++)
		page_set_dense(s, d, pg->sp[k].i, pg->sp[k].v);
	page_bytes_add(s, (int64_t)SYNTH_PAGE - (int64_t)(pg->cap_sp * sizeof(*pg->sp)));
	free(pg->sp);
	pg->sp = NULL;
	pg->nr_sp = pg->cap_sp = 0;
	pg->data = d;
	return d;
}

void synth_page_read(const struct xenpt_synth *s, const struct synth_page *pg, uint8_t *buf)
{
	unsigned k;

	if (pg->data) {
		memcpy(buf, pg->data, SYNTH_PAGE);
		return;
	}
	memset(buf, 0, SYNTH_PAGE);
	for (k = 0; k < pg->nr_sp; k++)
		page_set_dense(s, buf, pg->sp[k].i, pg->sp[k].v);
}

struct synth_page *synth_page_make(struct xenpt_synth *s, uint64_t frame, int kind, bool gen)
{
	struct synth_page *pg = synth_page_get(s, frame);

	if (pg) {
		if (kind == SPAGE_TABLE && !pg->data) {
			// a compact table made again
			if (!gen)
				pg->nr_sp = 0;
		} else {
			if (!synth_page_data(s, pg))
				return NULL;
			if (!gen)
				memset(pg->data, 0, SYNTH_PAGE);
		}
		if (kind == SPAGE_GEN)
			s->st.generated_pages++;
		pg->kind = (uint8_t)kind;
		return pg;
	}
	pg = calloc(1, sizeof(*pg));
	if (!pg)
		return NULL;
	pg->frame = frame;
	pg->idx = synth_state_idx(s, frame);
	pg->kind = (uint8_t)kind;
	if (kind != SPAGE_TABLE || gen) {
		// tables start compact; everything else is 4 KiB
		pg->data = calloc(1, SYNTH_PAGE);
		if (!pg->data) {
			free(pg);
			return NULL;
		}
		if (gen)
			synth_gen_frame(s, frame, pg->data);
	}
	if (!synth_map_put(&s->store, frame, (uint64_t)(uintptr_t)pg)) {
		free(pg->data);
		free(pg);
		return NULL;
	}
	page_bytes_add(s, pg->data ? SYNTH_PAGE : 0);
	s->st.stored_pages++;
	if (kind == SPAGE_GEN)
		s->st.generated_pages++;
	return pg;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/*
 * Generated content (xenpt-synth(5)): a 64-byte header "xenpt-synth dD pfn
 * 0xP mfn 0xM\n" (HVM: "gfn 0xG"), NUL-padded, then 8-byte little-endian
 * words ((gfn << 12) | byte offset) ^ pattern key.  P2M leaf pages of the
 * Linux layout hold the P2M instead.
 */
void synth_gen_frame(const struct xenpt_synth *s, uint64_t frame, uint8_t *page)
{
	uint64_t gfn = frame, i;
	unsigned r;

	if (s->pv) {
		uint64_t slot = synth_mfn_to_slot(s, frame);

		gfn = slot < s->p.nr_pages ? slot : XENPT_INVALID_FRAME;
		for (r = 0; r < s->nr_gen && gfn != XENPT_INVALID_FRAME; r++) {
			const struct synth_gen_range *g = &s->gen[r];

			if (g->kind != GEN_P2M_LEAF || gfn < g->first || gfn - g->first >= g->n)
				continue;
			for (i = 0; i < 512; i++) {
				uint64_t pfn = (gfn - g->first) * 512 + i;

				put_le64(page + 8 * i, synth_p2m(s, pfn));
			}
			return;
		}
	}
	memset(page, 0, 64);
	if (s->pv)
		snprintf((char *)page, 64, "xenpt-synth d%u pfn 0x%" PRIx64 " mfn 0x%" PRIx64 "\n",
			 s->p.domid, gfn, frame);
	else
		snprintf((char *)page, 64, "xenpt-synth d%u gfn 0x%" PRIx64 "\n", s->p.domid, gfn);
	for (i = 8; i < 512; i++)
		put_le64(page + 8 * i, ((gfn << 12) | (i << 3)) ^ s->pattern_key);
}

const uint8_t *synth_frame_data(const struct xenpt_synth *s, enum xenpt_space space,
				uint64_t frame, uint8_t *buf, int *err_ret, bool *gen_ret)
{
	struct synth_page *pg;

	*gen_ret = false;
	if (!s->pv) {
		if (space != XENPT_SPACE_GFN) {
			*err_ret = EINVAL;
			return NULL;
		}
		if (frame >= s->p.nr_pages) {
			*err_ret = ERANGE;
			return NULL;
		}
		if (!synth_gfn_populated(s, frame)) {
			*err_ret = ENOENT;
			return NULL;
		}
	} else {
		if (space == XENPT_SPACE_GFN) {
			if (frame >= s->p.nr_pages) {
				*err_ret = ERANGE;
				return NULL;
			}
			frame = synth_p2m(s, frame);
			if (frame == XENPT_INVALID_FRAME) {
				*err_ret = ENOENT;
				return NULL;
			}
		}
		if (frame >= s->p.host_frames) {
			*err_ret = ERANGE;
			return NULL;
		}
		if (synth_state_idx(s, frame) < 0) {
			*err_ret = ENOENT;
			return NULL;
		}
	}
	pg = synth_page_get(s, frame);
	if (pg) {
		const uint8_t *d = synth_page_data(s, pg);

		if (!d)
			*err_ret = ENOMEM;
		*gen_ret = pg->kind == SPAGE_GEN;
		return d;
	}
	synth_gen_frame(s, frame, buf);
	*gen_ret = true;
	return buf;
}

/* ---- frame allocation ---------------------------------------------------------- */

static bool frame_free(const struct xenpt_synth *s, uint64_t idx)
{
	if (s->fflags[idx] & (FF_USED | FF_WRITTEN))
		return false;
	if (!s->pv)
		return synth_gfn_populated(s, idx) && !(s->fflags[idx] & FF_MAPPED);
	return !s->ref_count[idx] && !s->type_count[idx];
}

// Free frames come from the top of the PFN space downwards, so that a
// direct map built upwards (synth_layout.c) has not mapped them yet.
int synth_alloc_frame(struct xenpt_synth *s, const char *what, uint64_t *frame_ret)
{
	unsigned pass;
	uint64_t i;

	for (pass = 0; pass < 2; pass++) {
		for (i = s->alloc_cursor; i-- > 0;) {
			if (frame_free(s, i)) {
				s->alloc_cursor = i;
				s->fflags[i] |= FF_USED;
				*frame_ret = synth_idx_frame(s, (int64_t)i);
				return 0;
			}
		}
		s->alloc_cursor = s->p.nr_pages;
	}
	if (!synth_linux_reclaim(s, frame_ret))
		return 0;
	return synth_fail(s, -ENOSPC,
			  "no free %s left for %s: all 0x%" PRIx64 " of the domain's frames are mapped or in use",
			  s->pv ? "PFN" : "GFN", what, s->p.nr_pages);
}

int synth_alloc_contig(struct xenpt_synth *s, uint64_t n, const char *what, uint64_t *first_ret)
{
	uint64_t i, run = 0;

	for (i = s->alloc_cursor; i-- > 0;) {
		run = frame_free(s, i) ? run + 1 : 0;
		if (run == n) {
			uint64_t j;

			for (j = i; j < i + n; j++)
				s->fflags[j] |= FF_USED;
			s->alloc_cursor = i;
			*first_ret = i;
			return 0;
		}
	}
	return synth_fail(s, -ENOSPC, "no 0x%" PRIx64 " free consecutive %ss left for %s", n,
			  s->pv ? "PFN" : "GFN", what);
}

/* ---- entries ------------------------------------------------------------------------ */

// Position of entry @i in a compact table, or where it would go.
static unsigned sparse_pos(const struct synth_page *pg, unsigned i)
{
	unsigned lo = 0, hi = pg->nr_sp;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (pg->sp[mid].i < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

unsigned synth_entry_next(const struct synth_page *pg, unsigned i, unsigned n)
{
	unsigned k;

	if (pg->data || i >= n)
		return i;
	k = sparse_pos(pg, i);
	return k < pg->nr_sp && pg->sp[k].i < n ? pg->sp[k].i : n;
}

uint64_t synth_entry_get(const struct xenpt_synth *s, const struct synth_page *pg, unsigned i)
{
	const uint8_t *p;

	if (!pg->data) {
		unsigned k = sparse_pos(pg, i);

		return k < pg->nr_sp && pg->sp[k].i == i ? pg->sp[k].v : 0;
	}
	if (s->entry_bytes == 4) {
		p = pg->data + 4 * i;
		return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		       (uint64_t)p[3] << 24;
	}
	return get_le64(pg->data + 8 * i);
}

int synth_entry_set(struct xenpt_synth *s, struct synth_page *pg, unsigned i, uint64_t v)
{
	unsigned k;

	if (s->entry_bytes == 4)
		v &= 0xffffffffu;
	if (!pg->data) {
		k = sparse_pos(pg, i);
		if (k < pg->nr_sp && pg->sp[k].i == i) {
			if (v) {
				pg->sp[k].v = v;
			} else {
				memmove(pg->sp + k, pg->sp + k + 1,
					(pg->nr_sp - k - 1) * sizeof(*pg->sp));
				pg->nr_sp--;
			}
			return 0;
		}
		if (!v)
			return 0;
		if (pg->nr_sp == pg->cap_sp && pg->cap_sp < SYNTH_SPARSE_MAX) {
			unsigned cap = pg->cap_sp ? 2u * pg->cap_sp : 2u;
			struct synth_sent *n = realloc(pg->sp, cap * sizeof(*n));

			if (!n)
				return synth_fail(s, -ENOMEM, "out of memory");
			page_bytes_add(s, (int64_t)((cap - pg->cap_sp) * sizeof(*n)));
			pg->sp = n;
			pg->cap_sp = (uint16_t)cap;
		}
		if (pg->nr_sp < pg->cap_sp) {
			memmove(pg->sp + k + 1, pg->sp + k, (pg->nr_sp - k) * sizeof(*pg->sp));
			pg->sp[k].i = i;
			pg->sp[k].v = v;
			pg->nr_sp++;
			return 0;
		}
		// full: 4 KiB from now on
		if (!synth_page_data(s, pg))
			return synth_fail(s, -ENOMEM, "out of memory");
	}
	page_set_dense(s, pg->data, i, v);
	return 0;
}

unsigned synth_entries(const struct xenpt_synth *s, unsigned level)
{
	if (s->mode == XENPT_PM_2LEVEL)
		return 1024;
	if (s->mode == XENPT_PM_PAE && level == 3)
		return 4;
	return 512;
}

uint64_t synth_level_size(const struct xenpt_synth *s, unsigned level)
{
	return 1ull << (12 + (level - 1) * s->idx_bits);
}

unsigned synth_va_index(const struct xenpt_synth *s, uint64_t va, unsigned level)
{
	return (unsigned)((va >> (12 + (level - 1) * s->idx_bits)) & (synth_entries(s, level) - 1));
}

bool synth_entry_leaf(const struct xenpt_synth *s, uint64_t e, unsigned level)
{
	if (level == 1)
		return true;
	if (!(e & XENPT_PTE_PSE))
		return false;
	if (level == 2)
		return true;
	return level == 3 && (s->mode == XENPT_PM_4LEVEL || s->mode == XENPT_PM_5LEVEL);
}

uint64_t synth_entry_frame(const struct xenpt_synth *s, uint64_t e, unsigned level)
{
	if (s->mode == XENPT_PM_2LEVEL) {
		if (level == 2 && (e & XENPT_PTE_PSE))
			// 4M page: bits 31:22, PSE-36 bits 20:13 give address bits 39:32
			return (((e >> 13) & 0xff) << 20) | (((e >> 22) & 0x3ff) << 10);
		return (e >> 12) & 0xfffff;
	}
	if (level > 1 && synth_entry_leaf(s, e, level))
		return (e & XENPT_PTE_ADDR_MASK & ~(synth_level_size(s, level) - 1)) >> 12;
	return (e & XENPT_PTE_ADDR_MASK) >> 12;
}

bool synth_raw_bit(const struct synth_page *pg, unsigned i)
{
	return pg->raw_bits && (pg->raw_bits[i / 64] >> (i % 64) & 1);
}

int synth_set_raw_bit(struct xenpt_synth *s, struct synth_page *pg, unsigned i, bool on)
{
	if (!pg->raw_bits) {
		if (!on)
			return 0;
		pg->raw_bits = calloc(16, sizeof(uint64_t));
		if (!pg->raw_bits)
			return synth_fail(s, -ENOMEM, "out of memory");
	}
	if (on)
		pg->raw_bits[i / 64] |= 1ull << (i % 64);
	else
		pg->raw_bits[i / 64] &= ~(1ull << (i % 64));
	return 0;
}

/* ---- Xen's PV MMU: the model's rules over the builder's store ---------------------------- */

/*
 * Every type, count, validation, linear-table and pin decision comes from
 * the rules of lib/xen/pvmm_rules.h, the code lib/xen/pvmm.c runs too (and
 * that tests/unit/test_corpus.c checks against Xen 4.17.7).  This file
 * only gives them a store: the compact per-frame state (type word, type
 * count and general count beyond PGC_allocated per state index, the
 * linear counts in a map) and the page store (compact, dense or generated
 * tables, with entries written raw that hold no reference).  The domain
 * has no I/O memory and no rule broken; its 16 Xen L4 slots are s->xen_slots.
 */

/* Entries Xen writes into its L4 slots (xen/arch/x86/include/asm/page.h). */
#define PAGE_HYPERVISOR_RO (XENPT_PTE_P | XENPT_PTE_A | XENPT_PTE_NX)
#define PAGE_HYPERVISOR_RW (PAGE_HYPERVISOR_RO | XENPT_PTE_D | XENPT_PTE_RW)
#define PAGE_HYPERVISOR_RWX (XENPT_PTE_P | XENPT_PTE_A | XENPT_PTE_D | XENPT_PTE_RW)

/* Xen's frames in the partition (SYNTH_NR_XEN of them). */
enum { XEN_RO_MPT = 0, XEN_MMCFG, XEN_PERDOMAIN, XEN_TEXT, XEN_DIRECTMAP };

static const char *const type_names[] = {
	"none", "l1", "l2", "l3", "l4", "seg_desc", "shared", "writable",
};

XENPT_PUBLIC const char *xenpt_synth_type_name(enum xenpt_synth_type t)
{
	return (unsigned)t < XENPT_ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

static const char *type_text(unsigned t)
{
	static const char *const text[] = {
		"an ordinary page", "an L1 page table", "an L2 page table", "an L3 page table",
		"an L4 page table", "a descriptor (GDT/LDT) page", "a shared page",
		"a writable page",
	};
	return text[t & 7];
}

static unsigned ff_type(const struct xenpt_synth *s, int64_t idx)
{
	return s->fflags[idx] & FF_TYPE_MASK;
}

bool synth_is_guest_l4_slot(unsigned slot)
{
	// is_guest_l4_slot() for 64-bit PV (lib/xen/pv.h)
	return !xen_pv_is_xen_l4_slot(slot);
}

static uint64_t xen_frame(const struct xenpt_synth *s, unsigned which)
{
	return synth_slot_to_mfn(s, s->xen_first + which);
}

/*
 * The values of Xen's L4 slots 256-271 in this host (init_xen_l4_slots(),
 * xen/arch/x86/mm.c; the layout of xen/arch/x86/include/asm/config.h):
 * 256 the read-only M2P (given to a kernel base pointer by fill_ro_mpt()),
 * 257 MMCFG, 258 the linear self map (made by the rules), 260 the
 * per-domain mappings, 261 Xen's text, 262-271 the direct map as far as
 * the host has memory.
 */
void synth_init_xen_slots(struct xenpt_synth *s)
{
	uint64_t host_bytes = s->p.host_frames << 12, dm = 1ull << 39;
	uint64_t *v = s->xen_slots;
	unsigned i, n;

	memset(s->xen_slots, 0, sizeof(s->xen_slots));
	v[256 - 256] = (xen_frame(s, XEN_RO_MPT) << 12) | PAGE_HYPERVISOR_RO | XENPT_PTE_US;
	v[257 - 256] = (xen_frame(s, XEN_MMCFG) << 12) | PAGE_HYPERVISOR_RWX;
	v[260 - 256] = (xen_frame(s, XEN_PERDOMAIN) << 12) | PAGE_HYPERVISOR_RW;
	v[261 - 256] = (xen_frame(s, XEN_TEXT) << 12) | PAGE_HYPERVISOR_RWX;
	n = (unsigned)((host_bytes + dm - 1) / dm);
	if (n > 10)
		n = 10;
	for (i = 0; i < n; i++)
		v[262 - 256 + i] = (xen_frame(s, XEN_DIRECTMAP + i) << 12) | PAGE_HYPERVISOR_RWX;
}

static int64_t linear_get(const struct xenpt_synth *s, int64_t idx)
{
	uint64_t v;

	return s->linear.count && synth_map_get(&s->linear, (uint64_t)idx, &v) ? (int64_t)v : 0;
}

/* A frame of the store: a state index (the domain's frames), or a frame of
 * the host outside the domain with its owner and fixed general count. */
typedef struct {
	int64_t idx;         /* state index, or -1 */
	uint16_t owner;
	uint8_t count;       /* frames outside the domain: 1 allocated, 0 free */
	bool ok;             /* false: not RAM of the host (beyond it) */
} pvmm_fh;
typedef struct synth_page *pvmm_tab;
#define PVMM_CTX struct xenpt_synth

static inline pvmm_fh st_idx(const struct xenpt_synth *s, int64_t idx)
{
	return (pvmm_fh){ .idx = idx, .owner = (uint16_t)s->p.domid, .count = 1, .ok = true };
}

static inline pvmm_fh st_frame(struct xenpt_synth *s, uint64_t mfn)
{
	uint64_t slot;
	uint32_t domid;

	switch (mfn_owner(s, mfn, &slot, &domid)) {
	case XENPT_SYNTH_OWNER_DOMAIN:
		return st_idx(s, (int64_t)slot);
	case XENPT_SYNTH_OWNER_NONE:
		return (pvmm_fh){ .idx = -1, .owner = PVMM_OWNER_FREE, .ok = false };
	case XENPT_SYNTH_OWNER_FREE:
		return (pvmm_fh){ .idx = -1, .owner = PVMM_OWNER_FREE, .ok = true };
	default:   // DOMID_IO, Xen's, another domain's
		return (pvmm_fh){ .idx = -1, .owner = (uint16_t)domid, .count = 1, .ok = true };
	}
}

static inline bool st_fh_ok(pvmm_fh f) { return f.ok; }
static inline uint16_t st_owner(struct xenpt_synth *s, pvmm_fh f) { (void)s; return f.owner; }

// the state keeps the general count beyond PGC_allocated's
static inline uint32_t st_count(struct xenpt_synth *s, pvmm_fh f)
{
	return f.idx < 0 ? f.count : s->ref_count[f.idx] + 1;
}

static inline void st_set_count(struct xenpt_synth *s, pvmm_fh f, uint32_t v)
{
	if (f.idx >= 0)
		s->ref_count[f.idx] = v ? v - 1 : 0;
}

// enum pvmm_type <-> enum xenpt_synth_type: the same but for "writable"
// (the builder's "shared" is a writable page too)
static inline unsigned st_type(struct xenpt_synth *s, pvmm_fh f)
{
	unsigned t;

	if (f.idx < 0)
		return PVMM_T_NONE;
	t = ff_type(s, f.idx);
	return t >= XENPT_SYNTH_TYPE_SHARED ? PVMM_T_WRITABLE : t;
}

static inline void st_set_type(struct xenpt_synth *s, pvmm_fh f, unsigned t)
{
	if (f.idx < 0)
		return;
	if (t == PVMM_T_WRITABLE)
		t = XENPT_SYNTH_TYPE_WRITABLE;
	s->fflags[f.idx] = (uint8_t)((s->fflags[f.idx] & ~FF_TYPE_MASK) | t);
}

static inline uint32_t st_tcount(struct xenpt_synth *s, pvmm_fh f)
{
	return f.idx < 0 ? 0 : s->type_count[f.idx];
}

static inline void st_set_tcount(struct xenpt_synth *s, pvmm_fh f, uint32_t v)
{
	if (f.idx >= 0)
		s->type_count[f.idx] = v;
}

static inline bool st_flag(const struct xenpt_synth *s, pvmm_fh f, uint8_t flag)
{
	return f.idx >= 0 && (s->fflags[f.idx] & flag);
}

static inline void st_set_flag(struct xenpt_synth *s, pvmm_fh f, uint8_t flag, bool on)
{
	if (f.idx < 0)
		return;
	if (on)
		s->fflags[f.idx] |= flag;
	else
		s->fflags[f.idx] &= (uint8_t)~flag;
}

static inline bool st_validated(struct xenpt_synth *s, pvmm_fh f)
{
	return st_flag(s, f, FF_VALIDATED);
}

static inline void st_set_validated(struct xenpt_synth *s, pvmm_fh f, bool v)
{
	st_set_flag(s, f, FF_VALIDATED, v);
}

static inline bool st_pinned(struct xenpt_synth *s, pvmm_fh f)
{
	return st_flag(s, f, FF_PINNED);
}

static inline void st_set_pinned(struct xenpt_synth *s, pvmm_fh f, bool v)
{
	st_set_flag(s, f, FF_PINNED, v);
}

static inline int st_linear(struct xenpt_synth *s, pvmm_fh f)
{
	return f.idx < 0 ? 0 : (int)linear_get(s, f.idx);
}

static inline int st_set_linear(struct xenpt_synth *s, pvmm_fh f, int v)
{
	if (f.idx < 0)
		return 0;
	if (!v) {
		if (s->linear.count)
			synth_map_del(&s->linear, (uint64_t)f.idx);
		return 0;
	}
	return synth_map_put(&s->linear, (uint64_t)f.idx, (uint64_t)(int64_t)v) ? 0 : -ENOMEM;
}

// shared_info, the one Xen page shared with the domain
static inline bool st_special(struct xenpt_synth *s, pvmm_fh f)
{
	return f.idx == (int64_t)s->p.nr_pages;
}

// PGC_allocated is never dropped here: a frame of the domain stays its
static inline void st_freed(struct xenpt_synth *s, pvmm_fh f)
{
	(void)s;
	(void)f;
}

static inline int st_tab(struct xenpt_synth *s, uint64_t mfn, pvmm_tab *t)
{
	struct synth_page *pg = synth_page_get(s, mfn);

	*t = NULL;
	if (!pg) {
		// a frame the builder never wrote: Xen reads what is there,
		// i.e. the generated content
		if (s->st.stored_pages >= s->lim.max_tables + s->lim.max_written +
					   s->lim.max_generated)
			return synth_fail(s, -ENOMEM, "page store limit reached");
		pg = synth_page_make(s, mfn, SPAGE_GEN, true);
		if (!pg)
			return synth_fail(s, -ENOMEM, "out of memory");
	}
	*t = pg;
	return 0;
}

static inline uint64_t st_ent(struct xenpt_synth *s, pvmm_tab t, unsigned i)
{
	return synth_entry_get(s, t, i);
}

static inline int st_ent_set(struct xenpt_synth *s, pvmm_tab t, unsigned i, uint64_t v)
{
	return synth_entry_set(s, t, i, v);
}

static inline unsigned st_ent_next(struct xenpt_synth *s, pvmm_tab t, unsigned i)
{
	(void)s;
	return synth_entry_next(t, i, 512);
}

static inline bool st_ent_raw(struct xenpt_synth *s, pvmm_tab t, unsigned i)
{
	(void)s;
	return synth_raw_bit(t, i);
}

static inline bool st_io_caps(struct xenpt_synth *s, uint16_t d)
{
	(void)s;
	(void)d;
	return false;
}

static inline const uint64_t *st_xen_slots(struct xenpt_synth *s, uint16_t d)
{
	return d == (uint16_t)s->p.domid ? s->xen_slots : NULL;
}

static inline enum pvmm_bug st_bug(struct xenpt_synth *s)
{
	(void)s;
	return PVMM_BUG_NONE;
}

// only a broken rule makes entries that hold a general reference alone
static inline int st_bug_ref_add(struct xenpt_synth *s, uint64_t mfn, unsigned idx)
{
	(void)s;
	(void)mfn;
	(void)idx;
	return -ENOSYS;
}

static inline bool st_bug_ref_take(struct xenpt_synth *s, uint64_t mfn, unsigned idx)
{
	(void)s;
	(void)mfn;
	(void)idx;
	return false;
}

static inline char *st_reason(struct xenpt_synth *s)
{
	return s->fail_msg;
}

#include "xen/pvmm_rules.h"

// The rules left their reason in fail_msg: record @rc as the failure.
static int model_rc(struct xenpt_synth *s, int rc)
{
	if (rc)
		s->fail_rc = rc;
	return rc;
}

static uint16_t self(const struct xenpt_synth *s)
{
	return (uint16_t)s->p.domid;
}

static enum pvmm_type pvmm_type_of(unsigned synth_type)
{
	return synth_type >= XENPT_SYNTH_TYPE_SHARED ? PVMM_T_WRITABLE : (enum pvmm_type)synth_type;
}

int synth_get_type(struct xenpt_synth *s, int64_t idx, unsigned type)
{
	return model_rc(s, mm_get_type(s, synth_idx_frame(s, idx), st_idx(s, idx),
				       pvmm_type_of(type)));
}

void synth_put_type(struct xenpt_synth *s, int64_t idx)
{
	mm_put_type(s, synth_idx_frame(s, idx), st_idx(s, idx), NULL);
}

int synth_write_entry(struct xenpt_synth *s, struct synth_page *pg, unsigned level, unsigned i,
		      uint64_t v, bool raw)
{
	uint64_t old;
	bool old_raw;
	unsigned t;
	int rc;

	if (!s->pv || pg->idx < 0 || !(s->fflags[pg->idx] & FF_VALIDATED) ||
	    (t = ff_type(s, pg->idx)) < XENPT_SYNTH_TYPE_L1 || t > XENPT_SYNTH_TYPE_L4) {
		// not a table Xen validated: a plain write, no references
		rc = synth_set_raw_bit(s, pg, i, raw);
		if (!rc)
			rc = synth_entry_set(s, pg, i, v);
		return rc;
	}
	level = t;      // Xen goes by the frame's type (do_mmu_update)
	if (!raw) {
		// mod_l1_entry() .. mod_l4_entry(); the old entry, if raw, held nothing
		rc = mm_mod_entry(s, level, pg->frame, pg, i, v, false, self(s), self(s), self(s));
		if (rc)
			return model_rc(s, rc);
		return synth_set_raw_bit(s, pg, i, false);
	}
	// bypassing Xen: the entry holds no reference, the old one's goes
	old = synth_entry_get(s, pg, i);
	old_raw = synth_raw_bit(pg, i);
	rc = synth_set_raw_bit(s, pg, i, true);
	if (rc)
		return rc;
	rc = synth_entry_set(s, pg, i, v);
	if (rc) {
		synth_set_raw_bit(s, pg, i, old_raw);
		return rc;
	}
	if (!old_raw && mm_guest_slot(level, i))
		mm_put_entry_as(s, level, old, pg->frame, false);
	return 0;
}

int synth_update_path(struct xenpt_synth *s, int64_t idx, unsigned *level)
{
	return model_rc(s, mm_update_path(s, synth_idx_frame(s, idx), st_idx(s, idx), self(s),
					  self(s), level));
}

int synth_pin(struct xenpt_synth *s, unsigned level, uint64_t mfn)
{
	if (level < 1 || level > 4)
		return synth_fail(s, -EINVAL, "no pin command for level %u (MMUEXT_PIN_L1..L4_TABLE)",
				  level);
	return model_rc(s, mm_pin(s, mfn, (enum pvmm_type)level, self(s)));
}

int synth_unpin(struct xenpt_synth *s, uint64_t mfn)
{
	return model_rc(s, mm_unpin(s, mfn, self(s)));
}

int synth_get_root_ref(struct xenpt_synth *s, uint64_t mfn, bool kernel)
{
	return model_rc(s, mm_get_root(s, mfn, kernel, self(s)));
}

bool synth_frame_writable(struct xenpt_synth *s, int64_t idx)
{
	return mm_writable(s, st_idx(s, idx));
}

void synth_put_ref(struct xenpt_synth *s, uint64_t mfn)
{
	mm_put_ref(s, mfn);
}

int synth_gdt_get(struct xenpt_synth *s, const uint64_t *frames, unsigned entries)
{
	return model_rc(s, mm_gdt_get(s, self(s), frames, entries));
}

void synth_gdt_put(struct xenpt_synth *s, const uint64_t *frames, unsigned entries)
{
	mm_gdt_put(s, frames, entries);
}

/* ---- public: pins, frame state, page types ---------------------------------------------- */

static struct xenpt_error *need_pv(const struct xenpt_synth *s, const char *what)
{
	if (s->pv)
		return NULL;
	return xenpt_error_hint(xenpt_error_create(XENPT_ERR_UNSUPPORTED,
						   "%s: %s exists only for PV domains", s->desc, what),
				"HVM guests have no PV page types, P2M or M2P in this model");
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_pin(struct xenpt_synth *s, unsigned level,
						 xenpt_mfn_t mfn)
{
	struct xenpt_error *err = need_pv(s, "pinning");

	if (err)
		return err;
	if (synth_pin(s, level, xenpt_mfn_x(mfn)))
		return synth_fail_error(s, "pin L%u table mfn 0x%" PRIx64, level, xenpt_mfn_x(mfn));
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_unpin(struct xenpt_synth *s, xenpt_mfn_t mfn)
{
	struct xenpt_error *err = need_pv(s, "unpinning");

	if (err)
		return err;
	if (synth_unpin(s, xenpt_mfn_x(mfn)))
		return synth_fail_error(s, "unpin mfn 0x%" PRIx64, xenpt_mfn_x(mfn));
	return NULL;
}

XENPT_PUBLIC bool xenpt_synth_exact_counts(void *synth, uint64_t mfn, uint64_t *type_count_ret,
					   uint64_t *ref_count_ret)
{
	struct xenpt_synth_frame_state st;
	struct xenpt_error *err = xenpt_synth_frame_state(synth, xenpt_mfn(mfn), &st);

	if (err) {
		xenpt_error_destroy(err);
		return false;
	}
	if (st.owner != XENPT_SYNTH_OWNER_DOMAIN)
		return false;
	*type_count_ret = st.type_count;
	*ref_count_ret = st.ref_count;
	return true;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_frame_state(const struct xenpt_synth *s,
							 xenpt_mfn_t mfn,
							 struct xenpt_synth_frame_state *ret)
{
	struct xenpt_synth_frame_state st;
	struct xenpt_error *err = need_pv(s, "frame state");
	const struct synth_page *pg;
	uint64_t m = xenpt_mfn_x(mfn), slot, v;
	int64_t idx;

	if (err)
		return err;
	memset(&st, 0, sizeof(st));
	st.mfn = mfn;
	// the slot once: the owner, the M2P and the state index all follow from it
	st.owner = mfn_owner(s, m, &slot, &st.owner_domid);
	if (!s->m2p_ovr.count || !synth_map_get(&s->m2p_ovr, m, &v))
		v = slot_m2p(s, slot);
	st.pfn = xenpt_gfn(v);
	idx = slot < s->nr_state ? (int64_t)slot : -1;
	if (idx >= 0) {
		st.pfn = xenpt_gfn(idx < (int64_t)s->p.nr_pages ? (uint64_t)idx : XENPT_INVALID_FRAME);
		st.special = idx == (int64_t)s->p.nr_pages;
		st.type = (enum xenpt_synth_type)ff_type(s, idx);
		st.type_count = s->type_count[idx];
		st.ref_count = 1 + (uint64_t)s->ref_count[idx];
		st.allocated = true;
		st.pinned = s->fflags[idx] & FF_PINNED;
		st.validated = s->fflags[idx] & FF_VALIDATED;
		st.linear_pt_count = (int)linear_get(s, idx);
		st.written = s->fflags[idx] & FF_WRITTEN;
		pg = synth_page_get(s, m);
		if (pg && pg->kind == SPAGE_TABLE)
			st.table_level = pg->level;
	} else if (st.owner == XENPT_SYNTH_OWNER_XEN || st.owner == XENPT_SYNTH_OWNER_OTHER) {
		st.allocated = true;
		st.ref_count = 1;
	}
	*ret = st;
	return NULL;
}

// Xen's type of the frame of state index @idx (-1: not the domain's).
static xenpt_page_type_t idx_page_type(const struct xenpt_synth *s, int64_t idx)
{
	unsigned t;
	uint8_t f;

	// getpageframeinfo3 (xen/arch/x86/domctl.c): not the domain's, or a
	// special (Xen heap) page, is XTAB
	if (idx < 0 || idx == (int64_t)s->p.nr_pages)
		return XENPT_PT_XTAB;
	f = s->fflags[idx];
	t = pvmm_pfinfo_level(pvmm_type_of(f & FF_TYPE_MASK), f & FF_VALIDATED, f & FF_PINNED);
	return (xenpt_page_type_t)(t | (f & FF_PINNED ? XENPT_PT_PINNED : 0));
}

XENPT_PUBLIC xenpt_page_type_t xenpt_synth_page_type(const struct xenpt_synth *s, xenpt_mfn_t mfn)
{
	if (!s->pv)
		return XENPT_PT_XTAB;
	return idx_page_type(s, synth_state_idx(s, xenpt_mfn_x(mfn)));
}

/* ---- batches: runs of frames for the source (synth_source.c) ----------------------------- */

enum { BATCH = 512 };

void synth_p2m_batch(const struct xenpt_synth *s, const uint64_t *pfns, size_t n, uint64_t *mfns)
{
	struct synth_memo *mo = s->memo;
	size_t i;
	uint64_t v;

	if (!s->pv) {
		for (i = 0; i < n; i++)
			mfns[i] = XENPT_INVALID_FRAME;
		return;
	}
	// a PFN is its slot: permute them all at once (0 stands in for a PFN
	// beyond the P2M, whose entry is INVALID)
	for (i = 0; i < n; i++)
		mfns[i] = pfns[i] < s->p.nr_pages ? pfns[i] : 0;
	perm_batch(s, mfns, n, false);
	mo->n = 0;
	for (i = 0; i < n; i++) {
		if (pfns[i] >= s->p.nr_pages) {
			mfns[i] = XENPT_INVALID_FRAME;
			continue;
		}
		mfns[i] += SYNTH_IO_FRAMES;
		if (mo->n < SYNTH_MEMO) {
			mo->mfn[mo->n] = mfns[i];
			mo->slot[mo->n++] = pfns[i];
		}
		if (s->p2m_ovr.count && synth_map_get(&s->p2m_ovr, pfns[i], &v))
			mfns[i] = v;
	}
}

/*
 * The slots of mfns[0..n) (UINT64_MAX: I/O or beyond the host), n <= BATCH.
 * Frames that follow the last P2M batch in its order (a sweep of the P2M
 * that dropped INVALID entries) take their slot from the memo, matched
 * from *cursor on (0 for the first part of a caller's run); the rest are
 * inverted together.
 */
static void slots_batch(const struct xenpt_synth *s, const uint64_t *mfns, size_t n, uint64_t *slots,
			size_t *cursor)
{
	enum { WINDOW = 8 };
	const struct synth_memo *mo = s->memo;
	uint64_t x[BATCH];
	uint32_t at[BATCH];
	size_t i, j = *cursor, t, nx = 0;

	for (i = 0; i < n; i++) {
		uint64_t mfn = mfns[i];

		slots[i] = UINT64_MAX;
		if (mfn < SYNTH_IO_FRAMES || mfn >= s->p.host_frames)
			continue;
		for (t = j; t < mo->n && t < j + WINDOW; t++)
			if (mo->mfn[t] == mfn)
				break;
		if (t < mo->n && t < j + WINDOW) {
			slots[i] = mo->slot[t];
			j = t + 1;
			continue;
		}
		x[nx] = mfn - SYNTH_IO_FRAMES;
		at[nx++] = (uint32_t)i;
	}
	*cursor = j;
	perm_batch(s, x, nx, true);
	for (t = 0; t < nx; t++)
		slots[at[t]] = x[t];
}

void synth_m2p_batch(const struct xenpt_synth *s, const uint64_t *mfns, size_t n, uint64_t *gfns)
{
	uint64_t slots[BATCH], v;
	size_t b, i, cursor = 0;

	for (b = 0; b < n; b += BATCH) {
		size_t k = n - b < BATCH ? n - b : BATCH;

		if (!s->pv) {
			for (i = 0; i < k; i++)
				gfns[b + i] = XENPT_INVALID_FRAME;
			continue;
		}
		slots_batch(s, mfns + b, k, slots, &cursor);
		for (i = 0; i < k; i++)
			if (!s->m2p_ovr.count || !synth_map_get(&s->m2p_ovr, mfns[b + i], &v))
				gfns[b + i] = slot_m2p(s, slots[i]);
			else
				gfns[b + i] = v;
	}
}

void synth_page_types_batch(const struct xenpt_synth *s, enum xenpt_space space,
			    const uint64_t *frames, size_t n, xenpt_page_type_t *types)
{
	uint64_t slots[BATCH], v;
	size_t b, i, cursor = 0;

	for (b = 0; b < n; b += BATCH) {
		size_t k = n - b < BATCH ? n - b : BATCH;

		if (!s->pv) {
			for (i = 0; i < k; i++)
				types[b + i] = XENPT_PT_XTAB;
			continue;
		}
		if (space == XENPT_SPACE_GFN) {
			// the frame the P2M names: a PFN's own slot, unless overridden
			for (i = 0; i < k; i++) {
				uint64_t pfn = frames[b + i];

				if (pfn >= s->p.nr_pages)
					slots[i] = UINT64_MAX;
				else if (s->p2m_ovr.count && synth_map_get(&s->p2m_ovr, pfn, &v))
					slots[i] = synth_mfn_to_slot(s, v);
				else
					slots[i] = pfn;
			}
		} else {
			slots_batch(s, frames + b, k, slots, &cursor);
		}
		for (i = 0; i < k; i++)
			types[b + i] = idx_page_type(s, slots[i] < s->nr_state ? (int64_t)slots[i] : -1);
	}
}

/* ---- public: P2M, M2P, shared_info ------------------------------------------------------- */

XENPT_PUBLIC xenpt_mfn_t xenpt_synth_p2m(const struct xenpt_synth *s, xenpt_gfn_t pfn)
{
	return xenpt_mfn(synth_p2m(s, xenpt_gfn_x(pfn)));
}

XENPT_PUBLIC xenpt_gfn_t xenpt_synth_m2p(const struct xenpt_synth *s, xenpt_mfn_t mfn)
{
	return xenpt_gfn(synth_m2p(s, xenpt_mfn_x(mfn)));
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_set_p2m(struct xenpt_synth *s, xenpt_gfn_t pfn,
						     xenpt_mfn_t mfn)
{
	struct xenpt_error *err = need_pv(s, "the P2M");

	if (err)
		return err;
	if (xenpt_gfn_x(pfn) >= s->p.nr_pages)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set P2M: pfn 0x%" PRIx64 " is beyond the P2M (0x%" PRIx64 " entries)",
					  s->desc, xenpt_gfn_x(pfn), s->p.nr_pages);
	if (s->p2m_ovr.count >= s->lim.max_written)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: too many P2M overrides",
					  s->desc);
	if (!synth_map_put(&s->p2m_ovr, xenpt_gfn_x(pfn), xenpt_mfn_x(mfn)))
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_set_m2p(struct xenpt_synth *s, xenpt_mfn_t mfn,
						     xenpt_gfn_t pfn)
{
	struct xenpt_error *err = need_pv(s, "the M2P");

	if (err)
		return err;
	if (xenpt_mfn_x(mfn) >= s->p.host_frames)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: set M2P: mfn 0x%" PRIx64 " is beyond the host (0x%" PRIx64 " frames)",
					  s->desc, xenpt_mfn_x(mfn), s->p.host_frames);
	if (s->m2p_ovr.count >= s->lim.max_written)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG, "%s: too many M2P overrides",
					  s->desc);
	if (!synth_map_put(&s->m2p_ovr, xenpt_mfn_x(mfn), xenpt_gfn_x(pfn)))
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	return NULL;
}

XENPT_PUBLIC xenpt_mfn_t xenpt_synth_shared_info_mfn(const struct xenpt_synth *s)
{
	return xenpt_mfn(s->pv ? s->shinfo_mfn : XENPT_INVALID_FRAME);
}

void synth_encode_shared_info(struct xenpt_synth *s)
{
	struct synth_page *pg = synth_page_get(s, s->shinfo_mfn);
	unsigned i;

	if (!pg)
		return;
	memset(pg->data, 0, SYNTH_PAGE);
	xenpt_abi_encode_shared_info(&s->shinfo, pg->data);
	// a few bound, unmasked event channels pending, as a running guest has
	for (i = 0; i < s->shinfo.nr_pending_evtchn && i < 64; i++)
		pg->data[XEN_SHINFO_EVTCHN_PENDING + i / 8] |= (uint8_t)(1u << (i % 8));
	for (i = 0; i < s->shinfo.nr_masked_evtchn && i < 64; i++)
		pg->data[XEN_SHINFO_EVTCHN_MASK + 8 + i / 8] |= (uint8_t)(1u << (i % 8));
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_shared_info(const struct xenpt_synth *s,
							 struct xenpt_shared_info *ret)
{
	struct xenpt_error *err = need_pv(s, "shared_info");

	if (err)
		return err;
	*ret = s->shinfo;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_set_shared_info(struct xenpt_synth *s,
							     const struct xenpt_shared_info *si)
{
	struct xenpt_error *err = need_pv(s, "shared_info");

	if (err)
		return err;
	s->shinfo = *si;
	synth_encode_shared_info(s);
	return NULL;
}

/* ---- public: vCPUs ------------------------------------------------------------------------ */

static bool canonical48(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_vcpu(const struct xenpt_synth *s, uint32_t id,
						  struct xenpt_vcpu *ret)
{
	if (id >= s->p.nr_vcpus)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no vCPU %u (it has %u)", s->desc,
					  id, s->p.nr_vcpus);
	*ret = s->vcpus[id];
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_set_vcpu(struct xenpt_synth *s, uint32_t id,
						      const struct xenpt_vcpu *v)
{
	struct xenpt_vcpu *cur;
	unsigned i, ngdt;

	if (id >= s->p.nr_vcpus)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no vCPU %u (it has %u)", s->desc,
					  id, s->p.nr_vcpus);
	cur = &s->vcpus[id];
	if (!s->pv) {
		enum xenpt_paging_mode m = xenpt_paging_mode_from_regs(v->cr0, v->cr4, v->efer,
								       true, true);

		if (m != s->mode)
			return xenpt_error_create(XENPT_ERR_INVALID_ARG,
						  "%s: vCPU %u: CR0 0x%" PRIx64 ", CR4 0x%" PRIx64 " and EFER 0x%" PRIx64
						  " select %s paging, but the domain was built for %s",
						  s->desc, id, v->cr0, v->cr4, v->efer, mode_name(m),
						  mode_name(s->mode));
		*cur = *v;
		cur->id = id;
		return NULL;
	}
	for (i = 0; i < 256; i++)
		if (v->traps[i].address && !canonical48(v->traps[i].address))
			return xenpt_error_create(XENPT_ERR_INVALID_ARG,
						  "%s: vCPU %u: trap %u address 0x%" PRIx64 " is not canonical (Xen: -EINVAL)",
						  s->desc, id, i, v->traps[i].address);
	if ((v->cr3 & 0xfff) || (v->user_cr3 & 0xfff))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: vCPU %u: cr3 0x%" PRIx64 " / user cr3 0x%" PRIx64
					  " must be machine addresses of L4 tables (MFN << 12)",
					  s->desc, id, v->cr3, v->user_cr3);
	// new references first (pv_set_gdt, then the base pointers), then the
	// old ones are dropped; on failure the new ones are given back
	ngdt = (unsigned)(v->gdt_ents > UINT32_MAX ? UINT32_MAX : v->gdt_ents);
	if (synth_gdt_get(s, v->gdt_frames, ngdt))
		return synth_fail_error(s, "vCPU %u: GDT", id);
	if (v->cr3 && synth_get_root_ref(s, v->cr3 >> 12, true)) {
		synth_gdt_put(s, v->gdt_frames, ngdt);
		return synth_fail_error(s, "vCPU %u: loading cr3 0x%" PRIx64, id, v->cr3);
	}
	if (v->user_cr3 && synth_get_root_ref(s, v->user_cr3 >> 12, false)) {
		synth_gdt_put(s, v->gdt_frames, ngdt);
		if (v->cr3)
			synth_put_ref(s, v->cr3 >> 12);
		return synth_fail_error(s, "vCPU %u: loading user cr3 0x%" PRIx64, id, v->user_cr3);
	}
	synth_gdt_put(s, cur->gdt_frames, (unsigned)cur->gdt_ents);
	if (cur->cr3)
		synth_put_ref(s, cur->cr3 >> 12);
	if (cur->user_cr3)
		synth_put_ref(s, cur->user_cr3 >> 12);
	*cur = *v;
	cur->id = id;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_set_trap(struct xenpt_synth *s, uint32_t id,
						      uint8_t vector, uint16_t cs, uint8_t flags,
						      uint64_t address)
{
	struct xenpt_vcpu *v;
	struct xenpt_error *err;

	if (id >= s->p.nr_vcpus)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no vCPU %u (it has %u)", s->desc,
					  id, s->p.nr_vcpus);
	v = malloc(sizeof(*v));
	if (!v)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	*v = s->vcpus[id];
	v->traps[vector].vector = vector;
	v->traps[vector].cs = cs;
	v->traps[vector].flags = flags;
	v->traps[vector].address = address;
	err = xenpt_synth_set_vcpu(s, id, v);
	free(v);
	return err;
}

/* ---- public: memory contents ---------------------------------------------------------------- */

// Write into table-space frame @frame (a domain frame).
int synth_write_frame(struct xenpt_synth *s, uint64_t frame, unsigned off, const void *data,
		      size_t len)
{
	int64_t idx = synth_state_idx(s, frame);
	struct synth_page *pg;
	char buf[96];

	if (idx < 0) {
		if (!s->pv)
			return synth_fail(s, -EINVAL, "gfn 0x%" PRIx64 " is not populated", frame);
		return synth_fail(s, -EINVAL, "mfn 0x%" PRIx64 " is not the domain's (%s)", frame,
				  owner_text(s, frame, buf, sizeof(buf)));
	}
	pg = synth_page_get(s, frame);
	if (pg && pg->kind == SPAGE_TABLE)
		return synth_fail(s, -EINVAL,
				  "%s 0x%" PRIx64 " is an L%u page table the builder made; change its entries instead",
				  s->pv ? "mfn" : "gfn", frame, pg->level);
	if (s->pv && !synth_frame_writable(s, idx))
		return synth_fail(s, -EBUSY, "mfn 0x%" PRIx64 " is %s: Xen allows no writes to it",
				  frame, type_text(ff_type(s, idx)));
	if (!pg || pg->kind == SPAGE_GEN) {
		if (s->st.written_pages >= s->lim.max_written)
			return synth_fail(s, -E2BIG, "more than %" PRIu64 " written pages",
					  s->lim.max_written);
		if (pg)
			s->st.generated_pages--;
		pg = synth_page_make(s, frame, SPAGE_DATA, true);
		if (!pg)
			return synth_fail(s, -ENOMEM, "out of memory");
		s->st.written_pages++;
	}
	if (pg->kind == SPAGE_GEN)
		pg->kind = SPAGE_DATA;
	memcpy(pg->data + off, data, len);
	s->fflags[idx] |= FF_WRITTEN;
	return 0;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_write_gfn(struct xenpt_synth *s, xenpt_gfn_t gfn,
						       uint64_t offset, const void *data,
						       size_t len)
{
	const uint8_t *p = data;
	uint64_t g = xenpt_gfn_x(gfn);

	if (offset >= SYNTH_PAGE) {
		g += offset / SYNTH_PAGE;
		offset %= SYNTH_PAGE;
	}
	while (len) {
		size_t n = SYNTH_PAGE - offset;
		uint64_t frame = g;

		if (n > len)
			n = len;
		if (g >= s->p.nr_pages)
			return xenpt_error_create(XENPT_ERR_INVALID_ARG,
						  "%s: write: %s 0x%" PRIx64 " is beyond the domain (0x%" PRIx64 " pages)",
						  s->desc, s->pv ? "pfn" : "gfn", g, s->p.nr_pages);
		if (s->pv)
			frame = synth_p2m(s, g);
		if (synth_write_frame(s, frame, (unsigned)offset, p, n))
			return synth_fail_error(s, "write %s 0x%" PRIx64, s->pv ? "pfn" : "gfn", g);
		p += n;
		len -= n;
		offset = 0;
		g++;
	}
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_write_va(struct xenpt_synth *s, unsigned root,
						      xenpt_va_t va, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v = xenpt_va_x(va);

	while (len) {
		struct xenpt_synth_page pgi;
		struct xenpt_error *err;
		uint64_t off = v & (SYNTH_PAGE - 1);
		size_t n = SYNTH_PAGE - off;

		if (n > len)
			n = len;
		err = xenpt_synth_lookup(s, root, xenpt_va(v), &pgi);
		if (err) {
			enum xenpt_error_code code = xenpt_error_code(err);

			xenpt_error_destroy(err);
			return xenpt_error_create(code, "%s: write at va 0x%016" PRIx64
						  ": not mapped in root %u ('%s')", s->desc, v, root,
						  xenpt_synth_root_name(s, root));
		}
		if (synth_write_frame(s, pgi.frame, (unsigned)off, p, n))
			return synth_fail_error(s, "write at va 0x%016" PRIx64, v);
		p += n;
		len -= n;
		v += n;
	}
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_read_gfn(const struct xenpt_synth *s,
						      xenpt_gfn_t gfn, uint64_t offset, void *buf,
						      size_t len)
{
	uint8_t *page = malloc(SYNTH_PAGE);
	uint8_t *out = buf;
	uint64_t g = xenpt_gfn_x(gfn) + offset / SYNTH_PAGE;
	struct xenpt_error *err = NULL;

	if (!page)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	offset %= SYNTH_PAGE;
	while (len) {
		size_t n = SYNTH_PAGE - offset;
		const uint8_t *d;
		bool gen;
		int e = 0;

		if (n > len)
			n = len;
		d = synth_frame_data(s, XENPT_SPACE_GFN, g, page, &e, &gen);
		if (!d) {
			err = xenpt_error_create(XENPT_ERR_FAULT, "%s: read %s 0x%" PRIx64 ": %s",
						 s->desc, s->pv ? "pfn" : "gfn", g, strerror(e));
			goto out;
		}
		memcpy(out, d + offset, n);
		out += n;
		len -= n;
		offset = 0;
		g++;
	}
out:
	free(page);
	return err;
}

/* ---- public: statistics ------------------------------------------------------------------- */

XENPT_PUBLIC void xenpt_synth_stats(const struct xenpt_synth *s, struct xenpt_synth_stats *ret)
{
	struct xenpt_synth_stats st = s->st;

	st.mapped_bytes = synth_ext_bytes(s);
	st.entry_records = s->nr_erec;
	st.mem_bytes = sizeof(*s) + s->nr_state * (s->pv ? 9 : 1) +
		       st.stored_pages * sizeof(struct synth_page) + s->page_bytes +
		       s->store.m.cap * 16 + s->store.m.h.nslots * 8 + s->nr_eb * (64 * sizeof(struct synth_extent) + 16) +
		       s->cap_erec * sizeof(*s->erec) + s->p.nr_vcpus * sizeof(*s->vcpus);
	*ret = st;
}
