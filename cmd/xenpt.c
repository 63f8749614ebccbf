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

#include <xenpt/version.h>

#include "cli.h"

#define TARGET_HELP "TARGET is a live domain id or name, core:FILE (an xl dump-core file) or synth:FILE (a synthetic domain)."

enum { OPT_STATS = 256, OPT_PAUSE };

const struct cli_opt cli_common_opts[] = {
	{ "json", no_argument, 'j', NULL, "machine-readable JSON on stdout" },
	{ "pretty", no_argument, 'p', NULL, "indented JSON (implies --json)" },
	{ "verbose", no_argument, 'v', NULL, "diagnostics and cache statistics on stderr" },
	{ "stats", no_argument, OPT_STATS, NULL, "print frame-cache statistics on stderr" },
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
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt walk_opts[] = {
	CLI_ASPACE_OPTS,
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
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_opt p2m_opts[] = {
	{ "raw", no_argument, 'R', NULL, "one line per frame, as xen-mfndump dump-p2m (no coalescing)" },
	{ "range", required_argument, 'r', "A-B", "only PFNs A to B (inclusive)" },
	{ "pfn", required_argument, 'P', "PFN", "look PFN up: its MFN, the M2P back, its type (repeatable)" },
	{ "mfn", required_argument, 'M', "MFN", "look MFN up: the PFNs mapping it, its M2P entry (repeatable)" },
	{ "check", no_argument, 'c', NULL, "check the P2M against the M2P and the page tables; exit 1 on findings" },
	{ "no-walk", no_argument, 'n', NULL, "with --check: do not walk the page tables" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct cli_opt m2p_opts[] = {
	{ "raw", no_argument, 'R', NULL, "one line per frame (no coalescing)" },
	{ "all", no_argument, 'a', NULL, "every MFN the source knows, not only the domain's" },
	{ "range", required_argument, 'r', "A-B", "only MFNs A to B (inclusive)" },
	{ "mfn", required_argument, 'M', "MFN", "look MFN up: its M2P entry, the P2M back, the PFNs mapping it (repeatable)" },
	{ "pfn", required_argument, 'P', "PFN", "look PFN up: its MFN and that MFN's M2P entry (repeatable)" },
	{ "check", no_argument, 'c', NULL, "check the P2M against the M2P and the page tables; exit 1 on findings" },
	{ "no-walk", no_argument, 'n', NULL, "with --check: do not walk the page tables" },
	{ NULL, 0, 0, NULL, NULL },
};

const struct xenpt_cmd xenpt_cmds[] = {
	{ "dump", cmd_dump, CMD_TARGET, "show a whole address space, ptdump style", "[OPTIONS] TARGET", dump_opts,
	  "Show the guest's address space as the Linux kernel's ptdump does: section markers (user, "
	  "Xen's L4 slots, the direct map, vmalloc, kernel text, ...), then one line per run of "
	  "entries with the same level and effective attributes (USR, RW, PWT, PCD, PSE, PAT, GLB, "
	  "NX, and for PV guests the type of the mapped frames), and a summary of the findings: "
	  "W+X mappings, user-accessible kernel mappings, writable mappings of page tables, entries "
	  "with reserved bits, unreadable tables, linear or recursive entries. Shared tables are "
	  "summarised once, so the cost grows with the distinct table frames, not with the paths." },
	{ "help", cmd_help, 0, "show help for xenpt or a command", "[COMMAND]", no_opts,
	  "Without COMMAND, list the commands; with one, show its help." },
	{ "info", cmd_info, CMD_TARGET, "show one domain in detail", "[OPTIONS] TARGET", info_opts,
	  "Show a domain's type, width, paging levels, memory, vCPUs and state, the facts of its "
	  "shared_info page (the published P2M: max_pfn, frame-list list, p2m_cr3, p2m_vaddr, "
	  "p2m_generation) and what the source can answer." },
	{ "list", cmd_list, CMD_TARGET | CMD_TARGET_OPT, "list domains", "[OPTIONS] [TARGET]", list_opts,
	  "Without TARGET, list the domains of the host (live, needs dom0); with TARGET, the "
	  "domain in that core file, synthetic file or live domain." },
	{ "m2p", cmd_m2p, CMD_TARGET, "dump and look up the M2P of a PV domain", "[OPTIONS] [--raw] [--all] [--range MFN-MFN | --mfn MFN... | --pfn PFN... | --check] TARGET", m2p_opts,
	  "Show Xen's machine-to-physical table (MFN to PFN) for the domain's frames (the MFNs its "
	  "P2M names), or with --all for every MFN the source knows, coalesced into runs where MFNs "
	  "and PFNs are both contiguous, each marked by whether the P2M points back (ok), or why "
	  "not: the M2P entry is INVALID, names a PFN whose P2M entry is another frame (mismatch), "
	  "or the frame is not the domain's (free, other). A core file has no Xen M2P: there it is "
	  "the inverse of the core's P2M. --mfn and --pfn look frames up; --check checks both tables "
	  "and the page tables, like 'xenpt p2m --check'." },
	{ "p2m", cmd_p2m, CMD_TARGET, "dump and look up the P2M of a PV domain, with page types", "[OPTIONS] [--raw] [--range PFN-PFN | --pfn PFN... | --mfn MFN... | --check] TARGET", p2m_opts,
	  "Show a PV domain's physical-to-machine table (PFN to MFN) as runs where PFNs and MFNs are "
	  "both contiguous and, for live and synthetic domains, Xen's page type and pin state are "
	  "the same (none, L1..L4, pinned L1..L4, xtab, broken): the view of xen-mfndump dump-p2m, "
	  "coalesced; --raw gives one line per frame. --pfn and --mfn look frames up. --check "
	  "checks that every P2M entry's M2P entry points back, and finds INVALID_MFN holes, MFNs "
	  "mapped by two PFNs, MFNs beyond the host, and frames the guest's page tables map or use "
	  "(walked from every vCPU's CR3 and user L4, and shared_info's p2m_cr3) that are not in "
	  "its P2M." },
	{ "read", cmd_read, CMD_TARGET, "read guest memory", "[OPTIONS] TARGET {VA | --gfn GFN | --mfn MFN} [LEN]", read_opts,
	  "Read LEN bytes (default 256) at a guest virtual address (translated through the vCPU's "
	  "page tables), a guest frame or a machine frame, as a hexdump or raw bytes. Reads cross "
	  "page boundaries; an unmapped or unreadable page stops the read with an error naming it." },
	{ "rmap", cmd_rmap, CMD_TARGET, "find every page-table entry that references a frame", "[OPTIONS] TARGET {--mfn MFN | --pfn PFN}...", rmap_opts,
	  "For each frame given, list every page-table entry that references it: as a leaf (with the "
	  "VAs it maps the frame at through every path from the roots, and the effective rights "
	  "there) or as a table (the parent entries that link it in, and at which level), with the "
	  "table frame and index of each entry as xen-mfndump lookup-pte shows them. The roots are "
	  "every vCPU's CR3 and, for PV guests, user L4, plus --cr3. The reverse index is built once "
	  "per run, one read per distinct table frame, and answers every query." },
	{ "vcpu", cmd_vcpu, CMD_TARGET, "show vCPU registers and control registers", "[OPTIONS] TARGET [N]", vcpu_opts,
	  "Show the registers of every vCPU (or vCPU N): general registers, RIP, flags, CR0, CR2, "
	  "CR3 and CR4 (CR3 as MFN and PFN for PV guests, as GFN for HVM), EFER when known, the PV "
	  "user L4, callbacks and the #PF handler of the virtual trap table." },
	{ "version", cmd_version, 0, "show versions and compiled-in features", "", no_opts,
	  "Show the xenpt and libxenpt versions and whether the live Xen backend (libxen-dev) "
	  "was compiled in." },
	{ "walk", cmd_walk, CMD_TARGET, "translate a guest virtual address, level by level", "[OPTIONS] TARGET VA", walk_opts,
	  "Walk VA through the guest's page tables and show every level: the table frame (MFN and "
	  "PFN for PV guests, GFN for HVM), the entry index, the entry's address and raw value, "
	  "its decoded flags and the frame it names; then the result: the machine (PV) or "
	  "guest-physical (HVM) address with the page size and effective rights, or where and why "
	  "the walk stopped (not present, reserved bits, non-canonical, Xen's L4 slots)." },
	{ "__complete", cmd_complete, CMD_HIDDEN | CMD_NO_JSON, "completion helper", "{commands | options CMD | targets}", no_opts,
	  "Used by the shell completions." },
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

int cli_getopt(struct cli *cli, int argc, char **argv, bool *help)
{
	static const struct xenpt_cmd *built_for;
	static struct option lopts[64];
	static char shorts[128];
	const struct cli_opt *sets[2] = { cli->cmd->opts, cli_common_opts };
	int c;

	if (built_for != cli->cmd) {
		size_t n = 0, s = 0, i, k;

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
		built_for = cli->cmd;
	}
	for (;;) {
		c = getopt_long(argc, argv, shorts, lopts, NULL);
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
			fprintf(stderr, "usage: %s %s%s%s\n", cli->prog, cli->cmd->name,
				*cli->cmd->usage ? " " : "", cli->cmd->usage);
			return '?';
		default:
			return c;
		}
	}
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

void cli_print_help(const struct xenpt_cmd *cmd)
{
	printf("usage: xenpt %s%s%s\n\n%s.\n\n", cmd->name, *cmd->usage ? " " : "", cmd->usage,
	       cmd->summary);
	printf("%s\n", cmd->description);
	if (cmd->flags & CMD_TARGET)
		printf("\n%s\n", TARGET_HELP);
	if (opts_count(cmd->opts)) {
		printf("\nOptions:\n");
		print_opts(cmd->opts, stdout);
	}
	printf("\nCommon options:\n");
	print_opts(cli_common_opts, stdout);
	printf("\nExit status: 0 ok, 1 findings, 2 usage or input error.\n"
	       "See xenpt-%s(1).\n", cmd->name);
}

int cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fprintf(stderr, "%s %s: usage error: %s\n", cli->prog, cli->cmd ? cli->cmd->name : "",
		msg ? msg : fmt);
	if (cli->json) {
		struct jw *w = jw_create(stdout, cli->pretty);

		if (w) {
			jw_obj_begin(w);
			jw_key(w, "error");
			jw_obj_begin(w);
			jw_kstr(w, "code", "invalid_arg");
			jw_kstr(w, "message", msg ? msg : fmt);
			jw_obj_end(w);
			jw_obj_end(w);
			jw_destroy(w);
		}
	}
	free(msg);
	if (cli->cmd)
		fprintf(stderr, "usage: %s %s%s%s\n", cli->prog, cli->cmd->name,
			*cli->cmd->usage ? " " : "", cli->cmd->usage);
	return EXIT_USAGE;
}

int cli_error(struct cli *cli, struct xenpt_error *err)
{
	fflush(stdout);   /* keep partial output before the error when piped */
	fprintf(stderr, "%s %s: %s\n", cli->prog, cli->cmd ? cli->cmd->name : "",
		xenpt_error_message(err));
	if (cli->json) {
		struct jw *w = jw_create(stdout, cli->pretty);
		if (w) {
			jw_obj_begin(w);
			jw_key(w, "error");
			jw_obj_begin(w);
			jw_kstr(w, "code", xenpt_error_code_name(xenpt_error_code(err)));
			jw_kstr(w, "message", xenpt_error_message(err));
			jw_obj_end(w);
			jw_obj_end(w);
			jw_destroy(w);
		}
	}
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

bool cli_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || end == s || (base == 16 && end == s + 2))
		return false;
	*ret = v;
	return true;
}

/* A VA: hex with 0x (underscores and ` allowed as digit separators, as in
 * "0xffffffff_81000000" or WinDbg-style "fffff800`00000000"), or decimal. */
bool cli_parse_va(const char *s, uint64_t *ret)
{
	char buf[64];
	size_t i, n = 0;

	if (!s)
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] == '_' || s[i] == '`')
			continue;
		if (n + 1 >= sizeof(buf))
			return false;
		buf[n++] = s[i];
	}
	buf[n] = 0;
	return cli_parse_u64(buf, ret);
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
	fprintf(f, "\n%s\n\n'xenpt COMMAND --help' or 'man xenpt-COMMAND' for details.\n", TARGET_HELP);
}

