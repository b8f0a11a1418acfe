LIBCAPIX_SRCS += lib/capix/string.c
