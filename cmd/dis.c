/* SPDX-License-Identifier: MIT */
/*
 * xenpt dis: disassemble guest code read through the page tables, with
 * symbols, backward decoding (--before) and branch targets checked for
 * being mapped.  Decoding is libxenpt's (lib/view/dis.c, Capstone).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpt/dis.h>
#include <xenpt/sym.h>
#include <xenpt/walk.h>

#include "cli.h"

#define DIS_DEFAULT_COUNT 16
#define DIS_MAX_COUNT 100000
#define DIS_MAX_BEFORE 32
#define NPAGES 8

/* A page of guest memory as dis saw it: its bytes, or why not. */
struct dis_page {
	bool used, ok;
	uint64_t va;                /* page-aligned */
	uint8_t data[XENPT_PAGE_SIZE];
	char why[200];
	const char *reason;         /* the walk's end (xenpt_walk_end_name), or "unreadable_frame" */
};

struct dis_ctx {
	struct cli *cli;
	struct xenpt_aspace as;
	struct xenpt_walk w;
	struct dis_page pages[NPAGES];
	unsigned next;
	bool bits32;
	bool label;                 /* a label line was printed for label_addr */
	uint64_t label_addr;
};

/* The page holding @va, read through the page tables (a few pages cached). */
static struct xenpt_error *get_page(struct dis_ctx *c, uint64_t va, struct dis_page **ret)
{
	uint64_t pva = va & ~(uint64_t)0xfff;
	struct dis_page *p;
	struct xenpt_error *err;
	const uint8_t *data;
	unsigned i;

	for (i = 0; i < NPAGES; i++)
		if (c->pages[i].used && c->pages[i].va == pva) {
			*ret = &c->pages[i];
			return NULL;
		}
	p = &c->pages[c->next++ % NPAGES];
	memset(p, 0, sizeof(*p));
	p->va = pva;
	err = xenpt_walk_va(c->cli->src, &c->as, xenpt_va(pva), &c->w);
	if (err)
		return xenpt_error_prefix(err, "va 0x%" PRIx64, pva);
	p->used = true;
	if (c->w.end != XENPT_WALK_MAPPED) {
		walk_end_text(&c->w, p->why, sizeof(p->why));
		if (c->w.end == XENPT_WALK_UNREADABLE)
			snprintf(p->why + strlen(p->why), sizeof(p->why) - strlen(p->why), ": %s",
				 xenpt_source_frame_strerror(c->cli->src, c->w.end_errno));
		p->reason = xenpt_walk_end_name(c->w.end);
	} else {
		err = xenpt_source_get_frame(c->cli->src, c->w.as.space, c->w.frame, &data);
		if (err) {
			snprintf(p->why, sizeof(p->why), "mapped, but its frame 0x%" PRIx64 " cannot be read: %s",
				 c->w.frame, xenpt_error_message(err));
			xenpt_error_destroy(err);
			p->reason = "unreadable_frame";
		} else {
			memcpy(p->data, data, XENPT_PAGE_SIZE);
			p->ok = true;
		}
	}
	*ret = p;
	return NULL;
}

/*
 * Up to @want bytes at @va into @buf; *got is how many could be read from
 * @va on.  When fewer, *stop is the page that stopped them.
 */
static struct xenpt_error *get_bytes(struct dis_ctx *c, uint64_t va, uint8_t *buf, size_t want,
				     size_t *got, struct dis_page **stop)
{
	struct xenpt_error *err;

	*got = 0;
	*stop = NULL;
	while (*got < want) {
		uint64_t a = va + *got;
		size_t off = a & 0xfff, n = XENPT_PAGE_SIZE - off;
		struct dis_page *p;

		if (c->bits32 && a > 0xffffffffull)
			a &= 0xffffffffull;
		err = get_page(c, a, &p);
		if (err)
			return err;
		if (!p->ok) {
			*stop = p;
			return NULL;
		}
		if (n > want - *got)
			n = want - *got;
		memcpy(buf + *got, p->data + off, n);
		*got += n;
	}
	return NULL;
}

/* Is @va mapped?  NULL if so, else the page saying why not. */
static struct xenpt_error *target_page(struct dis_ctx *c, uint64_t va, struct dis_page **bad)
{
	struct dis_page *p;
	struct xenpt_error *err = get_page(c, va, &p);

	*bad = (!err && !p->ok) ? p : NULL;
	return err;
}

static void hex_bytes(char *buf, size_t len, const uint8_t *b, size_t n)
{
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < n && o + 3 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%02x", i ? " " : "", b[i]);
}

