/* SPDX-License-Identifier: MIT */
/*
 * Replay of the differential corpus (tests/corpus/README.md) on the PV MMU
 * model (lib/xen/pvmm.c).  The truth is what real Xen answered, recorded in
 * the tests/corpus/ *.rec files: for every sequence the replay builds the recorded
 * starting world on a fresh model, runs each op, and compares every op's
 * rc (or #PF error code), the base pointers, every recorded frame type and
 * pin, and every recorded entry.  One line per disagreement; a summary per
 * file.
 *
 * The replayer reads only the .rec file: the world from its `world` lines,
 * the fresh frames from `NAME sym`, and each op's source text from the
 * comment that ends its `NAME op` line.  tests/corpus/selftest.rec and
 * selftest.wrong.rec are HAND-WRITTEN (not real-Xen data) to test the
 * replayer itself; the recorded files are every other *.rec, and there must
 * be at least one.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xen/pvmm.h"

#include "harness.h"

#define DOM        1u
#define MAX_SYMS   64
#define MAX_OPS    64
#define MAX_ENTS   1024
#define NAME_LEN   64

struct sym {
	char name[NAME_LEN];
	uint64_t mfn, pfn;
	bool anchor;
	char type[8];
	int pinned;
};

struct ent {
	char sym[NAME_LEN];
	unsigned idx;
	uint64_t val;
	bool xen;            /* an xent line: one of Xen's L4 slots */
};

struct op {
	bool pf;
	int64_t rc;          /* rc, or the #PF error code */
	char text[160];
};

struct frame_rec {
	char sym[NAME_LEN];
	char type[8];
	int pinned;
};

struct seq {
	char name[NAME_LEN];
	struct sym syms[MAX_SYMS];
	unsigned nr_syms;
	struct op ops[MAX_OPS];
	unsigned nr_ops, declared_ops;
	char cr3[NAME_LEN], user_cr3[NAME_LEN];
	struct frame_rec frames[MAX_SYMS];
	unsigned nr_frames;
	struct ent *ents;
	unsigned nr_ents;
	bool failed, ended;
	struct seq *next;
};

struct rec {
	struct sym anchors[16];
	unsigned nr_anchors;
	struct ent ents[MAX_ENTS];       /* world ent + xent */
	unsigned nr_ents;
	char cr3[NAME_LEN], user_cr3[NAME_LEN];
	unsigned declared_seqs;
	bool have_declared;
	bool writable_pagetables;        /* world vm_assist writable_pagetables=1 */
	struct seq *seqs, *last;
	unsigned nr_seqs;
	char err[256];
};

struct result {
	unsigned seq_pass, seq_fail, op_agree, op_disagree, checks, disagreements;
};

/* ---- parsing -------------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

/* "key=value": the value if @tok starts with @key=. */
static const char *kv(const char *tok, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(tok, key, n) && tok[n] == '=' ? tok + n + 1 : NULL;
}

static void copy(char *dst, const char *src, size_t n)
{
	snprintf(dst, n, "%s", src);
}

static struct seq *seq_get(struct rec *r, const char *name)
{
	struct seq *s;

