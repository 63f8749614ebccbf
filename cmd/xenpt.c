/* SPDX-License-Identifier: MIT */
/*
 * xenpt: the command table, global options and dispatch.
 *
 *   xenpt [GLOBAL OPTIONS] COMMAND [OPTIONS] TARGET [ARGS]
 *   TARGET := { DOMID | NAME | core:FILE | synth:FILE }
 *
 * Commands match by exact name or unique prefix; an ambiguous prefix is a
 * usage error listing the candidates.  `help` and `--help` never touch Xen.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenpt/sym.h>
#include <xenpt/version.h>

#include "cli.h"


enum { OPT_STATS = 256, OPT_PAUSE };

const struct cli_opt cli_common_opts[] = {
	{ "json", no_argument, 'j', NULL, "machine-readable JSON on stdout" },
	{ "pretty", no_argument, 'p', NULL, "indented JSON (implies --json)" },
	{ "verbose", no_argument, 'v', NULL, "diagnostics and cache statistics on stderr" },
	{ "stats", no_argument, OPT_STATS, NULL, "print frame-cache and hash-table statistics on stderr" },
	{ "pause", no_argument, OPT_PAUSE, NULL, "live: pause the domain while looking (unpaused on every exit)" },
	{ "help", no_argument, 'h', NULL, "show this help" },
	{ NULL, 0, 0, NULL, NULL },
};

/* How to read addresses: walk, read and dump share these (cmd/walk.c cli_aspace_opt). */
#define CLI_ASPACE_OPTS \
	{ "vcpu", required_argument, 'c', "N", "use vCPU N's page tables (default 0)" }, \
	{ "cr3", required_argument, 'r', "CR3", "use this root instead (PV: the L4's machine address, MFN << 12)" }, \
	{ "user", no_argument, 'u', NULL, "64-bit PV: the vCPU's user L4 (ctrlreg[1])" }, \
	{ "mode", required_argument, 'm', "MODE", "paging mode: 2level, pae, 4level, 5level (default: from the vCPU; 64-bit PV: 4level only)" }

static const struct cli_opt no_opts[] = { { NULL, 0, 0, NULL, NULL } };

