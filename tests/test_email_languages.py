"""Every email, in English, Russian and Kazakh: each person reads it whole in their language.

Each template of templates/email is sent through ``mailing.send`` (which renders it once per
language under ``force_locale``) to three people, one per language. The Russian and Kazakh
bodies differ from the English one, and once the names, addresses and links that the email
quotes are taken out, no common English word is left and every line has Cyrillic letters.
"""

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from eukz_platform import mailing
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Announcement,
    Membership,
    MembershipStatus,
    WorkingGroup,
)
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import make_org, make_user
from .test_groups_support import make_meeting

EMAILS = Path(__file__).resolve().parent.parent / "templates" / "email"

# What an email quotes as it was written: names, addresses, the meeting's place and times.
ORGANISATION = "Steppe Green"
PERSON = "Aigerim Nurlanovna"
QUOTED = (ORGANISATION, PERSON, "aigerim@steppe.example", "EU", "REX/587", "Brussels", "Belliard")

COMMON_ENGLISH = {
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "days", "did", "email", "for",
    "from", "group", "has", "have", "hello", "if", "in", "is", "it", "its", "link", "meeting",
    "message", "minutes", "name", "new", "not", "of", "on", "open", "or", "organisation",
    "please", "platform", "profile", "reason", "registered", "request", "the", "their", "this",
    "to", "was", "we", "when", "with", "working", "you", "your",
}  # fmt: skip
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
URL = re.compile(r"https?://\S+|\S+@\S+")


@pytest.fixture
def world(ctx):
    """An organisation, its people (one per language), a seeded group in three languages with
    a meeting and an announcement in three languages too."""
    ensure_groups_and_contacts()
    org = make_org(name=ORGANISATION, status=OrganisationStatus.VERIFIED, country="KZ")
    readers = {
        language: make_user(org=org, email=f"{language}@steppe.example", locale=language)
        for language in ("en", "ru", "kk")
    }
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
    meeting = make_meeting(
        group,
        title="Round table",
        title_ru="Круглый стол",
        title_kk="Дөңгелек үстел",
        agenda="Welcome",
        agenda_ru="Приветствие",
        agenda_kk="Сәлемдесу",
    )
    announcement = Announcement(
        group_id=group.id,
        title="Call for partners",
        body="We look for partners.",
        title_ru="Поиск партнёров",
        body_ru="Мы ищем партнёров.",
        title_kk="Серіктестер іздейміз",
        body_kk="Біз серіктестер іздейміз.",
    )
    membership = Membership(
        organisation_id=org.id, group_id=group.id, status=MembershipStatus.ACTIVE
    )
    db.session.add_all([announcement, membership])
    db.session.commit()
    link = "https://platform.example/x"
    user = make_user(org=org, full_name=PERSON)
    # A partner search post, as its emails quote it: its title as written.
    post = SimpleNamespace(title=PERSON, organisation=org, deadline=date(2027, 3, 31))
    contexts = {
        "annual_confirmation": {
            "organisation": org,
            "link": link,
            "grace_days": 30,
            "hide_days": 60,
        },
        "ask_to_join": {
            "organisation": org,
            "full_name": PERSON,
            "email": "aigerim@steppe.example",
            "message": PERSON,
            "people_link": link,
        },
        "ask_to_join_confirm": {"organisation": org, "full_name": PERSON, "days": 3, "link": link},
        "confirm_email": {"user": user, "link": link},
        "group_announcement": {
            "group": group,
            "announcement": announcement,
            "link": link,
            "unsubscribe_link": link,
            "settings_link": link,
        },
        "group_meeting": {
            "group": group,
            "meeting": meeting,
            "link": link,
            "ics_link": link,
            "unsubscribe_link": link,
            "settings_link": link,
        },
        "group_meeting_cancelled": {"group": group, "meeting": meeting, "link": link},
        "group_registration_promoted": {"meeting": meeting, "link": link},
        "invitation": {"inviter": user, "organisation": org, "link": link},
        "membership_decision": {
            "approved": True,
            "membership": membership,
            "message": PERSON,
            "link": link,
        },
        "organisation_rejected": {"organisation": org, "reason": PERSON, "link": link},
        "organisation_suspended": {"organisation": org, "reason": PERSON},
        "organisation_verified": {"organisation": org, "link": link},
        "registration_attempt": {"user": user, "login_link": link, "reset_link": link},
        "reset_password": {"user": user, "link": link, "minutes": 21},
        "opportunity_answer": {
            "post": post,
            "answer": SimpleNamespace(message=PERSON),
            "organisation": org,
            "link": link,
            "organisation_link": link,
        },
        "output_signed": {
            "output": SimpleNamespace(local_title=PERSON, group=group),
            "signer": PERSON,
            "link": link,
        },
        "output_published": {
            "output": SimpleNamespace(local_title=PERSON, group=group),
            "link": link,
            "settings_link": link,
        },
        "opportunity_digest": {
            "posts": [(post, link)],
            "unsubscribe_link": link,
            "settings_link": link,
        },
    }
    return readers, contexts


def test_every_email_template_is_checked(world):
    _readers, contexts = world
    assert {p.stem for p in EMAILS.glob("*.txt")} == set(contexts)


def _left_in_english(body: str) -> tuple[set[str], list[str]]:
    """The common English words left, and the lines without Cyrillic, once what the email
    quotes as written is taken out."""
    text = URL.sub(" ", body)
    for quoted in QUOTED:
        text = text.replace(quoted, " ")
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    lines = [
        line
        for line in text.splitlines()
        if re.search(r"[A-Za-zА-Яа-яЁё]", line) and line.strip() != "--"
    ]
    return words & COMMON_ENGLISH, [line for line in lines if not CYRILLIC.search(line)]


@pytest.mark.parametrize("template", sorted(p.stem for p in EMAILS.glob("*.txt")))
def test_each_email_is_written_whole_in_each_language(app, world, outbox, template):
    readers, contexts = world
    assert mailing.send(list(readers.values()), "Subject", template, **contexts[template])
    bodies = {message.to[0].split("@")[0]: message.body for message in outbox}
    assert sorted(bodies) == ["en", "kk", "ru"]
    english_words, _lines = _left_in_english(bodies["en"])
    assert english_words  # the check finds English where it is
    for language in ("ru", "kk"):
        assert bodies[language] != bodies["en"]
        left, lines = _left_in_english(bodies[language])
        assert not left, f"{template} [{language}]: English left: {sorted(left)}"
        assert not lines, f"{template} [{language}]: lines without Cyrillic: {lines}"
    if template == "reset_password":
        assert "21 минуту" in bodies["ru"]  # the number's own form (21 takes the singular)
