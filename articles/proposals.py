"""Propose an article's quotations, and who said them, for an editor to accept or reject.

Nothing here writes a Quote: it proposes, an editor decides (articles.models.QuoteProposal).
Two steps, each a short list of rules that hold for news writing in general, in the manner of
rule-based quotation attribution (Pouliquen et al., 2007; Quotebank's candidates, Vaucher 2021):

1. Quotations (find_quotations): the words inside quotation marks, straight (" ') or curly
   (“ ” ‘ ’), the outermost pair when marks nest. An apostrophe (don’t, allies’) is not a mark.
   A double quotation left open ends with its paragraph, as a quotation that runs over several
   paragraphs does in news copy; the next paragraph's own opening mark continues it. The
   sentence's closing comma or full stop inside the marks is not part of the quoted words.
2. Speakers (propose_quotations): read from the attribution cue of the quotation's sentence,
   quoted words masked out so a name inside a quotation is never its speaker, first rule that
   applies:
   a. a speech verb right after the closing mark: “…,” said Kevin Roberts / “…,” she added /
      “…,” according to a senior official;
   b. a name and a colon right before the opening mark: Stoltenberg: “…”;
   c. the last speech verb before the quotation in its sentence, and its subject: Caldwell told
      Politico, “…” / he reportedly told Johnson that Ukraine is “…” (an apposition between the
      subject and the verb is skipped; a participle such as "…, stating" takes the subject of
      its sentence, "Merkel, who said" Merkel, "quoted the minister as saying" the minister);
   d. a clause that closes the sentence: …a “two-tiered alliance”…, Bloomberg reported;
   e. a quotation that goes on with the one before keeps its speaker: it opens a paragraph after
      an open one, or is a sentence of its own right after the sentence that quoted them
      (“A,” Rutte told reporters. “B.”).
   The subject is then read: a name found among the people the archive knows (name, alias, or a
   surname alone once the text has named them in full) is that person; a pronoun (he, she) is
   the last person named before it; another personal name is proposed as a new person; anything
   else (the agency, Trump's spokesperson, an anonymous official) is only a label for the
   editor. With no cue there is no speaker: the archive never guesses one.
3. Proposals for editors (propose_quotes_for, accept_proposal, reject_proposal): proposals are
   stored in the text of an article's latest capture whenever one is archived
   (articles.capture); an editor accepts one (through the quote form, as a quote added by hand,
   in that capture), correcting its speaker and saying how the words reached the article
   first, or rejects it.
"""

import re
from dataclasses import dataclass, replace

from anyascii import anyascii
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles.forms import QuoteForm, occurrences
from articles.models import Person, Quote, QuoteProposal


def _word_set(words):
    return frozenset(words.split())


# Opening mark -> the mark that closes it.
QUOTE_PAIRS = {"“": "”", "‘": "’", "«": "»", '"': '"', "'": "'"}
DOUBLE_MARKS = {"“", "«", '"'}

# Every form of the verbs that introduce reported speech.
SPEECH_VERBS = _word_set(
    """
    say says said saying tell tells told telling add adds added adding write writes wrote
    writing written state states stated stating explain explains explained explaining note notes
    noted noting claim claims claimed claiming vow vows vowed vowing report reports reported
    suggest suggests suggested suggesting argue argues argued arguing insist insists insisted
    insisting warn warns warned warning declare declares declared declaring announce announces
    announced announcing reply replies replied replying respond responds responded responding
    remark remarks remarked acknowledge acknowledges acknowledged acknowledging admit admits
    admitted admitting comment comments commented commenting tweet tweets tweeted tweeting post
    posted recall recalls recalled recalling promise promises promised promising pledge pledges
    pledged pledging urge urges urged urging testify testifies testified testifying concede
    concedes conceded conceding predict predicts predicted predicting maintain maintains
    maintained maintaining stress stresses stressed stressing emphasise emphasises emphasised
    emphasising emphasize emphasizes emphasized emphasizing confirm confirms confirmed confirming
    deny denies denied denying answer answers answered answering ask asks asked asking call calls
    called calling describe describes described describing criticise criticises criticised
    criticising criticize criticizes criticized criticizing express expresses expressed
    expressing dismiss dismisses dismissed dismissing reject rejects rejected rejecting hail hails
    hailed condemn condemns condemned condemning accuse accuses accused accusing praise praises
    praised praising decry decries decried dub dubs dubbed branded label labels labelled labeled
    quip quips quipped joke
    jokes joked assert asserts asserted asserting contend contends contended observe observes
    observed conclude concludes concluded complain complains complained complaining boast boasts
    boasted reveal reveals revealed revealing
    """
)
# Participles that hang on the sentence's subject: "Trump criticized X, stating that it was …".
PARTICIPLE_SUFFIX = "ing"

