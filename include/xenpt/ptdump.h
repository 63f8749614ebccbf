/* SPDX-License-Identifier: MIT */
/**
 * @file ptdump.h
 * A whole address space at a glance, in the style of the Linux kernel's
 * page-table dump (arch/x86/mm/dump_pagetables.c): section markers, one
 * run per stretch of entries with the same level and the same effective
 * attributes, and a report of the findings (W+X mappings, user-accessible
 * kernel mappings, writable mappings of page-table frames, entries with
 * reserved bits, unreadable tables, recursive or linear references).
 *
 * Cost.  A dump reads every distinct table frame of the address space once
 * (plus once more for the tables it has to print entry by entry) and keeps
 * one summary per (table frame, level, rights inherited from above): a
 * table shared by many entries, or by every slot of its parent and of each
 * ancestor, is summarised once and replayed, so the work is linear in the
 * number of DISTINCT table frames, never in the number of paths to them.
 * Printing costs in proportion to the lines printed: a subtree whose lines
 * are skipped (--max-lines) or that is one single run is accounted for from
 * its summary without being visited.
 *
 * Cycles and shared tables.  Every table gets ONE level, the highest at
 * which it is reached from the root (a breadth-first pass).  An entry at
 * level L is followed only when it names a table of level L-1; an entry
 * naming a table of level L or above (a self map, a loop back to an
 * ancestor, Xen-style same-level "linear" page tables) is reported as a
 * XENPT_PTDUMP_LINEAR run and not followed.  Unlike the single-address
 * walker, which follows what the hardware would follow, this makes the
 * result independent of the path, which is what lets summaries be shared.
 * In a 64-bit PV guest Xen's L4 slots 256-271 are never walked, and an
 * entry with flags Xen never validates (lib/xen/pv.h) is a DISALLOWED run.
 *
 * Output.  Emission is linear in the distinct tables too: without
 * opts.expand a subtree printed in full once is named by REPEAT runs
 * afterwards (see xenpt_ptdump_opts.expand).
 *
 * The library does not print: runs, section markers and "N lines skipped"
 * notices are handed to a callback in address order.
 */
#ifndef XENPT_PTDUMP_H
#define XENPT_PTDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/types.h>
#include <xenpt/walk.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a run is. */
enum xenpt_ptdump_kind {
	XENPT_PTDUMP_MAPPED = 1,   /**< leaf entries: pages */
	XENPT_PTDUMP_HOLE,         /**< non-present entries */
	XENPT_PTDUMP_TABLE,        /**< with max_level: table entries not descended */
	XENPT_PTDUMP_XEN_SLOT,     /**< PV: Xen's L4 slots 256-271, not walked */
	XENPT_PTDUMP_RESERVED,     /**< an entry with reserved bits set: not followed */
	XENPT_PTDUMP_UNREADABLE,   /**< an entry naming a table that cannot be read */
	XENPT_PTDUMP_LINEAR,       /**< an entry naming a table of its own level or above
				        (self map, loop, linear page table): not followed */
	XENPT_PTDUMP_DISALLOWED,   /**< 64-bit PV: an entry with flags Xen never validates at its
				        level (disallow masks, lib/xen/pv.h): not followed */
	XENPT_PTDUMP_REPEAT,       /**< emission only: entries naming a subtree (table, rights)
				        printed before in full at @c same_as; not printed again
				        (without opts.expand) */
};

/** "mapped", "hole", "table", "xen_slot", "reserved_bits", "unreadable", "linear",
 *  "disallowed_flags", "repeat". */
const char *xenpt_ptdump_kind_name(enum xenpt_ptdump_kind kind);

