"""Registration numbers: Kazakhstan's BIN, the EU Transparency Register ID, national numbers."""

import re

_TRANSPARENCY_REGISTER = re.compile(r"^\d{6,14}-\d{2}$")
_NATIONAL = re.compile(r"^[A-Z0-9][A-Z0-9 ./-]{1,38}[A-Z0-9]$")

_WEIGHTS_FIRST = range(1, 12)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def normalise(value: str, country: str) -> str:
    """The stored form: upper case, single spaces; a BIN loses its spaces."""
    value = " ".join(value.split()).upper()
    if country == "KZ":
        value = value.replace(" ", "").replace("-", "")
    return value


def bin_is_valid(value: str) -> bool:
    """A Kazakh BIN/IIN: 12 digits whose last one is the control digit of the first 11."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    digits = [int(c) for c in value]
    control = sum(d * w for d, w in zip(digits, _WEIGHTS_FIRST, strict=False)) % 11
    if control == 10:
        control = sum(d * w for d, w in zip(digits, _WEIGHTS_SECOND, strict=False)) % 11
        if control == 10:
            return False
    return control == digits[11]


def problem_with(value: str, country: str) -> str | None:
    """Why a (normalised) registration number is not acceptable for the country, or None."""
    if country == "KZ":
        if len(value) != 12 or not value.isdigit():
            return "bin_format"
        if not bin_is_valid(value):
            return "bin_control"
        return None
    if _TRANSPARENCY_REGISTER.match(value) or _NATIONAL.match(value):
        return None
    return "format"
