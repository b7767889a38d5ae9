"""Every option's help says its default (or that it has none): a user reads the command's
behaviour without the source."""

from __future__ import annotations

import argparse

import pytest

from lienthong.cli import build_parser


def _subcommands(parser: argparse.ArgumentParser, prefix: str = ""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subcommands(sub, f"{prefix} {name}".strip())
    yield prefix, parser


COMMANDS = [(name, parser) for name, parser in _subcommands(build_parser()) if name]


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_says_its_default(name, parser):
    missing = [action.option_strings[0] for action in parser._actions
               if action.option_strings and not isinstance(action, argparse._HelpAction)
               and not action.required
               and "default" not in (action.help or "")]
    assert not missing, f"lienthong {name}: {missing} do not say their default"
