/* SPDX-License-Identifier: MIT */
/* xenpt vcpu: registers and control registers of each vCPU. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The frame a CR3 names, with its other label (PV: PFN via M2P). */
static void cr3_frames(struct cli *cli, uint64_t cr3, uint64_t *frame, uint64_t *other)
{
	const struct xenpt_domain_info *d = xenpt_source_domain(cli->src);

	*other = XENPT_INVALID_FRAME;
	if (d->hvm) {
		*frame = (cr3 & 0x000ffffffffff000ull) >> 12;
		return;
	}
	*frame = cr3 >> 12;   /* 64-bit PV: xen_cr3_to_pfn_x86_64() */
	if (xenpt_source_caps(cli->src) & XENPT_CAP_M2P) {
		xenpt_mfn_t m = xenpt_mfn(*frame);
		xenpt_gfn_t g;
		struct xenpt_error *err = xenpt_source_m2p(cli->src, &m, 1, &g);

		if (!err)
			*other = xenpt_gfn_x(g);
		xenpt_error_destroy(err);
	}
}

static const char *cr3_label(struct cli *cli, uint64_t cr3, char *buf, size_t len)
{
	const struct xenpt_domain_info *d = xenpt_source_domain(cli->src);
	uint64_t frame, other;

	cr3_frames(cli, cr3, &frame, &other);
	if (d->hvm)
		snprintf(buf, len, "gfn 0x%" PRIx64, frame);
	else if (other != XENPT_INVALID_FRAME)
		snprintf(buf, len, "mfn 0x%" PRIx64 ", pfn 0x%" PRIx64, frame, other);
	else
		snprintf(buf, len, "mfn 0x%" PRIx64 ", pfn unknown", frame);
	return buf;
}

/* HVM: the paging mode the library reads this vCPU's addresses in (false if none). */
static bool hvm_aspace(struct cli *cli, const struct xenpt_vcpu *v, struct xenpt_aspace *as)
{
	struct xenpt_error *err;

	if (!xenpt_source_domain(cli->src)->hvm || !v->online)
		return false;
	err = xenpt_aspace_from_vcpu(cli->src, v->id, false, as);
	if (err) {
		xenpt_error_destroy(err);
		return false;
	}
	return true;
}

