/* SPDX-License-Identifier: MIT */
/*
 * CLI-only declarations: the command table, global state, option parsing
 * helpers and the output layer.  Never included by lib/.
 */
#ifndef XENPT_CLI_H
#define XENPT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>
#include <xenpt/walk.h>

/* Exit codes (README, xenpt(1)). */
enum {
	EXIT_OK = 0,
	EXIT_FINDING = 1,   /* audit problems, --strict findings */
	EXIT_USAGE = 2,     /* usage, input or environment error */
	EXIT_INCOMPLETE = 2,/* a check that ran out of budget: never "clean" (xenpt(1)) */
};

struct jw;

/* One option of the command line, as getopt_long returned it. */
struct cli_optarg {
	int val;                   /* the cli_opt's val */
	const char *arg;           /* its argument, or NULL */
};

/* Global state of one invocation. */
struct cli {
	const char *prog;          /* "xenpt" */
	const struct xenpt_cmd *cmd;
	bool json, pretty, verbose, stats, pause;
	struct jw *jw;             /* JSON writer on stdout when json */
	struct xenpt_source *src;  /* the open TARGET, closed by the dispatcher */
	const char *target;        /* TARGET as given, or NULL */
	struct cli_optarg *optv;   /* the command's own options, in order */
	size_t noptv;
	struct xenpt_symtab *syms; /* --symbols FILE (walk, read, dis), or the guest's kallsyms, or NULL */
	bool syms_none;            /* --symbols none: no symbols, not even kallsyms */
	bool syms_kallsyms;        /* cli->syms holds (also) the guest's kallsyms */
	int ksyms_state;           /* kallsyms of cli->src: 0 not tried, 1 loaded, -1 failed */
	struct cli_shell *sh;      /* inside `xenpt shell`/`batch` (cmd/shell.c), else NULL */
};

/* One option of a command, for getopt_long, --help and completion. */
struct cli_opt {
	const char *name;          /* long name, without "--" */
	int has_arg;               /* no_argument / required_argument */
	int val;                   /* short option char, or a value >= 256 */
	const char *arg;           /* argument name for help ("N", "VA") */
	const char *help;
};

enum {
	CMD_TARGET     = 1u << 0, /* takes a TARGET as first positional argument */
	CMD_TARGET_OPT = 1u << 1, /* ... which may be omitted (list: the live host) */
	CMD_NO_JSON    = 1u << 2,
	CMD_HIDDEN     = 1u << 3, /* not listed in help or completion */
	CMD_NO_SHELL   = 1u << 4, /* not inside the shell or a batch (shell, batch) */
};

#define CLI_MAX_ARGS 4

/*
 * A command.  The dispatcher (cmd/xenpt.c) parses the options (common ones
 * into struct cli, the command's into cli->optv), answers --help, checks the
 * number of positional arguments, opens the TARGET into cli->src (CMD_TARGET)
 * and then calls fn with the positionals after TARGET: fn(cli, 1, {"0x1000"})
 * for `xenpt walk core:x 0x1000`.  Commands read their options with
 * cli_next_opt().
 */
struct xenpt_cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	unsigned flags;
	const char *summary;       /* one line */
	const char *usage;         /* synopsis after "xenpt NAME " */
	const struct cli_opt *opts;/* terminated by { NULL } */
	const char *description;   /* a paragraph for --help */
	int min_args, max_args;    /* positionals after TARGET (max -1: any number) */
	const char *args[CLI_MAX_ARGS]; /* their names, for "no VA given" */
};

extern const struct xenpt_cmd xenpt_cmds[];
extern const size_t xenpt_ncmds;
extern const struct cli_opt cli_common_opts[];

/*
 * The next of the command's own options (cli->optv, command-line order):
 * its val, with its argument in *arg; -1 after the last.  *i starts at 0.
 */
int cli_next_opt(struct cli *cli, size_t *i, const char **arg);
/* Print the command's --help to stdout. */
void cli_print_help(const struct xenpt_cmd *cmd);
/*
 * Errors follow the output mode.  Always on stderr ("xenpt CMD: message",
 * then "hint: ..." and for usage errors the synopsis); in JSON mode also
 * {"error": {"code": ..., "message": ..., "hint": ...}} as the one document
 * on stdout (ending a document the command had begun).  They return
 * EXIT_USAGE.
 */
