"""HTTP header names and values scripts may set, in `http` calls and `respond` answers: what
HTTP/1.1 carries intact (RFC 9110), so that no value can split, end or corrupt a message; and
the headers every `respond` answer carries, which keep browsers from acting on it."""

import re

NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")  # a token
VALUE = re.compile(r"[\t\x20-\x7e\xa0-\xff]*")  # Latin-1 text, no control characters
# No guessing another type than the one declared; a document without origin that runs nothing.
ANSWER_HEADERS = {"x-content-type-options": "nosniff", "content-security-policy": "sandbox"}
