# ports/: Debian source packages built static with musl-gcc (see ports/README.md).
# Each ports/NAME/recipe becomes a target $(BUILD)/ports-work/NAME/.done that runs
# ports/build-port NAME; the driver caches every step itself, so this stamp only decides
# whether to ask it. `make ports` builds all of them and prints the time table.

PORTS_T0 := $(shell date +%s)
PORTS_NAMES := $(patsubst ports/%/recipe,%,$(wildcard ports/*/recipe))
PORTS_WORK := $(BUILD)/ports-work
PORTS_DRIVER := ports/build-port ports/lib/helpers.sh ports/module.mk
ports_stamp = $(PORTS_WORK)/$(1)/.done
# DEPS="a b" in a recipe: ports whose staged headers and libraries it builds against.
ports_deps = $(shell sed -n 's/^DEPS=["'\'']\{0,1\}\([^"'\'']*\).*/\1/p' ports/$(1)/recipe)

define ports_rule
$(call ports_stamp,$(1)): $(wildcard ports/$(1)/* ports/$(1)/*/*) $(PORTS_DRIVER) \
    $(foreach d,$(call ports_deps,$(1)),$(call ports_stamp,$(d))) | $(DEPS_STAMP)
	+@BUILD=$(BUILD) PORTS_T0=$(PORTS_T0) ports/build-port $(1)
	@touch $$@
ports-$(1): $(call ports_stamp,$(1))
.PHONY: ports-$(1)
endef
$(foreach p,$(PORTS_NAMES),$(eval $(call ports_rule,$(p))))

PORTS_STAMPS := $(foreach p,$(PORTS_NAMES),$(call ports_stamp,$(p)))

# If a product tree was removed by hand, ask the driver again (it reinstalls what is
# missing without rebuilding).
ifneq ($(wildcard $(PORTS_WORK)/*/.done),)
ifneq ($(words $(wildcard $(BUILD)/rootfs/bin $(BUILD)/ports-sysroot/usr $(BUILD)/posixtests/tests.tsv)),3)
$(shell rm -f $(PORTS_WORK)/*/.done)
endif
endif

# The table is printed when any port was (re)considered since it was last printed;
# steps that did not run in this make are marked as cached.
$(PORTS_WORK)/.summary: $(PORTS_STAMPS)
	@BUILD=$(BUILD) ports/build-port --summary $(PORTS_T0)
	@touch $@

ports: $(PORTS_WORK)/.summary
ALL_TARGETS += ports
TEST_SCRIPTS += tests/ports/check-ports.sh