# Words between a subject and its verb that are not the subject: "he reportedly told".
AUXILIARIES = _word_set(
    """
    has have had was were is are will would could should may might can did does do also then
    later again once previously further not never just already
    """
)
# Words that end a subject phrase on their left: the subject is what follows them.
CLAUSE_BOUNDARIES = _word_set(
    """
    that after before as when while because since although though if whereas where which until
    unless so but or nor than whether once
    """
)
PERSONAL_PRONOUNS = {"he", "she"}
# Before a word, they make it a noun: "his remarks", "the report".
DETERMINERS = _word_set("the a an his her its their our my your this that these those")
# Titles and ranks before a name; the personal name follows the last of them.
TITLES = _word_set(
    """
    president vice prime minister secretary general gen lt lieutenant col colonel maj major capt
    captain sgt sergeant adm admiral senator sen rep representative congressman congresswoman
    governor gov mayor judge justice chancellor speaker ambassador chief director chairman
    chairwoman chair commissioner dr mr mrs ms miss mx prof professor rev reverend pope king queen
    prince princess sir dame lord lady former ex acting deputy interim leader spokesman
    spokeswoman spokesperson retired army navy foreign defense defence finance house senate
    attorney premier envoy minority majority whip ceo founder
    """
)
# Capitalised words that never start or make up a personal name.
NOT_NAME_WORDS = _word_set(
    """
    the a an this that these those his her its their our my your in on at as by for from of to
    with and but or nor so yet still however meanwhile moreover instead also then now later
    earlier today yesterday tomorrow if when while after before during since although though
    despite according following amid unlike like what why how who where which there here it he
    she they we you i one another some many most several both each every no not
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december
    """
)
# Words that make a capitalised phrase an organisation, place or document, not a person.
ORGANISATION_WORDS = _word_set(
    """
    foundation institute council committee commission agency ministry department office party
    university college bank group press news times post journal report association union
    organization organisation center centre alliance forces government administration republic
    kingdom states nations company inc ltd corp club court fund service services network media
    magazine radio television campaign movement front board authority police church school
    hospital museum project program programme initiative summit treaty kremlin pentagon
    parliament congress assembly street city county province region house hill
    """
)
NAME_PARTICLES = {"de", "van", "von", "der", "den", "da", "di", "du", "la", "le", "bin", "al"}
MAX_SUBJECT_WORDS = 12
# The longest description and new name a proposal holds (QuoteProposal's fields).
MAX_LABEL_LENGTH = 300
MAX_NAME_LENGTH = 200
CONTINUED = " (the quotation before)"  # the cue of a quotation that goes on from the one before
# "“…,” the foreign minister told reporters": after a quotation, a short subject, then the verb.
MAX_ATTRIBUTION_WORDS = 6

WORD = re.compile(r"\w(?:[\w’'.-]*\w)?\.?")
# A sentence ends before a capital, a digit or a quotation (masked: MASK), after a closing mark
# too (masked as well).
SENTENCE_END = re.compile(r"[.!?][”’\"')\]\x00]*\s+(?=[^\s\w\x00]*[A-Z0-9\x00])|\n+")
ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Maj|Capt|Sgt|Adm|Sen"
                          r"|Rep|Gov|St|Jr|Sr|Rev|No|vs|etc|Inc|Ltd|Co|Corp))\.$")  # fmt: skip
COMMA = re.compile(",")
SPACES = re.compile(r"[ \t]*")
LINE_BREAKS = re.compile(r"\n+")
MASK = "\x00"  # stands in for quoted words, so no rule reads them as attribution


@dataclass(frozen=True)
class KnownPerson:
    """A person the archive knows, as the rules need them."""

    pk: int
    name: str
    aliases: tuple = ()


@dataclass
class Quotation:
    start: int  # offsets of the quoted words in the text, marks excluded
    end: int
    marks: tuple  # (offset of the opening mark, offset of the closing mark or None)
    continues_previous: bool = False  # opens a paragraph after an unclosed quotation


@dataclass
class ProposedQuote:
    text: str
    start: int
    end: int
    person: KnownPerson | None = None
    new_speaker: str = ""  # a personal name that matches no one the archive knows
    speaker_label: str = ""  # how the text describes a speaker it does not name
    cue: str = ""  # the attribution words the speaker was read from

    @property
    def speaker_name(self):
        return self.person.name if self.person else None

    def as_json(self):
        return {"text": self.text, "start": self.start, "end": self.end,
                "speaker": self.speaker_name}  # fmt: skip


@dataclass
class _Speaker:
    person: KnownPerson | None = None
    new_speaker: str = ""
    label: str = ""
    cue: str = ""