static void json_bytes(char *buf, size_t len, const uint8_t *b, size_t n)
{
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < n && o + 2 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", b[i]);
}

/* Print one instruction (text or a JSON element); *insn_bad set if its target is unmapped. */
static struct xenpt_error *show_insn(struct dis_ctx *c, const struct xenpt_insn *in, bool mark)
{
	struct cli *cli = c->cli;
	char sym[256], tsym[256], hex[64];
	struct dis_page *bad = NULL;
	struct xenpt_error *err;
	struct xenpt_sym s;

	cli_sym(cli, in->addr, sym, sizeof(sym));
	if (in->has_target) {
		err = target_page(c, in->target, &bad);
		if (err)
			return err;
		cli_sym(cli, in->target, tsym, sizeof(tsym));
	}
	if (cli->json) {
		struct jw *j = cli_jw(cli);

		jw_obj_begin(j);
		jw_khex(j, "address", in->addr);
		if (*sym)
			jw_kstr(j, "symbol", sym);
		json_bytes(hex, sizeof(hex), in->bytes, in->size);
		jw_kstr(j, "bytes", hex);
		jw_kstr(j, "mnemonic", in->mnemonic);
		jw_kstr(j, "operands", in->op_str);
		if (in->is_jump || in->is_call || in->is_ret)
			jw_kstr(j, "branch", in->is_call ? "call" : in->is_ret ? "return" : "jump");
		if (in->has_target) {
			jw_khex(j, "target", in->target);
			if (*tsym)
				jw_kstr(j, "target_symbol", tsym);
			jw_kbool(j, "target_mapped", !bad);
			if (bad)
				jw_kstr(j, "target_end", bad->reason);
		}
		jw_obj_end(j);
		return NULL;
	}
	/*
	 * A label line where a symbol starts or the code enters another one
	 * (objdump's "<name>:"); the lines under it give the offset, as gdb.
	 */
	sym[0] = 0;
	if (cli->syms && xenpt_symtab_nearest(cli->syms, in->addr, &s)) {
		if (!c->label || c->label_addr != s.addr) {
			if (in->addr == s.addr)
				printf("<%s>:\n", s.name);
			else
				printf("<%s+0x%" PRIx64 ">:\n", s.name, in->addr - s.addr);
			c->label = true;
			c->label_addr = s.addr;
		}
		snprintf(sym, sizeof(sym), "<+0x%" PRIx64 ">", in->addr - s.addr);
	} else {
		c->label = false;
	}
	hex_bytes(hex, sizeof(hex), in->bytes, in->size);
	printf("%s0x%016" PRIx64 "%s%-*s  %-23s  %s%s%s", mark ? "=> " : "   ", in->addr,
	       cli->syms ? " " : "", cli->syms ? 9 : 0, sym, hex, in->mnemonic,
	       *in->op_str ? " " : "", in->op_str);
	if (in->has_target && *tsym)
		printf(" <%s>", tsym);
	if (bad)
		printf("   ; target not mapped: %s", bad->why);
	putchar('\n');
	return NULL;
}

/* The bytes at @va cannot be read: say why, once. */
static void show_unreadable(struct dis_ctx *c, uint64_t va, const uint8_t *b, size_t n,
			    const struct dis_page *p)
{
	struct cli *cli = c->cli;
	char hex[64];

	if (cli->json) {
		struct jw *j = cli_jw(cli);

		jw_obj_begin(j);
		jw_khex(j, "address", va);
		json_bytes(hex, sizeof(hex), b, n);
		jw_kstr(j, "bytes", hex);
		jw_kstr(j, "unreadable", p->reason);
		jw_khex(j, "unreadable_va", p->va);
		jw_kstr(j, "why", p->why);
		jw_obj_end(j);
		return;
	}
	if (n) {
		hex_bytes(hex, sizeof(hex), b, n);
		printf("   0x%016" PRIx64 "  %-23s  (instruction cut short: va 0x%" PRIx64 " cannot be read: %s)\n",
		       va, hex, p->va, p->why);
	} else {
		printf("   0x%016" PRIx64 "  %-23s  (cannot read: %s)\n", va, "??", p->why);
	}
}

/*
 * The instructions before @addr: the start of a stream of at most @want
 * instructions that lands exactly on @addr.  *n = 0 when there is none.
 */
