/* SPDX-License-Identifier: MIT */
/*
 * xenpt shell and xenpt batch: every command on one open source.
 *
 * Both read lines of the same language: a command line as on the command
 * line minus the TARGET (run by cli_run_argv() in cmd/xenpt.c, on cli->src
 * and its frame cache, opened once), or a built-in (set, symbols, stats,
 * pause, unpause, refresh, open, quit).  The shell reads them at a readline
 * prompt (history in $XDG_STATE_HOME/xenpt/history, tab completion); batch
 * from a file or standard input, with --json as one array of
 * {"command", "status", "output"} objects (bpftool's batch mode).
 *
 * Ctrl-C: the SIGINT handler only raises a flag that the source checks
 * before every frame read (xenpt_source_set_interrupt()), so the running
 * command stops with "interrupted" at its next read and the shell goes on;
 * at the prompt it discards the line.  No longjmp out of library code.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

#include <xenpt/sym.h>

#include "cli.h"

#define SHELL_MAX_ARGS 64
#define SHELL_SEEN 64          /* addresses remembered for completion */
#define SHELL_HISTORY 1000

struct cli_shell {
	bool batch;
	bool json;                 /* set json on|off (starts as --json) */
	bool have_vcpu;            /* set vcpu N given */
	uint32_t vcpu;
	bool user;                 /* set space user */
	bool have_cr3;             /* set cr3 ADDR */
	uint64_t cr3;
	bool have_last;
	uint64_t last;             /* $_ */
	uint64_t seen[SHELL_SEEN];
	size_t nseen;
	char *target;              /* the open target, as given */
	volatile sig_atomic_t intr;
	bool quit;
	int worst;                 /* batch: worst exit status */
};

/* ---- hooks used by cmd/common.c ------------------------------------------ */

void cli_shell_aspace_defaults(const struct cli *cli, struct cli_aspace_opts *o)
{
	const struct cli_shell *sh = cli->sh;

	if (!sh)
		return;
	if (sh->have_cr3) {
		o->cr3 = sh->cr3;
		o->have_cr3 = true;
		return;
	}
	o->vcpu = sh->vcpu;
	o->have_vcpu = sh->have_vcpu;
	o->user = sh->user;
}

uint32_t cli_shell_vcpu(const struct cli *cli)
{
	return cli->sh ? cli->sh->vcpu : 0;
}

void cli_shell_note_addr(struct cli *cli, uint64_t addr)
{
	struct cli_shell *sh = cli->sh;
	size_t i;

	if (!sh)
		return;
	sh->last = addr;
	sh->have_last = true;
	for (i = 0; i < sh->nseen && i < SHELL_SEEN; i++)
		if (sh->seen[i] == addr)
			return;
	sh->seen[sh->nseen++ % SHELL_SEEN] = addr;
}

bool cli_shell_last_addr(const struct cli *cli, uint64_t *ret)
{
	if (!cli->sh || !cli->sh->have_last)
		return false;
	*ret = cli->sh->last;
	return true;
}

/* ---- lines ----------------------------------------------------------------- */

/*
 * Split @line in place into words: blanks separate, '…' and "…" quote,
 * backslash escapes one character, # starts a comment.  -1: an unclosed
 * quote; -2: too many words.
 */
static int split_words(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		char q = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return argc;
		if (argc == max)
			return -2;
		argv[argc++] = w;
		while (*r && (q || (*r != ' ' && *r != '\t' && *r != '\n' && *r != '\r'))) {
			if (q && *r == q) {
				q = 0;
				r++;
			} else if (!q && (*r == '\'' || *r == '"')) {
				q = *r++;
			} else if (*r == '\\' && r[1] && q != '\'') {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		if (q)
			return -1;
		if (*r)
			r++;
		*w++ = 0;
	}
}

static struct cli *g_cli;   /* for the signal handler and readline's callbacks */
static volatile sig_atomic_t g_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	g_sigint = 1;
	if (g_cli && g_cli->sh)
		g_cli->sh->intr = 1;
}

/*
 * SIGINT raises the flag.  At the prompt nothing is restarted, so select()
 * and reads return EINTR; while a command runs (@restart) interrupted
 * system calls are restarted, so that a Ctrl-C never fails the command's
 * writes to the terminal (EINTR there would be a write error): the
 * command stops at its next frame read instead.
 */
