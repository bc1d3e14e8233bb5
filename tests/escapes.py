"""Scripts that left the language wall before it took names only as exact `str` and handed out
no class factory: the unit, integration and end-to-end escape suites run them as they were."""

# The functional Enum API (`uuid` re-exported `enum.Enum`) made a `str` subclass whose
# `startswith` the script chose, so "__getattribute__" passed the underscore rule, and
# `string.Template.__getattribute__` (object's) read `json.loads.__globals__`.
ENUM_ESCAPE = """
import uuid, string, json
N = uuid.Enum('N', {'G': '__getattribute__', 'L': '__globals__',
                    'startswith': lambda self, *args: False}, type=str)
read = getattr(string.Template, N['G'])
os = read(json.loads, N['L'])['__builtins__']['__import__']('os')
return read(os, 'getpid')()
"""
ENUM_ESCAPE_REFUSED = "AttributeError: module 'uuid' has no attribute 'Enum' available to scripts"
