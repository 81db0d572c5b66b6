from django.dispatch import Signal

# Sent with `article` when an article's latest text is to be read for proposals: a capture
# was archived (inside its transaction, articles.capture), or an editor asked again. The claims
# app proposes the claims it reports (claims.appearance_proposals); articles knows nothing of
# claims, so it tells rather than calls.
proposals_wanted = Signal()

# Sent with `article` when a new version of it is classified (articles.changes): receivers return
# the words other apps anchor in its captures (AnchoredText: the claims app's appearances), so
# that the version tells which of them are gone, as it tells of its quotes.
anchored_texts_wanted = Signal()
