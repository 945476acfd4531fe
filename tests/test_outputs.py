"""Joint outputs: drafts written by the co-chairs in three languages, comments of the member
organisations, sign-offs of both co-chairs, publication, endorsements and the follow-up shown on
the Action Plan page."""

import pytest
from sqlalchemy import select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role, User
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.errors import NotAllowed, NotFound
from eukz_platform.extensions import db
from eukz_platform.outputs import services
from eukz_platform.outputs.models import (
    JointOutput,
    OutputComment,
    OutputEndorsement,
    OutputKind,
    OutputParagraph,
    OutputSignoff,
    OutputState,
    OutputTransition,
)

from .factories import login, make_org, make_user
from .test_groups_support import (
    VERIFIED,
    add_member,
    count,
    make_admin,
    make_coordinator,
    make_group,
    make_meeting,
)

DRAFT_TITLE = "Joint declaration on Erasmus mobility"


def setup(app, *, notify: bool = False) -> dict:
    """A group with both co-chairs, a member organisation (an admin and a member), an outsider,
    the co-chair of another group and the secretariat."""
    with app.app_context():
        group = make_group(slug="erasmus", title="Erasmus for young Kazakhs")
        other = make_group(slug="raw-materials-mou", priority=2, title="Raw materials")
        eu = make_coordinator(group, "eu", email="eu@chair.example", full_name="Eva Europa")
        kz = make_coordinator(group, "kz", email="kz@chair.example", full_name="Askar Kazakh")
        make_coordinator(other, "eu", email="other@chair.example")
        member_org = add_member(group, name="Steppe Youth")
        make_admin(org=member_org, email="admin@member.example", notify_group_updates=notify)
        make_user(org=member_org, email="member@member.example", notify_group_updates=notify)
        make_admin(org=make_org(status=VERIFIED, name="Outside Org"), email="out@side.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        meeting = make_meeting(group, title="Kick-off in Astana")
        return {"group": group.id, "eu": eu.id, "kz": kz.id, "meeting": meeting.id}


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def draft(app, paragraphs: int = 2, **values) -> int:
    """A draft opened by the EU co-chair, with English paragraphs."""
    with app.test_request_context():
        group = services.group_by_slug_or_404("erasmus")
        eu = user("eu@chair.example")
        output = services.create(
            group,
            by=eu,
            kind=values.pop("kind", OutputKind.DECLARATION),
            title=values.pop("title", DRAFT_TITLE),
            **values,
        )
        for n in range(1, paragraphs + 1):
            services.add_paragraph(
                output, by=eu, texts={"en": f"Paragraph text {n}.", "ru": f"Текст {n}."}
            )
        return output.id


def published(app) -> int:
    output_id = draft(app)
    with app.test_request_context():
        output = db.session.get(JointOutput, output_id)
        services.sign(output, by=user("eu@chair.example"))
        services.sign(output, by=user("kz@chair.example"))
    return output_id


def page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


def flashed(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


# The whole way, through the pages ---------------------------------------------------------------


def test_a_draft_is_written_commented_signed_by_both_co_chairs_and_published(app, client, outbox):
    setup(app, notify=True)
    login(client, "eu@chair.example")
    assert "Open a draft" in page(client, "/outputs/groups/erasmus")
    r = client.post(
        "/outputs/groups/erasmus/new",
        data={"kind": "recommendation", "title": DRAFT_TITLE, "meeting": ""},
    )
    with app.app_context():
        output = db.session.scalar(select(JointOutput))
        output_id = output.id
        assert output.state == OutputState.DRAFT and output.kind == OutputKind.RECOMMENDATION
    assert r.headers["Location"] == f"/outputs/{output_id}"
    for n in (1, 2):
        r = client.post(
            f"/outputs/{output_id}/paragraphs",
            data={
                "text_en": f"We recommend {n}.",
                "text_ru": f"Мы рекомендуем {n}.",
                "text_kk": f"Біз ұсынамыз {n}.",
                "validated_en": "y",
            },
        )
        assert "The paragraph is added." in flashed(client, r)
    html = page(client, f"/outputs/{output_id}")
    assert "We recommend 1." in html and "Мы рекомендуем 2." in html and "Біз ұсынамыз 1." in html
    assert "Sign for the EU side" in html
    client.post("/auth/logout")

    # A person of a member organisation comments on paragraph 1.
    login(client, "member@member.example")
    with app.app_context():
        first = db.session.scalar(select(OutputParagraph.id).where(OutputParagraph.position == 1))
    html = page(client, f"/outputs/{output_id}")
    assert "Your comment on paragraph 1" in html and "Sign for" not in html
    r = client.post(
        f"/outputs/{output_id}/paragraphs/{first}/comments",
        data={f"comment-{first}-body": "Please name the Erasmus+ strand."},
    )
    html = flashed(client, r)
    assert "Please name the Erasmus+ strand." in html and "Steppe Youth" in html
    client.post("/auth/logout")

    # The EU co-chair signs; the Kazakhstan co-chair is told.
    login(client, "eu@chair.example")
    html = flashed(client, client.post(f"/outputs/{output_id}/sign"))
    assert (
        "The other co-chair&#39;s is awaited" in html or "The other co-chair's is awaited" in html
    )
    assert [m.to for m in outbox] == [["kz@chair.example"]]
    assert "Eva Europa has signed" in outbox[0].body
    client.post("/auth/logout")
    # Not public yet.
    assert client.get(f"/outputs/{output_id}").status_code == 404

    login(client, "kz@chair.example")
    html = flashed(client, client.post(f"/outputs/{output_id}/sign"))
    assert "Both co-chairs have signed: the output is published." in html
    client.post("/auth/logout")
    # The EU co-chair is told, and the members who chose the group's mail.
    published_mail = [m for m in outbox if "Published" in m.subject]
    assert sorted(to for m in published_mail for to in m.to) == [
        "admin@member.example",
        "eu@chair.example",
        "member@member.example",
    ]
    [to_chair] = [m for m in published_mail if m.to == ["eu@chair.example"]]
    assert "chose email" not in to_chair.body and "is published" in to_chair.body

    # Public now: who signed and when, at a stable address with a print-ready page.
    html = page(client, f"/outputs/{output_id}")
    assert "signed by Eva Europa" in html and "signed by Askar Kazakh" in html
    assert "Please name the Erasmus+ strand." not in html  # the drafting's comments stay inside
    printed = page(client, f"/outputs/{output_id}/print")
    assert "css/output-print.css" in printed and "We recommend 2." in printed
    assert "style=" not in printed and "<script" not in printed
    plan = page(client, "/action-plan")
    section = plan.split('id="priority-3"')[1].split("</section>")[0]
    assert DRAFT_TITLE in section and "Adopted" in section
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[0] == "output.create" and actions[-2:] == ["output.sign", "output.publish"]
        assert "output.comment" in actions


def test_the_action_plan_is_in_the_main_navigation_and_lists_every_priority(app, client):
    setup(app)
    html = page(client, "/")
    assert 'href="/action-plan"' in html
    plan = page(client, "/action-plan")
    assert "Priority 2" in plan and "Priority 3" in plan
    assert plan.count("No joint output published yet.") == 2
    assert client.get("/action-plan", headers={"Accept-Language": "ru"}).status_code == 200
    assert client.get("/action-plan", headers={"Accept-Language": "kk"}).status_code == 200


def test_a_declaration_of_a_meeting_links_to_it(app, client):
    ids = setup(app)
    output_id = draft(app, meeting_id=ids["meeting"])
    login(client, "member@member.example")
    html = page(client, f"/outputs/{output_id}")
    assert "Kick-off in Astana" in html
    assert f"/working-groups/erasmus/meetings/{ids['meeting']}" in html


def test_a_co_chair_drafts_the_declaration_of_a_meeting_from_its_page(app, client):
    ids = setup(app)
    meeting_url = f"/working-groups/erasmus/meetings/{ids['meeting']}"
    login(client, "member@member.example")
    assert "Draft the joint declaration of this meeting" not in page(client, meeting_url)
    client.post("/auth/logout")
    login(client, "kz@chair.example")
    html = page(client, meeting_url)
    link = f"/outputs/groups/erasmus/new?meeting={ids['meeting']}"
    assert "Draft the joint declaration of this meeting" in html and link in html
    form = page(client, link)
    assert f'<option selected value="{ids["meeting"]}">' in form
    r = client.post(
        "/outputs/groups/erasmus/new",
        data={"kind": "declaration", "title": "Astana declaration", "meeting": ids["meeting"]},
    )
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(JointOutput.meeting_id)) == ids["meeting"]


def test_a_meeting_of_another_group_is_refused(app, client):
    setup(app)
    with app.app_context():
        elsewhere = make_meeting(
            services.group_by_slug_or_404("raw-materials-mou"), title="Elsewhere"
        )
        elsewhere_id = elsewhere.id
    with app.test_request_context():
        with pytest.raises(NotFound):
            services.create(
                services.group_by_slug_or_404("erasmus"),
                by=user("eu@chair.example"),
                kind=OutputKind.DECLARATION,
                title="X",
                meeting_id=elsewhere_id,
            )
    login(client, "eu@chair.example")
    r = client.post(
        "/outputs/groups/erasmus/new",
        data={"kind": "declaration", "title": "X", "meeting": str(elsewhere_id)},
    )
    assert r.status_code == 422 and "Not a valid choice" in r.get_data(as_text=True)
    with app.app_context():
        assert count(JointOutput) == 0


# Rights -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["member@member.example", "admin@member.example", "other@chair.example"]
)
def test_who_does_not_co_chair_the_group_cannot_open_edit_or_sign(app, client, email):
    setup(app)
    output_id = draft(app)
    with app.app_context():
        paragraph_id = db.session.scalar(select(OutputParagraph.id).limit(1))
    login(client, email)
    assert client.get("/outputs/groups/erasmus/new").status_code == 403
    assert (
        client.post("/outputs/groups/erasmus/new", data={"kind": "report", "title": "X"})
    ).status_code == 403
    base = f"/outputs/{output_id}"
    refused = [
        client.post(f"{base}/paragraphs", data={"text_en": "Mine."}),
        client.post(f"{base}/paragraphs/{paragraph_id}/edit", data={"text_en": "Mine."}),
        client.get(f"{base}/paragraphs/{paragraph_id}/edit"),
        client.post(f"{base}/paragraphs/{paragraph_id}/delete"),
        client.post(f"{base}/paragraphs/{paragraph_id}/move", data={"direction": "down"}),
        client.post(f"{base}/sign"),
        client.post(f"{base}/state", data={"state": "sent_eu"}),
    ]
    statuses = {r.status_code for r in refused}
    # Outside the group, the draft is not even shown to exist.
    assert statuses == ({404} if email == "other@chair.example" else {403})
    with app.app_context():
        assert count(JointOutput) == 1 and count(OutputParagraph) == 2
        assert count(OutputSignoff) == 0


