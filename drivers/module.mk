# drivers/: user-level device drivers and the terminal server (README.md).
#   uart/      the 16550 UART driver (a library the terminal server compiles in)
#   terminal/  the terminal server: line discipline (ldisc.c), session logic
#              (server.c), IPC and devices (main.c)
include drivers/terminal/ldisc.mk

TERMINAL := $(BUILD)/user/bin/terminal
TERMINAL_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,drivers/terminal/main.c \
                   drivers/terminal/server.c drivers/terminal/ldisc.c drivers/uart/uart16550.c)
$(TERMINAL): $(TERMINAL_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(TERMINAL_OBJS) $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(TERMINAL)

# The terminal server's request decoder, fuzzed (seeds in terminal/server-fuzz-seeds/).
$(call fuzzer,term_server_fuzz,drivers/terminal/server_fuzz.c drivers/terminal/server.c \
    drivers/terminal/ldisc.c,drivers/terminal/server-fuzz-seeds)

# The virtio block driver (virtio-blk/main.c) on the virtio PCI transport and split
# virtqueues (virtio/), serving Block sessions (docs/block-protocol.md).
VIRTIO_BLK := $(BUILD)/user/bin/virtio-blk
VIRTIO_BLK_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,drivers/virtio-blk/main.c \
                   drivers/virtio-blk/blk_check.c drivers/virtio-blk/gpt.c \
                   drivers/virtio/virtio_pci.c drivers/virtio/virtqueue.c \
                   drivers/virtio/virtio_attach.c)
$(VIRTIO_BLK): $(VIRTIO_BLK_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(VIRTIO_BLK_OBJS) $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(VIRTIO_BLK)

# The virtio network driver (virtio-net/main.c), serving a Nic session
# (docs/nic-protocol.md); nic_ring.c is its side of the session's rings.
VIRTIO_NET := $(BUILD)/user/bin/virtio-net
VIRTIO_NET_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,drivers/virtio-net/main.c \
                   drivers/virtio-net/nic_ring.c drivers/virtio/virtio_pci.c \
                   drivers/virtio/virtqueue.c drivers/virtio/virtio_attach.c)
$(VIRTIO_NET): $(VIRTIO_NET_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(VIRTIO_NET_OBJS) $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(VIRTIO_NET)

# PCI (pci/, compiled into init), the virtio transport and virtqueue, the Block request
# check: host test and a fuzzer over device configuration spaces and client requests.
DRIVER_LIB_SRCS := drivers/pci/pci.c drivers/virtio/virtio_pci.c drivers/virtio/virtqueue.c \
                   drivers/virtio-blk/blk_check.c drivers/virtio-blk/gpt.c
$(call host_test,pci_test,drivers/pci/pci_test.c $(DRIVER_LIB_SRCS))
# its seed: the host test writes QEMU's PC configuration spaces
$(call fuzzer,pci_fuzz,drivers/pci/pci_fuzz.c $(DRIVER_LIB_SRCS),$(BUILD)/fuzz/.pci-seeded)
$(BUILD)/fuzz/.pci-seeded: $(BUILD)/host/tests/pci_test
	@mkdir -p $(BUILD)/fuzz/corpus-pci_fuzz
	$(BUILD)/host/tests/pci_test --seed $(BUILD)/fuzz/corpus-pci_fuzz/qemu-pc >/dev/null
	@touch $@
# The GPT reader of the block driver: a disk's first sectors, mutated.
$(call fuzzer,gpt_fuzz,drivers/virtio-blk/gpt_fuzz.c drivers/virtio-blk/gpt.c,$(BUILD)/fuzz/.gpt-seeded)
$(BUILD)/fuzz/.gpt-seeded: $(BUILD)/host/tests/pci_test
	@mkdir -p $(BUILD)/fuzz/corpus-gpt_fuzz
	$(BUILD)/host/tests/pci_test --gpt-seed $(BUILD)/fuzz/corpus-gpt_fuzz/two-partitions
	@touch $@

# The Nic rings: the driver's side against the network server's client side, then a
# hostile client (host test); a fuzzer of the driver's side.
$(call host_test,nic_ring_test,drivers/virtio-net/nic_ring_test.c drivers/virtio-net/nic_ring.c \
    net/nic_client.c)
$(call fuzzer,nic_ring_fuzz,drivers/virtio-net/nic_ring_fuzz.c drivers/virtio-net/nic_ring.c)
