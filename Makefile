# SPDX-License-Identifier: GPL-2.0
#
# pgcluster: out-of-tree build and project commands.  `make help` lists them.
#
#   make [KDIR=/path/to/kernel/build] [KERNELRELEASE=x.y.z] [W=1] [C=2]
#
# KDIR defaults to /lib/modules/$(KERNELRELEASE)/build and KERNELRELEASE to
# the running kernel.  W=, C= and the other kbuild variables pass through to
# the kernel's build system as usual.

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
INSTALL_MOD_DIR ?= extra
DEPMOD ?= /sbin/depmod

.PHONY: all modules clean install uninstall check demo bench bench-doc hosttest lint \
	selftests soak fresh-check experiment help kdir-exists

all: modules

kdir-exists:
	@test -f "$(KDIR)/Makefile" || { echo "pgcluster: no kernel build tree at $(KDIR); set KDIR=/path/to/kernel/build (or install linux-headers-$(KERNELRELEASE))" >&2; exit 1; }

modules: kdir-exists
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	@if [ -f selftests/Makefile ]; then $(MAKE) -C selftests clean; fi
	@if [ -f tests/host/Makefile ]; then $(MAKE) -C tests/host clean; fi

install: modules
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" INSTALL_MOD_DIR="$(INSTALL_MOD_DIR)" modules_install
	$(DEPMOD) -b "$(or $(INSTALL_MOD_PATH),/)" -a "$(KERNELRELEASE)"

uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KERNELRELEASE)/$(INSTALL_MOD_DIR)/pgcluster.ko*
	$(DEPMOD) -b "$(or $(INSTALL_MOD_PATH),/)" -a "$(KERNELRELEASE)"

# Everything: host tests, lint, DKMS, and the selftests on the three kernels
# (6.1, 6.12, 7.2 debug).  Ends with "N passed, N failed[, N skipped]".
check:
	scripts/check.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

# The fragmentation experiment: kmalloc vs pgcluster vs VIRTOK in fresh
# boots (EXP_SECONDS, EXP_SEED, KERNEL; docs/experiment.md).
experiment:
	scripts/experiment.sh "$(KERNEL)"

# The benchmark again, its tables written to docs/benchmarks.md.
bench-doc:
	scripts/bench.sh --doc docs/benchmarks.md

hosttest:
	$(MAKE) -C tests/host run

lint:
	scripts/lint.sh

selftests:
	$(MAKE) -C selftests

# The stress selftest for SOAK_SECONDS (default 3600) in one guest, on
# KERNEL=distro (default), trixie or debug.
KERNEL ?= distro
soak:
	scripts/soak.sh "$(KERNEL)"

# The README's two commands on a new Debian 12 root, timed cold.
fresh-check:
	scripts/fresh-check.sh

help:
	@echo "make [KDIR=..] [KERNELRELEASE=..]  build pgcluster.ko"
	@echo "make install / uninstall          to /lib/modules/\$$KERNELRELEASE/extra"
	@echo "make check                        all tests on the three kernels + lint"
	@echo "make demo                         boot a VM and show pgcluster at work"
	@echo "make bench                        benchmark tables (VM)"
	@echo "make experiment [KERNEL=..] [EXP_SECONDS=60] [EXP_SEED=1]  fragmentation experiment: CSV, plot, summary"
	@echo "make bench-doc                    the same, written to docs/benchmarks.md"
	@echo "make soak [KERNEL=debug] [SOAK_SECONDS=3600]  stress test, one long VM run"
	@echo "make fresh-check                  make demo and make check on a new Debian 12 root"
	@echo "make hosttest                     host unit tests + fuzzing of the placement code"
	@echo "make lint                         checkpatch, sparse C=2, W=1 -Werror"