static void sigint_mode(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

static void shell_signals(struct cli *cli)
{
	sigint_mode(false);
	if (cli->src)
		xenpt_source_set_interrupt(cli->src, &cli->sh->intr);
}

/* (Re)open @target with the shell's pause setting; the old source is closed first. */
static int shell_open(struct cli *cli, const char *target)
{
	struct cli_shell *sh = cli->sh;
	struct xenpt_error *err;
	char *t = strdup(target);

	if (!t)
		return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
	xenpt_source_close(cli->src);
	cli->src = NULL;
	if (!sh->target || strcmp(sh->target, target))
		cli_symbols_reset_guest(cli);   /* another guest: its own kallsyms */
	else if (cli->ksyms_state < 0)
		cli->ksyms_state = 0;           /* the same one reopened: try again if it failed */
	err = cli_open_target(cli, t);
	if (err) {
		free(t);
		return cli_error(cli, err);
	}
	free(sh->target);
	sh->target = t;
	cli->target = t;
	shell_signals(cli);
	return EXIT_OK;
}

static bool need_target(struct cli *cli)
{
	if (cli->src)
		return true;
	cli_usage_error_hint(cli, "'open TARGET' opens one", "no target is open");
	return false;
}

static void print_settings(struct cli *cli)
{
	struct cli_shell *sh = cli->sh;

	printf("target  %s\n", sh->target ? sh->target : "(none)");
	printf("vcpu    %" PRIu32 "%s\n", sh->vcpu, sh->have_vcpu ? "" : " (default)");
	if (sh->have_cr3)
		printf("cr3     0x%" PRIx64 "\n", sh->cr3);
	else
		printf("cr3     (the vCPU's)\n");
	printf("space   %s\n", sh->user ? "user" : "kernel");
	printf("json    %s\n", sh->json ? "on" : "off");
	printf("pause   %s\n", cli->pause ? "on" : "off");
	if (sh->have_last)
		printf("$_      0x%" PRIx64 "\n", sh->last);
}

static int builtin_set(struct cli *cli, int argc, char **argv)
{
	struct cli_shell *sh = cli->sh;
	uint64_t v;

	if (argc == 1) {
		print_settings(cli);
		return EXIT_OK;
	}
	if (argc != 3)
		return cli_usage_error_hint(cli, "set vcpu N | set cr3 ADDR|none | set space user|kernel | set json on|off",
					    "'set' takes a name and a value");
	if (!strcmp(argv[1], "vcpu")) {
		uint32_t n = cli->src ? xenpt_source_domain(cli->src)->nr_vcpus : 0;

		if (!cli_parse_u64(argv[2], &v) || v > UINT32_MAX)
			return cli_usage_error(cli, "'%s' is not a vCPU number", argv[2]);
		if (n && v >= n)
			return cli_usage_error_hint(cli, "'vcpu' lists them", "the domain has no vCPU %" PRIu64 " (it has %" PRIu32 ")",
						    v, n);
		sh->vcpu = (uint32_t)v;
		sh->have_vcpu = true;
		sh->have_cr3 = false;
	} else if (!strcmp(argv[1], "cr3")) {
		if (!strcmp(argv[2], "none")) {
			sh->have_cr3 = false;
			return EXIT_OK;
		}
		if (cli_parse_addr(cli, argv[2], "an address", &v))
			return EXIT_USAGE;
		sh->cr3 = v;
		sh->have_cr3 = true;
	} else if (!strcmp(argv[1], "space")) {
		if (!strcmp(argv[2], "user"))
			sh->user = true;
		else if (!strcmp(argv[2], "kernel"))
			sh->user = false;
		else
			return cli_usage_error(cli, "space is 'user' or 'kernel', not '%s'", argv[2]);
	} else if (!strcmp(argv[1], "json")) {
		if (!strcmp(argv[2], "on"))
			sh->json = true;
		else if (!strcmp(argv[2], "off"))
			sh->json = false;
		else
			return cli_usage_error(cli, "json is 'on' or 'off', not '%s'", argv[2]);
	} else {
		return cli_usage_error_hint(cli, "vcpu, cr3, space or json", "nothing called '%s' to set",
					    argv[1]);
	}
	return EXIT_OK;
}

static int builtin_stats(struct cli *cli)
{
	struct xenpt_cache_stats st;

	if (!need_target(cli))
		return EXIT_USAGE;
	xenpt_source_cache_stats(cli->src, &st);
	if (cli->json) {   /* set json on, --json batch */
		struct jw *j = cli_jw(cli);

		jw_obj_begin(j);
		jw_kstr(j, "source", xenpt_source_describe(cli->src));
		jw_key(j, "frame_cache");
		jw_obj_begin(j);
		jw_ku64(j, "lookups", st.lookups);
		jw_ku64(j, "hits", st.hits);
		jw_ku64(j, "misses", st.misses);
		jw_ku64(j, "map_calls", st.map_calls);
		jw_ku64(j, "frames_mapped", st.frames_mapped);
		jw_ku64(j, "failed", st.failed);
		jw_ku64(j, "evictions", st.evictions);
		jw_ku64(j, "resident", (uint64_t)st.resident);
		jw_ku64(j, "capacity", (uint64_t)st.capacity);
		jw_obj_end(j);
		jw_obj_end(j);
		return EXIT_OK;
	}
	printf("frame cache of %s\n", xenpt_source_describe(cli->src));
	printf("  lookups        %" PRIu64 "\n", st.lookups);
	printf("  hits           %" PRIu64 "\n", st.hits);
	printf("  misses         %" PRIu64 "\n", st.misses);
	printf("  map calls      %" PRIu64 "\n", st.map_calls);
	printf("  frames mapped  %" PRIu64 "\n", st.frames_mapped);
	printf("  failed         %" PRIu64 "\n", st.failed);
	printf("  evictions      %" PRIu64 "\n", st.evictions);
	printf("  resident       %" PRIu64 " of %" PRIu64 " frames\n", (uint64_t)st.resident,
	       (uint64_t)st.capacity);
	return EXIT_OK;
}

/* pause / unpause: live domains only; the source is reopened with or without XENPT_OPEN_PAUSE. */
static int builtin_pause(struct cli *cli, bool pause)
{
	if (!need_target(cli))
		return EXIT_USAGE;
	if (!(xenpt_source_caps(cli->src) & XENPT_CAP_LIVE))
		return cli_usage_error_hint(cli, "only live domains run", "%s is not a live domain",
					    xenpt_source_describe(cli->src));
	if (cli->pause == pause)
		return EXIT_OK;
	cli->pause = pause;
	return shell_open(cli, cli->sh->target);
}

static const char *const builtins[] = {
	"set", "symbols", "stats", "pause", "unpause", "refresh", "open", "quit", "exit", NULL
};

static void print_builtins(void)
{
	printf("\nShell built-ins:\n"
	       "  set        show the settings; set vcpu N | cr3 ADDR|none | space user|kernel | json on|off\n"
	       "  symbols    load a System.map or an ELF image (vmlinux) for names; 'kallsyms': the guest's own\n"
	       "  stats      frame-cache statistics of the open source\n"
	       "  pause      pause the live domain (unpaused again on unpause or exit)\n"
	       "  unpause    let it run again\n"
	       "  refresh    drop the caches: read everything afresh\n"
	       "  open       open another TARGET\n"
	       "  quit       leave (also exit, Ctrl-D)\n"
	       "Addresses: numbers, symbols, registers (rip, rsp, cr2, ...), $_, sums, *ADDR.\n");
}

/* Run one line; returns its exit status (0 for blank lines and comments). */
static int run_line(struct cli *cli, char *line)
{
	struct cli_shell *sh = cli->sh;
	char *argv[SHELL_MAX_ARGS + 1];
	bool json = cli->json, pretty = cli->pretty, verbose = cli->verbose, stats = cli->stats;
	int argc, rc;

	argc = split_words(line, argv, SHELL_MAX_ARGS);
	cli->cmd = NULL;
	if (argc == -1)
		return cli_usage_error(cli, "unclosed quote");
	if (argc == -2)
		return cli_usage_error(cli, "more than %d words on one line", SHELL_MAX_ARGS);
	if (!argc)
		return EXIT_OK;
	argv[argc] = NULL;
	cli->json = sh->json;
	if (!sh->batch) {   /* a batch stops at a Ctrl-C (batch_stream), the shell goes on */
		sh->intr = 0;
		g_sigint = 0;
	}
	if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) {
		sh->quit = true;
		rc = EXIT_OK;
	} else if (!strcmp(argv[0], "set")) {
		rc = builtin_set(cli, argc, argv);
	} else if (!strcmp(argv[0], "symbols")) {
		struct cli_aspace_opts unused = { 0 };

		if (argc > 2)
			rc = cli_usage_error_hint(cli, "symbols FILE | symbols kallsyms | symbols none",
						  "symbols takes one FILE");
		else if (argc == 1) {   /* what is loaded */
			printf("%zu symbols%s\n", xenpt_symtab_count(cli->syms),
			       cli->syms_kallsyms ? " (with the guest's kallsyms)" :
			       cli->syms_none ? " (symbols none)" : "");
			rc = EXIT_OK;
		} else {
			/* what --symbols FILE does, for the rest of the session */
			rc = cli_aspace_opt(cli, OPT_SYMBOLS, argv[1], &unused);
			if (!rc && !sh->batch && cli->syms)
				printf("%zu symbols\n", xenpt_symtab_count(cli->syms));
		}
	} else if (!strcmp(argv[0], "stats")) {
		rc = builtin_stats(cli);
	} else if (!strcmp(argv[0], "pause") || !strcmp(argv[0], "unpause")) {
		rc = builtin_pause(cli, argv[0][0] == 'p');
	} else if (!strcmp(argv[0], "refresh")) {
		rc = need_target(cli) ? EXIT_OK : EXIT_USAGE;
		if (!rc)
			xenpt_source_cache_flush(cli->src);
	} else if (!strcmp(argv[0], "open")) {
		rc = argc == 2 ? shell_open(cli, argv[1]) : cli_usage_error(cli, "open takes one TARGET");
	} else {
		const struct xenpt_cmd *cmd;
		bool amb;

		cmd = cli_find_cmd(argv[0], &amb);
		if (cmd && (cmd->flags & CMD_TARGET) && !(cmd->flags & CMD_TARGET_OPT) && !cli->src) {
			cli->cmd = cmd;
			rc = cli_usage_error_hint(cli, "'open TARGET' opens one", "no target is open");
		} else {
			sigint_mode(true);
			rc = cli_run_argv(cli, argc, argv);
			sigint_mode(false);
			if (cmd && !strcmp(cmd->name, "help") && argc == 1 && !cli->json)
				print_builtins();
		}
	}
	if (cli->jw) {
		jw_destroy(cli->jw);
		cli->jw = NULL;
	}
	if (cli->stats && cli->src && cli->cmd)
		cli_print_stats(cli);
	free(cli->optv);
	cli->optv = NULL;
	cli->noptv = 0;
	cli->json = json;
	cli->pretty = pretty;
	cli->verbose = verbose;
	cli->stats = stats;
	fflush(stdout);
	return rc;
}

