/* SPDX-License-Identifier: MIT */
/*
 * Live tests of the xenpt command-line tool against real Xen: the real
 * binary is run in dom0 (as root) and judged from the outside, against
 * Xen's own tools and the test guest's own report.  tests/live/run.sh
 * builds this, starts the domains and runs it in dom0.
 *
 *	live_cli --xenpt PATH [--pv DOM] [--pvh DOM] [--guest DOM]
 *	         [--gone-cfg CFG --gone-kernel PATH [--zombie-map BIN]] [--core-pv]
 *	         [--core-pvh] [--console-dir DIR] [-v]
 *
 * DOM is a domain name.  --pv: a booted 64-bit Linux PV domU; --pvh: a
 * booted PVH domU; --guest: the project's test guest (tests/guest/)
 * started with "scenario=all hold=1" and READY; --gone-cfg/--gone-kernel:
 * the test guest's xl config and kernel path, used to create throw-away
 * domains named xenpt-live-gone-PID-N that are destroyed while xenpt
 * reads them; --zombie-map: tests/live/zombie_map, which keeps a destroyed
 * throw-away domain dying (test_zombie); --core-pv/--core-pvh: compare live output with the output
 * on an `xl dump-core` of the same paused domain (PVH: minutes under
 * TCG).  The test guest is always compared with its dump-core (32 MiB).
 *
 * Oracles: `xl list`, `xl list -l`, `xl info`, `xl vcpu-list`, `xenctx -a`,
 * `xen-mfndump dump-p2m`, `xl dump-core` (read by xenpt's own core
 * backend: the comparison shows that the live and the core backends
 * agree), and the test guest's console lines and result page
 * (tests/guest/result.h).  Prints "ok - ..." / "FAIL - ..." / "skip - ..."
 * lines and "N passed, N failed, N skipped" at the end; exits 1 if
 * anything failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../guest/result.h"
#include "util.h"

#define INV UINT64_MAX
#define PAGE 4096u
#define XENPT_ARRAY_SIZE_LIVE(a) (sizeof(a) / sizeof((a)[0]))
#define T_CMD 60.0        /* seconds any one xenpt command may take */

static const char *xenpt = "xenpt";
static const char *console_dir = "/var/log/xen/console";
static bool has_p2m, has_dump, has_m2p, has_rmap, has_audit;
static char commands[512];

/* ---- running xenpt -------------------------------------------------------- */

