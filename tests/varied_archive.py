"""A small archive varied enough to tell right counts from wrong ones.

The seed corpus is uniform (every claim reported, one outlet, no year-only dates), so a facet bug
can pass on it. This archive has every status; several outlets, two articles of one outlet
reporting the same claim, and articles without an outlet; day, month and year precision and
undated claims, some on the same day; people with two roles in one claim; claims without actors,
topics or source; and quotes whose words stand two and three times, or overlap.
"""

import datetime

from claims.models import Claim, ClaimActor
from core.dates import DatePrecision
from tests import factories

DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
CLAIMANT, PROPOSER, SUBJECT = (
    ClaimActor.Role.CLAIMANT,
    ClaimActor.Role.PROPOSER,
    ClaimActor.Role.SUBJECT,
)
S = Claim.Status

REPEATED_BODY = (
    "“no,” he said. Asked again, he said “no”.\n\n"
    "A third time: “no deal without guarantees for Ukraine”."
)

# (date, precision, status, actors, topics, articles, source) per claim; names are keys below.
CLAIMS = [
    ("2024-07-04", DAY, S.REPORTED, [("p1", CLAIMANT), ("p1", SUBJECT)], ["t1", "t2"],
     ["a1", "a2"], "s1"),
    ("2024-07-01", MONTH, S.CORROBORATED, [("p2", CLAIMANT), ("p1", PROPOSER)], ["t1"],
     ["a3"], "s2"),
    ("2024-01-01", YEAR, S.DISPUTED, [("p3", CLAIMANT)], ["t2"], ["a5"], None),
    ("2024-01-15", DAY, S.DENIED, [("p1", CLAIMANT)], ["t3"], ["a1", "a4"], "s1"),
    ("2024-01-01", MONTH, S.RETRACTED, [("p4", CLAIMANT)], ["t1", "t3"], ["a4"], "s2"),
    (None, None, S.REPORTED, [("p5", CLAIMANT)], ["t4"], [], None),
    (None, None, S.DISPUTED, [("p1", CLAIMANT), ("p2", CLAIMANT)], ["t1"], ["a3", "a5"], None),
    ("2023-12-31", DAY, S.CORROBORATED, [("p2", SUBJECT)], ["t2"], ["a2"], None),
    ("2023-01-01", YEAR, S.REPORTED, [("p3", CLAIMANT), ("p3", PROPOSER), ("p4", SUBJECT)],
     ["t1", "t2", "t3"], ["a1", "a3", "a4", "a5"], "s1"),
    ("2023-07-01", MONTH, S.REPORTED, [], [], ["a2"], None),
    ("2022-03-03", DAY, S.RETRACTED, [("p5", CLAIMANT)], ["t4"], [], "s2"),
    ("2024-07-04", DAY, S.REPORTED, [("p2", CLAIMANT)], ["t1"], ["a1"], "s1"),
    ("2024-07-01", MONTH, S.DISPUTED, [("p4", PROPOSER)], ["t3"], ["a5"], None),
]  # fmt: skip


def build_varied_archive():
    """Make the archive; returns {key: row} for its outlets, articles, people, topics, sources
    and quotes, and "claims": the claims in the order of CLAIMS."""
    rows = {
        "o1": factories.make_outlet(name="Alpha Times"),
        "o2": factories.make_outlet(name="Beta Post"),
        "o3": factories.make_outlet(name="Gamma Wire"),
        "s1": factories.make_source(
            publisher="Politico", title="Politico report on NATO", title_is_supplied=True
        ),
        "s2": factories.make_source(
            publisher="Bloomberg", title="Bloomberg report", title_is_supplied=True
        ),
    }
    article_outlets = {"a1": "o1", "a2": "o1", "a3": "o2", "a4": "o3", "a5": None}
    for key, outlet in article_outlets.items():
        rows[key] = factories.make_article(
            title=f"Article {key}", outlet=rows.get(outlet), body=REPEATED_BODY
        )
    for number in range(1, 6):
        rows[f"p{number}"] = factories.make_person(name=f"Person {number}")
    for number, name in enumerate(["NATO expansion", "Ukraine aid", "Article 5", "Sanctions"], 1):
        rows[f"t{number}"] = factories.make_topic(name=name)
    rows.update(_quotes(rows["a1"], rows["p1"]))
    rows["claims"] = [_claim(number, spec, rows) for number, spec in enumerate(CLAIMS, 1)]
    return rows


def _quotes(article, speaker):
    """“no” at its second and third place, and two quotes that overlap."""
    body = article.body
    second = body.index("no", body.index("no") + 1)
    third = body.index("no deal")
    overlapping = body.index("deal without guarantees")
    return {
        "q_second": factories.make_quote(article, "no", start_offset=second, speaker=speaker),
        "q_third": factories.make_quote(article, "no", start_offset=third),
        "q_long": factories.make_quote(article, "no deal without guarantees"),
        "q_overlap": factories.make_quote(
            article, "deal without guarantees for Ukraine", start_offset=overlapping
        ),
    }


def _claim(number, spec, rows):
    date, precision, status, actors, topics, articles, source = spec
    return factories.make_claim(
        statement=f"Varied claim {number}.",
        status=status,
        claimed_date=datetime.date.fromisoformat(date) if date else None,
        claimed_date_precision=precision or DatePrecision.UNKNOWN,
        actors=[(rows[person], role) for person, role in actors],
        topics=[rows[key] for key in topics],
        articles=[rows[key] for key in articles],
        source=rows.get(source),
        evidence=[rows["q_second"]] if number == 1 else [],
    )
