"""The `dossier` command line: thin adapters that parse arguments, call the core and render results.

Subcommands live in their own modules and are imported only when run, so `dossier ask` pays for
nothing it does not use.
"""

from __future__ import annotations

import importlib
import sys

import click

from bot.cli.common import FullHelpGroup, configure_logging, load_settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# name -> "module:attribute"; the order is the order of `dossier --help`.
COMMANDS = {
    "start": "bot.cli.serve:start",
    "index": "bot.cli.index:index_group",
    "search": "bot.cli.index:search",
    "ask": "bot.cli.ask:ask",
    "chat": "bot.cli.ask:chat",
    "eval": "bot.cli.ask:evaluate_command",
    "bot": "bot.cli.serve:bot_command",
    "health": "bot.cli.serve:health",
    "feeds": "bot.cli.feeds:feeds_group",
    "feedback": "bot.cli.feedback:feedback_group",
}


class LazyGroup(FullHelpGroup):
    """A group whose subcommands are imported on first use (click's documented lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
# Read from the installed metadata (pyproject.toml's version) only when asked: bot.version() is the same.
@click.version_option(package_name="dossier", message="dossier %(version)s")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """Dossier: cited answers from a news archive."""
    settings = load_settings()
    level = {0: settings.log_level, 1: "INFO"}.get(verbose, "DEBUG")
    configure_logging(level)
    if sys.stderr.isatty():  # progress is for people; in a pipe rich's progress is not even imported
        from bot.cli.common import cli_translator
        from bot.cli.progress import show_progress
        from bot.cli.render import console

        show_progress(console(stderr=True), cli_translator())
    ctx.obj = settings
