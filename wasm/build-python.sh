#!/usr/bin/env bash
# CPython 3.13 for wasm32-wasip1, from Debian's source package and Debian's toolchain only.
#
#   wasm/build-python.sh BUILD_DIR
#
# Needs what `wasm/toolchain.sh` installs (clang-19, lld-19, llvm-19, the wasm32 compiler-rt,
# wasi-libc, and a deb-src entry that carries python3.13), and a C compiler for the build
# machine: a cross build runs its generators on a Python of the very same version (with
# 3.13.0's interpreter, 3.13.5's Lib/linecache.py fails), so a native one is built first.
# Leaves BUILD_DIR/python.wasm and BUILD_DIR/lib/python3.13 (the standard library, compiled,
# without tests, IDLE, Tk, ensurepip and other modules a WASI interpreter cannot use), and
# BUILD_DIR/build-info.json (versions, time, sizes).
set -euo pipefail

DEBIAN_VERSION=3.13.5-2+deb13u5
ORIG=python3.13_3.13.5.orig.tar.xz
ORIG_SHA256=93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640
SOURCE=Python-3.13.5
LLVM=19
TRIPLE=wasm32-wasip1

build=$(realpath -m "${1:?usage: build-python.sh BUILD_DIR}")
mkdir -p "$build/src"
started=$(date +%s)

# 1. The exact upstream tarball Debian ships (its .orig), checked against the pinned hash.
cd "$build/src"
if [[ ! -f $ORIG ]]; then
    apt-get source --download-only "python3.13=$DEBIAN_VERSION"
fi
echo "$ORIG_SHA256  $ORIG" | sha256sum --check --quiet
[[ -d $SOURCE ]] || tar xf "$ORIG"
source_dir="$build/src/$SOURCE"

# 2. A sysroot holding only WASI's headers and libraries: Debian's clang otherwise also
# searches /usr/include, where configure would find the host's zlib, libffi or OpenSSL.
# And a resource directory where clang-19 looks for compiler-rt's wasm32 builtins (Debian
# installs them under lib/wasi/ with the architecture in the name).
sysroot="$build/sysroot"
mkdir -p "$sysroot/include" "$sysroot/lib"
ln -sfn "/usr/include/$TRIPLE" "$sysroot/include/$TRIPLE"
ln -sfn "/usr/lib/$TRIPLE" "$sysroot/lib/$TRIPLE"
resource="$build/clang-resource"
mkdir -p "$resource/lib/wasm32-unknown-wasip1"
ln -sfn "/usr/lib/llvm-$LLVM/lib/clang/$LLVM/include" "$resource/include"
ln -sfn "/usr/lib/llvm-$LLVM/lib/clang/$LLVM/lib/wasi/libclang_rt.builtins-wasm32.a" \
    "$resource/lib/wasm32-unknown-wasip1/libclang_rt.builtins.a"
clang="clang-$LLVM --target=$TRIPLE --sysroot=$sysroot -resource-dir=$resource"

# 3. The build machine's interpreter, from the same sources, as Tools/wasm/wasi.py builds it.
native="$build/build-python"
mkdir -p "$native"
cd "$native"
if [[ ! -f Makefile ]]; then
    "$source_dir/configure" --disable-test-modules --without-ensurepip \
        > "$build/configure-build-python.log" 2>&1
fi
make --jobs "$(nproc)" all > "$build/make-build-python.log" 2>&1

# 4. Configure and make for WASI, as CPython's Tools/wasm/wasi.py does with the WASI SDK (its
# config.site).
host="$build/host"
mkdir -p "$host"
cd "$host"
if [[ ! -f Makefile ]]; then
    CONFIG_SITE="$source_dir/Tools/wasm/config.site-wasm32-wasi" \
    CC="$clang" CPP="$clang -E" CXX="clang++-$LLVM --target=$TRIPLE --sysroot=$sysroot" \
    AR="llvm-ar-$LLVM" RANLIB="llvm-ranlib-$LLVM" \
    PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$sysroot/lib/pkgconfig" \
    "$source_dir/configure" \
        --host="$TRIPLE" \
        --build="$("$source_dir/config.guess")" \
        --with-build-python="$native/python" \
        --prefix=/usr/local \
        --disable-test-modules \
        --without-ensurepip \
        > "$build/configure.log" 2>&1
fi
make --jobs "$(nproc)" all > "$build/make.log" 2>&1
# Without DWARF (CPython builds with -g): the name section stays, for traps' backtraces.
"llvm-strip-$LLVM" --strip-debug -o "$build/python.wasm" python.wasm

# 5. The standard library as the interpreter finds it at its prefix, compiled once here
# (the guest's file system is read-only), without what a script runner never imports.
stage="$build/stage"
rm -rf "$stage"
make install DESTDIR="$stage" > "$build/install.log" 2>&1
lib="$build/lib"
rm -rf "$lib"
mkdir -p "$lib"
cp -a "$stage/usr/local/lib/python3.13" "$lib/"
cd "$lib/python3.13"
rm -rf test idlelib tkinter turtledemo ensurepip lib2to3 pydoc_data venv \
    config-3.13-wasm32-wasi site-packages/* unittest/test sqlite3/test \
    ctypes/test distutils/tests __phello__ 2> /dev/null || true
find . -name '*.opt-[12].pyc' -delete  # -O and -OO bytecode: the guest runs neither

finished=$(date +%s)
"$native/python" - "$build" "$started" "$finished" "$DEBIAN_VERSION" "$LLVM" << 'EOF'
import json, pathlib, subprocess, sys
build, started, finished, debian, llvm = sys.argv[1:]
root = pathlib.Path(build)
def size(path):
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
wasi_libc = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "wasi-libc"], capture_output=True, text=True).stdout
info = {
    "python_source": f"Debian python3.13 {debian} (.orig: upstream 3.13.5)",
    "toolchain": f"clang-{llvm}, lld-{llvm}, libclang-rt-{llvm}-dev-wasm32, wasi-libc {wasi_libc}",
    "build_seconds": int(finished) - int(started),
    "python_wasm_bytes": size(root / "python.wasm"),
    "python_wasm_with_dwarf_bytes": size(root / "host" / "python.wasm"),
    "stdlib_bytes": size(root / "lib"),
}
(root / "build-info.json").write_text(json.dumps(info, indent=2) + "\n")
print(json.dumps(info, indent=2))
EOF