int cli_usage_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage_error_hint(struct cli *cli, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Report a library error (message and hint) and destroy it. */
int cli_error(struct cli *cli, struct xenpt_error *err);

/* The JSON writer on stdout, created on first use (after option parsing). */
struct jw *cli_jw(struct cli *cli);
/* Open TARGET into cli->src (with --pause, logging, signal cleanup). */
struct xenpt_error *cli_open_target(struct cli *cli, const char *target);
/* A note for the user on stderr (suppressed in JSON mode unless verbose). */
void cli_note(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print frame-cache statistics to stderr when --stats or -v. */
void cli_print_stats(struct cli *cli);

/* Numbers, through the library's one parser (xenpt_parse_number()). */
static inline bool cli_parse_u64(const char *s, uint64_t *ret)
{
	return xenpt_parse_number(s, 0, ret);
}
/* A VA: also with '_' or '`' digit separators ("0xffffffff_81000000", "fffff800`00000000"). */
static inline bool cli_parse_va(const char *s, uint64_t *ret)
{
	return xenpt_parse_number(s, XENPT_NUM_SEPARATORS, ret);
}
/* A length: also with a K, M, G or T suffix (binary: 1K = 1024). */
static inline bool cli_parse_size(const char *s, uint64_t *ret)
{
	return xenpt_parse_number(s, XENPT_NUM_SIZE, ret);
}

/* ---- output: a streaming JSON writer (style.md §2.7) -------------------- */
struct jw *jw_create(FILE *f, bool pretty);
void jw_destroy(struct jw *w);        /* finishes the line */
unsigned jw_depth(const struct jw *w);   /* open containers */
bool jw_in_array(const struct jw *w);    /* the innermost open container is an array */
bool jw_started(const struct jw *w);     /* something was written */
bool jw_after_key(const struct jw *w);   /* a key waits for its value */
void jw_close_all(struct jw *w);         /* close every open container (null for a dangling key) */
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* 64-bit addresses and frame numbers are strings: "0x1a2b". */
void jw_hex(struct jw *w, uint64_t v);
/* An invalid frame (~0) is null. */
void jw_frame(struct jw *w, uint64_t frame);
/* key + value shorthands */
void jw_kstr(struct jw *w, const char *k, const char *s);
void jw_ku64(struct jw *w, const char *k, uint64_t v);
void jw_khex(struct jw *w, const char *k, uint64_t v);
void jw_kframe(struct jw *w, const char *k, uint64_t frame);
void jw_kbool(struct jw *w, const char *k, bool v);

/* ---- output: aligned tables ---------------------------------------------- */
struct table;
/* Columns: a title each; a title starting with '>' is right-aligned. */
struct table *table_create(const char *const *titles, unsigned ncols);
void table_add(struct table *t, ...);           /* ncols const char * */
void table_addf(struct table *t, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));  /* set cell col of the row being built */
void table_end_row(struct table *t);
void table_print(struct table *t, FILE *f, bool header);
void table_destroy(struct table *t);

/* Formatting helpers: hex with a fixed width, frames ("-" if invalid), sizes. */
const char *fmt_frame(char *buf, size_t len, uint64_t frame);
const char *fmt_size(char *buf, size_t len, uint64_t bytes);

/* cmd/common.c */
const char *dom_type(const struct xenpt_domain_info *d);
const char *dom_state(const struct xenpt_domain_info *d, char *buf, size_t len);
/*
 * "" when the source knows the host's physical address width, else what was
 * assumed and why ("assumed 52-bit physical addresses (the core does not
 * record the host's width)").
 */
const char *paddr_bits_note(const struct xenpt_source *src, char *buf, size_t len);

/* Address-space options of walk, read and dump (cmd/common.c). */
struct cli_aspace_opts {
	uint64_t vcpu, cr3;
	bool have_vcpu, have_cr3, user;
	enum xenpt_paging_mode mode; /* XENPT_PM_NONE = from the source */
};
/* --symbols FILE (repeatable) of walk, read and dis: handled by cli_aspace_opt(). */
#define OPT_SYMBOLS 300
#define CLI_SYMBOL_OPTS \
	{ "symbols", required_argument, OPT_SYMBOLS, "FILE", "names for addresses: a System.map or an ELF image such as vmlinux (repeatable), kallsyms (the guest's own table) or none" }
/*
 * An address: a number (as cli_parse_va), or with --symbols a symbol,
 * "sym+0x10" or "sym-8", or an expression: terms joined by + and -, where a
 * term is a number, a symbol, a register of the current vCPU (rip, rsp,
 * rax..r15, cr2, cr3, ...; vCPU 0 outside the shell), $_ (the shell's last
 * address), (EXPR), or *TERM (the 8 bytes at that address, read through
 * the current vCPU's page tables).  Returns 0, or an exit code after
 * reporting.
 */
int cli_parse_addr(struct cli *cli, const char *s, const char *what, uint64_t *ret);
/*
 * Symbols without --symbols FILE: the guest's own kallsyms, found in its
 * memory (xenpt_kallsyms_load()), tried at most once per open source.
 * @asked: --symbols kallsyms (a failure is a warning on stderr in every
 * output mode); otherwise automatic, tried only when no file was given and
 * not --symbols none, and only in the shell, in dis, or when an address
 * names a symbol (a failure is a note).  Either way xenpt goes on without
 * symbols when it fails.  True when cli->syms holds symbols afterwards.
 */
bool cli_kallsyms(struct cli *cli, bool asked);
/* The automatic case of cli_kallsyms() for commands that show symbols (dis, vcpu). */
void cli_auto_symbols(struct cli *cli);
/* Forget the symbols of the guest (the shell opened another target). */
void cli_symbols_reset_guest(struct cli *cli);
/* "name+0x10" for @addr with --symbols, else "". */
const char *cli_sym(struct cli *cli, uint64_t addr, char *buf, size_t len);

/* Handle -c/-r/-u/-m and --symbols: 0 handled, 1 not an address-space option, else an exit code. */
int cli_aspace_opt(struct cli *cli, int c, const char *arg, struct cli_aspace_opts *o);
struct xenpt_error *cli_aspace(struct cli *cli, const struct cli_aspace_opts *o,
			       struct xenpt_aspace *as);
/* "not present at L2", "mapped", ...: why a walk ended, in words. */
const char *walk_end_text(const struct xenpt_walk *w, char *buf, size_t len);
/* " (inferred from CR0.PG=1 ...; --mode overrides)" when the mode was inferred, else "". */
const char *cli_mode_note(const struct xenpt_aspace *as, char *buf, size_t len);
/* JSON keys "mode", "mode_inferred" and (when inferred) "mode_from". */
void cli_json_mode(struct jw *j, const struct xenpt_aspace *as);
/* Names of the PTE flag bits in @bits ("PSE G"), for messages. */
const char *fmt_flag_names(char *buf, size_t len, uint64_t bits, unsigned level);
const char *fmt_pte_flags(char *buf, size_t len, uint64_t entry, unsigned level, bool leaf, bool pv);

/* Commands (cmd/<name>.c). */
int cmd_audit(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_vcpu(struct cli *cli, int argc, char **argv);
int cmd_walk(struct cli *cli, int argc, char **argv);
int cmd_dump(struct cli *cli, int argc, char **argv);
int cmd_rmap(struct cli *cli, int argc, char **argv);
int cmd_read(struct cli *cli, int argc, char **argv);
int cmd_dis(struct cli *cli, int argc, char **argv);
int cmd_p2m(struct cli *cli, int argc, char **argv);
int cmd_m2p(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_complete(struct cli *cli, int argc, char **argv);
int cmd_shell(struct cli *cli, int argc, char **argv);
int cmd_batch(struct cli *cli, int argc, char **argv);

/* cmd/xenpt.c: the command called argv[0] (a unique prefix is enough), or NULL. */
const struct xenpt_cmd *cli_find_cmd(const char *name, bool *ambiguous);
/*
 * Run one command line inside the shell or a batch (argv[0] = command name,
 * no TARGET: commands use the open cli->src).  Returns the command's exit code.
 */
int cli_run_argv(struct cli *cli, int argc, char **argv);

/* cmd/shell.c: the shell's defaults for the address-space options (vCPU,
 * CR3, user/kernel), applied by cli_aspace() when a command gives none. */
void cli_shell_aspace_defaults(const struct cli *cli, struct cli_aspace_opts *o);
/* cmd/shell.c: the shell's vCPU for registers in expressions (0 outside). */
uint32_t cli_shell_vcpu(const struct cli *cli);
/* cmd/shell.c: remember an address a command was given ($_, completion). */
void cli_shell_note_addr(struct cli *cli, uint64_t addr);
/* cmd/shell.c: $_ if set. */
bool cli_shell_last_addr(const struct cli *cli, uint64_t *ret);

#endif
