"""Phone numbers: kept as written, and in E.164 for ``tel:`` links.

A number the numbering rules (``phonenumbers``) refuse is refused with the reason: no country
code, a country code that does not exist, or not a valid number of that country.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from flask_babel import gettext as _

from .core.vocabulary import country_name

# Why a phone number is refused (``PhoneProblem.reason``).
NO_COUNTRY_CODE = "no_country_code"
UNKNOWN_COUNTRY_CODE = "unknown_country_code"
NOT_VALID = "not_valid"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class PhoneProblem:
    """Why a number is refused, and the country it was read as a number of, if any."""

    reason: str
    region: str | None = None
    country_code: int | None = None

    def as_dict(self) -> dict:
        return {"reason": self.reason, "region": self.region, "country_code": self.country_code}

    def message(self) -> str:
        """The reason in words, in the current language."""
        return describe(self.as_dict())


def to_e164(phone: str, region: str | None = None) -> str | None:
    """The E.164 form of a phone number, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def problem(phone: str, region: str | None = None) -> PhoneProblem | None:
    """Why the numbering rules refuse the number (read in ``region`` when it has no country
    code), or None when it is a valid number."""
    written = phone.strip()
    try:
        number = phonenumbers.parse(written, region)
    except phonenumbers.NumberParseException as e:
        if e.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            if written.startswith(("+", "00")):
                return PhoneProblem(UNKNOWN_COUNTRY_CODE)
            return PhoneProblem(NO_COUNTRY_CODE)
        return PhoneProblem(UNREADABLE)
    if phonenumbers.is_valid_number(number):
        return None
    regions = [
        r
        for r in phonenumbers.region_codes_for_country_code(number.country_code)
        if r != phonenumbers.UNKNOWN_REGION
    ]
    if not regions:
        return PhoneProblem(UNKNOWN_COUNTRY_CODE, country_code=number.country_code)
    # +7 is Kazakhstan's and Russia's: the country the number was read for, if it is one of them.
    chosen = region if region in regions else regions[0] if len(regions) == 1 else None
    return PhoneProblem(NOT_VALID, region=chosen, country_code=number.country_code)


def describe(details: dict | None) -> str:
    """A refused number's reason in words (``PhoneProblem.as_dict``), in the current language."""
    details = details or {}
    reason, region, code = details.get("reason"), details.get("region"), details.get("country_code")
    if reason == NOT_VALID and region:
        return _(
            "This is not a valid phone number for %(country)s (country code +%(code)s): check "
            "the digits.",
            country=country_name(region),
            code=code,
        )
    if reason == NOT_VALID:
        return _(
            "This is not a valid phone number with the country code +%(code)s: check the digits.",
            code=code,
        )
    if reason == UNKNOWN_COUNTRY_CODE:
        return _(
            "No country has the code this number starts with: check the digits after the +, "
            "such as +7 for Kazakhstan or +32 for Belgium."
        )
    if reason == UNREADABLE:
        return _(
            "Enter a phone number we can read: digits, with spaces, brackets or dashes if you "
            "like, such as +32 2 546 9088."
        )
    return _("Enter a phone number with its country code, starting with +, such as +32 2 546 9088.")
