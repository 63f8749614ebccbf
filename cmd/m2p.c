/* SPDX-License-Identifier: MIT */
/*
 * xenpt m2p: the M2P (MFN -> PFN), by default restricted to the domain's
 * frames (the MFNs its P2M names), with --all every MFN the source knows;
 * each entry marked by whether the P2M points back (the mfn_in_pseudophysmap()
 * rule of tools/libs/guest/xg_sr_common_x86_pv.c).  xen-mfndump's
 * `dump-m2p` (tools/misc/xen-mfndump.c) prints the raw table for the whole
 * host; here the domain's view comes first.  Options, lookups and --check
 * are shared with `xenpt p2m` through cmd/p2m_common.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/p2m.h>

#include "p2m_cli.h"

/* The words after a run's status: what the domain's P2M says about the frame. */
static const char *run_detail(const struct xenpt_m2p_run *r, char *buf, size_t len)
{
	switch (r->status) {
	case XENPT_FS_M2P_INVALID:
		snprintf(buf, len, "p2m: pfn 0x%" PRIx64 " maps it", r->p2m_pfn);
		break;
	case XENPT_FS_MISMATCH:
		if (r->m2p_p2m_mfn == XENPT_INVALID_FRAME)
			snprintf(buf, len, "p2m[pfn 0x%" PRIx64 "] is INVALID_MFN or beyond the P2M; p2m: pfn 0x%" PRIx64 " maps it",
				 r->pfn, r->p2m_pfn);
		else
			snprintf(buf, len, "p2m[pfn 0x%" PRIx64 "] = mfn 0x%" PRIx64 "; p2m: pfn 0x%" PRIx64 " maps it",
				 r->pfn, r->m2p_p2m_mfn, r->p2m_pfn);
		break;
	case XENPT_FS_BEYOND_HOST:
		snprintf(buf, len, "beyond the host; p2m: pfn 0x%" PRIx64 " maps it", r->p2m_pfn);
		break;
	default:
		buf[0] = 0;
		break;
	}
	return buf;
}

