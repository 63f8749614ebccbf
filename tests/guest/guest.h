/* SPDX-License-Identifier: MIT */
/*
 * xenpt test guest: declarations shared by its files.  A tiny 64-bit PV
 * kernel, freestanding C11 plus head.S.  See README.md.
 */
#ifndef XENPT_GUEST_H
#define XENPT_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/io/console.h>

#include "result.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ul

/* x86 page-table entry bits (Intel SDM vol. 3, 4.5) */
#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* #PF error code bits */
#define PFEC_P   (1u << 0)
#define PFEC_W   (1u << 1)
#define PFEC_U   (1u << 2)
#define PFEC_I   (1u << 4)

#define INVALID_FRAME (~0ull)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define barrier() __asm__ volatile("" ::: "memory")

/* One guest, one vCPU: all state is global. */
struct guest {
	start_info_t *si;
	shared_info_t *shinfo;          /* mapped at XENPT_GUEST_SHINFO_VA */
	uint64_t *p2m;                  /* start_info.mfn_list */
	uint64_t nr_pages;
	uint64_t l4_mfn;
	uint64_t boot_end_pfn;          /* PFNs below are mapped 1:1 */
	uint64_t pte_nx;                /* PTE_NX if the CPU has NX, else 0 */
	struct xencons_interface *cons; /* NULL until console_init() */
	evtchn_port_t cons_port;
	bool debug;                     /* mirror the console to console_io */
};

extern struct guest g;

/* Command-line options (start_info.cmd_line, from xl's extra=). */
struct options {
	char scenario[64];      /* scenario=a,b,c  (default "all") */
	unsigned int pages;     /* pages=N         pages per map/newtables, 1..16 (4) */
	bool hold;              /* hold=0|1        stay alive afterwards (1) */
	bool p2m_tree;          /* p2m=tree|list|both|none  (both) */
	bool p2m_list;
	bool pin;               /* pin=0|1         newtables pins its tables (1) */
	uint64_t poll_ms;       /* poll_ms=N       mailbox poll period (100) */
	uint64_t map_va;        /* map_va=VA       where "map" maps */
	uint64_t nt_va;         /* nt_va=VA        where "newtables" builds */
};

extern struct options opt;
extern struct xenpt_guest_result result_page;  /* head.S, fixed VA */
extern char inject_area[];                      /* head.S, fixed VA */
extern char image_start[], image_end[];

/* Exception frame as seen by xenpt_trap() (head.S builds it). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by Xen (create_bounce_frame), after rcx/r11 were popped */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* lib.c */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool parse_u64(const char *s, size_t len, uint64_t *ret);

/* console.c */
void console_init(void);
void console_write(const char *s, size_t n);
void console_flush(void);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool console_read_line(char *buf, size_t size);

/* main.c */
uint64_t now_ns(void);
void poll_sleep(uint64_t ns);
_Noreturn void shutdown(unsigned int reason);

/* result.c */
void result_init(const char *cmdline);
int rec_add(uint16_t kind, uint8_t level, uint32_t flags, uint64_t va, uint64_t pfn,
	    uint64_t mfn, uint64_t expect, uint64_t aux);
struct xenpt_guest_record *rec_get(int idx);
int fault_add(uint64_t va, uint64_t rip, uint32_t error, uint8_t vector, uint8_t action,
	      int touch);
void result_set_state(uint32_t state);
void result_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void result_changed(void);

/* mm.c */
uint64_t m2p(uint64_t mfn);
uint64_t pfn_to_mfn(uint64_t pfn);
void *pfn_va(uint64_t pfn);
uint64_t va_to_pfn(const void *va);
void mm_init(uint64_t first_free_pfn);
uint64_t alloc_pfn(void);
uint64_t alloc_mapped_pfn(void);
uint64_t read_entry(uint64_t table_mfn, unsigned int idx);
int walk(uint64_t va, uint64_t entries[4], uint64_t table_mfns[4]);
long map_va(uint64_t va, uint64_t mfn, uint64_t prot);
long unmap_va(uint64_t va);
long mmu_write(uint64_t maddr, uint64_t val);
long mmuext(unsigned int cmd, uint64_t mfn);
long clear_frame(uint64_t mfn);
long flush_tlb(void);
long ensure_l1(uint64_t va, bool pin, uint32_t rflags);
void fill_pattern(uint64_t *page, uint64_t va, uint64_t pfn, uint64_t mfn);
bool check_pattern(const uint64_t *page, uint64_t va, uint64_t pfn, uint64_t mfn);
uint64_t peek_frame(uint64_t mfn, unsigned int word);
void window_forget(void);
void p2m_publish(bool tree, bool list);
static inline unsigned int pt_index(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/* traps.c */
void traps_init(void);
void expect_fault(uint64_t fault_rip, uint64_t fixup_rip, int touch);
void expect_exec_fault(uint64_t va, int touch);
void expect_trap(uint8_t vector, int touch);
bool expect_pending(void);
void expect_clear(void);
int last_fault(void);
uint32_t last_fault_error(uint8_t *vector);
int expect_touch(void);

/* head.S: accesses that may trap, with their fixup labels */
uint64_t touch_read(uint64_t va);
void touch_write(uint64_t va, uint64_t val);
void touch_exec(uint64_t va);
void touch_int3(void);
void touch_ud2(void);
extern char touch_read_insn[], touch_read_fixup[];
extern char touch_write_insn[], touch_write_fixup[];
extern char touch_ud2_insn[], touch_ud2_fixup[];
extern char pf_entry[];

/* hooks for injected handlers (result.c) */
uint64_t hook_alloc(void);
void hook_log(const char *s);
void hook_fault(uint64_t va, uint64_t rip, uint64_t error, uint64_t vector);

/* scenario.c */
bool run_scenarios(const char *list);
int mbox_run(uint32_t op, uint64_t arg0, uint64_t arg1, uint64_t *ret);

/* corpus.c (tests/corpus/README.md) */
int corpus_info(uint64_t *ret);
int corpus_run(uint64_t k, uint64_t *ret);
int corpus_clean(uint64_t *ret);

#endif
