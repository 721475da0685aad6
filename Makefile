# Latchkey: the commands in the README.
#   make run    install what is missing, build, start the portal on http://127.0.0.1:8080
#   make test   install what is missing, build with sanitizers, run every test suite
#   make build  build only (./build/latchkey)
#   make bench  run the benchmarks
JOBS ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build test run bench clean

all: build

deps:
	@./scripts/install-deps.sh

build/CMakeCache.txt:
	cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps build/CMakeCache.txt
	cmake --build build -j $(JOBS) --target latchkey

build-test/CMakeCache.txt:
	cmake -S . -B build-test $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DLATCHKEY_SANITIZE=ON -DLATCHKEY_WERROR=ON

test: deps build-test/CMakeCache.txt
	cmake --build build-test -j $(JOBS)
	cd build-test && ctest --output-on-failure --timeout 900

run: build
	./build/latchkey serve --dev

bench: deps build/CMakeCache.txt
	cmake --build build -j $(JOBS) --target latchkey latchkey_bench
	./bench/run.sh

clean:
	rm -rf build build-test
