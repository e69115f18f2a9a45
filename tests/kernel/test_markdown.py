"""render_markdown: each feature of the SPEC 4 subset renders to the expected HTML, everything else is text.

Plain unit tests (no database), except the last one, which reads `descriptionHtml` through GraphQL.
"""

from __future__ import annotations

import httpx
import pytest

from core.enums import Role
from resolvers.kernel.markdown import render_markdown
from tests.helpers import gql_data, make_category, make_person

REL = 'rel="noopener noreferrer nofollow"'


def test_bold_and_italic_with_stars_and_underscores() -> None:
    assert render_markdown("**b** *i* __B__ _I_") == (
        "<p><strong>b</strong> <em>i</em> <strong>B</strong> <em>I</em></p>"
    )
    assert render_markdown("***both***") == "<p><strong><em>both</em></strong></p>"


def test_underscores_inside_words_stay_text() -> None:
    assert render_markdown("call snake_case_name now") == "<p>call snake_case_name now</p>"


def test_inline_code_escapes_html_and_ignores_markdown() -> None:
    assert render_markdown("run `a < b && **c**` now") == "<p>run <code>a &lt; b &amp;&amp; **c**</code> now</p>"


def test_fenced_code_block_keeps_the_language_class_and_escapes_its_content() -> None:
    source = "```python\nif a < b:\n    print('<script>')\n```"
    assert render_markdown(source) == (
        "<pre><code class=\"language-python\">if a &lt; b:\n    print('&lt;script&gt;')\n</code></pre>"
    )


def test_fenced_code_with_tildes_without_a_language_and_with_markdown_inside() -> None:
    assert render_markdown("~~~\n**not bold** <b>\n~~~") == "<pre><code>**not bold** &lt;b&gt;\n</code></pre>"


def test_fenced_code_attributes_other_than_the_language_are_dropped() -> None:
    source = '~~~{.python .extra #anchor data-x="1"}\nx = 1\n~~~'
    assert render_markdown(source) == '<pre><code class="language-python">x = 1\n</code></pre>'


def test_unordered_lists_with_any_bullet_and_nesting() -> None:
    assert render_markdown("- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert render_markdown("* a\n* b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert render_markdown("- a\n    - inner") == "<ul>\n<li>a<ul>\n<li>inner</li>\n</ul>\n</li>\n</ul>"


def test_ordered_lists_and_a_list_after_a_paragraph() -> None:
    assert render_markdown("1. one\n2. **two**") == "<ol>\n<li>one</li>\n<li><strong>two</strong></li>\n</ol>"
    # No `start` attribute (not on the allow-list): a list typed from 3 is numbered from 1.
    assert render_markdown("3. three\n4. four") == "<ol>\n<li>three</li>\n<li>four</li>\n</ol>"
    assert render_markdown("Steps:\n\n1. a") == "<p>Steps:</p>\n<ol>\n<li>a</li>\n</ol>"


def test_links_get_rel_and_lose_their_title() -> None:
    assert render_markdown('[docs](https://example.com/a?b=1&c=2 "Title")') == (
        f'<p><a href="https://example.com/a?b=1&amp;c=2" {REL}>docs</a></p>'
    )
    assert render_markdown("[mail](mailto:help@example.com)") == (
        f'<p><a href="mailto:help@example.com" {REL}>mail</a></p>'
    )


def test_autolinks_and_reference_links() -> None:
    assert render_markdown("<https://example.com>") == (
        f'<p><a href="https://example.com" {REL}>https://example.com</a></p>'
    )
    assert render_markdown("<help@example.com>") == (
        f'<p><a href="mailto:help@example.com" {REL}>help@example.com</a></p>'
    )
    assert render_markdown("see [the guide][g]\n\n[g]: http://example.com/guide") == (
        f'<p>see <a href="http://example.com/guide" {REL}>the guide</a></p>'
    )


def test_links_that_are_not_absolute_http_https_or_mailto_keep_only_their_text() -> None:
    for target in ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "/relative", "//host.example", "ftp://x"]:
        assert render_markdown(f"go [*here*]({target}) now") == "<p>go <em>here</em> now</p>", target


def test_blockquotes_nest_and_hold_other_markdown() -> None:
    assert render_markdown("> quoted **bold**\n> > inner") == (
        "<blockquote>\n<p>quoted <strong>bold</strong></p>\n<blockquote>\n<p>inner</p>\n</blockquote>\n</blockquote>"
    )
    assert render_markdown("> - item") == "<blockquote>\n<ul>\n<li>item</li>\n</ul>\n</blockquote>"