def _bounded(speaker):
    """A description or name longer than a proposal holds describes or names no one: dropped."""
    return replace(
        speaker,
        label=speaker.label if len(speaker.label) <= MAX_LABEL_LENGTH else "",
        new_speaker=speaker.new_speaker if len(speaker.new_speaker) <= MAX_NAME_LENGTH else "",
    )


@dataclass
class _Token:
    text: str  # without a possessive ’s
    start: int
    end: int
    possessive: bool = False

    @property
    def is_capitalised(self):
        return self.text[:1].isupper()

    @property
    def key(self):
        return name_key(self.text)


def name_key(text):
    """How names compare: case, accents, apostrophes and dots ignored (Lt. = Lt, O’Brien), and
    letters transliterated, as papers print names without them (Władysław = Wladyslaw)."""
    return " ".join(anyascii(text).casefold().replace(".", " ").split())


def tokens_of(text, offset=0):
    found = []
    for match in WORD.finditer(text):
        word, start = match.group().rstrip("."), match.start() + offset
        possessive = word[-2:] in ("’s", "'s")
        found.append(_Token(word[:-2] if possessive else word, start, start + len(word),
                            possessive))  # fmt: skip
    return found


# 1. Quotations


def find_quotations(text):
    """The outermost quotations of each paragraph, in text order."""
    quotations, previous_unclosed = [], False
    for paragraph in re.finditer(r"[^\n]+", text):
        found, unclosed = _quotations_in(paragraph.group(), paragraph.start())
        if found and previous_unclosed and found[0].marks[0] == paragraph.start():
            found[0].continues_previous = True
        quotations.extend(found)
        previous_unclosed = unclosed
    return [q for q in (_trimmed(q, text) for q in quotations) if q is not None]


def _quotations_in(paragraph, offset):
    found, open_marks = [], []  # open_marks: [(mark, position)], outermost first
    for index, char in enumerate(paragraph):
        closing = [i for i, (mark, _) in enumerate(open_marks) if QUOTE_PAIRS[mark] == char]
        if closing and _can_close(paragraph, index):
            outer = closing[-1]
            opened = open_marks[outer][1]
            # Outermost unless inside a double quotation (a single mark left open outside it
            # was an apostrophe: '90s); what it encloses was a quotation within it.
            if not any(mark in DOUBLE_MARKS for mark, _ in open_marks[:outer]):
                found = [span for span in found if span[0] < opened]
                found.append((opened, index))
            del open_marks[outer:]  # an inner mark left open was an apostrophe
        elif char in QUOTE_PAIRS and _can_open(paragraph, index):
            open_marks.append((char, index))
    unclosed = [position for mark, position in open_marks if mark in DOUBLE_MARKS]
    if unclosed:
        found.append((unclosed[0], None))
    quotations = [
        Quotation(offset + opened + 1, offset + (len(paragraph) if closed is None else closed),
                  (offset + opened, None if closed is None else offset + closed))
        for opened, closed in found
    ]  # fmt: skip
    return quotations, bool(unclosed)


def _can_open(paragraph, index):
    before = paragraph[index - 1] if index else " "
    after = paragraph[index + 1] if index + 1 < len(paragraph) else " "
    if paragraph[index] in "“‘«":
        return not (paragraph[index] == "‘" and before.isalnum())
    # A straight mark opens after a space or bracket and before a word: "word or 'word.
    return (before.isspace() or before in "([{—–-:") and not after.isspace()


def _can_close(paragraph, index):
    before = paragraph[index - 1] if index else " "
    after = paragraph[index + 1] if index + 1 < len(paragraph) else " "
    if before.isalnum() and after.isalnum():
        return False  # don’t, O'Brien: an apostrophe
    return paragraph[index] in "”»" or not before.isspace()


def _trimmed(quotation, text):
    """Without surrounding spaces and the sentence's own closing comma or full stop: the words
    as the archive keeps text (normalised), so they stand at their offsets once stored."""
    spanned = text[quotation.start : quotation.end]
    words = spanned.strip()
    if words.endswith((",", ".")) and not words.endswith("..") and not ABBREVIATION.search(words):
        words = words[:-1].rstrip()
    if not any(char.isalnum() for char in words):
        return None
    quotation.start += len(spanned) - len(spanned.lstrip())
    quotation.end = quotation.start + len(words)
    return quotation


# 2. Speakers


