"""Emails about new announcements and meetings, for members who ask for them, each with a
one-click unsubscribe link."""

import re

from eukz_platform import create_app
from eukz_platform.auth.models import User
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import Announcement, Membership, MembershipStatus

from .factories import login, make_org, make_user
from .test_groups_support import (
    VERIFIED,
    add_member,
    count,
    make_coordinator,
    make_group,
)


def setup(app):
    """Who should and who should not get the group's emails."""
    with app.app_context():
        group = make_group(slug="erasmus", title="Erasmus group")
        other = make_group(slug="other", priority=4)
        make_coordinator(group, email="chair@eu.example")
        member = add_member(group)
        make_user(org=member, email="wants@member.example", notify_group_updates=True)
        make_user(org=member, email="quiet@member.example")
        make_user(
            org=member,
            email="unconfirmed@member.example",
            notify_group_updates=True,
            email_confirmed_at=None,
        )
        pending = make_org(status=VERIFIED)
        db.session.add(
            Membership(
                organisation_id=pending.id, group_id=group.id, status=MembershipStatus.PENDING
            )
        )
        db.session.commit()
        make_user(org=pending, email="pending@org.example", notify_group_updates=True)
        elsewhere = add_member(other)
        make_user(org=elsewhere, email="other@group.example", notify_group_updates=True)
        suspended = add_member(group, status=OrganisationStatus.SUSPENDED)
        make_user(org=suspended, email="suspended@org.example", notify_group_updates=True)
        return group.id


def post_announcement(app, body="We meet in Astana: https://example.org/astana"):
    chair = app.test_client()
    login(chair, "chair@eu.example")
    return chair.post(
        "/working-groups/erasmus/announcements/new", data={"title": "Next steps", "body": body}
    )


def unsubscribe_path(message):
    return re.search(r"https?://[^/\s]+(/working-groups/unsubscribe/\S+)", message.body).group(1)


def test_a_member_turns_the_emails_on_and_off(app, client):
    setup(app)
    login(client, "quiet@member.example")
    page = client.get("/working-groups/notifications").get_data(as_text=True)
    assert "Erasmus group" in page and 'type="checkbox"' in page and "checked" not in page
    r = client.post("/working-groups/notifications", data={"notify": "y"})
    assert r.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "quiet@member.example"))
        assert user.notify_group_updates is True
    assert "checked" in client.get("/working-groups/notifications").get_data(as_text=True)
    client.post("/working-groups/notifications", data={})
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "quiet@member.example"))
        assert user.notify_group_updates is False


def test_the_settings_page_needs_a_login(client):
    r = client.get("/working-groups/notifications")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_an_announcement_is_mailed_to_subscribed_members_of_active_organisations(app, outbox):
    setup(app)
    assert post_announcement(app).status_code == 302
    assert [m.to for m in outbox] == [["wants@member.example"]]
    message = outbox[0]
    assert "Erasmus group" in message.subject and "Next steps" in message.subject
    assert "https://example.org/astana" in message.body
    link = re.search(r"https?://\S+/working-groups/unsubscribe/\S+", message.body).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_new_meeting_is_mailed_with_its_calendar_link(app, outbox):
    setup(app)
    chair = app.test_client()
    login(chair, "chair@eu.example")
    r = chair.post(
        "/working-groups/erasmus/meetings/new",
        data={
            "title": "Kick-off",
            "timezone": "Asia/Almaty",
            "starts_at": "2099-06-03T10:00",
            "ends_at": "2099-06-03T12:00",
            "mode": "in_person",
            "place": "Astana",
        },
    )
    assert r.status_code == 302
    [message] = outbox
    assert message.to == ["wants@member.example"] and "Kick-off" in message.subject
    assert "10:00 – 12:00, Almaty time" in message.body
    assert re.search(r"/working-groups/erasmus/meetings/\d+\.ics", message.body)
    assert "/working-groups/unsubscribe/" in message.body


def test_the_unsubscribe_link_asks_first_then_unsubscribes(app, client, outbox):
    setup(app)
    post_announcement(app)
    path = unsubscribe_path(outbox[0])
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    with app.app_context():
        assert count(User, User.notify_group_updates.is_(True)) == 5
    r = client.post(path)
    assert r.status_code == 200 and "You are unsubscribed" in r.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "wants@member.example"))
        assert user.notify_group_updates is False
    outbox.clear()
    post_announcement(app)
    assert outbox == []


def test_one_click_unsubscribe_works_without_a_session_or_csrf_token(app, database_url, outbox):
    setup(app)
    post_announcement(app)
    path = unsubscribe_path(outbox[0])
    strict = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": database_url}
    )
    r = strict.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "wants@member.example"))
        assert user.notify_group_updates is False


def test_a_tampered_or_stale_link_does_nothing(app, client, outbox):
    setup(app)
    post_announcement(app)
    path = unsubscribe_path(outbox[0])
    assert client.post(path[:-3] + "xyz").status_code == 400
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "wants@member.example"))
        user.email = "changed@member.example"
        db.session.commit()
        user_id = user.id
    assert client.post(path).status_code == 400
    with app.app_context():
        assert db.session.get(User, user_id).notify_group_updates is True


def test_a_mail_failure_never_undoes_the_announcement(app, monkeypatch):
    from flask_mailman import EmailMessage

    setup(app)

    def broken(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    r = post_announcement(app)
    assert r.status_code == 302
    with app.app_context():
        assert count(Announcement) == 1
