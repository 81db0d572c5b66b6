"""Split an article body around its quotes so a template can mark each quote.

The template escapes every piece; nothing here builds HTML, so neither the archived text nor
a quote can inject markup.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    text: str
    quote: object = None  # the Quote this text is, or None for plain body text


def body_segments(body, quotes):
    segments = []
    position = 0
    for quote in sorted(quotes, key=lambda quote: quote.start_offset):
        if quote.start_offset < position:
            continue  # overlaps a quote already marked; it still has its own permalink
        if quote.start_offset > position:
            segments.append(Segment(body[position : quote.start_offset]))
        segments.append(Segment(body[quote.start_offset : quote.end_offset], quote))
        position = quote.end_offset
    if position < len(body):
        segments.append(Segment(body[position:]))
    return segments
