"""Password rules: long enough, and not a common password.

The list of 20,000 common passwords is the one Django ships
(``django/contrib/auth/common-passwords.txt.gz``, BSD licence).
"""

import gzip
import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
_LIST = Path(__file__).with_name("common-passwords.txt.gz")
_TRAILING = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def is_common(password: str) -> bool:
    """True for a listed password, one with digits or symbols appended to a listed one,
    one made only of digits and symbols, or one of very few different characters."""
    lowered = password.strip().lower()
    base = _TRAILING.sub("", lowered)
    if len(base) < 4 or len(set(lowered)) < 5:
        return True
    common = common_passwords()
    return lowered in common or base in common
