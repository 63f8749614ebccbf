/* SPDX-License-Identifier: MIT */
/* Helpers shared by several commands: domain labels, address-space options. */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <xenpt/kallsyms.h>
#include <xenpt/sym.h>

#include "cli.h"

const char *dom_type(const struct xenpt_domain_info *d)
{
	if (!d->hvm)
		return "pv";
	return d->hap ? "hvm/hap" : "hvm";
}

const char *paddr_bits_note(const struct xenpt_source *src, char *buf, size_t len)
{
	const char *kind = xenpt_source_kind(src), *why;

	if (xenpt_source_domain(src)->paddr_bits) {
		if (len)
			buf[0] = 0;
		return buf;
	}
	if (!strcmp(kind, "core"))
		why = "the core does not record the host's width";
	else if (!strcmp(kind, "synth"))
		why = "the synthetic domain does not give the host's width";
	else
		why = "Xen did not give the domain's CPU policy";
	snprintf(buf, len, "assumed %u-bit physical addresses (%s)", XENPT_PADDR_BITS_ASSUMED, why);
	return buf;
}

const char *dom_state(const struct xenpt_domain_info *d, char *buf, size_t len)
{
	if (d->dying)
		snprintf(buf, len, "dying");
	else if (d->shutdown)
		snprintf(buf, len, "shutdown(%u)", d->shutdown_code);
	else if (d->paused)
		snprintf(buf, len, "paused");
	else if (d->running)
		snprintf(buf, len, "running");
	else if (d->blocked)
		snprintf(buf, len, "blocked");
	else
		snprintf(buf, len, "-");
	return buf;
}

/* Address-space options shared by walk, read and dump (CLI_ASPACE_OPTS in cmd/xenpt.c). */
int cli_aspace_opt(struct cli *cli, int c, const char *arg, struct cli_aspace_opts *o)
{
	switch (c) {
	case 'c':
		if (!cli_parse_u64(arg, &o->vcpu) || o->vcpu > UINT32_MAX)
			return cli_usage_error(cli, "--vcpu: '%s' is not a vCPU number", arg);
		o->have_vcpu = true;
		return 0;
	case 'r':
		if (!cli_parse_va(arg, &o->cr3))
			return cli_usage_error(cli, "--cr3: '%s' is not a number", arg);
		o->have_cr3 = true;
		return 0;
	case 'u':
		o->user = true;
		return 0;
	case 'm':
		if (!xenpt_paging_mode_parse(arg, &o->mode))
			return cli_usage_error(cli, "--mode: unknown paging mode '%s' (2level, pae, 4level, 5level)", arg);
		return 0;
	case OPT_SYMBOLS: {
		struct xenpt_error *err = NULL;

		if (!strcmp(arg, "none")) {
			cli_symbols_reset_guest(cli);
			xenpt_symtab_destroy(cli->syms);
			cli->syms = NULL;
			cli->syms_none = true;
			return 0;
		}
		if (!strcmp(arg, "kallsyms")) {   /* a file of that name: ./kallsyms */
			cli->syms_none = false;
			cli_kallsyms(cli, true);
			return 0;
		}
		cli->syms_none = false;
		if (!cli->syms)
			err = xenpt_symtab_create(&cli->syms);
		if (!err)
			err = xenpt_symtab_load(cli->syms, arg);
		return err ? cli_error(cli, xenpt_error_prefix(err, "--symbols")) : 0;
	}
	}
	return 1;   /* not ours */
}

/* ---- the guest's own symbols (kallsyms) ---------------------------------- */

void cli_symbols_reset_guest(struct cli *cli)
{
	if (cli->syms_kallsyms) {   /* they were the old guest's */
		xenpt_symtab_destroy(cli->syms);
		cli->syms = NULL;
	}
	cli->syms_kallsyms = false;
	cli->ksyms_state = 0;
}

