# The two commands of the README, plus helpers. Either `make run` or `make test`
# works first on a fresh Debian 12 machine: both install what is missing.
JOBS ?= $(shell nproc)
RELEASE := build/release
TEST := build/test
DEMO_CONFIG := $(RELEASE)/demo/socle.json

.PHONY: run test deps deps-test deps-fuzz build build-test bench fuzz install clean demo

deps:
	@sh tools/deps.sh

build: deps
	cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DSOCLE_TESTS=OFF >/dev/null
	cmake --build $(RELEASE) -j $(JOBS)

# Build, create the demo deployment (data, sample accounts), serve it on 127.0.0.1:8080.
run: build
	sh tools/demo.sh $(RELEASE)
	sh tools/demo_visits.sh $(RELEASE)/socle $(RELEASE)/demo
	$(RELEASE)/socle serve --config $(DEMO_CONFIG)

deps-test:
	@sh tools/deps.sh --test

build-test: deps-test
	cmake -S . -B $(TEST) -DCMAKE_BUILD_TYPE=Debug -DSOCLE_SANITIZE=ON -DSOCLE_WERROR=ON >/dev/null
	cmake --build $(TEST) -j $(JOBS)

# Every test, with AddressSanitizer and UndefinedBehaviorSanitizer.
test: build-test
	cd $(TEST) && ctest --output-on-failure -j $(JOBS)

# Fuzzing (tests/fuzz/README.md): each harness built with clang, libFuzzer,
# ASan and UBSan in build/fuzz, run FUZZ_SECONDS on a copy of its corpus;
# prints executions, coverage and crashes. `make test` only replays the
# corpora and crash files (gcc, no libFuzzer).
FUZZ := build/fuzz
FUZZ_SECONDS ?= 600
FUZZ_HARNESSES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

deps-fuzz:
	@sh tools/deps.sh --fuzz

fuzz: deps-fuzz
	cmake -S . -B $(FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_C_FLAGS="-O1 -fsanitize=fuzzer-no-link" -DSOCLE_SANITIZE=ON \
	  -DSOCLE_FUZZ_ENGINE=libfuzzer >/dev/null
	cmake --build $(FUZZ) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_HARNESSES))
	sh tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# Load figures (wrk on loopback): see bench/README.md.
bench: build
	sh bench/run.sh $(RELEASE)

install: build
	cmake --install $(RELEASE)

clean:
	rm -rf build
