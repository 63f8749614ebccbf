/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the live test programs (tests/live/live_cli.c, live_bench.c):
 * "ok/FAIL" reporting, running programs with a time limit, and a small
 * JSON reader for xenpt's --json output.  Independent of libxenpt: these
 * programs judge the xenpt binary from the outside.
 */
#ifndef XENPT_LIVE_UTIL_H
#define XENPT_LIVE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- reporting ----------------------------------------------------------- */

extern unsigned lt_passed, lt_failed, lt_skipped;
extern bool lt_verbose;

void lt_report(bool good, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lt_skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));     /* "# ..." */
void lt_measure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* "# measure: ..." */
/* "N passed, N failed[, N skipped]"; returns the exit status (1 if anything failed). */
int lt_summary(void);
double lt_now(void);

/* ---- running programs ---------------------------------------------------- */

struct lt_run {
	int status;          /* waitpid() status; -1 if it could not be started */
	bool timed_out;      /* killed with SIGKILL after the time limit */
	char *out, *err;     /* NUL-terminated (also when the output is binary) */
	size_t out_len, err_len;
	double secs;
};

enum lt_out { LT_CAPTURE = 0, LT_DEVNULL };

/* Run argv (argv[0] looked up in PATH); stdin is /dev/null. */
bool lt_run_argv(char *const argv[], double timeout, enum lt_out out, struct lt_run *r);
/* The same with a printf-formatted command line split at spaces (no quoting). */
bool lt_runf(struct lt_run *r, double timeout, enum lt_out out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* `sh -c CMD`: its stdout (malloc'd) if it exited 0, else NULL. */
char *lt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lt_run_free(struct lt_run *r);
/* "exit 2", "killed by signal 11", "timed out after 30 s" */
const char *lt_status_text(const struct lt_run *r, char *buf, size_t len);
bool lt_exited(const struct lt_run *r, int code);

/* Background process: stdout to /dev/null or a pipe (*out_fd), stderr to a pipe. */
pid_t lt_spawn(char *const argv[], bool out_pipe, int *out_fd, int *err_fd);
/*
 * Collect its stdout (@out_fd, or -1) and stderr and wait for it, killing
 * it after @timeout seconds.
 */
void lt_finish(pid_t pid, int out_fd, int err_fd, double timeout, struct lt_run *r);

/* ---- JSON ---------------------------------------------------------------- */

enum lt_jtype { LT_JNULL, LT_JBOOL, LT_JNUM, LT_JSTR, LT_JARR, LT_JOBJ };

struct lt_json {
	enum lt_jtype t;
	char *s;                 /* string value, or a number's text */
	bool b;
	size_t n;                /* items of an array or object */
	char **keys;             /* object keys */
	struct lt_json **v;
};

/* Parse a whole document (trailing whitespace allowed); NULL if malformed. */
struct lt_json *lt_json_parse(const char *text);
void lt_json_free(struct lt_json *j);
/* Member by a path of keys and indices: "levels.3.entry", "0.regs.rip". */
struct lt_json *lt_jget(struct lt_json *j, const char *path);
/* A number, or a "0x..." string, as u64; false if absent, null or not one. */
bool lt_ju64(struct lt_json *j, const char *path, uint64_t *ret);
/* A string member ("" if absent or not a string). */
const char *lt_jstr(struct lt_json *j, const char *path);
/* A boolean member (@dflt if absent). */
bool lt_jbool(struct lt_json *j, const char *path, bool dflt);
/* Remove every member named in @keys (NULL-terminated), at any depth. */
void lt_json_strip(struct lt_json *j, const char *const *keys);
/* Compact text of a document (malloc'd): members in their order, numbers as written. */
char *lt_json_text(const struct lt_json *j);

#endif
