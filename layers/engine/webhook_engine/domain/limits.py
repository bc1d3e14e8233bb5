"""Bounds of what a script run leaves on record, shared by the engine and the script worker
(which imports nothing heavier than this module from the domain)."""

# UTF-8 bytes of log messages one run may write: the record of a submission must fit a
# DynamoDB item (400 KB) whatever its scripts print.
EXECUTION_LOG_BYTES = 65_536
EVALUATION_LOG_BYTES = 8_192
ERROR_CHARACTERS = 2_000