/** Attribute bits of a run (struct xenpt_ptdump_run.attrs). */
enum {
	XENPT_PTDUMP_USER = 1u << 0, /**< the privilege of struct xenpt_walk.user (MAPPED; TABLE:
				      HVM only, 64-bit PV decides at the leaf) */
	XENPT_PTDUMP_RW   = 1u << 1, /**< effective write permission */
	XENPT_PTDUMP_NX   = 1u << 2, /**< effective no-execute */
	XENPT_PTDUMP_GLB  = 1u << 3, /**< leaf: G */
	XENPT_PTDUMP_PSE  = 1u << 4, /**< leaf: a large page (PS at L2/L3) */
	XENPT_PTDUMP_PAT  = 1u << 5, /**< leaf: PAT (bit 7 in an L1 entry, bit 12 in a large one) */
	XENPT_PTDUMP_PCD  = 1u << 6,
	XENPT_PTDUMP_PWT  = 1u << 7,
	XENPT_PTDUMP_HW_USER = 1u << 8, /**< raw hardware: US at every level */
};

/**
 * Frame type of the pages of a MAPPED run (64-bit PV only): what Xen says
 * (sources with XENPT_CAP_PAGE_TYPES), else the level at which the frame is
 * used as a table in the dumped address space.
 */
enum xenpt_ptdump_ftype {
	XENPT_PTDUMP_FT_NONE = 0,  /**< not known to be special */
	XENPT_PTDUMP_FT_L1, XENPT_PTDUMP_FT_L2, XENPT_PTDUMP_FT_L3, XENPT_PTDUMP_FT_L4,
	XENPT_PTDUMP_FT_XTAB,      /**< Xen: not the domain's (Xen's, I/O, another domain's) */
	XENPT_PTDUMP_FT_BROKEN,
	XENPT_PTDUMP_FT_XALLOC,
};

/** "", "l1".."l4", "xtab", "broken", "xalloc". */
const char *xenpt_ptdump_ftype_name(enum xenpt_ptdump_ftype t);

/** One run: entries of one level with the same attributes, in address order. */
struct xenpt_ptdump_run {
	uint64_t start;            /**< first VA */
	uint64_t last;             /**< last VA (inclusive) */
	enum xenpt_ptdump_kind kind;
	unsigned level;            /**< level of the entries (1 = L1) */
	unsigned attrs;            /**< XENPT_PTDUMP_USER... (MAPPED; TABLE: USER/RW/NX) */
	enum xenpt_ptdump_ftype ftype;
	uint64_t entries;          /**< page-table entries in the run (through every path) */
	uint64_t below_mapped;     /**< TABLE runs: bytes mapped below the entries */
	/*
	 * One entry (raw MAPPED runs and RESERVED / UNREADABLE / LINEAR runs,
	 * which always hold exactly one entry; else table = XENPT_INVALID_FRAME).
	 */
	uint64_t table;            /**< frame of the table holding it (as.space) */
	unsigned index;
	uint64_t entry;            /**< the raw entry */
	uint64_t frame;            /**< MAPPED: first 4K frame; UNREADABLE / LINEAR: the table named;
				        RESERVED: the frame field */
	uint64_t frame_other;      /**< raw MAPPED, PV: its PFN via the M2P, else XENPT_INVALID_FRAME */
	unsigned named_level;      /**< LINEAR / UNREADABLE: the level of the table named */
	uint64_t rsvd;             /**< RESERVED: the reserved bits set in the entry */
	uint64_t disallowed;       /**< DISALLOWED: the flags Xen refuses at the level */
	uint64_t same_as;          /**< REPEAT: first VA of the subtree printed in full; @c frame
				        is its table, named_level its level, @c entries the number
				        of entries (occurrences) in the run */
	int err;                   /**< UNREADABLE: per-frame errno */
};

/** Finding classes. */
enum xenpt_ptdump_class {
	XENPT_PTDUMP_WX = 0,        /**< writable and executable */
	XENPT_PTDUMP_USER_KERNEL,   /**< user-accessible, in the kernel half (4/5-level only) */
	XENPT_PTDUMP_WRITABLE_PT,   /**< PV: writable mapping of a page-table frame */
	XENPT_PTDUMP_NR_CLASSES,
};