def test_a_co_chair_cannot_sign_twice_nor_for_the_other_side(app, client):
    setup(app)
    output_id = draft(app)
    login(client, "eu@chair.example")
    client.post(f"/outputs/{output_id}/sign")
    html = flashed(client, client.post(f"/outputs/{output_id}/sign"))
    assert "You have already signed this output." in html
    # A sign-off counts for the signer's own side only: one side is not both.
    client.post(f"/outputs/{output_id}/sign", data={"side": "kz"})
    with app.app_context():
        assert db.session.scalars(select(OutputSignoff.side)).all() == ["eu"]
        output = db.session.get(JointOutput, output_id)
        assert output.state == OutputState.DRAFT and output.published_at is None


def test_an_edit_after_a_sign_off_withdraws_it_and_says_so(app, client):
    setup(app)
    output_id = draft(app)
    with app.app_context():
        paragraph_id = db.session.scalar(select(OutputParagraph.id).limit(1))
    login(client, "eu@chair.example")
    client.post(f"/outputs/{output_id}/sign")
    html = page(client, f"/outputs/{output_id}/paragraphs/{paragraph_id}/edit")
    assert "Saving a change withdraws the sign-offs given" in html
    r = client.post(
        f"/outputs/{output_id}/paragraphs/{paragraph_id}/edit",
        data={"text_en": "Changed.", "validated_en": "y"},
    )
    html = flashed(client, r)
    assert "the sign-offs given are withdrawn: both co-chairs need to sign again" in html
    with app.app_context():
        assert count(OutputSignoff) == 0
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "output.paragraph_edit")
        )
        assert entry.before["signed"] == ["eu"]
    # Saving the paragraph unchanged keeps a sign-off.
    client.post(f"/outputs/{output_id}/sign")
    r = client.post(
        f"/outputs/{output_id}/paragraphs/{paragraph_id}/edit",
        data={"text_en": "Changed.", "validated_en": "y"},
    )
    assert "withdrawn" not in flashed(client, r)
    with app.app_context():
        assert count(OutputSignoff) == 1
    # Reordering is an edit too.
    r = client.post(
        f"/outputs/{output_id}/paragraphs/{paragraph_id}/move", data={"direction": "down"}
    )
    assert "sign-offs given are withdrawn" in flashed(client, r)
    with app.app_context():
        positions = db.session.scalars(
            select(OutputParagraph.id).order_by(OutputParagraph.position)
        ).all()
        assert positions[-1] == paragraph_id and count(OutputSignoff) == 0


