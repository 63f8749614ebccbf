/* SPDX-License-Identifier: MIT */
/*
 * cmd/p2m_common.c, for cmd/p2m.c and cmd/m2p.c: what `xenpt p2m` and
 * `xenpt m2p` share (options, lookups, the check, labels).
 */
#ifndef XENPT_CMD_P2M_CLI_H
#define XENPT_CMD_P2M_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpt/p2m.h>

#include "cli.h"

struct p2m_opts {
	bool m2p;              /* the m2p command (else p2m) */
	bool raw, all, check, no_walk;
	bool have_range;
	uint64_t first, last;  /* --range: PFNs (p2m) or MFNs (m2p) */
	uint64_t *pfns, *mfns; /* --pfn / --mfn, in order given */
	size_t npfns, nmfns;
	const char *target;
};

/* A command's own view: the P2M dump (cmd/p2m.c) or the M2P dump (cmd/m2p.c). */
typedef int (*p2m_dump_fn)(struct cli *cli, const struct p2m_opts *o);

/* Parse and run p2m (m2p false) or m2p; @dump shows the table when nothing else is asked. */
int p2m_run(struct cli *cli, int argc, char **argv, bool m2p, p2m_dump_fn dump);

/* Width in hex digits of the largest value in [0, max]. */
unsigned p2m_hex_digits(uint64_t max);
/* "0x1a2b" or "0x1a2b-0x1a2f" into buf, for @count frames from @first. */
const char *p2m_fmt_span(char *buf, size_t len, uint64_t first, uint64_t count);
/* A note on stderr when the source holds a claim of a bigger P2M than it backs. */
void p2m_note_claim(struct cli *cli);
/* xen-mfndump's word for a page type ("pinned L1"), in @buf or static. */
const char *p2m_type_label(xenpt_page_type_t t, char *buf, size_t len);
/* Where the M2P of this source comes from, for headers. */
const char *p2m_m2p_origin(struct xenpt_source *src);

#endif