class PeopleIndex:
    """The archive's people by the names a text may call them."""

    def __init__(self, people):
        self.by_name = {}  # full names and aliases
        self.by_surname = {}  # surnames that only one person has
        for person in people:
            for name in (person.name, *person.aliases):
                self.by_name.setdefault(name_key(name), set()).add(person)
            self.by_surname.setdefault(name_key(person.name.split()[-1]), set()).add(person)
        self.longest = max((len(key.split()) for key in self.by_name), default=0)

    def person_in(self, name_tokens, introduced=frozenset()):
        """The one known person a run of capitalised words names, if any.

        A multi-word name may stand anywhere in the run ("Russian President Vladimir Putin"); a
        one-word alias only alone after titles, so that "Mary Trump" is not taken for Donald
        Trump. A surname alone names someone only once the text introduced them by full name
        (news writing's "Dan Caldwell, …" then "Caldwell").
        """
        core = _without_titles(name_tokens)
        for length in range(min(self.longest, len(name_tokens)), 0, -1):
            for first in range(len(name_tokens) - length + 1):
                words = name_tokens[first : first + length]
                if length == 1 and (len(core) != 1 or words[0] is not core[0]):
                    continue
                people = self.by_name.get(" ".join(token.key for token in words), set())
                if len(people) == 1:
                    return next(iter(people))
        if len(core) == 1:
            people = self.by_surname.get(core[0].key, set())
            if len(people) == 1 and people <= introduced:
                return next(iter(people))
        return None


def _without_titles(name_tokens):
    last_title = max(
        (i for i, token in enumerate(name_tokens) if token.key in TITLES | NOT_NAME_WORDS),
        default=-1,
    )
    return name_tokens[last_title + 1 :]


def propose_quotations(text, people):
    """ProposedQuotes for every quotation in the text, speakers read from the cues around them."""
    return _Attribution(text, PeopleIndex(people)).proposals()