bool cli_kallsyms(struct cli *cli, bool asked)
{
	struct xenpt_kallsyms_info info;
	struct xenpt_symtab *tab = cli->syms;
	struct xenpt_error *err;
	struct xenpt_aspace as;
	struct xenpt_vcpu *v;
	uint64_t rip = 0;
	uint32_t vcpu = cli_shell_vcpu(cli);

	if (!cli->src)
		return cli->syms != NULL;
	if (cli->ksyms_state)   /* tried on this source already */
		return cli->syms != NULL;
	/* the kernel's page tables of the shell's vCPU (vCPU 0 outside): the image is in all */
	err = xenpt_aspace_from_vcpu(cli->src, vcpu, false, &as);
	v = err ? NULL : malloc(sizeof(*v));
	if (v && !xenpt_source_vcpu(cli->src, vcpu, v))
		rip = v->regs.rip;   /* where to look first */
	free(v);
	if (!err && !tab)
		err = xenpt_symtab_create(&tab);
	if (!err)
		err = xenpt_kallsyms_load(cli->src, &as, rip, tab, &info);
	if (err && xenpt_error_code(err) == XENPT_ERR_INTERRUPTED) {
		/* not an answer: try again next time */
		if (tab != cli->syms)
			xenpt_symtab_destroy(tab);
		xenpt_error_destroy(err);
		return cli->syms != NULL;
	}
	cli->ksyms_state = err ? -1 : 1;
	if (err) {
		const char *hint = xenpt_error_hint_text(err);

		if (tab != cli->syms)
			xenpt_symtab_destroy(tab);
		if (asked || ((!cli->json || cli->verbose) &&
			      xenpt_error_code(err) != XENPT_ERR_UNSUPPORTED)) {
			fprintf(stderr, "%s %s: %s: kallsyms: %s; going on without them\n", cli->prog,
				cli->cmd ? cli->cmd->name : "symbols", asked ? "warning" : "note: no symbols",
				xenpt_error_message(err));
			if (hint && asked)
				fprintf(stderr, "hint: %s\n", hint);
		}
		xenpt_error_destroy(err);
		return cli->syms != NULL;
	}
	cli->syms = tab;
	cli->syms_kallsyms = true;
	if (cli->verbose)
		cli_note(cli, "%" PRIu64 " symbols from the guest's kallsyms (kallsyms_token_table at 0x%"
			 PRIx64 ", kallsyms_names at 0x%" PRIx64 ", %s)", info.nsyms, info.token_table,
			 info.names, info.base_relative ? "kallsyms_offsets" : "kallsyms_addresses");
	return true;
}

void cli_auto_symbols(struct cli *cli)
{
	if (!cli->syms && !cli->syms_none && (cli->sh || (cli->cmd && !strcmp(cli->cmd->name, "dis"))))
		cli_kallsyms(cli, false);
}

struct xenpt_error *cli_aspace(struct cli *cli, const struct cli_aspace_opts *o_given,
			       struct xenpt_aspace *as)
{
	struct xenpt_error *err;
	struct cli_aspace_opts sh = *o_given;
	const struct cli_aspace_opts *o = &sh;

	if (cli->sh && !sh.have_cr3 && !sh.have_vcpu && !sh.user)
		cli_shell_aspace_defaults(cli, &sh);

	if (o->have_cr3 && (o->have_vcpu || o->user))
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "--cr3 cannot be combined with --vcpu or --user");
	if (o->have_cr3)
		return xenpt_aspace_from_cr3(cli->src, o->cr3, o->mode, as);
	err = xenpt_aspace_from_vcpu(cli->src, (uint32_t)o->vcpu, o->user, as);
	if (!err && o->mode != XENPT_PM_NONE)
		err = xenpt_aspace_set_mode(cli->src, as, o->mode);
	return err;
}

/* ---- address expressions (cli_parse_addr) ---------------------------------- */

struct expr {
	struct cli *cli;
	const char *s, *p;
	char err[200];
	struct xenpt_vcpu *vcpu;   /* loaded on the first register */
};

static const struct {
	const char *name;
	size_t off;
} expr_regs[] = {
#define R(n) { #n, offsetof(struct xenpt_vcpu, regs.n) }
	R(rax), R(rbx), R(rcx), R(rdx), R(rsi), R(rdi), R(rbp), R(rsp),
	R(r8), R(r9), R(r10), R(r11), R(r12), R(r13), R(r14), R(r15), R(rip), R(rflags),
#undef R
	{ "cr0", offsetof(struct xenpt_vcpu, cr0) }, { "cr2", offsetof(struct xenpt_vcpu, cr2) },
	{ "cr3", offsetof(struct xenpt_vcpu, cr3) }, { "cr4", offsetof(struct xenpt_vcpu, cr4) },
	{ "fs_base", offsetof(struct xenpt_vcpu, fs_base) },
	{ "gs_base", offsetof(struct xenpt_vcpu, gs_base_kernel) },
	{ "kernel_sp", offsetof(struct xenpt_vcpu, kernel_sp) },
};

/* @fmt has one "%.*s" for the token: "'foo' is ..."; when the token is the
 * whole address, it was already named, so the message starts at "is". */
static bool expr_fail(struct expr *x, const char *fmt, const char *tok, size_t len)
{
	if (tok == x->s && len == strlen(x->s) && !strncmp(fmt, "'%.*s' ", 7))
		snprintf(x->err, sizeof(x->err), "%s", fmt + 7);
	else
		snprintf(x->err, sizeof(x->err), fmt, (int)len, tok);
	return false;
}

