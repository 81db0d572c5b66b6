"""An archive of three claims and an article that reports them and makes a new one, proposed
(claims.appearance_proposals): for the tests of editors deciding on appearance proposals."""

from dataclasses import dataclass

from articles.models import Article, Person
from claims.appearance_proposals import propose_appearances_for
from claims.models import AppearanceProposal, Source
from tests import factories

DEAL = "Trump would make a deal with Putin to halt NATO expansion."
PLEDGE = "NATO would commit to no further eastward expansion."
DEFENCE = "Europe would take over most of NATO's conventional defence."
PARAGRAPHS = [
    "Donald Trump would strike a deal with Putin to halt NATO expansion, according to a report "
    "by Politico.",
    "Under the plan, NATO would commit to no further eastward expansion, Bloomberg reported.",
    "European members would take over most of the alliance's conventional defence, officials said.",
    "Kevin Roberts said Donald Trump plans to cut the number of US troops stationed in Germany.",
    "The weather in Brussels was mild on Tuesday.",
]
BODY = "\n\n".join(PARAGRAPHS)


@dataclass
class Proposed:
    article: Article
    deal: AppearanceProposal  # "according to a report by Politico": Politico's report cited
    pledge: AppearanceProposal  # "Bloomberg reported"
    defence: AppearanceProposal  # "officials said": no source
    new: AppearanceProposal  # "Kevin Roberts said Donald Trump plans…": a new claim
    trump: Person
    roberts: Person
    politico: Source
    bloomberg: Source


def archive_claims():
    """The people, sources and claims the article reports."""
    known = {
        "trump": factories.make_person(name="Donald Trump", aliases=["Trump"]),
        "roberts": factories.make_person(name="Kevin Roberts"),
        "politico": factories.make_source(publisher="Politico", title="Politico report"),
        "bloomberg": factories.make_source(publisher="Bloomberg", title="Bloomberg report"),
    }
    factories.make_claim(statement=DEAL, source=known["politico"])
    factories.make_claim(statement=PLEDGE)
    factories.make_claim(statement=DEFENCE)
    return known


def waiting_proposals(article):
    """The article's waiting proposals by what they propose: "deal", "pledge", "defence", "new"."""
    names = {DEAL: "deal", PLEDGE: "pledge", DEFENCE: "defence"}
    proposals = article.appearance_proposals.filter(status="proposed").select_related("claim")
    return {names[p.claim.statement] if p.claim else "new": p for p in proposals}


def propose():
    known = archive_claims()
    article = factories.make_article(body=BODY)
    propose_appearances_for(article)
    return Proposed(article=article, **waiting_proposals(article), **known)
