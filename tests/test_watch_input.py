"""What people type to follow something (issue #23): `manage.py follow` and the admin's watch form
take good input, and answer anything else with a clear message, never a traceback or a 500."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.admin_forms import as_browser_sends, read_form, save_unchanged
from tests.watched_sites import empty_queue  # noqa: F401
from watches.models import Watch
from watches.tasks import queue_check

pytestmark = pytest.mark.django_db

HTTP_ONLY = "starting with http:// or https://"
HOSTILE_URLS = [
    ("", "This field is required."),
    ("javascript:alert(1)", HTTP_ONLY),
    ("file:///etc/passwd", HTTP_ONLY),
    ("ftp://example.org/feed", HTTP_ONLY),
    ("http://", HTTP_ONLY),
    ("https://example.org/" + "a" * 2100, "at most 2000 characters"),
    ("https://exa\x00mple.org/", HTTP_ONLY),
    ("<script>alert(1)</script>", HTTP_ONLY),
]
HOSTILE_EVERY = [
    ("0", "greater than or equal to 1"),
    ("-5", "greater than or equal to 1"),
    ("10081", "less than or equal to 10080"),
    ("99999999999999999999999", "less than or equal to 10080"),
]


def follow(*arguments):
    call_command("follow", *arguments, stdout=io.StringIO())


def test_follow_adds_a_page_watch_due_now(capsys):
    call_command("follow", "example.org/news/story", "--every", "30")
    watch = Watch.objects.get()
    assert (watch.url, watch.kind, watch.every_minutes) == (
        "https://example.org/news/story", "page", 30,
    )  # fmt: skip
    assert "Following the page https://example.org/news/story every 30 minutes" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(("url", "message"), HOSTILE_URLS)
def test_follow_refuses_a_bad_url_with_the_reason(url, message):
    with pytest.raises(CommandError, match=f"URL: .*{message}"):
        follow(url, "--feed")
    assert not Watch.objects.exists()


@pytest.mark.parametrize(("every", "message"), HOSTILE_EVERY)
def test_follow_refuses_a_bad_interval_with_the_reason(every, message):
    with pytest.raises(CommandError, match=f"Every \\(minutes\\): .*{message}"):
        follow("https://example.org/", "--every", every)
    assert not Watch.objects.exists()


def test_follow_refuses_what_is_no_number_and_two_kinds_at_once():
    with pytest.raises(CommandError, match="invalid int value"):
        follow("https://example.org/", "--every", "hourly")
    with pytest.raises(CommandError, match="not allowed with argument"):
        follow("https://example.org/", "--feed", "--sitemap")


def test_following_a_url_twice_says_it_is_followed_already():
    follow("https://example.org/feed", "--feed")
    with pytest.raises(CommandError, match="Watch with this URL already exists"):
        follow("https://example.org/feed", "--feed")


ADD_URL = reverse("admin:watches_watch_add")


def add_form(admin_client, **changes):
    data = read_form(admin_client, ADD_URL, "watch_form")
    return admin_client.post(ADD_URL, as_browser_sends({**data, **changes}))


def test_the_admin_adds_a_watch_for_the_editor(admin_client, admin_user):
    response = add_form(admin_client, url="https://example.org/feed.xml", kind="feed")
    assert response.status_code == 302
    watch = Watch.objects.get()
    assert (watch.kind, watch.every_minutes, watch.added_by) == ("feed", 60, admin_user)


@pytest.mark.parametrize(("url", "message"), HOSTILE_URLS)
def test_the_admin_form_answers_a_bad_url_with_a_form_error(admin_client, url, message):
    response = add_form(admin_client, url=url)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Watch.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        *[("every_minutes", every, message) for every, message in HOSTILE_EVERY],
        ("every_minutes", "an hour", "Enter a whole number."),
        ("kind", "ftp", "Select a valid choice."),
        ("kind", "page\x00", "Select a valid choice."),
    ],
)
def test_the_admin_form_answers_bad_values_with_form_errors(admin_client, field, value, message):
    response = add_form(admin_client, url="https://example.org/", **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Watch.objects.exists()


def test_the_admin_lists_watches_and_saves_one_unchanged(admin_client):
    watch = Watch.objects.create(url="https://example.org/", failures=3, last_reason="It broke.")
    page = admin_client.get(reverse("admin:watches_watch_changelist")).content.decode()
    assert "https://example.org/" in page and "3 in a row: It broke." in page
    assert save_unchanged(admin_client, watch).status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_the_admin_pauses_resumes_and_queues_checks(admin_client):
    watch = Watch.objects.create(url="https://example.org/", next_due_at="2100-01-01T00:00Z")
    changelist = reverse("admin:watches_watch_changelist")

    def act(action):
        return admin_client.post(
            changelist, {"action": action, "_selected_action": [watch.pk]}, follow=True
        )

    assert "1 watches paused." in act("pause").content.decode()
    watch.refresh_from_db()
    assert not watch.active
    assert "1 watches resumed." in act("resume").content.decode()
    watch.refresh_from_db()
    assert watch.active and watch.next_due_at.year < 2100
    assert "1 checks queued" in act("check_now").content.decode()
    assert not queue_check(watch.pk)  # queued once only


def test_run_due_runs_only_once_and_points_to_the_worker_otherwise():
    with pytest.raises(CommandError, match=r"--once .* manage\.py procrastinate worker"):
        call_command("run_due")
