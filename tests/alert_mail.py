"""A real SMTP server on loopback (aiosmtpd) for the alert tests, and the task queue in memory."""

import contextlib
import email
import email.policy
import re

from aiosmtpd.controller import Controller
from procrastinate.contrib.django import app
from procrastinate.testing import InMemoryConnector

from tests.servers import free_port


class Inbox:
    """Every message the server accepted, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address):
        return [message for message in self.messages if message["To"] == address]


@contextlib.contextmanager
def smtp_server(settings):
    """Django's SMTP backend pointed at a server on 127.0.0.1; yields its Inbox."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()


@contextlib.contextmanager
def queue_in_memory():
    """The task queue in memory; yields a function that runs every queued job and returns."""
    with app.replace_connector(InMemoryConnector()) as queue:

        def run_jobs():
            queue.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

        yield run_jobs


def link_in(message, pattern):
    """The first address in the message's text that matches the regular expression."""
    return re.search(pattern, message.get_content())[0]