static const struct cli_opt list_opts[] = { { NULL, 0, 0, NULL, NULL } };
static const struct cli_opt info_opts[] = { { NULL, 0, 0, NULL, NULL } };
static const struct cli_opt vcpu_opts[] = {
	{ "all", no_argument, 'a', NULL, "also show the trap table and segment state" },
	CLI_SYMBOL_OPTS,
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt walk_opts[] = {
	CLI_ASPACE_OPTS,
	CLI_SYMBOL_OPTS,
	{ "strict", no_argument, 's', NULL, "exit 1 when the address is not mapped" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt dump_opts[] = {
	CLI_ASPACE_OPTS,
	{ "range", required_argument, 'a', "START-END", "only VAs START to END (END exclusive; START- for the rest)" },
	{ "level", required_argument, 'l', "N", "stop descending at level N: its table entries are summarised" },
	{ "raw", no_argument, 'R', NULL, "one line per present leaf entry, with its frame (no coalescing)" },
	{ "max-lines", required_argument, 'n', "N", "at most N lines per section, then '... N entries skipped ...' (0: all; default: 16 in espfix, else all)" },
	{ "tables", no_argument, 't', NULL, "list every page-table frame instead (level, frame, counts, Xen type)" },
	{ "no-types", no_argument, 'T', NULL, "PV: do not look up the type of every mapped frame (faster on live domains)" },
	{ "expand", no_argument, 'e', NULL, "print every occurrence of a repeated subtree (default: once, then one 'same subtree as at VA' line)" },
	{ "strict", no_argument, 's', NULL, "exit 1 when there are findings" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt audit_opts[] = {
	{ "frame", required_argument, 'f', "MFN", "also show who holds this machine frame and why it is typed so" },
	{ "all", no_argument, 'a', NULL, "live: every PV domain of the host, with cross-domain references (no TARGET)" },
	{ "no-types", no_argument, 'T', NULL, "ignore Xen's page types: audit the structure alone" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt rmap_opts[] = {
	{ "mfn", required_argument, 'M', "MFN", "a machine frame to look up (repeatable)" },
	{ "pfn", required_argument, 'P', "PFN", "a guest frame to look up: PFN (PV, through the P2M) or GFN (HVM) (repeatable)" },
	{ "cr3", required_argument, 'r', "CR3", "also index the tables under this root (repeatable; PV: MFN << 12)" },
	{ "max-paths", required_argument, 'n', "N", "VAs shown per reference (default 16; the count is always exact)" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt read_opts[] = {
	{ "gfn", required_argument, 'g', "GFN", "read guest frame GFN (a PFN for PV guests) instead of a VA" },
	{ "mfn", required_argument, 'M', "MFN", "read machine frame MFN instead of a VA" },
	{ "raw", no_argument, 'R', NULL, "write the bytes themselves, not a hexdump" },
	CLI_ASPACE_OPTS,
	CLI_SYMBOL_OPTS,
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt dis_opts[] = {
	CLI_ASPACE_OPTS,
	CLI_SYMBOL_OPTS,
	{ "at-rip", no_argument, 'i', NULL, "start at the vCPU's RIP (the vCPU of --vcpu, default 0); ADDR is not given" },
	{ "before", required_argument, 'b', "N", "also show N instructions leading up to the address (decoded backwards)" },
	{ "att", no_argument, 'A', NULL, "AT&T syntax (default: Intel)" },
	{ "32", no_argument, '3', NULL, "32-bit code (default: 64-bit)" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_opt p2m_opts[] = {
	{ "raw", no_argument, 'R', NULL, "one line per frame, as xen-mfndump dump-p2m (no coalescing)" },
	{ "range", required_argument, 'r', "A-B", "only PFNs A to B (inclusive)" },
	{ "pfn", required_argument, 'P', "PFN", "look PFN up: its MFN, the M2P back, its type (repeatable)" },
	{ "mfn", required_argument, 'M', "MFN", "look MFN up: the PFNs mapping it, its M2P entry (repeatable)" },
	{ "check", no_argument, 'c', NULL, "check the P2M against the M2P and the page tables; exit 1 on findings, 2 if it could not finish" },
	{ "no-walk", no_argument, 'n', NULL, "with --check: do not walk the page tables" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt m2p_opts[] = {
	{ "raw", no_argument, 'R', NULL, "one line per frame (no coalescing)" },
	{ "all", no_argument, 'a', NULL, "every MFN the source knows, not only the domain's" },
	{ "range", required_argument, 'r', "A-B", "only MFNs A to B (inclusive)" },
	{ "mfn", required_argument, 'M', "MFN", "look MFN up: its M2P entry, the P2M back, the PFNs mapping it (repeatable)" },
	{ "pfn", required_argument, 'P', "PFN", "look PFN up: its MFN and that MFN's M2P entry (repeatable)" },
	{ "check", no_argument, 'c', NULL, "check the P2M against the M2P and the page tables; exit 1 on findings, 2 if it could not finish" },
	{ "no-walk", no_argument, 'n', NULL, "with --check: do not walk the page tables" },
	{ NULL, 0, 0, NULL, NULL },
};

const struct xenpt_cmd xenpt_cmds[] = {
	{ "audit", cmd_audit, CMD_TARGET | CMD_TARGET_OPT, "check page types, pins and references against Xen's PV rules", "[OPTIONS] [TARGET]", audit_opts,
	  "Audit a 64-bit PV domain as Xen's rules (xen/arch/x86/mm.c) demand: every table reachable "
	  "from every vCPU's kernel and user L4, every frame Xen reports as a pinned or validated "
	  "table, and the GDT frames. Each present entry is classified as Xen would take it (child, "
	  "linear, self, RW or RO mapping, or refused) and the holders of each frame are added up: "
	  "findings are orphan validated tables, wrong-type children, RW mappings of page-table or "
	  "descriptor frames, disallowed flags, linear-table rule breaks, pins of the wrong type, "
	  "Xen's L4 slots differing between L4s, and frames whose type Xen reports differently. "
	  "Counts are lower bounds (Xen never reports them); a synthetic domain's exact counts show "
	  "references not explained by the guest's tables. Core files have no page types: the "
	  "structure alone is audited, and the output says so. Exit 1 on findings.",
	  .max_args = 0 },
	{ "batch", cmd_batch, CMD_NO_SHELL, "run shell commands from a file, on a target opened once", "[OPTIONS] [TARGET] FILE|-", no_opts,
	  "Run the commands of FILE (or standard input), one per line, as the shell does: the same "
	  "syntax as on the command line minus the TARGET, on one open source with one frame cache. "
	  "Blank lines and lines starting with # are skipped; 'open TARGET' switches the target, "
	  "'set' changes the defaults (vcpu, cr3, space, json). With --json the output is one JSON "
	  "array with one object per command: its line, its exit status and its output (bpftool's "
	  "batch mode). Every command runs; the exit status is the worst one (2 over 1 over 0).",
	  .min_args = 1, .max_args = 2, .args = { "FILE", "FILE" } },
	{ "dis", cmd_dis, CMD_TARGET, "disassemble guest code", "[OPTIONS] TARGET {ADDR | --at-rip} [COUNT]", dis_opts,
	  "Disassemble COUNT instructions (default 16) at a guest virtual address (a number, or "
	  "with --symbols a symbol, sym+0x10), read through the vCPU's page tables across page "
	  "boundaries, with Capstone: 64-bit or 32-bit code, Intel or AT&T syntax. Bytes that "
	  "cannot be read are marked with the reason the walk ended. Direct jumps and calls show "
	  "their target's symbol, and a target in an unmapped page is flagged. --before N adds "
	  "the N instructions that end at the address, found by decoding forward from earlier "
	  "starts until the stream lands exactly on it.",
	  .max_args = 2, .args = { "ADDR", "COUNT" } },
	{ "dump", cmd_dump, CMD_TARGET, "show a whole address space, ptdump style", "[OPTIONS] TARGET", dump_opts,
	  "Show the guest's address space as the Linux kernel's ptdump does: section markers (user, "
	  "Xen's L4 slots, the direct map, vmalloc, kernel text, ...), then one line per run of "
	  "entries with the same level and effective attributes (USR, RW, PWT, PCD, PSE, PAT, GLB, "
	  "NX, and for PV guests the type of the mapped frames), and a summary of the findings: "
	  "W+X mappings, user-accessible kernel mappings, writable mappings of page tables, entries "
	  "with reserved bits, unreadable tables, linear or recursive entries. Shared tables are "
	  "summarised once, so the cost grows with the distinct table frames, not with the paths.",
	  .max_args = 0 },
	{ "help", cmd_help, 0, "show help for xenpt or a command", "[COMMAND]", no_opts,
	  "Without COMMAND, list the commands; with one, show its help.",
	  .max_args = 1, .args = { "COMMAND" } },
	{ "info", cmd_info, CMD_TARGET, "show one domain in detail", "[OPTIONS] TARGET", info_opts,
	  "Show a domain's type, width, paging levels, memory, vCPUs and state, the facts of its "
	  "shared_info page (the published P2M: max_pfn, frame-list list, p2m_cr3, p2m_vaddr, "
	  "p2m_generation) and what the source can answer.",
	  .max_args = 0 },
	{ "list", cmd_list, CMD_TARGET | CMD_TARGET_OPT, "list domains", "[OPTIONS] [TARGET]", list_opts,
	  "Without TARGET, list the domains of the host (live, needs dom0); with TARGET, the "
	  "domain in that core file, synthetic file or live domain.",
	  .max_args = 0 },
	{ "m2p", cmd_m2p, CMD_TARGET, "dump and look up the M2P of a PV domain", "[OPTIONS] [--raw] [--all] [--range MFN-MFN | --mfn MFN... | --pfn PFN... | --check] TARGET", m2p_opts,
	  "Show Xen's machine-to-physical table (MFN to PFN) for the domain's frames (the MFNs its "
	  "P2M names), or with --all for every MFN the source knows, coalesced into runs where MFNs "
	  "and PFNs are both contiguous, each marked by whether the P2M points back (ok), or why "
	  "not: the M2P entry is INVALID, names a PFN whose P2M entry is another frame (mismatch), "
	  "or the frame is not the domain's (free, other). A core file has no Xen M2P: there it is "
	  "the inverse of the core's P2M. --mfn and --pfn look frames up; --check checks both tables "
	  "and the page tables, like 'xenpt p2m --check'.",
	  .max_args = 0 },
	{ "p2m", cmd_p2m, CMD_TARGET, "dump and look up the P2M of a PV domain, with page types", "[OPTIONS] [--raw] [--range PFN-PFN | --pfn PFN... | --mfn MFN... | --check] TARGET", p2m_opts,
	  "Show a PV domain's physical-to-machine table (PFN to MFN) as runs where PFNs and MFNs are "
	  "both contiguous and, for live and synthetic domains, Xen's page type and pin state are "
	  "the same (none, L1..L4, pinned L1..L4, xtab, broken): the view of xen-mfndump dump-p2m, "
	  "coalesced; --raw gives one line per frame. --pfn and --mfn look frames up. --check "
	  "checks that every P2M entry's M2P entry points back, and finds INVALID_MFN holes, MFNs "
	  "mapped by two PFNs, MFNs beyond the host, and frames the guest's page tables map or use "
	  "(walked from every vCPU's CR3 and user L4, and shared_info's p2m_cr3) that are not in "
	  "its P2M.",
	  .max_args = 0 },
	{ "read", cmd_read, CMD_TARGET, "read guest memory", "[OPTIONS] TARGET {VA | --gfn GFN | --mfn MFN} [LEN]", read_opts,
	  "Read LEN bytes (default 256) at a guest virtual address (translated through the vCPU's "
	  "page tables), a guest frame or a machine frame, as a hexdump or raw bytes. Reads cross "
	  "page boundaries; an unmapped or unreadable page stops the read with an error naming it.",
	  .max_args = 2, .args = { "VA", "LEN" } },
	{ "rmap", cmd_rmap, CMD_TARGET, "find every page-table entry that references a frame", "[OPTIONS] TARGET {--mfn MFN | --pfn PFN}...", rmap_opts,
	  "For each frame given, list every page-table entry that references it: as a leaf (with the "
	  "VAs it maps the frame at through every path from the roots, and the effective rights "
	  "there) or as a table (the parent entries that link it in, and at which level), with the "
	  "table frame and index of each entry as xen-mfndump lookup-pte shows them. The roots are "
	  "every vCPU's CR3 and, for PV guests, user L4, plus --cr3. The reverse index is built once "
	  "per run, one read per distinct table frame, and answers every query.",
	  .max_args = 0 },
	{ "shell", cmd_shell, CMD_TARGET | CMD_NO_SHELL, "an interactive prompt on one open target", "[OPTIONS] TARGET", no_opts,
	  "Open TARGET once and read commands at a readline prompt that shows the domain, its state "
	  "and the current vCPU. Every command works with the same syntax minus the TARGET and "
	  "shares the open source and its frame cache. Built-ins: set vcpu N, set cr3 ADDR|none, set "
	  "space user|kernel, set json on|off, symbols FILE, stats, pause, unpause, refresh (drop the "
	  "caches), open TARGET, help, quit. Addresses may be expressions: rip+0x10, sym+off, $_ "
	  "(the last address used), *ADDR (the pointer stored there). Tab completes commands, "
	  "options, set keywords, vCPU numbers, symbols and addresses already seen. History is kept "
	  "in $XDG_STATE_HOME/xenpt/history. Ctrl-C stops the running command, not the shell; "
	  "Ctrl-D leaves and unpauses what the shell paused.",
	  .max_args = 0 },
	{ "vcpu", cmd_vcpu, CMD_TARGET, "show vCPU registers and control registers", "[OPTIONS] TARGET [N]", vcpu_opts,
	  "Show the registers of every vCPU (or vCPU N): general registers, RIP, flags, CR0, CR2, "
	  "CR3 and CR4 (CR3 as MFN and PFN for PV guests, as GFN for HVM), EFER when known, the PV "
	  "user L4, callbacks and the #PF handler of the virtual trap table.",
	  .max_args = 1, .args = { "N" } },
	{ "version", cmd_version, 0, "show versions and compiled-in features", "", no_opts,
	  "Show the xenpt and libxenpt versions and whether the live Xen backend (libxen-dev) "
	  "was compiled in.",
	  .max_args = 0 },
	{ "walk", cmd_walk, CMD_TARGET, "translate a guest virtual address, level by level", "[OPTIONS] TARGET VA", walk_opts,
	  "Walk VA through the guest's page tables and show every level: the table frame (MFN and "
	  "PFN for PV guests, GFN for HVM), the entry index, the entry's address and raw value, "
	  "its decoded flags and the frame it names; then the result: the machine (PV) or "
	  "guest-physical (HVM) address with the page size and effective rights, or where and why "
	  "the walk stopped (not present, reserved bits, flags Xen never validates, non-canonical, outside a 32-bit address space, Xen's L4 slots).",
	  .min_args = 1, .max_args = 1, .args = { "VA" } },
	{ "__complete", cmd_complete, CMD_HIDDEN | CMD_NO_JSON, "completion helper", "{commands | options CMD | targets}", no_opts,
	  "Used by the shell completions.",
	  .min_args = 1, .max_args = 2, .args = { "WHAT", "CMD" } },
};
const size_t xenpt_ncmds = sizeof(xenpt_cmds) / sizeof(xenpt_cmds[0]);

/* ---- option parsing ------------------------------------------------------ */

static size_t opts_count(const struct cli_opt *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

/* getopt_long's tables for cli->cmd: its options, then the common ones. */
static struct option lopts[64];

static const char *build_getopt(const struct xenpt_cmd *cmd)
{
	static char shorts[128];
	const struct cli_opt *sets[2] = { cmd->opts, cli_common_opts };
	size_t n = 0, s = 0, i, k;

	shorts[s++] = ':';   /* a missing argument is ':', not '?' */
	for (k = 0; k < 2; k++)
		for (i = 0; i < opts_count(sets[k]) && n + 1 < 64; i++) {
			const struct cli_opt *o = &sets[k][i];

			lopts[n].name = o->name;
			lopts[n].has_arg = o->has_arg;
			lopts[n].flag = NULL;
			lopts[n].val = o->val;
			n++;
			if (o->val < 256 && s + 3 < sizeof(shorts)) {
				shorts[s++] = (char)o->val;
				if (o->has_arg == required_argument)
					shorts[s++] = ':';
			}
		}
	memset(&lopts[n], 0, sizeof(lopts[n]));
	shorts[s] = 0;
	return shorts;
}

/*
 * getopt's complaint, in our words (opterr is 0: getopt itself prints
 * nothing, so the message can follow the output mode).
 */
static int getopt_error(struct cli *cli, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char name[64];
	size_t len, i, nhit = 0;
	char hits[256] = "";

	if (strncmp(arg, "--", 2)) {   /* a short option */
		if (c == ':')
			return cli_usage_error(cli, "option '-%c' requires an argument", optopt);
		if (optopt > 32 && optopt < 127)
			return cli_usage_error(cli, "invalid option '-%c'", optopt);
		return cli_usage_error(cli, "invalid option '%s'", arg);
	}
	len = strcspn(arg + 2, "=");
	snprintf(name, sizeof(name), "%.*s", (int)(len < 60 ? len : 60), arg + 2);
	if (c == ':')
		return cli_usage_error(cli, "option '--%s' requires an argument", name);
	if (optopt)
		return cli_usage_error(cli, "option '--%s' takes no argument", name);
	for (i = 0; lopts[i].name; i++)
		if (!strncmp(lopts[i].name, name, strlen(name)) && strlen(hits) + 40 < sizeof(hits)) {
			snprintf(hits + strlen(hits), sizeof(hits) - strlen(hits), " '--%s'",
				 lopts[i].name);
			nhit++;
		}
	if (nhit > 1)
		return cli_usage_error(cli, "option '--%s' is ambiguous; possibilities:%s", name, hits);
	return cli_usage_error(cli, "unrecognized option '--%s'", name);
}

/*
 * Parse the options of cli->cmd: the common ones set flags in @cli, the
 * command's own are kept in cli->optv for cli_next_opt().  Returns 0, or an
 * exit code after reporting a usage error.
 */
static int parse_options(struct cli *cli, int argc, char **argv, bool *help)
{
	const char *shorts = build_getopt(cli->cmd);
	int c;

	opterr = 0;
	optind = 0;   /* glibc: a full reset, also after a scan that stopped early (shell) */
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		struct cli_optarg *v;

		switch (c) {
		case 'j':
			cli->json = true;
			continue;
		case 'p':
			cli->json = cli->pretty = true;
			continue;
		case 'v':
			cli->verbose = true;
			continue;
		case OPT_STATS:
			cli->stats = true;
			continue;
		case OPT_PAUSE:
			cli->pause = true;
			continue;
		case 'h':
			*help = true;
			continue;
		case '?':
		case ':':
			return getopt_error(cli, c, argv);
		}
		v = realloc(cli->optv, (cli->noptv + 1) * sizeof(*v));
		if (!v)
			return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
		cli->optv = v;
		v[cli->noptv].val = c;
		v[cli->noptv].arg = optarg;
		cli->noptv++;
	}
	return 0;
}

int cli_next_opt(struct cli *cli, size_t *i, const char **arg)
{
	if (*i >= cli->noptv)
		return -1;
	*arg = cli->optv[*i].arg;
	return cli->optv[(*i)++].val;
}

static void print_opts(const struct cli_opt *o, FILE *f)
{
	for (; o && o->name; o++) {
		char lhs[64];

		if (o->val < 256)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", o->val, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-24s %s\n", lhs, o->help);
	}
}

/* "TARGET is DOMID|NAME (...), core:FILE (...) or synth:FILE (...)." from the library's registry. */
static void print_target_help(FILE *f)
{
	size_t n, i;
	const struct xenpt_target_kind *k = xenpt_target_kinds(&n);

	fputs("TARGET is ", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s (%s)", i == 0 ? "" : i + 1 == n ? " or " : ", ", k[i].syntax,
			k[i].description);
	fputs(".\n", f);
}

void cli_print_help(const struct xenpt_cmd *cmd)
{
	printf("usage: xenpt %s%s%s\n\n%s.\n\n", cmd->name, *cmd->usage ? " " : "", cmd->usage,
	       cmd->summary);
	printf("%s\n", cmd->description);
	if (cmd->flags & CMD_TARGET) {
		printf("\n");
		print_target_help(stdout);
	}
	if (opts_count(cmd->opts)) {
		printf("\nOptions:\n");
		print_opts(cmd->opts, stdout);
	}
	printf("\nCommon options:\n");
	print_opts(cli_common_opts, stdout);
	printf("\nExit status: 0 ok, 1 findings, 2 usage or input error.\n"
	       "See xenpt-%s(1).\n", cmd->name);
}

/* ---- errors: on stderr, and in JSON mode as the one document on stdout ---- */

static void json_error_object(struct jw *w, const char *code, const char *msg, const char *hint)
{
	jw_obj_begin(w);
	jw_kstr(w, "code", code);
	jw_kstr(w, "message", msg);
	if (hint)
		jw_kstr(w, "hint", hint);
	jw_obj_end(w);
}

/*
 * {"error": {"code": ..., "message": ..., "hint": ...}} on stdout.  Before
 * any output it is the whole document.  If the command already opened a
 * document, the error goes inside it and every open container is closed, so
 * stdout still holds one valid document: arrays nested in an object are
 * closed and the object gets an "error" key; a top-level array gets an
 * {"error": ...} element.  A document already
 * complete is left alone (the error is on stderr).
 */
static void json_error(struct cli *cli, const char *code, const char *msg, const char *hint)
{
	struct jw *w = cli_jw(cli);

	if (jw_depth(w) == 0 && jw_started(w))
		return;
	if (jw_after_key(w))
		jw_null(w);
	/* {"source": ..., "runs": [...: the error becomes a key of the object */
	while (jw_depth(w) > 1 && jw_in_array(w))
		jw_arr_end(w);
	if (jw_depth(w) == 0 || jw_in_array(w)) {
		jw_obj_begin(w);
		jw_key(w, "error");
		json_error_object(w, code, msg, hint);
		jw_obj_end(w);
	} else {
		jw_key(w, "error");
		json_error_object(w, code, msg, hint);
	}
	jw_close_all(w);
}

static int report(struct cli *cli, enum xenpt_error_code code, const char *msg, const char *hint,
		  bool usage)
{
	fflush(stdout);   /* keep partial output before the error when piped */
	if (cli->cmd)
		fprintf(stderr, "%s %s: %s%s\n", cli->prog, cli->cmd->name, usage ? "usage error: " : "",
			msg);
	else
		fprintf(stderr, "%s: %s%s\n", cli->prog, usage ? "usage error: " : "", msg);
	if (hint)
		fprintf(stderr, "hint: %s\n", hint);
	if (usage && cli->cmd)
		fprintf(stderr, "usage: %s %s%s%s\n", cli->prog, cli->cmd->name,
			*cli->cmd->usage ? " " : "", cli->cmd->usage);
	if (cli->json)
		json_error(cli, xenpt_error_code_name(code), msg, hint);
	return EXIT_USAGE;
}

static int vusage_error(struct cli *cli, const char *hint, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int rc;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	rc = report(cli, XENPT_ERR_INVALID_ARG, msg ? msg : fmt, hint, true);
	free(msg);
	return rc;
}

int cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vusage_error(cli, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int cli_usage_error_hint(struct cli *cli, const char *hint, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vusage_error(cli, hint, fmt, ap);
	va_end(ap);
	return rc;
}

int cli_error(struct cli *cli, struct xenpt_error *err)
{
	report(cli, xenpt_error_code(err), xenpt_error_message(err), xenpt_error_hint_text(err),
	       false);
	xenpt_error_destroy(err);
	return EXIT_USAGE;
}

void cli_note(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->json && !cli->verbose)
		return;
	fprintf(stderr, "%s %s: note: ", cli->prog, cli->cmd ? cli->cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- target handling ------------------------------------------------------ */

static struct xenpt_source *volatile signal_src;

static void on_signal(int sig)
{
	struct xenpt_source *src = signal_src;

	if (src)
		xenpt_source_signal_cleanup(src);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void log_to_stderr(void *arg, int level, const char *msg)
{
	struct cli *cli = arg;

	if (level <= 0 || cli->verbose)
		fprintf(stderr, "%s %s: %s\n", cli->prog, cli->cmd->name, msg);
}

struct xenpt_error *cli_open_target(struct cli *cli, const char *target)
{
	struct xenpt_error *err;
	unsigned flags = cli->pause ? XENPT_OPEN_PAUSE : 0;

	err = xenpt_source_open_target(target, flags, &cli->src);
	if (err)
		return err;
	xenpt_source_set_log(cli->src, log_to_stderr, cli);
	signal_src = cli->src;
	if (cli->pause) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
	}
	if ((xenpt_source_caps(cli->src) & XENPT_CAP_LIVE) && !cli->pause &&
	    !xenpt_source_domain(cli->src)->paused)
		cli_note(cli, "%s was running while xenpt looked; use --pause for a consistent view",
			 xenpt_source_describe(cli->src));
	return NULL;
}

void cli_print_stats(struct cli *cli)
{
	struct xenpt_cache_stats st;

	if (!cli->src || !(cli->stats || cli->verbose))
		return;
	xenpt_source_cache_stats(cli->src, &st);
	fprintf(stderr,
		"%s %s: frame cache: %" PRIu64 " lookups, %" PRIu64 " hits, %" PRIu64 " misses, %"
		PRIu64 " batch reads (%" PRIu64 " frames, %" PRIu64 " failed), %" PRIu64
		" evictions, %zu/%zu resident\n",
		cli->prog, cli->cmd->name, st.lookups, st.hits, st.misses, st.map_calls,
		st.frames_mapped, st.failed, st.evictions, st.resident, st.capacity);
}

struct jw *cli_jw(struct cli *cli)
{
	if (!cli->jw)
		cli->jw = jw_create(stdout, cli->pretty);
	if (!cli->jw)
		abort();
	return cli->jw;
}

/* ---- small commands ------------------------------------------------------- */

static void print_command_list(FILE *f)
{
	size_t i;

	fprintf(f, "usage: xenpt [--json] [--pretty] [-v] COMMAND [OPTIONS] TARGET [ARGS]\n\n"
		   "See inside Xen guest memory management: page tables, P2M/M2P, page types.\n\n"
		   "Commands:\n");
	for (i = 0; i < xenpt_ncmds; i++)
		if (!(xenpt_cmds[i].flags & CMD_HIDDEN))
			fprintf(f, "  %-10s %s\n", xenpt_cmds[i].name, xenpt_cmds[i].summary);
	fputc('\n', f);
	print_target_help(f);
	fprintf(f, "\n'xenpt COMMAND --help' or 'man xenpt-COMMAND' for details.\n");
}

const struct xenpt_cmd *cli_find_cmd(const char *name, bool *ambiguous)
{
	const struct xenpt_cmd *hit = NULL;
	size_t i, len = strlen(name);

	*ambiguous = false;
	for (i = 0; i < xenpt_ncmds; i++)
		if (!strcmp(xenpt_cmds[i].name, name))
			return &xenpt_cmds[i];
	if (!len)
		return NULL;
	for (i = 0; i < xenpt_ncmds; i++) {
		if ((xenpt_cmds[i].flags & CMD_HIDDEN) || strncmp(xenpt_cmds[i].name, name, len))
			continue;
		if (hit)
			*ambiguous = true;
		hit = &xenpt_cmds[i];
	}
	return *ambiguous ? NULL : hit;
}

/* An unknown or ambiguous command name, as a usage error. */
static int bad_command(struct cli *cli, const char *name, bool ambiguous)
{
	char list[256] = "";
	size_t k, len = strlen(name);

	if (!ambiguous)
		return cli_usage_error_hint(cli, "'xenpt help' lists the commands",
					    "unknown command '%s'", name);
	for (k = 0; k < xenpt_ncmds; k++)
		if (!(xenpt_cmds[k].flags & CMD_HIDDEN) && !strncmp(xenpt_cmds[k].name, name, len) &&
		    strlen(list) + strlen(xenpt_cmds[k].name) + 2 < sizeof(list)) {
			strcat(list, " ");
			strcat(list, xenpt_cmds[k].name);
		}
	return cli_usage_error(cli, "'%s' is ambiguous:%s", name, list);
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct xenpt_cmd *c;
	bool amb;

	if (argc && !(c = cli_find_cmd(argv[0], &amb)))
		return bad_command(cli, argv[0], amb);
	if (cli->json) {
		jw_null(cli_jw(cli));   /* help is for humans (bpftool does the same) */
		return EXIT_OK;
	}
	if (!argc)
		print_command_list(stdout);
	else
		cli_print_help(c);
	return EXIT_OK;
}

#ifdef HAVE_CAPSTONE
#define HAVE_CAPSTONE_B true
#else
#define HAVE_CAPSTONE_B false
#endif
#ifdef HAVE_LIBELF
#define HAVE_LIBELF_B true
#else
#define HAVE_LIBELF_B false
#endif
#ifdef HAVE_READLINE
#define HAVE_READLINE_B true
#else
#define HAVE_READLINE_B false
#endif

int cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cli->json) {
		struct jw *w = cli_jw(cli);

		jw_obj_begin(w);
		jw_kstr(w, "version", XENPT_VERSION_STRING);
		jw_kstr(w, "library", xenpt_version());
		jw_key(w, "features");
		jw_obj_begin(w);
		jw_kbool(w, "xen", xenpt_have_xen());
		jw_kbool(w, "capstone", HAVE_CAPSTONE_B);
		jw_kbool(w, "libelf", HAVE_LIBELF_B);
		jw_kbool(w, "readline", HAVE_READLINE_B);
		jw_obj_end(w);
		jw_obj_end(w);
		return EXIT_OK;
	}
	printf("xenpt %s (libxenpt %s)\n", XENPT_VERSION_STRING, xenpt_version());
	printf("features: xen=%s capstone=%s libelf=%s readline=%s\n",
	       xenpt_have_xen() ? "yes" : "no", HAVE_CAPSTONE_B ? "yes" : "no",
	       HAVE_LIBELF_B ? "yes" : "no", HAVE_READLINE_B ? "yes" : "no");
	return EXIT_OK;
}

/* Completion helper: the shells ask the binary instead of keeping lists. */
int cmd_complete(struct cli *cli, int argc, char **argv)
{
	size_t i, n;

	if (argc == 1 && !strcmp(argv[0], "commands")) {
		for (i = 0; i < xenpt_ncmds; i++)
			if (!(xenpt_cmds[i].flags & CMD_HIDDEN))
				printf("%s\n", xenpt_cmds[i].name);
		return EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[0], "options")) {
		bool amb;
		const struct xenpt_cmd *c = cli_find_cmd(argv[1], &amb);
		const struct cli_opt *o;

		if (!c)
			return bad_command(cli, argv[1], amb);
		for (o = c->opts; o && o->name; o++)
			printf("--%s\n", o->name);
		for (o = cli_common_opts; o->name; o++)
			printf("--%s\n", o->name);
		return EXIT_OK;
	}
	if (argc == 1 && !strcmp(argv[0], "targets")) {
		const struct xenpt_target_kind *k = xenpt_target_kinds(&n);
		struct xenpt_domain_info *doms = NULL;
		struct xenpt_error *err;

		for (i = 0; i < n; i++)
			if (*k[i].prefix)
				printf("%s\n", k[i].prefix);
		if (!xenpt_have_xen())
			return EXIT_OK;
		err = xenpt_xen_list_domains(&doms, &n);
		if (err) {
			xenpt_error_destroy(err);   /* not in dom0: nothing to offer */
			return EXIT_OK;
		}
		for (i = 0; i < n; i++) {
			printf("%u\n", doms[i].domid);
			if (doms[i].name[0])
				printf("%s\n", doms[i].name);
		}
		free(doms);
		return EXIT_OK;
	}
	return cli_usage_error(cli, "'%s%s%s' is not something to complete", argv[0],
			       argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
}

/* ---- dispatch --------------------------------------------------------------- */

/*
 * Run cli->cmd from its argv (argv[0] is the command's name): options,
 * --help, the positional counts of the table entry, then the command with
 * the positionals after TARGET.  On the command line (@in_shell false) the
 * TARGET is the first positional and is opened here; inside the shell or a
 * batch (cli_run_argv()) the open cli->src is the target, and a command
 * without a TARGET does not see it.
 */
static int run_command(struct cli *cli, int argc, char **argv, bool in_shell)
{
	const struct xenpt_cmd *cmd = cli->cmd;
	struct xenpt_source *src = cli->src;
	struct xenpt_error *err;
	const char *target = NULL;
	bool help = false;
	int rc, npos, first;

	rc = parse_options(cli, argc, argv, &help);
	if (rc)
		return rc;
	if (help) {
		cli_print_help(cmd);
		return EXIT_OK;
	}
	first = optind;
	npos = argc - first;
	if ((cmd->flags & CMD_TARGET) && !in_shell) {
		if (!npos && !(cmd->flags & CMD_TARGET_OPT))
			return cli_usage_error(cli, "no TARGET given");
		if (npos) {
			target = cli->target = argv[first++];
			npos--;
		}
	}
	if (npos < cmd->min_args)
		return cli_usage_error(cli, "no %s given",
				       npos < CLI_MAX_ARGS && cmd->args[npos] ? cmd->args[npos] : "argument");
	if (cmd->max_args >= 0 && npos > cmd->max_args)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[first + cmd->max_args]);
	if (target) {
		err = cli_open_target(cli, target);
		if (err)
			return cli_error(cli, err);
	}
	if (!in_shell)
		return cmd->fn(cli, npos, argv + first);
	if (!(cmd->flags & CMD_TARGET))
		cli->src = NULL;
	rc = cmd->fn(cli, npos, argv + first);
	cli->src = src;
	return rc;
}

int cli_run_argv(struct cli *cli, int argc, char **argv)
{
	const struct xenpt_cmd *cmd;
	bool ambiguous;

	cmd = cli_find_cmd(argv[0], &ambiguous);
	if (!cmd)
		return bad_command(cli, argv[0], ambiguous);
	cli->cmd = cmd;
	if (cmd->flags & CMD_NO_SHELL)
		return cli_usage_error_hint(cli, "leave the shell first", "'%s' cannot run inside the shell",
					    cmd->name);
	return run_command(cli, argc, argv, true);
}

/* --json and --pretty anywhere (before "--"): errors found before getopt reaches them follow them too. */
static void prescan_json(struct cli *cli, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			cli->json = true;
		else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			cli->json = cli->pretty = true;
	}
}

int main(int argc, char **argv)
{
	struct cli cli = { .prog = "xenpt" };
	const struct xenpt_cmd *cmd;
	bool ambiguous;
	int rc, i;

	prescan_json(&cli, argc, argv);
	/* global options before the command */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			cli.json = true;
		else if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
			cli.json = cli.pretty = true;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			cli.verbose = true;
		else if (!strcmp(a, "--stats"))
			cli.stats = true;
		else if (!strcmp(a, "--pause"))
			cli.pause = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_command_list(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("xenpt %s\n", XENPT_VERSION_STRING);
			return EXIT_OK;
		} else {
			rc = cli_usage_error_hint(&cli, "'xenpt help' lists the global options and commands",
						  "unknown global option '%s'", a);
			if (!cli.json)
				print_command_list(stderr);
			goto out;
		}
	}
	if (i >= argc) {
		if (cli.json)
			rc = cli_usage_error_hint(&cli, "'xenpt help' lists the commands",
						  "no command given");
		else
			print_command_list(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	cmd = cli_find_cmd(argv[i], &ambiguous);
	if (!cmd) {
		rc = bad_command(&cli, argv[i], ambiguous);
		goto out;
	}
	cli.cmd = cmd;
	argc -= i;
	argv += i;
	rc = run_command(&cli, argc, argv, false);
out:
	jw_destroy(cli.jw);
	cli_print_stats(&cli);
	signal_src = NULL;
	xenpt_source_close(cli.src);
	if (cli.stats && cli.cmd) {
		/* after the close: the tables of the source and the views are counted then */
		struct xenpt_hash_stats hs;

		xenpt_hash_stats(&hs);
		fprintf(stderr, "%s %s: hash tables: %" PRIu64 " tables, %" PRIu64 " lookups, %" PRIu64
			" probes, longest probe %u slots, %" PRIu64 " rebuilds\n", cli.prog,
			cli.cmd->name, hs.tables, hs.lookups, hs.probes, hs.max_disp + 1, hs.rebuilds);
	}
	xenpt_symtab_destroy(cli.syms);
	free(cli.optv);
	fflush(stdout);
	if (ferror(stdout)) {
		fprintf(stderr, "xenpt%s%s: error writing output\n", cli.cmd ? " " : "",
			cli.cmd ? cli.cmd->name : "");
		return EXIT_USAGE;
	}
	return rc;
}
