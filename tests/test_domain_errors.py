"""One domain error: every refusal a service raises is a DomainError with its message and
status, and one handler turns it into a flash and redirect, an error page or JSON."""

import importlib
import inspect
import pkgutil
from collections import defaultdict

import pytest
from flask import url_for
from wtforms import StringField

import eukz_platform
from eukz_platform.core.models import Organisation
from eukz_platform.errors import Conflict, DomainError, NotAllowed, NotFound, domain_errors
from eukz_platform.extensions import db
from eukz_platform.forms import Form

# Exceptions that are not refusals of a rule, with the reason they are not DomainErrors.
NOT_DOMAIN_ERRORS: dict[str, str] = {
    "eukz_platform.settings.ConfigurationError": "a wrong setting: stops the platform at start",
    "eukz_platform.assets.BuildError": "a stylesheet refers to a missing file: stops a build",
    "eukz_platform.health.NotReady": "a readiness check failed: /readyz answers 503 with it",
    "eukz_platform.database.CannotDecrypt": "no key opens a value: stops `flask reencrypt`",
}


def exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in a module of the package."""
    found = []
    for info in pkgutil.walk_packages(eukz_platform.__path__, "eukz_platform."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
            ):
                found.append(obj)
    return found


def test_every_exception_of_the_platform_is_a_domain_error():
    classes = exception_classes()
    assert len(classes) > 30  # the walk found the services' errors
    others = [
        f"{c.__module__}.{c.__qualname__}"
        for c in classes
        if not issubclass(c, DomainError)
        and f"{c.__module__}.{c.__qualname__}" not in NOT_DOMAIN_ERRORS
    ]
    assert others == []


def test_each_exception_name_means_one_thing():
    where = defaultdict(list)
    for c in exception_classes():
        where[c.__qualname__].append(c.__module__)
    assert {name: modules for name, modules in where.items() if len(modules) > 1} == {}


def test_every_domain_error_can_say_why():
    for c in exception_classes():
        if issubclass(c, DomainError) and c not in (DomainError, NotAllowed, NotFound):
            assert 400 <= c.status < 500, c
            assert c.category in ("error", "warning", "info"), c


class Archived(Conflict):
    message = "The group is archived."


class Refused(DomainError):
    status = 422
    field = "name"
    message = "Choose another name."


class NameForm(Form):
    name = StringField()


@pytest.fixture
def refusing_app(app):
    """The app with routes that refuse, as a service would."""

    def refuse_through_domain_errors(kind: str):
        with domain_errors(back=url_for("main.index")):
            org = Organisation(
                name="Written Before The Refusal", country="BE", type="ngo", eesc_group="none"
            )
            db.session.add(org)
            db.session.flush()
            raise {"archived": Archived, "not-allowed": NotAllowed, "missing": NotFound}[kind]()
        return "not reached"

    def refuse_uncaught():
        raise Archived()

    def refuse_beside_a_field():
        form = NameForm(meta={"csrf": False})
        form.validate()
        try:
            raise Refused()
        except Refused as e:
            form.show(e)
        return {"name": form.name.errors}, 422

    app.add_url_rule("/refuse/<kind>", view_func=refuse_through_domain_errors)
    app.add_url_rule("/refuse-uncaught", view_func=refuse_uncaught)
    app.add_url_rule("/api/v1/refuse-uncaught", view_func=refuse_uncaught, endpoint="api_refuse")
    app.add_url_rule("/refuse-beside-a-field", view_func=refuse_beside_a_field)
    return app


def organisations(app) -> int:
    with app.app_context():
        return db.session.query(Organisation).count()


def test_domain_errors_flashes_the_message_and_redirects_writing_nothing(refusing_app):
    client = refusing_app.test_client()
    r = client.get("/refuse/archived")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    with client.session_transaction() as s:
        assert s["_flashes"] == [("error", "The group is archived.")]
    assert organisations(refusing_app) == 0


@pytest.mark.parametrize(("kind", "status"), [("not-allowed", 403), ("missing", 404)])
def test_a_refusal_no_retry_can_fix_is_its_error_page(refusing_app, kind, status):
    client = refusing_app.test_client()
    r = client.get(f"/refuse/{kind}")
    assert r.status_code == status
    assert "Location" not in r.headers
    assert organisations(refusing_app) == 0


def test_an_uncaught_domain_error_is_an_error_page_with_its_status_and_message(refusing_app):
    r = refusing_app.test_client().get("/refuse-uncaught")
    assert r.status_code == 409
    assert "The group is archived." in r.get_data(as_text=True)


def test_the_api_answers_a_domain_error_as_json(refusing_app):
    r = refusing_app.test_client().get("/api/v1/refuse-uncaught")
    assert r.status_code == 409
    assert r.get_json() == {"error": "Conflict", "message": "The group is archived."}


def test_a_form_shows_the_message_beside_its_field(refusing_app):
    r = refusing_app.test_client().get("/refuse-beside-a-field")
    assert r.status_code == 422 and r.get_json() == {"name": ["Choose another name."]}
