from django.dispatch import Signal

# Sent with `article` when an article's latest text is to be read for proposals: a capture
# was archived (inside its transaction, articles.capture), or an editor asked again. The claims
# app proposes the claims it reports (claims.appearance_proposals); articles knows nothing of
# claims, so it tells rather than calls.
proposals_wanted = Signal()
