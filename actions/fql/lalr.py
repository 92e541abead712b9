"""Parse a trigger with the FQL parser's shipped tables (:mod:`actions.fql.tables`) alone,
without importing Lark (some 25 ms of a cold start, and 5 ms more to compile its lexers).

:class:`Driver` reads the same data Lark rebuilds its parser from (the rules, the terminals and
the LALR parse table) and does what Lark's LALR parser with its contextual lexer does on a
trigger that parses: in each parser state it tries the terminals that state accepts in Lark's
order (priority, then the longest possible match, then the longest text, then the name; a
keyword that the identifier pattern also matches is a keyword only where the state accepts
it), shifts and reduces as the table says, and builds each rule's node by calling the method
of the node builder that Lark would call, with the same children (tokens a rule filters out
dropped, ``None`` for an empty optional part, the items of a repetition spliced in).

It only ever parses: at the first thing it would have to report (a character no terminal
matches, a token the state does not accept, an error raised while a node is built) it raises
:class:`Declined`, and the caller parses the text again with Lark, which gives the error its
usual words. So the two agree by construction on every error, and the tests hold them to the
same trees on every trigger that parses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_SHIFT = 0


class Declined(Exception):
    """The text does not parse as it stands (or a node builder raised): Lark must say why."""


class Token(str):
    """A token as Lark makes one for the node builders: its text, its terminal's name and its
    offsets in the trigger."""

    type: str
    start_pos: int
    end_pos: int


class _Repeated(list[Any]):
    """The items of a repetition (a rule whose name starts with ``_``), spliced into the rule
    that holds it."""


def _regexp(pattern: Mapping[str, Any]) -> str:
    value = pattern["value"]
    text = re.escape(value) if pattern["__type__"] == "PatternStr" else value
    for flag in pattern["flags"]:
        text = f"(?{flag}:{text})"
    return str(text)


class _Terminal:
    def __init__(self, data: Mapping[str, Any]) -> None:
        pattern = data["pattern"]
        self.name: str = data["name"]
        self.priority: int = data["priority"]
        self.literal = pattern["__type__"] == "PatternStr"
        self.value: str = pattern["value"]
        self.flags = frozenset(pattern["flags"])
        self.regexp = _regexp(pattern)
        self.max_width: int = len(self.value) if self.literal else pattern["_width"][1]
        self.compiled = re.compile(self.regexp)


class _Lexer:
    """What Lark's lexer for one set of accepted terminals tries, in its order, and the
    keywords its patterns also match (``unless``: pattern's name -> {text: keyword's name})."""

    def __init__(self, terminals: list[_Terminal]) -> None:
        ordered = sorted(
            terminals, key=lambda t: (-t.priority, -t.max_width, -len(t.value), t.name)
        )
        embedded: set[str] = set()
        self.unless: dict[str, dict[str, str]] = {}
        for pattern in (t for t in ordered if not t.literal):
            for word in (t for t in ordered if t.literal and t.priority == pattern.priority):
                match = re.match(pattern.regexp, word.value)
                if match is not None and match.group(0) == word.value:
                    self.unless.setdefault(pattern.name, {}).setdefault(word.value, word.name)
                    if word.flags <= pattern.flags:
                        embedded.add(word.name)
        self.order = [(t.name, t.compiled) for t in ordered if t.name not in embedded]


class _Rule:
    """One rule of the grammar: what a reduction by it pops and the node it builds."""

    def __init__(self, data: Mapping[str, Any], nodes: object) -> None:
        expansion = data["expansion"]
        options = data["options"]
        self.origin: str = data["origin"]["name"]
        self.size = len(expansion)
        name = data["alias"] or options["template_source"] or self.origin
        self.method: Callable[..., Any] | None = getattr(nodes, name, None)
        self.single = bool(options["expand1"]) and not data["alias"]
        self.repeated = self.method is None and name.startswith("_")
        empty = options["empty_indices"]
        if empty:
            runs = "".join(str(int(b)) for b in empty).split("0")
            nones = [len(run) for run in runs]
        else:
            nones = [0] * (self.size + 1)
        self.include: list[tuple[int, bool, int]] = []
        pending = 0
        for i, symbol in enumerate(expansion):
            pending += nones[i]
            terminal = symbol["__type__"] == "Terminal"
            if options["keep_all_tokens"] or not (terminal and symbol.get("filter_out")):
                expand = not terminal and symbol["name"].startswith("_")
                self.include.append((i, expand, pending))
                pending = 0
        self.trailing = pending + nones[self.size]
        self.filtered = (
            bool(empty) or len(self.include) < self.size or any(e for _, e, _ in self.include)
        )

    def build(self, children: list[Any]) -> Any:
        if self.filtered:
            kept: list[Any] = []
            for i, expand, nones in self.include:
                kept.extend([None] * nones)
                if expand:
                    kept.extend(children[i])
                else:
                    kept.append(children[i])
            kept.extend([None] * self.trailing)
            children = kept
        if self.single and len(children) == 1:
            return children[0]
        if self.method is not None:
            return self.method(*children)
        if self.repeated:
            return _Repeated(children)
        raise Declined  # Lark would build a tree here: not a node this parser knows


class Driver:
    """An LALR(1) parser over Lark's serialized ``(data, memo)`` for one start symbol, building
    nodes with the methods of ``nodes`` and calling ``callbacks`` (terminal name -> function of
    the token) on the tokens they name, after Lark's own keyword check."""

    def __init__(
        self,
        data: Mapping[str, Any],
        memo: Mapping[int, Any],
        nodes: object,
        callbacks: Mapping[str, Callable[[Any], Any]],
        start: str = "start",
    ) -> None:
        frontend = data["parser"]
        conf = frontend["lexer_conf"]
        if conf["lexer_type"] != "contextual" or conf["g_regex_flags"] or conf["use_bytes"]:
            raise ValueError("only Lark's contextual lexer with no global flags is followed")
        terminals = [_Terminal(memo[t["@"]]) for t in conf["terminals"]]
        self.terminals = {t.name: t for t in terminals}
        self.ignore = frozenset(conf["ignore"])
        if self.ignore & set(callbacks):
            raise ValueError("a callback on an ignored terminal is not followed")
        self.callbacks = dict(callbacks)
        table = frontend["parser"]
        names: dict[int, str] = table["tokens"]
        self.rules: dict[int, _Rule] = {}
        self.states: dict[int, dict[str, tuple[int, int]]] = {}
        for state, actions in table["states"].items():
            row = {}
            for token, (action, arg) in actions.items():
                if action != _SHIFT:
                    rule_id = arg["@"]
                    if rule_id not in self.rules:
                        self.rules[rule_id] = _Rule(memo[rule_id], nodes)
                    arg = rule_id
                row[names[token]] = (action, arg)
            self.states[state] = row
        self.start = table["start_states"][start]
        self.end = table["end_states"][start]
        self._lexers: dict[int, _Lexer] = {}
        self._by_accepts: dict[frozenset[str], _Lexer] = {}

    def _lexer(self, state: int) -> _Lexer:
        lexer = self._lexers.get(state)
        if lexer is None:
            accepts = frozenset(self.states[state]) | self.ignore
            lexer = self._by_accepts.get(accepts)
            if lexer is None:
                lexer = _Lexer([t for n, t in self.terminals.items() if n in accepts])
                self._by_accepts[accepts] = lexer
            self._lexers[state] = lexer
        return lexer

    def _token(self, text: str, position: int, state: int) -> Token | None:
        """The next token from ``position`` as the lexer of ``state`` reads it (ignored text
        skipped), or None at the end."""
        lexer = self._lexer(state)
        end = len(text)
        while position < end:
            for terminal, pattern in lexer.order:
                match = pattern.match(text, position)
                if match is not None:
                    name = terminal
                    break
            else:
                raise Declined
            position = match.end()
            if name in self.ignore:
                continue
            token = Token(match.group(0))
            token.type = name
            token.start_pos = match.start()
            token.end_pos = position
            keywords = lexer.unless.get(name)
            if keywords is not None:
                token.type = keywords.get(token, name)
            callback = self.callbacks.get(name)
            if callback is not None and token.type == name:
                token = callback(token)
            return token
        return None

    def parse(self, text: str) -> Any:
        """The node the start rule builds for ``text``; :class:`Declined` where Lark would
        raise."""
        try:
            return self._parse(text)
        except Declined:
            raise
        except Exception as exc:  # a node builder's error: Lark reports it its own way
            raise Declined from exc

    def _parse(self, text: str) -> Any:
        states, rules = self.states, self.rules
        stack = [self.start]
        values: list[Any] = []
        position = 0
        while True:
            token = self._token(text, position, stack[-1])
            kind = "$END" if token is None else token.type
            while True:
                action = states[stack[-1]].get(kind)
                if action is None:
                    raise Declined
                if action[0] == _SHIFT:
                    if token is None:
                        raise Declined
                    stack.append(action[1])
                    values.append(token)
                    break
                rule = rules[action[1]]
                if rule.size:
                    children = values[-rule.size :]
                    del stack[-rule.size :]
                    del values[-rule.size :]
                else:
                    children = []
                value = rule.build(children)
                goto = states[stack[-1]].get(rule.origin)
                if goto is None or goto[0] != _SHIFT:
                    raise Declined
                stack.append(goto[1])
                values.append(value)
                if token is None and stack[-1] == self.end:
                    return value
            assert token is not None
            position = token.end_pos
