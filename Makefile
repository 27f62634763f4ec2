# The README's commands: make demo, make test, make bench, make test-asan.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
PY := .venv/bin/python
WERROR := $(if $(CI),ON,OFF)

.PHONY: all deps build demo test test-c test-python bench test-asan format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DNUMC_WERROR=$(WERROR) \
	    -DPython3_EXECUTABLE=$(abspath $(PY)) > $(BUILD).log 2>&1 || (cat $(BUILD).log; exit 1)
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/example_softmax
	PYTHONPATH=python $(PY) examples/python/demo.py
	PYTHONPATH=python $(PY) examples/python/mlp.py

test-python: build
	PYTHONPATH=python $(PY) -m pytest tests/python -q

test-c: build
	cd $(BUILD) && ctest --output-on-failure

test: build
	PYTHONPATH=python $(PY) -m pytest tests/python -q
	cd $(BUILD) && ctest --output-on-failure

bench: build
	PYTHONPATH=python $(PY) bench/bench.py
	PYTHONPATH=python $(PY) bench/bench_transforms.py

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DNUMC_SANITIZE=ON -DNUMC_WERROR=$(WERROR) \
	    -DNUMC_PY_OUT=$(abspath $(ASAN_BUILD))/py/numc \
	    -DPython3_EXECUTABLE=$(abspath $(PY)) > $(ASAN_BUILD).log 2>&1 || (cat $(ASAN_BUILD).log; exit 1)
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cp python/numc/__init__.py $(ASAN_BUILD)/py/numc/
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure
	NUMC_ASAN_BUILD=1 ASAN_OPTIONS=detect_leaks=0 \
	    LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	    PYTHONPATH=$(ASAN_BUILD)/py $(PY) -m pytest tests/python -q -p no:cacheprovider

format:
	clang-format -i include/*.h src/*/*.[ch] src/*/*/*.[ch] python/numc/*.[ch] tests/c/*.c examples/c/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) python/numc/_numc*.so
