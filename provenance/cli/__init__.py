"""The ``provenance`` command line.

Commands only parse, call a workflow and render. Subcommands are imported lazily, so
``provenance --help`` and ``provenance mint`` never pay for (or import) jax. Every
``ProvenanceError`` becomes one line on stderr and its exit code, here and nowhere else.
"""

from __future__ import annotations

import errno
import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from provenance import __version__
from provenance.cli.registry import COMMANDS, SHORT_HELP
from provenance.errors import ConfigError, ProvenanceError
from provenance.untrusted import plain_text

__all__ = ["main"]


class UserFacingError(click.ClickException):
    """A ``ProvenanceError`` rendered as click renders its own errors: ``Error: ...`` on stderr."""

    def __init__(self, error: ProvenanceError) -> None:
        # The message may quote a file, a token or a remote answer: shown as plain text.
        super().__init__(plain_text(error.message))
        self.exit_code = error.exit_code  # type: ignore[misc]  # click reads it per instance


class InternalError(click.ClickException):
    """An unexpected exception: one line naming it, exit 70 (EX_SOFTWARE), details under --debug."""

    exit_code = 70

    def __init__(self, exc: Exception) -> None:
        super().__init__(
            f"internal error: {type(exc).__name__}: {plain_text(exc)} (re-run with --debug for"
            " the traceback, and please report it)"
        )


class LazyGroup(click.Group):
    """A group whose subcommands come from ``COMMANDS`` and are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module_name, attribute = self._lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self._lazy[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing help would import every command module; show names and their registry text.
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """As click's, but every error is one line on stderr with its exit code (usage errors 2,
        not click's four-line block), and a closed stdout (``provenance ipfs pin ls | head -1``)
        ends the command quietly."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            # A group named without a subcommand: its help is what the person asked for.
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            click.echo(f"Error: {plain_text(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            _quiet_broken_pipe()
        try:
            sys.stdout.flush()  # a reader that went away shows up here when output was buffered
        except BrokenPipeError:
            _quiet_broken_pipe()
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProvenanceError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            raise UserFacingError(exc) from exc
        except (
            click.ClickException,
            click.exceptions.Exit,
            click.Abort,
            SystemExit,
            KeyboardInterrupt,
            BrokenPipeError,  # the reader went away: ``main`` ends quietly
        ):
            raise
        except OSError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            local = _local_storage_error(exc)
            if local is not None:
                raise UserFacingError(local) from exc
            raise InternalError(exc) from exc
        except Exception as exc:  # a bug, not a user error: still one line, with a way to see more
            if ctx.find_root().params.get("debug"):
                raise
            raise InternalError(exc) from exc


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """From a GAN artwork to a verifiable ERC-721 token: IPFS content, sealed donor messages,
    on-chain provenance."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="provenance")


# Errors of the local disk, not of the program: a read-only or foreign-owned state folder, a full
# disk, a path where a folder should be. Writes go through temp files and renames, so such an
# error leaves the old state; it is reported as configuration (exit 3), naming the path.
_STORAGE_ERRNOS = frozenset(
    {
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
    }
)


def _local_storage_error(exc: OSError) -> ConfigError | None:
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if exc.errno not in _STORAGE_ERRNOS or not (exc.filename or full):
        return None
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "error")
    hint = " (free some space and run the command again)" if full else ""
    where = f" {exc.filename}" if exc.filename else " to disk"
    return ConfigError(f"cannot write{where}: {reason}{hint}")


def _quiet_broken_pipe() -> None:
    """The reader of stdout went away: exit as a filter does (no traceback, no message). Later
    writes (the interpreter's own flush at exit) go to /dev/null so they cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)  # 128 + SIGPIPE, what a shell reports for a filter killed by the pipe
