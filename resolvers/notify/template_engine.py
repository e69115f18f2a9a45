"""The email template language: Jinja2's sandbox, the documented variables of each topic, and the checks a
template passes before it is saved.

Why a sandbox: admins write these templates, and a template must never reach past the values it is given
(no attribute of a Python object, no file, no other template). SandboxedEnvironment refuses attributes that
start with `_` and unsafe callables; StrictUndefined makes any such access an error rather than empty text; the
values are plain strings (never ORM objects), filtered down to the topic's documented list, so nothing else is
there to reach. No loader is configured and `include`/`import`/`extends` are refused on save.

The HTML part autoescapes every value with `html.escape` (what the `$name` templates did, so mail looks the same)
except the `*_html` values, which are HTML made safe by resolvers/kernel/markdown.py. The subject's values and
result are collapsed to one line (no header injection).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from resolvers.kernel.errors import Problems, Reason

PART_FIELDS = ("subject", "text", "html")
# Far above any real email, far below anything that could slow the sender down.
MAX_TEMPLATE_LENGTH = 20_000
MAX_REPEAT = 100_000  # characters (or items) a repetition may make
MAX_POWER = 64

_COMMON = {
    "number": ("The ticket's number.", "123"),
    "subject": ("The ticket's subject.", "Printer on fire"),
    "description": ("The ticket's description as typed (Markdown).", "The printer on floor 2 is *smoking*."),
    "description_html": (
        "The description rendered from Markdown as safe HTML.",
        "<p>The printer on floor 2 is <em>smoking</em>.</p>",
    ),
    "status": ("The ticket's status name.", "Open"),
    "assignee_name": ('Name of the assignee, or "nobody".', "Sam Staff"),
    "group_name": ('Name of the assigned group, or "no group".', "Facilities"),
    "tracking_ref": ("The ticket's tracking reference (guest tickets; empty otherwise).", "HD-7K2M9Q"),
    "link": (
        "Where the email's button leads: the ticket page (a guest's private access link for guests).",
        "https://help.example.org/tickets/123",
    ),
    "ticket_url": ("The ticket's page in the help desk.", "https://help.example.org/tickets/123"),
    "helpdesk_url": ("The help desk's address (BASE_URL).", "https://help.example.org"),
    "recipient": ("The address this email goes to.", "alex@example.org"),
}
_EXTRA: dict[str, dict[str, tuple[str, str]]] = {
    "reply_added": {
        "reply_author": ("Who wrote the public reply (never an internal note).", "Sam Staff"),
        "reply_body": ("The public reply as typed (Markdown).", "We are **on it**."),
        "reply_body_html": ("The public reply rendered as safe HTML.", "<p>We are <strong>on it</strong>.</p>"),
    },
    "ticket_resolved": {
        "resolution_notes": ("The resolution notes (Markdown).", "Replaced the *fuser*."),
        "resolution_notes_html": ("The resolution notes rendered as safe HTML.", "<p>Replaced the <em>fuser</em>.</p>"),
    },
    "ticket_reopened": {
        "reason": ("Why the ticket was reopened (Markdown).", "It is *smoking* again."),
        "reason_html": ("The reason rendered as safe HTML.", "<p>It is <em>smoking</em> again.</p>"),
    },
    "guest_ticket_created": {
        "access_url": ("The guest's private access link.", "https://help.example.org/track/sample")
    },
    "guest_access_link": {"access_url": ("The guest's private access link.", "https://help.example.org/track/sample")},
    "sla_at_risk": {
        "due_at": ("When the SLA is breached unless someone acts (UTC).", "2026-01-05 10:00 UTC"),
    },
    "sla_breached": {"breached_at": ("When the SLA was breached (UTC).", "2026-01-05 10:00 UTC")},
}


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    sample: str


def variables(topic: str) -> list[Variable]:
    """Everything a template of this topic may use. No topic offers an internal note: no variable holds one."""
    found = {**_COMMON, **_EXTRA.get(topic, {})}
    return [Variable(name, description, sample) for name, (description, sample) in found.items()]


def sample_values(topic: str) -> dict[str, str]:
    return {variable.name: variable.sample for variable in variables(topic)}


def _html_value(value: Any) -> Any:
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


class _Sandbox(SandboxedEnvironment):
    """The sandbox bounds attribute access and `range`, not arithmetic: `{{ 'x' * 10**9 }}` would fill memory
    while the template is checked on save. Repetition and powers are capped (nothing an email needs is near)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
            raise SecurityError(f"** {right} is beyond what a template may compute.")
        if operator == "*":
            sequence, times = (left, right) if isinstance(left, str | list | tuple) else (right, left)
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(times, int)
                and len(sequence) * times > MAX_REPEAT
            ):
                raise SecurityError(f"repeating {len(sequence)} characters or items {times} times is too much.")
        return super().call_binop(context, operator, left, right)