/* Run xenpt with a formatted argument line (split at spaces). */
static bool xp(struct lt_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool xp(struct lt_run *r, const char *fmt, ...)
{
	char args[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return lt_runf(r, T_CMD, LT_CAPTURE, "%s %s", xenpt, args);
}

/* Run xenpt expecting exit 0 and JSON on stdout; NULL (reported) otherwise. */
static struct lt_json *xpj(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static struct lt_json *xpj(const char *name, const char *fmt, ...)
{
	char args[1536], st[64];
	struct lt_run r;
	struct lt_json *j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	lt_runf(&r, T_CMD, LT_CAPTURE, "%s %s", xenpt, args);
	if (!lt_exited(&r, 0)) {
		lt_report(false, name, "xenpt %s: %s: %s", args, lt_status_text(&r, st, sizeof(st)), r.err);
		lt_run_free(&r);
		return NULL;
	}
	j = lt_json_parse(r.out);
	if (!j)
		lt_report(false, name, "xenpt %s: output is not JSON: %.200s", args, r.out);
	lt_run_free(&r);
	return j;
}

/* xenpt read --raw ARGS: exactly @len bytes into @buf, or reported. */
static bool xp_bytes(const char *name, void *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool xp_bytes(const char *name, void *buf, size_t len, const char *fmt, ...)
{
	char args[1536], st[64];
	struct lt_run r;
	bool good;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	lt_runf(&r, T_CMD, LT_CAPTURE, "%s read --raw %s", xenpt, args);
	good = lt_exited(&r, 0) && r.out_len == len;
	if (good)
		memcpy(buf, r.out, len);
	else
		lt_report(false, name, "xenpt read --raw %s: %s, %zu bytes (want %zu): %s", args,
			  lt_status_text(&r, st, sizeof(st)), r.out_len, len, r.err);
	lt_run_free(&r);
	return good;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* ---- xl --------------------------------------------------------------------- */

struct xl_dom {
	char name[128];
	unsigned id, vcpus;
	unsigned long mem;
	char state[16];
};

/* `xl list [DOM]`; returns the number of domains, or -1. */
static int xl_list(const char *dom, struct xl_dom *d, int max)
{
	char *out = lt_sh("xl list %s 2>/dev/null", dom ? dom : ""), *line, *save = NULL;
	int n = 0;

	if (!out)
		return -1;
	for (line = strtok_r(out, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%127s %u %lu %u %15s", d[n].name, &d[n].id, &d[n].mem, &d[n].vcpus,
			   d[n].state) == 5)
			n++;
	}
	free(out);
	return n;
}

/* The state column of one domain ("-b----", "--p---"), or "" if it is gone. */
static const char *xl_state(const char *dom, char buf[16])
{
	struct xl_dom d;

	buf[0] = '\0';
	if (xl_list(dom, &d, 1) == 1)
		snprintf(buf, 16, "%s", d.state);
	return buf;
}

static bool xl_paused(const char *dom)
{
	char st[16];

	return xl_state(dom, st)[2] == 'p';
}

/* Domains this program paused with `xl pause`: unpaused at exit, whatever happens. */
static char paused[8][128];

static bool xl_pause(const char *dom)
{
	char *out = lt_sh("xl pause %s 2>&1 && echo paused", dom);
	bool good = out && strstr(out, "paused");
	unsigned i;

	free(out);
	for (i = 0; good && i < 8; i++)
		if (!paused[i][0]) {
			snprintf(paused[i], sizeof(paused[i]), "%s", dom);
			break;
		}
	return good;
}

static void xl_unpause(const char *dom)
{
	unsigned i;

	free(lt_sh("xl unpause %s 2>&1", dom));
	for (i = 0; i < 8; i++)
		if (!strcmp(paused[i], dom)) {
			paused[i][0] = '\0';
			break;
		}
}

static void unpause_all(void)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		if (paused[i][0])
			xl_unpause(paused[i]);
}

static void on_signal(int sig)
{
	unpause_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The domain's id, from xl list; -1 if it does not exist. */
static int domid_of(const char *dom)
{
	struct xl_dom d;

	return xl_list(dom, &d, 1) == 1 ? (int)d.id : -1;
}

/* ---- xenctx ------------------------------------------------------------------ */

struct kv {
	char key[24];
	uint64_t val;
};

/* `xenctx -a DOM`: "name: hex" pairs; "fs: SEL @ BASE", "gs: SEL @ KBASE/UBASE". */
static int xenctx(int domid, struct kv *kv, int max)
{
	char *out = lt_sh("xenctx -a %d 2>&1", domid), *p;
	int n = 0;

	if (!out)
		return -1;
	for (p = out; *p && n + 3 < max;) {
		char key[24];
		unsigned long long v;
		int used = 0;

		if (!strncmp(p, "Code", 4) || !strncmp(p, "Stack", 5))
			break;
		if (sscanf(p, " %23[a-z0-9]: %llx%n", key, &v, &used) == 2 && used) {
			snprintf(kv[n].key, sizeof(kv[n].key), "%s", key);
			kv[n++].val = v;
			p += used;
			if ((!strcmp(key, "fs") || !strcmp(key, "gs")) && !strncmp(p, " @ ", 3)) {
				unsigned long long b1 = 0, b2 = 0;
				int u2 = 0;

				if (sscanf(p, " @ %llx%n", &b1, &u2) == 1) {
					p += u2;
					snprintf(kv[n].key, sizeof(kv[n].key), "%s",
						 key[0] == 'f' ? "fs_base" : "gs_base_kernel");
					kv[n++].val = b1;
					if (*p == '/' && sscanf(p, "/%llx%n", &b2, &u2) == 1) {
						p += u2;
						snprintf(kv[n].key, sizeof(kv[n].key), "gs_base_user");
						kv[n++].val = b2;
					}
				}
			}
			continue;
		}
		p++;
	}
	free(out);
	return n;
}

/* ---- console log of the test guest ----------------------------------------- */

static char *console_log(const char *name)
{
	return lt_sh("cat %s/guest-%s.log 2>/dev/null", console_dir, name);
}

/* Value of key= on the first "XENPT-GUEST WORD " line. */
static bool console_val(const char *log, const char *word, const char *key, uint64_t *ret)
{
	char pat[64], kpat[64];
	const char *l = log;

	snprintf(pat, sizeof(pat), "XENPT-GUEST %s ", word);
	snprintf(kpat, sizeof(kpat), " %s=", key);
	while (l && (l = strstr(l, pat))) {
		const char *eol = strchr(l, '\n'), *k = strstr(l, kpat);

		if (k && (!eol || k < eol)) {
			*ret = strtoull(k + strlen(kpat), NULL, 0);
			return true;
		}
		l += strlen(pat);
	}
	return false;
}

/* ---- commands present in the binary ------------------------------------------ */

static void test_commands(void)
{
	struct lt_run r;
	struct lt_json *v;
	char *p;

	xp(&r, "__complete commands");
	snprintf(commands, sizeof(commands), "%s", r.out);
	for (p = commands; *p; p++)
		if (*p == '\n')
			*p = ' ';
	lt_report(lt_exited(&r, 0) && strstr(r.out, "walk\n") && strstr(r.out, "read\n"),
		  "cli: __complete commands", "%s", commands);
	has_p2m = strstr(r.out, "p2m\n") != NULL;
	has_dump = strstr(r.out, "dump\n") != NULL;
	has_m2p = strstr(r.out, "m2p\n") != NULL;
	has_rmap = strstr(r.out, "rmap\n") != NULL;
	has_audit = strstr(r.out, "audit\n") != NULL;
	lt_run_free(&r);
	v = xpj("cli: version --json", "version --json");
	if (v)
		lt_report(lt_jbool(v, "features.xen", false), "cli: built with the live Xen backend",
			  "version %s", lt_jstr(v, "version"));
	lt_json_free(v);
}

/* ---- list --------------------------------------------------------------------- */

static bool compare_list(bool print, int *n_ret, unsigned *bad_ret)
{
	struct xl_dom xl[64];
	struct lt_json *j = NULL;
	unsigned bad = 0;
	int n, i;
	size_t k;
	struct lt_run r;

	xp(&r, "list --json");
	n = xl_list(NULL, xl, 64);
	if (lt_exited(&r, 0))
		j = lt_json_parse(r.out);
	lt_run_free(&r);
	if (!j || j->t != LT_JARR || n < 1) {
		if (print)
			lt_note("  list --json failed or xl list failed");
		lt_json_free(j);
		*bad_ret = 1;
		return false;
	}
	for (i = 0; i < n; i++) {
		struct lt_json *d = NULL;
		uint64_t id, tot = 0, vcpus = 0;

		for (k = 0; k < j->n; k++)
			if (lt_ju64(j->v[k], "domid", &id) && id == xl[i].id)
				d = j->v[k];
		if (!d) {
			if (print)
				lt_note("  xl list has domain %u (%s), xenpt list does not", xl[i].id, xl[i].name);
			bad++;
			continue;
		}
		lt_ju64(d, "tot_pages", &tot);
		lt_ju64(d, "vcpus", &vcpus);
		// xl list: Mem = (current_memkb + outstanding_memkb) / 1024 with
		// current_memkb = tot_pages * 4 (libxl_domain_info); VCPUs = online.
		// A domain half created or half destroyed has no name in xenstore:
		// xl prints "(null)", xenpt "".
		if ((strcmp(lt_jstr(d, "name"), xl[i].name) &&
		     !(!strcmp(xl[i].name, "(null)") && !*lt_jstr(d, "name"))) ||
		    tot * 4 / 1024 != xl[i].mem ||
		    vcpus != xl[i].vcpus ||
		    (!strcmp(lt_jstr(d, "state"), "paused")) != (xl[i].state[2] == 'p')) {
			if (print)
				lt_note("  domain %u: xl: %s %lu MiB %u vCPUs %s; xenpt: %s tot_pages %" PRIu64
					" (%" PRIu64 " MiB) vcpus %" PRIu64 " state %s", xl[i].id, xl[i].name,
					xl[i].mem, xl[i].vcpus, xl[i].state, lt_jstr(d, "name"), tot,
					tot * 4 / 1024, vcpus, lt_jstr(d, "state"));
			bad++;
		}
	}
	if ((size_t)n != j->n) {
		if (print)
			lt_note("  xl list shows %d domains, xenpt list %zu", n, j->n);
		bad++;
	}
	*n_ret = n;
	*bad_ret = bad;
	lt_json_free(j);
	return bad == 0;
}

static void test_list(void)
{
	unsigned bad = 0, attempt;
	int n = 0;
	bool same = false;

	// Other users of the host may create or destroy domains in between.
	for (attempt = 0; attempt < 3 && !same; attempt++)
		same = compare_list(attempt == 2, &n, &bad);
	lt_report(same, "list: `xenpt list --json` equals `xl list` (ids, names, vCPUs, MiB, paused)",
		  "%d domains, %u differences", n, bad);
}

/* ---- info ----------------------------------------------------------------------- */

static struct lt_json *test_info(const char *tag, const char *dom, bool hvm)
{
	char name[128], *xlinfo, *xll;
	struct lt_json *j, *l = NULL;
	struct xl_dom x;
	uint64_t domid = INV, tot = 0, vcpus = 0, psize = 0, maxpfn = 0, simax = INV;
	const char *type;

	snprintf(name, sizeof(name), "%s: info --json", tag);
	j = xpj(name, "info --json %s", dom);
	if (!j)
		return NULL;
	if (xl_list(dom, &x, 1) != 1) {
		lt_report(false, name, "xl list %s failed", dom);
		return j;
	}
	lt_ju64(j, "domid", &domid);
	lt_ju64(j, "tot_pages", &tot);
	lt_ju64(j, "vcpus", &vcpus);
	lt_ju64(j, "p2m_size", &psize);
	snprintf(name, sizeof(name), "%s: info equals xl list (id, name, MiB, vCPUs)", tag);
	lt_report(domid == x.id && !strcmp(lt_jstr(j, "name"), x.name) && tot * 4 / 1024 == x.mem &&
		  vcpus == x.vcpus, name, "xenpt: %" PRIu64 " %s %" PRIu64 " pages %" PRIu64
		  " vCPUs; xl: %u %s %lu MiB %u vCPUs", domid, lt_jstr(j, "name"), tot, vcpus, x.id,
		  x.name, x.mem, x.vcpus);

	xll = lt_sh("xl list -l %s 2>/dev/null", dom);
	if (xll)
		l = lt_json_parse(xll);
	free(xll);
	type = lt_jstr(l, "0.config.c_info.type");
	{
		uint64_t maxv = 0;

		lt_ju64(l, "0.config.b_info.max_vcpus", &maxv);
		snprintf(name, sizeof(name), "%s: info type and vCPUs equal xl list -l", tag);
		lt_report(l && !strcmp(lt_jstr(j, "type"), !strcmp(type, "pv") ? "pv" : "hvm") &&
			  maxv == vcpus && lt_jbool(j, "hap", false) == hvm, name,
			  "xl: type %s max_vcpus %" PRIu64 "; xenpt: type %s hap %d vcpus %" PRIu64, type,
			  maxv, lt_jstr(j, "type"), lt_jbool(j, "hap", false), vcpus);
	}
	lt_json_free(l);

	xlinfo = lt_sh("xl info 2>/dev/null");
	{
		char ver[64] = "?";
		const char *p = xlinfo ? strstr(xlinfo, "xen_version") : NULL;

		if (p)
			sscanf(p, "xen_version : %63s", ver);
		snprintf(name, sizeof(name), "%s: info xen_version equals xl info", tag);
		lt_report(!strcmp(ver, lt_jstr(j, "xen_version")), name, "xenpt '%s', xl info '%s'",
			  lt_jstr(j, "xen_version"), ver);
	}
	free(xlinfo);

	snprintf(name, sizeof(name), "%s: info state equals xl list", tag);
	lt_report((!strcmp(lt_jstr(j, "state"), "paused")) == (x.state[2] == 'p'), name,
		  "xenpt '%s', xl '%s'", lt_jstr(j, "state"), x.state);
	if (!hvm) {
		lt_ju64(j, "max_pfn", &maxpfn);
		lt_ju64(j, "shared_info.max_pfn", &simax);
		snprintf(name, sizeof(name), "%s: info p2m_size = shared_info.max_pfn = max_pfn + 1", tag);
		lt_report(psize && psize == simax && maxpfn + 1 == psize, name,
			  "p2m_size %" PRIu64 ", shared_info.max_pfn 0x%" PRIx64 ", max_pfn 0x%" PRIx64,
			  psize, simax, maxpfn);

		/*
		 * The physical-address width Xen gives a PV domain is the host's
		 * (CPUID 0x80000008 of its policy, xen/arch/x86/cpu-policy.c), and
		 * dom0, itself PV, sees the same in /proc/cpuinfo.
		 */
		uint64_t pbits = 0;
		unsigned dom0_bits = 0;
		char *ci = lt_sh("grep -m1 'address sizes' /proc/cpuinfo");
		const char *q = ci ? strstr(ci, ": ") : NULL;

		if (q)
			sscanf(q, ": %u bits physical", &dom0_bits);
		lt_ju64(j, "paddr_bits", &pbits);
		snprintf(name, sizeof(name), "%s: info paddr_bits equals dom0's /proc/cpuinfo address sizes", tag);
		lt_report(dom0_bits && pbits == dom0_bits && lt_jbool(j, "paddr_bits_known", false), name,
			  "xenpt %" PRIu64 " (known %d), dom0 %u bits physical", pbits,
			  lt_jbool(j, "paddr_bits_known", false), dom0_bits);
		free(ci);
	}
	return j;
}

/* ---- vcpu ------------------------------------------------------------------------ */

static const struct { const char *ctx, *json; } vcpu_fields[] = {
	{ "rip", "regs.rip" }, { "flags", "regs.rflags" }, { "rsp", "regs.rsp" },
	{ "rax", "regs.rax" }, { "rbx", "regs.rbx" }, { "rcx", "regs.rcx" }, { "rdx", "regs.rdx" },
	{ "rsi", "regs.rsi" }, { "rdi", "regs.rdi" }, { "rbp", "regs.rbp" }, { "r8", "regs.r8" },
	{ "r9", "regs.r9" }, { "r10", "regs.r10" }, { "r11", "regs.r11" }, { "r12", "regs.r12" },
	{ "r13", "regs.r13" }, { "r14", "regs.r14" }, { "r15", "regs.r15" }, { "cs", "regs.cs" },
	{ "ss", "regs.ss" }, { "ds", "regs.ds" }, { "es", "regs.es" }, { "fs", "regs.fs" },
	{ "gs", "regs.gs" }, { "fs_base", "fs_base" }, { "gs_base_kernel", "gs_base_kernel" },
	{ "gs_base_user", "gs_base_user" }, { "cr0", "cr0" }, { "cr2", "cr2" }, { "cr3", "cr3" },
	{ "cr4", "cr4" },
};

/* vCPU 0 against xenctx, in one pause; returns vcpu --json (the array). */
static struct lt_json *test_vcpu(const char *tag, const char *dom)
{
	char name[128], *vl;
	struct lt_json *j = NULL, *v0;
	struct kv kv[64];
	int domid = domid_of(dom), n, i, lines = 0;
	unsigned compared = 0, differ = 0;
	size_t f;

	snprintf(name, sizeof(name), "%s: vcpu --json equals xenctx -a (%zu registers, paused)", tag,
		 sizeof(vcpu_fields) / sizeof(vcpu_fields[0]));
	if (domid < 0 || !xl_pause(dom)) {
		lt_report(false, name, "cannot pause %s", dom);
		return NULL;
	}
	j = xpj(name, "vcpu --json %s", dom);
	n = xenctx(domid, kv, 64);
	xl_unpause(dom);
	if (!j)
		return NULL;
	v0 = lt_jget(j, "0");
	for (f = 0; f < sizeof(vcpu_fields) / sizeof(vcpu_fields[0]); f++) {
		uint64_t mine;

		for (i = 0; i < n; i++)
			if (!strcmp(kv[i].key, vcpu_fields[f].ctx))
				break;
		if (i == n) {
			lt_note("  xenctx printed no %s", vcpu_fields[f].ctx);
			differ++;
			continue;
		}
		compared++;
		if (!lt_ju64(v0, vcpu_fields[f].json, &mine) || mine != kv[i].val) {
			differ++;
			lt_note("  %s: xenctx 0x%" PRIx64 ", xenpt %s", vcpu_fields[f].ctx, kv[i].val,
				lt_ju64(v0, vcpu_fields[f].json, &mine) ? "differs" : "missing");
			if (lt_ju64(v0, vcpu_fields[f].json, &mine))
				lt_note("    xenpt 0x%" PRIx64, mine);
		}
	}
	lt_report(n > 0 && differ == 0, name, "%u compared, %u differ", compared, differ);

	vl = lt_sh("xl vcpu-list %s 2>/dev/null", dom);
	for (i = 0; vl && vl[i]; i++)
		lines += vl[i] == '\n';
	free(vl);
	snprintf(name, sizeof(name), "%s: vcpu lists as many vCPUs as xl vcpu-list", tag);
	lt_report(j->t == LT_JARR && lines >= 2 && j->n == (size_t)(lines - 1), name,
		  "xenpt %zu, xl vcpu-list %d", j->n, lines - 1);
	return j;
}

/* ---- the test guest: its result page against walk and read ------------------------ */

static struct xenpt_guest_result res;
static char *glog;

static void hexof(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* The data-page pattern of tests/guest/result.h; the first bad word or -1. */
static int pattern_bad(const uint8_t *page, uint64_t va, uint64_t pfn, uint64_t mfn)
{
	unsigned i;

	for (i = 0; i < 512; i++) {
		uint64_t want = i == 1 ? pfn : i == 2 ? mfn : i == 3 ? XENPT_GUEST_DATA_MAGIC : va + 8 * i;

		if (rd64(page + 8 * i) != want)
			return (int)i;
	}
	return -1;
}

/* The result page, three ways (VA, PFN 1, its MFN), all equal. */
static bool guest_result_page(const char *g)
{
	static uint8_t a[PAGE], b[PAGE], c[PAGE];
	char *hex = malloc(2 * PAGE + 1);
	uint64_t mfn = INV;
	struct lt_json *j;
	bool good;

	glog = console_log(g);
	if (!glog || !console_val(glog, "READY", "result_mfn", &mfn))
		lt_note("no console log for %s in %s: console checks are skipped", g, console_dir);
	if (!xp_bytes("guest: read the result page by VA", a, PAGE, "%s 0x%llx 4096", g,
		      (unsigned long long)XENPT_GUEST_RESULT_VA) ||
	    !xp_bytes("guest: read the result page by PFN", b, PAGE, "--gfn 1 %s 4096", g)) {
		free(hex);
		return false;
	}
	memcpy(&res, a, sizeof(res));
	good = !memcmp(a, b, PAGE);
	if (mfn != INV || (mfn = res.layout.result_mfn))
		good = xp_bytes("guest: read the result page by MFN", c, PAGE, "--mfn 0x%" PRIx64 " %s 4096",
				mfn, g) && good && !memcmp(a, c, PAGE);
	lt_report(good, "guest: result page read by VA, by PFN 1 and by MFN is the same",
		  "mfn 0x%" PRIx64, mfn);
	j = xpj("guest: read --json of the result page", "read --json %s 0x%llx 4096", g,
		(unsigned long long)XENPT_GUEST_RESULT_VA);
	if (j && hex) {
		uint64_t len = 0;

		hexof(a, PAGE, hex);
		lt_ju64(j, "length", &len);
		lt_report(!strcmp(lt_jstr(j, "hex"), hex) && len == PAGE && !strcmp(lt_jstr(j, "space"), "va"),
			  "guest: read --json hex equals read --raw", "length %" PRIu64, len);
	}
	lt_json_free(j);
	free(hex);
	good = !memcmp(res.magic, XENPT_GUEST_RESULT_MAGIC, 8) && res.version == XENPT_GUEST_RESULT_VERSION &&
	       res.size == sizeof(res) && res.state == XENPT_GUEST_STATE_DONE_OK &&
	       res.nr_records > 0 && res.nr_records <= XENPT_GUEST_MAX_RECORDS && !res.lost &&
	       res.nr_faults <= XENPT_GUEST_MAX_FAULTS;
	lt_report(good, "guest: result page is valid and DONE_OK",
		  "magic %.8s version %u size %u state %u records %u faults %u lost %u", res.magic,
		  res.version, res.size, res.state, res.nr_records, res.nr_faults, res.lost);
	return good;
}

/* info and vcpu against the guest's layout and its console lines. */
static void guest_info_vcpu(struct lt_json *info, struct lt_json *vcpu)
{
	const struct xenpt_guest_layout *L = &res.layout;
	uint64_t v[8] = { INV, INV, INV, INV, INV, INV, INV, INV }, c;
	bool good;
	unsigned k;

	if (info) {
		lt_ju64(info, "shared_info_mfn", &v[0]);
		lt_ju64(info, "shared_info.max_pfn", &v[1]);
		lt_ju64(info, "shared_info.pfn_to_mfn_frame_list_list", &v[2]);
		lt_ju64(info, "shared_info.p2m_cr3", &v[3]);
		lt_ju64(info, "shared_info.p2m_vaddr", &v[4]);
		lt_ju64(info, "tot_pages", &v[5]);
		lt_ju64(info, "p2m_size", &v[6]);
		lt_ju64(info, "shared_info.p2m_generation", &v[7]);
		lt_report(v[0] == L->shared_info_mfn && v[1] == L->p2m_max_pfn && v[2] == L->p2m_fll_mfn &&
			  v[3] == L->p2m_cr3 && v[4] == L->p2m_vaddr && v[5] == L->nr_pages &&
			  v[6] == L->nr_pages && v[7] == 0,
			  "guest: info equals the result page layout (shared_info mfn, P2M facts, pages)",
			  "shared_info mfn 0x%" PRIx64 "/0x%" PRIx64 ", max_pfn 0x%" PRIx64 "/0x%" PRIx64
			  ", fll 0x%" PRIx64 "/0x%" PRIx64 ", p2m_cr3 0x%" PRIx64 "/0x%" PRIx64
			  ", p2m_vaddr 0x%" PRIx64 "/0x%" PRIx64 ", pages %" PRIu64 "/%" PRIu64
			  " (xenpt/guest)", v[0], L->shared_info_mfn, v[1], L->p2m_max_pfn, v[2],
			  L->p2m_fll_mfn, v[3], L->p2m_cr3, v[4], L->p2m_vaddr, v[5], L->nr_pages);
		if (glog) {
			good = console_val(glog, "p2m", "max_pfn", &c) && c == v[1] &&
			       console_val(glog, "p2m", "fll_mfn", &c) && c == v[2] &&
			       console_val(glog, "p2m", "p2m_cr3", &c) && c == v[3] &&
			       console_val(glog, "p2m", "p2m_vaddr", &c) && c == v[4] &&
			       console_val(glog, "shared_info", "mfn", &c) && c == v[0] &&
			       console_val(glog, "boot", "nr_pages", &c) && c == v[5];
			lt_report(good, "guest: info equals the guest's console lines (p2m, shared_info, boot)",
				  NULL);
		}
	}
	if (vcpu) {
		uint64_t cr3 = INV, cr3_pfn = INV, pf = INV, cr2 = INV, last_pf = INV, cs = 0;

		lt_ju64(vcpu, "0.cr3_mfn", &cr3);
		lt_ju64(vcpu, "0.cr3_pfn", &cr3_pfn);
		lt_ju64(vcpu, "0.page_fault_handler.address", &pf);
		lt_ju64(vcpu, "0.page_fault_handler.cs", &cs);
		lt_ju64(vcpu, "0.cr2", &cr2);
		for (k = 0; k < res.nr_faults && k < XENPT_GUEST_MAX_FAULTS; k++)
			if (res.faults[k].vector == 14)
				last_pf = res.faults[k].va;
		lt_report(cr3 == L->l4_mfn && cr3_pfn == (L->pt_base_va - L->virt_base) / PAGE &&
			  pf == res.hooks.pf_entry_va && (cs & 3) == 3 && cr2 == last_pf,
			  "guest: vcpu equals the result page (CR3 = L4, #PF handler, CR2 = last #PF)",
			  "cr3 mfn 0x%" PRIx64 "/0x%" PRIx64 " pfn 0x%" PRIx64 ", #PF handler 0x%" PRIx64
			  "/0x%" PRIx64 " cs 0x%" PRIx64 ", cr2 0x%" PRIx64 "/0x%" PRIx64 " (xenpt/guest)",
			  cr3, L->l4_mfn, cr3_pfn, pf, res.hooks.pf_entry_va, cs, cr2, last_pf);
		if (glog)
			lt_report(console_val(glog, "boot", "l4_mfn", &c) && c == cr3 &&
				  console_val(glog, "hooks", "pf_entry", &c) && c == pf,
				  "guest: vcpu CR3 and #PF handler equal the console's l4_mfn and pf_entry",
				  NULL);
	}
}

static const char *kind_name(unsigned k)
{
	static const char *const n[] = { "?", "map", "unmap", "table", "pin", "unpin", "touch", "special" };

	return k < 8 ? n[k] : "?";
}

/* The walk step of a given level, or NULL. */
static struct lt_json *step_at(struct lt_json *w, unsigned level)
{
	struct lt_json *lv = lt_jget(w, "levels");
	size_t i;
	uint64_t l;

	for (i = 0; lv && i < lv->n; i++)
		if (lt_ju64(lv->v[i], "level", &l) && l == level)
			return lv->v[i];
	return NULL;
}

/* A data page that is no longer mapped: not present at L1, frame keeps the pattern. */
static bool check_unmapped_page(const char *g, const struct xenpt_guest_record *r, char *why, size_t len)
{
	static uint8_t a[PAGE], b[PAGE];
	struct lt_json *w = xpj("guest: walk", "walk --json %s 0x%" PRIx64, g, r->va);
	uint64_t lvl = 0;
	bool good;
	int ba = -2, bb = -2;

	if (!w)
		return false;
	lt_ju64(w, "end.level", &lvl);
	good = !strcmp(lt_jstr(w, "end.reason"), "not_present") && lvl == 1;
	if (xp_bytes("guest: read --mfn", a, PAGE, "--mfn 0x%" PRIx64 " %s 4096", r->mfn, g) &&
	    xp_bytes("guest: read --gfn", b, PAGE, "--gfn 0x%" PRIx64 " %s 4096", r->pfn, g)) {
		ba = pattern_bad(a, r->va, r->pfn, r->mfn);
		bb = pattern_bad(b, r->va, r->pfn, r->mfn);
	}
	good = good && ba == -1 && bb == -1;
	snprintf(why, len, "walk %s at L%" PRIu64 "; frame by mfn: %s, by pfn: %s",
		 lt_jstr(w, "end.reason"), lvl, ba == -1 ? "pattern" : "NOT the pattern",
		 bb == -1 ? "pattern" : "NOT the pattern");
	lt_json_free(w);
	return good;
}

static bool check_record(const char *g, unsigned idx, const struct xenpt_guest_record *r,
			 uint64_t shinfo_mfn, char *why, size_t len)
{
	static uint8_t page[PAGE], other[PAGE];
	struct lt_json *w = NULL;
	uint64_t mfn = INV, pfn = INV, lvl = 0, e = INV, m = INV, ea = INV;
	struct lt_json *s;
	bool good = false;
	int bad;

	(void)idx;
	why[0] = '\0';
	switch (r->kind) {
	case XENPT_GUEST_REC_MAP:
		if (!(r->flags & XENPT_GUEST_RF_MAPPED))
			return check_unmapped_page(g, r, why, len);
		w = xpj("guest: walk", "walk --json %s 0x%" PRIx64, g, r->va);
		if (!w)
			return false;
		lt_ju64(w, "mfn", &mfn);
		lt_ju64(w, "pfn", &pfn);
		s = step_at(w, 1);
		lt_ju64(s, "entry", &e);
		good = !strcmp(lt_jstr(w, "end.reason"), "mapped") && mfn == r->mfn && pfn == r->pfn &&
		       e == r->aux &&
		       lt_jbool(w, "writable", true) == !(r->flags & XENPT_GUEST_RF_RO) &&
		       lt_jbool(w, "nx", false) == !!(r->flags & XENPT_GUEST_RF_NX);
		bad = -2;
		if (xp_bytes("guest: read", page, PAGE, "%s 0x%" PRIx64 " 4096", g, r->va))
			bad = pattern_bad(page, r->va, r->pfn, r->mfn);
		good = good && bad == -1 && rd64(page) == r->expect;
		snprintf(why, len, "walk %s mfn 0x%" PRIx64 " pfn 0x%" PRIx64 " L1 entry 0x%" PRIx64
			 " writable %d nx %d; bytes: %s", lt_jstr(w, "end.reason"), mfn, pfn, e,
			 lt_jbool(w, "writable", false), lt_jbool(w, "nx", false),
			 bad == -1 ? "the pattern" : "NOT the pattern");
		break;
	case XENPT_GUEST_REC_UNMAP:
		return check_unmapped_page(g, r, why, len);
	case XENPT_GUEST_REC_TABLE:
	case XENPT_GUEST_REC_PIN:
	case XENPT_GUEST_REC_UNPIN:
		w = xpj("guest: walk", "walk --json %s 0x%" PRIx64, g, r->va);
		if (!w)
			return false;
		s = step_at(w, r->level);
		lt_ju64(s, "table_mfn", &m);
		lt_ju64(s, "table_pfn", &pfn);
		good = s && m == r->mfn && pfn == r->pfn;
		snprintf(why, len, "walk has the L%u table at mfn 0x%" PRIx64 " pfn 0x%" PRIx64, r->level, m,
			 pfn);
		if (r->kind == XENPT_GUEST_REC_TABLE) {
			// The parent entry, as walked and as read from machine memory.
			s = step_at(w, r->level + 1u);
			lt_ju64(s, "entry_maddr", &ea);
			lt_ju64(s, "entry", &e);
			lt_ju64(s, "next_mfn", &mfn);
			good = good && ea == r->aux && e == r->expect && mfn == r->mfn;
			bad = xp_bytes("guest: read --mfn", page, PAGE, "--mfn 0x%" PRIx64 " %s 4096",
				       r->aux >> 12, g) && rd64(page + (r->aux & 0xfff)) == r->expect;
			good = good && bad;
			snprintf(why + strlen(why), len - strlen(why),
				 "; parent entry at maddr 0x%" PRIx64 " = 0x%" PRIx64 " (guest wrote 0x%"
				 PRIx64 " at 0x%" PRIx64 "), read --mfn of it %s", ea, e, r->expect, r->aux,
				 bad ? "agrees" : "DIFFERS");
		} else {
			good = good && r->expect == 0 && (int64_t)r->aux == -22;
		}
		break;
	case XENPT_GUEST_REC_TOUCH: {
		unsigned vec = (unsigned)(r->expect >> 32);

		w = xpj("guest: walk", "walk --json %s 0x%" PRIx64, g, r->va);
		if (!w)
			return false;
		lt_ju64(w, "end.level", &lvl);
		lt_ju64(w, "mfn", &mfn);
		if (r->level == 4) {
			// int3 / ud2 in the guest's text: mapped, and the bytes are the instruction.
			uint8_t insn[2] = { 0, 0 };

			good = !strcmp(lt_jstr(w, "end.reason"), "mapped") &&
			       xp_bytes("guest: read", insn, 2, "%s 0x%" PRIx64 " 2", g, r->va) &&
			       ((vec == 3 && insn[0] == 0xcc) || (vec == 6 && insn[0] == 0x0f && insn[1] == 0x0b));
			snprintf(why, len, "walk %s, bytes %02x %02x (vector %u)", lt_jstr(w, "end.reason"),
				 insn[0], insn[1], vec);
		} else if (r->mfn != INV) {
			// The read-only, NX page: mapped, not writable, not executable.
			good = !strcmp(lt_jstr(w, "end.reason"), "mapped") && mfn == r->mfn &&
			       !lt_jbool(w, "writable", true) && lt_jbool(w, "nx", false);
			snprintf(why, len, "walk %s mfn 0x%" PRIx64 " writable %d nx %d (access %u, error 0x%x)",
				 lt_jstr(w, "end.reason"), mfn, lt_jbool(w, "writable", true),
				 lt_jbool(w, "nx", false), r->level, (unsigned)r->expect);
		} else {
			const char *want = vec == 13 ? "non_canonical" : "not_present";

			good = !strcmp(lt_jstr(w, "end.reason"), want);
			snprintf(why, len, "walk %s at L%" PRIu64 " (the guest trapped with vector %u)",
				 lt_jstr(w, "end.reason"), lvl, vec);
		}
		break;
	}
	case XENPT_GUEST_REC_SPECIAL:
		if (r->aux == XENPT_GUEST_SP_SHINFO_SLOT) {
			// Frame whose VA slot now maps shared_info: by PFN = by MFN.
			good = xp_bytes("guest: read --gfn", page, PAGE, "--gfn 0x%" PRIx64 " %s 4096", r->pfn, g) &&
			       xp_bytes("guest: read --mfn", other, PAGE, "--mfn 0x%" PRIx64 " %s 4096", r->mfn, g) &&
			       !memcmp(page, other, PAGE);
			snprintf(why, len, "pfn 0x%" PRIx64 " read by pfn and by mfn 0x%" PRIx64 ": %s", r->pfn,
				 r->mfn, good ? "same" : "DIFFER");
			break;
		}
		w = xpj("guest: walk", "walk --json %s 0x%" PRIx64, g, r->va);
		if (!w)
			return false;
		lt_ju64(w, "mfn", &mfn);
		lt_ju64(w, "pfn", &pfn);
		if (r->aux == XENPT_GUEST_SP_WINDOW) {
			// A scratch slot: whatever it maps now, read-only.
			good = strcmp(lt_jstr(w, "end.reason"), "mapped") || !lt_jbool(w, "writable", true);
			snprintf(why, len, "window: walk %s mfn 0x%" PRIx64 " writable %d",
				 lt_jstr(w, "end.reason"), mfn, lt_jbool(w, "writable", false));
			break;
		}
		if (r->aux == XENPT_GUEST_SP_SHINFO) {
			good = !strcmp(lt_jstr(w, "end.reason"), "mapped") && mfn == r->mfn && mfn == shinfo_mfn;
			snprintf(why, len, "walk %s mfn 0x%" PRIx64 " (info: shared_info mfn 0x%" PRIx64 ")",
				 lt_jstr(w, "end.reason"), mfn, shinfo_mfn);
			break;
		}
		good = !strcmp(lt_jstr(w, "end.reason"), "mapped") && mfn == r->mfn && pfn == r->pfn &&
		       xp_bytes("guest: read", page, PAGE, "%s 0x%" PRIx64 " 4096", g, r->va) &&
		       xp_bytes("guest: read --gfn", other, PAGE, "--gfn 0x%" PRIx64 " %s 4096", r->pfn, g) &&
		       !memcmp(page, other, PAGE);
		snprintf(why, len, "walk %s mfn 0x%" PRIx64 " pfn 0x%" PRIx64 "; read by VA %s read by pfn",
			 lt_jstr(w, "end.reason"), mfn, pfn, good ? "equals" : "vs");
		if (good && r->aux == XENPT_GUEST_SP_P2M_FLL) {
			// The frame-list list names the frame lists (P2M_FL records).
			unsigned k, fl = 0, found = 0;

			for (k = 0; k < res.nr_records; k++)
				if (res.records[k].kind == XENPT_GUEST_REC_SPECIAL &&
				    res.records[k].aux == XENPT_GUEST_SP_P2M_FL) {
					fl++;
					found += rd64(page + 8 * (fl - 1)) == res.records[k].mfn;
				}
			good = fl && found == fl;
			snprintf(why + strlen(why), len - strlen(why), "; it lists %u/%u frame lists", found, fl);
		}
		break;
	default:
		snprintf(why, len, "unknown kind %u", r->kind);
		return false;
	}
	lt_json_free(w);
	return good;
}

static void test_guest_records(const char *g, struct lt_json *info)
{
	uint64_t shinfo = INV;
	unsigned i, bad = 0, by_kind[8] = { 0 };
	char why[512], name[128];

	lt_ju64(info, "shared_info_mfn", &shinfo);
	for (i = 0; i < res.nr_records; i++) {
		const struct xenpt_guest_record *r = &res.records[i];
		bool good = check_record(g, i, r, shinfo, why, sizeof(why));

		snprintf(name, sizeof(name), "guest: record %u (%s va 0x%" PRIx64 ")", i, kind_name(r->kind),
			 r->va);
		if (!good || lt_verbose)
			lt_report(good, name, "%s", why);
		else
			lt_passed++;
		bad += !good;
		by_kind[r->kind < 8 ? r->kind : 0]++;
	}
	lt_note("guest: %u records checked (map %u, unmap %u, table %u, pin %u, unpin %u, touch %u, "
		"special %u), %u failed; one 'ok' counted per record", res.nr_records, by_kind[1],
		by_kind[2], by_kind[3], by_kind[4], by_kind[5], by_kind[6], by_kind[7], bad);
}

/* ---- live output equals the output on a dump-core of the paused domain ----------- */

struct cmp_cmd {
	char args[768];       /* after "xenpt", with @ for the target */
	char *live;
	int live_rc;
};

static bool cmp_add(struct cmp_cmd *c, size_t *n, size_t max, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool cmp_add(struct cmp_cmd *c, size_t *n, size_t max, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return false;
	va_start(ap, fmt);
	vsnprintf(c[*n].args, sizeof(c[*n].args), fmt, ap);
	va_end(ap);
	c[*n].live = NULL;
	(*n)++;
	return true;
}

/* Replace the first "@" in args by the target. */
static void cmp_line(const struct cmp_cmd *c, const char *target, char *buf, size_t len)
{
	const char *at = strchr(c->args, '@');

	snprintf(buf, len, "%.*s%s%s", (int)(at - c->args), c->args, target, at + 1);
}

/*
 * dump's "frame_type" of a frame that is not the domain's: "xtab" from a
 * live source (Xen says so), null from a core file (it cannot know).
 */
static void xtab_to_null(struct lt_json *j)
{
	size_t i;

	for (i = 0; j && i < j->n; i++) {
		struct lt_json *v = j->v[i];

		if (j->t == LT_JOBJ && !strcmp(j->keys[i], "frame_type") && v->t == LT_JSTR &&
		    !strcmp(v->s, "xtab")) {
			free(v->s);
			v->s = NULL;
			v->t = LT_JNULL;
		}
		xtab_to_null(v);
	}
}

/*
 * Run every command on the live domain while paused by `xl pause`, dump it
 * with `xl dump-core`, run them on core:FILE and compare the outputs byte
 * for byte.  Commands are given with '@' for the target.
 */
static void compare_with_core(const char *tag, const char *dom, struct cmp_cmd *c, size_t n,
			      struct lt_json *live_info)
{
	char path[256], line[1100], name[160], st[64], target[300];
	size_t i, same = 0, differ = 0, stripped = 0;
	int domid = domid_of(dom);
	double t0;
	struct lt_run r;
	char *out;

	snprintf(name, sizeof(name), "%s: live output equals dump-core output", tag);
	if (domid < 0 || !xl_pause(dom)) {
		lt_report(false, name, "cannot pause %s", dom);
		return;
	}
	for (i = 0; i < n; i++) {
		cmp_line(&c[i], dom, line, sizeof(line));
		// --pause on an already paused domain: nests, must not unpause it
		xp(&r, "--pause %s", line);
		c[i].live = r.out;
		c[i].live_rc = lt_exited(&r, 0) ? 0 : r.status;
		free(r.err);
	}
	snprintf(path, sizeof(path), "/tmp/xenpt-live-cli-%d.core", domid);
	t0 = lt_now();
	out = lt_sh("xl dump-core %d %s 2>&1 && echo dumped", domid, path);
	lt_report(out && strstr(out, "dumped") && xl_paused(dom), "core: xl dump-core of the paused domain",
		  "%s: %.1f s, still paused: %d", tag, lt_now() - t0, xl_paused(dom));
	free(out);
	xl_unpause(dom);
	snprintf(target, sizeof(target), "core:%s", path);
	for (i = 0; i < n; i++) {
		bool eq;

		cmp_line(&c[i], target, line, sizeof(line));
		xp(&r, "%s", line);
		eq = c[i].live && c[i].live_rc == 0 && lt_exited(&r, 0) && !strcmp(r.out, c[i].live);
		if (!eq && c[i].live && c[i].live_rc == 0 && lt_exited(&r, 0)) {
			// Equal once what names the source is removed?  The physical-address
			// width is the source's knowledge too: live Xen gives it, a core
			// does not record it (52 bits are assumed there).
			static const char *const source_keys[] = { "source", "m2p", "xen_type", "paddr_bits",
								   "paddr_bits_known", NULL };
			struct lt_json *a = lt_json_parse(c[i].live), *b = lt_json_parse(r.out);
			char *ta, *tb;

			lt_json_strip(a, source_keys);
			lt_json_strip(b, source_keys);
			xtab_to_null(a);
			xtab_to_null(b);
			ta = lt_json_text(a);
			tb = lt_json_text(b);
			if (a && b && !strcmp(ta, tb)) {
				eq = true;
				stripped++;
			}
			free(ta);
			free(tb);
			lt_json_free(a);
			lt_json_free(b);
		}
		if (eq) {
			same++;
		} else {
			if (differ++ < 6) {
				lt_note("  %s: xenpt %s (live %s, core %s)", tag, c[i].args,
					c[i].live_rc ? "failed" : "ok", lt_status_text(&r, st, sizeof(st)));
				lt_note("    live: %.300s", c[i].live ? c[i].live : "");
				lt_note("    core: %.300s%s", r.out, r.err);
			}
		}
		lt_run_free(&r);
		free(c[i].live);
		c[i].live = NULL;
	}
	lt_report(n && differ == 0, name, "%s: %zu commands (JSON of walk, read, vcpu%s), %zu identical "
		  "(%zu of them once the source's description, M2P name, physical-address width and live-only Xen page types are removed), "
		  "%zu differ", tag, n, has_dump ? ", dump, m2p, rmap" : "", same, stripped, differ);

	// info: the same domain facts (the source description, state and the
	// facts only a live source knows are left out).
	if (live_info) {
		static const char *const keys[] = {
			"type", "guest_width_bits", "paging_levels", "tot_pages", "vcpus", "p2m_size",
			"max_pfn", "max_gfn",
			"shared_info.max_pfn", "shared_info.pfn_to_mfn_frame_list_list",
			"shared_info.p2m_cr3", "shared_info.p2m_vaddr", "shared_info.p2m_generation",
		};
		struct lt_json *ci = xpj("core: info --json", "info --json %s", target);
		unsigned k, bad = 0, cmpd = 0;

		for (k = 0; ci && k < sizeof(keys) / sizeof(keys[0]); k++) {
			struct lt_json *a = lt_jget(live_info, keys[k]), *b = lt_jget(ci, keys[k]);

			if (!a && !b)
				continue;
			cmpd++;
			if (!a || !b || a->t != b->t || (a->s && b->s && strcmp(a->s, b->s))) {
				bad++;
				lt_note("  info %s: live %s, core %s", keys[k], a && a->s ? a->s : "-",
					b && b->s ? b->s : "-");
			}
		}
		snprintf(name, sizeof(name), "%s: info on the dump-core equals live info", tag);
		lt_report(ci && cmpd > 5 && !bad, name, "%u fields compared, %u differ; source '%s'", cmpd,
			  bad, lt_jstr(ci, "source"));
		lt_json_free(ci);
	}
	unlink(path);
}

static void add_walk_read(struct cmp_cmd *c, size_t *n, size_t max, uint64_t va, bool read)
{
	cmp_add(c, n, max, "walk --json @ 0x%" PRIx64, va);
	if (read)
		cmp_add(c, n, max, "read --json @ 0x%" PRIx64 " 64", va);
}

static void test_guest_core(const char *g, struct lt_json *info)
{
	struct cmp_cmd c[160];
	size_t n = 0;
	unsigned i, k;
	uint64_t seen[80];
	unsigned nseen = 0;

	for (i = 0; i < res.nr_records; i++) {
		uint64_t va = res.records[i].va;
		bool dup = false;

		if (va == INV)
			continue;
		for (k = 0; k < nseen; k++)
			dup |= seen[k] == va;
		if (dup || nseen >= 80)
			continue;
		seen[nseen++] = va;
		add_walk_read(c, &n, 160, va, res.records[i].kind == XENPT_GUEST_REC_MAP &&
			      (res.records[i].flags & XENPT_GUEST_RF_MAPPED));
	}
	add_walk_read(c, &n, 160, XENPT_GUEST_RESULT_VA, false);
	cmp_add(c, &n, 160, "read --json @ 0x%llx 4096", (unsigned long long)XENPT_GUEST_RESULT_VA);
	add_walk_read(c, &n, 160, XENPT_GUEST_HYPERCALL_VA, true);
	add_walk_read(c, &n, 160, XENPT_GUEST_HOLE_VA, false);
	add_walk_read(c, &n, 160, 0, false);
	cmp_add(c, &n, 160, "read --json --gfn 0x%" PRIx64 " @ 256", res.layout.inject_pfn);
	cmp_add(c, &n, 160, "read --json --mfn 0x%" PRIx64 " @ 256", res.layout.l4_mfn);
	cmp_add(c, &n, 160, "vcpu --json @");
	if (has_dump) {
		cmp_add(c, &n, 160, "dump --json @");
		cmp_add(c, &n, 160, "dump --raw --json @");
		cmp_add(c, &n, 160, "dump --tables --json @");
	}
	if (has_m2p)
		cmp_add(c, &n, 160, "m2p --json @");
	if (has_rmap) {
		char q[512] = " ";
		size_t len = 1;

		for (i = 0; i < res.nr_records && len + 32 < sizeof(q); i++) {
			char one[40];

			snprintf(one, sizeof(one), " --mfn 0x%" PRIx64 " ", res.records[i].mfn);
			if (res.records[i].mfn != INV && res.records[i].kind != XENPT_GUEST_REC_SPECIAL &&
			    !strstr(q, one))
				len += (size_t)snprintf(q + len, sizeof(q) - len, "%s", one + 1);
		}
		cmp_add(c, &n, 160, "rmap --json %s@", q);
	}
	compare_with_core("guest", g, c, n, info);
}

static void test_pv_core(const char *tag, const char *dom, struct lt_json *vcpu, struct lt_json *info,
			 bool hvm)
{
	static const uint64_t fixed[] = {
		0xffffffff81000000ull, 0xffff888000000000ull, 0xffff888000001000ull,
		0xffffc90000000000ull, 0xffffea0000000000ull, 0xffffffffff600000ull,
		0x0, 0x400000, 0x400000000000ull, 0x800000000000ull, 0xffff800000000000ull,
	};
	static const char *const regs[] = {
		"0.regs.rip", "0.regs.rsp", "0.gs_base_kernel", "0.event_callback",
		"0.page_fault_handler.address", "0.syscall_callback",
	};
	struct cmp_cmd c[80];
	size_t n = 0, k;
	uint64_t v;

	for (k = 0; k < sizeof(regs) / sizeof(regs[0]); k++)
		if (lt_ju64(vcpu, regs[k], &v) && v)
			add_walk_read(c, &n, 80, v, true);
	for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
		add_walk_read(c, &n, 80, fixed[k], false);
	if (!hvm) {
		cmp_add(c, &n, 80, "walk --json --user @ 0x400000");
		if (lt_ju64(vcpu, "0.cr3_mfn", &v))
			cmp_add(c, &n, 80, "read --json --mfn 0x%" PRIx64 " @ 4096", v);
	}
	cmp_add(c, &n, 80, "read --json --gfn 0x100 @ 512");
	cmp_add(c, &n, 80, "vcpu --json @");
	// Not `dump --json` of a whole Linux guest: live, the frame types it
	// shows (and coalesces by) are Xen's, which know the other processes'
	// tables; a core file has no types, only what this address space shows.
	if (has_dump) {
		cmp_add(c, &n, 80, "dump --tables --json @");
		if (!hvm)
			cmp_add(c, &n, 80, "dump --user --json @");
	}
	if (has_m2p && !hvm)
		cmp_add(c, &n, 80, "m2p --json @");
	if (has_rmap && lt_ju64(vcpu, hvm ? "0.cr3_gfn" : "0.cr3_mfn", &v))
		cmp_add(c, &n, 80, "rmap --json --%s 0x%" PRIx64 " @", hvm ? "pfn" : "mfn", v);
	compare_with_core(tag, dom, c, n, info);
}

/* ---- p2m against xen-mfndump ------------------------------------------------------ */

/* xen-mfndump's "(type 0xN)" code of a xenpt page-type name; -1 if unknown. */
static int type_code(const char *t)
{
	static const struct { const char *name; int code; } map[] = {
		{ "none", 0 }, { "l1", 1 }, { "l2", 2 }, { "l3", 3 }, { "l4", 4 },
		{ "l1_pinned", 9 }, { "l2_pinned", 10 }, { "l3_pinned", 11 }, { "l4_pinned", 12 },
		{ "broken", 13 }, { "xalloc", 14 }, { "xtab", 15 },
	};
	size_t k;

	for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		if (!strcmp(t, map[k].name))
			return map[k].code;
	return -1;
}

/*
 * Compare `xenpt p2m --json` runs ({pfn, mfn, count, type}, mfn null for
 * INVALID) with xen-mfndump's table, entry by entry.
 */
static void compare_p2m_runs(const char *name, struct lt_json *j, const uint64_t *mfn, const int *type,
			     uint64_t size)
{
	struct lt_json *runs = lt_jget(j, "runs");
	uint8_t *seen = calloc(size ? size : 1, 1);
	uint64_t entries = 0, mfn_bad = 0, type_bad = 0, twice = 0, outside = 0, missing = 0, i;
	size_t r;

	for (r = 0; runs && seen && r < runs->n; r++) {
		struct lt_json *x = runs->v[r];
		uint64_t pfn = 0, m = INV, count = 0, k;
		int t = type_code(lt_jstr(x, "type"));
		bool inval = !lt_ju64(x, "mfn", &m);

		lt_ju64(x, "pfn", &pfn);
		lt_ju64(x, "count", &count);
		for (k = 0; k < count; k++) {
			uint64_t p = pfn + k, want = inval ? INV : m + k;

			entries++;
			if (p >= size) {
				outside++;
				continue;
			}
			twice += seen[p]++ != 0;
			if (mfn[p] != want && mfn_bad++ < 3)
				lt_note("  %s: pfn 0x%" PRIx64 ": xen-mfndump mfn 0x%" PRIx64 ", xenpt 0x%" PRIx64,
					name, p, mfn[p], want);
			if (type[p] != t && type_bad++ < 3)
				lt_note("  %s: pfn 0x%" PRIx64 ": xen-mfndump type 0x%x, xenpt %s", name, p,
					type[p], lt_jstr(x, "type"));
		}
	}
	for (i = 0; seen && i < size; i++)
		missing += !seen[i];
	lt_report(runs && runs->n && !mfn_bad && !type_bad && !twice && !outside && !missing, name,
		  "%zu runs, %" PRIu64 " entries: %" PRIu64 " mfn and %" PRIu64 " type mismatches, %"
		  PRIu64 " pfns twice, %" PRIu64 " beyond, %" PRIu64 " missing",
		  runs ? runs->n : 0, entries, mfn_bad, type_bad, twice, outside, missing);
	free(seen);
}

/*
 * `xenpt audit --json` in the same pause as xen-mfndump dump-p2m: a healthy
 * guest audits clean (exit 0, no finding, so no frame whose derived type
 * differs from Xen's: the type-mismatch check covers every frame of the
 * P2M), and per page-table level the frames Xen reports (xen-mfndump's
 * "(type 0xN)", the independent oracle: L1..L4 and pinned) are as many as
 * the audit says Xen reports and as many as Xen's rules derive.
 */
static void check_audit(const char *tag, struct lt_run *ra, struct lt_json *aud, const int *type,
			uint64_t size)
{
	char name[200], st[64];
	uint64_t want[5] = { 0 }, wantpin[5] = { 0 }, i, total = 1;
	struct lt_json *types, *f;
	unsigned lv, bad = 0;
	size_t k;

	snprintf(name, sizeof(name), "%s: audit --json exits 0 with no finding", tag);
	if (!aud || !lt_exited(ra, 0)) {
		lt_report(false, name, "xenpt audit: %s: %.300s", lt_status_text(ra, st, sizeof(st)),
			  ra->err ? ra->err : "");
		return;
	}
	lt_ju64(aud, "findings_total", &total);
	f = lt_jget(aud, "findings");
	for (k = 0; f && k < f->n && k < 5; k++)
		lt_note("  %s: audit finding: %s %s", tag, lt_jstr(f->v[k], "code"), lt_jstr(f->v[k], "message"));
	lt_report(total == 0 && lt_jbool(aud, "types_known", false), name, "%" PRIu64 " findings, Xen's types %s",
		  total, lt_jbool(aud, "types_known", false) ? "read" : "NOT read");
	for (i = 0; i < size; i++)
		if (type[i] >= 0 && (type[i] & 7) >= 1 && (type[i] & 7) <= 4) {
			want[type[i] & 7]++;
			wantpin[type[i] & 7] += (type[i] & 8) != 0;
		}
	types = lt_jget(aud, "types");
	snprintf(name, sizeof(name), "%s: audit: per level, Xen says = rules derive = xen-mfndump's count (tables and pins)", tag);
	for (lv = 1; lv <= 4; lv++) {
		uint64_t says = ~0ull, pinned = ~0ull, derive = ~0ull;
		char want_name[4];

		snprintf(want_name, sizeof(want_name), "l%u", lv);
		for (k = 0; types && k < types->n; k++)
			if (!strcmp(lt_jstr(types->v[k], "type"), want_name)) {
				lt_ju64(types->v[k], "xen_says", &says);
				lt_ju64(types->v[k], "xen_pinned", &pinned);
				lt_ju64(types->v[k], "rules_derive", &derive);
			}
		lt_note("  %s: L%u: xen-mfndump %" PRIu64 " (%" PRIu64 " pinned), audit: Xen says %" PRIu64
			" (%" PRIu64 " pinned), rules derive %" PRIu64, tag, lv, want[lv], wantpin[lv], says,
			pinned, derive);
		bad += says != want[lv] || pinned != wantpin[lv] || derive != want[lv];
	}
	lt_report(!bad && want[4] >= 1, name, "%u of 4 levels differ", bad);
}

/*
 * `xenpt audit --all`: every PV domain of the host, dom0 included (it runs
 * while it is read, and Xen gives no context of the vCPU running xenpt).
 * Exit 0: the only findings may be cross-domain mappings (dom0's foreign
 * maps of the domUs' frames), and each names another domain; the PV domU
 * and the test guest are in it with no finding at all.
 */
static void test_audit_all(const char *pv, const char *guest)
{
	const char *name = "host: audit --all exits 0; its only findings are cross-domain mappings";
	struct lt_run r;
	struct lt_json *j;
	size_t k, seen = 0, want = 1 + (pv != NULL) + (guest != NULL);
	unsigned bad = 0;
	int pvid = pv ? domid_of(pv) : -1, gid = guest ? domid_of(guest) : -1;

	if (!has_audit) {
		lt_skip("host: audit --all", "GAP: this xenpt has no 'audit' command (commands: %s)", commands);
		return;
	}
	xp(&r, "audit --all --json");
	j = lt_json_parse(r.out);
	for (k = 0; j && k < j->n; k++) {
		struct lt_json *d = j->v[k], *f = lt_jget(d, "findings");
		uint64_t id = ~0ull, total = ~0ull;
		size_t i;

		lt_ju64(d, "domain.domid", &id);
		lt_ju64(d, "findings_total", &total);
		seen += id == 0 || (int)id == pvid || (int)id == gid;
		for (i = 0; f && i < f->n; i++) {
			uint64_t other = 0;

			if (strcmp(lt_jstr(f->v[i], "code"), "cross-domain-mapping") ||
			    !lt_ju64(f->v[i], "other_domid", &other) || other == id) {
				lt_note("  host: domain %" PRIu64 ": %s %s", id, lt_jstr(f->v[i], "code"),
					lt_jstr(f->v[i], "text"));
				bad++;
			}
		}
		if (((int)id == pvid || (int)id == gid) && total != 0) {
			lt_note("  host: domain %" PRIu64 " has %" PRIu64 " findings", id, total);
			bad++;
		}
		lt_note("  host: domain %" PRIu64 ": %" PRIu64 " findings", id, total);
	}
	lt_report(j && lt_exited(&r, 0) && !bad && seen == want, name,
		  "exit %d, %zu domains (%zu of the %zu expected: dom0%s%s), %u unexpected findings",
		  WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1, j ? j->n : 0, seen, want,
		  pv ? ", the PV domU" : "", guest ? ", the test guest" : "", bad);
	lt_run_free(&r);
	lt_json_free(j);
}

/*
 * The P2M and page types against `xen-mfndump dump-p2m`, in one pause:
 * coalesced runs and --raw; then --check: a healthy guest has no finding,
 * and the frames it maps without owning them are notes.  @shinfo_va (test
 * guest): the only note must be the shared_info page at that VA and MFN.
 */
static void test_p2m(const char *tag, const char *dom, uint64_t shinfo_mfn, uint64_t shinfo_va)
{
	char name[160], st[64];
	int domid = domid_of(dom);
	char *out, *line, *save = NULL;
	uint64_t size = 0, *mfns = NULL, lines = 0, i, psize = 0;
	int *types = NULL;
	struct lt_json *coal = NULL, *raw = NULL, *chk = NULL, *aud = NULL;
	struct lt_run r, ra = { 0 };

	snprintf(name, sizeof(name), "%s: p2m --json equals xen-mfndump dump-p2m entry by entry", tag);
	if (!has_p2m) {
		lt_skip(name, "GAP: this xenpt has no 'p2m' command (commands: %s)", commands);
		return;
	}
	if (domid < 0 || !xl_pause(dom)) {
		lt_report(false, name, "cannot pause %s", dom);
		return;
	}
	out = lt_sh("xen-mfndump dump-p2m %d 2>/dev/null", domid);
	coal = xpj(name, "p2m --json %s", dom);
	raw = xpj(name, "p2m --raw --json %s", dom);
	xp(&r, "p2m --check --json %s", dom);
	chk = lt_json_parse(r.out);
	if (has_audit) {
		xp(&ra, "audit --json %s", dom);
		aud = lt_json_parse(ra.out);
	}
	xl_unpause(dom);
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long pfn, mfn, type;
		const char *s = strstr(line, "P2M size: = ");

		if (s && !mfns) {
			size = strtoull(s + 12, NULL, 10);
			mfns = malloc((size ? size : 1) * sizeof(*mfns));
			types = malloc((size ? size : 1) * sizeof(*types));
			for (i = 0; mfns && types && i < size; i++) {
				mfns[i] = INV - 1;
				types[i] = -1;
			}
			continue;
		}
		if (mfns && types && sscanf(line, " pfn=0x%lx ==> mfn=0x%lx (type 0x%lx)", &pfn, &mfn, &type) == 3 &&
		    pfn < size) {
			mfns[pfn] = mfn;
			types[pfn] = (int)type;
			lines++;
		}
	}
	free(out);
	lt_ju64(coal, "p2m_size", &psize);
	snprintf(name, sizeof(name), "%s: p2m_size equals xen-mfndump's P2M size", tag);
	lt_report(mfns && types && lines == size && psize == size, name,
		  "xen-mfndump %" PRIu64 " (%" PRIu64 " lines), xenpt %" PRIu64, size, lines, psize);
	if (coal && mfns && types) {
		snprintf(name, sizeof(name), "%s: p2m --json (runs) equals xen-mfndump dump-p2m entry by entry", tag);
		compare_p2m_runs(name, coal, mfns, types, size);
	}
	if (raw && mfns && types) {
		snprintf(name, sizeof(name), "%s: p2m --raw --json equals xen-mfndump dump-p2m entry by entry", tag);
		compare_p2m_runs(name, raw, mfns, types, size);
	}

	/*
	 * A healthy guest checks clean (exit 0, no finding).  What it maps
	 * without owning it is listed as notes: its shared_info page (for the
	 * test guest exactly the MFN and VA its console reports) and frames
	 * Xen types XTAB (grant-table frames, foreign mappings).  Every noted
	 * frame must be absent from xen-mfndump's P2M: not the domain's.
	 */
	snprintf(name, sizeof(name), "%s: p2m --check exits 0 with no finding%s", tag,
		 shinfo_va != INV ? "; its notes are exactly the shared_info page"
				  : "; its notes are the shared_info page and XTAB frames");
	if (!chk || !(lt_exited(&r, 0) || lt_exited(&r, 1))) {
		lt_report(false, name, "xenpt p2m --check: %s: %.300s", lt_status_text(&r, st, sizeof(st)), r.err);
	} else {
		struct lt_json *f = lt_jget(chk, "findings"), *nt = lt_jget(chk, "notes");
		uint64_t total = 0, nnotes = 0, other = 0, n_shinfo = 0, owned = 0, v, m;
		size_t k;

		lt_ju64(chk, "nr_findings", &total);
		lt_ju64(chk, "nr_notes", &nnotes);
		for (k = 0; f && k < f->n; k++)
			lt_note("  %s: finding: %s", tag, lt_jstr(f->v[k], "where"));
		for (k = 0; nt && k < nt->n; k++) {
			const char *kind = lt_jstr(nt->v[k], "kind");
			bool have_mfn = lt_ju64(nt->v[k], "mfn", &m);

			if (have_mfn && mfns && m != INV)
				for (i = 0; i < size; i++)
					if (mfns[i] == m) {
						owned++;
						break;
					}
			if (!strcmp(kind, "shared_info") &&
			    (shinfo_va == INV || (lt_ju64(nt->v[k], "va", &v) && v == shinfo_va &&
						  have_mfn && m == shinfo_mfn)))
				n_shinfo++;
			else if (shinfo_va != INV || strcmp(kind, "xen_or_foreign") ||
				 strcmp(lt_jstr(nt->v[k], "type"), "xtab"))
				other++;
			lt_note("  %s: note: %s: %s", tag, kind, lt_jstr(nt->v[k], "where"));
		}
		lt_report(f && !f->n && !total && nt && nt->n == nnotes && !other && !owned &&
			  n_shinfo == 1 && lt_exited(&r, 0), name,
			  "exit %d, %" PRIu64 " findings, %" PRIu64 " notes (%" PRIu64 " the shared_info page, %"
			  PRIu64 " other, %" PRIu64 " in xen-mfndump's P2M)",
			  WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1, total, nnotes, n_shinfo, other,
			  owned);
	}
	if (has_audit && mfns && types)
		check_audit(tag, &ra, aud, types, size);
	else if (!has_audit)
		lt_skip("audit", "GAP: this xenpt has no 'audit' command (commands: %s)", commands);
	lt_run_free(&r);
	lt_run_free(&ra);
	lt_json_free(coal);
	lt_json_free(raw);
	lt_json_free(chk);
	lt_json_free(aud);
	free(mfns);
	free(types);
}

/* ---- rmap against xen-mfndump lookup-pte ---------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A reference as one sortable number: table mfn, index (entry is compared apart). */
#define REF(table, idx) (((table) << 9) | (idx))

/*
 * Every page-table entry that references each MFN: `xenpt rmap` against
 * `xen-mfndump lookup-pte` (which scans every frame typed L1-L4 and matches
 * entries at every level by their MFN bits), in one pause.  @all_l4: also
 * give rmap every pinned L4 as a root (--cr3), so that it indexes the same
 * tables (the other processes' address spaces of a Linux guest).
 */
static void test_rmap(const char *tag, const char *dom, const uint64_t *mfns, size_t n, bool all_l4)
{
	char name[200], args[2048], *p2m = NULL, *line, *save = NULL;
	int domid = domid_of(dom);
	size_t len = 0, k, good_mfns = 0, refs = 0;
	struct lt_json *j = NULL, *q;
	char **lk = calloc(n ? n : 1, sizeof(*lk));

	snprintf(name, sizeof(name), "%s: rmap --json equals xen-mfndump lookup-pte (every referencing entry)", tag);
	if (!has_rmap) {
		lt_skip(name, "GAP: this xenpt has no 'rmap' command (commands: %s)", commands);
		free(lk);
		return;
	}
	if (domid < 0 || !lk || !xl_pause(dom)) {
		lt_report(false, name, "cannot pause %s", dom);
		free(lk);
		return;
	}
	for (k = 0; k < n; k++)
		len += (size_t)snprintf(args + len, sizeof(args) - len, " --mfn 0x%" PRIx64, mfns[k]);
	if (all_l4)
		p2m = lt_sh("xen-mfndump dump-p2m %d 2>/dev/null", domid);
	for (line = p2m ? strtok_r(p2m, "\n", &save) : NULL; line && len + 40 < sizeof(args);
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long pfn, mfn;

		if (strstr(line, "(type 0xc)") && sscanf(line, " pfn=0x%lx ==> mfn=0x%lx", &pfn, &mfn) == 2) {
			len += (size_t)snprintf(args + len, sizeof(args) - len, " --cr3 0x%lx", mfn << 12);
		}
	}
	free(p2m);
	j = xpj(name, "rmap --json%s %s", args, dom);
	for (k = 0; k < n; k++)
		lk[k] = lt_sh("xen-mfndump lookup-pte %d 0x%" PRIx64 " 2>/dev/null; true", domid, mfns[k]);
	xl_unpause(dom);
	q = lt_jget(j, "queries");
	for (k = 0; j && k < n; k++) {
		uint64_t pa[512][2], pb[512][2], m, t, idx, e;
		size_t na = 0, nb = 0, i, r;
		struct lt_json *refsj = NULL;
		bool same;

		for (i = 0; q && i < q->n; i++)
			if (lt_ju64(q->v[i], "mfn", &m) && m == mfns[k])
				refsj = lt_jget(q->v[i], "references");
		for (r = 0; refsj && r < refsj->n && na < 512; r++)
			if (lt_ju64(refsj->v[r], "table_mfn", &t) && lt_ju64(refsj->v[r], "index", &idx) &&
			    lt_ju64(refsj->v[r], "entry", &e)) {
				pa[na][0] = REF(t, idx);
				pa[na++][1] = e;
			}
		for (line = lk[k] ? strtok_r(lk[k], "\n", &save) : NULL; line && nb < 512;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned long mm, tt, ii, ee;

			if (sscanf(line, " 0x%lx <-- [0x%lx][%lu]: 0x%lx", &mm, &tt, &ii, &ee) == 4) {
				pb[nb][0] = REF((uint64_t)tt, (uint64_t)ii);
				pb[nb++][1] = ee;
			}
		}
		// Both sorted by (table, index); then references and entries must be equal.
		qsort(pa, na, sizeof(pa[0]), cmp_u64);
		qsort(pb, nb, sizeof(pb[0]), cmp_u64);
		same = na == nb && !memcmp(pa, pb, na * sizeof(pa[0]));
		if (!same) {
			lt_note("  %s: mfn 0x%" PRIx64 ": xenpt rmap %zu references, lookup-pte %zu", tag,
				mfns[k], na, nb);
			for (i = 0; i < na && i < 4; i++)
				lt_note("    xenpt:      [0x%" PRIx64 "][%" PRIu64 "] 0x%" PRIx64, pa[i][0] >> 9,
					pa[i][0] & 511, pa[i][1]);
			for (i = 0; i < nb && i < 4; i++)
				lt_note("    lookup-pte: [0x%" PRIx64 "][%" PRIu64 "] 0x%" PRIx64, pb[i][0] >> 9,
					pb[i][0] & 511, pb[i][1]);
		}
		good_mfns += same;
		refs += na;
	}
	lt_report(j && good_mfns == n, name, "%zu frames, %zu agree, %zu references; roots: vCPUs%s",
		  n, good_mfns, refs, all_l4 ? " + every pinned L4" : "");
	for (k = 0; k < n; k++)
		free(lk[k]);
	free(lk);
	lt_json_free(j);
}

static void add_mfn(uint64_t *m, size_t *n, size_t max, uint64_t mfn)
{
	size_t i;

	if (mfn == INV || *n >= max)
		return;
	for (i = 0; i < *n; i++)
		if (m[i] == mfn)
			return;
	m[(*n)++] = mfn;
}

/* The test guest: every frame its records name (data pages, tables, special frames). */
static void test_guest_rmap(const char *g)
{
	uint64_t m[64];
	size_t n = 0;
	unsigned i;

	for (i = 0; i < res.nr_records; i++)
		add_mfn(m, &n, 64, res.records[i].mfn);
	add_mfn(m, &n, 64, res.layout.l4_mfn);
	test_rmap("guest", g, m, n, false);
}

/* Linux PV: the frames and tables under vCPU 0's RIP and RSP, and both L4s. */
static void test_pv_rmap(const char *dom, struct lt_json *vcpu)
{
	static const char *const regs[] = { "0.regs.rip", "0.regs.rsp" };
	uint64_t m[16] = { 0 }, v;
	size_t n = 0, k, l;

	if (!has_rmap) {
		test_rmap("pv", dom, m, 0, true);   /* reports the gap */
		return;
	}
	for (k = 0; k < 2; k++) {
		struct lt_json *w;

		if (!lt_ju64(vcpu, regs[k], &v))
			continue;
		w = xpj("pv: walk for rmap", "--pause walk --json %s 0x%" PRIx64, dom, v);
		if (lt_ju64(w, "mfn", &v))
			add_mfn(m, &n, 16, v);
		for (l = 0; k == 0 && l < 4; l++) {
			char path[32];

			snprintf(path, sizeof(path), "levels.%zu.table_mfn", l);
			if (lt_ju64(w, path, &v))
				add_mfn(m, &n, 16, v);
		}
		lt_json_free(w);
	}
	if (lt_ju64(vcpu, "0.user_cr3_mfn", &v))
		add_mfn(m, &n, 16, v);
	test_rmap("pv", dom, m, n, true);
}

/* ---- --pause: the domain is unpaused on every way out ----------------------------- */

static bool long_read_argv(char *buf, size_t len, char **argv, const char *dom, bool pause)
{
	char *save = NULL, *tok;
	unsigned n = 0;

	snprintf(buf, len, "%s%s read --raw --gfn 0 %s 33554432", xenpt, pause ? " --pause" : "", dom);
	for (tok = strtok_r(buf, " ", &save); tok && n < 15; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return true;
}

static void pause_check(const char *what, const char *g, struct lt_run *r, int want_rc)
{
	char st[64], xs[16], name[160];
	bool good;

	xl_state(g, xs);
	good = lt_exited(r, want_rc) && xs[0] && xs[2] != 'p';
	snprintf(name, sizeof(name), "pause: %s leaves the domain unpaused", what);
	lt_report(good, name, "%s (want exit %d), xl state %s%s%.200s", lt_status_text(r, st, sizeof(st)),
		  want_rc, xs, r->err[0] ? "; stderr: " : "", r->err);
	if (xs[2] == 'p')
		free(lt_sh("xl unpause %s", g));   /* for the next checks */
}

static void pause_signal(const char *g, int sig)
{
	char buf[512], *argv[16], name[128], st[64], xs[16];
	struct lt_run r;
	int out_fd = -1, err_fd = -1;
	bool was_paused;
	pid_t pid;

	snprintf(name, sizeof(name), "pause: %s during a long --pause read leaves the domain unpaused",
		 sig == SIGPIPE ? "closing its stdout (SIGPIPE)" : strsignal(sig));
	long_read_argv(buf, sizeof(buf), argv, g, true);
	pid = lt_spawn(argv, sig == SIGPIPE, &out_fd, &err_fd);
	if (pid < 0) {
		lt_report(false, name, "cannot start xenpt");
		return;
	}
	if (sig == SIGPIPE) {
		char tmp[4096];
		ssize_t got = read(out_fd, tmp, sizeof(tmp));

		(void)got;
		usleep(300000);
	} else {
		usleep(1000000);
	}
	was_paused = xl_paused(g);
	if (sig == SIGPIPE)
		close(out_fd);
	else
		kill(pid, sig);
	lt_finish(pid, -1, err_fd, 30, &r);
	xl_state(g, xs);
	lt_report(was_paused && !r.timed_out && WIFSIGNALED(r.status) && WTERMSIG(r.status) == sig &&
		  xs[0] && xs[2] != 'p', name,
		  "paused while reading: %d; xenpt %s; xl state afterwards %s; stderr: %.200s", was_paused,
		  lt_status_text(&r, st, sizeof(st)), xs, r.err);
	if (xs[2] == 'p')
		free(lt_sh("xl unpause %s", g));
	lt_run_free(&r);
}

static void test_pause(const char *g)
{
	struct lt_run r;

	xp(&r, "--pause walk --json %s 0x%llx", g, (unsigned long long)XENPT_GUEST_RESULT_VA);
	pause_check("a successful --pause walk", g, &r, 0);
	lt_run_free(&r);
	xp(&r, "--pause read %s 0x%llx 16", g, (unsigned long long)XENPT_GUEST_MAP_BASE);
	pause_check("a --pause read of an unmapped VA (fails after opening)", g, &r, 2);
	lt_run_free(&r);
	xp(&r, "--pause vcpu --json %s 7", g);
	pause_check("a --pause vcpu of a missing vCPU (fails after opening)", g, &r, 2);
	lt_run_free(&r);
	xp(&r, "--pause walk --cr3 0x1000 %s 0x0", g);
	{
		char st[64], xs[16];

		xl_state(g, xs);
		lt_report(WIFEXITED(r.status) && xs[2] != 'p',
			  "pause: a --pause walk from a foreign root leaves the domain unpaused",
			  "%s; xl state %s; %.200s%.200s", lt_status_text(&r, st, sizeof(st)), xs, r.out, r.err);
		if (xs[2] == 'p')
			free(lt_sh("xl unpause %s", g));
	}
	lt_run_free(&r);

	pause_signal(g, SIGINT);
	pause_signal(g, SIGTERM);
	pause_signal(g, SIGHUP);
	pause_signal(g, SIGPIPE);

	// Paused by someone else: --pause nests, the domain stays paused.
	if (xl_pause(g)) {
		bool still;

		xp(&r, "--pause walk --json %s 0x%llx", g, (unsigned long long)XENPT_GUEST_RESULT_VA);
		still = xl_paused(g);
		xl_unpause(g);
		lt_report(lt_exited(&r, 0) && still && !xl_paused(g),
			  "pause: --pause on a domain paused by xl pause leaves it paused (nesting)",
			  "paused after xenpt: %d, running after xl unpause: %d", still, !xl_paused(g));
		lt_run_free(&r);
	}
}

/* ---- the shell and batch on a live domain ---------------------------------------------- */

/*
 * `pause` in `xenpt shell` really pauses the domain (xl sees it while the
 * shell waits for its next line), `unpause` lets it run, and EOF unpauses
 * what the shell paused; `xenpt batch` likewise at its end.  Commands after
 * `pause` and `refresh` run on the one open source.
 */
static void test_shell_live(const char *g)
{
	char tmpl[] = "/tmp/xenpt-live-shell.XXXXXX", cmd[1024], *out;
	int fd = mkstemp(tmpl);
	FILE *sh;
	bool paused_seen = false, running_seen = false;
	int i, st;

	if (fd < 0) {
		lt_report(false, "shell: a temporary file", "%s", strerror(errno));
		return;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s shell %s >%s 2>&1", xenpt, g, tmpl);
	sh = popen(cmd, "w");
	if (!sh) {
		lt_report(false, "shell: popen of xenpt shell", "%s", strerror(errno));
		unlink(tmpl);
		return;
	}
	fprintf(sh, "pause\n");
	fflush(sh);
	for (i = 0; i < 100 && !(paused_seen = xl_paused(g)); i++)
		usleep(100000);
	fprintf(sh, "walk 0x%llx\nrefresh\nunpause\n", (unsigned long long)XENPT_GUEST_RESULT_VA);
	fflush(sh);
	for (i = 0; i < 100 && !(running_seen = !xl_paused(g)); i++)
		usleep(100000);
	fprintf(sh, "pause\nstats\n");
	fflush(sh);
	for (i = 0; i < 100 && !xl_paused(g); i++)
		usleep(100000);
	st = pclose(sh);   /* EOF: the shell leaves and unpauses */
	out = lt_sh("cat %s", tmpl);
	lt_report(paused_seen, "shell: `pause` pauses the live domain (xl list shows it paused)",
		  "%.300s", out ? out : "");
	lt_report(running_seen, "shell: `unpause` lets it run again", "%.300s", out ? out : "");
	lt_report(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !xl_paused(g),
		  "shell: EOF leaves with status 0 and unpauses what the shell paused",
		  "status %d, paused %d; %.300s", st, xl_paused(g), out ? out : "");
	lt_report(out && strstr(out, "result: mapped") && strstr(out, "frame cache of"),
		  "shell: the walk after pause and `stats` ran on the open source", "%.300s", out ? out : "");
	free(out);
	if (xl_paused(g))
		free(lt_sh("xl unpause %s", g));

	/* batch: a paused domain is unpaused when the batch ends */
	snprintf(cmd, sizeof(cmd), "printf 'pause\\nwalk 0x%llx\\n' | %s batch %s - >%s 2>&1; echo rc=$?",
		 (unsigned long long)XENPT_GUEST_RESULT_VA, xenpt, g, tmpl);
	out = lt_sh("%s", cmd);
	{
		char *bout = lt_sh("cat %s", tmpl);

		lt_report(out && strstr(out, "rc=0") && bout && strstr(bout, "result: mapped") && !xl_paused(g),
			  "batch: `pause` then a walk; the batch exits 0 and leaves the domain running",
			  "%s; paused %d; %.300s", out ? out : "", xl_paused(g), bout ? bout : "");
		free(bout);
	}
	free(out);
	if (xl_paused(g))
		free(lt_sh("xl unpause %s", g));
	unlink(tmpl);
}

/* ---- a domain destroyed while xenpt reads it --------------------------------------- */

static const char *gone_cfg, *gone_kernel;

/* Create a throw-away test guest and wait until it has published its P2M. */
static bool gone_create(const char *name)
{
	char n[160], k[600];
	char *argv[] = { "xl", "create", (char *)gone_cfg, n, k,
			 "extra=\"scenario=map hold=1 poll_ms=20\"", NULL };
	struct lt_run r;
	double t0 = lt_now();

	snprintf(n, sizeof(n), "name=\"%s\"", name);
	snprintf(k, sizeof(k), "kernel=\"%s\"", gone_kernel);
	lt_run_argv(argv, 120, LT_CAPTURE, &r);
	if (!lt_exited(&r, 0)) {
		lt_note("xl create %s failed: %s", name, r.err);
		lt_run_free(&r);
		return false;
	}
	lt_run_free(&r);
	while (lt_now() - t0 < 60) {
		struct lt_json *j;
		uint64_t fll = 0;

		xp(&r, "info --json %s", name);
		j = lt_exited(&r, 0) ? lt_json_parse(r.out) : NULL;
		lt_run_free(&r);
		if (j && lt_ju64(j, "shared_info.pfn_to_mfn_frame_list_list", &fll) && fll) {
			lt_json_free(j);
			return true;
		}
		lt_json_free(j);
		usleep(200000);
	}
	lt_note("%s did not publish its P2M within 60 s", name);
	return false;
}

static bool names_domain(const char *err, const char *name, int domid)
{
	char id[32];

	snprintf(id, sizeof(id), "domain %d", domid);
	return strstr(err, name) || (domid >= 0 && strstr(err, id));
}

static bool crashed(const char *err)
{
	return strstr(err, "AddressSanitizer") || strstr(err, "runtime error") ||
	       strstr(err, "Assertion") || strstr(err, "Segmentation") || strstr(err, "core dumped");
}

static void gone_one(unsigned n, bool pause, bool loop)
{
	char name[128], label[320], buf[512], *argv[16], st[64], wbuf[96] = "";
	struct lt_run r;
	int err_fd = -1, domid;
	bool running_at_destroy = true;
	double t_destroy;
	unsigned walks = 0;
	pid_t pid;
	char *out = NULL;

	snprintf(name, sizeof(name), "xenpt-live-gone-%d-%u", (int)getpid(), n);
	snprintf(label, sizeof(label), "gone: %s destroyed during %s exits 2 naming it, no crash, no hang",
		 name, loop ? "repeated walks" : pause ? "a long --pause read" : "a long read");
	if (!gone_create(name)) {
		lt_report(false, label, "could not create it");
		free(lt_sh("xl destroy %s 2>/dev/null", name));
		return;
	}
	domid = domid_of(name);
	if (loop) {
		// Walks back to back (each bounded by a time limit) while a child
		// destroys the domain; stop at the first walk that does not exit 0.
		pid = fork();
		if (pid == 0) {
			usleep(1500000);
			execlp("xl", "xl", "destroy", name, (char *)NULL);
			_exit(127);
		}
		t_destroy = lt_now() + 1.5;
		for (walks = 0; walks < 1000; walks++) {
			xp(&r, "walk --json %s 0x%llx", name, (unsigned long long)XENPT_GUEST_MAP_BASE + 0x2000);
			if (!lt_exited(&r, 0))
				break;
			lt_run_free(&r);
		}
		{
			int ks = 0;

			waitpid(pid, &ks, 0);
			out = WIFEXITED(ks) && !WEXITSTATUS(ks) ? strdup("destroyed") : NULL;
		}
		if (walks == 1000)
			memset(&r, 0, sizeof(r));
	} else {
		// Read 1 MiB of its stdout, so that xenpt is surely in the middle of
		// the 32 MiB (and, with a full pipe, waiting to write more), then
		// destroy the domain and drain the rest.
		static char chunk[65536];
		size_t got = 0;
		double t0 = lt_now();
		int out_fd = -1;

		long_read_argv(buf, sizeof(buf), argv, name, pause);
		pid = lt_spawn(argv, true, &out_fd, &err_fd);
		while (pid > 0 && got < (1u << 20) && lt_now() - t0 < 60) {
			ssize_t k = read(out_fd, chunk, sizeof(chunk));

			if (k <= 0)
				break;
			got += (size_t)k;
		}
		running_at_destroy = pid > 0 && waitpid(pid, NULL, WNOHANG) == 0 && got >= (1u << 20);
		t_destroy = lt_now();
		out = lt_sh("xl destroy %s 2>&1 && echo destroyed", name);
		lt_finish(pid, out_fd, err_fd, 60, &r);
		snprintf(wbuf, sizeof(wbuf), "%zu KiB read before, %zu after; ", got >> 10, r.out_len >> 10);
	}
	if (loop)
		snprintf(wbuf, sizeof(wbuf), "%u walks succeeded before; ", walks);
	lt_report(out && strstr(out, "destroyed") && running_at_destroy && walks < 1000 &&
		  lt_exited(&r, 2) && names_domain(r.err, name, domid) && !crashed(r.err), label,
		  "%s%s%s%sxenpt %s %.1f s after the destroy; stderr: %.400s",
		  out && strstr(out, "destroyed") ? "" : "xl destroy failed: ",
		  out && strstr(out, "destroyed") ? "" : out ? out : "(no output) ",
		  running_at_destroy ? "" : "NOT running at the destroy; ", wbuf,
		  lt_status_text(&r, st, sizeof(st)), lt_now() - t_destroy, r.err ? r.err : "");
	free(out);
	lt_run_free(&r);
	free(lt_sh("xl destroy %s 2>/dev/null", name));
}

static void test_gone(void)
{
	gone_one(1, false, false);
	gone_one(2, true, false);
	gone_one(3, false, true);
}

/* ---- a zombie: a destroyed domain kept dying by a dom0 foreign mapping ------------------ */

static const char *zombie_map;

/* Read the helper's stdout until "HOLDING" (or EOF / @timeout s); malloc'd text. */
static char *read_until_holding(int fd, double timeout)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	double t0 = lt_now();

	if (!buf)
		return NULL;
	buf[0] = '\0';
	while (!strstr(buf, "HOLDING\n") && lt_now() - t0 < timeout) {
		ssize_t k;

		if (len + 1024 > cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k <= 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
	}
	return buf;
}

/*
 * A throw-away test guest whose frames (PFN 0x10, 0x11, 0x1000: MFNs from
 * xen-mfndump's P2M) zombie_map holds mapped in dom0 across `xl destroy`:
 * Xen keeps the domain dying as long as the mappings hold references on
 * its pages.  Judged by `xl list`, Xen's own page count (tot_pages = the
 * frames held), the MFNs and VAs the helper printed (dom0's L1 index is
 * VA bits 12-20), and the domain's disappearing once they are released.
 */
static void test_zombie(void)
{
	static const unsigned pfns[] = { 0x10, 0x11, 0x1000 };
	enum { NZ = 3 };
	char name[128], dom[16], st[64], *p2m, *txt = NULL, *line, *save = NULL;
	char *argv[8], mfn_s[NZ][24];
	uint64_t mfn[NZ], va[NZ];
	struct lt_json *j = NULL, *e;
	struct lt_run r;
	int domid, out_fd = -1, err_fd = -1, i, k;
	unsigned got = 0, n, nd, found[NZ] = { 0 }, cross = 0;
	pid_t pid = -1;
	bool good, gone = false;
	double t0;

	snprintf(name, sizeof(name), "xenpt-live-zombie-%d", (int)getpid());
	if (!gone_create(name)) {
		lt_report(false, "zombie: a throw-away test guest", "could not create %s", name);
		free(lt_sh("xl destroy %s 2>/dev/null", name));
		return;
	}
	domid = domid_of(name);
	snprintf(dom, sizeof(dom), "%d", domid);
	/* the MFNs, from Xen's own tool */
	for (i = 0; i < NZ; i++) {
		p2m = lt_sh("xen-mfndump dump-p2m %d | awk '$1 == \"pfn=0x%x\" {sub(\"mfn=\", \"\", $3); print $3}'",
			    domid, pfns[i]);
		mfn[i] = p2m ? strtoull(p2m, NULL, 16) : 0;
		snprintf(mfn_s[i], sizeof(mfn_s[i]), "0x%" PRIx64, mfn[i]);
		free(p2m);
	}
	argv[0] = (char *)zombie_map;
	argv[1] = dom;
	for (i = 0; i < NZ; i++)
		argv[2 + i] = mfn_s[i];
	argv[2 + NZ] = NULL;
	if (mfn[0] && mfn[1] && mfn[2])
		pid = lt_spawn(argv, true, &out_fd, &err_fd);
	if (pid > 0)
		txt = read_until_holding(out_fd, 30);
	for (line = txt ? strtok_r(txt, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t m, v;

		if (sscanf(line, "mapped mfn 0x%" SCNx64 " va 0x%" SCNx64, &m, &v) == 2 && got < NZ &&
		    m == mfn[got])
			va[got++] = v;
	}
	free(txt);
	lt_report(got == NZ, "zombie: zombie_map holds dom0 foreign mappings of 3 frames of the guest",
		  "%u of %d mapped (MFNs %s %s %s from xen-mfndump dump-p2m %d)", got, NZ,
		  mfn_s[0], mfn_s[1], mfn_s[2], domid);
	if (got != NZ)
		goto out;

	good = (txt = lt_sh("xl destroy %s 2>&1 && echo destroyed", name)) && strstr(txt, "destroyed");
	free(txt);
	txt = NULL;
	{
		struct xl_dom d[64];
		int nx = xl_list(NULL, d, 64);

		st[0] = '\0';
		for (k = 0; k < nx; k++)
			if ((int)d[k].id == domid)
				snprintf(st, sizeof(st), "%s", d[k].state);
	}
	lt_report(good && strlen(st) >= 6 && st[5] == 'd',
		  "zombie: after xl destroy, xl list still lists the domain, dying",
		  "xl destroy %s; xl list state of domain %d: '%s'", good ? "ok" : "FAILED", domid, st);

	/*
	 * xenpt list: dying, and Xen's page count is the frames held (the
	 * rest is freed by a preemptible domain_relinquish_resources: allow
	 * it 20 s)
	 */
	t0 = lt_now();
	for (;;) {
		uint64_t tot = INV;

		xp(&r, "list --json");
		j = lt_exited(&r, 0) ? lt_json_parse(r.out) : NULL;
		e = NULL;
		for (n = 0; j && j->t == LT_JARR && n < j->n; n++) {
			uint64_t id;

			if (lt_ju64(j->v[n], "domid", &id) && id == (uint64_t)domid)
				e = j->v[n];
		}
		if ((e && lt_ju64(e, "tot_pages", &tot) && tot == NZ) || lt_now() - t0 > 20)
			break;
		lt_json_free(j);
		lt_run_free(&r);
		usleep(500000);
	}
	{
		uint64_t tot = INV;
		bool have_tot = e && lt_ju64(e, "tot_pages", &tot);

		lt_report(e && !strcmp(lt_jstr(e, "state"), "dying") && have_tot &&
			  tot == NZ, "zombie: xenpt list shows the domain dying, owning exactly the 3 held frames",
			  "%s; state '%s', tot_pages %" PRIu64 "", e ? "listed" : "NOT listed",
			  e ? lt_jstr(e, "state") : "", tot);
	}
	lt_json_free(j);
	lt_run_free(&r);

	/* audit --all: dom0's L1 entries of exactly those frames */
	if (!has_audit) {
		lt_skip("zombie: audit --all", "GAP: no audit command");
	} else {
		char why[512] = "";
		uint64_t l1 = INV;

		lt_runf(&r, 300, LT_CAPTURE, "%s audit --all --json", xenpt);
		j = lt_exited(&r, 1) ? lt_json_parse(r.out) : NULL;
		nd = 0;
		for (n = 0; j && j->t == LT_JARR && n < j->n; n++) {
			struct lt_json *fs = lt_jget(j->v[n], "findings");
			uint64_t id = INV;
			unsigned q;

			lt_ju64(j->v[n], "domain.domid", &id);
			for (q = 0; fs && fs->t == LT_JARR && q < fs->n; q++) {
				const char *code = lt_jstr(fs->v[q], "code");
				uint64_t t = INV, f = INV, lv = 0, ix = INV, od = INV;
				bool dy = !strcmp(code, "dying-domain-reference");

				if (!dy && strcmp(code, "cross-domain-mapping"))
					continue;
				lt_ju64(fs->v[q], "target", &t);
				lt_ju64(fs->v[q], "mfn", &f);
				lt_ju64(fs->v[q], "level", &lv);
				lt_ju64(fs->v[q], "index", &ix);
				lt_ju64(fs->v[q], "other_domid", &od);
				if (od != (uint64_t)domid)
					continue;
				for (k = 0; k < NZ && t != mfn[k]; k++)
					;
				if (id != 0 || k == NZ || lv != 1 || ix != ((va[k] >> 12) & 511) ||
				    (l1 != INV && f != l1 && (va[k] >> 21) == (va[0] >> 21))) {
					snprintf(why + strlen(why), sizeof(why) - strlen(why),
						 "unexpected %s: domain %" PRIu64 " L%" PRIu64 " table 0x%" PRIx64
						 " index %" PRIu64 " target 0x%" PRIx64 "; ", code, id, lv, f, ix, t);
					continue;
				}
				if ((va[k] >> 21) == (va[0] >> 21))
					l1 = f;
				if (dy) {
					found[k]++;
					nd++;
				} else {
					cross++;
				}
			}
		}
		lt_report(j && nd == NZ && found[0] == 1 && found[1] == 1 && found[2] == 1 && cross == NZ &&
			  !why[0],
			  "zombie: audit --all exits 1 with dying-domain-reference for exactly the 3 held frames, "
			  "each at dom0's L1 entry of the helper's VA",
			  "%s; %u dying-domain-reference, %u cross-domain-mapping naming domain %d; %sstderr: %.300s",
			  lt_status_text(&r, st, sizeof(st)), nd, cross, domid, why, r.err ? r.err : "");
		lt_json_free(j);
		lt_run_free(&r);
	}

	/* commands on the dying domain itself: a clear error, no crash, no hang */
	{
		static const char *const cmds[] = { "info", "walk", "audit", "vcpu", "p2m" };

		for (n = 0; n < XENPT_ARRAY_SIZE_LIVE(cmds); n++) {
			char label[160];

			if (!strcmp(cmds[n], "audit") && !has_audit)
				continue;
			if (!strcmp(cmds[n], "p2m") && !has_p2m)
				continue;
			snprintf(label, sizeof(label), "zombie: xenpt %s on the dying domain exits 2 saying it is dying",
				 cmds[n]);
			if (!strcmp(cmds[n], "walk"))
				xp(&r, "walk %d 0x%llx", domid, (unsigned long long)XENPT_GUEST_MAP_BASE);
			else
				xp(&r, "%s %d", cmds[n], domid);
			snprintf(dom, sizeof(dom), "domain %d", domid);
			lt_report(lt_exited(&r, 2) && r.err && strstr(r.err, "is dying") && strstr(r.err, dom) &&
				  !crashed(r.err), label, "%s; stderr: %.300s",
				  lt_status_text(&r, st, sizeof(st)), r.err ? r.err : "");
			lt_run_free(&r);
		}
	}

out:
	/* release: the domain goes */
	if (pid > 0) {
		kill(pid, SIGTERM);
		lt_finish(pid, out_fd, err_fd, 30, &r);
		good = lt_exited(&r, 0) && strstr(r.out, "released");
		lt_run_free(&r);
		t0 = lt_now();
		while (lt_now() - t0 < 20) {
			struct xl_dom d[64];
			int nx = xl_list(NULL, d, 64);

			gone = nx > 0;
			for (k = 0; k < nx; k++)
				if ((int)d[k].id == domid)
					gone = false;
			if (gone)
				break;
			usleep(200000);
		}
		if (got == NZ) {
			xp(&r, "list --json");
			snprintf(st, sizeof(st), "\"domid\":%d,", domid);
			lt_report(good && gone && lt_exited(&r, 0) && !strstr(r.out, st),
				  "zombie: once the mappings are released the domain is gone (xl list, xenpt list)",
				  "helper %s; %s %.1f s after the release; xenpt list %s",
				  good ? "released" : "did NOT release", gone ? "gone" : "STILL listed",
				  lt_now() - t0, strstr(r.out ? r.out : "", st) ? "STILL lists it" : "does not list it");
			lt_run_free(&r);
		}
	}
	free(lt_sh("xl destroy %s 2>/dev/null", name));
}

/* ---- main --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *pv = NULL, *pvh = NULL, *guest = NULL;
	bool core_pv = false, core_pvh = false;
	struct lt_json *info, *vcpu;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--xenpt") && i + 1 < argc)
			xenpt = argv[++i];
		else if (!strcmp(argv[i], "--pv") && i + 1 < argc)
			pv = argv[++i];
		else if (!strcmp(argv[i], "--pvh") && i + 1 < argc)
			pvh = argv[++i];
		else if (!strcmp(argv[i], "--guest") && i + 1 < argc)
			guest = argv[++i];
		else if (!strcmp(argv[i], "--gone-cfg") && i + 1 < argc)
			gone_cfg = argv[++i];
		else if (!strcmp(argv[i], "--gone-kernel") && i + 1 < argc)
			gone_kernel = argv[++i];
		else if (!strcmp(argv[i], "--zombie-map") && i + 1 < argc)
			zombie_map = argv[++i];
		else if (!strcmp(argv[i], "--console-dir") && i + 1 < argc)
			console_dir = argv[++i];
		else if (!strcmp(argv[i], "--core-pv"))
			core_pv = true;
		else if (!strcmp(argv[i], "--core-pvh"))
			core_pvh = true;
		else if (!strcmp(argv[i], "-v"))
			lt_verbose = true;
		else {
			fprintf(stderr, "usage: %s --xenpt PATH [--pv DOM] [--pvh DOM] [--guest DOM] "
				"[--gone-cfg CFG --gone-kernel PATH [--zombie-map BIN]] [--core-pv] "
				"[--core-pvh] [--console-dir DIR] [-v]\n", argv[0]);
			return 2;
		}
	}
	atexit(unpause_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);

	test_commands();
	test_list();
	if (pv) {
		info = test_info("pv", pv, false);
		vcpu = test_vcpu("pv", pv);
		if (core_pv)
			test_pv_core("pv", pv, vcpu, info, false);
		else
			lt_skip("pv: live output equals dump-core output", "not asked for (--core-pv)");
		test_p2m("pv", pv, INV, INV);
		test_pv_rmap(pv, vcpu);
		lt_json_free(info);
		lt_json_free(vcpu);
	} else {
		lt_skip("pv", "no --pv domain");
	}
	if (pvh) {
		info = test_info("pvh", pvh, true);
		vcpu = test_vcpu("pvh", pvh);
		if (core_pvh)
			test_pv_core("pvh", pvh, vcpu, info, true);
		else
			lt_skip("pvh: live output equals dump-core output",
				"not asked for (--core-pvh; an xl dump-core of a PVH domU takes minutes under TCG)");
		lt_json_free(info);
		lt_json_free(vcpu);
	} else {
		lt_skip("pvh", "no --pvh domain");
	}
	if (guest) {
		info = test_info("guest", guest, false);
		vcpu = test_vcpu("guest", guest);
		if (guest_result_page(guest)) {
			guest_info_vcpu(info, vcpu);
			test_guest_records(guest, info);
			test_guest_core(guest, info);
		}
		test_p2m("guest", guest, res.layout.shared_info_mfn,
			 res.layout.shared_info_mfn ? XENPT_GUEST_SHINFO_VA : INV);
		test_guest_rmap(guest);
		test_pause(guest);
		test_shell_live(guest);
		lt_json_free(info);
		lt_json_free(vcpu);
	} else {
		lt_skip("guest", "no --guest domain");
	}
	test_audit_all(pv, guest);
	if (gone_cfg && gone_kernel)
		test_gone();
	else
		lt_skip("gone", "no --gone-cfg/--gone-kernel");
	if (gone_cfg && gone_kernel && zombie_map)
		test_zombie();
	else
		lt_skip("zombie", "no --gone-cfg/--gone-kernel/--zombie-map");
	free(glog);
	return lt_summary();
}
