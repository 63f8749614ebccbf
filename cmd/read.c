/* SPDX-License-Identifier: MIT */
/*
 * xenpt read: guest memory by VA (through the page tables), by guest frame
 * or by machine frame, as a hexdump or raw bytes, across page boundaries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/walk.h>

#include "cli.h"

#define READ_DEFAULT_LEN 256
#define READ_MAX_LEN (1ull << 32)
/* Pages translated together (xenpt_translate_batch(): live, at most one
 * map call per paging level for all of them). */
#define READ_BATCH 512

struct hexdump {
	uint64_t addr;            /* address of the next byte */
	uint8_t line[16];
	unsigned fill;
	uint64_t line_addr;
};

static void hex_flush(struct hexdump *h)
{
	unsigned i;

	if (!h->fill)
		return;
	printf("0x%016" PRIx64 "  ", h->line_addr);
	for (i = 0; i < 16; i++) {
		if (i < h->fill)
			printf("%02x ", h->line[i]);
		else
			printf("   ");
		if (i == 7)
			printf(" ");
	}
	printf(" |");
	for (i = 0; i < h->fill; i++)
		putchar(h->line[i] >= 0x20 && h->line[i] < 0x7f ? h->line[i] : '.');
	printf("|\n");
	h->fill = 0;
}

static void hex_put(struct hexdump *h, const uint8_t *p, size_t n)
{
	while (n--) {
		if (!h->fill)
			h->line_addr = h->addr;
		h->line[h->fill++] = *p++;
		h->addr++;
		if (h->fill == 16 || !(h->addr & 15))
			hex_flush(h);
	}
}

