# Signet — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
ADDR ?= 127.0.0.1:8080
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 0
FUZZ_FRESH ?= 0
# make build WERROR=ON: warnings are errors, with -Wshadow (CMake option SIGNET_WERROR).
WERROR ?= OFF

.PHONY: all deps build debug test lint asan-test fuzz run bench format clean install deb

all: build

deps:
	@scripts/install-deps.sh

# Release build: build/bin/signetd, build/bin/signet, build/lib/libsignet-pkcs11.so.
build: deps
	@cmake --preset release -DSIGNET_WERROR=$(WERROR) >/dev/null
	@cmake --build --preset release -j $(JOBS)

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: see packaging/CMakeLists.txt for the layout.
install: build
	@DESTDIR="$(DESTDIR)" cmake --install build --prefix "$(PREFIX)"

# make deb: build/deb/signet_<version>_<arch>.deb and signet-pkcs11_<version>_<arch>.deb
# (scripts/make-deb.sh).
deb: build
	@scripts/make-deb.sh build build/deb

debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)

# The release build and every ctest. CI (.ci/run) runs it with WERROR=ON, and the other gates
# (make lint, make asan-test, make fuzz) besides: docs/development.md, "CI".
test: build
	@cd build && ctest --output-on-failure -j $(JOBS) --timeout 900

# clang-format check (src/ tests/ bench/) and clang-tidy (src/, .clang-tidy), in parallel.
lint: build
	@JOBS=$(JOBS) scripts/lint.sh

# ASan + UBSan build in build-asan/ and every ctest (a report fails its test: docs/development.md,
# "CI"); ASAN_CTEST_ARGS adds ctest options, e.g. "-LE console" leaves out the browser tests.
asan-test: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 1800 $(ASAN_CTEST_ARGS)

# libFuzzer targets (tests/fuzz) in build-fuzz/, each run for FUZZ_SECONDS; FUZZ_TARGETS picks
# some; FUZZ_SEED and FUZZ_FRESH=1 as CI sets them (scripts/fuzz.sh).
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) FUZZ_FRESH=$(FUZZ_FRESH) JOBS=$(JOBS) \
	  scripts/fuzz.sh $(FUZZ_TARGETS)

run: build
	@scripts/run-dev.sh $(ADDR)

bench: build
	@bench/run.sh

# Applies clang-format to every C/C++ file of src/, tests/ and bench/: the list `make lint` checks.
format:
	@scripts/lint.sh fix

clean:
	rm -rf build build-debug build-asan build-fuzz
