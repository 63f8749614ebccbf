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
};

struct jw;

/* Global state of one invocation. */
struct cli {
	const char *prog;          /* "xenpt" */
	const struct xenpt_cmd *cmd;
	bool json, pretty, verbose, stats, pause;
	struct jw *jw;             /* JSON writer on stdout when json */
	struct xenpt_source *src;  /* the open TARGET, closed by the dispatcher */
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
};

struct xenpt_cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	unsigned flags;
	const char *summary;       /* one line */
	const char *usage;         /* synopsis after "xenpt NAME " */
	const struct cli_opt *opts;/* terminated by { NULL } */
	const char *description;   /* a paragraph for --help */
};

extern const struct xenpt_cmd xenpt_cmds[];
extern const size_t xenpt_ncmds;
extern const struct cli_opt cli_common_opts[];

/*
 * getopt_long over the command's options plus the common ones (--json,
 * --pretty, --help, --verbose, --stats, --pause).  Returns the command's
 * option char, -1 at the end of options, or '?' after printing a usage
 * error.  Common options are handled inside; --help sets *help.
 */
int cli_getopt(struct cli *cli, int argc, char **argv, bool *help);
/* Print the command's --help to stdout. */
void cli_print_help(const struct xenpt_cmd *cmd);
/* "xenpt CMD: usage error: ..." to stderr, plus the synopsis; returns EXIT_USAGE. */
int cli_usage_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Report a library error (stderr, and a JSON error object on stdout in JSON
 * mode), destroy it and return EXIT_USAGE.
 */
int cli_error(struct cli *cli, struct xenpt_error *err);

/* The JSON writer on stdout, created on first use (after option parsing). */
struct jw *cli_jw(struct cli *cli);
/* Open TARGET into cli->src (with --pause, logging, signal cleanup). */
struct xenpt_error *cli_open_target(struct cli *cli, const char *target);
/* A note for the user on stderr (suppressed in JSON mode unless verbose). */
void cli_note(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print frame-cache statistics to stderr when --stats or -v. */
void cli_print_stats(struct cli *cli);

/* Parsing helpers: false with a message in *why on bad input. */
bool cli_parse_u64(const char *s, uint64_t *ret);
bool cli_parse_va(const char *s, uint64_t *ret);

/* ---- output: a streaming JSON writer (style.md §2.7) -------------------- */
struct jw *jw_create(FILE *f, bool pretty);
void jw_destroy(struct jw *w);        /* finishes the line */
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
 * For commands without options of their own: parse the common options and
 * check the positional count (max_pos < 0: unlimited).  Returns 0 to go on,
 * -1 after printing --help (exit 0), or an exit code.
 */
int cli_begin(struct cli *cli, int argc, char **argv, int min_pos, int max_pos);

/* Address-space options of walk and read (cmd/walk.c). */
struct cli_aspace_opts {
	uint64_t vcpu, cr3;
	bool have_vcpu, have_cr3, user;
	enum xenpt_paging_mode mode; /* XENPT_PM_NONE = from the source */
};
/* Handle -c/-r/-u/-m: 0 handled, 1 not an address-space option, else an exit code. */
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
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_vcpu(struct cli *cli, int argc, char **argv);
int cmd_walk(struct cli *cli, int argc, char **argv);
int cmd_dump(struct cli *cli, int argc, char **argv);
int cmd_rmap(struct cli *cli, int argc, char **argv);
int cmd_read(struct cli *cli, int argc, char **argv);
int cmd_p2m(struct cli *cli, int argc, char **argv);
int cmd_m2p(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_complete(struct cli *cli, int argc, char **argv);

#endif