static const struct xenpt_cmd *find_cmd(const char *name, bool *ambiguous)
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

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct xenpt_cmd *c;
	bool amb, help = false;
	int o;

	while ((o = cli_getopt(cli, argc, argv, &help)) != -1)
		if (o == '?')
			return EXIT_USAGE;
	if (help) {
		cli_print_help(cli->cmd);
		return EXIT_OK;
	}
	if (argc - optind > 1)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (cli->json) {
		jw_null(cli_jw(cli));   /* help is for humans (bpftool does the same) */
		return EXIT_OK;
	}
	if (optind >= argc) {
		print_command_list(stdout);
		return EXIT_OK;
	}
	c = find_cmd(argv[optind], &amb);
	if (!c)
		return cli_usage_error(cli, amb ? "'%s' is ambiguous" : "unknown command '%s'",
				       argv[optind]);
	cli_print_help(c);
	return EXIT_OK;
}

int cmd_version(struct cli *cli, int argc, char **argv)
{
	bool help = false;
	int c;

	while ((c = cli_getopt(cli, argc, argv, &help)) != -1)
		if (c == '?')
			return EXIT_USAGE;
	if (help) {
		cli_print_help(cli->cmd);
		return EXIT_OK;
	}
	if (optind < argc)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind]);
	if (cli->json) {
		struct jw *w = cli_jw(cli);

		jw_obj_begin(w);
		jw_kstr(w, "version", XENPT_VERSION_STRING);
		jw_kstr(w, "library", xenpt_version());
		jw_key(w, "features");
		jw_obj_begin(w);
		jw_kbool(w, "xen", xenpt_have_xen());
		jw_obj_end(w);
		jw_obj_end(w);
		return EXIT_OK;
	}
	printf("xenpt %s (libxenpt %s)\n", XENPT_VERSION_STRING, xenpt_version());
	printf("features: xen=%s\n", xenpt_have_xen() ? "yes" : "no");
	return EXIT_OK;
}