static struct xenpt_error *find_before(struct dis_ctx *c, struct xenpt_dis *d, uint64_t addr,
				       unsigned want, uint64_t *start, unsigned *n, char *why,
				       size_t whylen)
{
	uint8_t buf[512];
	size_t len = want * XENPT_INSN_MAX + 96, got = 0;
	struct dis_page *stop;
	struct xenpt_error *err;

	*n = 0;
	why[0] = 0;
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (len > addr)
		len = (size_t)addr;
	/* the readable bytes that end at @addr: drop pages from the front until all read */
	while (len) {
		err = get_bytes(c, addr - len, buf, len, &got, &stop);
		if (err)
			return err;
		if (got == len)
			break;
		/* stop->va cannot be read: keep only what follows that page */
		if (stop->va + XENPT_PAGE_SIZE >= addr) {
			snprintf(why, whylen, "the bytes before it cannot be read (va 0x%" PRIx64 ": %s)",
				 stop->va, stop->why);
			return NULL;
		}
		len = (size_t)(addr - (stop->va + XENPT_PAGE_SIZE));
	}
	if (!len || !xenpt_dis_backward(d, buf, len, addr, want, start, n)) {
		snprintf(why, whylen, "no start in the %zu bytes before it decodes to exactly it", len);
		*n = 0;
	}
	return NULL;
}

