/* SPDX-License-Identifier: MIT */
/*
 * A Linux-like 64-bit PV guest for synthetic domains (xenpt-synth(5),
 * "layout linux"): what a Debian 6.1 PV domU looks like to Xen, scaled to
 * the domain.
 *
 *   kernel image   PFN 0x1000.. (16 MiB), at __START_KERNEL 0xffffffff81000000:
 *                  text 2 MiB RO X, rodata 1 MiB RO NX, data and bss 512 KiB
 *                  each RW NX, in 4K pages (PV has no superpages)
 *   direct map     0xffff888000000000 + PFN * 4K over all PFNs: RW NX, but
 *                  page-table and descriptor frames read-only, as Xen demands
 *                  (arch/x86/xen/mmu_pv.c: "all pages which make up a
 *                  pagetable must be mapped read-only in the guest")
 *   vmalloc        0xffffc90000000000: the linear P2M list (shared_info
 *                  p2m_vaddr), a guard page, then the vCPUs' 16 KiB stacks
 *                  and three more areas, each followed by a guard page
 *   P2M tree       pfn_to_mfn_frame_list_list -> frame lists -> the same
 *                  leaf pages as the linear list (xen_build_mfn_list_list)
 *   roots          "init" (swapper_pg_dir; p2m_cr3; vCPUs >= 1),
 *                  "kernel" (a process's pgd: the kernel half shared with
 *                  init, the user half its own; vCPU 0's CR3) and "user"
 *                  (its user pgd, ctrlreg[1]: the user half shared with
 *                  "kernel" as xen_set_p4d() mirrors it, and slot 511 the
 *                  pinned level3_user_vsyscall L3)
 *   pins           the process's user L1s, then both its L4s, as
 *                  __xen_pgd_pin() does; init and the vsyscall L3
 *
 * Everything is mapped through xenpt_synth_map(), so the oracle records it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/synth_int.h"

#define TEXT_PFN      0x1000ull
#define TEXT_PAGES    0x200ull
#define RODATA_PAGES  0x100ull
#define DATA_PAGES    0x80ull
#define BSS_PAGES     0x80ull
#define STACK_PAGES   4ull

#define F_KTEXT   (XENPT_PTE_A)
#define F_KRO     (XENPT_PTE_A | XENPT_PTE_NX)
#define F_KRW     (XENPT_PTE_RW | XENPT_PTE_A | XENPT_PTE_D | XENPT_PTE_NX)
#define F_UTEXT   (XENPT_PTE_US | XENPT_PTE_A)
#define F_URW     (XENPT_PTE_US | XENPT_PTE_RW | XENPT_PTE_A | XENPT_PTE_D | XENPT_PTE_NX)

// Trap handlers in kernel text (asm_exc_*), 0x40 bytes apart.
#define TRAP_BASE     0x1f0000ull
#define CALLBACKS     0x1f8000ull

static int map_pages(struct xenpt_synth *s, unsigned root, uint64_t va, uint64_t pfn,
		     uint64_t pages, uint64_t flags)
{
	return synth_map_range(s, root, va, pfn, XENPT_INVALID_FRAME, pages << 12, 4096, flags);
}

// Map @pages fresh frames at @va.
static int map_new(struct xenpt_synth *s, unsigned root, uint64_t va, uint64_t pages,
		   uint64_t flags, const char *what, uint64_t *pfn_ret)
{
	uint64_t pfn;
	int rc = synth_alloc_contig(s, pages, what, &pfn);

	if (rc)
		return rc;
	if (pfn_ret)
		*pfn_ret = pfn;
	return map_pages(s, root, va, pfn, pages, flags);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

// The P2M tree: frame lists naming the leaf pages, and the list of frame lists.
static int build_p2m_tree(struct xenpt_synth *s, struct xenpt_synth_linux *L)
{
	uint64_t k, j, fll;
	struct synth_page *pg;
	int rc;

	L->fl_pages = (L->p2m_pages + 511) / 512;
	rc = synth_alloc_contig(s, L->fl_pages, "the P2M frame lists", &L->fl_pfn);
	if (rc)
		return rc;
	rc = synth_alloc_frame(s, "the P2M frame-list list", &fll);
	if (rc)
		return rc;
	L->fll_mfn = fll;
	pg = synth_page_make(s, fll, SPAGE_SPECIAL, false);
	if (!pg)
		return synth_fail(s, -ENOMEM, "out of memory");
	memset(pg->data, 0xff, SYNTH_PAGE);
	for (k = 0; k < L->fl_pages; k++)
		put_le64(pg->data + 8 * k, synth_p2m(s, L->fl_pfn + k));
	for (k = 0; k < L->fl_pages; k++) {
		pg = synth_page_make(s, synth_p2m(s, L->fl_pfn + k), SPAGE_SPECIAL, false);
		if (!pg)
			return synth_fail(s, -ENOMEM, "out of memory");
		memset(pg->data, 0xff, SYNTH_PAGE);
		for (j = 0; j < 512 && k * 512 + j < L->p2m_pages; j++)
			put_le64(pg->data + 8 * j, synth_p2m(s, L->p2m_pfn + k * 512 + j));
	}
	return 0;
}

// Collect the L1 tables below the user half (slots 0-255) of @root.
static int pin_user_l1s(struct xenpt_synth *s, unsigned root)
{
	struct synth_page *l4 = synth_page_get(s, s->roots[root].frame);
	unsigned a, b, c;
	int rc;

	for (a = 0; a < 256; a++) {
		uint64_t e4 = synth_entry_get(s, l4, a);
		struct synth_page *l3;

		if (!(e4 & XENPT_PTE_P) || !(l3 = synth_page_get(s, synth_entry_frame(s, e4, 4))))
			continue;
		for (b = 0; b < 512; b++) {
			uint64_t e3 = synth_entry_get(s, l3, b);
			struct synth_page *l2;

			if (!(e3 & XENPT_PTE_P) || !(l2 = synth_page_get(s, synth_entry_frame(s, e3, 3))))
				continue;
			for (c = 0; c < 512; c++) {
				uint64_t e2 = synth_entry_get(s, l2, c);

				if (!(e2 & XENPT_PTE_P))
					continue;
				rc = synth_pin(s, 1, synth_entry_frame(s, e2, 2));
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

// Give the guest's text something to disassemble: each trap handler and
// callback starts "push %rbp; mov %rsp,%rbp; nop; pop %rbp; ret; int3 x2".
static int write_code(struct xenpt_synth *s, unsigned root, uint64_t va)
{
	static const uint8_t code[] = { 0x55, 0x48, 0x89, 0xe5, 0x90, 0x5d, 0xc3, 0xcc, 0xcc };
	struct xenpt_error *err = xenpt_synth_write_va(s, root, xenpt_va(va), code, sizeof(code));

	if (err) {
		synth_fail(s, -EINVAL, "%s", xenpt_error_message(err));
		xenpt_error_destroy(err);
		return -EINVAL;
	}
	return 0;
}

static int set_vcpus(struct xenpt_synth *s, struct xenpt_synth_linux *L, const uint64_t *gdt,
		     const uint64_t *stack)
{
	static const uint8_t vectors[] = { 0, 1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17, 18,
					   19, 20, 21, 0x80 };
	struct xenpt_vcpu *v = malloc(sizeof(*v));
	struct xenpt_error *err = NULL;
	uint32_t id;
	unsigned i;
	int rc = 0;

	if (!v)
		return synth_fail(s, -ENOMEM, "out of memory");
	for (id = 0; id < s->p.nr_vcpus; id++) {
		uint64_t stack_top;

		*v = s->vcpus[id];
		v->flags = 0x3d;   // online, in kernel, i387 valid, failsafe/syscall disable events
		v->regs.cs = 0xe033;
		v->regs.ss = 0xe02b;
		v->regs.rflags = 0x246;
		v->cr0 = 0x80050033;
		v->cr4 = 0x50660;
		v->kernel_ss = 0xe02b;
		v->vm_assist = 0x24;   // writable_pagetables, runstate_update_flag
		v->event_callback_eip = L->text_va + CALLBACKS;
		v->failsafe_callback_eip = L->text_va + CALLBACKS + 0x100;
		v->syscall_callback_eip = L->text_va + CALLBACKS + 0x200;
		memset(v->traps, 0, sizeof(v->traps));
		for (i = 0; i < sizeof(vectors); i++) {
			struct xenpt_trap *t = &v->traps[vectors[i]];
			unsigned vec = vectors[i];

			t->vector = (uint8_t)vec;
			t->cs = 0x13;      // __KERNEL_CS with RPL 3, as Xen fixes it up
			t->flags = vec == 0x80 ? 3 : (uint8_t)(4 | (vec == 3 || vec == 4 ? 3 : 0));
			t->address = L->text_va + TRAP_BASE + 0x40 * vec;
		}
		stack_top = stack[id] + L->stack_size;
		v->kernel_sp = stack_top;
		v->regs.rsp = stack_top - 0x138;
		v->regs.rbp = stack_top - 0x40;
		v->gdt_ents = 16;
		memset(v->gdt_frames, 0, sizeof(v->gdt_frames));
		v->gdt_frames[0] = gdt[id];
		if (id == 0) {
			// a process in a system call
			v->regs.rip = L->text_va + 0x0a3f17;
			v->regs.rax = 0;
			v->regs.rdi = 3;
			v->regs.rsi = L->user_heap_va + 0x10;
			v->regs.rdx = 0x40;
			v->regs.r11 = 0x246;
			v->regs.rcx = L->user_text_va + 0x1234;
			v->cr3 = s->roots[L->root_kernel].frame << 12;
			v->user_cr3 = s->roots[L->root_user].frame << 12;
			v->fs_base = L->user_mmap_va + 0x1f740;
			v->gs_base_kernel = L->direct_map_va + (L->data_pfn << 12);
		} else {
			// idle
			v->regs.rip = L->text_va + 0x0b2c40;
			v->cr3 = s->roots[L->root_init].frame << 12;
			v->user_cr3 = 0;
			v->gs_base_kernel = L->direct_map_va + (L->data_pfn << 12) + id * 0x40000ull;
		}
		err = xenpt_synth_set_vcpu(s, id, v);
		if (err)
			break;
	}
	if (err) {
		rc = synth_fail(s, -EINVAL, "%s", xenpt_error_message(err));
		xenpt_error_destroy(err);
	}
	free(v);
	return rc;
}

// The direct map.  Its tables are made first, from frames nothing maps yet,
// so that every table frame exists (and is typed) when the flags of the
// data entries are chosen.
static int direct_map(struct xenpt_synth *s, struct xenpt_synth_linux *L)
{
	uint64_t pfn, n = s->p.nr_pages;
	struct synth_page *pg;
	int rc;

	for (pfn = 0; pfn < n; pfn += 512) {
		rc = synth_walk_to(s, L->root_init, L->direct_map_va + (pfn << 12), 1, true, false,
				   &pg);
		if (rc)
			return rc;
	}
	for (pfn = 0; pfn < n; pfn += 512) {
		uint64_t end = pfn + 512 < n ? pfn + 512 : n, run, p;

		for (p = pfn; p < end; p = run) {
			unsigned t = s->fflags[p] & FF_TYPE_MASK;
			bool ro = s->type_count[p] && t >= XENPT_SYNTH_TYPE_L1 &&
				  t <= XENPT_SYNTH_TYPE_SEG_DESC;

			for (run = p + 1; run < end; run++) {
				unsigned t2 = s->fflags[run] & FF_TYPE_MASK;
				bool ro2 = s->type_count[run] && t2 >= XENPT_SYNTH_TYPE_L1 &&
					   t2 <= XENPT_SYNTH_TYPE_SEG_DESC;

				if (ro2 != ro)
					break;
			}
			rc = map_pages(s, L->root_init, L->direct_map_va + (p << 12), p, run - p,
				       ro ? F_KRO : F_KRW);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * When every frame is in the direct map, Linux takes a page for a new table
 * by making its direct-map alias read-only first (make_lowmem_page_readonly);
 * so does the model: a frame whose only reference is its writable
 * direct-map entry is remapped read-only and handed out.
 */
