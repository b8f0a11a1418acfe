LIBCAPIX_SRCS += lib/capix/string.c lib/capix/heap.c lib/capix/runtime.c lib/capix/label.c lib/capix/format.c lib/capix/vsnprintf.c lib/capix/block_client.c lib/capix/start.S

# the label matcher (docs/sessions.md "Labels"), tested on the host
$(call host_test,label_test,lib/capix/label.c lib/capix/label_test.c)

# the freestanding copies (string.c) against plain byte loops, on the host
$(call host_test,string_test,lib/capix/string_test.c)
