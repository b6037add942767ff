"""An allow-list for a lesson's text: simple formatting passes, everything else is text or gone.

A lesson file's ``text`` is HTML, and a lesson file is a user's file like any
other: it may come from a colleague or a download. Qt's rich text loads what
a tag asks for (``<img src="/dev/zero">`` reads that endless file until the
app aborts), so only formatting tags are kept, and never an attribute:

- kept, without attributes: ``ALLOWED`` (paragraphs, emphasis, lists, small
  headings, code, sub/superscripts, plain spans, simple tables);
- dropped with everything inside: ``DROPPED`` (scripts, styles, frames,
  embedded objects, forms);
- dropped, their text kept: every other tag (``<a>``, ``<div>``, ``<font>``, an
  unknown or misspelt tag); ``<img>`` and other empty tags leave nothing;
- comments, declarations and processing instructions are dropped.

Entities stay as written when Qt knows them (``&lt;``, ``&nbsp;``, ``&#8594;``);
a stray ``&`` or ``<`` becomes text. The result is well-formed: every kept tag
is closed, in order, and nesting stops at ``MAX_DEPTH``.
"""

from __future__ import annotations

from html import escape
from html.entities import html5, name2codepoint
from html.parser import HTMLParser

__all__ = ["ALLOWED", "DROPPED", "MAX_DEPTH", "sanitize"]

ALLOWED = frozenset({"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "h3", "h4", "code", "pre",
                     "sub", "sup", "span", "table", "thead", "tbody", "tr", "td", "th"})
DROPPED = frozenset({"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
                     "template", "head", "title", "svg", "math", "audio", "video", "canvas", "form", "select",
                     "textarea", "button", "link", "meta", "base"})
MAX_DEPTH = 32  # nested kept tags; deeper ones are dropped (their text stays)

_VOID = frozenset({"br"})
# an opening tag that ends an open one it cannot sit in, as HTML does (<li>a<li>b, <td>1<td>2):
# tag -> (the open tags it ends, the open tags that stop the search for one)
_LISTS, _CELLS = frozenset({"ul", "ol"}), frozenset({"td", "th"})
_ENDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "p": (frozenset({"p"}), _LISTS | _CELLS | {"li", "table", "tr"}),
    "li": (frozenset({"li"}), _LISTS),
    "td": (_CELLS, frozenset({"tr", "table"})),
    "th": (_CELLS, frozenset({"tr", "table"})),
    "tr": (frozenset({"tr"}), frozenset({"table"})),
}
# elements that have no content, so never need a matching end tag to stop dropping
_EMPTY = frozenset({"link", "meta", "base", "embed"})


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.open: list[str] = []  # kept tags not yet closed, outermost first
        self.dropping: list[str] = []  # DROPPED elements we are inside, outermost first

    # -- tags -------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[0]:
                self.dropping.append(tag)  # nested <object><object>: wait for both ends
            return
        if tag in DROPPED:
            if tag not in _EMPTY:
                self.dropping.append(tag)
            return
        if tag not in ALLOWED:
            return
        if tag in _VOID:
            self.out.append(f"<{tag}>")
            return
        if tag in _ENDS:
            self._end_implied(*_ENDS[tag])
        if len(self.open) >= MAX_DEPTH:
            return
        self.open.append(tag)
        self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in ALLOWED and tag not in _VOID and tag in self.open:
            self._close_to(len(self.open) - 1 - self.open[::-1].index(tag))

    def _end_implied(self, ends: frozenset[str], stops: frozenset[str]) -> None:
        """Close the innermost open tag in ``ends`` (and all inside it), unless one in ``stops`` comes first."""
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index] in ends:
                self._close_to(index)
                return
            if self.open[index] in stops:
                return

    def _close_to(self, index: int) -> None:
        """Close the open tags from the innermost down to ``open[index]``, that one included."""
        while len(self.open) > index:
            self.out.append(f"</{self.open.pop()}>")

    # -- text ------------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        if self.dropping:
            return
        if name in name2codepoint:
            self.out.append(f"&{name};")
        elif f"{name};" in html5:  # an HTML5 name Qt may not know: its characters instead
            self.out.append(escape(html5[f"{name};"], quote=False))
        else:
            self.out.append(f"&amp;{escape(name, quote=False)};")

    def handle_charref(self, name: str) -> None:
        if self.dropping:
            return
        try:
            code = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
        except ValueError:
            code = -1
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            self.out.append(f"&#{code};")
        else:
            self.out.append("\N{REPLACEMENT CHARACTER}")

    # comments, <!doctype>, <?pi?> and <![CDATA[ ]]> are not text to show
    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    def result(self) -> str:
        self.close()
        self.dropping.clear()
        self._close_to(0)
        return "".join(self.out)


def sanitize(text: str) -> str:
    """``text`` with only ``ALLOWED`` tags, no attributes, no scripts or styles; well-formed."""
    parser = _Sanitizer()
    parser.feed(text)
    return parser.result()
