from django.utils.text import slugify

SLUG_MAX_LENGTH = 80


def unique_slug(instance, text, *, field="slug"):
    """A slug for text that no other row of the instance's model uses ("nato", "nato-2", ...)."""
    base = slugify(text)[:SLUG_MAX_LENGTH].strip("-") or "untitled"
    others = type(instance)._default_manager.exclude(pk=instance.pk)
    slug, number = base, 1
    while others.filter(**{field: slug}).exists():
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
    return slug


def decorative_slug(text):
    """A readable slug for a URL that is found by its id; it need not be unique."""
    return slugify(text)[:SLUG_MAX_LENGTH].strip("-") or "untitled"


class NamedSlugMixin:
    """For models with `name` and a unique `slug`: the slug is made from the name when empty."""

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)
