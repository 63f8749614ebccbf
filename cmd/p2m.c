/* SPDX-License-Identifier: MIT */
/*
 * xenpt p2m: a PV domain's P2M (PFN -> MFN) as coalesced runs with Xen's
 * page types (the view of `xen-mfndump dump-p2m`, tools/misc/xen-mfndump.c,
 * one line per run instead of per frame).  Options, lookups and --check
 * are shared with `xenpt m2p` through cmd/p2m_common.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/p2m.h>

#include "p2m_cli.h"

/* ---- the P2M dump ------------------------------------------------------------------------- */

static int p2m_dump(struct cli *cli, const struct p2m_opts *o)
{
	const struct xenpt_domain_info *info = xenpt_source_domain(cli->src);
	bool typed = xenpt_source_caps(cli->src) & XENPT_CAP_PAGE_TYPES, known, done = false;
	uint64_t first = o->have_range ? o->first : 0, last = o->have_range ? o->last : UINT64_MAX;
	uint64_t host = xenpt_p2m_host_frames(cli->src, &known), frames = 0, valid = 0, runs = 0;
	unsigned pw, mw, cw, pw1, mw1;
	struct xenpt_p2m_iter *it = NULL;
	struct xenpt_p2m_run r;
	struct xenpt_error *err;
	struct jw *w = NULL;

	err = xenpt_p2m_iter_create(cli->src, first, last,
				    (typed ? XENPT_P2M_TYPES : 0) | (o->raw ? XENPT_P2M_RAW : 0), &it);
	if (err)
		return cli_error(cli, err);
	p2m_note_claim(cli);
	if (last > info->p2m_size - 1)
		last = info->p2m_size - 1;
	if (!known) {
		/* no host size: the widest MFN of the P2M decides */
		struct xenpt_p2m_index *idx = NULL;

		err = xenpt_p2m_index_create(cli->src, &idx);
		if (err) {
			xenpt_p2m_iter_destroy(it);
			return cli_error(cli, err);
		}
		host = xenpt_p2m_index_valid(idx) ? xenpt_p2m_index_max_mfn(idx) + 1 : 1;
		xenpt_p2m_index_destroy(idx);
	}
	pw = 2 * (2 + p2m_hex_digits(last)) + 1;
	mw = 2 * (2 + p2m_hex_digits(host - 1)) + 1;
	pw1 = 2 + p2m_hex_digits(last);
	mw1 = 2 + p2m_hex_digits(host - 1);
	if (mw1 < 11)
		mw1 = 11;   /* INVALID_MFN */
	if (mw < 11)
		mw = 11;
	cw = 1;
	for (uint64_t v = last - first + 1; v >= 10; v /= 10)
		cw++;
	if (cli->json) {
		w = cli_jw(cli);
		jw_obj_begin(w);
		jw_kstr(w, "source", xenpt_source_describe(cli->src));
		jw_ku64(w, "p2m_size", info->p2m_size);
		jw_khex(w, "first_pfn", first);
		jw_khex(w, "last_pfn", last);
		jw_kbool(w, "typed", typed);
		jw_kbool(w, "raw", o->raw);
		jw_key(w, "runs");
		jw_arr_begin(w);
	} else {
		printf("P2M of %s: 0x%" PRIx64 " entries (pfn 0x0-0x%" PRIx64 "), pfn 0x%" PRIx64 "-0x%" PRIx64 " shown; %s\n",
		       xenpt_source_describe(cli->src), info->p2m_size, info->p2m_size - 1, first, last,
		       typed ? "page types from Xen (getpageframeinfo3)"
			     : "no page types (only live and synthetic domains have them)");
	}
	while (!err) {
		char ps[48], ms[48];

		err = xenpt_p2m_iter_next(it, &r, &done);
		if (err || done)
			break;
		runs++;
		frames += r.count;
		if (r.mfn != XENPT_INVALID_FRAME)
			valid += r.count;
		if (w) {
			jw_obj_begin(w);
			jw_khex(w, "pfn", r.pfn);
			jw_khex(w, "last_pfn", r.pfn + r.count - 1);
			jw_kframe(w, "mfn", r.mfn);
			jw_kframe(w, "last_mfn", r.mfn == XENPT_INVALID_FRAME ? r.mfn : r.mfn + r.count - 1);
			jw_ku64(w, "count", r.count);
			if (typed)
				jw_kstr(w, "type", xenpt_page_type_name(r.type));
			jw_obj_end(w);
			continue;
		}
		p2m_fmt_span(ps, sizeof(ps), r.pfn, r.count);
		if (r.mfn == XENPT_INVALID_FRAME)
			snprintf(ms, sizeof(ms), "INVALID_MFN");
		else
			p2m_fmt_span(ms, sizeof(ms), r.mfn, r.count);
		{
			char line[256], tl[16];
			size_t l;

			if (o->raw)
				snprintf(line, sizeof(line), "pfn %-*s -> mfn %-*s  %s", (int)pw1, ps,
					 (int)mw1, ms, typed ? p2m_type_label(r.type, tl, sizeof(tl)) : "");
			else
				snprintf(line, sizeof(line), "pfn %-*s -> mfn %-*s  %*" PRIu64 " frame%s  %s",
					 (int)pw, ps, (int)mw, ms, (int)cw, r.count,
					 r.count == 1 ? " " : "s", typed ? p2m_type_label(r.type, tl, sizeof(tl)) : "");
			for (l = strlen(line); l && line[l - 1] == ' '; l--)
				line[l - 1] = 0;
			printf("%s\n", line);
		}
	}
	xenpt_p2m_iter_destroy(it);
	if (err) {
		if (w) {
			jw_arr_end(w);
			jw_obj_end(w);
			jw_destroy(w);
			cli->jw = NULL;
			fflush(stdout);
		}
		return cli_error(cli, err);
	}
	if (w) {
		jw_arr_end(w);
		jw_ku64(w, "frames", frames);
		jw_ku64(w, "valid", valid);
		jw_ku64(w, "invalid", frames - valid);
		jw_ku64(w, "nr_runs", runs);
		jw_obj_end(w);
	} else {
		printf("0x%" PRIx64 " frames in %" PRIu64 " run%s: 0x%" PRIx64 " mapped, 0x%" PRIx64 " INVALID_MFN\n",
		       frames, runs, runs == 1 ? "" : "s", valid, frames - valid);
	}
	return EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------------------- */

int cmd_p2m(struct cli *cli, int argc, char **argv)
{
	return p2m_run(cli, argc, argv, false, p2m_dump);
}
