"""Markdown to safe HTML for descriptions, replies and notes (SPEC 4; rules in docs/markdown.md).

Two layers, because either alone has failed elsewhere:

1. python-markdown, cut down to the subset: no raw HTML (its processors are removed, so `<b>` stays text and
   is escaped), no images (left as the text that was typed), no headings or rules (plain text), no tables.
   Links whose target is not an absolute http/https/mailto URL lose the link and keep their text.
2. nh3 (ammonia) over the result: an allow-list of tags and attributes, the same URL rule, and
   `rel="noopener noreferrer nofollow"` on every link. Whatever the first layer lets slip, this one drops.

One Markdown instance is built at import and reset before every call, so nothing (reference definitions,
stashed HTML) leaks from one document to the next and no pattern is recompiled per call.

`render_markdown` is pure and unbounded: python-markdown is quadratic on some inputs. The server never calls it
on its event loop; resolvers/kernel/markdown_bounded.py runs it in worker processes with a time limit, once, when the
text is written, and the result is stored.
"""

from __future__ import annotations

import html
import logging
import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown import util
from markdown.treeprocessors import Treeprocessor

log = logging.getLogger(__name__)

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a"})
"""Every tag the output may contain."""

ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {"a": frozenset({"href", "rel"}), "code": frozenset({"class"})}
"""Every attribute the output may contain, per tag (`rel` is set by the cleaner, never taken from input)."""

LINK_REL = "noopener noreferrer nofollow"
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Absolute URLs only (a relative or protocol-relative target would resolve against wherever the HTML is
# shown), and nothing a URL may not contain: whitespace, double quotes, backticks, angle brackets, controls.
_SAFE_HREF = re.compile(r"(?:https?://|mailto:)[^\s\"<>`\x00-\x1f\x7f]*", re.IGNORECASE)
_LANGUAGE_CLASS = re.compile(r"language-[\w#+.-]{1,40}")
# Control characters have no place in HTML; python-markdown can also leak pieces of its own placeholders
# (STX/ETX) on malformed links such as `[]("(\>`.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Automatic email links carry their href as character references behind markdown's `&` placeholder.
_PLACEHOLDER_ENTITY = re.compile(re.escape(util.AMP_SUBSTITUTE) + r"#(\d+);")

# Block syntax outside the subset; what is left of it renders as paragraph text.
_REMOVED_BLOCK_PROCESSORS = ("hashheader", "setextheader", "hr")
# `html` would pass tags through; images have no place in the subset (the text stays as typed).
_REMOVED_INLINE_PATTERNS = ("html", "image_link", "image_reference", "short_image_ref")


def is_safe_href(href: str) -> bool:
    """The one link rule: an absolute http, https or mailto URL."""
    return _SAFE_HREF.fullmatch(href) is not None


class _UnwrapUnsafeLinks(Treeprocessor):
    """Turns a link with a target outside the rule back into its text (the text stays, the link goes)."""

    def run(self, root: etree.Element) -> None:
        links = [(parent, child) for parent in root.iter() for child in parent if child.tag == "a"]
        # Innermost first, so a parent recorded here is still the element's parent when we reach it.
        for parent, link in reversed(links):
            href = _PLACEHOLDER_ENTITY.sub(lambda m: chr(int(m.group(1))), link.get("href", ""))
            if not is_safe_href(href):
                _unwrap(parent, link)


def _unwrap(parent: etree.Element, element: etree.Element) -> None:
    """Replace `element` by its text and children, keeping the surrounding text in order."""
    index = list(parent).index(element)
    children = list(element)
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    before = parent[index - 1] if index > 0 else None
    _append_text(parent, before, element.text)
    last = children[-1] if children else before
    _append_text(parent, last, element.tail)


def _append_text(parent: etree.Element, after: etree.Element | None, text: str | None) -> None:
    if not text:
        return
    if after is None:
        parent.text = (parent.text or "") + text
    else:
        after.tail = (after.tail or "") + text


def _build_markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["fenced_code", "sane_lists", "nl2br"], output_format="html")
    md.preprocessors.deregister("html_block")
    for name in _REMOVED_BLOCK_PROCESSORS:
        md.parser.blockprocessors.deregister(name)
    for name in _REMOVED_INLINE_PATTERNS:
        md.inlinePatterns.deregister(name)
    # After the inline patterns (20) built the links, before prettify (10) and unescape (0).
    md.treeprocessors.register(_UnwrapUnsafeLinks(md), "unwrap_unsafe_links", 15)
    return md


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return value if is_safe_href(value) else None
    if tag == "code" and attribute == "class":
        return value if _LANGUAGE_CLASS.fullmatch(value) else None
    return value


_MARKDOWN = _build_markdown()
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # "*": nothing on every tag (ammonia would otherwise allow `title` and `lang` everywhere).
    attributes={"*": set()} | {tag: set(names - {"rel"}) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    url_schemes=set(URL_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


def plain_text_html(source: str) -> str:
    """The text as typed, escaped, in one paragraph: safe without parsing anything, in linear time. Shown for
    text that could not be rendered, and for a row whose HTML was never stored (written outside the API)."""
    if not source.strip():
        return ""
    return "<p>" + html.escape(_CONTROL_CHARACTERS.sub("", source)) + "</p>"


def render_markdown(source: str) -> str:
    """The Markdown subset of SPEC 4 as HTML that is safe to put into a page as it is.

    Raw HTML shows as text, images as the text that was typed, links only to absolute http/https/mailto
    targets; the output holds only ALLOWED_TAGS with ALLOWED_ATTRIBUTES. Unbounded in time: call it through
    resolvers/kernel/markdown_bounded.py, never on the event loop.
    """
    global _MARKDOWN
    if not source.strip():
        return ""
    _MARKDOWN.reset()
    try:
        rendered = _MARKDOWN.convert(source)
    except Exception as error:
        # An interrupted parse leaves state behind that reset() does not clear (the block parser's state
        # stack), and every later document would render wrongly: start from a fresh instance.
        _MARKDOWN = _build_markdown()
        if not isinstance(error, RecursionError):
            raise
        # Thousands of nested quotes or lists: show the text rather than fail the whole response.
        log.warning("Markdown nested too deeply to render (%d characters); shown as plain text", len(source))
        rendered = plain_text_html(source)
    return _CLEANER.clean(_CONTROL_CHARACTERS.sub("", rendered))
