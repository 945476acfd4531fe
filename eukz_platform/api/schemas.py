"""What the read API's responses hold: the types its items are built as (``serialise``, the
views), from which ``openapi`` generates the document's schemas."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal, NotRequired

from pydantic import Field, TypeAdapter, WithJsonSchema
from pydantic.json_schema import GenerateJsonSchema
from typing_extensions import TypedDict  # pydantic reads these on Python 3.11

from ..core.vocabulary import (
    COUNTRY_CODES,
    REGION_CODES,
    EESCGroup,
    OrganisationType,
    Sector,
    Side,
)

Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]
Country = Literal[COUNTRY_CODES]
Region = Literal[REGION_CODES]
Count = Annotated[int, Field(ge=0)]


class OrganisationRef(TypedDict):
    id: int | None
    name: str
    url: Url | None


class Organisation(TypedDict):
    id: int
    kind: Literal["organisation"]
    name: str
    url: Annotated[Url, Field(description="Its HTML page.")]
    acronym: str | None
    country: Country
    side: Side
    city: str | None
    region: Annotated[
        Region | None,
        Field(description="Kazakhstan's region or city of republican significance (ISO 3166-2)."),
    ]
    type: OrganisationType
    eesc_group: EESCGroup
    sectors: list[Sector]
    website: str | None
    verified: bool
    groups: Annotated[
        list[str], Field(description="Slugs of the working groups it is an active member of.")
    ]


class Contact(TypedDict):
    id: int
    kind: Literal["contact"]
    name: str
    url: Url
    role: str | None
    organisation: OrganisationRef | None
    email: NotRequired[Annotated[str, Field(description="Only where the caller may see it.")]]
    phone: NotRequired[Annotated[str, Field(description="As written.")]]
    phone_e164: NotRequired[Annotated[str | None, Field(description="E.164, for tel: links.")]]
    vcard_url: Url


class OtherName(TypedDict):
    name: str
    language: str | None


class OrganisationDetail(Organisation):
    description: str | None
    other_names: list[OtherName]
    contacts: list[Contact]


class Coordinator(TypedDict):
    name: str
    side: Literal[Side.EU, Side.KAZAKHSTAN]
    organisation: OrganisationRef | None


MembersBySide = TypedDict("MembersBySide", {side.value: Count for side in Side})


class GroupText(TypedDict):
    name: str
    purpose: str


class WorkingGroup(TypedDict):
    slug: str
    kind: Literal["working_group"]
    name: Annotated[str, Field(description="Its title, in the caller's language.")]
    url: Url
    priority: Annotated[int, Field(description="The Action Plan's priority.")]
    purpose: str
    translations: Annotated[
        dict[Literal["en", "ru", "kk"], GroupText],
        Field(description="Its title and purpose in each language it is written in (en always)."),
    ]
    moderated: bool
    coordinators: list[Coordinator]
    members_by_side: MembersBySide


class Member(TypedDict):
    id: int
    name: str
    url: Url
    country: str
    side: Side


EESCGroupKey = Literal["I", "II", "III", "none"]


class Balance(TypedDict):
    by_side: Annotated[
        dict[Side, dict[EESCGroupKey, int]],
        Field(
            description="Member organisations the caller may see, by side and by EESC group "
            "(I Employers, II Workers, III Civil Society Organisations, none)."
        ),
    ]
    unbalanced: Annotated[
        bool,
        Field(
            description="Under the platform's rule: the EU or the Kazakhstan side under a "
            "third of the members, or an EESC group I, II or III under a tenth."
        ),
    ]
    problems: Annotated[list[str], Field(description="Why, in the caller's language.")]


class WorkingGroupDetail(WorkingGroup):
    members: list[Member]
    balance: Balance


class MapGroup(TypedDict):
    slug: str
    priority: int
    name: str


class MapRow(TypedDict):
    code: Annotated[str, Field(description="ISO 3166-1 (a country) or 3166-2 (a region).")]
    name: str
    counts: Annotated[
        dict[str, int],
        Field(description="Working group slug → its member organisations there."),
    ]
    directory_urls: Annotated[
        dict[str, Url],
        Field(description="Working group slug → the directory filtered to the cell (not 0)."),
    ]


class MemberMap(TypedDict):
    groups: list[MapGroup]
    countries: Annotated[
        list[MapRow],
        Field(description="Kazakhstan, every EU member state, then other countries with members."),
    ]
    regions: Annotated[
        list[MapRow],
        Field(description="Kazakhstan's regions and cities of republican significance."),
    ]


DateTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
OutputState = Literal["draft", "adopted", "sent_eu", "sent_kz", "answered", "closed"]


class ParagraphText(TypedDict):
    text: str
    status: Literal["draft", "validated"]


class OutputParagraph(TypedDict):
    position: Annotated[int, Field(ge=1)]
    texts: Annotated[
        dict[Literal["en", "ru", "kk"], ParagraphText],
        Field(description="The paragraph in each language, each draft or validated."),
    ]


class Signoff(TypedDict):
    side: Literal["eu", "kz"]
    name: Annotated[str | None, Field(description="None once the account is deleted.")]
    organisation: str | None
    signed_at: DateTime


class OutputStep(TypedDict):
    state: OutputState
    at: DateTime
    note: str | None
    answer: Annotated[str | None, Field(description="The answer received, for that step.")]
    answer_url: Url | None


class JointOutput(TypedDict):
    id: int
    kind: Literal["joint_output"]
    type: Literal["declaration", "recommendation", "report"]
    name: Annotated[str, Field(description="Its title, in the caller's language.")]
    url: Annotated[Url, Field(description="Its HTML page (a stable address).")]
    print_url: Url
    group: Annotated[str, Field(description="The working group's slug.")]
    priority: Annotated[int, Field(description="The Action Plan's priority.")]
    state: Annotated[OutputState, Field(description="Where it stands in its follow-up.")]
    published_at: DateTime
    signoffs: Annotated[list[Signoff], Field(description="Both co-chairs, who and when.")]
    endorsed_by: list[OrganisationRef]
    steps: Annotated[list[OutputStep], Field(description="The follow-up, oldest first.")]


class JointOutputDetail(JointOutput):
    paragraphs: list[OutputParagraph]


class Listing(TypedDict):
    total: Count
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1)]
    total_is_lower_bound: NotRequired[
        Annotated[
            bool,
            Field(
                description="Present (true) when the total was capped: there are at least that many"
            ),
        ]
    ]


class FacetCount(TypedDict):
    value: str
    count: Count


class OrganisationList(Listing):
    items: list[Organisation]


class ContactList(Listing):
    items: list[Contact]


class WorkingGroupList(Listing):
    items: list[WorkingGroup]


OpportunityKind = Literal["partners", "place", "exchange", "call"]


class Opportunity(TypedDict):
    id: int
    kind: Literal["opportunity"]
    name: Annotated[str, Field(description="The post's title, as written.")]
    url: Annotated[Url, Field(description="Its HTML page.")]
    opportunity_kind: Annotated[
        OpportunityKind,
        Field(
            description="Looking for partners, offering a place in a project, exchange or "
            "traineeship, call or event."
        ),
    ]
    organisation: OrganisationRef
    priority: Annotated[str | None, Field(description="The working group's slug.")]
    sectors: list[Sector]
    countries: list[Country]
    regions: Annotated[list[str], Field(description="Kazakh regions, ISO 3166-2 (KZ-75…).")]
    languages: list[str]
    deadline: Annotated[str, Field(description="The last day (ISO 8601 date).")]
    open: bool
    outcome: Literal["partnership_formed", "no_partner_found", "deadline_passed"] | None
    link: Url | None
    audience: Literal["everyone", "members"]
    language: Literal["en", "ru", "kk"]
    created_at: str


class OpportunityDetail(Opportunity):
    description: str


class SearchList(Listing):
    items: Annotated[
        list[Organisation | Contact | Opportunity],
        Field(
            description="Organisations, contacts and open partner search posts (kind "
            "“opportunity”), each as its own list gives it."
        ),
    ]
    facets: Annotated[
        dict[str, list[FacetCount]],
        Field(description="Counts per facet value for the whole result (not only the page)."),
    ]


class OpportunityList(Listing):
    items: list[Opportunity]


class JointOutputList(Listing):
    items: list[JointOutput]


class Error(TypedDict):
    error: str
    message: str


RESPONSES = (
    Error,
    OrganisationDetail,
    WorkingGroupDetail,
    MemberMap,
    SearchList,
    OrganisationList,
    ContactList,
    WorkingGroupList,
    OpportunityDetail,
    OpportunityList,
    JointOutputDetail,
    JointOutputList,
)


class _WithoutTitles(GenerateJsonSchema):
    """Schemas without a "title" on every property (a name says it already)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


@cache
def json_schemas() -> dict:
    """The JSON Schemas of every response and what they hold, by name, referring to each other
    as ``#/components/schemas/<name>``."""
    _, top = TypeAdapter.json_schemas(
        [(t.__name__, "serialization", TypeAdapter(t)) for t in RESPONSES],
        ref_template="#/components/schemas/{model}",
        union_format="primitive_type_array",
        schema_generator=_WithoutTitles,
    )
    return top["$defs"]
