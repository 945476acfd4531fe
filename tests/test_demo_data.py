"""Demo data: synthetic organisations and contacts, the same for the same seed, searchable."""

from sqlalchemy import func, select

from eukz_platform import demo_data
from eukz_platform.contacts.models import Contact
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import COUNTRY_CODES, Sector
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership
from eukz_platform.search import SearchQuery, search
from eukz_platform.search.models import SearchDocument


def test_demo_data_is_reproducible_and_covers_every_country_and_sector(ctx):
    first = [o["name"] for chunk in demo_data.generate(300, seed=7) for o in chunk.organisations]
    again = [o["name"] for chunk in demo_data.generate(300, seed=7) for o in chunk.organisations]
    other = [o["name"] for chunk in demo_data.generate(300, seed=8) for o in chunk.organisations]
    assert first == again and first != other
    chunks = list(demo_data.generate(2000, seed=7))
    countries = {o["country"] for c in chunks for o in c.organisations}
    sectors = {s["sector"] for c in chunks for s in c.sectors}
    assert countries == set(COUNTRY_CODES)
    assert sectors == {s.value for s in Sector}
    scripts = " ".join(o["name"] for c in chunks for o in c.organisations)
    assert "қ" in scripts.lower() and "и" in scripts.lower() and "a" in scripts.lower()


def test_demo_data_command(app, runner):
    result = runner.invoke(args=["demo-data", "--organisations", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "demo-data: 40 organisations" in result.output
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 40
        documents = db.session.scalar(select(func.count()).select_from(SearchDocument))
        contacts = db.session.scalar(select(func.count()).select_from(Contact))
        assert documents == 40 + contacts
        assert db.session.scalar(select(func.count()).select_from(Membership)) > 0
        some = db.session.scalar(select(Organisation).where(Organisation.status == "verified"))
        found = search(SearchQuery(q=some.name, kinds=["organisation"], per_page=100), None)
        assert some.name in {hit.obj.name for hit in found.items}
