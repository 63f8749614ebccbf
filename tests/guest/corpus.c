/* SPDX-License-Identifier: MIT */
/*
 * The differential corpus (tests/corpus/README.md): run one compiled
 * sequence (tests/corpus/corpus.h, table generated from tests/corpus/ *.seq)
 * on dom0's request, write every op's result into the corpus result area,
 * and on a second request undo what the sequence changed in the anchor
 * tables so that the next sequence starts from the same world.
 *
 * Each op is one hypercall with count 1 on DOMID_SELF (xen/include/public/
 * xen.h: mmu_update, mmuext_op, update_va_mapping), or a plain store that
 * Xen may emulate (writable page tables, xen/arch/x86/pv/ro-page-fault.c)
 * or answer with #PF, which the trap handler skips and we record, or a
 * multicall whose entries are the next ops (XTF's tests/xsa-286 batches
 * its hypercalls so).
 */
#include <xen/errno.h>

#include "hypercall.h"
#include "corpus.h"

static struct corpus_result cres __attribute__((aligned(4096)));
static uint64_t anchor_mfn[CORPUS_NR_ANCHORS];
static uint64_t base_ent[CORPUS_NR_ANCHORS][512];  /* anchors at corpus start */
static bool base_pinned[CORPUS_NR_ANCHORS], pinned[CORPUS_NR_ANCHORS];
static uint64_t cur_cr3, cur_user;
static bool ready;
static long vmassist_rc;

static const unsigned int anchor_level[CORPUS_NR_ANCHORS] = { 4, 3, 2, 1, 1 };

static uint64_t entry_mfn(uint64_t e)
{
	return (e & PTE_ADDR) >> PAGE_SHIFT;
}

static long mmu_one(uint64_t ptr, uint64_t val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	unsigned int done = 0;

	return HYPERVISOR_mmu_update(&req, 1, &done, DOMID_SELF);
}

static long ext_one(unsigned int cmd, uint64_t arg)
{
	struct mmuext_op op = { .cmd = cmd };
	unsigned int done = 0;

	if (cmd == MMUEXT_INVLPG_LOCAL || cmd == MMUEXT_INVLPG_ALL)
		op.arg1.linear_addr = arg;
	else
		op.arg1.mfn = arg;
	return HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF);
}

/* Frame ops: the mmuext command; 0 for the others. */
static unsigned int frame_cmd(uint8_t code)
{
	switch (code) {
	case CO_PIN1: case CO_PIN2: case CO_PIN3: case CO_PIN4:
		return MMUEXT_PIN_L1_TABLE + (code - CO_PIN1);
	case CO_UNPIN: return MMUEXT_UNPIN_TABLE;
	case CO_BASEPTR: return MMUEXT_NEW_BASEPTR;
	case CO_USER_BASEPTR: return MMUEXT_NEW_USER_BASEPTR;
	case CO_MARK_SUPER: return MMUEXT_MARK_SUPER;
	case CO_UNMARK_SUPER: return MMUEXT_UNMARK_SUPER;
	case CO_CLEAR: return MMUEXT_CLEAR_PAGE;
	case CO_FLUSH_LOCAL: return MMUEXT_TLB_FLUSH_LOCAL;
	case CO_FLUSH_ALL: return MMUEXT_TLB_FLUSH_ALL;
	case CO_INVLPG_LOCAL: return MMUEXT_INVLPG_LOCAL;
	case CO_INVLPG_ALL: return MMUEXT_INVLPG_ALL;
	default: return 0;
	}
}

static int anchor_of(uint64_t mfn)
{
	int a;

	for (a = 0; a < CORPUS_NR_ANCHORS; a++)
		if (anchor_mfn[a] == mfn)
			return a;
	return -1;
}

