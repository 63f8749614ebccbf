/* SPDX-License-Identifier: MIT */
/* Helpers of the live test programs; see util.h. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

unsigned lt_passed, lt_failed, lt_skipped;
bool lt_verbose;

/* ---- reporting ----------------------------------------------------------- */

void lt_report(bool good, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s - %s", good ? "ok" : "FAIL", name);
	if (fmt && *fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	if (good)
		lt_passed++;
	else
		lt_failed++;
}

void lt_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("skip - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	lt_skipped++;
}

void lt_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void lt_measure(const char *fmt, ...)
{
	va_list ap;

	printf("# measure: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int lt_summary(void)
{
	printf("%u passed, %u failed, %u skipped\n", lt_passed, lt_failed, lt_skipped);
	fflush(stdout);
	return lt_failed ? 1 : 0;
}

double lt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- running programs ---------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static bool buf_read(struct buf *b, int fd)
{
	ssize_t got;

	if (b->len + 65536 + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 131072;
		char *n;

		while (cap < b->len + 65536 + 1)
			cap *= 2;
		n = realloc(b->p, cap);
		if (!n)
			return false;
		b->p = n;
		b->cap = cap;
	}
	got = read(fd, b->p + b->len, b->cap - b->len - 1);
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (got <= 0)
		return false;
	b->len += (size_t)got;
	return true;
}

static char *buf_take(struct buf *b, size_t *len)
{
	if (!b->p) {
		b->p = malloc(1);
		if (!b->p)
			abort();
	}
	b->p[b->len] = '\0';
	*len = b->len;
	return b->p;
}

pid_t lt_spawn(char *const argv[], bool out_pipe, int *out_fd, int *err_fd)
{
	int po[2] = { -1, -1 }, pe[2];
	pid_t pid;

	if (pipe(pe) < 0)
		return -1;
	if (out_pipe && pipe(po) < 0) {
		close(pe[0]);
		close(pe[1]);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(out_pipe ? po[1] : null, 1);
		dup2(pe[1], 2);
		close(pe[0]);
		close(pe[1]);
		if (out_pipe) {
			close(po[0]);
			close(po[1]);
		}
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pe[1]);
	*err_fd = pe[0];
	if (out_pipe) {
		close(po[1]);
		*out_fd = po[0];
	}
	return pid;
}

/* Where a process hangs (kernel wait channel, system call), for the report. */
static void note_hang(pid_t pid, struct buf *b)
{
	static const char *const what[] = { "wchan", "syscall" };
	char path[64], line[256];
	unsigned k;

	for (k = 0; k < 2; k++) {
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what[k]);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(line, 1, sizeof(line) - 1, f);
		fclose(f);
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (b->len + sizeof(line) + 64 > b->cap) {
			char *p = realloc(b->p, b->len + sizeof(line) + 65536);

			if (!p)
				return;
			b->p = p;
			b->cap = b->len + sizeof(line) + 65536;
		}
		b->len += (size_t)snprintf(b->p + b->len, b->cap - b->len, "[hung: pid %d %s: %s]\n",
					   (int)pid, what[k], line);
	}
}

/* Read the pipes until both close, or the deadline passes (then SIGKILL). */
static void collect(pid_t pid, int out_fd, int err_fd, double timeout, struct lt_run *r)
{
	struct buf bo = { 0 }, be = { 0 };
	double t0 = lt_now(), deadline = t0 + timeout;
	bool killed = false;

	while (out_fd >= 0 || err_fd >= 0) {
		struct pollfd pf[2];
		int n = 0, ms, k;
		double left = deadline - lt_now();

		if (left <= 0 && !killed) {
			note_hang(pid, &be);
			kill(pid, SIGKILL);
			killed = true;
			r->timed_out = true;
		}
		ms = killed ? 1000 : (int)(left * 1000) + 1;
		if (out_fd >= 0) {
			pf[n].fd = out_fd;
			pf[n++].events = POLLIN;
		}
		if (err_fd >= 0) {
			pf[n].fd = err_fd;
			pf[n++].events = POLLIN;
		}
		k = poll(pf, (nfds_t)n, ms);
		if (k < 0 && errno != EINTR)
			break;
		if (k <= 0) {
			if (killed)
				break;   /* a grandchild holds the pipe: give up on it */
			continue;
		}
		for (k = 0; k < n; k++) {
			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pf[k].fd == out_fd && !buf_read(&bo, out_fd)) {
				close(out_fd);
				out_fd = -1;
			} else if (pf[k].fd == err_fd && !buf_read(&be, err_fd)) {
				close(err_fd);
				err_fd = -1;
			}
		}
	}
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	/* The pipes closed; the process may still be exiting. */
	for (;;) {
		pid_t w = waitpid(pid, &r->status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0) {
			r->status = -1;
			break;
		}
		if (lt_now() > deadline && !killed) {
			kill(pid, SIGKILL);
			killed = true;
			r->timed_out = true;
		}
		usleep(10000);
	}
	r->out = buf_take(&bo, &r->out_len);
	r->err = buf_take(&be, &r->err_len);
	r->secs = lt_now() - t0;
}

bool lt_run_argv(char *const argv[], double timeout, enum lt_out out, struct lt_run *r)
{
	int out_fd = -1, err_fd = -1;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	pid = lt_spawn(argv, out == LT_CAPTURE, &out_fd, &err_fd);
	if (pid < 0) {
		r->status = -1;
		r->out = calloc(1, 1);
		r->err = strdup("fork failed");
		return false;
	}
	collect(pid, out_fd, err_fd, timeout, r);
	if (lt_verbose)
		printf("# ran %s ... (%.2f s, status 0x%x)\n", argv[0], r->secs, r->status);
	return r->status != -1;
}

void lt_finish(pid_t pid, int out_fd, int err_fd, double timeout, struct lt_run *r)
{
	memset(r, 0, sizeof(*r));
	collect(pid, out_fd, err_fd, timeout, r);
}

#define MAX_ARGS 64

bool lt_runf(struct lt_run *r, double timeout, enum lt_out out, const char *fmt, ...)
{
	char line[2048], *argv[MAX_ARGS], *save = NULL, *tok;
	unsigned n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (lt_verbose)
		printf("# run: %s\n", line);
	for (tok = strtok_r(line, " ", &save); tok && n + 1 < MAX_ARGS; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return lt_run_argv(argv, timeout, out, r);
}

char *lt_sh(const char *fmt, ...)
{
	char cmd[2048];
	char *argv[] = { "sh", "-c", cmd, NULL };
	struct lt_run r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	lt_run_argv(argv, 600, LT_CAPTURE, &r);
	if (!lt_exited(&r, 0)) {
		if (lt_verbose)
			printf("# sh failed (status 0x%x): %s\n#   %s\n", r.status, cmd, r.err);
		lt_run_free(&r);
		return NULL;
	}
	free(r.err);
	return r.out;
}

void lt_run_free(struct lt_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

bool lt_exited(const struct lt_run *r, int code)
{
	return r->status != -1 && !r->timed_out && WIFEXITED(r->status) &&
	       WEXITSTATUS(r->status) == code;
}

const char *lt_status_text(const struct lt_run *r, char *buf, size_t len)
{
	if (r->status == -1)
		snprintf(buf, len, "could not run");
	else if (r->timed_out)
		snprintf(buf, len, "timed out after %.0f s", r->secs);
	else if (WIFEXITED(r->status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(r->status),
			 strsignal(WTERMSIG(r->status)));
	else
		snprintf(buf, len, "status 0x%x", r->status);
	return buf;
}

/* ---- JSON ---------------------------------------------------------------- */

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static struct lt_json *jnew(enum lt_jtype t)
{
	struct lt_json *j = calloc(1, sizeof(*j));

	if (j)
		j->t = t;
	return j;
}

static char *parse_string(const char **p)
{
	size_t cap = 32, n = 0;
	char *s = malloc(cap);

	if (!s || **p != '"') {
		free(s);
		return NULL;
	}
	(*p)++;
	while (**p && **p != '"') {
		char c = *(*p)++;

		if (c == '\\') {
			c = *(*p)++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0, k;

				for (k = 0; k < 4; k++) {
					char h = *(*p)++;

					if (!isxdigit((unsigned char)h)) {
						free(s);
						return NULL;
					}
					v = v * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0'
								: (tolower((unsigned char)h) - 'a' + 10));
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			case '"': case '\\': case '/':
				break;
			default:
				free(s);
				return NULL;
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		s[n++] = c;
	}
	if (**p != '"') {
		free(s);
		return NULL;
	}
	(*p)++;
	s[n] = '\0';
	return s;
}

static bool jpush(struct lt_json *j, char *key, struct lt_json *v)
{
	struct lt_json **nv = realloc(j->v, (j->n + 1) * sizeof(*nv));
	char **nk;

	if (!nv)
		return false;
	j->v = nv;
	if (j->t == LT_JOBJ) {
		nk = realloc(j->keys, (j->n + 1) * sizeof(*nk));
		if (!nk)
			return false;
		j->keys = nk;
		j->keys[j->n] = key;
	}
	j->v[j->n++] = v;
	return true;
}

static struct lt_json *parse_value(const char **p, int depth)
{
	struct lt_json *j = NULL;

	if (depth > 64)
		return NULL;
	skip_ws(p);
	switch (**p) {
	case '{':
	case '[': {
		bool obj = **p == '{';
		char close = obj ? '}' : ']';

		j = jnew(obj ? LT_JOBJ : LT_JARR);
		if (!j)
			return NULL;
		(*p)++;
		skip_ws(p);
		if (**p == close) {
			(*p)++;
			return j;
		}
		for (;;) {
			char *key = NULL;
			struct lt_json *v;

			skip_ws(p);
			if (obj) {
				key = parse_string(p);
				skip_ws(p);
				if (!key || **p != ':') {
					free(key);
					goto bad;
				}
				(*p)++;
			}
			v = parse_value(p, depth + 1);
			if (!v || !jpush(j, key, v)) {
				free(key);
				lt_json_free(v);
				goto bad;
			}
			skip_ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			if (**p == close) {
				(*p)++;
				return j;
			}
			goto bad;
		}
	}
	case '"':
		j = jnew(LT_JSTR);
		if (!j || !(j->s = parse_string(p)))
			goto bad;
		return j;
	case 't':
	case 'f':
	case 'n': {
		static const struct { const char *w; enum lt_jtype t; bool b; } lit[] = {
			{ "true", LT_JBOOL, true }, { "false", LT_JBOOL, false }, { "null", LT_JNULL, false },
		};
		unsigned k;

		for (k = 0; k < 3; k++)
			if (!strncmp(*p, lit[k].w, strlen(lit[k].w))) {
				*p += strlen(lit[k].w);
				j = jnew(lit[k].t);
				if (j)
					j->b = lit[k].b;
				return j;
			}
		return NULL;
	}
	default: {
		const char *s = *p;

		while (**p == '-' || **p == '+' || **p == '.' || **p == 'e' || **p == 'E' ||
		       isdigit((unsigned char)**p))
			(*p)++;
		if (*p == s)
			return NULL;
		j = jnew(LT_JNUM);
		if (!j || !(j->s = strndup(s, (size_t)(*p - s))))
			goto bad;
		return j;
	}
	}
bad:
	lt_json_free(j);
	return NULL;
}

struct lt_json *lt_json_parse(const char *text)
{
	const char *p = text;
	struct lt_json *j;

	if (!text)
		return NULL;
	j = parse_value(&p, 0);
	if (!j)
		return NULL;
	skip_ws(&p);
	if (*p) {
		lt_json_free(j);
		return NULL;
	}
	return j;
}

void lt_json_free(struct lt_json *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->n; i++) {
		lt_json_free(j->v[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->v);
	free(j->keys);
	free(j->s);
	free(j);
}

struct lt_json *lt_jget(struct lt_json *j, const char *path)
{
	char part[128];
	const char *p = path;

	while (j && p && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p), i;
		struct lt_json *next = NULL;

		if (len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		p = dot ? dot + 1 : NULL;
		if (j->t == LT_JOBJ) {
			for (i = 0; i < j->n; i++)
				if (!strcmp(j->keys[i], part))
					next = j->v[i];
		} else if (j->t == LT_JARR) {
			char *end;
			unsigned long k = strtoul(part, &end, 10);

			if (*end == '\0' && end != part && k < j->n)
				next = j->v[k];
		}
		j = next;
	}
	return j;
}

bool lt_ju64(struct lt_json *j, const char *path, uint64_t *ret)
{
	char *end;

	j = lt_jget(j, path);
	if (!j || !j->s)
		return false;
	errno = 0;
	if (j->t == LT_JSTR && (j->s[0] == '0' && (j->s[1] == 'x' || j->s[1] == 'X')))
		*ret = strtoull(j->s + 2, &end, 16);
	else if (j->t == LT_JNUM && j->s[0] != '-')
		*ret = strtoull(j->s, &end, 10);
	else
		return false;
	return !errno && *end == '\0';
}

const char *lt_jstr(struct lt_json *j, const char *path)
{
	j = lt_jget(j, path);
	return j && j->t == LT_JSTR ? j->s : "";
}

bool lt_jbool(struct lt_json *j, const char *path, bool dflt)
{
	j = lt_jget(j, path);
	return j && j->t == LT_JBOOL ? j->b : dflt;
}

void lt_json_strip(struct lt_json *j, const char *const *keys)
{
	size_t i, o = 0;

	if (!j)
		return;
	for (i = 0; i < j->n; i++) {
		const char *const *k;
		bool drop = false;

		for (k = keys; j->t == LT_JOBJ && *k; k++)
			drop |= !strcmp(j->keys[i], *k);
		if (drop) {
			lt_json_free(j->v[i]);
			free(j->keys[i]);
			continue;
		}
		lt_json_strip(j->v[i], keys);
		j->v[o] = j->v[i];
		if (j->keys)
			j->keys[o] = j->keys[i];
		o++;
	}
	j->n = o;
}

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	put(b, "\"", 1);
	for (; *s; s++) {
		char esc[8];

		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			put(b, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*s);
			put(b, esc, 6);
		} else {
			put(b, s, 1);
		}
	}
	put(b, "\"", 1);
}

static void text(struct buf *b, const struct lt_json *j)
{
	size_t i;

	switch (j->t) {
	case LT_JNULL: put(b, "null", 4); break;
	case LT_JBOOL: put(b, j->b ? "true" : "false", j->b ? 4 : 5); break;
	case LT_JNUM: put(b, j->s, strlen(j->s)); break;
	case LT_JSTR: put_str(b, j->s); break;
	case LT_JARR:
	case LT_JOBJ:
		put(b, j->t == LT_JARR ? "[" : "{", 1);
		for (i = 0; i < j->n; i++) {
			if (i)
				put(b, ",", 1);
			if (j->t == LT_JOBJ) {
				put_str(b, j->keys[i]);
				put(b, ":", 1);
			}
			text(b, j->v[i]);
		}
		put(b, j->t == LT_JARR ? "]" : "}", 1);
		break;
	}
}

char *lt_json_text(const struct lt_json *j)
{
	struct buf b = { 0 };
	size_t len;

	if (j)
		text(&b, j);
	return buf_take(&b, &len);
}
