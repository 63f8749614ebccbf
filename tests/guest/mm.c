/* SPDX-License-Identifier: MIT */
/*
 * Memory: P2M and M2P lookups, the page allocator, reading and writing
 * page-table entries through Xen, and publishing the P2M in shared_info.
 *
 * PV rules used here (xen/include/public/xen.h, xen/arch/x86/mm.c):
 * page tables hold MFNs; the guest never writes them directly but asks Xen
 * with mmu_update (ptr = machine address of the entry), update_va_mapping
 * (the L1 entry mapping one VA, with a TLB flush) and mmuext_op (pin,
 * unpin, clear a page, flush).  Page-table frames may only be mapped
 * read-only.  The M2P is Xen's read-only table at MACH2PHYS_VIRT_START.
 */
#include <xen/errno.h>

#include "hypercall.h"

#define VIRT_BASE XENPT_GUEST_VIRT_BASE
#define TABLE_FLAGS (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

static uint64_t window_mfn = INVALID_FRAME;

uint64_t m2p(uint64_t mfn)
{
	return ((const uint64_t *)MACH2PHYS_VIRT_START)[mfn];
}

uint64_t pfn_to_mfn(uint64_t pfn)
{
	return pfn < g.nr_pages ? g.p2m[pfn] : INVALID_FRAME;
}

uint64_t va_to_pfn(const void *va)
{
	return ((uint64_t)va - VIRT_BASE) >> PAGE_SHIFT;
}

/* The 1:1 boot mapping of pfn, or NULL (not mapped, or a remapped slot). */
void *pfn_va(uint64_t pfn)
{
	if (pfn >= g.boot_end_pfn || pfn == va_to_pfn((void *)XENPT_GUEST_SHINFO_VA) ||
	    pfn == va_to_pfn((void *)XENPT_GUEST_WINDOW_VA))
		return NULL;
	return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT));
}

/* Word @word of frame @mfn, through the read-only window slot. */
uint64_t peek_frame(uint64_t mfn, unsigned int word)
{
	const volatile uint64_t *w = (const volatile uint64_t *)XENPT_GUEST_WINDOW_VA;

	if (window_mfn != mfn) {
		long rc = map_va(XENPT_GUEST_WINDOW_VA, mfn, PTE_P | PTE_A | g.pte_nx);

		if (rc) {
			log_line("window map mfn=0x%lx failed rc=%ld", mfn, rc);
			window_mfn = INVALID_FRAME;
			return INVALID_FRAME;
		}
		window_mfn = mfn;
	}
	return w[word];
}

#ifdef XENPT_GUEST_CORPUS
/* Forget what the window maps: something else (the corpus) changed it. */
void window_forget(void)
{
	window_mfn = INVALID_FRAME;
}
#endif

uint64_t read_entry(uint64_t table_mfn, unsigned int idx)
{
	uint64_t pfn = m2p(table_mfn);
	const uint64_t *t = pfn_to_mfn(pfn) == table_mfn ? pfn_va(pfn) : NULL;

	return t ? t[idx] : peek_frame(table_mfn, idx);
}

/*
 * Walk va from the L4: entries[lvl - 1] and table_mfns[lvl - 1] for each
 * level read.  Returns 0 if an L1 entry maps va, else the level whose entry
 * is not present.
 */
int walk(uint64_t va, uint64_t entries[4], uint64_t table_mfns[4])
{
	uint64_t table = g.l4_mfn;
	int level;

	for (level = 4; level >= 1; level--) {
		uint64_t e = read_entry(table, pt_index(va, level));

		table_mfns[level - 1] = table;
		entries[level - 1] = e;
		if (!(e & PTE_P))
			return level;
		table = (e & PTE_ADDR) >> PAGE_SHIFT;
	}
	return 0;
}

long map_va(uint64_t va, uint64_t mfn, uint64_t prot)
{
	return HYPERVISOR_update_va_mapping(va, (mfn << PAGE_SHIFT) | prot,
					    UVMF_INVLPG | UVMF_LOCAL);
}