/* ---- batch ------------------------------------------------------------------ */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* One batch line with --json: its output captured and wrapped. */
static int batch_json_line(struct cli *cli, const char *text, char *line, bool *first)
{
	FILE *real = stdout, *mem;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	mem = open_memstream(&buf, &len);
	if (!mem)
		return cli_error(cli, xenpt_error_os(errno, "capturing a command's output"));
	fflush(stdout);
	stdout = mem;
	rc = run_line(cli, line);
	fflush(stdout);
	stdout = real;
	fclose(mem);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = 0;
	printf("%s{\"command\":", *first ? "" : ",\n");   /* one object per line */
	json_string(stdout, text);
	printf(",\"status\":%d,\"output\":%s}", rc, len ? buf : "null");
	*first = false;
	free(buf);
	return rc;
}

static int worse(int a, int b)
{
	return a == EXIT_USAGE || b == EXIT_USAGE ? EXIT_USAGE : a > b ? a : b;
}

static int batch_stream(struct cli *cli, FILE *in, const char *name)
{
	struct cli_shell *sh = cli->sh;
	char *line = NULL, *text;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	bool first = true;
	int rc = EXIT_OK, r;

	if (sh->json)
		putchar('[');
	while (!sh->quit && !g_sigint && (n = getline(&line, &cap, in)) != -1) {
		char *p = line;

		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		text = strdup(p);
		if (!text) {
			rc = cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
			break;
		}
		if (sh->json)
			r = batch_json_line(cli, text, p, &first);
		else
			r = run_line(cli, p);
		free(text);
		rc = worse(rc, r);
	}
	/*
	 * Ctrl-C stops the running command (its read fails with "interrupted")
	 * and the batch: a script that was interrupted is not run on.
	 */
	if (g_sigint) {
		cli->cmd = NULL;
		fflush(stdout);
		fprintf(stderr, "%s batch: interrupted at line %zu of %s; the lines after it were not run\n",
			cli->prog, lineno, name);
		rc = worse(rc, EXIT_USAGE);
	} else if (ferror(in) && !sh->quit) {
		rc = worse(rc, cli_error(cli, xenpt_error_os(errno, "reading %s", name)));
	}
	if (sh->json)
		printf("]\n");
	free(line);
	return rc;
}

