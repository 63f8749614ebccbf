/* SPDX-License-Identifier: MIT */
/*
 * Scenarios (scenario=a,b,... on the command line; README.md lists them)
 * and the mailbox/console requests served while holding.  Every step is
 * logged as one "XENPT-GUEST <what> key=value..." line and recorded in the
 * result page.
 */
#include <xen/errno.h>

#include "guest.h"

#define DATA_RW (PTE_P | PTE_RW | PTE_A | PTE_D)
#define DATA_RO (PTE_P | PTE_A)

enum access { ACC_READ = 1, ACC_WRITE = 2, ACC_EXEC = 3, ACC_INSN = 4 };
static const char *const access_name[] = { "", "read", "write", "exec", "insn" };

static int map_recs[64];        /* MAP records of scenario "map" */
static unsigned int nr_map_recs;
static bool done_map, done_newtables;

/*
 * Map a fresh page at va with update_va_mapping (building any missing
 * table first), fill it with the pattern, optionally make it read-only,
 * and check entry and contents by walking.  Returns the MAP record or -1.
 */
static int map_fresh(uint64_t va, bool ro, uint32_t rflags)
{
	uint64_t entries[4], tables[4], pfn, mfn;
	uint32_t flags = rflags | XENPT_GUEST_RF_MAPPED | (g.pte_nx ? XENPT_GUEST_RF_NX : 0);
	long rc;
	int rec;

	rc = ensure_l1(va, false, rflags);
	if (rc)
		return -1;
	pfn = alloc_pfn();
	if (pfn == INVALID_FRAME) {
		result_fail("out of pages mapping va=0x%lx", va);
		return -1;
	}
	mfn = pfn_to_mfn(pfn);
	rc = map_va(va, mfn, DATA_RW | g.pte_nx);
	if (!rc) {
		fill_pattern((uint64_t *)va, va, pfn, mfn);
		if (ro) {
			rc = map_va(va, mfn, DATA_RO | g.pte_nx);
			flags |= XENPT_GUEST_RF_RO;
		}
	}
	if (rc) {
		rec_add(XENPT_GUEST_REC_MAP, 0, rflags | XENPT_GUEST_RF_FAILED, va, pfn, mfn, 0,
			(uint64_t)rc);
		log_line("map va=0x%lx pfn=0x%lx mfn=0x%lx rc=%ld", va, pfn, mfn, rc);
		result_fail("update_va_mapping va=0x%lx rc=%ld", va, rc);
		return -1;
	}
	if (walk(va, entries, tables) == 0 &&
	    ((entries[0] & PTE_ADDR) >> PAGE_SHIFT) == mfn &&
	    check_pattern((const uint64_t *)va, va, pfn, mfn))
		flags |= XENPT_GUEST_RF_VERIFIED;
	else
		result_fail("map va=0x%lx does not read back", va);
	rec = rec_add(XENPT_GUEST_REC_MAP, 0, flags, va, pfn, mfn, va, entries[0]);
	log_line("map va=0x%lx pfn=0x%lx mfn=0x%lx pattern=0x%lx l1e=0x%lx l1_mfn=0x%lx%s%s",
		 va, pfn, mfn, va, entries[0], tables[0], ro ? " ro" : "",
		 flags & XENPT_GUEST_RF_VERIFIED ? " verified" : "");
	return rec;
}

/* Clear the L1 entry of va; the frame keeps its contents. */
static bool unmap(uint64_t va, uint32_t rflags)
{
	uint64_t entries[4], tables[4], old, mfn, pfn;
	uint32_t flags = rflags;
	unsigned int i;
	long rc;

	if (walk(va, entries, tables) != 0) {
		log_line("unmap va=0x%lx not-mapped", va);
		return false;
	}
	old = entries[0];
	mfn = (old & PTE_ADDR) >> PAGE_SHIFT;
	pfn = m2p(mfn);
	rc = unmap_va(va);
	if (!rc && walk(va, entries, tables) == 1 &&
	    peek_frame(mfn, 0) == va && peek_frame(mfn, 1) == pfn)
		flags |= XENPT_GUEST_RF_VERIFIED;
	if (rc)
		flags |= XENPT_GUEST_RF_FAILED;
	rec_add(XENPT_GUEST_REC_UNMAP, 0, flags, va, pfn, mfn, va, old);
	for (i = 0; !rc && i < result_page.nr_records; i++) {
		struct xenpt_guest_record *r = &result_page.records[i];

		if (r->kind == XENPT_GUEST_REC_MAP && r->va == va)
			r->flags &= ~XENPT_GUEST_RF_MAPPED;
	}
	log_line("unmap va=0x%lx pfn=0x%lx mfn=0x%lx old_l1e=0x%lx rc=%ld%s", va, pfn, mfn, old,
		 rc, flags & XENPT_GUEST_RF_VERIFIED ? " verified" : "");
	if (rc)
		result_fail("unmap va=0x%lx rc=%ld", va, rc);
	return !rc;
}