def test_co_chairs_remove_and_reorder_paragraphs_and_validate_languages(app, client):
    setup(app)
    output_id = draft(app, paragraphs=3)
    with app.app_context():
        ids = db.session.scalars(select(OutputParagraph.id).order_by(OutputParagraph.id)).all()
    login(client, "kz@chair.example")
    client.post(f"/outputs/{output_id}/paragraphs/{ids[2]}/move", data={"direction": "up"})
    client.post(f"/outputs/{output_id}/paragraphs/{ids[0]}/delete")
    client.post(
        f"/outputs/{output_id}/paragraphs/{ids[1]}/edit",
        data={"text_en": "Two.", "text_kk": "Екі.", "validated_kk": "y"},
    )
    with app.app_context():
        rows = db.session.scalars(select(OutputParagraph).order_by(OutputParagraph.position)).all()
        assert [(p.id, p.position) for p in rows] == [(ids[2], 1), (ids[1], 2)]
        assert rows[1].status_kk.value == "validated" and rows[1].status_en.value == "draft"
    html = page(client, f"/outputs/{output_id}")
    assert "Move paragraph 1 up" not in html and "Move paragraph 2 down" not in html
    r = client.post(f"/outputs/{output_id}/paragraphs/{ids[2]}/move", data={"direction": "up"})
    assert "This paragraph cannot move further." in flashed(client, r)


