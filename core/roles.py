"""The editors' roles. Kept in step with the models by `manage.py setup_roles`, which runs after
every migrate, so a new model's permissions reach the roles without anyone remembering."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

EDITOR = "Editor"
ARCHIVIST = "Archivist"

# Editors curate claims and what they rest on, and archive captures (which may add articles and
# the outlets that published them); they can't delete archived articles, captures or outlets.
EDITOR_PERMISSIONS = {
    "claims": {
        "claim": ["add", "change", "view"],
        "claimactor": ["add", "change", "delete", "view"],
        "appearance": ["add", "change", "delete", "view"],
        "appearanceproposal": ["change", "view"],
        "annotation": ["add", "view"],
        "topic": ["add", "change", "view"],
        "source": ["add", "change", "view"],
        "spellingvariant": ["add", "change", "view"],
    },
    "articles": {
        "quote": ["add", "change", "view"],
        "quoteproposal": ["change", "view"],
        "person": ["add", "change", "view"],
        "article": ["view"],
        "capture": ["add", "view"],
        "revisit": ["view"],
        "outlet": ["add", "view"],
    },
    # Editors decide what the archive follows (issue #23): they add, pause and resume watches;
    # archivists delete them.
    "watches": {"watch": ["add", "change", "view"]},
    # What readers follow and whether their alerts go out; never their addresses (alerts.admin).
    "alerts": {"subscription": ["view"], "delivery": ["view"]},
}
# Archivists may do everything to the archive's own records and what it follows, and read (never
# rewrite) history.
ARCHIVIST_APPS = ["articles", "claims", "watches"]


def sync_roles():
    """Create or update the Editor and Archivist groups; returns them."""
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    editor_codenames = Q()
    for app_label, models in EDITOR_PERMISSIONS.items():
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        editor_codenames |= Q(content_type__app_label=app_label, codename__in=codenames)
    editor.permissions.set(Permission.objects.filter(editor_codenames))
    archivist, _ = Group.objects.get_or_create(name=ARCHIVIST)
    history_edits = Q(content_type__model__startswith="historical") & ~Q(
        codename__startswith="view_"
    )
    archivist.permissions.set(
        Permission.objects.filter(content_type__app_label__in=ARCHIVIST_APPS).exclude(history_edits)
    )
    return editor, archivist