/* ---- scenarios ------------------------------------------------------------ */

/* map: pages fresh pages at map_va with update_va_mapping. */
static bool sc_map(void)
{
	unsigned int i;

	for (i = 0; i < opt.pages; i++) {
		int rec = map_fresh(opt.map_va + i * PAGE_SIZE, false, 0);

		if (rec < 0)
			return false;
		if (nr_map_recs < ARRAY_SIZE(map_recs))
			map_recs[nr_map_recs++] = rec;
	}
	done_map = true;
	return true;
}

/* unmap: the first half (at least one) of the pages "map" mapped. */
static bool sc_unmap(void)
{
	unsigned int i, n = nr_map_recs / 2 ? nr_map_recs / 2 : 1;

	if (!done_map && !sc_map())
		return false;
	for (i = 0; i < n && i < nr_map_recs; i++) {
		uint64_t va = rec_get(map_recs[i])->va;

		if (!unmap(va, 0)) {
			result_fail("unmap va=0x%lx failed", va);
			return false;
		}
	}
	return true;
}

/*
 * newtables: build the missing tables for nt_va (at the default VA an L2
 * and an L1) with mmu_update, pin them, and map pages through them by
 * writing L1 entries with mmu_update.
 */
static bool sc_newtables(void)
{
	unsigned int i;
	long rc;

	rc = ensure_l1(opt.nt_va, opt.pin, 0);
	if (rc)
		return false;
	for (i = 0; i < opt.pages; i++) {
		uint64_t va = opt.nt_va + i * PAGE_SIZE;
		uint64_t entries[4], tables[4], pfn, mfn, maddr;
		uint32_t flags = XENPT_GUEST_RF_MAPPED | XENPT_GUEST_RF_MMU_UPDATE |
			(g.pte_nx ? XENPT_GUEST_RF_NX : 0);

		if (walk(va, entries, tables) != 1) {
			result_fail("newtables va=0x%lx: no empty L1 entry", va);
			return false;
		}
		pfn = alloc_pfn();
		if (pfn == INVALID_FRAME) {
			result_fail("out of pages for newtables");
			return false;
		}
		mfn = pfn_to_mfn(pfn);
		maddr = (tables[0] << PAGE_SHIFT) + pt_index(va, 1) * 8;
		rc = mmu_write(maddr, (mfn << PAGE_SHIFT) | DATA_RW | g.pte_nx);
		if (rc) {
			rec_add(XENPT_GUEST_REC_MAP, 0, flags | XENPT_GUEST_RF_FAILED, va, pfn, mfn,
				0, (uint64_t)rc);
			result_fail("mmu_update l1e va=0x%lx rc=%ld", va, rc);
			return false;
		}
		fill_pattern((uint64_t *)va, va, pfn, mfn);
		if (walk(va, entries, tables) == 0 &&
		    ((entries[0] & PTE_ADDR) >> PAGE_SHIFT) == mfn &&
		    check_pattern((const uint64_t *)va, va, pfn, mfn))
			flags |= XENPT_GUEST_RF_VERIFIED;
		else
			result_fail("newtables va=0x%lx does not read back", va);
		rec_add(XENPT_GUEST_REC_MAP, 0, flags, va, pfn, mfn, va, entries[0]);
		log_line("map va=0x%lx pfn=0x%lx mfn=0x%lx pattern=0x%lx l1e=0x%lx l1_mfn=0x%lx "
			 "via=mmu_update%s", va, pfn, mfn, va, entries[0], tables[0],
			 flags & XENPT_GUEST_RF_VERIFIED ? " verified" : "");
	}
	done_newtables = true;
	return true;
}

/* unpin: unpin every table a scenario pinned (running newtables first). */
static bool sc_unpin(void)
{
	unsigned int i, n = 0;
	bool ok = true;

	if (!done_newtables && !sc_newtables())
		return false;
	for (i = result_page.nr_records; i-- > 0;) {
		struct xenpt_guest_record *t = &result_page.records[i];
		long rc, again;

		if (t->kind != XENPT_GUEST_REC_TABLE || !(t->flags & XENPT_GUEST_RF_PINNED) ||
		    (t->flags & XENPT_GUEST_RF_BOOT))
			continue;
		rc = mmuext(MMUEXT_UNPIN_TABLE, t->mfn);
		// A second unpin must fail: the table is no longer pinned.
		again = rc ? 0 : mmuext(MMUEXT_UNPIN_TABLE, t->mfn);
		rec_add(XENPT_GUEST_REC_UNPIN, t->level,
			rc ? XENPT_GUEST_RF_FAILED :
			again == -XEN_EINVAL ? XENPT_GUEST_RF_VERIFIED : 0,
			t->va, t->pfn, t->mfn, (uint64_t)rc, (uint64_t)again);
		log_line("unpin level=%u va=0x%lx pfn=0x%lx mfn=0x%lx rc=%ld repeat_rc=%ld",
			 t->level, t->va, t->pfn, t->mfn, rc, again);
		if (rc) {
			result_fail("unpin mfn=0x%lx rc=%ld", t->mfn, rc);
			ok = false;
			continue;
		}
		t->flags &= ~XENPT_GUEST_RF_PINNED;
		n++;
	}
	if (!n)
		log_line("unpin nothing-pinned");
	return ok;
}

