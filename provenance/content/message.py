"""The donor's message as a user gives it: UTF-8 text, not empty, within the sealing limit."""

from __future__ import annotations

from pathlib import Path

from provenance.errors import InputError

__all__ = ["read_message"]


def read_message(message: str | None, message_file: Path | None) -> bytes | None:
    """The message's bytes from ``--message`` text or a ``--message-file`` (the CLI refuses both:
    ``cli.options.message_options``); None when neither."""
    if message_file is not None:
        try:
            data = message_file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {message_file}: {exc.strerror}") from exc
    elif message is not None:
        data = message.encode("utf-8")
    else:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("the message must be UTF-8 text") from exc
    if not data:
        raise InputError("the message is empty")
    from provenance.seal import MAX_MESSAGE_BYTES

    if len(data) > MAX_MESSAGE_BYTES:
        raise InputError(f"the message is {len(data)} bytes; the limit is {MAX_MESSAGE_BYTES}")
    return data
