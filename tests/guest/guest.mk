# tests/guest/guest.mk: the xenpt PV test guest kernel.  Included by the
# top-level Makefile; `make guest` builds
#   $(BUILD)/guest/xenpt-testguest       the kernel (64-bit PV ELF)
#   $(BUILD)/guest/xenpt-testguest.cfg   an xl config naming it by its dom0 path
#   $(BUILD)/guest/xenpt-corpusguest(.cfg) the corpus build (tests/corpus/)
# and, with libxen-dev (HAVE_XEN from the top-level Makefile),
#   $(BUILD)/guest/xenpt-guest-mbox      dom0 helper: show the result page,
#                                        post mailbox requests
# See tests/guest/README.md.

GUEST_DIR    := tests/guest
GUEST_OUT    := $(BUILD)/guest
GUEST_KERNEL := $(GUEST_OUT)/xenpt-testguest
GUEST_CFG    := $(GUEST_OUT)/xenpt-testguest.cfg

# The kernel as xl in dom0 sees it: xenlab mounts the project at /host.
GUEST_KERNEL_PATH ?= /host/$(GUEST_KERNEL)

GUEST_CC ?= gcc
GUEST_XEN_IFACE = -D__XEN_INTERFACE_VERSION__=0x00040e00
# Freestanding kernel code: no red zone (traps arrive on the same stack), no
# SSE (the trap path saves general registers only), top-2 GiB code model.
GUEST_CFLAGS = -std=c11 -O2 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common \
	-fno-tree-loop-distribute-patterns \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	$(GUEST_XEN_IFACE)
GUEST_ASFLAGS = -D__ASSEMBLY__ $(GUEST_XEN_IFACE) -Wa,--noexecstack
GUEST_LDFLAGS = -nostdlib -static -no-pie -Wl,-T,$(GUEST_DIR)/guest.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -Wl,-z,noexecstack