class _Attribution:
    def __init__(self, text, index):
        self.text = text
        self.index = index
        self.quotations = find_quotations(text)
        self.masked = self._masked()
        self.sentences = list(sentence_spans(self.masked))
        self.mentions = self._known_mentions()  # [(end offset, _Speaker)], in text order
        self.full_names = self._full_names()  # [(end offset, name)] of people it does not know

    def proposals(self):
        speakers = []
        for position, quotation in enumerate(self.quotations):
            speaker = self._speaker_of(quotation)
            if not speaker.cue and position and self._continues(position):
                cue = speakers[-1].cue.removesuffix(CONTINUED) + CONTINUED
                speaker = replace(speakers[-1], cue=cue)
            if speaker.new_speaker:
                self.mentions.append((quotation.end, speaker))
                self.mentions.sort(key=lambda mention: mention[0])
            speakers.append(speaker)
        # A quotation over several paragraphs is often attributed only in its last one.
        for position in range(len(speakers) - 2, -1, -1):
            if not speakers[position].cue and self.quotations[position + 1].continues_previous:
                speakers[position] = speakers[position + 1]
        return [
            ProposedQuote(self.text[q.start : q.end], q.start, q.end, speaker.person,
                          speaker.new_speaker, speaker.label, speaker.cue)
            for q, speaker in zip(self.quotations, map(_bounded, speakers), strict=True)
        ]  # fmt: skip

    def _continues(self, position):
        """A quotation goes on with the words of the one before it when it opens a paragraph
        after an open one, or is a sentence of its own right after the sentence that quoted
        them: “A,” Rutte told reporters. “B.”"""
        quotation, previous = self.quotations[position], self.quotations[position - 1]
        if quotation.continues_previous:
            return True
        start, end = self._sentence_of(quotation.marks[0])
        _, previous_end = self._sentence_of(previous.marks[0])
        closed = quotation.marks[1]
        return (
            previous_end == start == quotation.marks[0]
            and "\n" not in self.text[previous.marks[0] : start]
            and closed is not None
            and not self.masked[closed + 1 : end].strip(" .!?\n")
        )

    def _masked(self):
        """The text with every quotation's marks and words masked, less a sentence's end inside
        it, so sentences still end where they did."""
        masked = list(self.text)
        for quotation in self.quotations:
            opened, closed = quotation.marks
            if closed is None:  # to its paragraph's end
                closed = self.text.find("\n", opened)
                closed = len(self.text) if closed == -1 else closed
            for position in range(opened, min(closed + 1, len(self.text))):
                if not (position == closed - 1 and self.text[position] in ".!?"):
                    masked[position] = MASK
        return "".join(masked)

    def _known_mentions(self):
        mentions, introduced = [], set()
        for run in _capitalised_runs(tokens_of(self.masked)):
            person = self.index.person_in(run, introduced)
            if person:
                mentions.append((run[-1].end, _Speaker(person=person)))
                introduced.add(person)
        return mentions

    def _full_names(self):
        """Where the text names someone in full whom the archive does not know, whatever it
        says of them: "Defence Minister Władysław Kosiniak-Kamysz visited …"."""
        names = []
        for run in _capitalised_runs(tokens_of(self.masked)):
            core = _without_titles(run)
            if _looks_like_a_personal_name(core) and not self.index.person_in(run):
                names.append((run[-1].end, " ".join(token.text for token in core)))
        return names

    def _introduced_before(self, position):
        return {speaker.person for end, speaker in self.mentions if end <= position}

    def _sentence_of(self, position):
        return next((start, end) for start, end in self.sentences if start <= position < end)

    def _speaker_of(self, quotation):
        opened, closed = quotation.marks
        sentence_start, sentence_end = self._sentence_of(opened)
        after = closed + 1 if closed is not None else quotation.end
        # “Why now?” Merkel asked: the attribution may follow the quotation's own full stop.
        next_word = SPACES.match(self.masked, after).end()
        in_paragraph = next_word < len(self.text) and self.text[next_word] != "\n"
        attribution_end = self._sentence_of(next_word)[1] if in_paragraph else after
        rules = [
            lambda: self._cue_right_after(after, attribution_end),
            lambda: self._name_before_colon(sentence_start, opened),
            lambda: self._last_cue_before(sentence_start, opened),
            lambda: self._closing_clause(after, sentence_end),
        ]
        for rule in rules:
            speaker = rule()
            if speaker:
                return speaker
        return _Speaker()

    # The rules, in the order they are tried.

    def _cue_right_after(self, after, sentence_end):
        """“…,” said Kevin Roberts / “…,” Roberts said / “…,” he added / “…,” according to X."""
        return self._attribution_between(after, self._next_mask(after, sentence_end))

    def _attribution_between(self, start, end):
        """A speech verb that opens the words, or follows a short subject that does."""
        words = tokens_of(self.masked[start:end], start)
        if _is_according_to(words[:2]):
            return self._speaker_after(words[1].end, end, "according to")
        if words and words[0].key in SPEECH_VERBS:
            return self._speaker_after(words[0].end, end, words[0].text)
        for position, word in enumerate(words[:MAX_ATTRIBUTION_WORDS]):
            if word.key in CLAUSE_BOUNDARIES | {"and"}:
                return None  # "“…” and suggested": the verb goes with the sentence's subject
            if _is_speech_verb(words, position):
                return self._speaker_before(start, word)
        return None

    def _name_before_colon(self, sentence_start, opened):
        """Stoltenberg: “…”."""
        head = self.masked[sentence_start:opened].rstrip()
        if not head.endswith(":"):
            return None
        words = tokens_of(head[:-1], sentence_start)[-MAX_ATTRIBUTION_WORDS:]
        run = _trailing_name(words)
        if not run:
            return None  # "The plan has two parts:" names no speaker
        speaker = self._speaker_named(run, ":")
        return speaker if speaker.person or speaker.new_speaker else None

    def _last_cue_before(self, sentence_start, opened):
        """Caldwell told Politico, “…” / he vowed to end the war “…” / according to X, “…”."""
        words = tokens_of(self.masked[sentence_start:opened], sentence_start)
        for position in range(len(words) - 1, -1, -1):
            word = words[position]
            if _is_according_to(words[position : position + 2]):
                return self._speaker_after(words[position + 1].end, opened, "according to")
            if _is_speech_verb(words, position) and position and words[position - 1].key == "as":
                return self._quoted_as_saying(sentence_start, words[: position - 1], word)
            if _is_speech_verb(words, position):
                previous = self.masked[sentence_start : word.start].rstrip()
                if word.key.endswith(PARTICIPLE_SUFFIX) and previous.endswith(","):
                    return self._sentence_subject(sentence_start, word)
                if previous.endswith(" and"):
                    return self._sentence_subject(sentence_start, word)
                return self._speaker_before(sentence_start, word)
        return None

    def _quoted_as_saying(self, sentence_start, words, verb):
        """ "Reuters quoted the minister as saying “…”": the one quoted; "the minister was quoted
        as saying": the subject."""
        quoted = next((word for word in reversed(words) if word.key == "quoted"), None)
        if quoted is None:
            return None
        cue = f"quoted as {verb.text}"
        named = [word for word in words if word.start > quoted.end]
        if not named:
            return self._speaker_before(sentence_start, replace(quoted, text=cue))
        phrase = self.masked[named[0].start : named[-1].end]
        return self._speaker_from(phrase, named[0].start, cue)

    def _closing_clause(self, after, sentence_end):
        """…a concept of “a two-tiered alliance” in which …, Bloomberg reported."""
        for comma in COMMA.finditer(self.masked, after, sentence_end):
            clause_end = self.masked.find(",", comma.end(), sentence_end)
            speaker = self._attribution_between(
                comma.end(), sentence_end if clause_end == -1 else clause_end
            )
            if speaker:
                return speaker
        return None

    # Reading the speaker out of the words around a cue.

    def _speaker_before(self, clause_start, verb):
        """The subject of a speech verb: the words before it, back to where its clause starts,
        less auxiliaries and adverbs, and less an apposition set off by commas."""
        words = tokens_of(self.masked[clause_start : verb.start], clause_start)
        while words and (words[-1].key in AUXILIARIES or _is_adverb(words[-1])):
            words.pop()
        if not words:
            return None
        # The comma that closes an apposition stays: "Caldwell, a defense expert, told".
        before_end = verb.start if self._has_clause_break(words[-1].end, verb.start) else None
        before = self.masked[clause_start : before_end or words[-1].end]
        subject_start, subject_end = _subject_span(before, clause_start)
        if subject_end <= subject_start:
            return None
        if self.masked[subject_start:subject_end].casefold() == "who":
            # "Merkel, who said in 2015 that “…”": the one the clause is about.
            return self._speaker_before(clause_start, replace(verb, start=subject_start))
        return self._speaker_from(self.masked[subject_start:subject_end], subject_start, verb.text)

    def _speaker_after(self, position, limit, cue):
        """The speaker named after an inverted verb or "according to": up to a comma or clause."""
        phrase = re.match(r"[^,;:.\n\x00]*", self.masked[position:limit]).group()
        words = tokens_of(phrase, position)
        kept = []
        for word in words:
            if word.key in CLAUSE_BOUNDARIES and kept:
                break
            kept.append(word)
        if not kept or kept[0].key in NOT_NAME_WORDS - {"the", "a", "an", "he", "she"}:
            return None  # "said on Tuesday": no speaker named here
        return self._speaker_from(self.text[kept[0].start : kept[-1].end], kept[0].start, cue)

    def _sentence_subject(self, sentence_start, verb):
        """For "…, stating that …" and "… and said …": the name or pronoun the sentence opens with,
        after an opening phrase such as "In June,"."""
        sentence = self.masked[sentence_start : verb.start]
        for segment in re.finditer(r"[^,]+", sentence):
            words = tokens_of(segment.group(), sentence_start + segment.start())
            if not words or words[0].key in NOT_NAME_WORDS - PERSONAL_PRONOUNS:
                continue
            if words[0].key in PERSONAL_PRONOUNS:
                return self._speaker_from(words[0].text, words[0].start, verb.text)
            run = _leading_name(words)
            return self._speaker_named(run, verb.text) if run else None
        return None

    def _speaker_from(self, phrase, offset, cue):
        words = tokens_of(phrase, offset)
        if not words or len(words) > MAX_SUBJECT_WORDS:
            return None
        if len(words) == 1 and words[0].key in PERSONAL_PRONOUNS:
            return self._antecedent(words[0].start, cue)
        label = " ".join(phrase.split())
        if any(word.key in ("and", "&") for word in words):
            return _Speaker(label=label, cue=cue)  # several speakers: none of them alone
        run = _trailing_name(words)
        if run:
            return self._speaker_named(run, cue)
        return _Speaker(label="" if label.casefold() in NOT_NAME_WORDS else label, cue=cue)

    def _speaker_named(self, run, cue):
        person = self.index.person_in(run, self._introduced_before(run[0].start))
        if person:
            return _Speaker(person=person, cue=cue)
        core = _without_titles(run)
        name = " ".join(token.text for token in core)
        earlier = self._earlier_new_speaker(core)
        if earlier:
            return _Speaker(new_speaker=earlier, cue=cue)
        if _looks_like_a_personal_name(core):
            return _Speaker(new_speaker=name, cue=cue)
        return _Speaker(label=" ".join(token.text for token in core or run), cue=cue)

    def _earlier_new_speaker(self, core):
        """A surname alone for someone this article already named in full as a speaker, or
        else in passing."""
        if len(core) != 1:
            return ""
        for _, named in self.mentions:
            if named.new_speaker and name_key(named.new_speaker).split()[-1] == core[0].key:
                return named.new_speaker
        return self._named_in_passing(core[0])

    def _named_in_passing(self, surname):
        """The one full name of that surname the text gave before it ("Defence Minister
        Władysław Kosiniak-Kamysz visited …", then "Kosiniak-Kamysz said"), unless someone the
        archive knows has that surname: which of them is meant is then the editor's to say."""
        if surname.key in self.index.by_surname:
            return ""
        named = {
            name_key(name): name
            for end, name in self.full_names
            if end <= surname.start and name_key(name).split()[-1] == surname.key
        }
        return next(iter(named.values())) if len(named) == 1 else ""

    def _antecedent(self, position, cue):
        """The last person named before a pronoun, in its paragraph or the two before."""
        paragraph_starts = [0] + [m.end() for m in LINE_BREAKS.finditer(self.text, 0, position)]
        window_start = paragraph_starts[-3:][0]
        earlier = [named for end, named in self.mentions if window_start <= end <= position]
        if not earlier:
            return _Speaker(cue=cue)
        return _Speaker(person=earlier[-1].person, new_speaker=earlier[-1].new_speaker, cue=cue)

    def _next_mask(self, position, limit):
        found = self.masked.find(MASK, position, limit)
        return limit if found == -1 else found

    def _has_clause_break(self, start, end):
        return any(char in ",;:()" for char in self.masked[start:end])