long unmap_va(uint64_t va)
{
	return HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG | UVMF_LOCAL);
}

long mmu_write(uint64_t maddr, uint64_t val)
{
	struct mmu_update req = { .ptr = maddr | MMU_NORMAL_PT_UPDATE, .val = val };
	unsigned int done = 0;

	return HYPERVISOR_mmu_update(&req, 1, &done, DOMID_SELF);
}

long mmuext(unsigned int cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };
	unsigned int done = 0;

	op.arg1.mfn = mfn;
	return HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF);
}

long clear_frame(uint64_t mfn)
{
	return mmuext(MMUEXT_CLEAR_PAGE, mfn);
}

long flush_tlb(void)
{
	return mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

/* ---- allocator -------------------------------------------------------- */

/* A free PFN that is not mapped anywhere; its MFN is g.p2m[pfn]. */
uint64_t alloc_pfn(void)
{
	struct xenpt_guest_alloc *a = &result_page.alloc;
	uint64_t pfn;

	if (a->next_pfn >= a->end_pfn)
		return INVALID_FRAME;
	pfn = a->next_pfn++;
	a->nr_allocated++;
	result_changed();
	return pfn;
}

/* A free PFN inside the 1:1 boot mapping, zeroed, writable at pfn_va(). */
uint64_t alloc_mapped_pfn(void)
{
	struct xenpt_guest_alloc *a = &result_page.alloc;
	uint64_t pfn;

	if (a->mapped_next >= a->mapped_end)
		return INVALID_FRAME;
	pfn = a->mapped_next++;
	a->nr_allocated++;
	memset(pfn_va(pfn), 0, PAGE_SIZE);
	result_changed();
	return pfn;
}

static bool cpu_has_nx(void)
{
	uint32_t eax = 0x80000001, ebx, ecx = 0, edx;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return edx & (1u << 20);
}

/*
 * @first_free_pfn: the PFN after the builder's boot stack, the last thing
 * it allocates (tools/libs/guest/xg_dom_core.c, xc_dom_build_image).  The
 * initial mapping continues 1:1 up to a 4 MiB boundary plus at least
 * 512 KiB (xg_dom_x86.c, alloc_pgtables_pv); find its end by walking.
 */
void mm_init(uint64_t first_free_pfn)
{
	struct xenpt_guest_alloc *a = &result_page.alloc;
	uint64_t entries[4], tables[4], va;
	unsigned int i;

	g.p2m = (uint64_t *)g.si->mfn_list;
	g.nr_pages = g.si->nr_pages;
	g.l4_mfn = pfn_to_mfn(va_to_pfn((void *)g.si->pt_base));
	g.pte_nx = cpu_has_nx() ? PTE_NX : 0;
	// Everything below the first free PFN is mapped; enough to walk.
	g.boot_end_pfn = first_free_pfn;

	va = VIRT_BASE + (first_free_pfn << PAGE_SHIFT);
	va &= ~((1ull << 21) - 1);
	while (walk(va, entries, tables) <= 1 && va < VIRT_BASE + (1ull << 30))
		va += 1ull << 21;
	va -= 1ull << 21;
	walk(va, entries, tables);
	for (i = 0; i < 512; i++)
		if (!(read_entry(tables[0], i) & PTE_P))
			break;
	g.boot_end_pfn = va_to_pfn((void *)(va + ((uint64_t)i << PAGE_SHIFT)));

	a->mapped_next = first_free_pfn;
	a->mapped_end = g.boot_end_pfn;
	a->next_pfn = g.boot_end_pfn;
	a->end_pfn = g.nr_pages;
}

/* ---- building page tables ---------------------------------------------- */

static const char *const level_name[] = { "", "L1", "L2", "L3", "L4" };

/* Pin a table built by ensure_l1(); @rec is its TABLE record. */
static void pin_table(int rec)
{
	struct xenpt_guest_record *t = rec_get(rec);
	unsigned int cmd = MMUEXT_PIN_L1_TABLE + t->level - 1;
	long rc, again;
	uint32_t flags;

	rc = mmuext(cmd, t->mfn);
	// Pinning twice must fail with EINVAL: proof that the first pin held.
	again = rc ? 0 : mmuext(cmd, t->mfn);
	flags = rc ? XENPT_GUEST_RF_FAILED :
		again == -XEN_EINVAL ? XENPT_GUEST_RF_VERIFIED : 0;
	rec_add(XENPT_GUEST_REC_PIN, t->level, flags | (t->flags & XENPT_GUEST_RF_BOOT), t->va,
		t->pfn, t->mfn, (uint64_t)rc, (uint64_t)again);
	if (!rc)
		t->flags |= XENPT_GUEST_RF_PINNED;
	log_line("pin level=%u va=0x%lx pfn=0x%lx mfn=0x%lx rc=%ld repeat_rc=%ld", t->level,
		 t->va, t->pfn, t->mfn, rc, again);
	if (rc)
		result_fail("pin %s mfn=0x%lx rc=%ld", level_name[t->level], t->mfn, rc);
}

/*
 * Make sure an L1 table covers va.  Each missing table is built the way
 * the reference page-fault path does it: take a free page, translate its
 * PFN through the P2M, clear it (MMUEXT_CLEAR_PAGE), link it into its
 * parent with mmu_update (which validates it as a table), then pin it.
 * Returns 0 or a negative Xen errno.
 */
long ensure_l1(uint64_t va, bool pin, uint32_t rflags)
{
	uint64_t table = g.l4_mfn;
	int level;

	for (level = 4; level > 1; level--) {
		unsigned int idx = pt_index(va, level);
		uint64_t e = read_entry(table, idx);
		uint64_t pfn, mfn, maddr, span, base;
		long rc;
		int rec;

		if (e & PTE_P) {
			table = (e & PTE_ADDR) >> PAGE_SHIFT;
			continue;
		}
		pfn = alloc_pfn();
		if (pfn == INVALID_FRAME) {
			result_fail("out of pages for an %s table", level_name[level - 1]);
			return -XEN_ENOMEM;
		}
		mfn = pfn_to_mfn(pfn);
		rc = clear_frame(mfn);
		if (rc) {
			result_fail("clear_page mfn=0x%lx rc=%ld", mfn, rc);
			return rc;
		}
		maddr = (table << PAGE_SHIFT) + idx * 8;
		e = (mfn << PAGE_SHIFT) | TABLE_FLAGS;
		rc = mmu_write(maddr, e);
		span = 1ull << (PAGE_SHIFT + 9 * (level - 1));
		base = va & ~(span - 1);
		rec = rec_add(XENPT_GUEST_REC_TABLE, level - 1,
			      rflags | XENPT_GUEST_RF_MMU_UPDATE | (rc ? XENPT_GUEST_RF_FAILED : 0),
			      base, pfn, mfn, e, maddr);
		log_line("table level=%d va=0x%lx pfn=0x%lx mfn=0x%lx parent_mfn=0x%lx index=%u "
			 "entry=0x%lx rc=%ld", level - 1, base, pfn, mfn, table, idx, e, rc);
		if (rc) {
			result_fail("link %s into mfn=0x%lx rc=%ld", level_name[level - 1], table, rc);
			return rc;
		}
		if (rec >= 0 && ((read_entry(table, idx) & PTE_ADDR) >> PAGE_SHIFT) == mfn)
			rec_get(rec)->flags |= XENPT_GUEST_RF_VERIFIED;
		if (pin && rec >= 0)
			pin_table(rec);
		table = mfn;
	}
	return 0;
}

/* ---- data page pattern (result.h) --------------------------------------- */

void fill_pattern(uint64_t *page, uint64_t va, uint64_t pfn, uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < 512; i++)
		page[i] = va + 8 * i;
	page[1] = pfn;
	page[2] = mfn;
	page[3] = XENPT_GUEST_DATA_MAGIC;
}