def _environment(**options: Any) -> SandboxedEnvironment:
    env = _Sandbox(undefined=StrictUndefined, keep_trailing_newline=True, **options)
    env.globals.clear()  # range, lipsum, dict...: nothing a template needs, so nothing to reach
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True, finalize=_html_value)
# Only the *_html values are markup; `|safe` would let an admin pass text people typed (a subject, a reply) into
# the HTML as is. Without it every value is escaped, even inside `{% autoescape false %}` (finalize does it).
del _HTML.filters["safe"]


def _env(part: str) -> SandboxedEnvironment:
    return _HTML if part == "html" else _TEXT


def one_line(value: str) -> str:
    return " ".join(value.split())


def fill(topic: str, part: str, source: str, values: dict[str, str]) -> str:
    """Render one part with the topic's documented values only (raises jinja2's TemplateError)."""
    offered = {variable.name for variable in variables(topic)}
    context: dict[str, Any] = {key: value for key, value in values.items() if key in offered}
    if part == "subject":
        return one_line(_TEXT.from_string(source).render({k: one_line(v) for k, v in context.items()}))
    if part == "html":
        context = {key: Markup(value) if key.endswith("_html") else value for key, value in context.items()}
    return _env(part).from_string(source).render(context)


def check(problems: Problems, topic: str, part: str, source: str) -> None:
    """Add why this part cannot be saved to `problems`: too long, does not compile, includes a file, names an
    unknown variable, or fails when filled with sample data. `part` is also the field named."""
    if len(source) > MAX_TEMPLATE_LENGTH:
        problems.add(part, f"{part} is {len(source)} characters; at most {MAX_TEMPLATE_LENGTH}.", Reason.TOO_LONG)
        return
    env = _env(part)
    try:
        tree = env.parse(source)
        # Compiles it too: an unknown filter or test (TemplateAssertionError) is a syntax error here.
        declared = meta.find_undeclared_variables(tree)
    except TemplateSyntaxError as error:
        where = _position(source, error.lineno, _error_token(error))
        problems.add(part, f"{part} does not compile at {where}: {_sentence(error.message)}", Reason.TEMPLATE_SYNTAX)
        return
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        where = _position(source, node.lineno, "{%")
        problems.add(
            part, f"{part} cannot include, import or extend other templates ({where}).", Reason.TEMPLATE_INCLUDE
        )
        return
    offered = {variable.name for variable in variables(topic)}
    unknown = sorted(declared - offered)
    for name in unknown:
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
        problems.add(
            part,
            f"{part} uses {name!r} at {_position(source, line, name)}, which is not a variable of {topic}; "
            f"it may use {', '.join(sorted(offered))}.",
            Reason.UNKNOWN_VARIABLE,
        )
    if unknown:
        return
    try:
        fill(topic, part, source, sample_values(topic))
    except TemplateError as error:
        problems.add(part, f"{part} fails with sample data: {_sentence(str(error))}", Reason.TEMPLATE_UNSAFE)


def _sentence(message: str | None) -> str:
    return (message or "invalid template").rstrip(".") + "."


def _error_token(error: TemplateSyntaxError) -> str:
    quoted = re.search(r"'([^']+)'", error.message or "")
    return quoted.group(1) if quoted else "{"


def _position(source: str, line: int, token: str) -> str:
    """`line L, column C`: Jinja reports lines only; the column is where `token` (the name or tag at fault)
    first appears on that line, or the line's first tag."""
    lines = source.splitlines() or [""]
    text = lines[min(max(line, 1), len(lines)) - 1]
    column = text.find(token)
    if column < 0:
        column = max(text.find("{"), 0)
    return f"line {line}, column {column + 1}"
