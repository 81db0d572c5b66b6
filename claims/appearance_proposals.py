"""Propose where an archived article reports the archive's claims, and the claims it makes that
the archive does not hold yet, for an editor to accept, correct or reject.

Nothing here writes an Appearance or a Claim on its own: it proposes (AppearanceProposal), an
editor decides. Whenever a capture is archived (inside its transaction: articles.signals) the
latest text of its article is matched against every claim (claims.matching), in a savepoint: a
failure is logged and the capture is archived all the same, without proposals, which "Propose
again" makes later.

- Appearance proposals: a claim, the sentence that reports it best, its score, whom the sentence
  credits (its attribution: "according to a report by Politico", "Bloomberg reported") and the
  source it cites (a source whose publisher the sentence names; the claim's own source first).
- New-claim candidates: sentences that report no claim of the archive but say that someone
  said, reported, plans or considers something ("would", "is mulling", "said"), and name people
  the archive knows: those are the candidate's actors, the one its attribution names the
  claimant.
"""

import hashlib
import logging
import re

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from articles.forms import occurrences
from articles.models import Person
from articles.proposals import form_errors
from articles.signals import proposals_wanted
from claims.forms import AppearanceForm
from claims.matching import (
    MODEL_NAME,
    ClaimText,
    Vocabulary,
    WordShares,
    embed,
    match,
    passages,
    short_vectors,
)
from claims.models import (
    Appearance,
    AppearanceProposal,
    Claim,
    ClaimActor,
    ClaimVector,
    Source,
    SpellingVariant,
)
from core.admin import history_paused
from core.versions import record_created

logger = logging.getLogger(__name__)

# Below this many claims, word rarity is counted among the claims compared, not from statistics.
MIN_CLAIMS_FOR_STATISTICS = 1000
# Claims embedded at once when vectors are made (a batch of 10,000 takes about 100 MB).
VECTOR_BATCH = 10_000

# "according to a report by Politico", up to the clause's end.
ACCORDING_TO = re.compile(r"\b[Aa]ccording to [^,.;:!?]{2,120}")
# "Bloomberg reported", "The Politico report suggests", "Trump has repeatedly said": a short
# subject (capitalised, or a few words after "the") and a verb of reporting.
REPORTING_VERB = (
    r"(?:reported|reports|said|says|stated|states|noted|notes|highlighted|stressed|stresses"
    r"|suggested|suggests|claimed|claims|told \w+|wrote|writes|argued|argue|argues|hinted"
    r"|explained|referenced|underlined|maintained|vowed|warned|added|announced|confirmed)"
)
NAME = r"[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*){0,3}"
SUBJECT_AND_VERB = re.compile(
    r"(?:\b(?:[Tt]he|[Tt]hese|[Tt]wo|[Ss]ome)(?: [\w’'-]+){1,3}|" + NAME +
    r"|\b[Cc]ritics|\b[Ss]ources|\b[Oo]fficials)"
    r"(?: (?:also|repeatedly|have|has|had|reportedly|previously|recently))* " + REPORTING_VERB
    + r"\b"
)  # fmt: skip
# "…,” said Kevin Roberts": a verb of speech, then who.
VERB_AND_SPEAKER = re.compile(r"\b(?:said|says|told|added|wrote) " + NAME)
# What makes a sentence a claim: someone said or reported that someone would, plans, considers.
CLAIM_CUE = re.compile(
    r"\b(?:would|will|plans?|planning|planned|consider(?:s|ing|ed)?|mull(?:s|ing|ed)?"
    r"|weigh(?:s|ing|ed)?|propos(?:e|es|ed|ing)|intends?|intended|wants?|wanted|aims?|expects?"
    r"|vow(?:s|ed)?|promis(?:e|es|ed)|pledg(?:e|es|ed)|said|says|told|reported|claimed"
    r"|suggested|hinted|argued|warned)\b"
)


def vocabulary():
    """The archive's spelling variants and people's aliases, as claims.matching compares words."""
    groups = [terms for terms in SpellingVariant.objects.values_list("terms", flat=True)]
    groups += [[name, *aliases] for name, aliases in Person.objects.values_list("name", "aliases")]
    return Vocabulary.from_groups(groups)