def test_a_language_is_marked_validated_only_when_written(app, client):
    setup(app)
    output_id = draft(app)
    login(client, "eu@chair.example")
    r = client.post(
        f"/outputs/{output_id}/paragraphs", data={"text_en": "Only English.", "validated_ru": "y"}
    )
    assert r.status_code == 422
    assert "Only a text that is written can be marked validated." in r.get_data(as_text=True)


def test_people_of_a_suspended_organisation_cannot_act(app, client):
    setup(app)
    output_id = draft(app)
    login(client, "kz@chair.example")
    with app.test_request_context():
        kz = user("kz@chair.example")
        member = user("member@member.example")
        kz.organisation.status = OrganisationStatus.SUSPENDED
        member.organisation.status = OrganisationStatus.SUSPENDED
        db.session.commit()
        output = db.session.get(JointOutput, output_id)
        paragraph_id = output.paragraphs[0].id
        with pytest.raises(NotAllowed):
            services.sign(output, by=kz)
        with pytest.raises(NotAllowed):
            services.add_paragraph(output, by=kz, texts={"en": "Mine."})
        with pytest.raises(NotAllowed):
            services.comment(output, paragraph_id, by=member, body="Hello")
        assert not services.can_see(member, output)
    # Their session is refused too: sent to log in.
    r = client.post(f"/outputs/{output_id}/sign")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    with app.app_context():
        assert count(OutputSignoff) == 0 and count(OutputComment) == 0


