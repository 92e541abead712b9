"""Snapshot tests of rendered FQL errors: the message, the source line, the caret and the hint
are part of the contract."""

from __future__ import annotations

import pytest

from actions import fql

SNAPSHOTS = {
    "type == 'track'": """1:6: '==' is not an operator [double-equals]
  type == 'track'
       ^~
  hint: FQL compares with a single '=': write `event = 'Order Completed'`""",
    "type = 'track' && event = 'x'": """1:16: '&&' is not an operator [c-style-operator]
  type = 'track' && event = 'x'
                 ^~
  hint: write `and`""",
    "event = 'Order": """1:9: unclosed string [unclosed-string]
  event = 'Order
          ^
  hint: close the string with '""",
    "(type = 'track'": """1:1: '(' is never closed [unclosed-paren]
  (type = 'track'
  ^
  hint: add ')'""",
    "properties.total >": """1:19: missing value at the end of the trigger [missing-value]
  properties.total >
                    ^
  hint: complete the comparison: `properties.total > 100`""",
    "lenght(userId) > 0": """1:1: unknown function 'lenght' [unknown-function]
  lenght(userId) > 0
  ^~~~~~
  hint: did you mean `length`?""",
    "contains(event)": """1:1: contains() takes 2 arguments, got 1 [wrong-arity]
  contains(event)
  ^~~~~~~~~~~~~~~
  hint: the signature is contains(string | null | list, any) -> bool""",
    "type = 'track' event = 'x'": """1:16: unexpected 'event' after a complete expression [trailing-text]
  type = 'track' event = 'x'
                 ^~~~~
  hint: join conditions with `and` / `or`, or quote text values""",
    "!event = 'x'": """1:1: bool is compared with string: `=` is always false [meaningless-comparison]
  !event = 'x'
  ^~~~~~~~~~~~
  hint: did you mean `event != "x"`?""",
    "match(event, 3)": """1:14: match() expects string or null here, not number [argument-type]
  match(event, 3)
               ^
  hint: the signature is match(string | null, string | null) -> bool""",
    "[1 2]": """1:4: unexpected '2': a ',' or a closing bracket is missing before it [missing-comma]
  [1 2]
     ^
  hint: separate arguments and list items with ','""",
    "match(event, '[z-a]*')": """1:14: bad glob pattern: the range z-a is reversed; write a-z [bad-pattern]
  match(event, '[z-a]*')
               ^~~~~~~~
  hint: globs use * ? [abc] [a-z] [!a] and \\x for a literal x""",
}


@pytest.mark.parametrize("text", list(SNAPSHOTS))
def test_rendered_error(text: str) -> None:
    with pytest.raises(fql.FQLSyntaxError) as caught:
        fql.compile(text)
    assert caught.value.render() == SNAPSHOTS[text]


def test_multi_line_trigger_positions() -> None:
    with pytest.raises(fql.FQLSyntaxError) as caught:
        fql.compile("type = 'track'\nand event == 'x'")
    error = caught.value
    assert (error.line, error.column, error.offset) == (2, 11, 25)
    assert error.render().splitlines()[1] == "  and event == 'x'"


def test_expected_tokens_are_the_ones_the_parser_accepts() -> None:
    with pytest.raises(fql.FQLSyntaxError) as caught:
        fql.compile("type = 'track' event")
    assert caught.value.expected == ("and", "or", "the end")
