# The three kinds of product that module.mk files declare again and again, one call each
# (docs/testing.md "How to add a test"). Each call adds the product to the list that
# builds or runs it; INPUTS keep their order on the link line.
#
#   $(call host_test,NAME,INPUTS[,FIRST])
#       build/host/tests/NAME, a host test linked with the host flags (ASan and UBSan,
#       flags.mk); `make test` runs it (HOST_TESTS). Each FILE.c of INPUTS is compiled
#       to build/host/FILE.o, other inputs (objects, archives) are linked as they are.
#       FIRST: what must exist before it is linked (test data the build makes).
#   $(call fuzzer,NAME,INPUTS[,SEEDS])
#       build/fuzz/NAME, a libFuzzer target (FUZZERS; `make test` runs it briefly over
#       build/fuzz/corpus-NAME, `make fuzz` longer). Each FILE.c of INPUTS is compiled to
#       build/fuzz/FILE.o. SEEDS: a folder of the tree whose files are copied into the
#       corpus, or a stamp under build/ whose own rule writes them there; without it the
#       corpus starts empty.
#   $(call musl_program,NAME,INPUTS[,FLAGS])
#       a static program built with the stock musl-gcc from the .c files of INPUTS (its
#       other inputs, headers, only make it rebuild): build/user/bin/NAME, so that it goes
#       into the boot archive, or the path NAME when it has a '/'. ALL_TARGETS builds it.
#       FLAGS come after MUSL_CFLAGS (flags.mk); a program that needs other flags sets
#       MUSL_CFLAGS for its target.

host_test = $(eval $(call host_test_rule,$(BUILD)/host/tests/$(strip $(1)),$(patsubst \
    %.c,$(BUILD)/host/%.o,$(2)),$(strip $(3))))
define host_test_rule
HOST_TESTS += $(1)
$(1): $(2) $(if $(3),| $(3))
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_LDFLAGS) $$^ -o $$@
endef

fuzzer = $(eval $(call fuzzer_rule,$(strip $(1)),$(patsubst %.c,$(BUILD)/fuzz/%.o,$(2)),$(if \
    $(call seed_folder,$(3)),$(BUILD)/fuzz/.$(strip $(1))-seeded,$(strip $(3)))))$(if \
    $(call seed_folder,$(3)),$(eval $(call fuzz_seeds_rule,$(strip $(1)),$(strip $(3)))))
seed_folder = $(filter-out $(BUILD)/%,$(strip $(1)))
define fuzzer_rule
FUZZERS += $(BUILD)/fuzz/$(1)
$(BUILD)/fuzz/$(1): $(2) $(if $(3),| $(3))
	@mkdir -p $$(dir $$@)$(if $(3),, $(BUILD)/fuzz/corpus-$(1))
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$^ -o $$@
endef
define fuzz_seeds_rule
$(BUILD)/fuzz/.$(1)-seeded: $(wildcard $(2)/*)
	@mkdir -p $(BUILD)/fuzz/corpus-$(1)
	cp $(2)/* $(BUILD)/fuzz/corpus-$(1)/
	@touch $$@
endef

musl_program = $(eval $(call musl_program_rule,$(if $(findstring /,$(1)),$(strip \
    $(1)),$(BUILD)/user/bin/$(strip $(1))),$(2),$(3)))
define musl_program_rule
ALL_TARGETS += $(1)
$(1): $(2) | $$(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(MUSL_CC) $$(MUSL_CFLAGS) $(3) $$(filter %.c,$$^) -o $$@
endef
