#!/usr/bin/env bash
# test-consumer.sh [BUILD]: installs the C library of build folder BUILD
# (default build) into a temporary prefix with `cmake --install`, then builds
# the out-of-tree program examples/consumer against that installation twice,
# with pkg-config and with CMake's find_package(numc) (shared and static),
# and runs each. `make test` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" --component c > "$tmp/install.log"

# pkg-config (numc.pc finds its prefix from where it lies)
pcdir=$(dirname "$(find "$prefix" -name numc.pc)")
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
libdir=$(pkg-config --variable=libdir numc)
${CC:-cc} -std=c11 -Wall -Wextra -Werror examples/consumer/consumer.c -o "$tmp/consumer_pc" \
    $(pkg-config --cflags --libs numc) -lm -Wl,-rpath,"$libdir"
"$tmp/consumer_pc" | sed 's/^/pkg-config: /'

# CMake: find_package(numc) with numc::numc and numc::numc_static
cmake -S examples/consumer -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release > "$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; exit 1; }
cmake --build "$tmp/cmake" -j 2 > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
"$tmp/cmake/consumer" | sed 's/^/cmake (shared): /'
"$tmp/cmake/consumer_static" | sed 's/^/cmake (static): /'
