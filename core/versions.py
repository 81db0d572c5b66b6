"""A record's versions as the archive recorded them: versioned permalinks and change logs.

Every save of a versioned model (core.models.VersionedModel) increments its `version`, and
django-simple-history records the row as saved, with its many-to-many relations (the admin saves
the relations first, so one save is one record holding them). Version n of a record is the last
history record with version n: a change of relations outside the admin adds records without a
new number, and the last one is how version n stood.

A number below the newest with no record was removed from the history; a record an archivist
deleted keeps its history, but none of its versions is served: both answer 410 Gone with what
is known. A number the record never reached is a 404.
"""

import difflib
import re
from dataclasses import dataclass

from django.db import models
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import render
from simple_history.utils import get_m2m_reverse_field_name


@dataclass
class Version:
    number: int
    date: object  # datetime: when this version was recorded
    record: models.Model  # the history record
    relations: dict  # {many-to-many field name: ids}, as recorded
    until: object  # datetime when the next version began, None for the newest

    @property
    def instance(self):
        """The record as a model instance, with the fields it had at this version."""
        return instance_of(self.record)


def instance_of(record):
    """A history record as an instance of its model, with the fields it recorded. (Its own
    `instance` reads the fields history leaves out, such as a search vector, from the live row:
    a query per record, for nothing a page shows.)"""
    return record.instance_type(
        **{field.attname: getattr(record, field.attname) for field in record.tracked_fields}
    )


class VersionGone(Exception):
    """A version the archive served once and no longer serves (410 Gone)."""

    def __init__(self, message, *, recorded=None, deleted=None):
        super().__init__(message)
        self.recorded = recorded  # when the version was recorded, if known
        self.deleted = deleted  # when the record was deleted, if it was


@dataclass
class History:
    verbose_name: str
    pk: int
    versions: list  # Version, by number
    deleted: object  # datetime when an archivist deleted the record, or None

    @property
    def latest(self):
        return self.versions[-1]

    def version(self, number):
        """Version `number`: Http404 if the record never had it, VersionGone if it is gone."""
        by_number = {version.number: version for version in self.versions}
        name = f"{self.verbose_name} {self.pk}"
        if not self.versions or not 1 <= number <= self.latest.number:
            raise Http404(f"{name.capitalize()} has no version {number}.")
        if self.deleted:
            raise self.deletion(by_number.get(number))
        if number not in by_number:
            raise VersionGone(f"Version {number} of {name} was removed from the archive's history.")
        return by_number[number]

    def deletion(self, version=None):
        """What is known of a version of a record an archivist deleted."""
        name = f"{self.verbose_name} {self.pk}".capitalize()
        return VersionGone(
            f"{name} was deleted from the archive by an archivist, with all its versions.",
            recorded=version.date if version else None,
            deleted=self.deleted,
        )


def read_history(model, pk):
    """The History of one record of `model`, in two queries plus one per recorded relation."""
    records = list(model.history.filter(id=pk).order_by("history_date", "history_id"))
    relations = recorded_relations_of(records)
    last, began = {}, {}
    deleted = None
    for record in records:
        if record.history_type == "-":
            deleted = record.history_date
        else:
            deleted = None  # a record restored under its id lives again
            last[record.version] = record
            began.setdefault(record.version, record.history_date)
    numbers = sorted(last)
    versions = [
        Version(
            number,
            last[number].history_date,
            last[number],
            relations[last[number].pk],
            began[numbers[index + 1]] if index + 1 < len(numbers) else None,
        )
        for index, number in enumerate(numbers)
    ]
    return History(model._meta.verbose_name, pk, versions, deleted)


@dataclass
class RecordVersions:
    history: History
    states: dict  # {number: the record as it stood at that version, a model instance}

    def fields(self, version):
        return self.states[version.number].public_fields()


def record_versions(model, pk):
    """The versions of a record whose pages show its own fields only (people, topics, sources)."""
    history = read_history(model, pk)
    states = {version.number: version.instance for version in history.versions}
    return RecordVersions(history, states)


