/* SPDX-License-Identifier: MIT */
/* xenpt info: one domain in detail, with the facts of its shared_info page. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct { unsigned bit; const char *name; } cap_names[] = {
	{ XENPT_CAP_LIVE, "live" }, { XENPT_CAP_VCPU, "vcpu" }, { XENPT_CAP_P2M, "p2m" },
	{ XENPT_CAP_M2P, "m2p" }, { XENPT_CAP_MFN_FRAMES, "mfn_frames" },
	{ XENPT_CAP_GFN_FRAMES, "gfn_frames" }, { XENPT_CAP_PAGE_TYPES, "page_types" },
	{ XENPT_CAP_SHARED_INFO, "shared_info" }, { XENPT_CAP_WRITE, "write" },
};

static void caps_string(unsigned caps, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (caps & cap_names[i].bit)
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? " " : "",
					      cap_names[i].name);
}

int cmd_info(struct cli *cli, int argc, char **argv)
{
	const struct xenpt_domain_info *d;
	struct xenpt_shared_info sh;
	struct xenpt_error *err;
	bool have_sh = false;
	char buf[256], st[32];
	unsigned caps;
	size_t i;

	(void)argc;   /* the dispatcher opened the TARGET; no options, no arguments */
	(void)argv;
	d = xenpt_source_domain(cli->src);
	caps = xenpt_source_caps(cli->src);
	if (caps & XENPT_CAP_SHARED_INFO) {
		err = xenpt_source_shared_info(cli->src, &sh);
		if (err)
			return cli_error(cli, err);
		have_sh = true;
	}

	if (cli->json) {
		struct jw *w = cli_jw(cli);

		jw_obj_begin(w);
		jw_key(w, "domid");
		if (!strcmp(xenpt_source_kind(cli->src), "core"))
			jw_null(w);   /* the dump-core format records no domid */
		else
			jw_u64(w, d->domid);
		jw_kstr(w, "name", d->name);
		jw_kstr(w, "source", xenpt_source_kind(cli->src));
		jw_kstr(w, "description", xenpt_source_describe(cli->src));
		jw_kstr(w, "type", d->hvm ? "hvm" : "pv");
		jw_key(w, "hap");
		if (strcmp(xenpt_source_kind(cli->src), "core"))
			jw_bool(w, d->hap);
		else
			jw_null(w);   /* dump-cores do not record it */
		jw_ku64(w, "guest_width_bits", d->guest_width * 8);
		jw_ku64(w, "paging_levels", d->pt_levels);
		jw_ku64(w, "tot_pages", d->tot_pages);
		jw_ku64(w, "max_pages", d->max_pages);
		jw_ku64(w, "vcpus", d->nr_vcpus);
		jw_ku64(w, "online_vcpus", d->nr_online_vcpus);
		jw_kstr(w, "state", dom_state(d, st, sizeof(st)));
		jw_kframe(w, d->hvm ? "shared_info_gfn" : "shared_info_mfn", d->shared_info_frame);
		jw_ku64(w, "p2m_size", d->p2m_size);
		jw_kstr(w, "p2m_size_from", d->p2m_size_from);
		jw_ku64(w, "paddr_bits", d->paddr_bits ? d->paddr_bits : XENPT_PADDR_BITS_ASSUMED);
		jw_kbool(w, "paddr_bits_known", d->paddr_bits != 0);
		jw_khex(w, d->hvm ? "max_gfn" : "max_pfn", d->max_gfn);
		jw_ku64(w, "host_frames", d->max_mfn);
		jw_ku64(w, "frames_in_source", d->nr_frames);
		jw_kstr(w, "xen_version", d->xen_version);
		jw_key(w, "capabilities");
		jw_arr_begin(w);
		for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
			if (caps & cap_names[i].bit)
				jw_str(w, cap_names[i].name);
		jw_arr_end(w);
		if (have_sh) {
			jw_key(w, "shared_info");
			jw_obj_begin(w);
			jw_khex(w, "max_pfn", sh.max_pfn);
			jw_kframe(w, "pfn_to_mfn_frame_list_list", sh.pfn_to_mfn_frame_list_list);
			jw_khex(w, "p2m_cr3", sh.p2m_cr3);
			jw_khex(w, "p2m_vaddr", sh.p2m_vaddr);
			jw_ku64(w, "p2m_generation", sh.p2m_generation);
			jw_ku64(w, "wc_version", sh.wc_version);
			jw_ku64(w, "wc_sec", (uint64_t)sh.wc_sec_hi << 32 | sh.wc_sec);
			jw_ku64(w, "wc_nsec", sh.wc_nsec);
			jw_ku64(w, "pending_event_channels", sh.nr_pending_evtchn);
			jw_ku64(w, "masked_event_channels", sh.nr_masked_evtchn);
			jw_obj_end(w);
		}
		jw_obj_end(w);
		return EXIT_OK;
	}

	{
		static const char *const titles[] = { "KEY", "VALUE" };
		struct table *t = table_create(titles, 2);
		char f[32];

#define ROW(k, ...) do { table_addf(t, 0, "%s", k); table_addf(t, 1, __VA_ARGS__); table_end_row(t); } while (0)
		if (!strcmp(xenpt_source_kind(cli->src), "core"))
			ROW("domain", "unknown (not recorded in dump-cores)%s%s%s", d->name[0] ? ", file " : "",
			    d->name, "");
		else
			ROW("domain", "%u%s%s%s", d->domid, d->name[0] ? " (" : "", d->name,
			    d->name[0] ? ")" : "");
		ROW("source", "%s", xenpt_source_describe(cli->src));
		ROW("type", "%s%s", d->hvm ? "HVM" : "PV",
		    !d->hvm || !strcmp(xenpt_source_kind(cli->src), "core") ? ""
		    : d->hap ? " (hardware-assisted paging)" : " (shadow paging)");
		if (d->guest_width)
			ROW("guest width", "%u-bit", d->guest_width * 8);
		if (d->pt_levels)
			ROW("paging levels", "%u", d->pt_levels);
		else
			ROW("paging levels", "unknown");
		ROW("pages", "%" PRIu64 " (%" PRIu64 " MiB)", d->tot_pages, d->tot_pages >> 8);
		if (d->max_pages)
			ROW("max pages", "%" PRIu64, d->max_pages);
		ROW("vcpus", "%u", d->nr_vcpus);
		ROW("state", "%s", dom_state(d, st, sizeof(st)));
		ROW(d->hvm ? "shared_info gfn" : "shared_info mfn", "%s", fmt_frame(f, sizeof(f), d->shared_info_frame));
		ROW("p2m size", "%" PRIu64 " entries%s%s%s", d->p2m_size, d->p2m_size_from[0] ? " (from " : "",
		    d->p2m_size_from, d->p2m_size_from[0] ? ")" : "");
		if (d->paddr_bits)
			ROW("physical addresses", "%u bits (CPUID 0x80000008 of the domain's policy, from Xen)",
			    d->paddr_bits);
		else
			ROW("physical addresses", "%s", paddr_bits_note(cli->src, buf, sizeof(buf)));
		ROW(d->hvm ? "max gfn" : "max pfn", "0x%" PRIx64, d->max_gfn);
		if (d->max_mfn)
			ROW("host frames", "%" PRIu64 " (max mfn 0x%" PRIx64 ")", d->max_mfn, d->max_mfn - 1);
		if (d->nr_frames)
			ROW("frames in source", "%" PRIu64, d->nr_frames);
		if (d->xen_version[0])
			ROW("xen version", "%s", d->xen_version);
		caps_string(caps, buf, sizeof(buf));
		ROW("source can", "%s", buf);
		if (have_sh && !d->hvm) {
			ROW("shared_info.max_pfn", "0x%" PRIx64 " (P2M entries)", sh.max_pfn);
			ROW("p2m frame list list", "%s", sh.pfn_to_mfn_frame_list_list == 0 ? "0 (not published)"
			    : fmt_frame(f, sizeof(f), sh.pfn_to_mfn_frame_list_list));
			if (sh.p2m_cr3)
				ROW("p2m_cr3", "0x%" PRIx64 " (mfn 0x%" PRIx64 ")", sh.p2m_cr3, sh.p2m_cr3 >> 12);
			else
				ROW("p2m_cr3", "0 (no linear P2M)");
			ROW("p2m_vaddr", "0x%016" PRIx64, sh.p2m_vaddr);
			ROW("p2m_generation", "%" PRIu64 "%s", sh.p2m_generation,
			    sh.p2m_generation & 1 ? " (odd: guest is updating its P2M)" : "");
		}
		if (have_sh) {
			ROW("wallclock", "%" PRIu64 ".%09u s (version %u)", (uint64_t)sh.wc_sec_hi << 32 | sh.wc_sec, sh.wc_nsec, sh.wc_version);
			ROW("event channels", "%u pending, %u masked", sh.nr_pending_evtchn, sh.nr_masked_evtchn);
		}
#undef ROW
		table_print(t, stdout, false);
		table_destroy(t);
	}
	return EXIT_OK;
}
