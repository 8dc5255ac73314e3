# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# siw: software iWARP for Linux.
#
#   make [KVER=...]     build siw.ko (default: newest Debian 6.1 kernel)
#                       and the user-space parts that exist
#   make install        install siw.ko into /lib/modules/$(KVER)/updates
#   make dkms-add       register the sources with DKMS (dkms build/install)
#   make check          unit tests, lint, VM selftests on 6.1 and 6.12
#   make demo           boot 6.1 in qemu, create siw0, show it working
#   make lint           checkpatch --strict, sparse, W=1 build
#   make bench          benchmark against in-tree siw, rxe and TCP (in qemu)
#   make debug-kernel   build the KASAN/lockdep/UBSAN/kmemleak 6.1 kernel
#   make check-debug    VM selftests on that kernel, then a kmemleak scan
#   make soak           SOAK_MINUTES (60) of verified traffic with faults

KVER ?= $(shell scripts/kvers.sh 6.1)
KDIR ?= /usr/src/linux-headers-$(KVER)
BUILD := build/$(KVER)
DESTDIR ?=
SIW_VERSION := 0.1.0

ifeq ($(KVER),)
$(error no Debian 6.1 kernel headers installed: run scripts/setup.sh as root)
endif

.PHONY: all module modules-all install uninstall check lint demo bench \
	debug-kernel check-debug soak \
	unit fuzz clean dkms-add dkms-remove userprogs install-user uninstall-user

# User-space parts, each a directory with its own Makefile building into
# build/<dir>/ and installing with DESTDIR/PREFIX.
USERDIRS := userlib ctl bpf-tools

all: module userprogs
	@if [ -f selftests/unit/Makefile ]; then $(MAKE) -C selftests/unit all; fi

userprogs:
	@for d in $(USERDIRS); do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d all || exit 1; fi; done

install-user: userprogs
	@for d in $(USERDIRS); do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d install || exit 1; fi; done

uninstall-user:
	@for d in $(USERDIRS); do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d uninstall || exit 1; fi; done

# Build in a per-kernel copy: kbuild writes objects next to the sources,
# and 6.1 and 6.12 objects must not meet.
module:
	@mkdir -p $(BUILD)
	@cp -a -u Kbuild kernel include $(BUILD)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD) $(KBUILD_EXTRA) modules

modules-all:
	@for k in $$(scripts/kvers.sh all); do \
		$(MAKE) module KVER=$$k || exit 1; done

install: module install-user
	install -D -m 0644 $(BUILD)/kernel/siw.ko \
		$(DESTDIR)/lib/modules/$(KVER)/updates/siw.ko
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# DKMS: copy the module sources to /usr/src/siw-VERSION and register them.
DKMS_SRC := $(DESTDIR)/usr/src/siw-$(SIW_VERSION)
dkms-add:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -a Kbuild dkms.conf include $(DKMS_SRC)/
	rsync -a --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' kernel $(DKMS_SRC)/ 2>/dev/null || \
		cp -a kernel $(DKMS_SRC)/
	@if [ -z "$(DESTDIR)" ]; then dkms add -m siw -v $(SIW_VERSION); fi

dkms-remove:
	-dkms remove -m siw -v $(SIW_VERSION) --all
	rm -rf $(DKMS_SRC)

uninstall: uninstall-user
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/siw.ko
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

check:
	scripts/check.sh

lint:
	scripts/lint.sh

demo:
	scripts/demo.sh $(KVER)

unit:
	$(MAKE) -C selftests/unit run

fuzz:
	$(MAKE) -C selftests/fuzz run

bench:
	scripts/bench.sh $(KVER)

debug-kernel:
	scripts/build-debug-kernel.sh --siw

check-debug:
	scripts/check-debug.sh

soak:
	scripts/soak.sh

clean:
	rm -rf build
	@for d in $(USERDIRS); do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d clean; fi; done
	@if [ -f selftests/unit/Makefile ]; then $(MAKE) -C selftests/unit clean; fi
	@if [ -f selftests/fuzz/Makefile ]; then $(MAKE) -C selftests/fuzz clean; fi
