# Native capix user-space library (libcapix) and the freestanding parsers shared
# with host tests. Sub-parts add their sources to LIBCAPIX_SRCS / HOST_LIB_SRCS.

LIBCAPIX_SRCS :=
HOST_LIB_SRCS :=
-include $(wildcard lib/*/module.mk)

LIBCAPIX_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,$(filter %.c,$(LIBCAPIX_SRCS))) \
                 $(patsubst %.S,$(BUILD)/user/%.o,$(filter %.S,$(LIBCAPIX_SRCS)))
LIBCAPIX := $(BUILD)/user/lib/libcapix.a

$(BUILD)/user/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -isystem lib/include/freestanding $(DEPFLAGS) -c $< -o $@
$(BUILD)/user/%.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(LIBCAPIX): $(LIBCAPIX_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Host objects of the same sources, for host tests and fuzzers.
$(BUILD)/host/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/fuzz/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

ALL_TARGETS += $(LIBCAPIX)
