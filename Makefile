# xenpt — non-recursive Makefile.
#
#   make            build build/xenpt, build/libxenpt.a, build/libxenpt.so
#   make demo       run the main job on the bundled sample data (no Xen needed)
#   make check      unit + CLI + lint tests + fuzz reproducers, then the totals
#                   and the skips not allowed by tests/skips.allow (tests/README.md)
#   make check-asan the same tests built with AddressSanitizer + UBSan
#   make check-live live tests against real Xen (dom0, or ../shared/xenlab)
#   make bench      benchmarks (print figures, no thresholds)
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages the build and tests need
#
# Optional features come from pkg-config probes: the live Xen backend needs
# libxen-dev, disassembly needs libcapstone-dev, ELF symbol files need
# libelf-dev, the shell needs libreadline-dev.  Without them the offline commands still build and pass.

CC        ?= cc
BUILD     ?= build
PREFIX    ?= /usr/local
DESTDIR   ?=
PKG_CONFIG ?= pkg-config
SAN       ?=

BINDIR  = $(PREFIX)/bin
LIBDIR  = $(PREFIX)/lib
INCDIR  = $(PREFIX)/include
MANDIR  = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
# zsh searches $(PREFIX)/share/zsh/site-functions for /usr/local; Debian's
# zsh has /usr/share/zsh/vendor-completions (not .../site-functions) for /usr.
ifeq ($(PREFIX),/usr)
ZSHCOMPDIR  = $(PREFIX)/share/zsh/vendor-completions
else
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions
endif

SOVERSION = 0
VERSION   = 0.1.0

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wformat=2 -Wno-format-nonliteral -Wvla
CPPFLAGS_ALL = -Iinclude -Ilib -D_GNU_SOURCE
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
CFLAGS_ALL = -std=c11 $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden
LDFLAGS ?=

ifneq ($(SAN),)
CFLAGS_ALL += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
endif

# ---- feature probes -------------------------------------------------------
XEN_PCS = xencontrol xenforeignmemory xenguest xenstore
HAVE_XEN := $(shell $(PKG_CONFIG) --exists $(XEN_PCS) 2>/dev/null && echo 1)
HAVE_CAPSTONE := $(shell $(PKG_CONFIG) --exists capstone 2>/dev/null && echo 1)
HAVE_LIBELF := $(shell $(PKG_CONFIG) --exists libelf 2>/dev/null && echo 1)
HAVE_READLINE := $(shell test -f /usr/include/readline/readline.h && echo 1)

LIBS_DEP =
# Requires.private of xenpt.pc: the .pc files of the libraries libxenpt uses,
# so that `pkg-config --static --libs xenpt` also pulls in what they need.
PC_REQUIRES =
ifeq ($(HAVE_XEN),1)
CPPFLAGS_ALL += -DHAVE_XEN=1
LIBS_DEP += $(shell $(PKG_CONFIG) --libs $(XEN_PCS))
PC_REQUIRES += $(XEN_PCS)
endif
# Capstone: the disassembler (lib/view/dis.c); libelf: ELF symbol files (lib/view/sym.c).
ifeq ($(HAVE_CAPSTONE),1)
CPPFLAGS_ALL += -DHAVE_CAPSTONE=1 $(shell $(PKG_CONFIG) --cflags capstone)
LIBS_DEP += $(shell $(PKG_CONFIG) --libs capstone)
PC_REQUIRES += capstone
endif
ifeq ($(HAVE_LIBELF),1)
CPPFLAGS_ALL += -DHAVE_LIBELF=1 $(shell $(PKG_CONFIG) --cflags libelf)
LIBS_DEP += $(shell $(PKG_CONFIG) --libs libelf)
PC_REQUIRES += libelf
endif
# readline: the interactive shell's line editor (cmd/shell.c); without it the
# shell reads plain lines.
CLI_LIBS =
ifeq ($(HAVE_READLINE),1)
CPPFLAGS_ALL += -DHAVE_READLINE=1
CLI_LIBS += -lreadline
endif