class ClaimIndex:
    """The archive's claims as claims.matching looks through them: the first pass over the short
    vectors the database keeps (made here for the claims that have none yet, or whose statement
    changed since), then the full texts of the nearest claims."""

    def __init__(self, *, leave_out_article=None):
        self.vocabulary = vocabulary()
        self.leave_out_article = leave_out_article

    def short_vectors(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.id, v.vector, CASE WHEN v.vector IS NULL THEN c.statement END"
                " FROM claims_claim c LEFT JOIN claims_claimvector v ON v.claim_id = c.id"
                " AND v.model = %s AND v.statement_md5 = md5(c.statement) ORDER BY c.id",
                [MODEL_NAME],
            )
            rows = cursor.fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float16)
        missing = [(pk, statement) for pk, vector, statement in rows if vector is None]
        made = self._make_vectors(missing)
        vectors = [made[pk] if vector is None else bytes(vector) for pk, vector, _ in rows]
        pks = np.array([pk for pk, _, _ in rows], dtype=np.int64)
        return pks, np.frombuffer(b"".join(vectors), dtype=np.float16).reshape(len(rows), -1)

    @staticmethod
    def _make_vectors(missing):
        """Vectors for (pk, statement) pairs, stored; a batch at a time, so that an archive
        loaded in bulk (a million claims) is embedded in bounded memory."""
        made = {}
        for first in range(0, len(missing), VECTOR_BATCH):
            batch = missing[first : first + VECTOR_BATCH]
            vectors = short_vectors(embed([statement for _, statement in batch]))
            rows = [
                ClaimVector(
                    claim_id=pk,
                    model=MODEL_NAME,
                    statement_md5=hashlib.md5(statement.encode()).hexdigest(),
                    vector=vector.tobytes(),
                )
                for (pk, statement), vector in zip(batch, vectors, strict=True)
            ]
            ClaimVector.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["claim"],
                update_fields=["model", "statement_md5", "vector"],
            )
            made.update((row.claim_id, row.vector) for row in rows)
        return made

    def claim_texts(self, pks):
        reported_as = {}
        appearances = Appearance.objects.filter(claim__in=pks)
        if self.leave_out_article is not None:
            appearances = appearances.exclude(article=self.leave_out_article)
        for claim, text in appearances.values_list("claim", "text"):
            reported_as.setdefault(claim, []).append(text)
        return [
            ClaimText(pk, statement, tuple(reported_as.get(pk, ())), publisher or "")
            for pk, statement, publisher in Claim.objects.filter(pk__in=pks).values_list(
                "pk", "statement", "source__publisher"
            )
        ]

    def word_shares(self):
        """The share of claims that use each word, as PostgreSQL's statistics of the claims'
        search vectors (statement and notes) estimate it: ANALYZE, which autovacuum runs, counts
        the most common words of a sample (777 words at 100,000 claims); a word it does not list
        counts as the rarest it does. None before the claims have statistics: claims.matching
        then counts the words of the claims it compares."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
                " WHERE schemaname = current_schema() AND tablename = %s AND attname = %s"
                # A few claims' statistics say little, and go stale between ANALYZEs.
                " AND (SELECT reltuples FROM pg_class WHERE oid = %s::regclass) >= %s",
                [
                    Claim._meta.db_table,
                    "search_vector",
                    Claim._meta.db_table,
                    MIN_CLAIMS_FOR_STATISTICS,
                ],
            )
            row = cursor.fetchone()
        if row is None or row[0] is None:
            return None
        lexemes, frequencies = row
        # The lexemes' frequencies, then the lowest of them, the highest, and the share of
        # empty vectors (pg_stats in PostgreSQL's documentation).
        shares = dict(zip(lexemes, frequencies[: len(lexemes)], strict=True))
        return WordShares(shares, rarest=frequencies[-3])


def propose_appearances(text, *, leave_out_article=None):
    """Matches (claims.matching) of the text against the archive's claims; stores nothing."""
    return match(text, ClaimIndex(leave_out_article=leave_out_article))