int cmd_batch(struct cli *cli, int argc, char **argv)
{
	struct cli_shell sh = { .batch = true, .json = cli->json };
	const struct xenpt_cmd *self = cli->cmd;
	const char *file = argv[argc - 1];
	FILE *in = stdin;
	int rc;

	cli->sh = &sh;
	g_cli = cli;
	if (argc == 2) {
		rc = shell_open(cli, argv[0]);
		if (rc)
			goto out;
	}
	if (strcmp(file, "-")) {
		in = fopen(file, "r");
		if (!in) {
			rc = cli_error(cli, xenpt_error_os(errno, "%s", file));
			goto out;
		}
	}
	shell_signals(cli);
	rc = batch_stream(cli, in, strcmp(file, "-") ? file : "standard input");
	if (in != stdin)
		fclose(in);
out:
	cli->cmd = self;
	free(sh.target);
	cli->target = NULL;
	cli->sh = NULL;
	g_cli = NULL;
	return rc;
}

/* ---- the interactive shell ---------------------------------------------------- */

static void make_prompt(struct cli *cli, char *buf, size_t len)
{
	struct cli_shell *sh = cli->sh;
	const struct xenpt_domain_info *d;
	char state[32] = "", where[48];

	if (!cli->src) {
		snprintf(buf, len, "xenpt> ");
		return;
	}
	d = xenpt_source_domain(cli->src);
	if (xenpt_source_caps(cli->src) & XENPT_CAP_LIVE) {
		char st[24];

		snprintf(where, sizeof(where), "d%" PRIu32, d->domid);
		snprintf(state, sizeof(state), " (%s)", dom_state(d, st, sizeof(st)));
	} else {
		const char *t = sh->target, *slash = strrchr(t, '/'), *colon = strchr(t, ':');

		/* core:/path/x.core -> x.core; synth:y.synth -> y.synth */
		snprintf(where, sizeof(where), "%s", slash ? slash + 1 : colon ? colon + 1 : t);
	}
	if (sh->have_cr3)
		snprintf(buf, len, "xenpt %s%s cr3=0x%" PRIx64 "> ", where, state, sh->cr3);
	else
		snprintf(buf, len, "xenpt %s%s vcpu%" PRIu32 "%s> ", where, state, sh->vcpu,
			 sh->user ? " user" : "");
}