/** Problem classes (one entry each). */
enum xenpt_ptdump_problem {
	XENPT_PTDUMP_P_RESERVED = 0,
	XENPT_PTDUMP_P_UNREADABLE,
	XENPT_PTDUMP_P_LINEAR,
	XENPT_PTDUMP_P_DISALLOWED,  /**< 64-bit PV: flags Xen never validates */
	XENPT_PTDUMP_NR_PROBLEMS,
};

/** "wx", "user_kernel", "writable_pt". */
const char *xenpt_ptdump_class_name(enum xenpt_ptdump_class c);
/** "reserved_bits", "unreadable", "linear", "disallowed_flags". */
const char *xenpt_ptdump_problem_name(enum xenpt_ptdump_problem p);

struct xenpt_ptdump_opts {
	uint64_t va_start, va_last;   /**< inclusive range; 0 and UINT64_MAX for everything */
	/**
	 * 0 or 1: down to the leaves.  N (2..5): entries of level N that name a
	 * table are not descended but shown as TABLE runs summarising below.
	 */
	unsigned max_level;
	bool raw;                     /**< one run per present leaf entry (holes still coalesce) */
	bool no_ftypes;               /**< do not look up the frame types of mapped pages */
	size_t max_listed;            /**< findings listed per class (0 = 16) */
	/**
	 * Print every occurrence of a repeated subtree.  Without it, a subtree
	 * (one table with the rights inherited from above) that takes more
	 * than one line is printed in full once, and later entries naming it
	 * are REPEAT runs (consecutive ones merged), so that the output, like
	 * the work, is linear in the distinct tables (a table linked from all
	 * 512 slots of its parent and of each ancestor prints a handful of
	 * lines, not 512^3 times its own).
	 */
	bool expand;
};

void xenpt_ptdump_opts_init(struct xenpt_ptdump_opts *ret);

struct xenpt_ptdump;

/**
 * Read the address space @p as of @p src: one breadth-first pass that
 * finds every table and its level, and a summary of each (table, rights)
 * inside the range.  Unreadable tables, cycles, reserved bits are results.
 */
struct xenpt_error *xenpt_ptdump_create(struct xenpt_source *src, const struct xenpt_aspace *as,
					const struct xenpt_ptdump_opts *opts,
					struct xenpt_ptdump **ret);
void xenpt_ptdump_destroy(struct xenpt_ptdump *d);

/** A section marker (Linux-like layout for 4/5-level paging, Xen's slots for PV). */
struct xenpt_ptdump_section {
	uint64_t start;             /**< first VA of the section */
	const char *name;           /**< "user", "Xen reserved: L4 slots 256-271", "direct map", ... */
	uint64_t max_lines;         /**< default line limit (0: none); the kernel's ptdump
				         limits its ESPfix area to 16 */
};

/** xenpt_ptdump_emit() max_lines: each section's own default limit. */
#define XENPT_PTDUMP_SECTION_LIMITS UINT64_MAX

enum xenpt_ptdump_event_type {
	XENPT_PTDUMP_EV_SECTION,    /**< a new section starts (ev.section) */
	XENPT_PTDUMP_EV_RUN,        /**< a run (ev.run) */
	XENPT_PTDUMP_EV_SKIPPED,    /**< at a section's end: ev.skipped lines were not handed out */
};

struct xenpt_ptdump_event {
	enum xenpt_ptdump_event_type type;
	const struct xenpt_ptdump_section *section; /**< the current section (every event) */
	const struct xenpt_ptdump_run *run;
	uint64_t skipped;
};

/** Callback; a non-NULL error stops the emission and is returned. */
typedef struct xenpt_error *(*xenpt_ptdump_fn)(void *arg, const struct xenpt_ptdump_event *ev);

