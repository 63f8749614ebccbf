/* SPDX-License-Identifier: MIT */
/* xenpt list: domains on the host, or the domain of a core/synthetic file. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void list_json(struct cli *cli, const struct xenpt_domain_info *d, size_t n,
		      const char *source)
{
	struct jw *w = cli_jw(cli);
	char st[32];
	size_t i;

	jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_key(w, "domid");
		if (!strcmp(source, "core"))
			jw_null(w);   /* the dump-core format records no domid */
		else
			jw_u64(w, d[i].domid);
		jw_kstr(w, "name", d[i].name);
		jw_kstr(w, "type", d[i].hvm ? "hvm" : "pv");
		jw_key(w, "hap");
		if (strcmp(source, "core"))
			jw_bool(w, d[i].hap);
		else
			jw_null(w);   /* dump-cores do not record it */
		jw_ku64(w, "guest_width_bits", d[i].guest_width * 8);
		jw_ku64(w, "paging_levels", d[i].pt_levels);
		jw_ku64(w, "tot_pages", d[i].tot_pages);
		jw_ku64(w, "max_pages", d[i].max_pages);
		jw_ku64(w, "vcpus", d[i].nr_vcpus);
		jw_kstr(w, "state", dom_state(&d[i], st, sizeof(st)));
		jw_kstr(w, "source", source);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void list_plain(const struct xenpt_domain_info *d, size_t n, const char *source)
{
	static const char *const titles[] = { ">ID", "NAME", "TYPE", ">WIDTH", ">LEVELS", ">PAGES",
					      ">MAX_PAGES", ">VCPUS", "STATE", "SOURCE" };
	struct table *t = table_create(titles, 10);
	char st[32];
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(source, "core"))
			table_addf(t, 0, "-");
		else
			table_addf(t, 0, "%u", d[i].domid);
		table_addf(t, 1, "%s", d[i].name[0] ? d[i].name : "-");
		table_addf(t, 2, "%s", dom_type(&d[i]));
		if (d[i].guest_width)
			table_addf(t, 3, "%u-bit", d[i].guest_width * 8);
		else
			table_addf(t, 3, "-");
		if (d[i].pt_levels)
			table_addf(t, 4, "%u", d[i].pt_levels);
		else
			table_addf(t, 4, "-");
		table_addf(t, 5, "%" PRIu64, d[i].tot_pages);
		if (d[i].max_pages)
			table_addf(t, 6, "%" PRIu64, d[i].max_pages);
		else
			table_addf(t, 6, "-");
		table_addf(t, 7, "%u", d[i].nr_vcpus);
		table_addf(t, 8, "%s", dom_state(&d[i], st, sizeof(st)));
		table_addf(t, 9, "%s", source);
		table_end_row(t);
	}
	table_print(t, stdout, true);
	table_destroy(t);
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct xenpt_domain_info *doms = NULL;
	struct xenpt_error *err;
	size_t n = 0;

	(void)argc;   /* the dispatcher opened the TARGET, if one was given */
	(void)argv;
	if (cli->src) {
		if (cli->json)
			list_json(cli, xenpt_source_domain(cli->src), 1, xenpt_source_kind(cli->src));
		else
			list_plain(xenpt_source_domain(cli->src), 1, xenpt_source_kind(cli->src));
		return EXIT_OK;
	}
	err = xenpt_xen_list_domains(&doms, &n);
	if (err)
		return cli_error(cli, xenpt_error_hint(err,
			"to look at a core file or a synthetic domain, give it: 'xenpt list core:FILE'"));
	if (cli->json)
		list_json(cli, doms, n, "xen");
	else
		list_plain(doms, n, "xen");
	free(doms);
	return EXIT_OK;
}