/*
 * Touch va expecting a trap; the handler records it and resumes.  The
 * result is checked against the expected vector and (#PF) error bits P, W
 * and I and the faulting address.
 */
static bool touch(uint64_t va, enum access acc, uint64_t pfn, uint64_t mfn, uint8_t vector,
		  uint32_t error)
{
	uint64_t want = (uint64_t)vector << 32 | error;
	int rec = rec_add(XENPT_GUEST_REC_TOUCH, acc, 0, va, pfn, mfn, want, ~0ull);
	struct xenpt_guest_record *r = rec_get(rec);
	const struct xenpt_guest_fault *f;
	bool trapped, ok;
	int fi;

	log_line("touch va=0x%lx access=%s expect_vector=%u expect_error=0x%x", va,
		 access_name[acc], vector, error);
	switch (acc) {
	case ACC_READ:
		expect_fault((uint64_t)touch_read_insn, (uint64_t)touch_read_fixup, rec);
		touch_read(va);
		break;
	case ACC_WRITE:
		expect_fault((uint64_t)touch_write_insn, (uint64_t)touch_write_fixup, rec);
		touch_write(va, XENPT_GUEST_DATA_MAGIC);
		break;
	case ACC_EXEC:
		expect_exec_fault(va, rec);
		touch_exec(va);
		break;
	case ACC_INSN:
		if (vector == 3) {
			expect_trap(3, rec);
			touch_int3();
		} else {
			expect_fault((uint64_t)touch_ud2_insn, (uint64_t)touch_ud2_fixup, rec);
			touch_ud2();
		}
		break;
	}
	trapped = !expect_pending();
	expect_clear();
	fi = trapped ? last_fault() : -1;
	if (fi < 0) {
		r->flags |= XENPT_GUEST_RF_FAILED;
		log_line("touch-result va=0x%lx trapped=0", va);
		result_fail("touch va=0x%lx did not trap", va);
		return false;
	}
	f = &result_page.faults[fi];
	ok = f->vector == vector;
	if (vector == 14)
		ok = ok && f->va == va && (f->error & (PFEC_P | PFEC_W | PFEC_I)) == error;
	r->aux = (uint64_t)fi;
	r->flags |= ok ? XENPT_GUEST_RF_VERIFIED : XENPT_GUEST_RF_FAILED;
	result_changed();
	log_line("touch-result va=0x%lx trapped=1 fault=%d vector=%u error=0x%x %s", va, fi,
		 f->vector, f->error, ok ? "as-expected" : "UNEXPECTED");
	if (!ok)
		result_fail("touch va=0x%lx: vector %u error 0x%x", va, f->vector, f->error);
	return ok;
}

/*
 * touch: page faults of each kind: entry not present in an existing L1,
 * no tables at all, a write to a read-only page, and (with NX) an
 * instruction fetch from an NX page.
 */
static bool sc_touch(void)
{
	uint64_t absent = XENPT_GUEST_MAP_BASE + XENPT_GUEST_MAP_SLOT_ABSENT * PAGE_SIZE;
	uint64_t ro_va = XENPT_GUEST_MAP_BASE + XENPT_GUEST_MAP_SLOT_RO * PAGE_SIZE;
	const struct xenpt_guest_record *ro;
	bool ok = true;
	int rec;

	ok &= touch(absent, ACC_READ, ~0ull, ~0ull, 14, 0);
	ok &= touch(XENPT_GUEST_HOLE_VA, ACC_WRITE, ~0ull, ~0ull, 14, PFEC_W);
	rec = map_fresh(ro_va, true, 0);
	if (rec < 0)
		return false;
	ro = rec_get(rec);
	ok &= touch(ro_va, ACC_WRITE, ro->pfn, ro->mfn, 14, PFEC_P | PFEC_W);
	if (g.pte_nx)
		ok &= touch(ro_va, ACC_EXEC, ro->pfn, ro->mfn, 14, PFEC_P | PFEC_I);
	else
		log_line("touch exec skipped: no NX");
	return ok;
}