int cmd_dis(struct cli *cli, int argc, char **argv)
{
	struct cli_aspace_opts ao = { 0 };
	struct dis_ctx *c = NULL;
	struct xenpt_dis *d = NULL;
	struct xenpt_error *err = NULL;
	struct xenpt_insn in;
	bool at_rip = false;
	unsigned flags = 0, nbefore = 0, i;
	uint64_t addr = 0, count = DIS_DEFAULT_COUNT, before = 0, cur, start;
	const char *arg, *count_arg = NULL;
	char note[200], sym[256], why[300];
	size_t oi = 0;
	int opt, rc = EXIT_OK;

	while ((opt = cli_next_opt(cli, &oi, &arg)) != -1) {
		if (opt == 'i')
			at_rip = true;
		else if (opt == 'A')
			flags |= XENPT_DIS_ATT;
		else if (opt == '3')
			flags |= XENPT_DIS_32BIT;
		else if (opt == 'b') {
			if (!cli_parse_u64(arg, &before) || before > DIS_MAX_BEFORE)
				return cli_usage_error(cli, "--before: '%s' is not a count (0 to %d)", arg,
						       DIS_MAX_BEFORE);
		} else if (cli_aspace_opt(cli, opt, arg, &ao)) {
			return EXIT_USAGE;
		}
	}
	if (!argc && !at_rip && cli->sh && !ao.have_cr3) {
		/* the shell: dis alone starts at the current vCPU's RIP */
		at_rip = true;
		if (!ao.have_vcpu) {
			ao.vcpu = cli_shell_vcpu(cli);
			ao.have_vcpu = true;
		}
	}
	if (at_rip) {
		if (argc > 1)
			return cli_usage_error(cli, "unexpected argument '%s' (--at-rip replaces ADDR)", argv[1]);
		count_arg = argc ? argv[0] : NULL;
	} else {
		if (!argc)
			return cli_usage_error(cli, "give an ADDR or --at-rip");
		if (cli_parse_addr(cli, argv[0], "an address", &addr))
			return EXIT_USAGE;
		count_arg = argc > 1 ? argv[1] : NULL;
	}
	if (count_arg && (!cli_parse_u64(count_arg, &count) || !count || count > DIS_MAX_COUNT))
		return cli_usage_error(cli, "'%s' is not a COUNT (1 to %d)", count_arg, DIS_MAX_COUNT);
	if (at_rip && ao.have_cr3)
		return cli_usage_error(cli, "--at-rip needs a vCPU, not --cr3");
	cli_auto_symbols(cli);   /* no --symbols: the guest's kallsyms, if it has them */

	err = xenpt_dis_create(flags, &d);
	if (err)
		return cli_error(cli, err);
	c = calloc(1, sizeof(*c));
	if (!c) {
		err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
		goto out;
	}
	c->cli = cli;
	c->bits32 = flags & XENPT_DIS_32BIT;
	err = cli_aspace(cli, &ao, &c->as);
	if (err)
		goto out;
	if (at_rip) {
		struct xenpt_vcpu *v = malloc(sizeof(*v));

		if (!v) {
			err = xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
			goto out;
		}
		err = xenpt_source_vcpu(cli->src, (uint32_t)ao.vcpu, v);
		if (!err)
			addr = v->regs.rip;
		free(v);
		if (err)
			goto out;
	}
	if (c->bits32 && addr > 0xffffffffull) {
		rc = cli_usage_error(cli, "0x%" PRIx64 " is not a 32-bit address", addr);
		goto out;
	}

	if (before) {
		err = find_before(c, d, addr, (unsigned)before, &start, &nbefore, why, sizeof(why));
		if (err)
			goto out;
	}
	cli_sym(cli, addr, sym, sizeof(sym));
	if (cli->json) {
		struct jw *j = cli_jw(cli);

		jw_obj_begin(j);
		jw_khex(j, "address", addr);
		if (*sym)
			jw_kstr(j, "symbol", sym);
		if (at_rip)
			jw_ku64(j, "rip_of_vcpu", ao.vcpu);
		jw_ku64(j, "bits", c->bits32 ? 32 : 64);
		jw_kstr(j, "syntax", (flags & XENPT_DIS_ATT) ? "att" : "intel");
		cli_json_mode(j, &c->as);
		if (before) {
			jw_key(j, "before");
			jw_obj_begin(j);
			jw_ku64(j, "wanted", before);
			jw_ku64(j, "decoded", nbefore);
			if (nbefore)
				jw_khex(j, "start", start);
			else
				jw_kstr(j, "why_not", why);
			jw_obj_end(j);
		}
		jw_key(j, "instructions");
		jw_arr_begin(j);
	} else {
		printf("dis 0x%016" PRIx64 "%s%s%s%s in %s, %u-bit, %s syntax, %s%s paging%s\n", addr,
		       *sym ? " <" : "", sym, *sym ? ">" : "", at_rip ? " (RIP)" : "",
		       xenpt_source_describe(cli->src), c->bits32 ? 32 : 64,
		       (flags & XENPT_DIS_ATT) ? "AT&T" : "Intel", xenpt_paging_mode_name(c->as.mode),
		       c->as.pv ? " PV" : "", cli_mode_note(&c->as, note, sizeof(note)));
		if (before && nbefore)
			printf("-- %u instruction%s before it, decoded backwards (a stream from 0x%" PRIx64
			       " lands exactly on 0x%" PRIx64 "; earlier boundaries are a best guess) --\n",
			       nbefore, nbefore == 1 ? "" : "s", start, addr);
		else if (before)
			printf("-- no instructions before it: %s --\n", why);
	}
	/* the instructions before: decoded again forward, printed only if they land on addr */
	if (nbefore) {
		uint8_t buf[512];
		size_t got;
		struct dis_page *stop;

		err = get_bytes(c, start, buf, (size_t)(addr - start), &got, &stop);
		if (err)
			goto out;
		for (cur = start, i = 0; i < nbefore && cur < addr; i++) {
			if (!xenpt_dis_one(d, buf + (cur - start), (size_t)(addr - cur), cur, &in))
				break;
			err = show_insn(c, &in, false);
			if (err)
				goto out;
			cur += in.size;
		}
		if (cur != addr) {   /* cannot happen: xenpt_dis_backward checked it */
			err = xenpt_error_create(XENPT_ERR_BAD_DATA, "backward decoding did not land on 0x%" PRIx64, addr);
			goto out;
		}
	}
	for (cur = addr, i = 0; i < count; i++) {
		uint8_t b[XENPT_INSN_MAX];
		size_t got;
		struct dis_page *stop;

		err = get_bytes(c, cur, b, sizeof(b), &got, &stop);
		if (err)
			goto out;
		if (got && xenpt_dis_one(d, b, got, cur, &in)) {
			err = show_insn(c, &in, before && cur == addr);
			if (err)
				goto out;
			cur += in.size;
			if (c->bits32)
				cur &= 0xffffffffull;
			continue;
		}
		if (got < sizeof(b)) {   /* unreadable: here, or within the instruction */
			show_unreadable(c, cur, b, got, stop);
			break;
		}
		/* not an instruction: one byte, as objdump's (bad) */
		memset(&in, 0, sizeof(in));
		in.addr = cur;
		in.size = 1;
		in.bytes[0] = b[0];
		snprintf(in.mnemonic, sizeof(in.mnemonic), "(bad)");
		err = show_insn(c, &in, before && cur == addr);
		if (err)
			goto out;
		cur++;
	}
	if (cli->json) {
		jw_arr_end(cli_jw(cli));
		jw_obj_end(cli_jw(cli));
	}
out:
	if (err)
		rc = cli_error(cli, err);
	free(c);
	xenpt_dis_destroy(d);
	return rc;
}
