"""The options every chain command shares, as one group, and the parameter types of user values.

Every option shared by several commands is declared here, once, as a factory (as ApeWorX ape's
``cli/options.py`` does): :data:`json_option`, :func:`message_options`, :func:`donor_key_options`,
:func:`publish_target_options`, :func:`content_options`, :func:`token_metadata_options`,
:func:`attachment_options`; "not both" rules are declared with ``incompatible_with`` on the option
(:class:`ExclusiveOption`), never checked by hand in a command.

``@connection_options(signs=...)`` adds ``--rpc-url``, ``--chain-id``, ``--contract`` and, for a
command that signs, ``--account``, ``--private-key-env``, ``--password-env`` and
``--keystore-dir``; the command receives them as one :class:`Connection`, which opens the
workflows' context. The parameter types (:data:`ADDRESS`, :data:`AMOUNT`, :data:`DURATION`,
:data:`CID`, :data:`TOKEN`) live in :mod:`provenance.cli.paramtypes` and are re-exported here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from provenance.cli.paramtypes import ADDRESS, AMOUNT, CID, DURATION, TOKEN
from provenance.errors import InputError

if TYPE_CHECKING:
    from provenance.chain.network import Chain
    from provenance.chain.signing import LocalSigner
    from provenance.workflows.session import ReadTarget, Session

__all__ = [
    "ADDRESS",
    "AMOUNT",
    "CID",
    "DURATION",
    "TOKEN",
    "Connection",
    "ExclusiveOption",
    "attachment_options",
    "connection_options",
    "content_options",
    "donor_key_given",
    "donor_key_options",
    "json_option",
    "message_options",
    "option",
    "publish_target_options",
    "token_metadata_options",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Connection:
    """Which chain and collection to act on, and who signs: what the user typed."""

    rpc_url: str | None = None
    chain_id: int | None = None
    contract: str | None = None
    account: str | None = None
    private_key_env: str | None = None
    password_env: str | None = None
    keystore_dir: Path | None = None
    confirmations: int | None = None  # None: the network's default (chain/network.py)
    gallery: str | None = None

    def open(self, *, with_signer: bool = False, deploy: bool = True) -> Session:
        """The workflows' context. A command that signs may start the devnet and, with ``deploy``,
        deploy there on first use; one that only reads never does (exit 3 when no collection is
        named)."""
        from provenance.workflows.session import open_session

        if self.gallery is not None:
            raise InputError("--gallery names a collection to check; this command acts on your own")
        session = open_session(
            rpc_url=self.rpc_url,
            chain_id=self.chain_id,
            contract=self.contract,
            account=self.account,
            private_key_env=self.private_key_env,
            password_env=self.password_env,
            keystore_dir=self.keystore_dir,
            with_signer=with_signer,
            read_only=not with_signer,
            deploy_if_missing=deploy,
            confirmations=self.confirmations,
        )
        if session.sender is not None:  # shown while a transaction waits to be final
            from provenance.cli.render import progress_printer

            session.sender.note = progress_printer(True)
        return session

    def reader(self) -> ReadTarget:
        """The collection a read-only command checks (``--gallery``, ``--rpc-url``/``--contract``
        or this home's own); never starts or deploys anything."""
        from provenance.workflows.session import open_reader

        return open_reader(
            gallery=self.gallery,
            rpc_url=self.rpc_url,
            chain_id=self.chain_id,
            contract=self.contract,
        )

    def local_account(self) -> LocalSigner:
        """The signing account itself, for commands that work off chain (seal)."""
        from provenance.chain.accounts import load_account

        return load_account(
            account=self.account,
            private_key_env=self.private_key_env,
            password_env=self.password_env,
            keystore_dir=self.keystore_dir,
        )

    @property
    def has_signer(self) -> bool:
        return bool(self.account or self.private_key_env)

    def chain(self) -> Chain:
        """The chain only (no contract): for deploy and the donor's consent message."""
        from provenance.chain.network import connect

        return connect(
            rpc_url=self.rpc_url, chain_id=self.chain_id, confirmations=self.confirmations
        )


_CHAIN_OPTIONS = [
    click.option(
        "--rpc-url",
        envvar="PROVENANCE_RPC_URL",
        metavar="URL",
        help="JSON-RPC endpoint of a non-devnet network [env PROVENANCE_RPC_URL].",
    ),
    click.option(
        "--chain-id", type=int, metavar="N", help="Expected chain id; refuse any other chain."
    ),
]
_CONTRACT_OPTION = click.option(
    "--contract", type=ADDRESS, help="Collection address (default: from deployments.json)."
)
_SIGNER_OPTIONS = [
    click.option(
        "--account", metavar="NAME", help="Keystore name (in --keystore-dir, Foundry's format)."
    ),
    click.option(
        "--private-key-env",
        metavar="VAR",
        help="Name of an environment variable holding the private key.",
    ),
    click.option(
        "--password-env",
        metavar="VAR",
        help="Environment variable holding the keystore password (else prompt).",
    ),
    click.option(
        "--keystore-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Keystore folder (default ~/.foundry/keystores).",
    ),
    click.option(
        "--confirmations",
        type=click.IntRange(min=1),
        metavar="N",
        help="Blocks before a transaction counts as final (default: per network, e.g. Sepolia 6;"
        " the devnet and unknown chains 1).",
    ),
]
_GALLERY_OPTION = click.option(
    "--gallery",
    metavar="URL",
    help="Check the collection this gallery publishes (its provenance.json names the chain,"
    " contract, RPC URL, gateways and the artist's trust anchors).",
)
_NAMES = (
    "rpc_url",
    "chain_id",
    "contract",
    "account",
    "private_key_env",
    "password_env",
    "gallery",
)


def connection_options(
    *, signs: bool = False, contract: bool = True, chain: bool = True, gallery: bool = False
) -> Callable[[F], F]:
    """Add the connection options and pass them to the command as ``connection``; ``gallery``:
    also ``--gallery URL`` (read-only commands)."""
    options = [
        *([_GALLERY_OPTION] if gallery else []),
        *(_CHAIN_OPTIONS if chain else []),
        *([_CONTRACT_OPTION] if contract else []),
        *(_SIGNER_OPTIONS if signs else []),
    ]

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> Any:
            names = (*_NAMES, "keystore_dir", "confirmations")
            given = {name: kwargs.pop(name) for name in names if name in kwargs}
            return func(*args, connection=Connection(**given), **kwargs)

        wrapped: Any = command
        for decorator in reversed(options):
            wrapped = decorator(wrapped)
        return wrapped  # type: ignore[no-any-return]

    return decorate


class ExclusiveOption(click.Option):
    """An option that may not be given together with the options ``incompatible_with`` names
    (their parameter names): a usage error, "give --a or --b, not both"."""

    def __init__(self, *args: Any, incompatible_with: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incompatible_with = incompatible_with

    def handle_parse_result(
        self, ctx: click.Context, opts: Any, args: list[str]
    ) -> tuple[Any, list[str]]:
        if _given(opts.get(self.name)):
            for other in self.incompatible_with:
                if _given(opts.get(other)):
                    flag = next((p.opts[0] for p in ctx.command.params if p.name == other), other)
                    raise click.UsageError(f"give {self.opts[0]} or {flag}, not both", ctx)
        return super().handle_parse_result(ctx, opts, args)


def _given(value: Any) -> bool:
    return value is not None and value is not False and value != () and value != []


def option(*names: str, incompatible_with: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """``click.option`` with a declared "not both" rule."""
    return click.option(*names, cls=ExclusiveOption, incompatible_with=incompatible_with, **kwargs)


def _apply(func: F, options: list[Any]) -> F:
    for decorator in reversed(options):
        func = decorator(func)
    return func


#: ``--json``: every command that has one declares it with this, so it reads the same everywhere.
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout."
)


def message_options(*, sealed_to: str) -> Callable[[F], F]:
    """``--message`` / ``--message-file`` (not both): a message sealed to ``sealed_to``."""
    return lambda func: _apply(
        func,
        [
            option(
                "--message",
                metavar="TEXT",
                incompatible_with=("message_file",),
                help=f"Message sealed to {sealed_to} (at most 1024 bytes of UTF-8).",
            ),
            option(
                "--message-file",
                type=click.Path(path_type=Path),
                incompatible_with=("message",),
                help="Read the message from a file.",
            ),
        ],
    )


#: Every source of the donor's key: (option, metavar, help). At most one may be given.
_DONOR_KEY_SOURCES = (
    (
        "--donor-signature",
        "0x..",
        "Donor's personal_sign signature of `provenance donor consent-message`.",
    ),
    ("--donor-tx", "0x..", "Hash of a transaction the donor sent."),
    ("--donor-pubkey", "HEX", "Donor's secp256k1 public key."),
    (
        "--donor-encryption-key",
        "B64",
        "Donor's MetaMask encryption key (eth_getEncryptionPublicKey).",
    ),
    (
        "--donor-wallet-key",
        "CODE",
        (
            "Donor's wallet sealing key code (pvk1..., from the gallery's key page): the donor"
            " reads the message with their browser wallet."
        ),
    ),
)
_DONOR_KEYS = tuple(flag[2:].replace("-", "_") for flag, _metavar, _help in _DONOR_KEY_SOURCES)


def donor_key_given(params: dict[str, Any]) -> bool:
    """Whether any donor key option has a value, from a command's parameters."""
    return any(params.get(name) for name in _DONOR_KEYS)


def donor_key_options(func: F) -> F:
    """Where the donor's public key comes from (at most one): a consent signature, a
    transaction they sent, the key itself, a MetaMask encryption key, or the wallet key code
    from the gallery's key page."""
    return _apply(
        func,
        [
            option(
                flag,
                metavar=metavar,
                incompatible_with=tuple(other for other in _DONOR_KEYS if other != name),
                help=help_text,
            )
            for (flag, metavar, help_text), name in zip(
                _DONOR_KEY_SOURCES, _DONOR_KEYS, strict=True
            )
        ],
    )


def publish_target_options(func: F) -> F:
    """Where content is published besides the embedded store: a Kubo node, a pinning service.
    Secrets are named by environment variable, never given on the command line."""
    return _apply(
        func,
        [
            click.option(
                "--kubo-api",
                envvar="PROVENANCE_KUBO_API",
                metavar="URL",
                help="Import the content into this Kubo node's RPC API, pinned"
                " [env PROVENANCE_KUBO_API].",
            ),
            click.option(
                "--kubo-auth-env",
                metavar="VAR",
                help="Environment variable holding Kubo's Authorization header value.",
            ),
            click.option(
                "--pinning-endpoint",
                metavar="URL",
                help="A Pinning Service API endpoint to ask to pin the content.",
            ),
            click.option(
                "--pinning-token-env",
                metavar="VAR",
                help="Environment variable holding the pinning service's access token.",
            ),
        ],
    )


def content_options(func: F) -> F:
    """``--kubo-api`` / ``--gateway``: where verify-style commands read content from."""
    return _apply(
        func,
        [
            option(
                "--kubo-api",
                envvar="PROVENANCE_KUBO_API",
                metavar="URL",
                incompatible_with=("gateways",),
                help="Read content from a Kubo RPC API [env PROVENANCE_KUBO_API].",
            ),
            option(
                "--gateway",
                "gateways",
                multiple=True,
                metavar="URL",
                incompatible_with=("kubo_api",),
                help="Read content from these HTTP gateways (verified), in order.",
            ),
        ],
    )


def token_metadata_options(func: F) -> F:
    """What a token's metadata says besides its image: the options of ``mint`` and ``offer``."""
    options = [
        click.option("--name", help="Token name (default: the file name)."),
        click.option("--description", default="", help="Token description."),
        click.option(
            "--attribute",
            "attributes",
            multiple=True,
            metavar="KEY=VALUE",
            help="An OpenSea attribute; repeat for more.",
        ),
        option(
            "--animation-url",
            incompatible_with=("animation",),
            help="animation_url (e.g. ipfs://... of a latent walk).",
        ),
        click.option("--external-url", help="external_url."),
    ]
    return _apply(func, options)


def attachment_options(func: F) -> F:
    """The files a token carries besides its still (content/attachments.py): ``mint``, ``offer``."""
    path = click.Path(dir_okay=False, path_type=Path)
    options = [
        option(
            "--animation",
            type=path,
            incompatible_with=("animation_url",),
            help="An MP4, WebM or GIF (e.g. from `gan animate`): stored, pinned, animation_url.",
        ),
        click.option(
            "--model",
            "model_file",
            type=click.Path(path_type=Path),
            help="The model the artwork's generation record names (a file, or a run folder to"
            " search): stored and pinned.",
        ),
        click.option(
            "--onnx",
            "onnx_file",
            type=path,
            help="Its ONNX export (`gan export-onnx`): stored, pinned, named in the record.",
        ),
    ]
    return _apply(func, options)
