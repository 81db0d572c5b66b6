"""Read an article out of captured bytes, recording only what the bytes say.

HTML is read with trafilatura (main text, title, byline, site name, canonical URL) and htmldate
(the publication date); plain text with the archive's own boilerplate rules (articles.cleaning),
as for the seed captures. What extraction leaves out of the text is kept, with the reason, so the
article page can show it; metadata the capture does not give stays unknown, and the reason is
written down instead of a guess.

Bytes the archive will not take (binary, undecodable, empty, too large, not an article) raise
CaptureRefused, whose message says what is wrong with them.
"""

import codecs
import datetime
import re
from dataclasses import dataclass, field
from email.message import Message
from importlib.metadata import version

import lxml.html
from lxml.etree import ParserError

from articles.cleaning import clean_capture
from core.dates import DatePrecision
from core.text import normalise_text

MAX_CAPTURE_BYTES = 10 * 1024 * 1024
# Below this, what a page holds is a list, a login form or an error page, not an article.
MIN_ARTICLE_WORDS = 40
HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain"}
# A file's kind by its name; any other file is told by its bytes.
FILE_CONTENT_TYPES = {".html": "text/html", ".htm": "text/html",
                      ".xhtml": "application/xhtml+xml", ".txt": "text/plain",
                      ".text": "text/plain"}  # fmt: skip
HTML_EXTRACTOR = f"trafilatura {version('trafilatura')}, htmldate {version('htmldate')}"
TEXT_EXTRACTOR = "plain-text rules (articles.cleaning)"
UNTITLED = "Untitled plain-text capture"

# UTF-32's little-endian mark begins with UTF-16's, so it is looked for first.
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]  # fmt: skip
WIDE_ENCODINGS = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
LOOKS_LIKE_HTML = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype html|html|head|body)\b", re.I | re.S)
# Elements that end a line of text on the page; what extraction drops is listed line by line.
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}  # fmt: skip
INVISIBLE_TAGS = ["head", "script", "style", "noscript", "template", "svg"]


class CaptureRefused(Exception):
    """Bytes the archive does not take; the message names the problem for the person archiving."""


@dataclass
class Extracted:
    content_type: str  # text/html or text/plain: how the bytes were read
    text: str
    removed: list  # [{"text": ..., "reason": ...}] in page order
    title: str
    title_is_supplied: bool
    extractor: str
    byline: str = ""
    published_date: datetime.date | None = None
    published_date_precision: str = DatePrecision.UNKNOWN
    site_name: str = ""
    canonical_url: str = ""
    unknowns: list = field(default_factory=list)  # what the capture does not say, and why


def media_type(content_type):
    """("text/html", "utf-8") from a Content-Type header; charset "" when it names none."""
    message = Message()
    message["content-type"] = content_type or ""
    charset = message.get_param("charset") or ""
    return message.get_content_type() if content_type else "", str(charset).strip()


def check_size(raw):
    if len(raw) > MAX_CAPTURE_BYTES:
        raise CaptureRefused(
            f"The capture is too large: {len(raw):,} bytes, more than the "
            f"{MAX_CAPTURE_BYTES // 1024 // 1024} MB the archive takes."
        )


def extract(raw, *, content_type="", title="", url="", require_article=True):
    """The article in `raw` (bytes). `content_type` is the declared one (an HTTP header, a file's
    kind) or empty to tell from the bytes; `title` is one given by the person archiving, for text
    that marks no headline; `url` is where the bytes were retrieved, if they were.
    `require_article=False` takes a text of any length (the seed build's annotations vouch for
    theirs)."""
    check_size(raw)
    declared, charset = media_type(content_type)
    charset = _bom_charset(raw) or charset  # a byte order mark outranks the header, as in browsers
    if _is_wide(charset):
        # UTF-16 and UTF-32 text is full of NUL bytes: read on as UTF-8, so that the checks
        # below see its characters. The capture keeps the bytes as they came.
        raw, charset = _decode(raw, charset).encode(), "utf-8"
    if not raw.strip():
        raise CaptureRefused("The capture is empty: there is no text in it.")
    if b"\x00" in raw:
        raise CaptureRefused("The capture is binary data (it holds NUL bytes), not a web page.")
    if declared and declared not in HTML_TYPES | TEXT_TYPES:
        raise CaptureRefused(
            f"The capture is {declared}; the archive takes only HTML pages and plain text."
        )
    is_html = declared in HTML_TYPES or (not declared and LOOKS_LIKE_HTML.match(raw))
    if is_html:
        extracted = _extract_html(_decode(raw, charset or _meta_charset(raw)), url)
    else:
        extracted = _extract_text(_decode(raw, charset), title)
    if require_article:
        _require_article(extracted.text)
    return extracted


def _bom_charset(raw):
    """The encoding a UTF-16 or UTF-32 byte order mark names, or ""."""
    for bom, charset in BOMS:
        if raw.startswith(bom):
            return charset
    return ""


