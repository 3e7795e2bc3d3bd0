# khyve — build with `make`; `make check` rebuilds under ASan+UBSan and runs every test.
#
# Every .c file in the layer folders is part of the machine; a new device is one new file
# in devices/ and nothing else (devices register themselves through a linker section).

CC      ?= gcc
BUILD   ?= build
PREFIX  ?= /usr/local
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -g
CFLAGS  ?= -O2
LDLIBS  := -lpthread -lext2fs -lcom_err

LAYERS  := config vmm core x86 devices boot
LIB_SRC := $(sort $(foreach d,$(LAYERS),$(wildcard $(d)/*.c)))
PROGS   := khyve khyveload khyvectl

# Two flavours of the same objects: plain (build/) and sanitized (build/asan/).
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

define flavour
$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $$(CFLAGS) $(2) -MMD -MP -c $$< -o $$@
$(1)/khyve $(1)/khyveload $(1)/khyvectl: $(1)/%: $(1)/cmd/%.o $(patsubst %.c,$(1)/%.o,$(LIB_SRC))
	$$(CC) $(2) -o $$@ $$^ $$(LDFLAGS) $$(LDLIBS)
endef

$(eval $(call flavour,$(BUILD),))
$(eval $(call flavour,$(BUILD)/asan,$(SAN_FLAGS)))

all: $(addprefix $(BUILD)/,$(PROGS))

# Unit tests: tests/unit/test_NAME.c, each linked with the sanitized library.
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRC))
$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/unit/%.o $(patsubst %.c,$(BUILD)/asan/%.o,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# Tiny test guests and helpers built from tests/testbed (plain build, no sanitizers:
# they run inside the level-1 host).
TESTBED_BINS := $(BUILD)/tests/tinyvm $(BUILD)/tests/unixecho
$(BUILD)/tests/unixecho: tests/testbed/unixecho.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ tests/testbed/unixecho.c $(LDFLAGS)
$(BUILD)/tests/tinyvm: tests/testbed/tinyvm.c vmm/kvm.c vmm/vmm.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ tests/testbed/tinyvm.c vmm/kvm.c $(LDFLAGS)
testbed: $(TESTBED_BINS)
check: $(TESTBED_BINS)
.PHONY: testbed
asan: $(addprefix $(BUILD)/asan/,$(PROGS))
unit: $(UNIT_BINS)

check: all asan unit
	BUILD=$(BUILD) tests/run

# libFuzzer targets (fuzz/fuzz_NAME.c, clang): each runs FUZZ_SECONDS on a corpus in
# $(BUILD)/fuzz/NAME.corpus; a crash leaves its input there and fails the target.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
$(BUILD)/fuzz/fuzz_virtio_ring: fuzz/fuzz_virtio_ring.c devices/virtio_ring.c devices/virtio_ring.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_virtio_ring.c devices/virtio_ring.c
$(BUILD)/fuzz/fuzz_bootcfg: fuzz/fuzz_bootcfg.c boot/bootcfg.c boot/disk_part.c boot/file.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_FLAGS) -o $@ $^
fuzz: $(BUILD)/fuzz/fuzz_virtio_ring $(BUILD)/fuzz/fuzz_bootcfg
	@mkdir -p $(BUILD)/fuzz/virtio_ring.corpus $(BUILD)/fuzz/bootcfg.corpus
	cd $(BUILD)/fuzz && ./fuzz_virtio_ring -max_total_time=$(FUZZ_SECONDS) virtio_ring.corpus
	cd $(BUILD)/fuzz && ./fuzz_bootcfg -max_total_time=$(FUZZ_SECONDS) bootcfg.corpus
.PHONY: fuzz

run: all
	guest/run

bench: all
	bench/run

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(addprefix $(BUILD)/,$(PROGS)) $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 $(wildcard man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf $(BUILD)

.PHONY: all asan unit check run bench install clean
.SECONDARY:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