static char *strdupf(const char *fmt, const char *a)
{
	size_t n = (size_t)snprintf(NULL, 0, fmt, a) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, fmt, a);
	return s;
}

static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir = NULL, *path = NULL;

	if (state && *state)
		dir = strdupf("%s/xenpt", state);
	else if (home && *home)
		dir = strdupf("%s/.local/state/xenpt", home);
	if (!dir)
		return NULL;
	/* mkdir -p: the parents of an XDG directory may not exist yet */
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0700);
			*p = '/';
		}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	path = strdupf("%s/history", dir);
	free(dir);
	return path;
}

#ifdef HAVE_READLINE

/* ---- completion ---- */

static char **cand;            /* candidates of the current completion */
static size_t ncand, capcand, cand_i;

static void cand_add(const char *s)
{
	if (ncand == capcand) {
		size_t c = capcand ? capcand * 2 : 64;
		char **v = realloc(cand, c * sizeof(*v));

		if (!v)
			return;
		cand = v;
		capcand = c;
	}
	cand[ncand] = strdup(s);
	if (cand[ncand])
		ncand++;
}

static void cand_clear(void)
{
	while (ncand)
		free(cand[--ncand]);
	cand_i = 0;
}

static char *cand_next(const char *text, int state)
{
	size_t len = strlen(text);

	if (!state)
		cand_i = 0;
	while (cand_i < ncand) {
		const char *c = cand[cand_i++];

		if (!strncmp(c, text, len))
			return strdup(c);
	}
	return NULL;
}

