"""Alert tasks on the queue (procrastinate): confirmation emails, and the periodic reading of
new events with the emails they make.

The periodic tasks take a lock: two workers never run the same one at once (the unique delivery
rows and the locked send would keep them from alerting twice anyway; the lock saves the work).
"""

import smtplib

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from alerts import events, sending
from alerts.models import Subscription
from alerts.subscriptions import follow_requests_prune

# A mail server that is down for a while: tried again after 10 s, 100 s, 1000 s, …
MAIL_RETRY = RetryStrategy(
    max_attempts=5, exponential_wait=10, retry_exceptions={smtplib.SMTPException, OSError}
)


# Its one argument names no one: jobs that fail are kept, arguments and all.
@app.task(queue="alerts", retry=MAIL_RETRY)
def send_confirmation(*, confirmation_id):
    sending.send_confirmation(confirmation_id)


@app.periodic(cron="* * * * *")
@app.task(queue="alerts", lock="alerts-immediate", queueing_lock="alerts-immediate")
def send_immediate_alerts(timestamp=None):
    """Every minute: records the new events for every subscription, sends the immediate ones."""
    follow_requests_prune()
    events.record_new_events()
    return sending.send_queued_alerts(Subscription.Frequency.IMMEDIATE)


@app.periodic(cron="0 7 * * *")
@app.task(queue="alerts", lock="alerts-daily", queueing_lock="alerts-daily")
def send_daily_digests(timestamp=None):
    """Every day at 07:00 (the server's time zone): one email per daily subscription of the
    events recorded since the last digest."""
    events.record_new_events()
    return sending.send_queued_alerts(Subscription.Frequency.DAILY)
