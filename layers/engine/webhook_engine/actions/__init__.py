"""Script actions: what function scripts ask the engine to do, `http`, `aws` and `respond`.

One folder per action's whole path but its I/O: the facade the script calls (`facades`, run in
the script process, which imports nothing here but that and `errors`), the rules each call is
checked against (`http` and `addresses`, `aws` and `aws_*`, `respond` and `headers`), and the
engine's side that limits, performs and records the calls of a run (`calls`). The I/O is in
`adapters/` (`http_client`, `aws_actions`, `deadlines`). `verify` is not an action: it runs in
the script process (`sandbox/verify.py`).
"""
