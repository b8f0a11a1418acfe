# lib/config: the system configuration parser (docs/config.md), its host test and fuzzer.

LIBCAPIX_SRCS += lib/config/config.c

$(call host_test,config_test,lib/config/config.c lib/config/config_test.c)
$(call fuzzer,config_fuzz,lib/config/config.c lib/config/config_fuzz.c,lib/config/fuzz-seeds)