static char **shell_complete(const char *text, int start, int end)
{
	struct cli *cli = g_cli;
	struct cli_shell *sh = cli->sh;
	char *head, *words[SHELL_MAX_ARGS + 1];
	int nw;
	size_t i;

	(void)end;
	rl_attempted_completion_over = 1;   /* no file names unless we say so */
	cand_clear();
	head = strndup(rl_line_buffer, (size_t)start);
	if (!head)
		return NULL;
	nw = split_words(head, words, SHELL_MAX_ARGS);
	if (nw == 0) {
		for (i = 0; i < xenpt_ncmds; i++)
			if (!(xenpt_cmds[i].flags & (CMD_HIDDEN | CMD_NO_SHELL)))
				cand_add(xenpt_cmds[i].name);
		for (i = 0; builtins[i]; i++)
			cand_add(builtins[i]);
	} else if (nw > 0 && !strcmp(words[0], "set")) {
		if (nw == 1) {
			cand_add("vcpu");
			cand_add("cr3");
			cand_add("space");
			cand_add("json");
		} else if (nw == 2 && !strcmp(words[1], "vcpu") && cli->src) {
			uint32_t n = xenpt_source_domain(cli->src)->nr_vcpus;
			char b[16];

			for (uint32_t v = 0; v < n && v < 4096; v++) {
				snprintf(b, sizeof(b), "%" PRIu32, v);
				cand_add(b);
			}
		} else if (nw == 2 && !strcmp(words[1], "space")) {
			cand_add("user");
			cand_add("kernel");
		} else if (nw == 2 && !strcmp(words[1], "json")) {
			cand_add("on");
			cand_add("off");
		}
	} else if (nw > 0 && (!strcmp(words[0], "symbols") || !strcmp(words[0], "open"))) {
		free(head);
		rl_attempted_completion_over = 0;   /* file names */
		return NULL;
	} else if (nw > 0 && text[0] == '-') {
		bool amb;
		const struct xenpt_cmd *c = cli_find_cmd(words[0], &amb);
		const struct cli_opt *o;
		char b[80];

		for (o = c ? c->opts : NULL; o && o->name; o++) {
			snprintf(b, sizeof(b), "--%s", o->name);
			cand_add(b);
		}
		for (o = cli_common_opts; c && o->name; o++) {
			snprintf(b, sizeof(b), "--%s", o->name);
			cand_add(b);
		}
	} else if (nw > 0) {
		static const char *const regs[] = { "rip", "rsp", "rbp", "cr2", "cr3", "$_", NULL };
		char b[24];

		if (nw >= 2 && !strcmp(words[nw - 1], "--vcpu") && cli->src) {
			for (uint32_t v = 0; v < xenpt_source_domain(cli->src)->nr_vcpus && v < 4096; v++) {
				snprintf(b, sizeof(b), "%" PRIu32, v);
				cand_add(b);
			}
		} else if (nw >= 2 && !strcmp(words[nw - 1], "--symbols")) {
			free(head);
			rl_attempted_completion_over = 0;
			return NULL;
		} else {
			for (i = 0; regs[i]; i++)
				cand_add(regs[i]);
			for (i = 0; i < sh->nseen && i < SHELL_SEEN; i++) {
				snprintf(b, sizeof(b), "0x%" PRIx64, sh->seen[i]);
				cand_add(b);
			}
			if (cli->syms && *text) {
				struct xenpt_sym s;
				size_t pos = 0, k = 0;

				while (k++ < 10000 && xenpt_symtab_prefix(cli->syms, text, &pos, &s))
					cand_add(s.name);
			}
		}
	}
	free(head);
	return rl_completion_matches(text, cand_next);
}