def current_versions_recorded(objects):
    """{pk: when its current version was recorded} of objects of one versioned model, in one
    query, for citing many at once as latest_recorded cites one; an object whose history holds
    no record of its current version is left out."""
    if not objects:
        return {}
    current = {(obj.pk, obj.version) for obj in objects}
    recorded = (
        type(objects[0])
        .history.filter(id__in=[pk for pk, _ in current])
        .order_by()
        .values_list("id", "version")
        .annotate(date=models.Max("history_date"))
    )
    return {pk: date for pk, version, date in recorded if (pk, version) in current}


def latest_recorded(obj):
    """The newest history record of a versioned object's current version, or None when its
    history holds none (rows loaded from a fixture before their history was recorded)."""
    return obj.history.filter(version=obj.version).order_by("-history_date", "-history_id").first()


def with_current_version_recorded(queryset):
    """The rows with `current_version_recorded`: latest_recorded's date, read in their own query
    rather than in one more (a page's Cite box cites it: core.templatetags.citations)."""
    # Written out: the ORM's Subquery(OuterRef) took as long to compile (0.6 ms) as the query it
    # saves (issue #25).
    table, history = queryset.model._meta.db_table, queryset.model.history.model._meta.db_table
    recorded = RawSQL(
        f"SELECT history_date FROM {history} WHERE id = {table}.id AND version = {table}.version"
        " ORDER BY history_date DESC, history_id DESC LIMIT 1",
        (),
        output_field=models.DateTimeField(),
    )
    return queryset.annotate(current_version_recorded=recorded)


def version_page(request, versions, number, content_template, content_context=None):
    """The page of one version: the record as it stood, what changed since, and its citation.
    `content_context`, given the record as it stood, returns what else its living page's
    template reads, so that the version shows every section the living page does."""
    history = versions.history
    try:
        version = history.version(number)
    except VersionGone as gone:
        return gone_page(request, history, gone)
    state, latest = versions.states[number], versions.states[history.latest.number]
    context = {
        "obj": state,
        "version": version,
        "latest": history.latest,
        "current_url": latest.get_absolute_url(),
        "changes": changes(versions.fields(version), versions.fields(history.latest)),
        "fields": [
            (label, "; ".join(value) if isinstance(value, list) else value)
            for label, value in versions.fields(version).items()
        ],
        "content_template": content_template,
        "kind": history.verbose_name,
        **(content_context(state) if content_context else {}),
    }
    return render(request, "versions/version.html", context)


def changelog_page(request, versions):
    """A record's public change log: each version, its date and what it changed."""
    history = versions.history
    if not history.versions:
        raise Http404(f"No {history.verbose_name} {history.pk}.")
    if history.deleted:
        return gone_page(request, history, history.deletion())
    latest = versions.states[history.latest.number]
    context = {
        "obj": latest,
        "entries": changelog(versions),
        "kind": history.verbose_name,
    }
    return render(request, "versions/changelog.html", context)


def gone_page(request, history, gone):
    context = {"message": str(gone), "gone": gone, "kind": history.verbose_name}
    return render(request, "410.html", context, status=410)


def record_unrecorded(model):
    """Record in history the rows of `model` that have no history record, with their relations,
    and say how many: rows a fixture loaded (loaddata saves raw, and simple-history records no
    raw save), so that their first version has a permalink before anyone edits them."""
    history_model = model.history.model
    rows = list(model._default_manager.exclude(pk__in=history_model.objects.values("id")))
    record_created(rows, reason="Recorded as loaded, before any edit.")
    return len(rows)


def record_created(rows, *, reason):
    """Record in history rows of one model that were saved without it (bulk_create saves no
    record), each with its relations as they stand now."""
    if not rows:
        return
    model = type(rows[0])
    history_model = model.history.model
    records = model.history.bulk_history_create(rows, default_change_reason=reason)
    record_of = {record.id: record for record in records}
    for field in history_model._history_m2m_fields:
        through = field.remote_field.through
        owner = f"{field.m2m_field_name()}_id"
        getattr(history_model, field.name).model.objects.bulk_create(
            getattr(history_model, field.name).model(
                history=record_of[getattr(row, owner)],
                **{column.attname: getattr(row, column.attname) for column in through._meta.fields},
            )
            for row in through.objects.filter(**{f"{owner}__in": record_of})
        )