def _is_wide(charset):
    try:
        return codecs.lookup(charset).name in WIDE_ENCODINGS
    except LookupError:
        return False  # an unknown encoding is refused when the bytes are decoded


def _meta_charset(raw):
    match = META_CHARSET.search(raw[:4096])
    return match.group(1).decode("ascii") if match else ""


def _decode(raw, charset):
    charset = charset or "utf-8"
    try:
        text = raw.decode(charset)
    except LookupError:
        raise CaptureRefused(f"The capture declares an unknown encoding, {charset!r}.") from None
    except UnicodeDecodeError as error:
        raise CaptureRefused(
            f"The capture cannot be decoded as {charset}: byte {error.start} is not valid there. "
            "Is it text, and in the encoding it says?"
        ) from None
    return text.removeprefix("\ufeff")


def _require_article(text):
    words = len(text.split())
    if words < MIN_ARTICLE_WORDS:
        raise CaptureRefused(
            f"This does not look like an article: its main text has {words} words, fewer than "
            f"the {MIN_ARTICLE_WORDS} an article has."
        )


def _extract_text(text, title):
    title = title.strip()
    in_text = bool(title) and any(line.strip() == title for line in text.splitlines())
    cleaned = clean_capture(text, headline=title if in_text else "")
    if not cleaned.body:
        raise CaptureRefused("The capture holds nothing but boilerplate: no article text is left.")
    unknowns = [
        "Byline: plain text marks no author, so none is recorded.",
        "Site: plain text does not say which outlet published it.",
    ]
    if not title:
        unknowns.insert(0, "Title: plain text marks no headline; the archive supplied one.")
    extracted = Extracted(
        content_type="text/plain",
        text=cleaned.body,
        removed=cleaned.removed,
        title=title or UNTITLED,
        title_is_supplied=not in_text,
        extractor=TEXT_EXTRACTOR,
        unknowns=unknowns,
    )
    stamps = [piece["text"] for piece in cleaned.removed if piece["reason"] == "date stamp"]
    stamp_date = re.search(r"\d{4}-\d{2}-\d{2}", stamps[0]) if stamps else None
    if stamp_date:
        extracted.published_date = datetime.date.fromisoformat(stamp_date.group())
        extracted.published_date_precision = DatePrecision.DAY
    else:
        unknowns.append("Date: plain text gives no date stamp, so the date is unknown.")
    return extracted


def _extract_html(html, url):
    # Imported here: they take a second and 25 MB to load, which no page view should pay.
    import htmldate
    import trafilatura
    from trafilatura.metadata import META_URL

    html = XML_DECLARATION.sub("", html)  # lxml refuses a str that declares its own encoding
    document = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, include_tables=True
    )
    paragraphs = [line.strip() for line in (document.text or "").splitlines()] if document else []
    text = normalise_text("\n\n".join(line for line in paragraphs if line))
    if not text:
        raise CaptureRefused("This does not look like an article: the page has no main text.")
    unknowns = []
    title = normalise_text(document.title or "")
    if not title:
        unknowns.append("Title: the page has no title or headline; the archive supplied one.")
    published = htmldate.find_date(
        html, url=url or None, original_date=True, extensive_search=False
    )
    if not published:
        unknowns.append("Date: the page gives no publication date that htmldate could find.")
    if not document.author:
        unknowns.append("Byline: the page names no author.")
    site_name = normalise_text(document.sitename or "")
    host = META_URL.match(document.url or "")
    if host and site_name == host[1]:
        # Where the page names no site, trafilatura gives its address's host (by this pattern):
        # no name of the page's, and no outlet's name to propose (articles.capture).
        site_name = ""
    if not site_name:
        unknowns.append("Site: the page does not name its site.")
    return Extracted(
        content_type="text/html",
        text=text,
        removed=_removed_from_page(html, text, title, document.author or ""),
        title=title or "Untitled web page",
        title_is_supplied=not title,
        extractor=HTML_EXTRACTOR,
        byline=normalise_text(document.author or ""),
        published_date=datetime.date.fromisoformat(published) if published else None,
        published_date_precision=DatePrecision.DAY if published else DatePrecision.UNKNOWN,
        site_name=site_name,
        canonical_url=document.url or "",
        unknowns=unknowns,
    )


def _removed_from_page(html, text, title, author):
    """The page's visible lines that are not in the extracted text, in page order."""
    try:
        tree = lxml.html.document_fromstring(html)
    except ParserError:
        return []
    for element in tree.xpath(" | ".join(f"//{tag}" for tag in INVISIBLE_TAGS)):
        element.drop_tree()
    for element in tree.iter():
        if element.tag in BLOCK_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    kept = " ".join(text.split())
    removed = []
    for line in tree.text_content().splitlines():
        line = " ".join(line.split())
        if not line or line in kept:
            continue
        if line == title:
            reason = "headline"
        elif author and author in line:
            reason = "byline"
        else:
            reason = "outside the article's main text"
        removed.append({"text": line, "reason": reason})
    return removed