def sentence_spans(masked):
    """(start, end) of each sentence of a text (its quotations masked, or not): a full stop, ? or
    ! before a capital, a digit or a quotation ends one, unless it ends an abbreviation; so does
    a line break."""
    start = 0
    for boundary in SENTENCE_END.finditer(masked):
        if ABBREVIATION.search(masked[start : boundary.start() + 1]):
            continue  # "Lt. Gen. Keith Kellogg", "U.S. officials"
        yield start, boundary.end()
        start = boundary.end()
    yield start, len(masked)


def _subject_span(before, offset):
    """Where the subject of a verb stands in the words before it.

    "Dan Caldwell, a defense expert familiar with…, told" -> "Dan Caldwell": segments set off by
    commas that start in lower case (an apposition, an aside such as "speaking anonymously") are
    skipped. The subject starts after the last clause boundary ("after Trump claimed" -> Trump).
    """
    segments = [(m.start(), m.end()) for m in re.finditer(r"[^,;:—–()]+", before)]
    segments = _merge_numbers(before, segments)
    if before.rstrip().endswith(","):
        while len(segments) > 1 and _is_apposition(before[slice(*segments[-1])]):
            segments.pop()
    if not segments:
        return offset, offset
    start, end = segments[-1]
    words = tokens_of(before[start:end], offset + start)
    cut = max((i for i, word in enumerate(words) if word.key in CLAUSE_BOUNDARIES), default=-1)
    words = words[cut + 1 :]
    if not words:
        return offset, offset
    return words[0].start, words[-1].end