/* ---- the read loop (readline's callback interface, so that SIGINT can end a line) ---- */

static char *rl_pending;
static bool rl_eof, rl_got_line;

static void on_rl_line(char *line)
{
	rl_got_line = true;
	if (!line)
		rl_eof = true;
	rl_pending = line;
	rl_callback_handler_remove();
}

static int shell_loop_readline(struct cli *cli, const char *hist)
{
	char prompt[160];

	rl_readline_name = "xenpt";
	rl_catch_signals = 0;      /* our handler; readline's would re-raise SIGINT */
	rl_catch_sigwinch = 1;
	rl_attempted_completion_function = shell_complete;
	rl_basic_word_break_characters = " \t\n\"'+*()";
	if (hist && read_history(hist))
		write_history(hist);   /* creates it: append_history() only appends */
	while (!cli->sh->quit) {
		make_prompt(cli, prompt, sizeof(prompt));
		rl_got_line = rl_eof = false;
		rl_pending = NULL;
		rl_callback_handler_install(prompt, on_rl_line);
		while (!rl_got_line) {
			fd_set fds;
			int fd = fileno(rl_instream ? rl_instream : stdin);

			FD_ZERO(&fds);
			FD_SET(fd, &fds);
			if (select(fd + 1, &fds, NULL, NULL, NULL) < 0) {
				if (errno != EINTR)
					break;
				if (g_sigint) {   /* Ctrl-C at the prompt: drop the line */
					FILE *o = rl_outstream ? rl_outstream : stdout;

					g_sigint = 0;
					fputs("^C", o);   /* at the end of the line, before readline moves the cursor */
					fflush(o);
					rl_free_line_state();
					rl_callback_sigcleanup();
					rl_cleanup_after_signal();
					fputs("\n", o);
					rl_replace_line("", 0);
					rl_reset_after_signal();
					rl_callback_handler_remove();
					rl_callback_handler_install(prompt, on_rl_line);
				}
				continue;
			}
			rl_callback_read_char();
		}
		if (!rl_got_line || rl_eof) {
			putchar('\n');
			break;
		}
		if (*rl_pending) {
			add_history(rl_pending);
			if (hist)
				append_history(1, hist);
		}
		run_line(cli, rl_pending);
		if (cli->sh->intr)
			fprintf(stderr, "xenpt: interrupted\n");
		free(rl_pending);
		rl_pending = NULL;
	}
	cand_clear();
	free(cand);
	cand = NULL;
	capcand = 0;
	if (hist)
		history_truncate_file(hist, SHELL_HISTORY);
	return EXIT_OK;
}
#endif

/* Without readline, or when standard input is not a terminal: plain lines. */
static int shell_loop_plain(struct cli *cli)
{
	char *line = NULL, prompt[160];
	size_t cap = 0;
	bool tty = isatty(STDIN_FILENO);

	while (!cli->sh->quit) {
		ssize_t n;

		if (tty) {
			make_prompt(cli, prompt, sizeof(prompt));
			fputs(prompt, stdout);
			fflush(stdout);
		}
		g_sigint = 0;
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			if (errno == EINTR && g_sigint) {
				clearerr(stdin);
				putchar('\n');
				continue;
			}
			break;
		}
		run_line(cli, line);
	}
	if (tty)
		putchar('\n');
	free(line);
	return EXIT_OK;
}

int cmd_shell(struct cli *cli, int argc, char **argv)
{
	struct cli_shell sh = { .json = cli->json };
	const struct xenpt_cmd *self = cli->cmd;
	char *hist;
	int rc;

	(void)argc;
	(void)argv;
	sh.target = strdup(cli->target);
	if (!sh.target)
		return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
	cli->sh = &sh;
	g_cli = cli;
	shell_signals(cli);
	hist = history_path();
#ifdef HAVE_READLINE
	if (isatty(STDIN_FILENO))
		rc = shell_loop_readline(cli, hist);
	else
		rc = shell_loop_plain(cli);
#else
	rc = shell_loop_plain(cli);
#endif
	free(hist);
	cli->cmd = self;
	cli->target = NULL;
	cli->sh = NULL;
	g_cli = NULL;
	free(sh.target);
	return rc;
}
