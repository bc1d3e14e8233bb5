"""argparse types for values given inline or from files: `@file`, KEY=VALUE, `Name: value`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml


def text_source(value: str) -> str:
    """TEXT as given, `@path` for a file's content, `@-` for standard input."""
    return file_text(value[1:]) if value.startswith("@") else value


def source_bytes(value: str) -> bytes:
    """Like `text_source`, as bytes (a body may be binary)."""
    if not value.startswith("@"):
        return value.encode()
    return read_file(value[1:])


def read_file(path: str) -> bytes:
    """A file's bytes, `-` for standard input."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {error.strerror}") from error


def file_text(path: str) -> str:
    """A text file's content, `-` for standard input."""
    try:
        return read_file(path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise argparse.ArgumentTypeError(f"{path} is not UTF-8 text") from error


def yaml_document(path: str) -> dict[str, Any]:
    """A configuration document (YAML or JSON) read from a file."""
    try:
        document = yaml.safe_load(file_text(path))
    except yaml.YAMLError as error:
        raise argparse.ArgumentTypeError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise argparse.ArgumentTypeError(f"{path} does not hold a mapping")
    return document


def key_value(value: str) -> tuple[str, str]:
    """`KEY=VALUE`."""
    key, separator, text = value.partition("=")
    if not separator or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    return key.strip(), text


def header(value: str) -> tuple[str, str]:
    """`Name: value` (the space is optional)."""
    name, separator, text = value.partition(":")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {value!r}")
    return name.strip(), text.strip()
