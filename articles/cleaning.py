"""Separate an article's text from the site chrome in a plain-text web capture.

Captures come as text copied from a page: the article's paragraphs, one per line, mixed with the
site's boilerplate (copyright and reprint notices, donation and ad-blocker appeals, "Read also"
and related-post boxes, comment and correction prompts, image captions). Each line is judged in
the manner of jusText (Pomikálek, 2011), adapted to text without markup:

1. A line is *boilerplate* when it matches a phrase that sites use for chrome
   (BOILERPLATE_PATTERNS), is the headline, occurs more than once, or is a lowercase fragment
   such as an image's alt text.
2. A related-content marker ("Read also", "Other topics of interest") also takes the teaser that
   follows it: the short headline lines and the first paragraph after them.
3. Other lines shorter than SHORT_LINE characters are judged by context: a run of short lines is
   kept when article text follows it (a subheading, a standfirst) and dropped when boilerplate or
   the end of the capture follows it (a related headline, a signature, an ad's bullet points).
4. A date stamp fused to the start of a line ("date 2024-07-04 According to...") is cut off.

Kept lines are copied verbatim (surrounding white space aside) and joined by blank lines, so every
quote in the body is also a substring of the raw capture. Each removed piece is returned with the
rule that removed it, so the archive can say what it left out.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from core.text import normalise_text

SHORT_LINE = 70  # characters; jusText's "length_low"

BOILERPLATE_PATTERNS = {
    "copyright notice": r"^(copyright\b|©)|all rights reserved",
    "reprint policy": r"when referencing our materials|written permission must be",
    "funding notice": r"^the work of .+ is supported by",
    "privacy or cookie notice": r"privacy (and|&) cookie|cookie policy|we use cookies",
    "donation appeal": r"become a patron|you could close this page|support (us|our work)\b"
    r"|donate\b",
    "ad-blocker notice": r"ad ?blocker|relies solely on advertising revenue",
    "advertisement": r"^(advertisement|sponsored( content)?|special discount)$",
    "correction prompt": r"suggest a correction|press ctrl ?\+ ?enter|leave your suggestions",
    "comment prompt": r"^(leave a (reply|comment)|\d+ comments?|comments?)$",
    "empty byline": r"^by:?$",
    "image credit": r"\bcredit: |\bphoto: |^(photo|image|illustration)\b.*(getty|ap|reuters)",
    "related content": r"^(read (also|more)|related (posts|articles|stories)|other topics of "
    r"interest|see also|more from)\b",
}
RELATED_CONTENT = "related content"
COMPILED_PATTERNS = {
    reason: re.compile(pattern, re.IGNORECASE) for reason, pattern in BOILERPLATE_PATTERNS.items()
}
DATE_STAMP = re.compile(
    r"^(date|published|posted( on)?|updated)\s*:?\s*\d{4}-\d{2}-\d{2}\s+", re.IGNORECASE
)
LOWERCASE_FRAGMENT = re.compile(r"^[a-z0-9][a-z0-9 _-]*$")  # "donald-trump former us president"


@dataclass
class CleanedCapture:
    body: str
    removed: list = field(default_factory=list)  # [{"text": ..., "reason": ...}] in capture order


@dataclass
class _Line:
    text: str
    start: int  # offset in the raw capture, to list what was removed in reading order
    reason: str = ""  # why it is boilerplate; empty while it is kept

    @property
    def is_short(self):
        return len(self.text) < SHORT_LINE


def clean_capture(raw, *, headline=""):
    lines = _split_lines(raw)
    removed_stamps = _cut_date_stamps(lines)
    _mark_boilerplate_lines(lines, headline.strip())
    _mark_related_teasers(lines)
    _mark_short_lines_by_context(lines)
    removed = removed_stamps + [
        (line.start, {"text": line.text, "reason": line.reason}) for line in lines if line.reason
    ]
    return CleanedCapture(
        body=normalise_text("\n\n".join(line.text for line in lines if not line.reason)),
        removed=[piece for _, piece in sorted(removed, key=lambda item: item[0])],
    )


def _split_lines(raw):
    lines, offset = [], 0
    for text in raw.splitlines(keepends=True):
        stripped = text.strip()
        if stripped:
            lines.append(_Line(stripped, start=offset + text.index(stripped)))
        offset += len(text)
    return lines


def _cut_date_stamps(lines):
    removed = []
    for line in lines:
        stamp = DATE_STAMP.match(line.text)
        if stamp:
            removed.append((line.start, {"text": stamp.group().strip(), "reason": "date stamp"}))
            line.text = line.text[stamp.end() :]
            line.start += stamp.end()
    return removed


def _mark_boilerplate_lines(lines, headline):
    counts = Counter(line.text for line in lines)
    for line in lines:
        line.reason = _boilerplate_reason(line.text)
        if not line.reason and line.text == headline:
            line.reason = "headline"
        elif not line.reason and counts[line.text] > 1:
            line.reason = "repeated line"  # a teaser's title, a menu entry: prose doesn't repeat
        elif not line.reason and LOWERCASE_FRAGMENT.match(line.text):
            line.reason = "image caption or alt text"


def _boilerplate_reason(text):
    for reason, pattern in COMPILED_PATTERNS.items():
        if pattern.search(text):
            return reason
    return ""


def _mark_related_teasers(lines):
    """A related-content box is its marker, its headline lines and one teaser paragraph."""
    for index, line in enumerate(lines):
        if line.reason != RELATED_CONTENT:
            continue
        for follower in lines[index + 1 :]:
            if follower.reason == RELATED_CONTENT:
                break
            if follower.reason:
                continue  # already boilerplate, e.g. the teaser's repeated title
            follower.reason = "related-content teaser"
            if not follower.is_short:
                break


def _mark_short_lines_by_context(lines):
    index = 0
    while index < len(lines):
        if lines[index].reason or not lines[index].is_short:
            index += 1
            continue
        run_end = index
        while run_end < len(lines) and lines[run_end].is_short and not lines[run_end].reason:
            run_end += 1
        followed_by_text = run_end < len(lines) and not lines[run_end].reason
        if not followed_by_text:
            for line in lines[index:run_end]:
                line.reason = "short line next to boilerplate"
        index = run_end
