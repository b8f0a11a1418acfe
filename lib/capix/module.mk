LIBCAPIX_SRCS += lib/capix/string.c lib/capix/heap.c lib/capix/runtime.c lib/capix/label.c lib/capix/format.c lib/capix/vsnprintf.c lib/capix/start.S
