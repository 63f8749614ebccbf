/* SPDX-License-Identifier: MIT */
/*
 * x86 disassembly (include/xenpt/dis.h): the one wrapper around Capstone.
 * Without Capstone (no HAVE_CAPSTONE) every entry point says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

#include <xenpt/dis.h>

#include "base/base.h"

/* Bytes decoded backwards at most: enough for 16 long instructions. */
#define BACK_MAX 512

struct xenpt_dis {
#ifdef HAVE_CAPSTONE
	csh h;
	cs_insn *insn;
#endif
	unsigned flags;
};

XENPT_PUBLIC bool xenpt_have_capstone(void)
{
#ifdef HAVE_CAPSTONE
	return true;
#else
	return false;
#endif
}

XENPT_PUBLIC struct xenpt_error *xenpt_dis_create(unsigned flags, struct xenpt_dis **ret)
{
#ifdef HAVE_CAPSTONE
	struct xenpt_dis *d;
	cs_err e;

	*ret = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	d->flags = flags;
	e = cs_open(CS_ARCH_X86, (flags & XENPT_DIS_32BIT) ? CS_MODE_32 : CS_MODE_64, &d->h);
	if (e != CS_ERR_OK) {
		free(d);
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED, "Capstone: %s", cs_strerror(e));
	}
	cs_option(d->h, CS_OPT_DETAIL, CS_OPT_ON);
	if (flags & XENPT_DIS_ATT)
		cs_option(d->h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	d->insn = cs_malloc(d->h);
	if (!d->insn) {
		cs_close(&d->h);
		free(d);
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	}
	*ret = d;
	return NULL;
#else
	(void)flags;
	*ret = NULL;
	return xenpt_error_hint(xenpt_error_create(XENPT_ERR_UNSUPPORTED,
						   "xenpt was built without Capstone: no disassembler"),
				"install libcapstone-dev and rebuild");
#endif
}

XENPT_PUBLIC void xenpt_dis_destroy(struct xenpt_dis *d)
{
	if (!d)
		return;
#ifdef HAVE_CAPSTONE
	cs_free(d->insn, 1);
	cs_close(&d->h);
#endif
	free(d);
}

XENPT_PUBLIC bool xenpt_dis_one(struct xenpt_dis *d, const uint8_t *buf, size_t len, uint64_t addr,
				struct xenpt_insn *ret)
{
#ifdef HAVE_CAPSTONE
	const uint8_t *code = buf;
	size_t size = len;
	uint64_t a = addr;
	cs_insn *in = d->insn;
	unsigned i;

	if (!cs_disasm_iter(d->h, &code, &size, &a, in))
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->addr = addr;
	ret->size = in->size;
	memcpy(ret->bytes, in->bytes, in->size <= XENPT_INSN_MAX ? in->size : XENPT_INSN_MAX);
	snprintf(ret->mnemonic, sizeof(ret->mnemonic), "%s", in->mnemonic);
	snprintf(ret->op_str, sizeof(ret->op_str), "%s", in->op_str);
	ret->is_jump = cs_insn_group(d->h, in, CS_GRP_JUMP);
	ret->is_call = cs_insn_group(d->h, in, CS_GRP_CALL);
	ret->is_ret = cs_insn_group(d->h, in, CS_GRP_RET) || cs_insn_group(d->h, in, CS_GRP_IRET);
	if ((ret->is_jump || ret->is_call) && in->detail) {
		const cs_x86 *x = &in->detail->x86;

		for (i = 0; i < x->op_count; i++)
			if (x->operands[i].type == X86_OP_IMM) {
				ret->has_target = true;
				ret->target = (uint64_t)x->operands[i].imm;
				if (d->flags & XENPT_DIS_32BIT)
					ret->target &= 0xffffffffu;
				break;
			}
	}
	return true;
#else
	(void)d;
	(void)buf;
	(void)len;
	(void)addr;
	(void)ret;
	return false;
#endif
}

/* Decode from buf[s] to @len: the starts of the instructions in pos[]; true if it ends exactly at len. */
static bool stream(struct xenpt_dis *d, const uint8_t *buf, size_t len, uint64_t base, size_t s,
		   size_t *pos, unsigned *n)
{
	struct xenpt_insn in;

	*n = 0;
	while (s < len) {
		if (!xenpt_dis_one(d, buf + s, len - s, base + s, &in))
			return false;
		pos[(*n)++] = s;
		s += in.size;
	}
	return s == len;
}

XENPT_PUBLIC bool xenpt_dis_backward(struct xenpt_dis *d, const uint8_t *buf, size_t len,
				     uint64_t end, unsigned want, uint64_t *start_ret,
				     unsigned *count_ret)
{
	size_t pos[BACK_MAX], s, best = 0;
	unsigned n, votes[BACK_MAX] = { 0 }, got[BACK_MAX] = { 0 }, bestv = 0, bestn = 0;
	uint64_t base;

	if (!d || !want)
		return false;
	if (len > BACK_MAX) {   /* the bytes nearest to @end */
		buf += len - BACK_MAX;
		len = BACK_MAX;
	}
	base = end - len;
	/*
	 * Every start that decodes to exactly @end votes for where its last
	 * @want instructions begin; x86 streams resynchronise, so the starts
	 * agree on the true boundaries near @end.  The candidate with the most
	 * instructions, then the most votes, then the farthest wins.
	 */
	for (s = 0; s < len; s++) {
		unsigned k;
		size_t c;

		if (!stream(d, buf, len, base, s, pos, &n) || !n)
			continue;
		k = n < want ? n : want;
		c = pos[n - k];
		votes[c]++;
		if (k > got[c])
			got[c] = k;
	}
	for (s = 0; s < len; s++) {
		if (!votes[s])
			continue;
		if (got[s] > bestn || (got[s] == bestn && votes[s] > bestv)) {
			best = s;
			bestn = got[s];
			bestv = votes[s];
		}
	}
	if (!bestn)
		return false;
	*start_ret = base + best;
	*count_ret = bestn;
	return true;
}