def test_people_outside_the_group_cannot_comment(app, client):
    setup(app)
    output_id = draft(app)
    with app.app_context():
        paragraph_id = db.session.scalar(select(OutputParagraph.id).limit(1))
    login(client, "out@side.example")
    r = client.post(
        f"/outputs/{output_id}/paragraphs/{paragraph_id}/comments",
        data={f"comment-{paragraph_id}-body": "Let me in."},
    )
    assert r.status_code == 404
    with app.app_context():
        assert count(OutputComment) == 0


@pytest.mark.parametrize("who", [None, "out@side.example", "other@chair.example"])
def test_drafts_are_never_shown_outside_the_group(app, client, who):
    setup(app)
    output_id = draft(app, title="Secret draft title")
    if who:
        login(client, who)
    assert client.get(f"/outputs/{output_id}").status_code == 404
    assert client.get(f"/outputs/{output_id}/print").status_code == 404
    for url in ("/outputs/groups/erasmus", "/action-plan", "/api/v1/outputs"):
        r = client.get(url)
        if r.status_code == 404 and url.startswith("/api/"):
            continue
        assert "Secret draft title" not in r.get_data(as_text=True), url


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_a_comment_does_not_name_an_organisation_suspended_or_closed_since(app, client, status):
    setup(app)
    output_id = draft(app)
    with app.test_request_context():
        output = db.session.get(JointOutput, output_id)
        services.comment(
            output, output.paragraphs[0].id, by=user("member@member.example"), body="Our view."
        )
        make_user(org=add_member(output.group, name="Second Member"), email="two@second.example")
        user("member@member.example").organisation.status = OrganisationStatus(status)
        db.session.commit()
    login(client, "two@second.example")
    html = page(client, f"/outputs/{output_id}")
    assert "Our view." in html and "Steppe Youth" not in html
    client.post("/auth/logout")
    login(client, "sec@eesc.example")
    assert "Steppe Youth" in page(client, f"/outputs/{output_id}")


def test_the_members_and_the_secretariat_see_the_draft(app, client):
    setup(app)
    output_id = draft(app, title="Inner draft")
    for email in ("member@member.example", "sec@eesc.example"):
        login(client, email)
        assert "Inner draft" in page(client, f"/outputs/{output_id}")
        assert "Inner draft" in page(client, "/outputs/groups/erasmus")
        assert "Inner draft" not in page(client, "/action-plan")
        client.post("/auth/logout")


# Endorsements -----------------------------------------------------------------------------------


def test_an_organisation_admin_endorses_and_withdraws(app, client):
    setup(app)
    output_id = published(app)
    login(client, "member@member.example")
    assert "Endorse for my organisation" not in page(client, f"/outputs/{output_id}")
    assert client.post(f"/outputs/{output_id}/endorse").status_code == 403
    client.post("/auth/logout")
    login(client, "out@side.example")
    assert client.post(f"/outputs/{output_id}/endorse").status_code == 403
    client.post("/auth/logout")
    login(client, "admin@member.example")
    html = flashed(client, client.post(f"/outputs/{output_id}/endorse"))
    assert "Your organisation endorses this output." in html
    endorsed = html.split('id="endorsements"')[1]
    assert "Steppe Youth" in endorsed and "Withdraw our endorsement" in endorsed
    html = flashed(client, client.post(f"/outputs/{output_id}/endorse"))
    assert "already endorses" in html
    with app.app_context():
        assert count(OutputEndorsement) == 1
    html = flashed(client, client.post(f"/outputs/{output_id}/endorsement/withdraw"))
    assert "endorsement is withdrawn" in html
    with app.app_context():
        assert count(OutputEndorsement) == 0


def test_a_draft_cannot_be_endorsed(app, client):
    setup(app)
    output_id = draft(app)
    login(client, "admin@member.example")
    assert "is not published yet" in flashed(client, client.post(f"/outputs/{output_id}/endorse"))


# The follow-up ----------------------------------------------------------------------------------