/* --symbols: "name+0x10", or "-" when no symbol covers @addr. */
static const char *sym_or_dash(struct cli *cli, uint64_t addr, char *buf, size_t len)
{
	cli_sym(cli, addr, buf, len);
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

/* --json --symbols: KEY_symbol when a symbol covers @addr. */
static void json_sym(struct cli *cli, struct jw *w, const char *key, uint64_t addr)
{
	char buf[160], k[64];

	if (!cli->syms || !*cli_sym(cli, addr, buf, sizeof(buf)))
		return;
	snprintf(k, sizeof(k), "%s_symbol", key);
	jw_kstr(w, k, buf);
}

static void vcpu_json(struct cli *cli, const struct xenpt_vcpu *v, bool all)
{
	const struct xenpt_domain_info *d = xenpt_source_domain(cli->src);
	struct jw *w = cli_jw(cli);
	uint64_t frame, other;
	unsigned i;

	jw_obj_begin(w);
	jw_ku64(w, "vcpu", v->id);
	jw_kbool(w, "online", v->online);
	jw_khex(w, "flags", v->flags);
	if (!d->hvm)
		jw_kbool(w, "in_kernel", v->flags & 4);   /* VGCF_in_kernel: PV only */
	jw_key(w, "regs");
	jw_obj_begin(w);
#define R(n) jw_khex(w, #n, v->regs.n)
	R(rax); R(rbx); R(rcx); R(rdx); R(rsi); R(rdi); R(rbp); R(rsp);
	R(r8); R(r9); R(r10); R(r11); R(r12); R(r13); R(r14); R(r15);
	R(rip); R(rflags); R(cs); R(ss); R(ds); R(es); R(fs); R(gs);
#undef R
	jw_obj_end(w);
	json_sym(cli, w, "rip", v->regs.rip);
	jw_khex(w, "cr0", v->cr0);
	jw_khex(w, "cr2", v->cr2);
	jw_khex(w, "cr3", v->cr3);
	cr3_frames(cli, v->cr3, &frame, &other);
	if (d->hvm) {
		jw_kframe(w, "cr3_gfn", frame);
	} else {
		jw_kframe(w, "cr3_mfn", frame);
		jw_kframe(w, "cr3_pfn", other);
	}
	jw_khex(w, "cr4", v->cr4);
	if (v->efer_known)
		jw_khex(w, "efer", v->efer);
	else
		jw_kframe(w, "efer", XENPT_INVALID_FRAME);
	{
		struct xenpt_aspace as;
		char from[128];

		if (hvm_aspace(cli, v, &as)) {
			jw_kstr(w, "paging_mode", xenpt_paging_mode_name(as.mode));
			jw_kbool(w, "mode_inferred", as.mode_inferred);
			if (as.mode_inferred)
				jw_kstr(w, "mode_from", xenpt_aspace_mode_from(&as, from, sizeof(from)));
		}
	}
	if (!d->hvm) {
		jw_khex(w, "user_cr3", v->user_cr3);
		if (v->user_cr3) {
			cr3_frames(cli, v->user_cr3, &frame, &other);
			jw_kframe(w, "user_cr3_mfn", frame);
			jw_kframe(w, "user_cr3_pfn", other);
		}
		jw_khex(w, "kernel_ss", v->kernel_ss);
		jw_khex(w, "kernel_sp", v->kernel_sp);
		jw_khex(w, "event_callback", v->event_callback_eip);
		json_sym(cli, w, "event_callback", v->event_callback_eip);
		jw_khex(w, "failsafe_callback", v->failsafe_callback_eip);
		json_sym(cli, w, "failsafe_callback", v->failsafe_callback_eip);
		jw_khex(w, "syscall_callback", v->syscall_callback_eip);
		json_sym(cli, w, "syscall_callback", v->syscall_callback_eip);
		jw_key(w, "page_fault_handler");
		jw_obj_begin(w);
		jw_khex(w, "address", v->traps[14].address);
		json_sym(cli, w, "address", v->traps[14].address);
		jw_khex(w, "cs", v->traps[14].cs);
		jw_ku64(w, "dpl", v->traps[14].flags & 3);
		jw_kbool(w, "masks_events", v->traps[14].flags & 4);
		jw_obj_end(w);
		jw_ku64(w, "gdt_ents", v->gdt_ents);
		jw_ku64(w, "ldt_ents", v->ldt_ents);
		if (all) {
			jw_key(w, "traps");
			jw_arr_begin(w);
			for (i = 0; i < 256; i++) {
				if (!v->traps[i].address)
					continue;
				jw_obj_begin(w);
				jw_ku64(w, "index", i);
				jw_ku64(w, "vector", v->traps[i].vector);
				jw_khex(w, "cs", v->traps[i].cs);
				jw_ku64(w, "flags", v->traps[i].flags);
				jw_khex(w, "address", v->traps[i].address);
				jw_obj_end(w);
			}
			jw_arr_end(w);
		}
	}
	jw_khex(w, "fs_base", v->fs_base);
	jw_khex(w, "gs_base_kernel", v->gs_base_kernel);
	jw_khex(w, "gs_base_user", v->gs_base_user);
	jw_obj_end(w);
}

static void regline(const char *const names[4], const uint64_t vals[4], unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		printf("%s%-6s 0x%016" PRIx64, i ? "  " : "  ", names[i], vals[i]);
	printf("\n");
}

static void vcpu_plain(struct cli *cli, const struct xenpt_vcpu *v, bool all)
{
	const struct xenpt_domain_info *d = xenpt_source_domain(cli->src);
	char buf[96];
	unsigned i;

	printf("vCPU %u: %s%s\n", v->id, v->online ? "online" : "offline",
	       d->hvm ? "" : (v->flags & 4 ? ", in kernel" : ", in user mode"));
	{
		const char *n1[4] = { "rip", "rsp", "rflags", "rbp" };
		uint64_t v1[4] = { v->regs.rip, v->regs.rsp, v->regs.rflags, v->regs.rbp };
		const char *n2[4] = { "rax", "rbx", "rcx", "rdx" };
		uint64_t v2[4] = { v->regs.rax, v->regs.rbx, v->regs.rcx, v->regs.rdx };
		const char *n3[4] = { "rsi", "rdi", "r8", "r9" };
		uint64_t v3[4] = { v->regs.rsi, v->regs.rdi, v->regs.r8, v->regs.r9 };
		const char *n4[4] = { "r10", "r11", "r12", "r13" };
		uint64_t v4[4] = { v->regs.r10, v->regs.r11, v->regs.r12, v->regs.r13 };
		const char *n5[4] = { "r14", "r15", "fsbase", "gsbase" };
		uint64_t v5[4] = { v->regs.r14, v->regs.r15, v->fs_base, v->gs_base_kernel };
		regline(n1, v1, 4);
		regline(n2, v2, 4);
		regline(n3, v3, 4);
		regline(n4, v4, 4);
		regline(n5, v5, 4);
	}
	if (cli->syms) {
		char s1[128];

		printf("  %-6s %s (rip)\n", "symbol", sym_or_dash(cli, v->regs.rip, s1, sizeof(s1)));
	}
	printf("  %-6s 0x%04x  %-4s 0x%04x  %-4s 0x%04x  %-4s 0x%04x  %-4s 0x%04x  %-4s 0x%04x\n",
	       "cs", v->regs.cs, "ss", v->regs.ss, "ds", v->regs.ds, "es", v->regs.es, "fs",
	       v->regs.fs, "gs", v->regs.gs);
	printf("  %-6s 0x%016" PRIx64 "  %-6s 0x%016" PRIx64 "\n", "cr0", v->cr0, "cr2", v->cr2);
	printf("  %-6s 0x%016" PRIx64 "  (%s)\n", "cr3", v->cr3, cr3_label(cli, v->cr3, buf, sizeof(buf)));
	printf("  %-6s 0x%016" PRIx64 "  %-6s %s\n", "cr4", v->cr4, "efer",
	       v->efer_known ? (snprintf(buf, sizeof(buf), "0x%016" PRIx64, v->efer), buf)
			     : "unknown (not saved in this source)");
	{
		struct xenpt_aspace as;
		char from[128];

		if (hvm_aspace(cli, v, &as))
			printf("  paging %s%s%s%s\n", xenpt_paging_mode_name(as.mode),
			       as.mode_inferred ? " (inferred from " : "",
			       xenpt_aspace_mode_from(&as, from, sizeof(from)), as.mode_inferred ? ")" : "");
	}
	if (!d->hvm) {
		if (v->user_cr3)
			printf("  %-6s 0x%016" PRIx64 "  (user L4, ctrlreg[1]: %s)\n", "ucr3",
			       v->user_cr3, cr3_label(cli, v->user_cr3, buf, sizeof(buf)));
		else
			printf("  %-6s 0                   (no separate user L4)\n", "ucr3");
		printf("  kernel stack   ss 0x%" PRIx64 " sp 0x%016" PRIx64 "\n", v->kernel_ss, v->kernel_sp);
		printf("  callbacks      event 0x%016" PRIx64 "  failsafe 0x%016" PRIx64 "  syscall 0x%016" PRIx64 "\n",
		       v->event_callback_eip, v->failsafe_callback_eip, v->syscall_callback_eip);
		printf("  #PF handler    0x%016" PRIx64 "  cs 0x%04x dpl %u%s\n", v->traps[14].address,
		       v->traps[14].cs, v->traps[14].flags & 3,
		       v->traps[14].flags & 4 ? " (masks events)" : "");
		printf("  descriptors    gdt %" PRIu64 " entries, ldt %" PRIu64 " entries at 0x%" PRIx64 "\n",
		       v->gdt_ents, v->ldt_ents, v->ldt_base);
		if (cli->syms) {   /* --symbols: names of the entry points */
			char s1[128], s2[128], s3[128], s4[128];

			printf("  symbols        event %s  failsafe %s  syscall %s  #PF %s\n",
			       sym_or_dash(cli, v->event_callback_eip, s1, sizeof(s1)),
			       sym_or_dash(cli, v->failsafe_callback_eip, s2, sizeof(s2)),
			       sym_or_dash(cli, v->syscall_callback_eip, s3, sizeof(s3)),
			       sym_or_dash(cli, v->traps[14].address, s4, sizeof(s4)));
		}
		if (all) {
			printf("  trap table:\n");
			for (i = 0; i < 256; i++)
				if (v->traps[i].address)
					printf("    %3u  vector %3u  cs 0x%04x  dpl %u  %s0x%016" PRIx64 "\n", i,
					       v->traps[i].vector, v->traps[i].cs, v->traps[i].flags & 3,
					       v->traps[i].flags & 4 ? "masks-events " : "             ",
					       v->traps[i].address);
		}
	}
}

int cmd_vcpu(struct cli *cli, int argc, char **argv)
{
	struct cli_aspace_opts ao = { 0 };   /* only for --symbols */
	const struct xenpt_domain_info *d;
	struct xenpt_vcpu *v = NULL;
	struct xenpt_error *err;
	bool all = false, one = false;
	uint64_t which = 0, first, last, i;
	const char *arg;
	size_t oi = 0;
	int c, rc = EXIT_OK;

	while ((c = cli_next_opt(cli, &oi, &arg)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == OPT_SYMBOLS && cli_aspace_opt(cli, c, arg, &ao))
			return EXIT_USAGE;
	}
	if (argc == 1) {
		if (!cli_parse_u64(argv[0], &which) || which > UINT32_MAX)
			return cli_usage_error(cli, "'%s' is not a vCPU number", argv[0]);
		one = true;
	}
	cli_auto_symbols(cli);   /* in the shell: the guest's kallsyms without --symbols */
	d = xenpt_source_domain(cli->src);
	if (one && which >= d->nr_vcpus)
		return cli_error(cli, xenpt_error_create(XENPT_ERR_NOT_FOUND,
			"%s has no vCPU %" PRIu64 " (vCPUs 0-%u)", xenpt_source_describe(cli->src),
			which, d->nr_vcpus ? d->nr_vcpus - 1 : 0));
	first = one ? which : 0;
	last = one ? which : (d->nr_vcpus ? d->nr_vcpus - 1 : 0);
	v = malloc(sizeof(*v));
	if (!v)
		return cli_error(cli, xenpt_error_create(XENPT_ERR_NOMEM, "out of memory"));
	if (cli->json)
		jw_arr_begin(cli_jw(cli));
	for (i = first; i <= last && d->nr_vcpus; i++) {
		err = xenpt_source_vcpu(cli->src, (uint32_t)i, v);
		if (err) {
			if (cli->json)
				jw_arr_end(cli_jw(cli));
			rc = cli_error(cli, err);
			break;
		}
		if (cli->json) {
			vcpu_json(cli, v, all);
		} else {
			if (i != first)
				printf("\n");
			vcpu_plain(cli, v, all);
		}
	}
	if (cli->json && rc == EXIT_OK)
		jw_arr_end(cli_jw(cli));
	free(v);
	return rc;
}