static bool expr_atom(struct expr *x, uint64_t *v)
{
	const char *t = x->p;
	char buf[128];
	size_t len = 0, i;

	while (t[len] && (t[len] == '_' || t[len] == '.' || t[len] == '$' ||
			  (t[len] >= '0' && t[len] <= '9') || (t[len] >= 'a' && t[len] <= 'z') ||
			  (t[len] >= 'A' && t[len] <= 'Z')))
		len++;
	if (!len && !*t)
		return expr_fail(x, "it ends where a number, register or symbol should come%.*s", "", 0);
	if (!len)
		return expr_fail(x, "expected a number, register or symbol at '%.*s'", t, strlen(t));
	if (len >= sizeof(buf))
		return expr_fail(x, "'%.*s' is too long", t, len);
	memcpy(buf, t, len);
	buf[len] = 0;
	x->p += len;
	if (cli_parse_va(buf, v))
		return true;
	if (!strcmp(buf, "$_")) {
		if (cli_shell_last_addr(x->cli, v))
			return true;
		return expr_fail(x, "'%.*s' is not set yet (it is the last address a command used)", t, len);
	}
	for (i = 0; i < sizeof(expr_regs) / sizeof(expr_regs[0]); i++) {
		struct xenpt_error *err;

		if (strcmp(buf, expr_regs[i].name))
			continue;
		if (!x->vcpu) {
			x->vcpu = calloc(1, sizeof(*x->vcpu));
			if (!x->vcpu)
				return expr_fail(x, "out of memory%.*s", "", 0);
			err = xenpt_source_vcpu(x->cli->src, cli_shell_vcpu(x->cli), x->vcpu);
			if (err) {
				snprintf(x->err, sizeof(x->err), "register %s of vCPU %u: %s", buf,
					 cli_shell_vcpu(x->cli), xenpt_error_message(err));
				xenpt_error_destroy(err);
				return false;
			}
		}
		memcpy(v, (const char *)x->vcpu + expr_regs[i].off, sizeof(*v));
		return true;
	}
	if (!x->cli->syms && !x->cli->syms_none)   /* a name, and no symbols yet: the guest's own */
		cli_kallsyms(x->cli, false);
	if (x->cli->syms) {
		struct xenpt_sym sym;

		if (xenpt_symtab_lookup(x->cli->syms, buf, &sym)) {
			*v = sym.addr;
			return true;
		}
		return expr_fail(x, "'%.*s' is not a number, a register or a known symbol", t, len);
	}
	return expr_fail(x, "'%.*s' is not a number or a register (give --symbols System.map or vmlinux for symbol names)", t, len);
}

static bool expr_sum(struct expr *x, uint64_t *v);

static void expr_space(struct expr *x)
{
	while (*x->p == ' ' || *x->p == '\t')
		x->p++;
}

static bool expr_term(struct expr *x, uint64_t *v)
{
	expr_space(x);
	if (*x->p == '*') {
		struct cli_aspace_opts o = { 0 };
		struct xenpt_aspace as;
		struct xenpt_error *err;
		uint64_t addr, word;

		x->p++;
		if (!expr_term(x, &addr))
			return false;
		err = cli_aspace(x->cli, &o, &as);
		if (!err)
			err = xenpt_read_va(x->cli->src, NULL, &as, xenpt_va(addr), &word, sizeof(word));
		if (err) {
			snprintf(x->err, sizeof(x->err), "*0x%" PRIx64 ": %s", addr, xenpt_error_message(err));
			xenpt_error_destroy(err);
			return false;
		}
		*v = word;   /* little-endian guest, little-endian host */
		return true;
	}
	if (*x->p == '(') {
		x->p++;
		if (!expr_sum(x, v))
			return false;
		expr_space(x);
		if (*x->p != ')')
			return expr_fail(x, "missing ')' at '%.*s'", x->p, strlen(x->p));
		x->p++;
		return true;
	}
	return expr_atom(x, v);
}

static bool expr_sum(struct expr *x, uint64_t *v)
{
	uint64_t t;

	if (!expr_term(x, v))
		return false;
	for (;;) {
		char op;

		expr_space(x);
		op = *x->p;
		if (op != '+' && op != '-')
			return true;
		x->p++;
		if (!expr_term(x, &t))
			return false;
		*v = op == '+' ? *v + t : *v - t;
	}
}

int cli_parse_addr(struct cli *cli, const char *s, const char *what, uint64_t *ret)
{
	struct expr x = { .cli = cli, .s = s, .p = s };
	bool ok;

	if (cli_parse_va(s, ret)) {
		cli_shell_note_addr(cli, *ret);
		return 0;
	}
	ok = expr_sum(&x, ret);
	free(x.vcpu);
	if (ok && *x.p) {
		ok = false;
		snprintf(x.err, sizeof(x.err), "unexpected '%s'", x.p);
	}
	if (!ok && !strncmp(x.err, "is ", 3))
		return cli_usage_error_hint(cli, "an address is a number (hex with 0x), a symbol with --symbols, a register (rip, rsp, cr2, ...), $_, or a sum of them; *EXPR reads a pointer",
					    "'%s' is not %s: it %s", s, what, x.err);
	if (!ok)
		return cli_usage_error_hint(cli, "an address is a number (hex with 0x), a symbol with --symbols, a register (rip, rsp, cr2, ...), $_, or a sum of them; *EXPR reads a pointer",
					    "'%s' is not %s: %s", s, what, x.err);
	cli_shell_note_addr(cli, *ret);
	return 0;
}

const char *cli_sym(struct cli *cli, uint64_t addr, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = 0;
	return cli->syms ? xenpt_symtab_format(cli->syms, addr, buf, len) : buf;
}