int cmd_read(struct cli *cli, int argc, char **argv)
{
	struct cli_aspace_opts ao = { 0 };
	struct xenpt_aspace as;
	struct xenpt_walk *w = NULL;
	xenpt_va_t *bva = NULL;
	struct xenpt_xlate *bx = NULL;
	size_t bn = 0, bi = 0;
	struct xenpt_error *err = NULL;
	struct hexdump hd = { 0 };
	bool raw = false, by_gfn = false, by_mfn = false;
	uint64_t start = 0, len = READ_DEFAULT_LEN, done = 0, frame_arg = 0;
	const char *what = "va", *arg;
	int c, rc = EXIT_OK;
	char *json_hex = NULL, why[160];
	size_t json_len = 0, oi = 0;

	/* the dispatcher opened the TARGET; argv: [VA] [LEN] */
	while ((c = cli_next_opt(cli, &oi, &arg)) != -1) {
		if (c == 'R') {
			raw = true;
		} else if (c == 'g' || c == 'M') {
			if (!cli_parse_u64(arg, &frame_arg))
				return cli_usage_error(cli, "--%s: '%s' is not a frame number",
						       c == 'g' ? "gfn" : "mfn", arg);
			by_gfn = c == 'g';
			by_mfn = c == 'M';
		} else if (cli_aspace_opt(cli, c, arg, &ao)) {
			return EXIT_USAGE;
		}
	}
	if (by_gfn || by_mfn) {
		if (argc > 1)
			return cli_usage_error(cli, "unexpected argument '%s'", argv[1]);
		if (frame_arg > (UINT64_MAX >> 12))
			return cli_usage_error(cli, "frame 0x%" PRIx64 " is too large", frame_arg);
		start = frame_arg << 12;
		if (argc == 1 && (!cli_parse_size(argv[0], &len) || !len || len > READ_MAX_LEN))
			return cli_usage_error(cli, "'%s' is not a length (1 to 4G)", argv[0]);
		what = by_gfn ? "gfn" : "mfn";
	} else {
		if (argc < 1)
			return cli_usage_error(cli, "give a VA, --gfn GFN or --mfn MFN");
		if (cli_parse_addr(cli, argv[0], "a virtual address", &start))
			return EXIT_USAGE;
		if (argc == 2 && (!cli_parse_size(argv[1], &len) || !len || len > READ_MAX_LEN))
			return cli_usage_error(cli, "'%s' is not a length (1 to 4G)", argv[1]);
	}
	if (raw && cli->json)
		return cli_usage_error(cli, "--raw and --json exclude each other");
	if (start + len - 1 < start)
		return cli_usage_error(cli, "the range wraps around the address space");

	if (!by_gfn && !by_mfn) {
		err = cli_aspace(cli, &ao, &as);
		if (err)
			return cli_error(cli, err);
		if (as.mode_inferred && !cli->json) {
			char from[128];

			cli_note(cli, "%s paging inferred from %s; --mode overrides",
				 xenpt_paging_mode_name(as.mode), xenpt_aspace_mode_from(&as, from, sizeof(from)));
		}
		w = malloc(sizeof(*w));
		bva = malloc(READ_BATCH * sizeof(*bva));
		bx = malloc(READ_BATCH * sizeof(*bx));
		if (!w || !bva || !bx) {
			free(w);
			free(bva);
			free(bx);
			return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
		}
	}
	if (cli->json) {
		json_hex = malloc(len * 2 + 1);
		if (!json_hex) {
			free(w);
			return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
		}
	}
	hd.addr = start;
	while (done < len) {
		uint64_t addr = start + done, chunk = XENPT_PAGE_SIZE - (addr & 0xfff), frame;
		enum xenpt_space space;
		const uint8_t *page;

		if (chunk > len - done)
			chunk = len - done;
		if (w && bi == bn) {
			/* the next pages (each chunk's first byte) translated at once */
			uint64_t a = addr, left = len - done;

			for (bn = 0; bn < READ_BATCH && left; bn++) {
				uint64_t ch = XENPT_PAGE_SIZE - (a & 0xfff);

				if (ch > left)
					ch = left;
				bva[bn] = xenpt_va(a);
				left -= ch;
				a += ch;
			}
			bi = 0;
			err = xenpt_translate_batch(cli->src, NULL, &as, bva, bn, bx);
			if (err)
				break;
		}
		if (w && bx[bi].end == XENPT_WALK_MAPPED) {
			space = as.space;
			frame = bx[bi++].frame;
		} else if (w) {
			/* not mapped: the walk says why, every step of it */
			bi++;
			err = xenpt_walk_va(cli->src, &as, xenpt_va(addr), w);
			if (err)
				break;
			if (w->end != XENPT_WALK_MAPPED) {
				err = xenpt_error_create(XENPT_ERR_FAULT,
					"%s: va 0x%" PRIx64 " is not mapped (%s)%s",
					xenpt_source_describe(cli->src), addr, walk_end_text(w, why, sizeof(why)),
					done ? "; the bytes before it were printed" : "");
				err = xenpt_error_hint(err, "'xenpt walk %s 0x%" PRIx64 "' shows why",
						       cli->target, addr);
				break;
			}
			space = w->as.space;
			frame = w->frame;
		} else {
			space = by_mfn ? XENPT_SPACE_MFN : XENPT_SPACE_GFN;
			frame = addr >> 12;
		}
		err = xenpt_source_get_frame(cli->src, space, frame, &page);
		if (err) {
			if (w)
				err = xenpt_error_prefix(err, "reading va 0x%" PRIx64, addr);
			else
				err = xenpt_error_prefix(err, "reading %s 0x%" PRIx64 " (byte 0x%" PRIx64 ")",
							 what, addr >> 12, addr);
			break;
		}
		page += addr & 0xfff;
		if (cli->json) {
			uint64_t i;
			for (i = 0; i < chunk; i++)
				json_len += (size_t)sprintf(json_hex + json_len, "%02x", page[i]);
		} else if (raw) {
			if (fwrite(page, 1, chunk, stdout) != chunk)
				break;
		} else {
			hex_put(&hd, page, chunk);
		}
		done += chunk;
	}
	if (!cli->json && !raw)
		hex_flush(&hd);
	if (cli->json && !err) {
		struct jw *j = cli_jw(cli);

		jw_obj_begin(j);
		jw_kstr(j, "space", by_mfn ? "maddr" : by_gfn ? "gpaddr" : "va");
		jw_khex(j, "address", start);
		if (w)
			cli_json_mode(j, &as);
		jw_ku64(j, "length", done);
		jw_kstr(j, "hex", json_hex);
		jw_obj_end(j);
	}
	if (err)
		rc = cli_error(cli, err);
	free(json_hex);
	free(w);
	free(bva);
	free(bx);
	return rc;
}
