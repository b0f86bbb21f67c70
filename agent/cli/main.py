"""The `dial` command: a click group whose subcommands are imported only when used.

Each area of dial owns one module of commands (see `COMMANDS`); keeping imports lazy keeps
`dial --help` fast and means a broken optional part cannot break unrelated commands.
"""

from __future__ import annotations

import importlib
import sys

import click

from agent import __version__
from sandbox.errors import UserError

# command name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "index": "agent.cli.index_cmds:index_cmd",
    "map": "agent.cli.index_cmds:map_cmd",
    "symbols": "agent.cli.index_cmds:symbols_cmd",
    "sandbox": "agent.cli.sandbox_cmds:sandbox_cmd",
    "doctor": "agent.cli.sandbox_cmds:doctor_cmd",
    "clean": "agent.cli.sandbox_cmds:clean_cmd",
    "apply": "agent.cli.sandbox_cmds:apply_cmd",
    "plan": "agent.cli.plan_cmds:plan_cmd",
    "run": "agent.cli.run_cmds:run_cmd",
    "fix": "agent.cli.run_cmds:fix_cmd",
    "replay": "agent.cli.run_cmds:replay_cmd",
    "demo": "agent.cli.run_cmds:demo_cmd",
    "github": "agent.cli.github_cmds:github_cmd",
    "hook": "agent.cli.hook_cmds:hook_cmd",
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        return getattr(module, attr, None)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dial")
def cli() -> None:
    """dial: a coding agent that splits one thinking budget across the edits a task needs."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and turns user errors into two clear lines and an exit code."""
    try:
        result = cli.main(args=argv, prog_name="dial", standalone_mode=False)
    except UserError as err:
        click.echo(err.render(), err=True)
        return err.exit_code
    except click.exceptions.Abort:
        click.echo("dial: interrupted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("dial: interrupted", err=True)
        return 130
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
