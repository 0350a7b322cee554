# The two commands of the README, plus helpers. Either `make run` or `make test`
# works first on a fresh Debian 12 machine: both install what is missing.
JOBS ?= $(shell nproc)
RELEASE := build/release
TEST := build/test
DEMO_CONFIG := $(RELEASE)/demo/socle.json

.PHONY: run test deps deps-test build build-test bench install clean demo

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

# Load figures (wrk on loopback): see bench/README.md.
bench: build
	sh bench/run.sh $(RELEASE)

install: build
	cmake --install $(RELEASE)

clean:
	rm -rf build
