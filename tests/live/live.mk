# Live tests against real Xen (opt-in; `make check-live` runs tests/live/run.sh).
#
# Included from the top-level Makefile (-include tests/live/live.mk), or read
# by tests/live/run.sh as `make -f Makefile -f tests/live/live.mk ...`; the
# guard keeps the rules single when both happen.
#
# The binaries run in dom0, which may lack the optional libraries the host
# build links (xenlab's dom0 has no libcapstone or libreadline): link with
# --as-needed so that only what a test uses becomes a dependency.
#
#   live_source  the library's xen source against Xen's own tools
#   live_cli     the xenpt binary, judged from the outside (no libxenpt)
#   live_bench   full page-table walks and their foreign-map calls (make bench)
#   zombie_map   holds foreign mappings of a domain's frames across xl destroy (a
#                dying domain for live_cli's test_zombie)
#   ioctl_count.so  LD_PRELOAD shim counting privcmd ioctls (map calls of
#                any program: xenpt, xen-mfndump)

ifndef XENPT_LIVE_MK
XENPT_LIVE_MK := 1

LIVE_BIN   := $(BUILD)/live/live_source
LIVE_CLI   := $(BUILD)/live/live_cli
LIVE_BENCH := $(BUILD)/live/live_bench
LIVE_SHIM  := $(BUILD)/live/ioctl_count.so
LIVE_ZOMBIE := $(BUILD)/live/zombie_map
LIVE_UTIL  := tests/live/util.c tests/live/util.h

$(LIVE_BIN): tests/live/live_source.c $(LIBA) include/xenpt/source.h include/xenpt/walk.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS) -Wl,--as-needed \
		$(LIBA) $(LIBS_DEP)

$(LIVE_CLI): tests/live/live_cli.c $(LIVE_UTIL) tests/guest/result.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< tests/live/util.c $(LDFLAGS)

$(LIVE_BENCH): tests/live/live_bench.c $(LIVE_UTIL) $(LIBA) include/xenpt/source.h include/xenpt/walk.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< tests/live/util.c $(LDFLAGS) \
		-Wl,--as-needed $(LIBA) $(LIBS_DEP)

$(LIVE_ZOMBIE): tests/live/zombie_map.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS) -Wl,--as-needed $(LIBS_DEP)

$(LIVE_SHIM): tests/live/ioctl_count.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

.PHONY: live-bin
live-bin: $(LIVE_BIN) $(LIVE_CLI) $(LIVE_ZOMBIE)

endif
