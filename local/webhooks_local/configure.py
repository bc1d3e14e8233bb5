"""Apply a configuration file with the deployment's adapters: what `make serve` does at start.

Runs inside an admin worker (or `invoke`), whose environment points the adapters at moto.
"""

from __future__ import annotations

from pathlib import Path

from webhook_engine import wiring
from webhook_engine.config.apply import Plan, apply_config
from webhook_engine.config.document import ConfigDocument


def apply_file(path: Path, *, prune: bool = False) -> Plan:
    """Apply a YAML/JSON configuration file; returns the plan."""
    document = ConfigDocument.from_file(path)
    return apply_config(document, wiring.config_store(), wiring.secret_store(), prune=prune)
