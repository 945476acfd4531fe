"""Command-line tools."""

from sqlalchemy import func, select

from eukz_platform.auth.models import Role, User
from eukz_platform.contacts.models import Contact
from eukz_platform.extensions import db
from eukz_platform.groups.models import WorkingGroup, WorkingGroupTranslation

from .factories import login


def test_seed_adds_five_groups_and_two_contacts_once(app, runner):
    assert "7 rows added" in runner.invoke(args=["seed"]).output
    assert "0 rows added" in runner.invoke(args=["seed"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count(WorkingGroup.id))) == 5
        slugs = db.session.scalars(select(WorkingGroup.slug).order_by(WorkingGroup.priority)).all()
        assert slugs == [
            "cooperation-structures",
            "raw-materials-mou",
            "erasmus",
            "public-administration-justice",
            "civic-social-dialogue",
        ]
        millie = db.session.scalar(select(Contact).where(Contact.name == "Millie Tsoumani"))
        assert millie.phone == "+32 (0) 2 546 9088" and millie.phone_e164 == "+3225469088"
        assert millie.visibility.value == "public"


def test_seed_never_resurrects_or_overwrites(app, runner):
    runner.invoke(args=["seed"])
    with app.app_context():
        db.session.delete(
            db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        )
        db.session.delete(
            db.session.scalar(select(Contact).where(Contact.name == "Daniele Vitali"))
        )
        translation = db.session.scalar(
            select(WorkingGroupTranslation)
            .join(WorkingGroup)
            .where(WorkingGroup.slug == "raw-materials-mou", WorkingGroupTranslation.locale == "en")
        )
        translation.title = "Edited by the secretariat"
        db.session.commit()
    assert "0 rows added" in runner.invoke(args=["seed"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count(WorkingGroup.id))) == 4
        assert db.session.scalar(select(func.count(Contact.id))) == 1
        assert (
            db.session.scalar(
                select(WorkingGroupTranslation.title)
                .join(WorkingGroup)
                .where(
                    WorkingGroup.slug == "raw-materials-mou", WorkingGroupTranslation.locale == "en"
                )
            )
            == "Edited by the secretariat"
        )


def test_create_secretariat_makes_an_account_of_no_organisation(app, runner):
    result = runner.invoke(
        args=["create-secretariat", "Staff@EESC.europa.eu", "--password", "secretariat passphrase"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "staff@eesc.europa.eu" and user.role == Role.SECRETARIAT
        assert user.organisation_id is None
    assert (
        login(app.test_client(), "staff@eesc.europa.eu", "secretariat passphrase").status_code
        == 302
    )


def test_create_secretariat_asks_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-secretariat", "staff@eesc.europa.eu"],
        input="secretariat passphrase\nsecretariat passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert (
        login(app.test_client(), "staff@eesc.europa.eu", "secretariat passphrase").status_code
        == 302
    )


def test_create_secretariat_refuses_bad_input(app, runner):
    assert (
        "not a valid email"
        in runner.invoke(
            args=["create-secretariat", "nope", "--password", "secretariat passphrase"]
        ).output
    )
    assert (
        "at least 12"
        in runner.invoke(args=["create-secretariat", "a@b.eu", "--password", "short"]).output
    )
    runner.invoke(args=["create-secretariat", "a@b.eu", "--password", "secretariat passphrase"])
    result = runner.invoke(
        args=["create-secretariat", "A@b.eu", "--password", "secretariat passphrase"]
    )
    assert result.exit_code != 0 and "already uses" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1