	if (r->last && !strcmp(r->last->name, name))
		return r->last;
	for (s = r->seqs; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	copy(s->name, name, sizeof(s->name));
	s->ents = calloc(MAX_ENTS, sizeof(*s->ents));
	if (!s->ents) {
		free(s);
		return NULL;
	}
	if (r->last)
		r->last->next = s;
	else
		r->seqs = s;
	r->last = s;
	r->nr_seqs++;
	return s;
}

static void rec_free(struct rec *r)
{
	struct seq *s, *n;

	if (!r)
		return;
	for (s = r->seqs; s; s = n) {
		n = s->next;
		free(s->ents);
		free(s);
	}
	free(r);
}

static int fail_parse(struct rec *r, unsigned line, const char *what)
{
	snprintf(r->err, sizeof(r->err), "line %u: %s", line, what);
	return -1;
}

static int parse_line(struct rec *r, char *line, unsigned ln)
{
	char *comment = strchr(line, '#'), *tok[12], *save = NULL;
	unsigned n = 0;

	if (comment) {
		*comment++ = 0;
		while (*comment == ' ')
			comment++;
		comment[strcspn(comment, "\n")] = 0;
	}
	for (char *t = strtok_r(line, " \t\n", &save); t && n < 12; t = strtok_r(NULL, " \t\n", &save))
		tok[n++] = t;
	if (!n)
		return 0;
	if (!strcmp(tok[0], "world")) {
		if (n >= 3 && !strcmp(tok[1], "anchor")) {
			struct sym *a;

			if (r->nr_anchors == 16)
				return fail_parse(r, ln, "too many anchors");
			a = &r->anchors[r->nr_anchors++];
			copy(a->name, tok[2], sizeof(a->name));
			a->anchor = true;
			for (unsigned i = 3; i < n; i++) {
				const char *v;

				if ((v = kv(tok[i], "mfn")) && !parse_u64(v, &a->mfn))
					return fail_parse(r, ln, "bad mfn");
				if ((v = kv(tok[i], "pfn")))
					parse_u64(v, &a->pfn);
				if ((v = kv(tok[i], "type")))
					copy(a->type, v, sizeof(a->type));
				if ((v = kv(tok[i], "pinned")))
					a->pinned = atoi(v);
			}
		} else if (n == 5 && (!strcmp(tok[1], "ent") || !strcmp(tok[1], "xent"))) {
			struct ent *e;
			uint64_t idx;

			if (r->nr_ents == MAX_ENTS)
				return fail_parse(r, ln, "too many world entries");
			e = &r->ents[r->nr_ents++];
			copy(e->sym, tok[2], sizeof(e->sym));
			e->xen = tok[1][0] == 'x';
			if (!parse_u64(tok[3], &idx) || idx >= 512 || !parse_u64(tok[4], &e->val))
				return fail_parse(r, ln, "bad world entry");
			e->idx = (unsigned)idx;
		} else if (n == 3 && !strcmp(tok[1], "cr3")) {
			copy(r->cr3, tok[2], sizeof(r->cr3));
		} else if (n == 3 && !strcmp(tok[1], "user_cr3")) {
			copy(r->user_cr3, tok[2], sizeof(r->user_cr3));
		} else if (n >= 3 && !strcmp(tok[1], "vm_assist")) {
			for (unsigned i = 2; i < n; i++) {
				const char *v = kv(tok[i], "writable_pagetables");

				if (v)
					r->writable_pagetables = atoi(v) == 1;
			}
		} else if (n >= 3 && !strcmp(tok[1], "sequences")) {
			r->declared_seqs = (unsigned)strtoul(tok[2], NULL, 0);
			r->have_declared = true;
		}
		return 0;  /* other world lines: informational */
	}
	if (n < 2)
		return fail_parse(r, ln, "a line with a name and nothing else");
	{
		struct seq *s = seq_get(r, tok[0]);
		const char *v;

		if (!s)
			return fail_parse(r, ln, "out of memory");
		if (!strcmp(tok[1], "seq")) {
			for (unsigned i = 2; i < n; i++)
				if ((v = kv(tok[i], "ops")))
					s->declared_ops = (unsigned)strtoul(v, NULL, 0);
		} else if (!strcmp(tok[1], "sym") && n >= 4) {
			struct sym *y;

			if (s->nr_syms == MAX_SYMS)
				return fail_parse(r, ln, "too many symbols");
			y = &s->syms[s->nr_syms++];
			copy(y->name, tok[2], sizeof(y->name));
			for (unsigned i = 3; i < n; i++) {
				if ((v = kv(tok[i], "mfn")) && !parse_u64(v, &y->mfn))
					return fail_parse(r, ln, "bad sym mfn");
				if ((v = kv(tok[i], "pfn")))
					parse_u64(v, &y->pfn);
			}
		} else if (!strcmp(tok[1], "op") && n >= 4) {
			uint64_t idx, x;
			struct op *o;

			if (!parse_u64(tok[2], &idx) || idx >= MAX_OPS)
				return fail_parse(r, ln, "bad op index");
			o = &s->ops[idx];
			if (idx + 1 > s->nr_ops)
				s->nr_ops = (unsigned)idx + 1;
			if ((v = kv(tok[3], "rc"))) {
				o->rc = strtoll(v, NULL, 0);
			} else if ((v = kv(tok[3], "pf")) && parse_u64(v, &x)) {
				o->pf = true;
				o->rc = (int64_t)x;
			} else {
				return fail_parse(r, ln, "op without rc= or pf=");
			}
			if (!comment)
				return fail_parse(r, ln, "op line without its source text comment");
			copy(o->text, comment, sizeof(o->text));
		} else if (!strcmp(tok[1], "cr3") && n == 3) {
			copy(s->cr3, tok[2], sizeof(s->cr3));
		} else if (!strcmp(tok[1], "user_cr3") && n == 3) {
			copy(s->user_cr3, tok[2], sizeof(s->user_cr3));
		} else if (!strcmp(tok[1], "frame") && n >= 5) {
			struct frame_rec *f;

			if (s->nr_frames == MAX_SYMS)
				return fail_parse(r, ln, "too many frames");
			f = &s->frames[s->nr_frames++];
			copy(f->sym, tok[2], sizeof(f->sym));
			for (unsigned i = 3; i < n; i++) {
				if ((v = kv(tok[i], "type")))
					copy(f->type, v, sizeof(f->type));
				if ((v = kv(tok[i], "pinned")))
					f->pinned = atoi(v);
			}
		} else if ((!strcmp(tok[1], "ent") || !strcmp(tok[1], "xent")) && n == 5) {
			struct ent *e;
			uint64_t idx;

			if (s->nr_ents == MAX_ENTS)
				return fail_parse(r, ln, "too many entries");
			e = &s->ents[s->nr_ents++];
			copy(e->sym, tok[2], sizeof(e->sym));
			if (!parse_u64(tok[3], &idx) || idx >= 512 || !parse_u64(tok[4], &e->val))
				return fail_parse(r, ln, "bad entry");
			e->idx = (unsigned)idx;
		} else if (!strcmp(tok[1], "end")) {
			s->ended = true;
		} else if (!strcmp(tok[1], "failed")) {
			s->failed = true;
		}
		/* other lines (drift, ...): informational */
	}
	return 0;
}

static struct rec *rec_read(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct rec *r;
	char line[512];
	unsigned ln = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (fgets(line, sizeof(line), f))
		if (parse_line(r, line, ++ln)) {
			snprintf(err, errlen, "%s: %s", path, r->err);
			fclose(f);
			rec_free(r);
			return NULL;
		}
	fclose(f);
	return r;
}

/* ---- replay ---------------------------------------------------------------- */

struct ctx {
	const char *file;
	const struct rec *r;
	const struct seq *s;
	struct pvmm *m;
	unsigned disagreements;
};

/* The rule the model breaks while replaying (corpus_covers_every_rule). */
static enum pvmm_bug replay_bug;

static void __attribute__((format(printf, 2, 3))) disagree(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (replay_bug) {   /* expected: count, do not print */
		c->disagreements++;
		return;
	}
	printf("# corpus %s: %s: ", c->file, c->s ? c->s->name : "world");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	c->disagreements++;
}

static const struct sym *sym_find(const struct ctx *c, const char *name)
{
	if (c->s)
		for (unsigned i = 0; i < c->s->nr_syms; i++)
			if (!strcmp(c->s->syms[i].name, name))
				return &c->s->syms[i];
	for (unsigned i = 0; i < c->r->nr_anchors; i++)
		if (!strcmp(c->r->anchors[i].name, name))
			return &c->r->anchors[i];
	return NULL;
}

/* A recorded base pointer: a symbol, "mfn=0x..", or "0". */
static bool root_value(const struct ctx *c, const char *t, uint64_t *mfn)
{
	const struct sym *y;
	const char *v;

	if ((v = kv(t, "mfn")))
		return parse_u64(v, mfn);
	if (parse_u64(t, mfn))
		return true;
	y = sym_find(c, t);
	if (!y)
		return false;
	*mfn = y->mfn;
	return true;
}

/* Build the recorded world: anchors with their entries, every frame an
 * anchor names (as an empty frame of the guest), then the pins and the
 * vCPU's base pointers, as the domain builder leaves them. */
static int build_world(struct ctx *c)
{
	const struct rec *r = c->r;
	uint64_t xen_slots[16] = { 0 }, root = 0, user = 0;
	bool have_slots = false;
	int rc;

	if (pvmm_add_domain(c->m, DOM, 1, false) ||
	    pvmm_set_writable_pagetables(c->m, DOM, r->writable_pagetables))
		return -1;
	for (unsigned i = 0; i < r->nr_anchors; i++)
		if (pvmm_add_frame(c->m, r->anchors[i].mfn, DOM) ||
		    pvmm_set_m2p(c->m, r->anchors[i].mfn, r->anchors[i].pfn))
			return -1;
	for (unsigned i = 0; i < r->nr_ents; i++) {
		const struct ent *e = &r->ents[i];
		const struct sym *a = sym_find(c, e->sym);

		if (!a) {
			disagree(c, "entry of unknown anchor %s", e->sym);
			return -1;
		}
		if (pvmm_set_entry_raw(c->m, a->mfn, e->idx, e->val))
			return -1;
		if (e->xen && !strcmp(e->sym, r->cr3)) {
			xen_slots[e->idx - 256] = e->val;
			have_slots = true;
		}
	}
	/* frames named by guest entries of anchors: the guest's, contents unknown */
	for (unsigned i = 0; i < r->nr_ents; i++) {
		const struct ent *e = &r->ents[i];
		uint64_t mfn = (e->val & 0x000ffffffffff000ull) >> 12;
		struct pvmm_frame_info info;

		if (!(e->val & 1) || e->xen)
			continue;
		if (!pvmm_frame(c->m, mfn, &info) && pvmm_add_frame(c->m, mfn, DOM))
			return -1;
	}
	if (have_slots && pvmm_set_xen_l4_slots(c->m, DOM, xen_slots))
		return -1;
	/* the builder pins the L4 (xc_dom_boot / arch_setup_bootlate), then
	 * the vCPU gets its base pointers (arch_set_info_guest) */
	for (unsigned i = 0; i < r->nr_anchors; i++) {
		const struct sym *a = &r->anchors[i];
		struct pvmm_mmuext_op op = { .arg1 = a->mfn };

		if (!a->pinned || strlen(a->type) != 2 || a->type[0] != 'l')
			continue;
		op.cmd = PVMM_MMUEXT_PIN_L1_TABLE + (unsigned)(a->type[1] - '1');
		if ((rc = pvmm_mmuext_op(c->m, DOM, 0, &op, PVMM_DOMID_SELF))) {
			disagree(c, "pinning anchor %s as %s: rc %d (%s)", a->name, a->type, rc,
				 pvmm_reason(c->m));
			return -1;
		}
	}
	if (!root_value(c, r->cr3, &root) || (r->user_cr3[0] && !root_value(c, r->user_cr3, &user))) {
		disagree(c, "unknown base pointer %s / %s", r->cr3, r->user_cr3);
		return -1;
	}
	if ((rc = pvmm_vcpu_set_roots(c->m, DOM, 0, root, user))) {
		disagree(c, "base pointers: rc %d (%s)", rc, pvmm_reason(c->m));
		return -1;
	}
	return 0;
}

/* Compare the anchors' derived types with the header (once per file). */
static void check_world(struct ctx *c)
{
	for (unsigned i = 0; i < c->r->nr_anchors; i++) {
		const struct sym *a = &c->r->anchors[i];
		struct pvmm_frame_info info;

		if (!pvmm_frame(c->m, a->mfn, &info))
			continue;
		if (strcmp(pvmm_pfinfo_type(&info, DOM), a->type) || info.pinned != (a->pinned == 1))
			disagree(c, "anchor %s: model %s pinned=%d, Xen %s pinned=%d", a->name,
				 pvmm_pfinfo_type(&info, DOM), info.pinned, a->type, a->pinned);
	}
}

static bool parse_num(const char *t, uint64_t *v)
{
	return parse_u64(t, v);
}

/* V: 0, a number, S, S|0xF, A[i], A[i]|0xF */
static bool value(struct ctx *c, const char *t, uint64_t *v)
{
	char name[NAME_LEN];
	const char *bar = strchr(t, '|'), *br = strchr(t, '[');
	uint64_t flags = 0, base;
	size_t n = bar ? (size_t)(bar - t) : strlen(t);
	const struct sym *y;

	if (bar && !parse_u64(bar + 1, &flags))
		return false;
	if (n >= sizeof(name))
		return false;
	memcpy(name, t, n);
	name[n] = 0;
	if (parse_u64(name, &base)) {
		*v = base | flags;
		return true;
	}
	if (br && br < t + n) {
		uint64_t idx;
		char *close;

		name[br - t] = 0;
		idx = strtoull(br + 1, &close, 0);
		if (*close != ']' || !(y = sym_find(c, name)) || idx >= 512)
			return false;
		*v = pvmm_entry(c->m, y->mfn, (unsigned)idx) | flags;
		return true;
	}
	if (!(y = sym_find(c, name)))
		return false;
	*v = y->mfn << 12 | flags;
	return true;
}

/* VA: WIN, MAP+N, NT+N, HOLE+N, a number; with @word, an optional [k] */
static bool vaddr(const char *t, uint64_t *va, bool word)
{
	static const struct { const char *name; uint64_t base; } regions[] = {
		{ "WIN", 0xffffffff80007000ull }, { "MAP", 0xffffffffa0000000ull },
		{ "NT", 0xffffffffc0000000ull }, { "HOLE", 0x400000000000ull },
	};
	char buf[64];
	char *br, *plus;
	uint64_t k = 0, n = 0;

	copy(buf, t, sizeof(buf));
	if (word && (br = strchr(buf, '['))) {
		char *close;

		k = strtoull(br + 1, &close, 0);
		if (*close != ']')
			return false;
		*br = 0;
	}
	if ((plus = strchr(buf, '+'))) {
		*plus = 0;
		if (!parse_u64(plus + 1, &n))
			return false;
	}
	for (unsigned i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (!strcmp(buf, regions[i].name)) {
			*va = regions[i].base + n * 4096 + k * 8;
			return true;
		}
	if (plus || !parse_u64(buf, va))
		return false;
	*va += k * 8;
	return true;
}

/* A frame operand: a symbol or a raw MFN (0 allowed for user_baseptr). */
static bool frame_arg(struct ctx *c, const char *t, uint64_t *mfn)
{
	const struct sym *y = sym_find(c, t);

	if (y) {
		*mfn = y->mfn;
		return true;
	}
	return parse_num(t, mfn);
}

static bool uvm_flags(const char *t, uint64_t *flags)
{
	char buf[64], *save = NULL;

	copy(buf, t, sizeof(buf));
	*flags = 0;
	for (char *w = strtok_r(buf, "|", &save); w; w = strtok_r(NULL, "|", &save)) {
		uint64_t x;

		if (!strcmp(w, "none") || !strcmp(w, "local"))
			continue;
		if (!strcmp(w, "flush"))
			*flags |= PVMM_UVMF_TLB_FLUSH;
		else if (!strcmp(w, "invlpg"))
			*flags |= PVMM_UVMF_INVLPG;
		else if (!strcmp(w, "all"))
			*flags |= PVMM_UVMF_ALL;
		else if (parse_u64(w, &x))
			*flags |= x;
		else
			return false;
	}
	return true;
}

/*
 * Run one op's source text on the model: false if it cannot be parsed.
 * *pf: the result is a #PF error code in *rc.  With @mc, the op is not run
 * but made into that multicall entry (hypercall ops only).
 */
static bool run_op(struct ctx *c, const char *text, int64_t *rc, bool *pf,
		   struct pvmm_multicall_entry *mc)
{
	static const struct { const char *name; unsigned cmd; } frame_ops[] = {
		{ "pin1", PVMM_MMUEXT_PIN_L1_TABLE }, { "pin2", PVMM_MMUEXT_PIN_L2_TABLE },
		{ "pin3", PVMM_MMUEXT_PIN_L3_TABLE }, { "pin4", PVMM_MMUEXT_PIN_L4_TABLE },
		{ "unpin", PVMM_MMUEXT_UNPIN_TABLE }, { "baseptr", PVMM_MMUEXT_NEW_BASEPTR },
		{ "user_baseptr", PVMM_MMUEXT_NEW_USER_BASEPTR },
		{ "mark_super", PVMM_MMUEXT_MARK_SUPER }, { "unmark_super", PVMM_MMUEXT_UNMARK_SUPER },
		{ "clear", PVMM_MMUEXT_CLEAR_PAGE },
	};
	char buf[160], *tok[8], *save = NULL;
	unsigned n = 0;
	struct pvmm_mmuext_op op = { 0 };
	uint64_t a, b, fl;

	copy(buf, text, sizeof(buf));
	for (char *t = strtok_r(buf, " \t", &save); t && n < 8; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	*pf = false;
	if (!n)
		return false;
	for (unsigned i = 0; i < sizeof(frame_ops) / sizeof(frame_ops[0]); i++)
		if (!strcmp(tok[0], frame_ops[i].name)) {
			if (n != 2 || !frame_arg(c, tok[1], &op.arg1))
				return false;
			op.cmd = frame_ops[i].cmd;
			goto ext;
		}
	if (!strcmp(tok[0], "flush_local") || !strcmp(tok[0], "flush_all")) {
		op.cmd = tok[0][6] == 'l' ? PVMM_MMUEXT_TLB_FLUSH_LOCAL : PVMM_MMUEXT_TLB_FLUSH_ALL;
		if (n != 1)
			return false;
		goto ext;
	}
	if (!strcmp(tok[0], "invlpg_local") || !strcmp(tok[0], "invlpg_all")) {
		if (n != 2 || !vaddr(tok[1], &op.arg1, false))
			return false;
		op.cmd = tok[0][7] == 'l' ? PVMM_MMUEXT_INVLPG_LOCAL : PVMM_MMUEXT_INVLPG_ALL;
		goto ext;
	}
	if (!strcmp(tok[0], "mmu") || !strcmp(tok[0], "mmu_ad")) {
		char *br, *close;
		const struct sym *y;
		uint64_t idx;

		if (n != 4 || strcmp(tok[2], "=") || !(br = strchr(tok[1], '[')))
			return false;
		*br = 0;
		idx = strtoull(br + 1, &close, 0);
		if (*close != ']' || idx >= 512 || !(y = sym_find(c, tok[1])) || !value(c, tok[3], &b))
			return false;
		a = y->mfn << 12 | idx * 8 |
		    (tok[0][3] ? PVMM_MMU_PT_UPDATE_PRESERVE_AD : PVMM_MMU_NORMAL_PT_UPDATE);
		goto mmu;
	}
	if (!strcmp(tok[0], "m2p")) {
		if (n != 4 || strcmp(tok[2], "=") || !frame_arg(c, tok[1], &a) || !parse_num(tok[3], &b))
			return false;
		a = a << 12 | PVMM_MMU_MACHPHYS_UPDATE;
		goto mmu;
	}
	if (!strcmp(tok[0], "uvm")) {
		if (n != 5 || strcmp(tok[2], "=") || !vaddr(tok[1], &a, false) || !value(c, tok[3], &b) ||
		    !uvm_flags(tok[4], &fl))
			return false;
		if (mc) {
			mc->op = PVMM_HC_UPDATE_VA_MAPPING;
			mc->ptr = a;
			mc->val = b;
			mc->flags = fl;
			return true;
		}
		*rc = pvmm_update_va_mapping(c->m, DOM, 0, a, b, fl);
		return true;
	}
	if (!strcmp(tok[0], "write")) {
		unsigned ec = 0;
		enum pvmm_write_result w;

		if (mc || n != 4 || strcmp(tok[2], "=") || !vaddr(tok[1], &a, true) ||
		    !value(c, tok[3], &b))
			return false;
		w = pvmm_guest_write(c->m, DOM, 0, a, b, &ec);
		if (w == PVMM_WRITE_PF) {
			*pf = true;
			*rc = ec;
		} else if (w == PVMM_WRITE_GP) {
			*pf = true;
			*rc = -1;  /* never recorded: the guest would not survive */
		} else {
			*rc = 0;
		}
		return true;
	}
	return false;
ext:
	if (mc) {
		mc->op = PVMM_HC_MMUEXT_OP;
		mc->ext = op;
		mc->foreigndom = PVMM_DOMID_SELF;
		return true;
	}
	*rc = pvmm_mmuext_op(c->m, DOM, 0, &op, PVMM_DOMID_SELF);
	return true;
mmu:
	if (mc) {
		mc->op = PVMM_HC_MMU_UPDATE;
		mc->ptr = a;
		mc->val = b;
		mc->foreigndom = PVMM_DOMID_SELF;
		return true;
	}
	*rc = pvmm_mmu_update(c->m, DOM, 0, a, b, PVMM_DOMID_SELF);
	return true;
}

/*
 * "multicall N" at op @i: the next N ops as one pvmm_multicall(); each
 * entry's result is that op's rc (the guest, tests/guest/corpus.c, issues
 * them so).  Returns the number of entries, *rc the multicall's own rc;
 * -1 if the batch cannot be read.
 */
static int run_multicall(struct ctx *c, const struct seq *s, unsigned i, int64_t *rc,
			 int64_t *results)
{
	struct pvmm_multicall_entry mc[MAX_OPS];
	char *end;
	unsigned long n = strtoul(s->ops[i].text + 10, &end, 10);
	int64_t dummy;
	bool pf;

	if (*end || n > s->nr_ops - i - 1)
		return -1;
	memset(mc, 0, sizeof(mc));
	for (unsigned k = 0; k < n; k++)
		if (!run_op(c, s->ops[i + 1 + k].text, &dummy, &pf, &mc[k]))
			return -1;
	*rc = pvmm_multicall(c->m, DOM, 0, mc, (unsigned)n);
	for (unsigned k = 0; k < n; k++)
		results[k] = mc[k].result;
	return (int)n;
}

/* Replay one sequence; true if everything agreed. */
static bool replay_seq(struct ctx *c, const struct seq *s, struct result *res)
{
	unsigned before;
	uint64_t mfn;

	c->s = s;
	before = c->disagreements;
	if (s->failed || !s->ended) {
		disagree(c, "not recorded completely on Xen (%s)", s->failed ? "failed" : "no end line");
		return false;
	}
	if (s->declared_ops && s->declared_ops != s->nr_ops)
		disagree(c, "declares %u ops, records %u", s->declared_ops, s->nr_ops);
	for (unsigned i = 0; i < s->nr_syms; i++) {
		struct pvmm_frame_info info;

		if (pvmm_frame(c->m, s->syms[i].mfn, &info)) {
			disagree(c, "fresh frame %s mfn=0x%" PRIx64 " is already in the world",
				 s->syms[i].name, s->syms[i].mfn);
			continue;
		}
		if (pvmm_add_frame(c->m, s->syms[i].mfn, DOM) ||
		    pvmm_set_m2p(c->m, s->syms[i].mfn, s->syms[i].pfn))
			disagree(c, "cannot add frame %s", s->syms[i].name);
	}
	for (unsigned i = 0; i < s->nr_ops; i++) {
		const struct op *o = &s->ops[i];
		int64_t rc = 0, results[MAX_OPS];
		bool pf = false;
		int nb;

		if (!o->text[0]) {
			disagree(c, "op %u: not recorded", i);
			res->op_disagree++;
			continue;
		}
		if (!strncmp(o->text, "multicall ", 10)) {
			nb = run_multicall(c, s, i, &rc, results);
			if (nb < 0) {
				disagree(c, "op %u (%s): the replayer cannot read the batch", i, o->text);
				res->op_disagree++;
				continue;
			}
			for (int k = -1; k < nb; k++) {
				const struct op *e = &s->ops[i + 1 + k];
				int64_t got = k < 0 ? rc : results[k];

				if (e->pf || got != e->rc) {
					disagree(c, "op %u (%s): model rc=%" PRId64 ", Xen %s%" PRId64 "%s%s",
						 i + 1 + k, e->text, got, e->pf ? "pf=" : "rc=", e->rc,
						 pvmm_reason(c->m)[0] ? "; model's reason: " : "",
						 pvmm_reason(c->m));
					res->op_disagree++;
				} else {
					res->op_agree++;
				}
			}
			i += (unsigned)nb;
			continue;
		}
		if (!run_op(c, o->text, &rc, &pf, NULL)) {
			disagree(c, "op %u (%s): the replayer cannot read it", i, o->text);
			res->op_disagree++;
			continue;
		}
		if (pf != o->pf || rc != o->rc) {
			disagree(c, "op %u (%s): model %s%" PRId64 ", Xen %s%" PRId64 "%s%s", i, o->text,
				 pf ? "pf=" : "rc=", rc, o->pf ? "pf=" : "rc=", o->rc,
				 pvmm_reason(c->m)[0] ? "; model's reason: " : "", pvmm_reason(c->m));
			res->op_disagree++;
		} else {
			res->op_agree++;
		}
	}
	/* base pointers */
	for (unsigned u = 0; u < 2; u++) {
		const char *t = u ? s->user_cr3 : s->cr3;
		uint64_t model = pvmm_vcpu_root(c->m, DOM, 0, u);

		if (!t[0])
			continue;
		res->checks++;
		if (!root_value(c, t, &mfn))
			disagree(c, "%s %s: unknown", u ? "user_cr3" : "cr3", t);
		else if (mfn != model)
			disagree(c, "%s: model mfn=0x%" PRIx64 ", Xen %s", u ? "user_cr3" : "cr3", model, t);
	}
	/* frame types and pins */
	for (unsigned i = 0; i < s->nr_frames; i++) {
		const struct frame_rec *f = &s->frames[i];
		struct pvmm_frame_info info;
		const char *t = "xtab";
		int pinned = 0;

		res->checks++;
		if (!frame_arg(c, f->sym, &mfn)) {
			disagree(c, "frame %s: unknown symbol", f->sym);
			continue;
		}
		if (pvmm_frame(c->m, mfn, &info)) {
			t = pvmm_pfinfo_type(&info, DOM);
			pinned = info.pinned;
		}
		if (strcmp(t, f->type) || pinned != f->pinned)
			disagree(c, "frame %s: model %s pinned=%d, Xen %s pinned=%d", f->sym, t, pinned,
				 f->type, f->pinned);
	}
	/* entries: fresh frames completely, anchors as recorded */
	for (unsigned i = 0; i < s->nr_ents; i++) {
		const struct ent *e = &s->ents[i];
		const struct sym *y = sym_find(c, e->sym);
		uint64_t v;

		res->checks++;
		if (!y) {
			disagree(c, "entry of unknown symbol %s", e->sym);
			continue;
		}
		v = pvmm_entry(c->m, y->mfn, e->idx);
		if (v != e->val)
			disagree(c, "%s[%u]: model 0x%" PRIx64 ", Xen 0x%" PRIx64, e->sym, e->idx, v,
				 e->val);
	}
	for (unsigned i = 0; i < s->nr_syms; i++)
		for (unsigned idx = 0; idx < 512; idx++) {
			uint64_t v = pvmm_entry(c->m, s->syms[i].mfn, idx);
			bool listed = false;

			for (unsigned k = 0; k < s->nr_ents && !listed; k++)
				listed = s->ents[k].idx == idx && !strcmp(s->ents[k].sym, s->syms[i].name);
			if (v && !listed) {
				res->checks++;
				disagree(c, "%s[%u]: model 0x%" PRIx64 ", Xen 0 (not recorded)",
					 s->syms[i].name, idx, v);
			}
		}
	return c->disagreements == before;
}

/* Replay every sequence of @path; the totals in *res. */
static bool replay_file(const char *path, const char *file, struct result *res)
{
	char err[300];
	struct rec *r = rec_read(path, err, sizeof(err));
	struct ctx c = { .file = file };

	memset(res, 0, sizeof(*res));
	if (!r) {
		printf("# corpus %s: %s\n", file, err);
		return false;
	}
	c.r = r;
	if (!r->nr_anchors || !r->cr3[0]) {
		printf("# corpus %s: no world (anchors, cr3) in the header\n", file);
		res->disagreements++;
	}
	if (r->have_declared && r->declared_seqs != r->nr_seqs) {
		printf("# corpus %s: the header declares %u sequences, the file has %u\n", file,
		       r->declared_seqs, r->nr_seqs);
		res->disagreements++;
	}
	for (const struct seq *s = r->seqs; s; s = s->next) {
		bool ok;

		c.m = pvmm_new();
		c.s = NULL;
		if (!c.m || build_world(&c)) {
			printf("# corpus %s: %s: cannot build the world\n", file, s->name);
			res->seq_fail++;
			pvmm_free(c.m);
			continue;
		}
		if (s == r->seqs)
			check_world(&c);
		pvmm_set_bug(c.m, replay_bug);
		ok = replay_seq(&c, s, res);
		if (ok)
			res->seq_pass++;
		else
			res->seq_fail++;
		pvmm_free(c.m);
	}
	res->disagreements += c.disagreements;
	printf("# corpus %s: %u sequences: %u passed, %u failed; ops: %u agree, %u disagree; "
	       "%u final-state checks; %u disagreements\n", file, res->seq_pass + res->seq_fail,
	       res->seq_pass, res->seq_fail, res->op_agree, res->op_disagree, res->checks,
	       res->disagreements);
	rec_free(r);
	return true;
}

static const char *corpus_dir(void)
{
	static char buf[4096];
	const char *d = getenv("XENPT_CORPUS");

	if (d)
		return d;
	snprintf(buf, sizeof(buf), "%s/../corpus", test_fixtures_dir());
	return buf;
}

static bool hand_written(const char *name)
{
	return !strncmp(name, "selftest.", 9);
}

/* ---- tests ------------------------------------------------------------------ */

/* The replayer on the hand-written file: everything must agree. */
TEST(corpus_selftest_agrees)
{
	char path[4200];
	struct result res;

	snprintf(path, sizeof(path), "%s/selftest.rec", corpus_dir());
	REQUIRE(replay_file(path, "selftest.rec", &res));
	CHECK_EQ(res.seq_fail, 0);
	CHECK_EQ(res.disagreements, 0);
	/* the file's own figures (counted by hand) */
	CHECK_EQ(res.seq_pass, 7);
	CHECK_EQ(res.op_agree, 16);
}

/* ... and it must notice when Xen's answers differ from the model's. */
TEST(corpus_selftest_detects_disagreements)
{
	char path[4200];
	struct result res;

	snprintf(path, sizeof(path), "%s/selftest.wrong.rec", corpus_dir());
	REQUIRE(replay_file(path, "selftest.wrong.rec", &res));
	/* seq 1: op 1 rc and the frame's pin; seq 2: one entry; seq 3 fine */
	CHECK_EQ(res.seq_pass, 1);
	CHECK_EQ(res.seq_fail, 2);
	CHECK_EQ(res.op_disagree, 1);
	CHECK_EQ(res.disagreements, 3);
}

/* Every file recorded on real Xen: 100% agreement, and there must be one. */
TEST(corpus_replay_recorded)
{
	DIR *dir = opendir(corpus_dir());
	struct dirent *de;
	unsigned files = 0, fail = 0, pass = 0, ops = 0;

	if (!dir) {
		test_fail(__FILE__, __LINE__, "%s: %s", corpus_dir(), strerror(errno));
		return;
	}
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		char path[4200];
		struct result res;

		if (n < 5 || strcmp(de->d_name + n - 4, ".rec") || hand_written(de->d_name))
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", corpus_dir(), de->d_name);
		if (!replay_file(path, de->d_name, &res)) {
			fail++;
			continue;
		}
		pass += res.seq_pass;
		fail += res.seq_fail + (res.disagreements && !res.seq_fail);
		ops += res.op_agree;
		CHECK(res.seq_pass > 0);
	}
	closedir(dir);
	if (!files)
		test_fail(__FILE__, __LINE__, "no recorded corpus file (*.rec other than selftest.*) in %s",
			  corpus_dir());
	printf("# corpus: %u recorded files, %u sequences agree, %u disagree, %u ops agree\n", files,
	       pass, fail, ops);
	CHECK_EQ(fail, 0);
}

/*
 * Every rule the model can be told to break is exercised by real Xen: with
 * the rule switched off, some recorded sequences must disagree (a rule no
 * sequence covers would be unchecked by the differential test).
 */
TEST(corpus_covers_every_rule)
{
	char path[4200];
	struct result res;
	enum pvmm_bug b;

	snprintf(path, sizeof(path), "%s/xen-4.17.7.rec", corpus_dir());
	for (b = PVMM_BUG_NONE + 1; b <= PVMM_BUG_XEN_SLOTS; b++) {
		replay_bug = b;
		if (!replay_file(path, "xen-4.17.7.rec", &res)) {
			replay_bug = PVMM_BUG_NONE;
			test_fail(__FILE__, __LINE__, "%s: cannot read", path);
			return;
		}
		printf("# corpus: with rule '%s' broken: %u of %u sequences disagree\n", pvmm_bug_name(b),
		       res.seq_fail, res.seq_pass + res.seq_fail);
		CHECK(res.seq_fail > 0);
	}
	replay_bug = PVMM_BUG_NONE;
}