@receiver(proposals_wanted)
def propose_when_archived(sender, article, **kwargs):
    """A failure here must not cost the capture: it is logged, and the capture is archived
    without appearance proposals (its savepoint rolled back)."""
    try:
        with transaction.atomic():
            propose_appearances_for(article)
    except Exception:
        logger.exception(
            "Proposing the claims of article %s failed; it was archived without appearance "
            "proposals (propose them again from the admin).",
            article.pk,
        )


@transaction.atomic
def propose_appearances_for(article):
    """Propose, in the text of the article's latest capture, the claims it reports and the new
    claims it makes, again if asked: proposals still waiting are replaced; claims the article
    already reports in its words (an appearance), and proposals an editor decided, are not
    proposed again."""
    capture = article.latest_capture
    article.appearance_proposals.filter(status=AppearanceProposal.Status.PROPOSED).delete()
    decided = article.appearance_proposals.values_list("claim", "text")
    decided_claims = {claim for claim, _ in decided if claim is not None}
    decided_texts = {text for claim, text in decided if claim is None}
    decided_claims |= {*article.claim_appearances.values_list("claim", flat=True)}
    matches = propose_appearances(capture.text)
    publishers = _publishers()
    claim_sources = dict(
        Claim.objects.filter(pk__in=[m.claim for m in matches], source__isnull=False).values_list(
            "pk", "source"
        )
    )
    proposals = [
        AppearanceProposal(
            article=article,
            capture=capture,
            claim_id=found.claim,
            text=found.text,
            start_offset=found.start,
            end_offset=found.end,
            score=round(found.score, 3),
            attribution=attribution,
            source_id=_cited_source(attribution, publishers, claim_sources.get(found.claim)),
        )
        for found in matches
        for attribution in [attribution_in(found.text)]
        if found.claim not in decided_claims
    ]
    people = _people_index()
    candidates = []
    for passage in passages(capture.text):
        if passage.text in decided_texts or any(
            m.start < passage.end and passage.start < m.end for m in matches
        ):
            continue
        named = people.named_in(passage.text)
        attribution = attribution_in(passage.text)
        if not named or not CLAIM_CUE.search(passage.text):
            continue
        claimant = people.named_in(attribution)
        proposal = AppearanceProposal(
            article=article,
            capture=capture,
            text=passage.text,
            start_offset=passage.start,
            end_offset=passage.end,
            attribution=attribution,
            source_id=_cited_source(attribution, publishers, None),
            new_statement=passage.text,
            claimant_id=claimant[0] if len(claimant) == 1 else None,
        )
        candidates.append((proposal, named))
    created = AppearanceProposal.objects.bulk_create(
        proposals + [proposal for proposal, _ in candidates]
    )
    AppearanceProposal.actors.through.objects.bulk_create(
        AppearanceProposal.actors.through(appearanceproposal_id=proposal.pk, person_id=person)
        for proposal, named in candidates
        for person in named
    )
    # As proposed, before any editor's correction: the first version of each in its history.
    record_created(created, reason="Proposed by the archive.")
    return created


def attribution_in(text):
    """Whom the words credit, as they stand in them: "according to …", "Bloomberg reported",
    "said Kevin Roberts"; empty when they credit no one."""
    for pattern in (ACCORDING_TO, SUBJECT_AND_VERB, VERB_AND_SPEAKER):
        found = pattern.search(text)
        if found:
            return found.group().strip()[:300]
    return ""


def _publishers():
    """Each publisher the archive's sources name, with its sources' ids."""
    publishers = {}
    for pk, publisher in Source.objects.values_list("pk", "publisher"):
        publishers.setdefault(publisher, []).append(pk)
    return publishers


def _names(publisher, attribution):
    return publisher in attribution and re.search(
        rf"(?<!\w){re.escape(publisher)}(?!\w)", attribution
    )


def _cited_source(attribution, publishers, claim_source):
    """The id of the source a passage cites: the claim's own source when whom the passage
    credits is its publisher ("according to a report by Politico"); else the only source of the
    one publisher it credits. None when that can't be told: the archive never guesses one."""
    named = [p for p in publishers if _names(p, attribution)]
    if claim_source is not None and any(claim_source in publishers[p] for p in named):
        return claim_source
    if len(named) == 1 and len(publishers[named[0]]) == 1:
        return publishers[named[0]][0]
    return None


