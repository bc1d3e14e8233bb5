"""Pre-initialise the reactor build of CPython (reactor.c), as Wizer does: run its
`snapshot_init` once (the interpreter started, the sandbox imported and warmed), then write the
linear memory it leaves as the data of a new module. A fresh instance of that module starts
where the snapshot was taken: it only needs `snapshot_serve`.

    python wasm/snapshot/snapshot.py BUILD_DIR   -> BUILD_DIR/snapshot.wasm, snapshot-<arch>.cwasm

What makes this sound here: `snapshot_init` has returned, so no frame is live and the stack
pointer (the module's one mutable global) is back at its initial value; the interpreter keeps
no host resource open (the files it imported from are closed; stdin and stdout are 0 and 1,
the preopens 3 and 4, the same in every instance). What every instance then shares: the
interpreter's hash secret, chosen once at the snapshot.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from host import GUEST_APP, GUEST_LIB, engine_config
from wasmtime import Engine, Linker, Module, Store, WasiConfig

PAGE = 65536
_CHUNK, _GAP = (
    4096,
    65536,
)  # data covers the non-zero 4 KiB blocks; zero runs of 64 KiB are left out
_MEMORY, _GLOBAL, _DATA, _DATACOUNT = 5, 6, 11, 12


def _leb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _read_leb(data: bytes, at: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, at


def sections(module: bytes) -> list[tuple[int, bytes]]:
    """The module's sections, in order: (id, contents)."""
    found, at = [], 8
    while at < len(module):
        kind = module[at]
        size, start = _read_leb(module, at + 1)
        found.append((kind, module[start : start + size]))
        at = start + size
    return found


def mutable_globals(contents: bytes) -> int:
    """How many globals the module defines as mutable."""
    count, at = _read_leb(contents, 0)
    mutable = 0
    for _ in range(count):
        mutable += contents[at + 1]  # value type, then mutability
        at += 2
        while contents[at] != 0x0B:  # a constant expression up to `end`
            at += 1
        at += 1
    return mutable


def data_segments(memory: bytes) -> list[bytes]:
    """Active segments (memory 0, constant offset) holding every non-zero block of `memory`;
    blocks less than `_GAP` apart share a segment."""
    zero = bytes(_CHUNK)
    offsets = [at for at in range(0, len(memory), _CHUNK) if memory[at : at + _CHUNK] != zero]
    runs: list[list[int]] = []
    for offset in offsets:
        if runs and offset - runs[-1][1] < _GAP:
            runs[-1][1] = offset + _CHUNK
        else:
            runs.append([offset, offset + _CHUNK])
    return [
        b"\x00\x41" + _sleb(start) + b"\x0b" + _leb(end - start) + memory[start:end]
        for start, end in runs
    ]


def rewrite(module: bytes, memory: bytes) -> bytes:
    """`module` with `memory` as its initial memory (and as many pages to start with)."""
    segments = data_segments(memory)
    replaced = {
        _MEMORY: _leb(1) + b"\x00" + _leb(len(memory) // PAGE),  # no maximum: as before
        _DATACOUNT: _leb(len(segments)),
        _DATA: _leb(len(segments)) + b"".join(segments),
    }
    out = bytearray(module[:8])
    for kind, contents in sections(module):
        if kind == _GLOBAL and mutable_globals(contents) != 1:
            raise SystemExit("more mutable globals than the stack pointer: not snapshotted")
        written = replaced.get(kind, contents)
        out += bytes([kind]) + _leb(len(written)) + written
    return bytes(out)


def initialised_memory(build: Path, wasm: bytes) -> bytes:
    """Run the reactor's initialisation, with the preopens instances get: its memory."""
    engine = Engine(engine_config())
    module = Module(engine, wasm)
    store, wasi = Store(engine), WasiConfig()
    wasi.preopen_dir(str(build / "lib"), GUEST_LIB, False)
    wasi.preopen_dir(str(build / "app"), GUEST_APP, False)
    store.set_wasi(wasi)
    store.set_epoch_deadline(1 << 40)
    linker = Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, module)
    exports = instance.exports(store)
    exports["_initialize"](store)  # type: ignore[operator]
    if exports["snapshot_init"](store) != 0:  # type: ignore[operator]
        raise SystemExit("snapshot_init failed")
    memory = exports["memory"]
    return bytes(memory.read(store, 0, memory.data_len(store)))  # type: ignore[union-attr]


if __name__ == "__main__":
    build_dir = Path(sys.argv[1])
    reactor = (build_dir / "python-reactor.wasm").read_bytes()
    snapshot = rewrite(reactor, initialised_memory(build_dir, reactor))
    (build_dir / "snapshot.wasm").write_bytes(snapshot)
    print(f"snapshot.wasm: {len(snapshot):,} bytes")