bool check_pattern(const uint64_t *page, uint64_t va, uint64_t pfn, uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < 512; i++) {
		uint64_t want = i == 1 ? pfn : i == 2 ? mfn : i == 3 ? XENPT_GUEST_DATA_MAGIC :
			va + 8 * i;

		if (page[i] != want)
			return false;
	}
	return true;
}

/* ---- P2M publication ------------------------------------------------------ */

/*
 * Publish the P2M for tools, as Linux does (arch/x86/xen/p2m.c describes
 * the scheme): arch.max_pfn = number of entries; the three-level tree
 * pfn_to_mfn_frame_list_list -> frame-list pages -> P2M pages (here the
 * builder's mfn_list pages); and, for the linear variant, p2m_cr3 (our L4)
 * and p2m_vaddr (the mfn_list VA).  Readers: tools/libs/guest/xg_core_x86.c
 * (xl dump-core, xen-mfndump via xc_map_domain_meminfo) and
 * xg_sr_save_x86_pv.c.
 */
void p2m_publish(bool tree, bool list)
{
	struct xenpt_guest_layout *l = &result_page.layout;
	struct arch_shared_info *arch = &g.shinfo->arch;
	uint64_t nr_leaf = (g.nr_pages + 511) / 512;
	uint64_t nr_fl = (nr_leaf + 511) / 512;
	uint64_t fll_mfn = 0, f, i;

	if (tree && nr_fl > 512) {
		// Beyond 512 GiB the tree cannot describe the P2M; Linux writes ~0.
		fll_mfn = ~0ull;
	} else if (tree) {
		uint64_t fll_pfn = alloc_mapped_pfn();
		uint64_t *fll = pfn_va(fll_pfn);

		fll_mfn = pfn_to_mfn(fll_pfn);
		for (f = 0; f < nr_fl; f++) {
			uint64_t fl_pfn = alloc_mapped_pfn();
			uint64_t *fl = pfn_va(fl_pfn);

			for (i = 0; i < 512 && f * 512 + i < nr_leaf; i++) {
				uint64_t leaf_va = g.si->mfn_list + (f * 512 + i) * PAGE_SIZE;

				fl[i] = pfn_to_mfn(va_to_pfn((void *)leaf_va));
			}
			fll[f] = pfn_to_mfn(fl_pfn);
			rec_add(XENPT_GUEST_REC_SPECIAL, 0, XENPT_GUEST_RF_BOOT,
				(uint64_t)fl, fl_pfn, fll[f], 0, XENPT_GUEST_SP_P2M_FL);
		}
		rec_add(XENPT_GUEST_REC_SPECIAL, 0, XENPT_GUEST_RF_BOOT, (uint64_t)fll, fll_pfn,
			fll_mfn, 0, XENPT_GUEST_SP_P2M_FLL);
	}

	arch->max_pfn = g.nr_pages;
	if (list) {
		arch->p2m_vaddr = g.si->mfn_list;
		arch->p2m_cr3 = xen_pfn_to_cr3(g.l4_mfn);
		arch->p2m_generation = 0;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (tree)
		arch->pfn_to_mfn_frame_list_list = fll_mfn;

	l->p2m_max_pfn = arch->max_pfn;
	l->p2m_fll_mfn = arch->pfn_to_mfn_frame_list_list;
	l->p2m_cr3 = arch->p2m_cr3;
	l->p2m_vaddr = arch->p2m_vaddr;
	if (tree)
		result_page.flags |= XENPT_GUEST_F_P2M_TREE;
	if (list)
		result_page.flags |= XENPT_GUEST_F_P2M_LIST;
	result_changed();
	log_line("p2m max_pfn=0x%lx fll_mfn=0x%lx frame_lists=%lu leaves=%lu p2m_cr3=0x%lx "
		 "p2m_vaddr=0x%lx", arch->max_pfn, arch->pfn_to_mfn_frame_list_list,
		 tree ? nr_fl : 0, nr_leaf, arch->p2m_cr3, arch->p2m_vaddr);
}