def _merge_numbers(text, segments):
    """A date keeps its year: "July 2, 2024" is one segment."""
    merged = []
    for start, end in segments:
        if merged and text[start:end].strip().isdigit() and len(text[start:end].strip()) == 4:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _is_apposition(segment):
    first = segment.strip()[:1]
    return not first or first.islower() or first.isdigit()


def _is_speech_verb(words, position):
    """A speech verb, not the noun it can also be: "his remarks", "Bloomberg's report"."""
    if words[position].key not in SPEECH_VERBS:
        return False
    previous = words[position - 1] if position else None
    if previous is None or words[position].start - previous.end > 1:
        return True  # nothing right before it: "…that “…”, adding"
    return not (previous.key in DETERMINERS or previous.possessive)


def _is_adverb(token):
    return token.text.islower() and token.text.endswith("ly") and len(token.text) > 4


def _is_according_to(words):
    return len(words) == 2 and words[0].key == "according" and words[1].key == "to"


def _capitalised_runs(tokens):
    """Runs of capitalised words with nothing but a space between them, a possessive ending one."""
    runs, run = [], []
    for token in tokens:
        joined = run and token.start - run[-1].end <= 1 and not run[-1].possessive
        if token.is_capitalised or (run and token.key in NAME_PARTICLES):
            if run and not joined:
                runs.append(run)
                run = []
            run.append(token)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def _trailing_name(words):
    """The capitalised words that end a phrase, if it ends with a name ("the agency" doesn't; in
    "Trump's spokesperson" the possessive is not the head)."""
    if not words or not words[-1].is_capitalised or words[-1].possessive:
        return []
    run = [words[-1]]
    for token in reversed(words[:-1]):
        if token.possessive or token.end < run[0].start - 1:
            break
        if not (token.is_capitalised or token.key in NAME_PARTICLES):
            break
        run.insert(0, token)
    return run


def _leading_name(words):
    run = []
    for token in words:
        if not token.is_capitalised or (run and token.start > run[-1].end + 1):
            break
        run.append(token)
        if token.possessive:
            return []  # "Trump's team said": the team speaks
    return run


def _looks_like_a_personal_name(core):
    """Two to four capitalised words, none of them an organisation's, a month or an acronym."""
    if not 2 <= len(core) <= 4:
        return False
    return all(
        token.key not in ORGANISATION_WORDS | NOT_NAME_WORDS
        and not (token.text.isupper() and len(token.text) > 1)
        and (token.is_capitalised or token.key in NAME_PARTICLES)
        for token in core
    )


