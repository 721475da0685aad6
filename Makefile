# Latchkey: the commands in the README.
#   make run    install what is missing, build, start the portal on http://127.0.0.1:8080
#   make test   install what is missing, build with sanitizers, run every test suite
#   make build  build only (./build/latchkey)
#   make bench  run the benchmarks
JOBS ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build test tsan run bench clean

all: build

deps:
	@./scripts/install-deps.sh

build/CMakeCache.txt:
	cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps build/CMakeCache.txt
	cmake --build build -j $(JOBS) --target latchkey

build-test/CMakeCache.txt:
	cmake -S . -B build-test $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLATCHKEY_SANITIZE=ON -DLATCHKEY_WERROR=ON

test: deps build-test/CMakeCache.txt
	cmake --build build-test -j $(JOBS)
	cd build-test && ctest --output-on-failure --timeout 900

# The concurrent parts (group commit, work pool, rate limiter, delivery worker,
# flows) under ThreadSanitizer, which cannot share a build with ASan.
build-tsan/CMakeCache.txt:
	cmake -S . -B build-tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLATCHKEY_TSAN=ON

tsan: deps build-tsan/CMakeCache.txt
	cmake --build build-tsan -j $(JOBS) --target latchkey_tests
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ./build-tsan/latchkey_tests --gtest_filter='SqlStore*:WorkPool*:RateLimiter*:DeliveryWorker*:FlowService*'

run: build
	./build/latchkey serve --dev

bench: deps build/CMakeCache.txt
	cmake --build build -j $(JOBS) --target latchkey latchkey_bench
	./bench/run.sh

clean:
	rm -rf build build-test build-tsan
