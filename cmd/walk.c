/* SPDX-License-Identifier: MIT */
/*
 * xenpt walk: translate one guest virtual address and show every level
 * (crash's vtop, labelled: MFN vs PFN vs GFN on every number).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/walk.h>

#include "cli.h"

const char *cli_mode_note(const struct xenpt_aspace *as, char *buf, size_t len)
{
	char from[128];

	buf[0] = 0;
	if (as->mode_inferred)
		snprintf(buf, len, " (inferred from %s; --mode overrides)",
			 xenpt_aspace_mode_from(as, from, sizeof(from)));
	return buf;
}

void cli_json_mode(struct jw *j, const struct xenpt_aspace *as)
{
	char from[128];

	jw_kstr(j, "mode", xenpt_paging_mode_name(as->mode));
	jw_kbool(j, "mode_inferred", as->mode_inferred);
	if (as->mode_inferred)
		jw_kstr(j, "mode_from", xenpt_aspace_mode_from(as, from, sizeof(from)));
}

const char *fmt_flag_names(char *buf, size_t len, uint64_t bits, unsigned level)
{
	static const struct { uint64_t bit; const char *name; } f[] = {
		{ XENPT_PTE_P, "P" }, { XENPT_PTE_RW, "RW" }, { XENPT_PTE_US, "US" },
		{ XENPT_PTE_PWT, "PWT" }, { XENPT_PTE_PCD, "PCD" }, { XENPT_PTE_A, "A" },
		{ XENPT_PTE_D, "D" }, { XENPT_PTE_PSE, NULL }, { XENPT_PTE_G, "G" },
		{ XENPT_PTE_NX, "NX" },
	};
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(f) / sizeof(f[0]) && o < len; i++) {
		const char *n = f[i].name ? f[i].name : level == 1 ? "PAT" : "PSE";

		if (bits & f[i].bit)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", n);
	}
	return buf;
}

/* Fixed-width flag tokens; an absent flag prints as dashes of the same width. */
const char *fmt_pte_flags(char *buf, size_t len, uint64_t e, unsigned level, bool leaf, bool pv)
{
	struct { uint64_t bit; const char *on; } f[] = {
		{ XENPT_PTE_P, "P" }, { XENPT_PTE_RW, "RW" }, { XENPT_PTE_US, "US" },
		{ XENPT_PTE_PWT, "PWT" }, { XENPT_PTE_PCD, "PCD" }, { XENPT_PTE_A, "A" },
		{ XENPT_PTE_D, "D" }, { XENPT_PTE_PSE, level == 1 ? "PAT" : "PS" },
		{ XENPT_PTE_G, "G" }, { XENPT_PTE_NX, "NX" },
	};
	size_t i, o = 0;

	(void)leaf;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t w = strlen(f[i].on), k;
		const char *tok = f[i].on;

		if (i == 7)
			w = 3;   /* "PS"/"PAT" column */
		if (o + w + 2 >= len)
			break;
		if (o)
			buf[o++] = ' ';
		if (e & f[i].bit) {
			memcpy(buf + o, tok, strlen(tok));
			for (k = strlen(tok); k < w; k++)
				buf[o + k] = ' ';
		} else {
			memset(buf + o, '-', w);
		}
		o += w;
	}
	if (pv && o + 4 < len) {
		/* Xen's _PAGE_GUEST_KERNEL marker on 64-bit PV kernel mappings */
		memcpy(buf + o, (e & XENPT_PTE_GUEST_KERNEL) ? " GK" : " --", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

static const char *level_name(const struct xenpt_aspace *as, unsigned level)
{
	static const char *const n[] = { "?", "L1", "L2", "L3", "L4", "L5" };

	if (as->mode == XENPT_PM_PAE && level == 3)
		return "PDPT";
	return level <= 5 ? n[level] : "?";
}

const char *walk_end_text(const struct xenpt_walk *w, char *buf, size_t len)
{
	switch (w->end) {
	case XENPT_WALK_MAPPED:
		snprintf(buf, len, "mapped");
		break;
	case XENPT_WALK_NOT_PRESENT:
		snprintf(buf, len, "not present at %s", level_name(&w->as, w->end_level));
		break;
	case XENPT_WALK_RESERVED:
		snprintf(buf, len, "reserved bits set at %s (a hardware walk would fault with RSVD)",
			 level_name(&w->as, w->end_level));
		break;
	case XENPT_WALK_NON_CANONICAL:
		snprintf(buf, len, "non-canonical address");
		break;
	case XENPT_WALK_OUTSIDE_SPACE:
		snprintf(buf, len, "outside the 32-bit address space (the VA is at or above 4 GiB)");
		break;
	case XENPT_WALK_XEN_SLOT:
		snprintf(buf, len, "in Xen's reserved L4 slots 256-271 (hypervisor range, not walked)");
		break;
	case XENPT_WALK_UNREADABLE:
		snprintf(buf, len, "%s table could not be read", level_name(&w->as, w->end_level));
		break;
	case XENPT_WALK_DISALLOWED: {
		char names[64];
		uint64_t bits = w->nsteps ? w->steps[w->nsteps - 1].disallowed : 0;

		snprintf(buf, len, "flags Xen disallows at %s: %s (0x%" PRIx64 "; Xen never validates such an entry in a PV table)",
			 level_name(&w->as, w->end_level),
			 fmt_flag_names(names, sizeof(names), bits, w->end_level), bits);
		break;
	}
	}
	return buf;
}

static void walk_json(struct cli *cli, const struct xenpt_walk *w)
{
	struct jw *j = cli_jw(cli);
	bool pv = w->as.pv;
	const char *sp = pv ? "mfn" : "gfn";
	char key[32];
	unsigned i;

	jw_obj_begin(j);
	jw_khex(j, "va", w->va);
	cli_json_mode(j, &w->as);
	jw_kstr(j, "space", sp);
	jw_khex(j, "cr3", w->as.cr3);
	jw_kbool(j, "user_l4", w->as.user);
	jw_ku64(j, "paddr_bits", w->as.maxphyaddr ? w->as.maxphyaddr : XENPT_PADDR_BITS_ASSUMED);
	jw_kbool(j, "paddr_bits_known", xenpt_source_domain(cli->src)->paddr_bits != 0);
	jw_key(j, "levels");
	jw_arr_begin(j);
	for (i = 0; i < w->nsteps; i++) {
		const struct xenpt_walk_step *s = &w->steps[i];

		jw_obj_begin(j);
		jw_ku64(j, "level", s->level);
		snprintf(key, sizeof(key), "table_%s", sp);
		jw_kframe(j, key, s->table);
		if (pv)
			jw_kframe(j, "table_pfn", s->table_other);
		jw_ku64(j, "index", s->index);
		jw_khex(j, pv ? "entry_maddr" : "entry_gpaddr", s->entry_addr);
		jw_khex(j, "entry", s->entry);
		jw_kbool(j, "present", s->present);
		jw_kbool(j, "leaf", s->leaf);
		if (s->present) {
			snprintf(key, sizeof(key), "next_%s", sp);
			jw_kframe(j, key, s->next);
			if (pv)
				jw_kframe(j, "next_pfn", s->next_other);
		}
		if (s->rsvd)
			jw_khex(j, "reserved_bits", s->rsvd);
		if (s->disallowed)
			jw_khex(j, "disallowed_bits", s->disallowed);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_key(j, "end");
	jw_obj_begin(j);
	jw_kstr(j, "reason", xenpt_walk_end_name(w->end));
	if (w->end != XENPT_WALK_MAPPED && w->end != XENPT_WALK_NON_CANONICAL &&
	    w->end != XENPT_WALK_OUTSIDE_SPACE)
		jw_ku64(j, "level", w->end_level);
	if (w->end == XENPT_WALK_UNREADABLE)
		jw_kstr(j, "error", xenpt_source_frame_strerror(cli->src, w->end_errno));
	if (w->end == XENPT_WALK_DISALLOWED)
		jw_khex(j, "bits", w->steps[w->nsteps - 1].disallowed);
	jw_obj_end(j);
	if (w->end == XENPT_WALK_MAPPED) {
		jw_ku64(j, "page_size", w->page_size);
		snprintf(key, sizeof(key), "%s", pv ? "mfn" : "gfn");
		jw_kframe(j, key, w->frame);
		jw_kframe(j, pv ? "pfn" : "mfn", w->frame_other);
		jw_khex(j, pv ? "maddr" : "gpaddr", w->addr);
		jw_kbool(j, "writable", w->writable);
		jw_kbool(j, "user", w->user);
		jw_kbool(j, "hw_user", w->hw_user);
		jw_kbool(j, "guest_kernel", w->guest_kernel);
		jw_kbool(j, "nx", w->nx);
		jw_kbool(j, "global", w->global);
		jw_kbool(j, "accessed", w->accessed);
		jw_kbool(j, "dirty", w->dirty);
	}
	jw_obj_end(j);
}

static void walk_plain(struct cli *cli, const struct xenpt_walk *w)
{
	bool pv = w->as.pv;
	char fl[64], a[32], b[32], c[64], res[200], sz[16], note[200];
	struct table *t;
	unsigned i;
	const char *titles_pv[] = { "LEVEL", "TABLE_MFN", "TABLE_PFN", ">IDX", "ENTRY_MADDR", "ENTRY",
				    "FLAGS", "NEXT" };
	const char *titles_hvm[] = { "LEVEL", "TABLE_GFN", ">IDX", "ENTRY_GPADDR", "ENTRY", "FLAGS", "NEXT" };

	printf("va 0x%016" PRIx64 " in %s, %s%s paging%s, cr3 0x%" PRIx64 "%s\n", w->va,
	       xenpt_source_describe(cli->src), xenpt_paging_mode_name(w->as.mode), pv ? " PV" : "",
	       cli_mode_note(&w->as, note, sizeof(note)), w->as.cr3, w->as.user ? " (user L4)" : "");
	/* no steps: non-canonical, outside the space, or the root unreadable */
	t = !w->nsteps ? NULL : pv ? table_create(titles_pv, 8) : table_create(titles_hvm, 7);
	for (i = 0; i < w->nsteps; i++) {
		const struct xenpt_walk_step *s = &w->steps[i];
		unsigned col = 0;
		unsigned ew = s->entry_addr > 0xffffffffull ? 12 : 8;

		table_addf(t, col++, "%s", level_name(&w->as, s->level));
		table_addf(t, col++, "%s", fmt_frame(a, sizeof(a), s->table));
		if (pv)
			table_addf(t, col++, "%s", fmt_frame(b, sizeof(b), s->table_other));
		table_addf(t, col++, "%u", s->index);
		table_addf(t, col++, "0x%0*" PRIx64, ew, s->entry_addr);
		table_addf(t, col++, "0x%016" PRIx64, s->entry);
		table_addf(t, col++, "%s", s->present ? fmt_pte_flags(fl, sizeof(fl), s->entry, s->level,
									s->leaf, pv) : "not present");
		if (!s->present)
			c[0] = 0;
		else if (s->rsvd)
			snprintf(c, sizeof(c), "reserved bits 0x%" PRIx64, s->rsvd);
		else if (s->disallowed)
			snprintf(c, sizeof(c), "flags Xen disallows 0x%" PRIx64, s->disallowed);
		else if (pv)
			snprintf(c, sizeof(c), "%s mfn %s pfn %s", s->leaf ? "page" : "table",
				 fmt_frame(a, sizeof(a), s->next), fmt_frame(b, sizeof(b), s->next_other));
		else
			snprintf(c, sizeof(c), "%s gfn %s", s->leaf ? "page" : "table",
				 fmt_frame(a, sizeof(a), s->next));
		table_addf(t, col++, "%s", c);
		table_end_row(t);
	}
	if (t) {
		table_print(t, stdout, true);
		table_destroy(t);
	}
	if (w->end == XENPT_WALK_MAPPED) {
		/* the privilege is the library's (struct xenpt_walk.user); say
		 * why a PV kernel mapping has US set */
		bool gk = !w->user && w->hw_user && w->guest_kernel;

		printf("result: mapped, %s page: %s 0x%" PRIx64 " (%s 0x%" PRIx64 ", %s %s), %s %s %s\n",
		       fmt_size(sz, sizeof(sz), w->page_size), pv ? "maddr" : "gpaddr", w->addr,
		       pv ? "mfn" : "gfn", w->frame, pv ? "pfn" : "mfn",
		       fmt_frame(a, sizeof(a), w->frame_other),
		       gk ? "guest-kernel (US set by Xen, GK)" : w->user ? "user" : "kernel",
		       w->writable ? "read-write" : "read-only", w->nx ? "no-exec" : "exec");
	} else if (w->end == XENPT_WALK_UNREADABLE) {
		printf("result: %s: %s\n", walk_end_text(w, res, sizeof(res)),
		       xenpt_source_frame_strerror(cli->src, w->end_errno));
	} else {
		printf("result: %s\n", walk_end_text(w, res, sizeof(res)));
	}
	/* whether an entry's frame bits are reserved or name a missing frame
	 * depends on the physical address width: say it when it was assumed */
	if ((w->end == XENPT_WALK_RESERVED || w->end == XENPT_WALK_UNREADABLE) &&
	    paddr_bits_note(cli->src, note, sizeof(note))[0])
		printf("note: %s\n", note);
}

int cmd_walk(struct cli *cli, int argc, char **argv)
{
	struct cli_aspace_opts ao = { 0 };
	struct xenpt_aspace as;
	struct xenpt_walk *w;
	struct xenpt_error *err;
	bool strict = false;
	const char *arg;
	uint64_t va;
	size_t oi = 0;
	int c, rc;

	(void)argc;   /* the dispatcher checked: VA, after the open TARGET */
	while ((c = cli_next_opt(cli, &oi, &arg)) != -1) {
		if (c == 's')
			strict = true;
		else if (cli_aspace_opt(cli, c, arg, &ao))
			return EXIT_USAGE;
	}
	if (cli_parse_addr(cli, argv[0], "a virtual address", &va))
		return EXIT_USAGE;
	err = cli_aspace(cli, &ao, &as);
	if (err)
		return cli_error(cli, err);
	w = malloc(sizeof(*w));
	if (!w)
		return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
	err = xenpt_walk_va(cli->src, &as, xenpt_va(va), w);
	if (err) {
		free(w);
		return cli_error(cli, xenpt_error_prefix(err, "va 0x%" PRIx64, va));
	}
	if (cli->json)
		walk_json(cli, w);
	else
		walk_plain(cli, w);
	rc = (strict && w->end != XENPT_WALK_MAPPED) ? EXIT_FINDING : EXIT_OK;
	free(w);
	return rc;
}