def recorded_relations_of(records):
    """{history id: {many-to-many field name: ids}} of history records of one model."""
    relations = {record.pk: {} for record in records}
    if not records:
        return relations
    history_model = type(records[0])
    for field in history_model._history_m2m_fields:
        # The class attribute is a manager of the model recording this relation's rows.
        rows = getattr(history_model, field.name).model.objects.filter(history__in=relations)
        target = f"{get_m2m_reverse_field_name(field)}_id"
        for ids in relations.values():
            ids[field.name] = []
        for history_id, target_id in rows.order_by("pk").values_list("history_id", target):
            relations[history_id][field.name].append(target_id)
    return relations


def as_of(records, version):
    """Of the history records of rows that belong to a record (a claim's actors and notes), the
    rows as they stood at `version`: the last record of each row before the next version began,
    unless it was a deletion. The admin saves such rows after the record they belong to, in the
    same request, so they belong to the version that save made."""
    standing = {}
    for record in sorted(records, key=lambda record: (record.history_date, record.history_id)):
        if version.until is None or record.history_date < version.until:
            standing[record.id] = record
    return [record for record in standing.values() if record.history_type != "-"]


def with_relations(instance, **related):
    """Give an instance built from a history record the related objects it had, so that pages
    and citations read them as they read prefetched ones (`claim.topics.all()`)."""
    instance._prefetched_objects_cache = {}
    for name, objects in related.items():
        queryset = getattr(instance, name).all()
        queryset._result_cache = list(objects)
        queryset._prefetch_done = True
        instance._prefetched_objects_cache[name] = queryset
    return instance


@dataclass
class Run:
    """Words of a diff that are the same in both texts, removed or added."""

    kind: str  # "same", "removed" or "added"
    words: str
    after: str  # " " or "": what stands between them and the next run


@dataclass
class Change:
    label: str
    words: list  # for text: Runs; else []
    removed: list  # for lists: the items taken out
    added: list  # for lists: the items put in


def changes(old, new):
    """What differs between two {label: text or list of texts} of one record's versions."""
    found = []
    for label, value in new.items():
        before = old.get(label)
        if before == value:
            continue
        if isinstance(value, list):
            before = before or []
            found.append(
                Change(
                    label,
                    [],
                    [item for item in before if item not in value],
                    [item for item in value if item not in before],
                )
            )
        else:
            found.append(Change(label, word_diff(before or "", value), [], []))
    return found


def word_diff(old, new):
    """[Run]: the words and line breaks of `new` against those of `old`, as "same", "removed"
    or "added" runs. Line breaks are compared like words, so each text's paragraphs stay
    paragraphs whichever way the diff is read."""
    before, after = _words_and_breaks(old), _words_and_breaks(new)
    runs = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            runs.append(("same", after[j1:j2]))
            continue
        if i2 > i1:
            runs.append(("removed", before[i1:i2]))
        if j2 > j1:
            runs.append(("added", after[j1:j2]))
    return [
        Run(kind, _joined(tokens), " " if _space_after(tokens, following) else "")
        for (kind, tokens), following in zip(runs, [*runs[1:], ("same", ["\n"])], strict=True)
    ]


def _words_and_breaks(text):
    """A text's words, and the white space between them that holds a line break."""
    return re.findall(r"\S+|[^\S\n]*\n\s*", text.strip())


def _spaced(token, following):
    """Whether a space stands between two tokens: between two words."""
    return not token.isspace() and not following.isspace()


def _space_after(tokens, following):
    """Whether a space follows a run that ends in a word: before words, and before a line break
    that only one text has (the other reads the words either side of it with a space between)."""
    kind, next_tokens = following
    return not tokens[-1].isspace() and (kind != "same" or not next_tokens[0].isspace())


def _joined(tokens):
    return "".join(
        (" " if index and _spaced(tokens[index - 1], token) else "") + token
        for index, token in enumerate(tokens)
    )


@dataclass
class LogEntry:
    version: Version
    url: str
    changes: list  # Change since the version before
    first: bool  # the earliest version kept: nothing to compare it with


def changelog(versions):
    """A record's LogEntry for each version, newest first."""
    entries = []
    previous = None
    for version in versions.history.versions:
        fields = versions.fields(version)
        state = versions.states[version.number]
        entries.append(
            LogEntry(
                version,
                state.get_version_url(version.number),
                changes(previous, fields) if previous is not None else [],
                previous is None,
            )
        )
        previous = fields
    return list(reversed(entries))