# 3. Proposals for editors


def known_people():
    return [
        KnownPerson(pk, name, tuple(aliases))
        for pk, name, aliases in Person.objects.values_list("pk", "name", "aliases")
    ]


@transaction.atomic
def propose_quotes_for(article):
    """Propose the quotations of an archived article, in the text of its latest capture (where
    a new quote is read), again if asked: proposals still waiting are replaced; decided ones are
    left as they are, and words an editor already decided on, or already made a quote, in any
    capture of the article are not proposed again."""
    capture = article.latest_capture
    article.quote_proposals.filter(status=QuoteProposal.Status.PROPOSED).delete()
    taken = {*article.quote_proposals.values_list("text", flat=True)}
    taken |= {*article.quotes.values_list("text", flat=True)}
    return QuoteProposal.objects.bulk_create(
        QuoteProposal(
            article=article,
            capture=capture,
            text=proposal.text,
            start_offset=proposal.start,
            end_offset=proposal.end,
            speaker_id=proposal.person.pk if proposal.person else None,
            new_speaker_name=proposal.new_speaker,
            speaker_label=proposal.speaker_label,
            cue=proposal.cue,
        )
        for proposal in propose_quotations(capture.text, known_people())
        if proposal.text not in taken
    )


@transaction.atomic
def accept_proposal(proposal, editor):
    """The proposal's Quote, made by the quote form in the proposal's capture at its exact
    offsets, as an editor adding it by hand would (in that capture even when the article has a
    newer one since), with how the words reached the article as the editor said; a proposed new
    speaker becomes a person. ValidationError says why not."""
    proposal = _undecided(proposal)
    speaker = proposal.speaker
    if speaker is None and proposal.new_speaker_name:
        speaker = _person_named(proposal.new_speaker_name)
    if speaker is None and not proposal.speaker_label:
        raise ValidationError(
            "Say who said it before accepting: choose a speaker, or describe them in the speaker "
            'label (e.g. "an anonymous official").'
        )
    starts = occurrences(proposal.text, proposal.capture.text)
    form = QuoteForm(
        data={
            "article": proposal.article_id,
            "text": proposal.text,
            "occurrence": starts.index(proposal.start_offset) + 1,
            "speaker": speaker.pk if speaker else "",
            "speaker_label": "" if speaker else proposal.speaker_label,
            "occasion_date_precision": "unknown",
            "transmission": proposal.transmission,
            "transmission_note": proposal.transmission_note,
        },
        instance=Quote(capture=proposal.capture),
    )
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    quote = form.save()
    proposal.speaker, proposal.new_speaker_name, proposal.quote = speaker, "", quote
    _decide(proposal, QuoteProposal.Status.ACCEPTED, editor)
    return quote


def _person_named(name):
    """The person a proposed new speaker's name names: someone the archive knows by it, as
    proposals compare names (any case, or an alias), since added (by accepting a proposal of
    the same name, say); else a new person."""
    known = PeopleIndex(known_people()).by_name.get(name_key(name), set())
    if len(known) > 1:
        raise ValidationError(
            f"{len(known)} people are called {name}: choose one as the speaker before accepting."
        )
    if known:
        return Person.objects.get(pk=next(iter(known)).pk)
    return Person.objects.create(name=name)


@transaction.atomic
def reject_proposal(proposal, editor):
    _decide(_undecided(proposal), QuoteProposal.Status.REJECTED, editor)


def _undecided(proposal):
    locked = QuoteProposal.objects.select_for_update(of=("self",))
    locked = locked.select_related("capture", "speaker", "decided_by")
    try:
        proposal = locked.get(pk=proposal.pk)
    except QuoteProposal.DoesNotExist:
        raise ValidationError(
            "This proposal is no longer waiting: the article's quotations were proposed again "
            "since (a newer capture, or “Propose quotes and claims again”). Decide on its new "
            "proposals."
        ) from None
    if proposal.status != QuoteProposal.Status.PROPOSED:
        raise ValidationError(
            f"This proposal was already {proposal.status} by {proposal.decided_by}."
        )
    return proposal


def _decide(proposal, status, editor):
    proposal.status, proposal.decided_by, proposal.decided_at = status, editor, timezone.now()
    proposal.save()


def form_errors(form):
    """A form's errors in words (the quote or appearance form's): a speaker is missing, the text
    moved, and so on."""
    messages = []
    for field_name, errors in form.errors.items():
        label = "" if field_name == "__all__" else f"{form.fields[field_name].label}: "
        messages.extend(f"{label}{error}" for error in errors)
    return " ".join(messages)