/**
 * Hand the runs of the range to @p fn in address order, with a SECTION
 * event before each section that has anything in the range.  With
 * @p max_lines > 0 at most that many runs are handed out per section, and
 * a SKIPPED event counts the others (as the kernel's ptdump does for its
 * ESPfix area); 0 hands out everything; XENPT_PTDUMP_SECTION_LIMITS uses
 * each section's default (16 for "espfix", where Linux maps the same
 * stack pages 131072 times).  The non-canonical gap produces no run.
 */
struct xenpt_error *xenpt_ptdump_emit(struct xenpt_ptdump *d, uint64_t max_lines,
				      xenpt_ptdump_fn fn, void *arg);

/** One listed finding region (merged across runs) or problem entry. */
struct xenpt_ptdump_region {
	uint64_t start, last;       /**< VA range (inclusive) */
	struct xenpt_ptdump_run run; /**< problems: the run of the entry; classes: the first run */
};

/** Totals over the range and the findings. */
struct xenpt_ptdump_report {
	uint64_t mapped_bytes;
	uint64_t pages[4];          /**< present leaf entries by level (index 1..3; 4M pages at 2) */
	uint64_t tables;            /**< distinct table frames of the address space */
	uint64_t tables_by_level[6]; /**< ... by level (index 1..5) */
	struct {
		uint64_t regions;       /**< maximal VA ranges of the class */
		uint64_t bytes;
		size_t nlisted;         /**< the first min(regions, max_listed) */
		const struct xenpt_ptdump_region *listed;
	} cls[XENPT_PTDUMP_NR_CLASSES];
	struct {
		uint64_t entries;       /**< entries of the problem (counted per path) */
		size_t nlisted;
		const struct xenpt_ptdump_region *listed;
	} prob[XENPT_PTDUMP_NR_PROBLEMS];
	uint64_t findings;          /**< regions of every class + problem entries */
};

/**
 * Compute the report of the range (valid until the next call or destroy).
 * Subtrees without findings cost O(1) each.
 */
struct xenpt_error *xenpt_ptdump_report(struct xenpt_ptdump *d,
					const struct xenpt_ptdump_report **ret);

/** One table frame of the address space. */
struct xenpt_ptdump_table {
	unsigned level;
	uint64_t frame;             /**< as.space: MFN (PV) or GFN (HVM) */
	uint64_t frame_other;       /**< PV: PFN via the M2P; else XENPT_INVALID_FRAME */
	uint64_t first_va;          /**< first VA it covers, through the first path found */
	uint64_t refs;              /**< entries linking it in (followed), 0 for the root */
	unsigned present, leaves, links; /**< present entries; of them leaves, followed table links */
	bool unreadable;
	int err;
	bool have_type;             /**< the source has page types */
	xenpt_page_type_t type;     /**< Xen's type word of the frame */
};

/**
 * List every table frame in breadth-first order (level by level, the root
 * first), reading each once (L1 tables too); the range does not apply.
 */
struct xenpt_error *xenpt_ptdump_tables(struct xenpt_ptdump *d,
					struct xenpt_error *(*fn)(void *arg,
								  const struct xenpt_ptdump_table *t),
					void *arg);

/** Work counters (exact, for tests and benchmarks). */
struct xenpt_ptdump_stats {
	uint64_t tables;            /**< distinct table frames found */
	uint64_t table_reads;       /**< table reads through the frame cache, all passes */
	uint64_t summaries;         /**< (table, rights) summaries computed */
	uint64_t summary_hits;      /**< summaries reused instead of re-walking */
	uint64_t entries_scanned;   /**< entries decoded, all passes */
	uint64_t emit_tables;       /**< tables visited while emitting */
	uint64_t report_tables;     /**< tables visited while reporting */
};

void xenpt_ptdump_stats(const struct xenpt_ptdump *d, struct xenpt_ptdump_stats *ret);

/** Name of level @p level as the kernel's ptdump says it (pgd, p4d, pud, pmd, pte). */
const char *xenpt_ptdump_level_name(enum xenpt_paging_mode mode, unsigned level);

#ifdef __cplusplus
}
#endif
#endif
