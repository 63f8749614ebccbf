# Live tests against real Xen (opt-in; `make check-live` runs tests/live/run.sh).
#
# Included from the top-level Makefile (-include tests/live/live.mk), or read
# by tests/live/run.sh as `make -f Makefile -f tests/live/live.mk ...`; the
# guard keeps the rules single when both happen.
#
# The binary runs in dom0, which may lack the optional libraries the host
# build links (xenlab's dom0 has no libcapstone or libreadline): link with
# --as-needed so that only what the test uses becomes a dependency.

ifndef XENPT_LIVE_MK
XENPT_LIVE_MK := 1

LIVE_BIN := $(BUILD)/live/live_source

$(LIVE_BIN): tests/live/live_source.c $(LIBA) include/xenpt/source.h include/xenpt/walk.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS) -Wl,--as-needed \
		$(LIBA) $(LIBS_DEP)

.PHONY: live-bin
live-bin: $(LIVE_BIN)

endif
