"""`manage.py follow URL [--every MINUTES] [--feed|--sitemap]`: watch a page, a feed or a news
sitemap; the task queue checks it (a worker, or `manage.py run_due --once`)."""

from django.core.management.base import BaseCommand, CommandError

from watches.forms import WatchForm
from watches.models import Watch
from watches.watching import watch_add


class Command(BaseCommand):
    help = (
        "Follow a page (captured again on a schedule), an RSS or Atom feed (--feed) or a news "
        "sitemap (--sitemap): each new item is captured, then its page watched for a while."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", metavar="URL")
        parser.add_argument("--every", type=int, default=60, metavar="MINUTES")
        kind = parser.add_mutually_exclusive_group()
        for option, value in [("--feed", Watch.Kind.FEED), ("--sitemap", Watch.Kind.SITEMAP)]:
            kind.add_argument(option, dest="kind", action="store_const", const=value)

    def handle(self, *, url, every, kind, **options):
        form = WatchForm(data={"url": url, "kind": kind or Watch.Kind.PAGE, "every_minutes": every})
        if not form.is_valid():
            raise CommandError(
                " ".join(
                    f"{form.fields[name].label}: {' '.join(errors)}"
                    for name, errors in form.errors.items()
                )
            )
        data = form.cleaned_data
        watch = watch_add(url=data["url"], kind=data["kind"], every_minutes=data["every_minutes"])
        self.stdout.write(
            f"Following the {watch.get_kind_display()} {watch.url} every {watch.every_minutes} "
            "minutes. A worker (manage.py procrastinate worker) or manage.py run_due --once "
            "checks it."
        )