# ---- sources --------------------------------------------------------------
LIB_SRCS := $(sort $(wildcard lib/*/*.c))
CMD_SRCS := $(sort $(wildcard cmd/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out $(UNIT_SRCS),$(sort $(wildcard tests/unit/*.c)))
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_HELPER_OBJS := $(UNIT_HELPERS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

XENPT   = $(BUILD)/xenpt
LIBA    = $(BUILD)/libxenpt.a
LIBSO   = $(BUILD)/libxenpt.so.$(SOVERSION)
PCFILE  = $(BUILD)/xenpt.pc

# Real dump-cores are kept xz-compressed in tests/fixtures and decompressed
# into the build directory.
CORE_XZ := $(sort $(wildcard tests/fixtures/*.core.xz))
CORES   := $(CORE_XZ:tests/fixtures/%.xz=$(BUILD)/fixtures/%)
# Text listings that go with them (xen-mfndump output), likewise.
TXT_XZ  := $(sort $(wildcard tests/fixtures/*.txt.xz))
TXTS    := $(TXT_XZ:tests/fixtures/%.xz=$(BUILD)/fixtures/%)
# The guest kernels those cores were taken from (symbols for dis, read, vcpu),
# kept with them: the test guest in tests/guest changes, its old cores do not.
ELF_XZ  := $(sort $(wildcard tests/fixtures/*.elf.xz))
CORES   += $(ELF_XZ:tests/fixtures/%.xz=$(BUILD)/fixtures/%)

.PHONY: all demo check check-unit check-cli check-lint check-asan check-live \
        check-fuzz-replay update-symbols \
        bench fuzz fuzz-build install uninstall clean deps fixtures guest
.DELETE_ON_ERROR:

all: $(XENPT) $(LIBA) $(LIBSO) $(BUILD)/libxenpt.so $(PCFILE)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBSO): $(LIB_OBJS) lib/libxenpt.map
	$(CC) -shared -Wl,-soname,libxenpt.so.$(SOVERSION) -Wl,--version-script=lib/libxenpt.map \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(LIBS_DEP)

$(BUILD)/libxenpt.so: $(LIBSO)
	ln -sf libxenpt.so.$(SOVERSION) $@

$(XENPT): $(CMD_OBJS) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(LIBA) $(LIBS_DEP) $(CLI_LIBS)

# xenpt.pc from xenpt.pc.in; a field left empty (Requires.private without
# Xen) is dropped.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	     -e 's|@REQUIRES_PRIVATE@|$(strip $(PC_REQUIRES))|' -e '/^[A-Za-z.]*: *$$/d'

$(PCFILE): xenpt.pc.in Makefile
	@mkdir -p $(@D)
	$(PC_SED) $< > $@

$(BUILD)/fixtures/%.core: tests/fixtures/%.core.xz
	@mkdir -p $(@D)
	xz -dc $< > $@.tmp && mv $@.tmp $@

$(BUILD)/fixtures/%.elf: tests/fixtures/%.elf.xz
	@mkdir -p $(@D)
	xz -dc $< > $@.tmp && mv $@.tmp $@

$(BUILD)/fixtures/%.txt: tests/fixtures/%.txt.xz
	@mkdir -p $(@D)
	xz -dc $< > $@.tmp && mv $@.tmp $@

fixtures: $(CORES) $(TXTS)

# ---- tests ----------------------------------------------------------------
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_HELPER_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJS) $(LIBA) $(LIBS_DEP)

# Tests find fixtures through these variables; each runner records its
# totals and its skips in $(RESULTS) (tests/README.md).
RESULTS = $(BUILD)/test-results
TEST_ENV = XENPT_FIXTURES=$(CURDIR)/tests/fixtures XENPT_BUILD=$(CURDIR)/$(BUILD) \
           XENPT=$(CURDIR)/$(XENPT) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
           ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 XENPT_RESULTS_DIR=$(CURDIR)/$(RESULTS)

# Every sub-target depends on every fixture its tests read, so that each one
# alone works from a clean tree (rm -rf build && make check-cli).
CHECK_TARGETS = check-unit check-cli check-lint check-fuzz-replay
CHECK_SUITES  = unit cli lint fuzz

# `check` runs all the sub-targets (-k: all of them, even after a failure),
# then tests/check-summary.sh adds up $(RESULTS)/*.counts and fails on a skip
# that tests/skips.allow does not allow, when every package of DEB_PKGS is
# installed (XENPT_STRICT_SKIPS=1/0 forces it on/off).
check:
	@rm -rf $(RESULTS); st=0; \
	$(MAKE) --no-print-directory -k $(CHECK_TARGETS) || st=1; \
	echo "# ---- make check: totals"; \
	DEB_PKGS="$(DEB_PKGS)" sh tests/check-summary.sh $(RESULTS) $(CHECK_SUITES) || st=1; \
	exit $$st

check-unit: $(UNIT_BINS) $(CORES) $(TXTS)
	@$(TEST_ENV) sh tests/run-unit.sh $(UNIT_BINS)

check-cli: $(XENPT) $(CORES) $(TXTS)
	@$(TEST_ENV) sh tests/cli/run.sh

check-lint: $(XENPT) $(LIBA) $(BUILD)/libxenpt.so $(CORES) $(TXTS)
	@$(TEST_ENV) sh tests/lint/sync.sh

# lib/libxenpt.map lists the exported symbols one by one; after adding or
# removing a public (XENPT_PUBLIC) function, regenerate it and review the diff.
update-symbols: $(LIBA)
	sh tests/lint/symbols.sh update $(LIBA) lib/libxenpt.map

check-asan:
	$(MAKE) BUILD=build-asan SAN=1 OPT=-O1 check

check-live: all guest
	@$(TEST_ENV) tests/live/run.sh

# ---- benchmarks -------------------------------------------------------------
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS_DEP)

bench: $(BENCH_BINS) $(XENPT) $(CORES)
	@for b in $(BENCH_BINS); do $(TEST_ENV) $$b || exit 1; done
	@$(TEST_ENV) sh bench/bench_synth_spec.sh
	@$(TEST_ENV) sh bench/bench_hostile.sh
	@$(TEST_ENV) sh bench/bench_live.sh

# ---- fuzzing (clang libFuzzer) ------------------------------------------------
# `make fuzz` builds the libFuzzer targets of tests/fuzz/ with clang into
# $(FUZZ_BUILD)/ (the library without the live backend, with ASan + UBSan
# and coverage), replays tests/fuzz/crashes/, then runs each target for
# FUZZ_RUNS executions from its seed corpus.  New inputs go to
# $(FUZZ_BUILD)/corpus/<target>, never into the source tree.  Long runs:
#   make fuzz FUZZ_RUNS=10000000
FUZZ_CC     ?= clang
FUZZ_BUILD  ?= build-fuzz
FUZZ_RUNS   ?= 100000
FUZZ_ARGS   ?=
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = -std=c11 $(WARN) -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Iinclude -Ilib -D_GNU_SOURCE
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS := $(filter-out fuzz_common,$(FUZZ_TARGETS))
FUZZ_LIB_OBJS = $(LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS    = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

# The crash reproducers of tests/fuzz/crashes/ as regression tests of `make
# check` (and check-asan, where the sanitizers catch what they triggered):
# each target built with $(CC), without libFuzzer, around the standalone
# driver tests/fuzz/replay.c; tests/fuzz/replay.sh runs one process per
# reproducer and counts each as a test.
REPLAY_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/%)
REPLAY_OBJS = $(FUZZ_TARGETS:%=$(BUILD)/obj/tests/fuzz/%.o) \
              $(BUILD)/obj/tests/fuzz/fuzz_common.o $(BUILD)/obj/tests/fuzz/replay.o
.SECONDARY: $(REPLAY_OBJS) $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/fuzz-replay/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/fuzz_common.o \
		$(BUILD)/obj/tests/fuzz/replay.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBA) $(LIBS_DEP)

check-fuzz-replay: $(REPLAY_BINS)
	@$(TEST_ENV) sh tests/fuzz/replay.sh $(CURDIR)/$(BUILD)/fuzz-replay

-include $(wildcard $(BUILD)/obj/tests/fuzz/*.d)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_common.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^

fuzz-build: $(FUZZ_BINS)

# corpus/<name>, <name>.dict and crashes/<name>-* belong to fuzz_<name>.  A
# reproducer in tests/fuzz/crashes/ that still crashes is reported and
# makes `make fuzz` fail at the end, after the fuzzing.
fuzz: $(FUZZ_BINS)
	@set -e; bad=; for t in $(FUZZ_TARGETS); do \
		n=$${t#fuzz_}; \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/artifacts; \
		for c in tests/fuzz/crashes/$$n-*; do \
			[ -f "$$c" ] || continue; \
			if $(FUZZ_BUILD)/$$t $$c >$(FUZZ_BUILD)/replay.log 2>&1; then \
				echo "fuzz: $$t: $$c: fixed (remove it, or keep it as a regression input)"; \
			else \
				echo "fuzz: $$t: $$c: STILL CRASHES:"; \
				grep -E 'ERROR|SUMMARY|^    #[0-3] ' $(FUZZ_BUILD)/replay.log | head -6; \
				bad="$$bad $$c"; \
			fi; \
		done; \
		dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
		echo "fuzz: $$t: $(FUZZ_RUNS) runs"; \
		$(FUZZ_BUILD)/$$t -runs=$(FUZZ_RUNS) $$dict -max_len=100000 -timeout=25 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$n- $(FUZZ_ARGS) \
			$(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n; \
	done; \
	if [ -n "$$bad" ]; then echo "fuzz: reproducers that still crash:$$bad"; exit 1; fi

# ---- demo -----------------------------------------------------------------
demo: $(XENPT) $(CORES)
	@XENPT=$(XENPT) BUILD=$(BUILD) sh tests/demo.sh

# ---- the PV test guest kernel ---------------------------------------------
-include tests/guest/guest.mk
# dis and symbol tests use its ELF as the symbol oracle of its dump-core
check-cli check-lint: $(GUEST_KERNEL)

# ---- install --------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCDIR)/xenpt $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(XENPT) $(DESTDIR)$(BINDIR)/xenpt
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/libxenpt.a
	install -m 755 $(LIBSO) $(DESTDIR)$(LIBDIR)/libxenpt.so.$(SOVERSION)
	ln -sf libxenpt.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libxenpt.so
	install -m 644 include/xenpt/*.h $(DESTDIR)$(INCDIR)/xenpt/
	$(PC_SED) xenpt.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/xenpt.pc
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -d $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 completions/xenpt.bash $(DESTDIR)$(BASHCOMPDIR)/xenpt
	install -m 644 completions/_xenpt $(DESTDIR)$(ZSHCOMPDIR)/_xenpt
	@$(LDCONFIG_REAL_ROOT)

# Installing into the real root as root refreshes the dynamic linker's cache,
# so that a program linked with `pkg-config --libs xenpt` finds
# libxenpt.so.$(SOVERSION) right away; a DESTDIR (staging) install leaves that
# to the package manager.  A LIBDIR the dynamic linker does not search
# (anything but /usr/local/lib or /usr/lib on Debian) gets a hint.
LDCONFIG_REAL_ROOT = if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		echo ldconfig; ldconfig || exit 1; \
		if [ -e $(LIBDIR)/libxenpt.so.$(SOVERSION) ] && \
		   ! ldconfig -p | grep -q ' => $(LIBDIR)/libxenpt.so.$(SOVERSION)$$'; then \
			echo "note: $(LIBDIR) is not in the dynamic linker's search path;" \
			     "add it to /etc/ld.so.conf.d/ and run ldconfig, or use LD_LIBRARY_PATH"; \
		fi; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/xenpt $(DESTDIR)$(LIBDIR)/libxenpt.a \
		$(DESTDIR)$(LIBDIR)/libxenpt.so $(DESTDIR)$(LIBDIR)/libxenpt.so.$(SOVERSION) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/xenpt.pc $(DESTDIR)$(BASHCOMPDIR)/xenpt \
		$(DESTDIR)$(ZSHCOMPDIR)/_xenpt
	rm -rf $(DESTDIR)$(INCDIR)/xenpt
	cd man && for m in *.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$m; done
	cd man && for m in *.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$$m; done
	@$(LDCONFIG_REAL_ROOT)

# A clean `make deps && make install` on a fresh, minimal Debian 12 (chroot),
# then man, completions, pkg-config (shared and static) checked there.  Needs
# root, network and minutes, so it is not part of `make check`.
.PHONY: check-install
check-install:
	tests/install/fresh-debian.sh

# ---- Debian packages ------------------------------------------------------
# man-db and bash-completion so that the installed man pages and completion
# work (a minimal Debian has neither).
DEB_PKGS = build-essential clang pkg-config libxen-dev libcapstone-dev libelf-dev libreadline-dev \
           mandoc jq xz-utils valgrind libclang-rt-14-dev zsh python3 busybox-static cpio qemu-system-x86 \
           man-db bash-completion tmux
deps:
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PKGS); \
	else \
		echo "run as root:  apt-get install -y $(DEB_PKGS)"; \
	fi

clean:
	rm -rf build build-asan build-clang build-fuzz

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_HELPER_OBJS:.o=.d) $(UNIT_BINS:$(BUILD)/tests/%=$(BUILD)/obj/tests/unit/%.d) $(wildcard $(FUZZ_BUILD)/obj/*/*.d $(FUZZ_BUILD)/obj/*/*/*.d)