/* Find the anchors, save their entries and pins: the world of every sequence. */
int corpus_info(uint64_t *ret)
{
	uint64_t root = g.l4_mfn;
	int a;
	unsigned int i;

	// Writable page tables, as Linux asks for them (xen/arch/x86/pv/
	// ro-page-fault.c: a store to a read-only mapped L1 is emulated only with
	// this assist); README: every sequence runs with it.
	vmassist_rc = hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
				 VMASST_TYPE_writable_pagetables);
	window_forget();
	anchor_mfn[CORPUS_ROOT] = root;
	anchor_mfn[CORPUS_KL3] = entry_mfn(read_entry(root, 511));
	anchor_mfn[CORPUS_KL2] = entry_mfn(read_entry(anchor_mfn[CORPUS_KL3], 510));
	anchor_mfn[CORPUS_KL1] = entry_mfn(read_entry(anchor_mfn[CORPUS_KL2],
						      pt_index(XENPT_GUEST_MAP_BASE, 2)));
	anchor_mfn[CORPUS_BL1] = entry_mfn(read_entry(anchor_mfn[CORPUS_KL2], 0));
	for (a = 0; a < CORPUS_NR_ANCHORS; a++) {
		for (i = 0; i < 512; i++)
			base_ent[a][i] = read_entry(anchor_mfn[a], i);
		// The builder pinned its L4 only (xg_dom_x86.c, the L4 is pinned by
		// xc_dom_boot / arch_setup_bootlate); the guest pins no anchor.
		base_pinned[a] = pinned[a] = a == CORPUS_ROOT;
	}
	// The window slot is the corpus's to use: empty at the start.
	unmap_va(XENPT_GUEST_WINDOW_VA);
	window_forget();
	base_ent[CORPUS_BL1][pt_index(XENPT_GUEST_WINDOW_VA, 1)] = 0;
	flush_tlb();
	cur_cr3 = root;
	cur_user = 0;

	memset(&cres, 0, sizeof(cres));
	memcpy(cres.magic, CORPUS_RESULT_MAGIC, 8);
	cres.hash = corpus_hash;
	cres.nr_seqs = corpus_nr_seqs;
	cres.seq = ~0u;
	for (a = 0; a < CORPUS_NR_ANCHORS; a++) {
		cres.sym_mfn[a] = anchor_mfn[a];
		cres.sym_pfn[a] = m2p(anchor_mfn[a]);
	}
	cres.cr3_mfn = cur_cr3;
	ready = true;
	*ret = pfn_to_mfn(va_to_pfn(&cres));
	cres.vmassist_rc = vmassist_rc;
	log_line("corpus sequences=%u ops=%u hash=0x%lx area_mfn=0x%lx root=0x%lx kl3=0x%lx "
		 "kl2=0x%lx kl1=0x%lx bl1=0x%lx vm_assist_rc=%ld", corpus_nr_seqs, corpus_nr_ops,
		 corpus_hash, *ret, anchor_mfn[0], anchor_mfn[1], anchor_mfn[2], anchor_mfn[3],
		 anchor_mfn[4], vmassist_rc);
	return vmassist_rc ? (int)vmassist_rc : 0;
}

// A frame op without a symbol names a raw MFN (in .va; 0 = none).
static uint64_t op_mfn(const struct corpus_op *op)
{
	return op->sym != CORPUS_SYM_NONE ? cres.sym_mfn[op->sym] : op->va;
}

static uint64_t op_value(const struct corpus_op *op)
{
	uint64_t v = op->val;

	if (op->vsym != CORPUS_SYM_NONE)
		v |= op->vread ? read_entry(cres.sym_mfn[op->vsym], op->vidx) :
			cres.sym_mfn[op->vsym] << PAGE_SHIFT;
	return v;
}

/* What a frame op that returned @rc changed in the guest's own bookkeeping. */
static void op_done(const struct corpus_op *op, long rc)
{
	uint64_t mfn = op_mfn(op);
	int a;

	if (rc)
		return;
	switch (op->code) {
	case CO_PIN1: case CO_PIN2: case CO_PIN3: case CO_PIN4:
		if ((a = anchor_of(mfn)) >= 0)
			pinned[a] = true;
		break;
	case CO_UNPIN:
		if ((a = anchor_of(mfn)) >= 0)
			pinned[a] = false;
		break;
	case CO_BASEPTR:
		cur_cr3 = mfn;
		break;
	case CO_USER_BASEPTR:
		cur_user = mfn;
		break;
	default:
		break;
	}
}

/*
 * ops[1..n] as one HYPERVISOR_multicall: each op becomes one entry with
 * count 1, as run_op() would issue it alone; rc[k] = entry k's result.
 * The compiler lets only hypercall ops into a batch, and no value read
 * from an anchor (it would be read here, before any entry runs).
 */
