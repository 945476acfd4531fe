"""The seed: the five working groups of the Action Plan and the two EESC contacts.

Each seeded thing has a stable key, and a ``seed_record`` row remembers that it was
added, so running the seed again never resurrects what the secretariat removed and
never overwrites what it edited.
"""

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from .contacts.models import Contact, Visibility
from .database import UTCDateTime, utcnow
from .extensions import db
from .groups.models import WorkingGroup, WorkingGroupTranslation
from .phones import to_e164


class SeedRecord(db.Model):
    __tablename__ = "seed_record"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


GROUPS = (
    (
        1,
        "cooperation-structures",
        "Structures for cooperation with Central Asian civil society, on the model of the "
        "existing Civil Society Platforms",
        "Establishing structures for cooperation with Central Asian civil society, on the model "
        "of the EESC's existing Civil Society Platforms with other regions of the world, so that "
        "organised civil society of the EU and Kazakhstan meets regularly and follows up the "
        "Action Plan together.",
    ),
    (
        2,
        "raw-materials-mou",
        "Civil society promoting the EU–Kazakhstan MoU on raw materials, batteries and renewable "
        "hydrogen (signed 7 November 2022)",
        "Involving civil society organisations in promoting the Memorandum of Understanding "
        "between the EU and Kazakhstan on a strategic partnership in raw materials, batteries and "
        "renewable hydrogen, signed on 7 November 2022 — Kazakhstan has 33 of the 34 elements "
        "named in the Critical Raw Materials Act.",
    ),
    (
        3,
        "erasmus",
        "Educational opportunities for young Kazakhs through Erasmus",
        "Supporting the development of civil society in Kazakhstan by increasing the educational "
        "opportunities for young Kazakhs through the Erasmus programme.",
    ),
    (
        4,
        "public-administration-justice",
        "Experience exchange for civil servants and judicial staff (with the European Institute "
        "of Public Administration, Maastricht, and the European Centre for Judges and Lawyers, "
        "Luxembourg)",
        "Supporting the development and consolidation of civil society in Kazakhstan through an "
        "experience exchange programme for civil servants and judicial staff, with the European "
        "Institute of Public Administration in Maastricht and the European Centre for Judges and "
        "Lawyers in Luxembourg.",
    ),
    (
        5,
        "civic-social-dialogue",
        "Civic and social dialogue in Central Asia, formalised on the Western Balkans model",
        "Supporting the development of civic and social dialogue in Central Asia and its "
        "formalisation, along the lines of the good practices in relations with organised civil "
        "society of other regions, such as the Western Balkans.",
    ),
)

CONTACTS = (
    (
        "eesc-millie-tsoumani",
        "Millie Tsoumani",
        "Press Officer, EESC",
        "+32 (0) 2 546 9088",
        "Amalia.tsoumani@eesc.europa.eu",
    ),
    (
        "eesc-daniele-vitali",
        "Daniele Vitali",
        "Policy Officer, EESC",
        "+32 (2) 546 8817",
        "Daniele.Vitali@eesc.europa.eu",
    ),
)


def _already_seeded(kind: str) -> set[str]:
    return set(db.session.scalars(select(SeedRecord.key).where(SeedRecord.kind == kind)))


def ensure_groups_and_contacts() -> int:
    """Add the seeded groups and contacts never added before; return how many were added."""
    added = 0
    seen_groups = _already_seeded("group")
    for priority, slug, title, purpose in GROUPS:
        if slug in seen_groups:
            continue
        group = WorkingGroup(slug=slug, priority=priority, moderated=True)
        group.translations.append(
            WorkingGroupTranslation(locale="en", title=title, purpose=purpose)
        )
        db.session.add_all([group, SeedRecord(kind="group", key=slug)])
        added += 1
    seen_contacts = _already_seeded("contact")
    for key, name, role, phone, email in CONTACTS:
        if key in seen_contacts:
            continue
        contact = Contact(
            key=key,
            name=name,
            role=role,
            organisation_name="EESC",
            phone=phone,
            phone_e164=to_e164(phone),
            email=email,
            visibility=Visibility.PUBLIC,
        )
        db.session.add_all([contact, SeedRecord(kind="contact", key=key)])
        added += 1
    db.session.commit()
    return added
