"""The help of every command explains every option; the database URL comes from --database,
$ASM_DATABASE_URL or $DATABASE_URL, in that order; shell completion works."""

from __future__ import annotations

import json

import click
import pytest

from asm.cli.app import COMMANDS as REGISTERED
from asm.cli.app import load_commands
from asm.cli.main import cli

from test_cli import ASM, ENV, command, ok, record_session

COMMANDS = sorted(load_commands().items())


def test_the_group_lists_each_command_with_its_own_one_line_help():
    # `asm --help` reads the names and one-line helps from asm.cli.app.COMMANDS without
    # importing the commands: they must say what each command itself says.
    assert sorted(REGISTERED) == [name for name, _ in COMMANDS]
    for name, command_ in COMMANDS:
        module, text = REGISTERED[name]
        assert command_.callback.__module__ == f"asm.cli.commands.{module}", name
        assert text == command_.get_short_help_str(limit=1000), name


def options(command_: click.Command) -> list[click.Option]:
    return [p for p in command_.params if isinstance(p, click.Option)]


@pytest.mark.parametrize("name,command_", [("asm", cli), *COMMANDS], ids=["asm", *(n for n, _ in COMMANDS)])
def test_every_option_says_what_it_does(name, command_):
    missing = [o.opts for o in options(command_) if not (o.help or "").strip()]
    assert missing == [], f"`{name}` options without help: {missing}"
    assert (command_.help or command_.short_help or "").strip(), f"`{name}` has no description"


@pytest.mark.parametrize("name,command_", [("asm", cli), *COMMANDS], ids=["asm", *(n for n, _ in COMMANDS)])
def test_database_help_names_both_variables_and_the_default(name, command_):
    (database,) = [o for o in options(command_) if "--database" in o.opts]
    assert "$ASM_DATABASE_URL" in database.help and "$DATABASE_URL" in database.help
    assert "sqlite:///asm.db" in database.help


def test_search_lists_event_types_in_its_help_not_in_its_usage_line():
    (result,) = ok([str(ASM), "search", "--help"], env={**ENV, "COLUMNS": "100"})
    (line,) = [line for line in result.stdout.splitlines() if line.strip().startswith("--type")]
    assert "TYPE" in line and "|" not in line  # a metavar, not 25 choices inline
    assert "workspace_snapshot_taken" in result.stdout and "message_streamed" in result.stdout


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_the_url_from_database_url_when_asm_database_url_is_unset(raw, tmp_path):
    session = record_session(raw.url)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    env = {k: v for k, v in ENV.items() if k != "DATABASE_URL"}
    runs = [ok([str(ASM), "--json", "sessions"], env={**env, "DATABASE_URL": raw.url}),
            ok([str(ASM), "--json", "sessions"], env={**env, "ASM_DATABASE_URL": raw.url, "DATABASE_URL": other}),
            ok(command(raw.url, "--json", "sessions"), env={**env, "ASM_DATABASE_URL": other})]
    for (result,) in runs:
        assert [s["id"] for s in json.loads(result.stdout)["sessions"]] == [session.id], result.args


def test_shell_completion_scripts_and_answers():
    (script,) = ok([str(ASM)], env={**ENV, "_ASM_COMPLETE": "bash_source"})
    assert "_asm_completion" in script.stdout and "complete " in script.stdout
    (answer,) = ok([str(ASM)], env={**ENV, "_ASM_COMPLETE": "bash_complete", "COMP_WORDS": "asm se", "COMP_CWORD": "1"})
    assert answer.stdout.split() == ["plain,search", "plain,sessions"]
