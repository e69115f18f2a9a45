"""render_markdown against a corpus of XSS payloads: whatever goes in, only allow-listed HTML comes out.

Each output is parsed with Python's html.parser (the way a browser would tokenise it) and checked against the
allow-list written out here, independently of the one in resolvers/kernel/markdown.py.
"""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser

import pytest

from resolvers.kernel.markdown import render_markdown

TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a"}
ATTRIBUTES = {"a": {"href", "rel"}, "code": {"class"}}
REL = "noopener noreferrer nofollow"
SAFE_HREF = re.compile(r"(?:https?://|mailto:)\S*", re.IGNORECASE)
LANGUAGE_CLASS = re.compile(r"language-[\w#+.-]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnsafeHtml(AssertionError):
    pass


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            elif name not in ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} on <{tag}>")
            elif name == "href" and not SAFE_HREF.fullmatch(value or ""):
                self.problems.append(f"href {value!r}")
            elif name == "rel" and value != REL:
                self.problems.append(f"rel {value!r}")
            elif name == "class" and not LANGUAGE_CLASS.fullmatch(value or ""):
                self.problems.append(f"class {value!r}")
        if tag == "a" and dict(attrs).get("rel") != REL:
            self.problems.append("link without rel")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in TAGS:
            self.problems.append(f"end tag </{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def assert_safe_html(output: str) -> None:
    """Only allow-listed tags and attributes, absolute http/https/mailto links, no handlers, no comments."""
    checker = _Checker()
    checker.feed(output)
    checker.close()
    if CONTROL_CHARACTERS.search(output):
        checker.problems.append("control character")
    if checker.problems:
        raise UnsafeHtml(f"{checker.problems} in {output!r}")


PAYLOADS = [
    # Script tags, every casing and some broken-up forms.
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<script src="http://evil.example/x.js"></script>',
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<script\n>alert(1)</script\n>",
    # Event handlers on raw tags.
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="javascript:alert(1)">',
    '<img src="x` `onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<x onclick=alert(1)>custom</x>",
    # Raw links and embedding tags.
    '<a href="javascript:alert(1)">click</a>',
    '<a href="http://ok.example" onclick="alert(1)">ok</a>',
    "<a href=javascript&colon;alert(1)>x</a>",
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # SVG / MathML namespace tricks (mutation XSS).
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    # Comments, CDATA, declarations.
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<!DOCTYPE html><?xml version="1.0"?>',
    # Markdown links with hostile targets.
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](  \tjavascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript\\:alert(1))",
    "[x](%20javascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](https://ok.example/\x00javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/)",
    "[x](/relative/path)",
    "*[x](javascript:alert(1))*",
    "[![img](http://x.example/i.png)](javascript:alert(1))",
    # Autolinks.
    "<javascript:alert(1)>",
    "<javascript://%0aalert(1)>",
    "<JAVASCRIPT://example.com/%0aalert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript://x/msgbox(1)>",
    '<http://a.example/"onmouseover="alert(1)>',
    "<foo@bar.example?subject=javascript:alert(1)>",
    # Reference-style definitions.
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "[evil]\n\n[evil]: data:text/html,<script>alert(1)</script>",
    "[x][e]\n\n[e]: <javascript:alert(1)> 'title'",
    '[x][e]\n\n[e]: http://ok.example "a" onclick="alert(1)"',
    # Breaking out of attributes.
    '[a](http://x" onmouseover="alert(1))',
    "[a](http://x 'onmouseover=alert(1)')",
    '[a](https://x.example/"><script>alert(1)</script>)',
    '[x](http://example.com/ "title" onclick="alert(1)")',
    '![x" onerror="alert(1)](http://x.example/i.png)',
    "![x](javascript:alert(1))",
    # Markdown around HTML.
    "[<img src=x onerror=alert(1)>](http://a.example)",
    "**<script>alert(1)</script>**",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "```js onclick=alert(1)\nx\n```",
    '~~~{.python .evil #id onclick="alert(1)" style="x"}\nx\n~~~',
    '```"><script>alert(1)</script>\nx\n```',
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "1. <svg onload=alert(1)>",
    "    <script>alert(1)</script>",
    "\\<script\\>alert(1)\\</script\\>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<div>\n**bold** <script>alert(1)</script>\n</div>",
    "# <script>alert(1)</script>",
    "| <script> | x |\n|---|---|\n| 1 | 2 |",
    # Malformed links that make python-markdown leak its placeholder characters.
    '[]("(\\>',
    '[x](http://a.example "(\\<script>)',
]


def test_the_corpus_is_large_and_has_no_duplicates() -> None:
    assert len(PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_only_allow_listed_html(payload: str) -> None:
    assert_safe_html(render_markdown(payload))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("[x](javascript:alert(1))", "<p>x</p>"),
        ("[x](JaVaScRiPt:alert(1))", "<p>x</p>"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>x</p>"),
        ("[x](vbscript:msgbox(1))", "<p>x</p>"),
        ("[x][evil]\n\n[evil]: javascript:alert(1)", "<p>x</p>"),
        ("<javascript://%0aalert(1)>", "<p>javascript://%0aalert(1)</p>"),
        ("*[x **y**](javascript:alert(1))* z", "<p><em>x <strong>y</strong></em> z</p>"),
        (
            "[<img src=x onerror=alert(1)>](http://a.example)",
            f'<p><a href="http://a.example" rel="{REL}">&lt;img src=x onerror=alert(1)&gt;</a></p>',
        ),
        ("**<script>**", "<p><strong>&lt;script&gt;</strong></p>"),
        ("`<script>`", "<p><code>&lt;script&gt;</code></p>"),
        ("<!-- hidden -->", "<p>&lt;!-- hidden --&gt;</p>"),
    ],
)
def test_hostile_input_shows_as_text_and_bad_links_keep_only_their_text(payload: str, expected: str) -> None:
    assert render_markdown(payload) == expected


FRAGMENTS = [*PAYLOADS, "**", "*", "_", "`", "```", "[", "]", "(", ")", "<", ">", '"', "'", "\n", "\n\n", "> ", "- "]
JOINERS = ["", " ", "\n", "\n\n", "](", "](javascript:", "](http://x.example/", "<", ">", "`", "**", "\n> ", "\n- "]


def test_random_mixes_of_the_corpus_render_only_allow_listed_html() -> None:
    rng = random.Random(20240405)
    for _ in range(400):
        parts = [rng.choice(FRAGMENTS) for _ in range(rng.randint(2, 7))]
        document = "".join(part + rng.choice(JOINERS) for part in parts)
        output = render_markdown(document)
        try:
            assert_safe_html(output)
        except UnsafeHtml as error:
            raise AssertionError(f"input {document!r}") from error


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<p onclick=x>a</p>",
        '<a href="javascript:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<a href="/relative" rel="noopener noreferrer nofollow">x</a>',
        '<a href="https://ok.example">no rel</a>',
        '<code class="evil">x</code>',
        '<p title="x">a</p>',
        "<!-- comment -->",
        "<![CDATA[x]]>",
        "<img src=x>",
        "<p>leaked placeholder \x03</p>",
    ],
)
def test_the_checker_itself_rejects_unsafe_html(html: str) -> None:
    with pytest.raises(UnsafeHtml):
        assert_safe_html(html)


def test_the_checker_accepts_what_the_renderer_should_produce() -> None:
    assert_safe_html(
        '<p><strong>a</strong> <em>b</em> <a href="https://ok.example" rel="noopener noreferrer nofollow">c</a></p>'
        '<pre><code class="language-python">x &lt; y</code></pre><ul><li>d<br></li></ul><blockquote>e</blockquote>'
    )
