#!/usr/bin/env bash
# Builds the local Lambda emulation image for `sam local` (Python 3.13, this machine's
# architecture) from Debian's and PyPI's packages only, or reuses it: the image's tag is a hash
# of this folder and of the emulator, so an unchanged recipe finds its image in seconds.
# Prints the image's name last. Needs root (debootstrap), docker, a C compiler and pip.
#
#   lambda-image/build.sh RIE [--name]
#
# RIE is the runtime interface emulator for this architecture, as SAM CLI's package carries it
# (samcli/local/rapid/aws-lambda-rie-*); --name prints the image's name without building.
# DEBIAN_MIRROR (default http://deb.debian.org/debian) and PIP (default `python3.13 -m pip`)
# can be set.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
RIE=$(realpath -e "${1:?usage: build.sh RIE [--name]}")
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
read -r -a PIP <<<"${PIP:-python3.13 -m pip}"
REPOSITORY=webhooks-lambda-python3.13
VERSION=python3.13
LAMBDA_USER=sbx_user1051 # Lambda's function user (uid 993, gid 990)

case $(uname -m) in
  x86_64) DEBIAN_ARCH=amd64 WHEEL_PLATFORM=manylinux2014_x86_64 ;;
  aarch64) DEBIAN_ARCH=arm64 WHEEL_PLATFORM=manylinux2014_aarch64 ;;
  *) echo "build.sh: no Lambda architecture for $(uname -m)" >&2; exit 1 ;;
esac

TAG=$( (cd "$HERE" && find . -type f -print0 | sort -z | xargs -0 sha256sum && sha256sum <"$RIE" \
  && echo "$DEBIAN_ARCH") | sha256sum | cut -c1-12)
IMAGE=$REPOSITORY:$TAG
if [ "${2:-}" = --name ]; then
  echo "$IMAGE"
  exit 0
fi
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build.sh: debootstrap needs root (run it with sudo)" >&2; exit 1; }

ROOT=$(mktemp -d /var/tmp/lambda-image.XXXXXX)
trap 'rm -rf "$ROOT" "$ROOT.log"' EXIT
echo "Building $IMAGE in $ROOT" >&2

# Debian trixie, minimal, with CPython 3.13 and its shared library.
debootstrap --variant=minbase --arch="$DEBIAN_ARCH" --include=$VERSION,lib$VERSION \
  trixie "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || { tail -20 "$ROOT.log" >&2; exit 1; }

# Lambda's interpreter layout: /var/lang/bin/python3.13 needing /var/lang/lib/libpython3.13.so,
# found through LD_LIBRARY_PATH only (no RUNPATH, and the library off the loader's own paths),
# with its standard library under /var/lang/lib.
LANG_DIR=$ROOT/var/lang
mkdir -p "$LANG_DIR/bin" "$LANG_DIR/lib"
LIBRARY=lib$VERSION.so.1.0
mv "$ROOT/usr/lib/$(uname -m)-linux-gnu/$LIBRARY" "$LANG_DIR/lib/"
rm -f "$ROOT/usr/lib/$(uname -m)-linux-gnu/lib$VERSION.so"*
ln -s "$LIBRARY" "$LANG_DIR/lib/lib$VERSION.so"
mv "$ROOT/usr/lib/$VERSION" "$LANG_DIR/lib/$VERSION"
rm -f "$ROOT/usr/bin/$VERSION" # Debian's, with libpython linked in
cc -O2 -o "$LANG_DIR/bin/$VERSION" "$HERE/launcher.c" -L"$LANG_DIR/lib" "-l:$LIBRARY" \
  -Wl,--allow-shlib-undefined
ln -s "$VERSION" "$LANG_DIR/bin/python3"
ln -s "$VERSION" "$LANG_DIR/bin/python"
if readelf -d "$LANG_DIR/bin/$VERSION" | grep -qE 'RPATH|RUNPATH'; then
  echo "build.sh: the interpreter carries a RUNPATH" >&2
  exit 1
fi
if chroot "$ROOT" /var/lang/bin/$VERSION -c pass 2>/dev/null; then
  echo "build.sh: the interpreter starts without LD_LIBRARY_PATH; Lambda's does not" >&2
  exit 1
fi

# The runtime: the runtime interface client and the bootstrap under /var/runtime, compiled
# (the function's user cannot write bytecode there), the entry point and the emulator.
"${PIP[@]}" install --quiet --disable-pip-version-check --no-compile --no-deps --only-binary=:all: \
  --platform "$WHEEL_PLATFORM" --implementation cp --python-version 3.13 \
  --target "$ROOT/var/runtime" -r "$HERE/requirements.txt"
install -m 0755 "$HERE/bootstrap" "$ROOT/var/runtime/bootstrap"
install -m 0644 "$HERE/bootstrap.py" "$ROOT/var/runtime/bootstrap.py"
install -m 0755 "$HERE/lambda-entrypoint.sh" "$ROOT/lambda-entrypoint.sh"
install -m 0755 "$RIE" "$ROOT/usr/local/bin/aws-lambda-rie"
chroot "$ROOT" env LD_LIBRARY_PATH=/var/lang/lib /var/lang/bin/$VERSION -m compileall -q \
  --invalidation-mode unchecked-hash /var/runtime
mkdir -p "$ROOT/var/task" "$ROOT/opt"
chroot "$ROOT" groupadd --system --gid 990 "$LAMBDA_USER"
chroot "$ROOT" useradd --system --uid 993 --gid 990 --no-create-home --home-dir /tmp \
  --shell /usr/sbin/nologin "$LAMBDA_USER"

# What a container does not need: package downloads and lists, documentation, translations.
rm -rf "$ROOT"/var/cache/apt/* "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/{doc,man,info,locale}/*

# Lambda's environment for Python functions.
tar -C "$ROOT" -c . | docker import \
  --change 'ENV LANG=en_US.UTF-8' \
  --change 'ENV TZ=:UTC' \
  --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin' \
  --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
  --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
  --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
  --change 'ENV PYTHONPATH=/var/runtime' \
  --change 'WORKDIR /var/task' \
  --change 'ENTRYPOINT ["/lambda-entrypoint.sh"]' \
  - "$IMAGE" >/dev/null
echo "$IMAGE"