/* Completion helper: the shells ask the binary instead of keeping lists. */
int cmd_complete(struct cli *cli, int argc, char **argv)
{
	size_t i;

	(void)cli;
	if (argc >= 2 && !strcmp(argv[1], "commands")) {
		for (i = 0; i < xenpt_ncmds; i++)
			if (!(xenpt_cmds[i].flags & CMD_HIDDEN))
				printf("%s\n", xenpt_cmds[i].name);
		return EXIT_OK;
	}
	if (argc >= 3 && !strcmp(argv[1], "options")) {
		bool amb;
		const struct xenpt_cmd *c = find_cmd(argv[2], &amb);
		const struct cli_opt *o;

		if (!c)
			return EXIT_USAGE;
		for (o = c->opts; o && o->name; o++)
			printf("--%s\n", o->name);
		for (o = cli_common_opts; o->name; o++)
			printf("--%s\n", o->name);
		return EXIT_OK;
	}
	if (argc >= 2 && !strcmp(argv[1], "targets")) {
		struct xenpt_domain_info *doms = NULL;
		size_t n = 0;
		struct xenpt_error *err;

		printf("core:\nsynth:\n");
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
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct cli cli = { .prog = "xenpt" };
	const struct xenpt_cmd *cmd;
	bool ambiguous;
	int rc, i;

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
			fprintf(stderr, "xenpt: usage error: unknown global option '%s'\n", a);
			print_command_list(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_command_list(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[i], &ambiguous);
	if (!cmd) {
		size_t k, len = strlen(argv[i]);

		if (ambiguous) {
			fprintf(stderr, "xenpt: usage error: '%s' is ambiguous:", argv[i]);
			for (k = 0; k < xenpt_ncmds; k++)
				if (!(xenpt_cmds[k].flags & CMD_HIDDEN) &&
				    !strncmp(xenpt_cmds[k].name, argv[i], len))
					fprintf(stderr, " %s", xenpt_cmds[k].name);
			fputc('\n', stderr);
		} else {
			fprintf(stderr, "xenpt: usage error: unknown command '%s'; see 'xenpt help'\n",
				argv[i]);
		}
		return EXIT_USAGE;
	}
	cli.cmd = cmd;
	argc -= i;
	argv += i;
	/* getopt names the program by argv[0]: make its messages say "xenpt walk" */
	{
		static char progname[64];

		snprintf(progname, sizeof(progname), "xenpt %s", cmd->name);
		argv[0] = progname;
	}
	optind = 1;
	/* commands create the JSON writer with cli_jw() once options are parsed */
	rc = cmd->fn(&cli, argc, argv);
	jw_destroy(cli.jw);
	cli_print_stats(&cli);
	signal_src = NULL;
	xenpt_source_close(cli.src);
	fflush(stdout);
	if (ferror(stdout)) {
		fprintf(stderr, "xenpt %s: error writing output\n", cmd->name);
		return EXIT_USAGE;
	}
	return rc;
}
