from anyascii import anyascii
from django.utils.text import slugify

SLUG_MAX_LENGTH = 80
# What follows an id in the archive's own URLs (/claims/4/v/ lists a claim's versions) is never a
# slug, or that record's permalink would be taken.
RESERVED = {"v"}


def _slug(text):
    # Transliterated first: slugify() keeps only letters that decompose to ASCII, so "ł", "ø" or
    # Cyrillic would be dropped ("Władysław" -> "wadysaw").
    slug = slugify(anyascii(text))[:SLUG_MAX_LENGTH].strip("-")
    return slug if slug and slug not in RESERVED else "untitled"


def unique_slug(instance, text, *, field="slug"):
    """A slug for text that no other row of the instance's model uses ("nato", "nato-2", ...)."""
    base = _slug(text)
    others = type(instance)._default_manager.exclude(pk=instance.pk)
    slug, number = base, 1
    while others.filter(**{field: slug}).exists():
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
    return slug


def decorative_slug(text):
    """A readable slug for a URL that is found by its id; it need not be unique."""
    return _slug(text)


class NamedSlugMixin:
    """For models with `name` and a unique `slug`: the slug is made from the name when empty."""

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)