class _People:
    def __init__(self, rows):
        self.names = {}
        for pk, name, aliases in rows:
            for term in (name, *aliases):
                if len(term) > 2:
                    self.names.setdefault(term, set()).add(pk)
        terms = sorted(self.names, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")(?!\w)")
            if terms
            else None
        )

    def named_in(self, text):
        """The ids of the people the text names (a name or alias naming one person only)."""
        if self.pattern is None or not text:
            return []
        found = []
        for term in self.pattern.findall(text):
            people = self.names[term]
            if len(people) == 1 and (pk := next(iter(people))) not in found:
                found.append(pk)
        return found


def _people_index():
    return _People(Person.objects.values_list("pk", "name", "aliases"))


# Editors decide


@transaction.atomic
def accept_appearance_proposal(proposal, editor):
    """The proposal's Appearance, made by the appearance form in the proposal's capture at its
    offsets, as an editor adding it by hand would; the claim then lists the article. A proposal
    without a claim makes the claim first, from its statement, actors and cited source.
    ValidationError says why not.

    The claim's history records it once, by the editor: a claim made here lists the article from
    its first version; a claim the archive held gets a new version that lists it."""
    proposal = _undecided(proposal)
    new_claim = proposal.claim_id is None
    if new_claim:
        claim = _new_claim(proposal, editor)
    else:
        # Locked, so that its new version is made from the version saved now.
        claim = Claim.objects.select_for_update().get(pk=proposal.claim_id)
    if Appearance.objects.filter(claim=claim, article=proposal.article_id).exists():
        raise ValidationError(
            "This claim already has the article's words (an appearance): correct that one in "
            "the claim, or reject this proposal."
        )
    starts = occurrences(proposal.text, proposal.capture.text)
    form = AppearanceForm(
        data={
            "article": proposal.article_id,
            "text": proposal.text,
            "occurrence": starts.index(proposal.start_offset) + 1,
            "attribution": proposal.attribution,
            "source": proposal.source_id or "",
        },
        instance=Appearance(claim=claim, capture=proposal.capture),
    )
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    form.instance._history_user = editor
    appearance = form.save()
    if new_claim:
        claim.articles.add(proposal.article_id)  # recorded in version 1 (core.versions)
    else:
        with history_paused(claim):
            claim.articles.add(proposal.article_id)
        claim.save()  # a new version, recorded with its articles
    proposal.claim, proposal.appearance = claim, appearance
    _decide(proposal, AppearanceProposal.Status.ACCEPTED, editor)
    return appearance


def _new_claim(proposal, editor):
    statement = proposal.new_statement.strip()
    if not statement:
        raise ValidationError(
            "Write the new claim's statement, or choose the claim these words report."
        )
    claim = Claim(statement=statement, source=proposal.source)
    claim.full_clean()
    claim._history_user = editor
    claim.save()
    roles = {person.pk: ClaimActor.Role.SUBJECT for person in proposal.actors.all()}
    if proposal.claimant_id:
        roles[proposal.claimant_id] = ClaimActor.Role.CLAIMANT
    for person, role in roles.items():
        # Saved one by one, so that each is in the history of the claim's first version.
        actor = ClaimActor(claim=claim, person_id=person, role=role)
        actor._history_user = editor
        actor.save()
    return claim


@transaction.atomic
def reject_appearance_proposal(proposal, editor):
    _decide(_undecided(proposal), AppearanceProposal.Status.REJECTED, editor)


def _undecided(proposal):
    locked = AppearanceProposal.objects.select_for_update(of=("self",))
    locked = locked.select_related("capture", "claim", "decided_by")
    try:
        saved = locked.get(pk=proposal.pk)
    except AppearanceProposal.DoesNotExist:
        raise ValidationError(
            "This proposal is no longer waiting: the article's claims were proposed again "
            "since (a newer capture, or “Propose quotes and claims again”). Decide on its new "
            "proposals."
        ) from None
    if saved.status != AppearanceProposal.Status.PROPOSED:
        raise ValidationError(f"This proposal was already {saved.status} by {saved.decided_by}.")
    return saved


def _decide(proposal, status, editor):
    proposal.status, proposal.decided_by, proposal.decided_at = status, editor, timezone.now()
    proposal._history_user = editor
    proposal.save()