static long run_multicall(const struct corpus_op *ops, unsigned int n, int64_t *rc)
{
	static multicall_entry_t mc[CORPUS_MAX_OPS];
	static struct mmu_update mu[CORPUS_MAX_OPS];
	static struct mmuext_op me[CORPUS_MAX_OPS];
	unsigned int k;
	long r;

	memset(mc, 0, sizeof(mc));
	memset(mu, 0, sizeof(mu));
	memset(me, 0, sizeof(me));
	for (k = 0; k < n; k++) {
		const struct corpus_op *op = &ops[k];
		uint64_t mfn = op_mfn(op), v = op_value(op);

		switch (op->code) {
		case CO_MMU: case CO_MMU_AD: case CO_M2P:
			mu[k].ptr = op->code == CO_M2P ? (mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE :
				(mfn << PAGE_SHIFT) + op->idx * 8u +
				(op->code == CO_MMU ? MMU_NORMAL_PT_UPDATE : MMU_PT_UPDATE_PRESERVE_AD);
			mu[k].val = op->code == CO_M2P ? op->val : v;
			mc[k].op = __HYPERVISOR_mmu_update;
			mc[k].args[0] = (unsigned long)&mu[k];
			mc[k].args[1] = 1;
			mc[k].args[2] = 0;   /* no done count */
			mc[k].args[3] = DOMID_SELF;
			break;
		case CO_UVM:
			mc[k].op = __HYPERVISOR_update_va_mapping;
			mc[k].args[0] = op->va;
			mc[k].args[1] = v;
			mc[k].args[2] = op->flags;
			break;
		default:
			me[k].cmd = frame_cmd(op->code);
			if (op->code == CO_INVLPG_LOCAL || op->code == CO_INVLPG_ALL)
				me[k].arg1.linear_addr = op->va;
			else if (op->code != CO_FLUSH_LOCAL && op->code != CO_FLUSH_ALL)
				me[k].arg1.mfn = mfn;
			mc[k].op = __HYPERVISOR_mmuext_op;
			mc[k].args[0] = (unsigned long)&me[k];
			mc[k].args[1] = 1;
			mc[k].args[2] = 0;
			mc[k].args[3] = DOMID_SELF;
			break;
		}
	}
	r = HYPERVISOR_multicall(mc, n);
	for (k = 0; k < n; k++) {
		rc[k] = (int64_t)mc[k].result;
		op_done(&ops[k], (long)rc[k]);
	}
	return r;
}

static long run_op(const struct corpus_op *op, uint8_t *outcome)
{
	uint64_t mfn = op_mfn(op);
	uint64_t v = op_value(op);
	unsigned int cmd;
	long rc;

	*outcome = CORPUS_RC;
	switch (op->code) {
	case CO_MMU:
		return mmu_one((mfn << PAGE_SHIFT) + op->idx * 8u + MMU_NORMAL_PT_UPDATE, v);
	case CO_MMU_AD:
		return mmu_one((mfn << PAGE_SHIFT) + op->idx * 8u + MMU_PT_UPDATE_PRESERVE_AD, v);
	case CO_M2P:
		return mmu_one((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, op->val);
	case CO_PIN1: case CO_PIN2: case CO_PIN3: case CO_PIN4:
	case CO_UNPIN: case CO_BASEPTR: case CO_USER_BASEPTR:
	case CO_MARK_SUPER: case CO_UNMARK_SUPER: case CO_CLEAR:
		cmd = frame_cmd(op->code);
		rc = ext_one(cmd, mfn);
		op_done(op, rc);
		return rc;
	case CO_FLUSH_LOCAL: case CO_FLUSH_ALL:
		return ext_one(frame_cmd(op->code), 0);
	case CO_INVLPG_LOCAL: case CO_INVLPG_ALL:
		return ext_one(frame_cmd(op->code), op->va);
	case CO_UVM:
		return HYPERVISOR_update_va_mapping(op->va, v, op->flags);
	case CO_WRITE: {
		uint8_t vector;

		expect_fault((uint64_t)touch_write_insn, (uint64_t)touch_write_fixup, -1);
		touch_write(op->va, v);
		if (!expect_pending())
			*outcome = CORPUS_PF;
		expect_clear();
		if (*outcome != CORPUS_PF)
			return 0;
		rc = last_fault_error(&vector);
		return vector == 14 ? rc : -1000 - (long)vector;
	}
	default:
		*outcome = CORPUS_NOT_RUN;
		return -XEN_ENOSYS;
	}
}

/* Run sequence k: fresh frames, then every op; ret = ops run. */
int corpus_run(uint64_t k, uint64_t *ret)
{
	const struct corpus_seq *s;
	unsigned int i;

	if (!ready)
		corpus_info(ret);
	*ret = 0;
	cres.seq = (uint32_t)k;
	cres.nr_ops = 0;
	cres.nr_frames = 0;
	memset(cres.rc, 0, sizeof(cres.rc));
	memset(cres.outcome, 0, sizeof(cres.outcome));
	for (i = CORPUS_NR_ANCHORS; i < CORPUS_MAX_SYMS; i++)
		cres.sym_mfn[i] = cres.sym_pfn[i] = 0;
	if (k >= corpus_nr_seqs) {
		cres.status = -XEN_EINVAL;
		result_changed();
		return -XEN_EINVAL;
	}
	s = &corpus_seqs[k];
	for (i = 0; i < s->nr_frames; i++) {
		uint64_t pfn = alloc_pfn(), mfn;

		if (pfn == INVALID_FRAME || clear_frame(mfn = pfn_to_mfn(pfn))) {
			cres.status = -XEN_ENOMEM;
			log_line("corpus seq=%lu name=%s: no fresh frame", k, s->name);
			result_changed();
			return -XEN_ENOMEM;
		}
		cres.sym_mfn[CORPUS_NR_ANCHORS + i] = mfn;
		cres.sym_pfn[CORPUS_NR_ANCHORS + i] = pfn;
	}
	cres.nr_frames = s->nr_frames;
	log_line("corpus run seq=%lu name=%s frames=%u ops=%u", k, s->name, s->nr_frames,
		 s->nr_ops);
	window_forget();
	for (i = 0; i < s->nr_ops; i++) {
		const struct corpus_op *op = &corpus_ops[s->first_op + i];
		unsigned int n = op->idx, e;

		if (op->code != CO_MULTICALL) {
			cres.rc[i] = run_op(op, &cres.outcome[i]);
			cres.nr_ops = i + 1;
			continue;
		}
		if (n > s->nr_ops - i - 1)
			n = s->nr_ops - i - 1;  /* the compiler never makes this */
		cres.rc[i] = run_multicall(op + 1, n, &cres.rc[i + 1]);
		for (e = 0; e <= n; e++)
			cres.outcome[i + e] = CORPUS_RC;
		i += n;
		cres.nr_ops = i + 1;
	}
	cres.cr3_mfn = cur_cr3;
	cres.user_cr3_mfn = cur_user;
	cres.status = 0;
	*ret = cres.nr_ops;
	result_changed();
	return 0;
}

/* Restore one anchor's entries that differ from the saved world. */
static unsigned int restore_anchor(int a)
{
	unsigned int i, errs = 0;

	for (i = 0; i < 512; i++) {
		uint64_t now = read_entry(anchor_mfn[a], i);

		if (now != base_ent[a][i] &&
		    mmu_one((anchor_mfn[a] << PAGE_SHIFT) + i * 8u + MMU_NORMAL_PT_UPDATE,
			    base_ent[a][i]))
			errs++;
	}
	return errs;
}

/* Undo what the last sequence changed in the anchors (README "cleanup"). */
int corpus_clean(uint64_t *ret)
{
	static const int order[] = { CORPUS_KL1, CORPUS_BL1, CORPUS_KL2, CORPUS_KL3,
				     CORPUS_ROOT };
	unsigned int errs = 0, i;
	int a;

	if (!ready)
		return corpus_info(ret);
	if (cur_cr3 != anchor_mfn[CORPUS_ROOT]) {
		if (ext_one(MMUEXT_NEW_BASEPTR, anchor_mfn[CORPUS_ROOT]))
			errs++;
		else
			cur_cr3 = anchor_mfn[CORPUS_ROOT];
	}
	if (cur_user) {
		if (ext_one(MMUEXT_NEW_USER_BASEPTR, 0))
			errs++;
		else
			cur_user = 0;
	}
	window_forget();
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		errs += restore_anchor(order[i]);
		if (order[i] == CORPUS_BL1)
			window_forget();  /* BL1[7] is the window slot */
	}
	for (a = 0; a < CORPUS_NR_ANCHORS; a++) {
		long rc;

		if (pinned[a] == base_pinned[a])
			continue;
		rc = ext_one(pinned[a] ? MMUEXT_UNPIN_TABLE :
			     MMUEXT_PIN_L1_TABLE + anchor_level[a] - 1, anchor_mfn[a]);
		if (rc)
			errs++;
		else
			pinned[a] = base_pinned[a];
	}
	if (flush_tlb())
		errs++;
	cres.cleanup_errors = errs;
	*ret = errs;
	result_changed();
	if (errs)
		log_line("corpus clean seq=%u errors=%u", cres.seq, errs);
	return 0;
}
