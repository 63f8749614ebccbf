/* SPDX-License-Identifier: MIT */
/* Helpers shared by several commands: domain labels, address-space options. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

		if (!cli->syms)
			err = xenpt_symtab_create(&cli->syms);
		if (!err)
			err = xenpt_symtab_load(cli->syms, arg);
		return err ? cli_error(cli, xenpt_error_prefix(err, "--symbols")) : 0;
	}
	}
	return 1;   /* not ours */
}

struct xenpt_error *cli_aspace(struct cli *cli, const struct cli_aspace_opts *o,
			       struct xenpt_aspace *as)
{
	struct xenpt_error *err;

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

int cli_parse_addr(struct cli *cli, const char *s, const char *what, uint64_t *ret)
{
	struct xenpt_error *err;

	if (cli_parse_va(s, ret))
		return 0;
	if (!cli->syms)
		return cli_usage_error_hint(cli, "give --symbols System.map (or vmlinux) to use symbol names",
					    "'%s' is not %s (hex with 0x, or decimal)", s, what);
	err = xenpt_symtab_parse(cli->syms, s, ret);
	if (err) {
		cli_usage_error(cli, "'%s' is not %s or a known symbol: %s", s, what,
				xenpt_error_message(err));
		xenpt_error_destroy(err);
		return EXIT_USAGE;
	}
	return 0;
}

const char *cli_sym(struct cli *cli, uint64_t addr, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = 0;
	return cli->syms ? xenpt_symtab_format(cli->syms, addr, buf, len) : buf;
}