def test_paragraphs_and_line_breaks() -> None:
    assert render_markdown("line one\nline two\n\nsecond paragraph") == (
        "<p>line one<br>\nline two</p>\n<p>second paragraph</p>"
    )


def test_raw_html_is_escaped_and_shown_as_text() -> None:
    assert render_markdown("<b>x</b>") == "<p>&lt;b&gt;x&lt;/b&gt;</p>"
    assert render_markdown("<div>\nblock\n</div>") == "<p>&lt;div&gt;<br>\nblock<br>\n&lt;/div&gt;</p>"
    assert render_markdown("a <!-- note --> b") == "<p>a &lt;!-- note --&gt; b</p>"
    assert render_markdown("5 < 6 & 7 > 3") == "<p>5 &lt; 6 &amp; 7 &gt; 3</p>"


def test_images_stay_as_the_text_that_was_typed() -> None:
    assert render_markdown("![screenshot](https://example.com/s.png)") == (
        "<p>![screenshot](https://example.com/s.png)</p>"
    )


def test_headings_rules_and_tables_are_plain_text() -> None:
    assert render_markdown("# Title") == "<p># Title</p>"
    assert render_markdown("Title\n=====") == "<p>Title<br>\n=====</p>"
    assert render_markdown("above\n\n---") == "<p>above</p>\n<p>---</p>"
    assert render_markdown("| a | b |\n|---|---|") == "<p>| a | b |<br>\n|---|---|</p>"


def test_indented_code_is_a_code_block_too() -> None:
    assert render_markdown("    <x> = 1") == "<pre><code>&lt;x&gt; = 1\n</code></pre>"


def test_empty_and_blank_sources_render_nothing() -> None:
    assert render_markdown("") == ""
    assert render_markdown(" \n\t\n") == ""


def test_control_characters_are_dropped() -> None:
    assert render_markdown("a\x00b\x07c\x1bd") == "<p>abcd</p>"


def test_nothing_carries_over_from_one_document_to_the_next() -> None:
    assert render_markdown("[x]\n\n[x]: https://one.example") == f'<p><a href="https://one.example" {REL}>x</a></p>'
    # The definition above must not make this a link.
    assert render_markdown("[x]") == "<p>[x]</p>"


def test_large_documents_render_the_same_way_without_the_cache() -> None:
    paragraph = "Some **bold** text with `code` and a [link](https://example.com).\n\n"
    source = paragraph * 400  # ~26 KB, above the memoised size
    link = f'<a href="https://example.com" {REL}>link</a>'
    expected_paragraph = f"<p>Some <strong>bold</strong> text with <code>code</code> and a {link}.</p>"
    assert render_markdown(source) == "\n".join([expected_paragraph] * 400)


@pytest.mark.parametrize("source", ["- " * 3000 + "x", "> " * 3000 + "x"])
def test_absurdly_deep_nesting_renders_instead_of_failing(source: str) -> None:
    output = render_markdown(source)
    assert output.startswith(("<p>", "<blockquote>"))
    assert "x" in output
    # The interrupted parse left nothing behind for the next document.
    assert render_markdown("after **that**") == "<p>after <strong>that</strong></p>"


async def test_ticket_description_html_through_graphql(client: httpx.AsyncClient) -> None:
    category = await make_category()
    user = await make_person(Role.USER)
    description = "<script>alert(1)</script> and **bold**"
    created = await gql_data(
        client,
        """mutation($input: CreateTicketInput!) {
             createTicket(input: $input) { ticket { number description descriptionHtml } errors { message } }
           }""",
        {"input": {"subject": "Markdown", "description": description, "categoryId": str(category.id)}},
        user.token,
    )
    payload = created["createTicket"]
    assert payload["errors"] == []
    expected = "<p>&lt;script&gt;alert(1)&lt;/script&gt; and <strong>bold</strong></p>"
    assert payload["ticket"]["description"] == description
    assert payload["ticket"]["descriptionHtml"] == expected

    staff = await make_person(Role.STAFF)
    read = await gql_data(
        client,
        "query($n: Int!) { ticket(number: $n) { descriptionHtml } }",
        {"n": payload["ticket"]["number"]},
        staff.token,
    )
    assert read["ticket"]["descriptionHtml"] == expected