int synth_linux_reclaim(struct xenpt_synth *s, uint64_t *frame_ret)
{
	const struct xenpt_synth_linux *L = &s->linux_info;
	uint64_t i;

	if (!s->pv || !s->have_linux)
		return -ENOSPC;
	for (i = s->p.nr_pages; i-- > 0;) {
		int rc;

		if ((s->fflags[i] & (FF_USED | FF_WRITTEN | FF_TYPE_MASK)) != XENPT_SYNTH_TYPE_WRITABLE ||
		    s->type_count[i] != 1 || s->ref_count[i] != 1)
			continue;
		rc = map_pages(s, L->root_init, L->direct_map_va + (i << 12), i, 1, F_KRO);
		if (rc)
			return rc;
		if (s->type_count[i] || s->ref_count[i] != 1)
			continue;       // it was mapped writable elsewhere after all
		s->fflags[i] |= FF_USED;
		*frame_ret = synth_idx_frame(s, (int64_t)i);
		return 0;
	}
	return -ENOSPC;
}

static int layout(struct xenpt_synth *s, struct xenpt_synth_linux *L, uint64_t *gdt,
		  uint64_t *stack)
{
	uint64_t i, va, l3;
	struct synth_page *pg;
	struct xenpt_shared_info si;
	unsigned vs;
	int rc;

	memset(L, 0, sizeof(*L));
	L->root_init = XENPT_SYNTH_ROOT_DEFAULT;
	snprintf(s->roots[0].name, sizeof(s->roots[0].name), "init");

	// the kernel image
	L->text_va = XENPT_SYNTH_LINUX_TEXT;
	L->text_pfn = TEXT_PFN;
	L->text_size = TEXT_PAGES << 12;
	L->rodata_va = L->text_va + L->text_size;
	L->rodata_pfn = L->text_pfn + TEXT_PAGES;
	L->rodata_size = RODATA_PAGES << 12;
	L->data_va = L->rodata_va + L->rodata_size;
	L->data_pfn = L->rodata_pfn + RODATA_PAGES;
	L->data_size = DATA_PAGES << 12;
	L->bss_va = L->data_va + L->data_size;
	L->bss_pfn = L->data_pfn + DATA_PAGES;
	L->bss_size = BSS_PAGES << 12;
	for (i = TEXT_PFN; i < L->bss_pfn + BSS_PAGES; i++)
		s->fflags[i] |= FF_USED;
	L->direct_map_va = XENPT_SYNTH_LINUX_DIRECT_MAP;

	// the P2M: leaf pages (generated from the model's P2M), the tree
	L->p2m_va = XENPT_SYNTH_LINUX_VMALLOC;
	L->p2m_pages = (s->p.nr_pages + 511) / 512;
	rc = synth_alloc_contig(s, L->p2m_pages, "the P2M list", &L->p2m_pfn);
	if (rc)
		return rc;
	s->gen[s->nr_gen].first = L->p2m_pfn;
	s->gen[s->nr_gen].n = L->p2m_pages;
	s->gen[s->nr_gen].kind = GEN_P2M_LEAF;
	s->nr_gen++;
	rc = build_p2m_tree(s, L);
	if (rc)
		return rc;

	// a GDT frame per vCPU (Xen takes a seg_desc type reference on it when
	// the vCPU context is set: pv_set_gdt)
	for (i = 0; i < s->p.nr_vcpus; i++) {
		uint64_t mfn;

		rc = synth_alloc_frame(s, "a GDT", &mfn);
		if (rc)
			return rc;
		if (!synth_page_make(s, mfn, SPAGE_SPECIAL, false))
			return synth_fail(s, -ENOMEM, "out of memory");
		gdt[i] = mfn;
		if (i < 2)
			L->gdt_mfn[i] = mfn;
	}

	// the kernel half of init: image, vmalloc, and the direct map's L3
	rc = map_pages(s, L->root_init, L->text_va, L->text_pfn, TEXT_PAGES, F_KTEXT);
	if (!rc)
		rc = map_pages(s, L->root_init, L->rodata_va, L->rodata_pfn, RODATA_PAGES, F_KRO);
	if (!rc)
		rc = map_pages(s, L->root_init, L->data_va, L->data_pfn, DATA_PAGES, F_KRW);
	if (!rc)
		rc = map_pages(s, L->root_init, L->bss_va, L->bss_pfn, BSS_PAGES, F_KRW);
	if (!rc)
		rc = map_pages(s, L->root_init, L->p2m_va, L->p2m_pfn, L->p2m_pages, F_KRW);
	if (rc)
		return rc;
	va = L->p2m_va + ((L->p2m_pages + 1) << 12);
	L->stack_size = STACK_PAGES << 12;
	for (i = 0; i < s->p.nr_vcpus; i++) {
		stack[i] = va;
		if (i < 2)
			L->stack_va[i] = va;
		rc = map_new(s, L->root_init, va, STACK_PAGES, F_KRW, "a kernel stack", NULL);
		if (rc)
			return rc;
		va += (STACK_PAGES + 1) << 12;
	}
	{
		static const uint64_t pages[3] = { 8, 16, 1 };

		for (i = 0; i < 3; i++) {
			L->vmalloc_va[i] = va;
			L->vmalloc_size[i] = pages[i] << 12;
			rc = map_new(s, L->root_init, va, pages[i], F_KRW, "a vmalloc area", NULL);
			if (rc)
				return rc;
			va += (pages[i] + 1) << 12;
		}
	}
	rc = synth_walk_to(s, L->root_init, L->direct_map_va, 3, true, false, &pg);
	if (rc)
		return rc;

	// a process: its pgd shares the kernel half with init
	rc = synth_root_add(s, "kernel", false, &L->root_kernel);
	if (!rc)
		rc = synth_root_add(s, "user", false, &L->root_user);
	if (rc)
		return rc;
	{
		struct xenpt_error *err = xenpt_synth_share(s, L->root_kernel, L->root_init, 256,
							    511);

		if (err) {
			synth_fail(s, -EINVAL, "%s", xenpt_error_message(err));
			xenpt_error_destroy(err);
			return -EINVAL;
		}
	}
	L->user_text_va = XENPT_SYNTH_LINUX_USER_TEXT;
	L->user_text_size = 8 << 12;
	L->user_data_va = 0x600000;
	L->user_data_size = 4 << 12;
	L->user_heap_va = 0x1a00000;
	L->user_heap_size = 32 << 12;
	L->user_mmap_va = 0x7ffff7dc0000ull;
	L->user_mmap_size = 28 << 12;
	L->user_stack_size = 33 << 12;
	L->user_stack_va = XENPT_SYNTH_LINUX_STACK_TOP - L->user_stack_size;
	rc = map_new(s, L->root_kernel, L->user_text_va, 8, F_UTEXT, "user text", NULL);
	if (!rc)
		rc = map_new(s, L->root_kernel, L->user_data_va, 4, F_URW, "user data", NULL);
	if (!rc)
		rc = map_new(s, L->root_kernel, L->user_heap_va, 32, F_URW, "the user heap", NULL);
	if (!rc)    // a shared library's text and data, then anonymous memory
		rc = map_new(s, L->root_kernel, L->user_mmap_va, 16, F_UTEXT, "a library", NULL);
	if (!rc)
		rc = map_new(s, L->root_kernel, L->user_mmap_va + (16 << 12), 4, F_URW,
			     "a library", NULL);
	if (!rc)
		rc = map_new(s, L->root_kernel, L->user_mmap_va + (20 << 12), 8, F_URW,
			     "anonymous memory", NULL);
	if (!rc)
		rc = map_new(s, L->root_kernel, L->user_stack_va, 33, F_URW, "the user stack", NULL);
	if (rc)
		return rc;

	// the user pgd: user half shared, slot 511 the vsyscall L3 (pinned)
	{
		struct xenpt_error *err = xenpt_synth_share(s, L->root_user, L->root_kernel, 0, 255);

		if (err) {
			synth_fail(s, -EINVAL, "%s", xenpt_error_message(err));
			xenpt_error_destroy(err);
			return -EINVAL;
		}
	}
	rc = synth_new_table(s, 3, &pg);
	if (rc)
		return rc;
	l3 = pg->frame;
	L->vsyscall_l3_mfn = l3;
	rc = synth_pin(s, 3, l3);
	if (rc)
		return rc;
	pg = synth_page_get(s, s->roots[L->root_user].frame);
	rc = synth_write_entry(s, pg, 4, 511, (l3 << 12) | XENPT_PTE_P | XENPT_PTE_RW |
			       XENPT_PTE_US | XENPT_PTE_A | XENPT_PTE_D, false);
	if (rc)
		return rc;

	// __xen_pgd_pin(): user L1s, the pgd, then the user pgd
	rc = pin_user_l1s(s, L->root_kernel);
	if (!rc)
		rc = synth_pin(s, 4, s->roots[L->root_kernel].frame);
	if (!rc)
		rc = synth_pin(s, 4, s->roots[L->root_user].frame);
	if (rc)
		return rc;

	// vCPU state
	L->pf_handler = L->text_va + TRAP_BASE + 0x40 * 14;
	L->event_callback = L->text_va + CALLBACKS;
	rc = set_vcpus(s, L, gdt, stack);
	if (rc)
		return rc;

	// recognisable content
	L->banner_va = L->rodata_va;
	{
		static const char banner[] =
			"Linux version 6.1.0-xenpt-synth (xenpt@synthetic) (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC\n";
		struct xenpt_error *err = xenpt_synth_write_va(s, L->root_init, xenpt_va(L->banner_va),
								banner, sizeof(banner));

		if (err) {
			synth_fail(s, -EINVAL, "%s", xenpt_error_message(err));
			xenpt_error_destroy(err);
			return -EINVAL;
		}
	}
	for (vs = 0; vs < 0x81; vs++)
		if (s->vcpus[0].traps[vs].address && (rc = write_code(s, L->root_init,
								       s->vcpus[0].traps[vs].address)))
			return rc;
	for (i = 0; i < 3; i++)
		if ((rc = write_code(s, L->root_init, L->event_callback + 0x100 * i)))
			return rc;

	// shared_info: the P2M as Linux publishes it (xen_setup_mfn_list_list)
	memset(&si, 0, sizeof(si));
	si.max_pfn = s->p.nr_pages;
	si.pfn_to_mfn_frame_list_list = L->fll_mfn;
	si.p2m_cr3 = s->roots[L->root_init].frame << 12;
	si.p2m_vaddr = L->p2m_va;
	si.p2m_generation = 0;
	si.wc_version = 2;
	si.wc_sec = 1763719200;
	si.wc_nsec = 123456789;
	si.nr_pending_evtchn = 2;
	si.nr_masked_evtchn = 1;
	s->shinfo = si;
	synth_encode_shared_info(s);

	// and last the direct map over all RAM
	rc = direct_map(s, L);
	if (rc)
		return rc;
	return 0;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_layout_linux(struct xenpt_synth *s,
							  struct xenpt_synth_linux *ret)
{
	struct xenpt_synth_linux *L;
	uint64_t *gdt, *stack;
	int rc;

	if (!s->pv)
		return xenpt_error_create(XENPT_ERR_UNSUPPORTED,
					  "%s: layout linux: only for PV domains", s->desc);
	if (s->have_linux || s->nr_roots != 1 || s->nr_ext || s->nr_erec)
		return xenpt_error_create(XENPT_ERR_INVALID_ARG,
					  "%s: layout linux must come first, before any other mapping or root",
					  s->desc);
	if (s->p.nr_pages < 0x2000)
		return xenpt_error_hint(
			xenpt_error_create(XENPT_ERR_INVALID_ARG,
					   "%s: layout linux needs at least 32 MiB (0x2000 pages), not 0x%" PRIx64,
					   s->desc, s->p.nr_pages),
			"the kernel image alone sits at 16 MiB");
	L = &s->linux_info;
	gdt = calloc(s->p.nr_vcpus, sizeof(*gdt));
	stack = calloc(s->p.nr_vcpus, sizeof(*stack));
	if (!gdt || !stack) {
		free(gdt);
		free(stack);
		return xenpt_error_create(XENPT_ERR_NOMEM, "out of memory");
	}
	rc = layout(s, L, gdt, stack);
	free(gdt);
	free(stack);
	if (rc)
		return synth_fail_error(s, "layout linux");
	s->have_linux = true;
	if (ret)
		*ret = *L;
	return NULL;
}

XENPT_PUBLIC struct xenpt_error *xenpt_synth_linux_info(const struct xenpt_synth *s,
							struct xenpt_synth_linux *ret)
{
	if (!s->have_linux)
		return xenpt_error_create(XENPT_ERR_NOT_FOUND, "%s: no Linux layout was made",
					  s->desc);
	*ret = s->linux_info;
	return NULL;
}
