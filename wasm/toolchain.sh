#!/usr/bin/env bash
# Debian's toolchain for wasm/build-python.sh (as root, on Debian 12 or 13).
#
# Debian 12 carries clang, lld and compiler-rt's wasm32 builtins at version 19, but a 2022
# wasi-libc that CPython 3.13 cannot use, and no python3.13 source package: both come from
# Debian 13 (trixie), added with a low pin so that nothing else is upgraded from it.
set -euo pipefail

codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
if [[ $codename != trixie ]]; then
    cat > /etc/apt/sources.list.d/debian-trixie.sources << 'EOF'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
EOF
    cat > /etc/apt/preferences.d/trixie-low << 'EOF'
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOF
    apt-get update -qq
    from=(-t trixie)
else  # trixie itself: only the deb-src entry is missing, perhaps
    grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || sed 's/^Types: deb$/Types: deb-src/' \
        /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/debian-src.sources
    apt-get update -qq
    from=()
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang-19 lld-19 llvm-19 \
    libclang-rt-19-dev-wasm32 dpkg-dev
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${from[@]}" wasi-libc