def test_the_follow_up_moves_through_its_states_with_dates_and_the_answer(app, client):
    setup(app)
    output_id = published(app)
    login(client, "kz@chair.example")
    r = client.post(
        f"/outputs/{output_id}/state", data={"state": "sent_eu", "note": "To the EEAS."}
    )
    assert "The output is now “Sent to the EU institutions”." in flashed(client, r)
    client.post("/auth/logout")
    login(client, "sec@eesc.example")
    client.post(f"/outputs/{output_id}/state", data={"state": "sent_kz"})
    r = client.post(
        f"/outputs/{output_id}/state",
        data={
            "state": "answered",
            "answer_text": "The Ministry welcomes the recommendation.",
            "answer_url": "https://gov.kz/answer/1",
        },
    )
    assert r.status_code == 302
    client.post(f"/outputs/{output_id}/state", data={"state": "closed", "note": "Done."})
    html = page(client, f"/outputs/{output_id}")
    for words in (
        "Sent to the EU institutions",
        "Sent to the Kazakh authorities",
        "The Ministry welcomes the recommendation.",
        'href="https://gov.kz/answer/1"',
        "Closed",
    ):
        assert words in html
    assert "Record the next step" not in html  # closed: the follow-up is over
    with app.app_context():
        steps = db.session.scalars(
            select(OutputTransition.to_state).order_by(OutputTransition.id)
        ).all()
        assert [s.value for s in steps] == ["adopted", "sent_eu", "sent_kz", "answered", "closed"]
        assert count(AuditEntry, AuditEntry.action == "output.state") == 4
    plan = page(client, "/action-plan")
    assert plan.count("Sent to the EU institutions") == 1 and "Closed" in plan


def test_invalid_transitions_are_refused_with_a_clear_message(app, client):
    setup(app)
    output_id = draft(app)
    login(client, "eu@chair.example")
    r = client.post(f"/outputs/{output_id}/state", data={"state": "adopted"})
    assert "adopted only when both co-chairs have signed it" in flashed(client, r)
    with app.app_context():
        assert count(OutputTransition) == 0
    output_id = published(app)
    r = client.post(f"/outputs/{output_id}/state", data={"state": "answered"})
    assert r.status_code == 422 and "Not a valid choice" in r.get_data(as_text=True)
    client.post(f"/outputs/{output_id}/state", data={"state": "sent_eu"})
    r = client.post(f"/outputs/{output_id}/state", data={"state": "answered"})
    assert r.status_code == 422
    assert "Give the text of the answer received." in r.get_data(as_text=True)
    r = client.post(f"/outputs/{output_id}/state", data={"state": "nonsense"})
    assert r.status_code == 422
    with app.test_request_context():
        output = db.session.get(JointOutput, output_id)
        with pytest.raises(services.NotANextStep, match="cannot become"):
            services.move(output, by=user("eu@chair.example"), to=OutputState.ADOPTED)
        services.move(output, by=user("eu@chair.example"), to=OutputState.CLOSED)
        for state in OutputState:
            with pytest.raises(services.NotANextStep):
                services.move(output, by=user("eu@chair.example"), to=state)
    r = client.post(f"/outputs/{output_id}/state", data={"state": "sent_kz"})
    assert "This output is closed: its follow-up is over." in flashed(client, r)


def test_the_state_machine_allows_only_its_steps():
    assert services.FOLLOW_UP[OutputState.DRAFT] == ()
    assert services.FOLLOW_UP[OutputState.CLOSED] == ()
    for state, nexts in services.FOLLOW_UP.items():
        assert OutputState.ADOPTED not in nexts and OutputState.DRAFT not in nexts
        assert state not in nexts


def test_a_published_output_can_no_longer_be_edited_or_signed(app, client):
    setup(app)
    output_id = published(app)
    with app.app_context():
        paragraph_id = db.session.scalar(select(OutputParagraph.id).limit(1))
    login(client, "eu@chair.example")
    r = client.post(f"/outputs/{output_id}/paragraphs", data={"text_en": "Late."})
    assert "can no longer be changed" in flashed(client, r)
    r = client.post(f"/outputs/{output_id}/sign")
    assert "already published" in flashed(client, r)
    r = client.get(f"/outputs/{output_id}/paragraphs/{paragraph_id}/edit")
    assert "can no longer be changed" in flashed(client, r)
    with app.app_context():
        assert count(OutputParagraph) == 2 and count(OutputSignoff) == 2