static int m2p_dump(struct cli *cli, const struct p2m_opts *o)
{
	uint64_t first = o->have_range ? o->first : 0, last = o->have_range ? o->last : UINT64_MAX;
	uint64_t by_status[XENPT_FS_COUNT] = { 0 }, frames = 0, runs = 0, host, top;
	unsigned flags = (o->raw ? XENPT_P2M_RAW : 0) | (o->all ? XENPT_M2P_ALL : 0);
	struct xenpt_p2m_index *idx = NULL;
	struct xenpt_m2p_iter *it = NULL;
	struct xenpt_m2p_run r;
	struct xenpt_error *err;
	struct jw *w = NULL;
	bool known, done = false, all;
	unsigned mw, pw, cw, s;

	p2m_note_claim(cli);
	err = xenpt_p2m_index_create(cli->src, &idx);
	if (!err)
		err = xenpt_m2p_iter_create(cli->src, idx, first, last, flags, &it);
	if (err) {
		xenpt_p2m_index_destroy(idx);
		return cli_error(cli, err);
	}
	host = xenpt_p2m_host_frames(cli->src, &known);
	all = o->all && known;
	if (o->all && !known)
		cli_note(cli, "%s knows no frames but the domain's: --all shows those",
			 xenpt_source_describe(cli->src));
	top = all ? host - 1 : xenpt_p2m_index_max_mfn(idx);
	if (top == XENPT_INVALID_FRAME)
		top = 0;
	if (last < top)
		top = last;
	if (!all && xenpt_p2m_index_valid(idx) && first < xenpt_p2m_index_min_mfn(idx))
		first = xenpt_p2m_index_min_mfn(idx);
	mw = 2 * (2 + p2m_hex_digits(top)) + 1;
	pw = 2 * (2 + p2m_hex_digits(xenpt_p2m_index_size(idx) ? xenpt_p2m_index_size(idx) - 1 : 0)) + 1;
	if (pw < 7)
		pw = 7;   /* "INVALID" */
	cw = 1;
	for (uint64_t v = (all ? host : xenpt_p2m_index_valid(idx)); v >= 10; v /= 10)
		cw++;
	if (cli->json) {
		w = cli_jw(cli);
		jw_obj_begin(w);
		jw_kstr(w, "source", xenpt_source_describe(cli->src));
		jw_kstr(w, "m2p", p2m_m2p_origin(cli->src));
		jw_kstr(w, "frames_shown", all ? "all" : "domain");
		jw_khex(w, "first_mfn", first);
		jw_kframe(w, "last_mfn", last);
		jw_kbool(w, "raw", o->raw);
		jw_key(w, "runs");
		jw_arr_begin(w);
	} else if (all) {
		printf("M2P of %s: every MFN of the host (0x%" PRIx64 " frames) in mfn 0x%" PRIx64 "-0x%" PRIx64 "; M2P: %s\n",
		       xenpt_source_describe(cli->src), host, first, top, p2m_m2p_origin(cli->src));
	} else {
		printf("M2P of %s: the domain's 0x%" PRIx64 " frames (the MFNs its P2M names) in mfn 0x%" PRIx64 "-0x%" PRIx64 "; M2P: %s\n",
		       xenpt_source_describe(cli->src), xenpt_p2m_index_distinct(idx), first, top,
		       p2m_m2p_origin(cli->src));
	}
	while (!err) {
		char ms[48], ps[48], det[160];

		err = xenpt_m2p_iter_next(it, &r, &done);
		if (err || done)
			break;
		runs++;
		frames += r.count;
		by_status[r.status] += r.count;
		if (w) {
			jw_obj_begin(w);
			jw_khex(w, "mfn", r.mfn);
			jw_khex(w, "last_mfn", r.mfn + r.count - 1);
			jw_kframe(w, "pfn", r.pfn);
			jw_kframe(w, "last_pfn", r.pfn == XENPT_INVALID_FRAME ? r.pfn : r.pfn + r.count - 1);
			jw_ku64(w, "count", r.count);
			jw_kstr(w, "status", xenpt_frame_status_name(r.status));
			jw_kbool(w, "domain", r.domain);
			if (r.count == 1 && r.status != XENPT_FS_OK && r.domain)
				jw_kframe(w, "p2m_pfn", r.p2m_pfn);
			if (r.status == XENPT_FS_MISMATCH)
				jw_kframe(w, "m2p_p2m_mfn", r.m2p_p2m_mfn);
			jw_obj_end(w);
			continue;
		}
		p2m_fmt_span(ms, sizeof(ms), r.mfn, r.count);
		if (r.pfn == XENPT_INVALID_FRAME)
			snprintf(ps, sizeof(ps), "INVALID");
		else
			p2m_fmt_span(ps, sizeof(ps), r.pfn, r.count);
		run_detail(&r, det, sizeof(det));
		printf("mfn %-*s -> pfn %-*s  %*" PRIu64 " frame%s  %s%s%s\n", (int)mw, ms, (int)pw, ps,
		       (int)cw, r.count, r.count == 1 ? " " : "s", xenpt_frame_status_name(r.status),
		       det[0] ? "  " : "", det);   /* the status is never empty: no trailing blank */
	}
	xenpt_m2p_iter_destroy(it);
	xenpt_p2m_index_destroy(idx);
	if (err)
		return cli_error(cli, err);
	if (w) {
		jw_arr_end(w);
		jw_ku64(w, "frames", frames);
		jw_ku64(w, "nr_runs", runs);
		jw_key(w, "statuses");
		jw_obj_begin(w);
		for (s = 0; s < XENPT_FS_COUNT; s++)
			if (by_status[s])
				jw_ku64(w, xenpt_frame_status_name(s), by_status[s]);
		jw_obj_end(w);
		jw_obj_end(w);
	} else {
		unsigned k = 0;

		printf("0x%" PRIx64 " frames in %" PRIu64 " run%s:", frames, runs, runs == 1 ? "" : "s");
		for (s = 0; s < XENPT_FS_COUNT; s++)
			if (by_status[s])
				printf("%s 0x%" PRIx64 " %s", k++ ? "," : "", by_status[s],
				       xenpt_frame_status_name(s));
		printf("%s\n", k ? "" : " none");
	}
	return EXIT_OK;
}

int cmd_m2p(struct cli *cli, int argc, char **argv)
{
	return p2m_run(cli, argc, argv, true, m2p_dump);
}