/* traps: the other vectors of the trap table: #BP, #UD, #GP. */
static bool sc_traps(void)
{
	bool ok = true;

	ok &= touch((uint64_t)touch_int3, ACC_INSN, ~0ull, ~0ull, 3, 0);
	ok &= touch((uint64_t)touch_ud2_insn, ACC_INSN, ~0ull, ~0ull, 6, 0);
	ok &= touch(XENPT_GUEST_NONCANON_VA, ACC_READ, ~0ull, ~0ull, 13, 0);
	return ok;
}

/*
 * fatal: an access nobody expects (not part of "all").  The handler logs
 * it, records it and stops the guest with SHUTDOWN_crash.
 */
static bool sc_fatal(void)
{
	log_line("touch va=0x%lx access=read expect=fatal", (uint64_t)XENPT_GUEST_HOLE_VA);
	touch_read(XENPT_GUEST_HOLE_VA);
	result_fail("fatal: the access did not trap");
	return false;
}

static const struct {
	const char *name;
	bool (*fn)(void);
	bool in_all;
} scenarios[] = {
	{ "map", sc_map, true },
	{ "unmap", sc_unmap, true },
	{ "newtables", sc_newtables, true },
	{ "unpin", sc_unpin, true },
	{ "touch", sc_touch, true },
	{ "traps", sc_traps, true },
	{ "fatal", sc_fatal, false },
};

static bool name_is(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && !memcmp(s, name, len);
}

/* Run a comma-separated list; "all" runs the in_all ones in table order. */
bool run_scenarios(const char *list)
{
	bool ok = true;

	while (*list) {
		const char *end = list;
		size_t len, i;

		while (*end && *end != ',')
			end++;
		len = (size_t)(end - list);
		if (name_is(list, len, "all")) {
			for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
				if (!scenarios[i].in_all)
					continue;
				log_line("scenario %s", scenarios[i].name);
				ok &= scenarios[i].fn();
			}
		} else if (len && !name_is(list, len, "none")) {
			for (i = 0; i < ARRAY_SIZE(scenarios); i++)
				if (name_is(list, len, scenarios[i].name))
					break;
			if (i == ARRAY_SIZE(scenarios)) {
				result_fail("unknown scenario %.*s", (int)len, list);
				ok = false;
			} else {
				log_line("scenario %s", scenarios[i].name);
				ok &= scenarios[i].fn();
			}
		}
		list = *end ? end + 1 : end;
	}
	return ok;
}

/* ---- requests while holding (mailbox, console) --------------------------- */

static int mbox_access(enum access acc, uint64_t va, uint64_t val, uint64_t *ret)
{
	int rec = rec_add(XENPT_GUEST_REC_TOUCH, acc, XENPT_GUEST_RF_MAILBOX, va, ~0ull, ~0ull,
			  ~0ull, ~0ull);
	bool trapped;

	if (acc == ACC_READ) {
		expect_fault((uint64_t)touch_read_insn, (uint64_t)touch_read_fixup, rec);
		*ret = touch_read(va);
	} else {
		expect_fault((uint64_t)touch_write_insn, (uint64_t)touch_write_fixup, rec);
		touch_write(va, val);
	}
	trapped = !expect_pending();
	expect_clear();
	if (trapped) {
		rec_get(rec)->aux = (uint64_t)last_fault();
		result_changed();
		return 1;
	}
	return 0;
}

/* Run one request; returns the mailbox status (result.h). */
int mbox_run(uint32_t op, uint64_t arg0, uint64_t arg1, uint64_t *ret)
{
	int rec;

	*ret = 0;
	switch (op) {
	case XENPT_GUEST_MB_NOP:
		return 0;
	case XENPT_GUEST_MB_READ:
		return mbox_access(ACC_READ, arg0, 0, ret);
	case XENPT_GUEST_MB_WRITE:
		return mbox_access(ACC_WRITE, arg0, arg1, ret);
	case XENPT_GUEST_MB_MAP:
		rec = map_fresh(arg0 & ~(PAGE_SIZE - 1), false, XENPT_GUEST_RF_MAILBOX);
		if (rec < 0)
			return -XEN_EINVAL;
		*ret = rec_get(rec)->pfn;
		return 0;
	case XENPT_GUEST_MB_UNMAP:
		return unmap(arg0 & ~(PAGE_SIZE - 1), XENPT_GUEST_RF_MAILBOX) ? 0 : -XEN_EINVAL;
#ifdef XENPT_GUEST_CORPUS
	case XENPT_GUEST_MB_CORPUS_INFO:
		return corpus_info(ret);
	case XENPT_GUEST_MB_CORPUS_RUN:
		return corpus_run(arg0, ret);
	case XENPT_GUEST_MB_CORPUS_CLEAN:
		return corpus_clean(ret);
#endif
	case XENPT_GUEST_MB_POWEROFF:
		log_line("poweroff requested");
		console_flush();
		shutdown(SHUTDOWN_poweroff);
	default:
		return -XEN_EINVAL;
	}
}
