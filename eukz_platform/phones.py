"""Phone numbers: kept as written, and in E.164 for ``tel:`` links."""

import phonenumbers


def to_e164(phone: str, region: str | None = None) -> str | None:
    """The E.164 form of a phone number, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