def test_signing_needs_a_text(app, client):
    setup(app)
    output_id = draft(app, paragraphs=0)
    login(client, "eu@chair.example")
    assert "Add at least one paragraph" in flashed(
        client, client.post(f"/outputs/{output_id}/sign")
    )
    with app.app_context():
        assert count(OutputSignoff) == 0


# Bad input --------------------------------------------------------------------------------------


def test_empty_and_oversized_texts_are_refused_beside_the_field(app, client):
    setup(app)
    output_id = draft(app, paragraphs=0)
    login(client, "eu@chair.example")
    r = client.post(f"/outputs/{output_id}/paragraphs", data={"text_en": "   "})
    assert r.status_code == 422
    assert "Write the paragraph in at least one language." in r.get_data(as_text=True)
    r = client.post(f"/outputs/{output_id}/paragraphs", data={"text_ru": "я" * 10_001})
    assert r.status_code == 422 and "10000" in r.get_data(as_text=True)
    r = client.post(f"/outputs/{output_id}/paragraphs", data={"text_kk": "ә" * 10_000})
    assert r.status_code == 302
    r = client.post("/outputs/groups/erasmus/new", data={"kind": "report", "title": ""})
    assert r.status_code == 422
    r = client.post("/outputs/groups/erasmus/new", data={"kind": "poem", "title": "X" * 301})
    assert r.status_code == 422
    with app.app_context():
        paragraph = db.session.scalar(select(OutputParagraph))
        assert count(OutputParagraph) == 1 and len(paragraph.text_kk) == 10_000
        assert count(JointOutput) == 1
        paragraph_id = paragraph.id
    client.post("/auth/logout")
    login(client, "member@member.example")
    r = client.post(
        f"/outputs/{output_id}/paragraphs/{paragraph_id}/comments",
        data={f"comment-{paragraph_id}-body": ""},
    )
    assert r.status_code == 422 and "Your comment on paragraph 1" in r.get_data(as_text=True)
    r = client.post(
        f"/outputs/{output_id}/paragraphs/{paragraph_id}/comments",
        data={f"comment-{paragraph_id}-body": "x" * 10_001},
    )
    assert r.status_code == 422
    with app.app_context():
        assert count(OutputComment) == 0


def test_markup_is_shown_as_text(app, client):
    setup(app)
    output_id = draft(app, paragraphs=0, title="<b>Bold</b> title")
    login(client, "eu@chair.example")
    client.post(
        f"/outputs/{output_id}/paragraphs",
        data={"text_en": '<script>alert("x")</script>', "text_ru": "<img src=x onerror=1>"},
    )
    html = page(client, f"/outputs/{output_id}")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img src=x" not in html and "&lt;b&gt;Bold&lt;/b&gt; title" in html


def test_forged_ids_are_not_found(app, client):
    setup(app)
    output_id = draft(app)
    other_id = draft(app, title="Another")
    with app.app_context():
        foreign = db.session.scalar(
            select(OutputParagraph.id).where(OutputParagraph.output_id == other_id)
        )
    login(client, "eu@chair.example")
    assert client.get("/outputs/999999").status_code == 404
    assert client.get("/outputs/99999999999999").status_code == 404
    assert client.post("/outputs/999999/sign").status_code == 404
    assert client.get("/outputs/groups/no-such-group").status_code == 404
    for r in (
        client.post(f"/outputs/{output_id}/paragraphs/{foreign}/delete"),
        client.post(f"/outputs/{output_id}/paragraphs/{foreign}/edit", data={"text_en": "X"}),
        client.post(f"/outputs/{output_id}/paragraphs/999999/move", data={"direction": "up"}),
    ):
        assert r.status_code == 404
    assert (
        client.post(
            f"/outputs/{output_id}/paragraphs/{foreign}/move", data={"direction": "sideways"}
        ).status_code
        == 400
    )
    with app.app_context():
        assert count(OutputParagraph) == 4


