#!/usr/bin/env bash
# CPython as a reactor (reactor.c's two entry points instead of main), from the objects
# wasm/build-python.sh left in BUILD_DIR/host, linked as that build links python.wasm.
#
#   wasm/snapshot/build-reactor.sh BUILD_DIR      -> BUILD_DIR/python-reactor.wasm
set -euo pipefail

LLVM=19
build=$(realpath "${1:?usage: build-reactor.sh BUILD_DIR}")
here=$(dirname "$(realpath "$0")")
source_dir=$(echo "$build"/src/Python-*/)
cd "$build/host"
"clang-$LLVM" --target=wasm32-wasip1 --sysroot="$build/sysroot" -resource-dir="$build/clang-resource" \
    -c -O2 -I. -I"$source_dir/Include" -o Programs/reactor.o "$here/reactor.c"
# The interpreter's own link command, as make would run it, with the reactor's object.
link=$(make -s -n -W Programs/python.o python.wasm | grep -- '-o python.wasm')
link=${link/-o python.wasm Programs\/python.o/-mexec-model=reactor -o python-reactor.wasm Programs\/reactor.o}
eval "$link"
"llvm-strip-$LLVM" --strip-debug -o "$build/python-reactor.wasm" python-reactor.wasm