GUEST_C_SRCS := $(filter-out $(GUEST_DIR)/corpus.c,$(sort $(wildcard $(GUEST_DIR)/*.c)))
GUEST_OBJS   := $(GUEST_OUT)/obj/head.o \
	$(GUEST_C_SRCS:$(GUEST_DIR)/%.c=$(GUEST_OUT)/obj/%.o)

# The corpus guest (tests/corpus/README.md): the same kernel built with
# -DXENPT_GUEST_CORPUS plus corpus.c and the table compiled from
# tests/corpus/ *.seq, a separate ELF so that the test guest above stays
# byte for byte what the fixture core and the dis tests (tests/cli/t600)
# were made from.
CORPUS_DIR    := tests/corpus
CORPUS_SEQS   := $(sort $(wildcard $(CORPUS_DIR)/*.seq))
CORPUS_TABLE  := $(GUEST_OUT)/corpus_table.c
CORPUS_KERNEL := $(GUEST_OUT)/xenpt-corpusguest
CORPUS_CFG    := $(GUEST_OUT)/xenpt-corpusguest.cfg
CORPUS_KERNEL_PATH ?= /host/$(CORPUS_KERNEL)
CORPUS_OBJS   := $(GUEST_OUT)/obj/head.o \
	$(GUEST_C_SRCS:$(GUEST_DIR)/%.c=$(GUEST_OUT)/corpus-obj/%.o) \
	$(GUEST_OUT)/corpus-obj/corpus.o $(GUEST_OUT)/corpus-obj/corpus_table.o

$(CORPUS_TABLE): $(CORPUS_SEQS) $(CORPUS_DIR)/gen.py $(CORPUS_DIR)/seqlib.py
	@mkdir -p $(@D)
	python3 $(CORPUS_DIR)/gen.py --compile -o $@ $(CORPUS_SEQS)

# The committed generated.seq must be what gen.py makes (fixed seed).
$(GUEST_OUT)/corpus-gen.ok: $(CORPUS_DIR)/generated.seq $(CORPUS_DIR)/gen.py \
		$(CORPUS_DIR)/grammar.py $(CORPUS_DIR)/seqlib.py
	@mkdir -p $(@D)
	python3 $(CORPUS_DIR)/gen.py --check
	@touch $@

$(GUEST_OUT)/corpus-obj/corpus_table.o: $(CORPUS_TABLE) $(CORPUS_DIR)/corpus.h
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -I$(CORPUS_DIR) -c -o $@ $<

$(GUEST_OUT)/corpus-obj/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -DXENPT_GUEST_CORPUS -I$(CORPUS_DIR) -MMD -MP -c -o $@ $<

$(CORPUS_KERNEL): $(CORPUS_OBJS) $(GUEST_DIR)/guest.ld
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(CORPUS_OBJS)

$(CORPUS_CFG): $(GUEST_DIR)/xenpt-testguest.cfg.in $(GUEST_DIR)/guest.mk
	@mkdir -p $(@D)
	sed -e 's|@KERNEL@|$(CORPUS_KERNEL_PATH)|' \
		-e 's|^name = .*|name = "xenpt-corpus"|' \
		-e 's|^extra = .*|extra = "scenario=none poll_ms=1"|' $< > $@

GUEST_TARGETS := $(GUEST_KERNEL) $(GUEST_CFG) $(GUEST_OUT)/result-h.ok \
	$(CORPUS_KERNEL) $(CORPUS_CFG) $(GUEST_OUT)/corpus-gen.ok
ifeq ($(HAVE_XEN),1)
GUEST_TARGETS += $(GUEST_OUT)/xenpt-guest-mbox $(GUEST_OUT)/corpus-record
endif

.PHONY: guest
guest: $(GUEST_TARGETS)

$(GUEST_OUT)/obj/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c -o $@ $<

$(GUEST_OUT)/obj/%.o: $(GUEST_DIR)/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_ASFLAGS) -MMD -MP -c -o $@ $<

$(GUEST_KERNEL): $(GUEST_OBJS) $(GUEST_DIR)/guest.ld
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS)

$(GUEST_CFG): $(GUEST_DIR)/xenpt-testguest.cfg.in $(GUEST_DIR)/guest.mk
	@mkdir -p $(@D)
	sed -e 's|@KERNEL@|$(GUEST_KERNEL_PATH)|' $< > $@

# result.h is shared with host-side tests: prove it compiles there, alone.
$(GUEST_OUT)/result-h.ok: $(GUEST_DIR)/result.h $(CORPUS_DIR)/corpus.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c $<
	$(CC) -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c $(CORPUS_DIR)/corpus.h
	@touch $@

# Host-side (dom0) helper, built with the host compiler and libxen
# (gnu11: xenctrl.h needs anonymous unions and __align8__).
$(GUEST_OUT)/xenpt-guest-mbox: $(GUEST_DIR)/host/xenpt-guest-mbox.c $(GUEST_DIR)/result.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -o $@ $< \
		$(shell $(PKG_CONFIG) --cflags --libs xencontrol xenforeignmemory)

-include $(GUEST_OBJS:.o=.d) $(CORPUS_OBJS:.o=.d)

# The corpus driver (dom0): runs every sequence in a holding guest and
# writes the record (tests/corpus/README.md).  `make corpus-record` drives
# xenlab and rewrites tests/corpus/xen-4.17.7.rec; tests/live/run.sh
# re-records into $(BUILD)/corpus and compares.
CORPUS_RECORD := $(GUEST_OUT)/corpus-record

$(CORPUS_RECORD): $(CORPUS_DIR)/record.c $(CORPUS_TABLE) $(CORPUS_DIR)/corpus.h \
		$(GUEST_DIR)/result.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -DCORPUS_TEXT -O2 -g -Wall -Wextra -Werror \
		-I$(CORPUS_DIR) -o $@ $< $(CORPUS_TABLE) \
		$(shell $(PKG_CONFIG) --cflags --libs xencontrol xenforeignmemory)

.PHONY: corpus-record
corpus-record: guest
	sh $(CORPUS_DIR)/record.sh tests/corpus/xen-4.17.7.rec
