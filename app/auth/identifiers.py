"""What an identifier from a client (organization, account, sub, workspace) may be."""

from __future__ import annotations

import re

# sub, org and workspaces are stored (journal, owners, rate-limit counters) in columns this
# wide.
MAX_IDENTIFIER_LENGTH = 256
# Printable text: no control characters (PostgreSQL cannot store NUL at all, and a log or a
# console line with a newline in an id would lie).
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]+")
IDENTIFIER_PATTERN = r"^[^\x00-\x1f\x7f]+$"  # the same, for JSON schemas
DESCRIPTION = f"1 to {MAX_IDENTIFIER_LENGTH} characters, no control characters"


def is_identifier(value: object) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= MAX_IDENTIFIER_LENGTH
        and _PRINTABLE.fullmatch(value) is not None
    )