def test_an_answer_link_must_be_a_web_address(app, client):
    setup(app)
    output_id = published(app)
    login(client, "eu@chair.example")
    client.post(f"/outputs/{output_id}/state", data={"state": "sent_kz"})
    r = client.post(
        f"/outputs/{output_id}/state",
        data={"state": "answered", "answer_text": "Yes.", "answer_url": "javascript:alert(1)"},
    )
    assert r.status_code == 422
    r = client.post(
        f"/outputs/{output_id}/state",
        data={"state": "answered", "answer_text": "Yes.", "answer_url": "javascript://x.org/%0a1"},
    )
    assert r.status_code == 422
    assert "Enter a web address starting with https://." in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(JointOutput, output_id).state == OutputState.SENT_KZ


def test_the_visibility_rule_for_outputs():
    from eukz_platform import visibility

    assert visibility.can_see_output(None, published=True)
    assert not visibility.can_see_output(None, published=False, group_member=True)


# The read API ------------------------------------------------------------------------------------


def test_the_api_lists_published_outputs_only(app, client):
    setup(app)
    draft_id = draft(app, title="Secret draft title")
    output_id = published(app)
    with app.test_request_context():
        services.endorse(db.session.get(JointOutput, output_id), by=user("admin@member.example"))
    for who in (None, "member@member.example", "sec@eesc.example"):
        if who:
            login(client, who)
        body = client.get("/api/v1/outputs").get_json()
        assert [item["id"] for item in body["items"]] == [output_id]
        assert body["total"] == 1 and body["page"] == 1
        assert client.get(f"/api/v1/outputs/{draft_id}").status_code == 404
        if who:
            client.post("/auth/logout")
    [item] = client.get("/api/v1/outputs").get_json()["items"]
    assert item["kind"] == "joint_output" and item["type"] == "declaration"
    assert item["state"] == "adopted" and item["group"] == "erasmus" and item["priority"] == 3
    assert sorted(s["side"] for s in item["signoffs"]) == ["eu", "kz"]
    assert [o["name"] for o in item["endorsed_by"]] == ["Steppe Youth"]
    assert [s["state"] for s in item["steps"]] == ["adopted"]
    assert item["url"].endswith(f"/outputs/{output_id}")
    detail = client.get(f"/api/v1/outputs/{output_id}").get_json()
    assert detail["paragraphs"][0]["texts"]["en"] == {
        "text": "Paragraph text 1.",
        "status": "draft",
    }
    assert detail["paragraphs"][0]["texts"]["ru"]["text"] == "Текст 1."
    assert client.get("/api/v1/outputs/99999999999").status_code == 404
    r = client.get("/api/v1/outputs?state=draft")
    assert r.status_code == 400 and r.get_json()["error"]
    assert "/outputs" in client.get("/api/v1/openapi.json").get_json()["paths"]


@pytest.mark.parametrize("protection", ["members_only", "hide_memberships"])
def test_organisations_at_risk_are_not_named_to_the_public_as_taking_part(app, client, protection):
    """An organisation visible to members only, or hiding its groups from the public: visitors
    are not told that it endorses or co-signed an output (page, print page, API); members
    are."""
    setup(app)
    output_id = published(app)
    with app.test_request_context():
        services.endorse(db.session.get(JointOutput, output_id), by=user("admin@member.example"))
        for email in ("admin@member.example", "kz@chair.example"):
            setattr(user(email).organisation, protection, True)
        kz_org = user("kz@chair.example").organisation.name
        db.session.commit()
    for address in (f"/outputs/{output_id}", f"/outputs/{output_id}/print"):
        html = page(client, address)
        assert "Steppe Youth" not in html and kz_org not in html
    item = client.get(f"/api/v1/outputs/{output_id}").get_json()
    assert item["endorsed_by"] == []
    assert {s["side"]: s["organisation"] for s in item["signoffs"]}["kz"] is None
    login(client, "out@side.example")  # a person of another verified organisation: a member
    html = page(client, f"/outputs/{output_id}")
    assert "Steppe Youth" in html and kz_org in html
    item = client.get(f"/api/v1/outputs/{output_id}").get_json()
    assert [o["name"] for o in item["endorsed_by"]] == ["Steppe Youth"]
