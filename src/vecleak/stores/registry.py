"""Stores by URI scheme, as attackers and defenses are by name (:func:`register_store`).

A kind of store is one module with one :class:`~vecleak.stores.base.VectorStore` subclass that
registers itself for the schemes of its URIs::

    @register_store("chroma", form="chroma:DIR", help="a Chroma persistent directory (--collection)")
    class ChromaStore(VectorStore):
        @classmethod
        def from_uri(cls, uri, options):
            return cls(uri_path(uri), options.collection)

``form`` is how a user writes the URI of the first scheme (the others are aliases, written the
same way). :func:`vecleak.stores.open_store` looks the scheme up here; the ``--store`` help
(:func:`store_usage`), the table of :func:`store_help` and the unknown-store error are all made
from the registrations, so a new store appears in each of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from vecleak.errors import InputError
from vecleak.stores.base import VectorStore

S = TypeVar("S", bound=type[VectorStore])

#: What a scheme may be spelled with (RFC 3986: a letter, then letters, digits, ``+ - .``).
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")


@dataclass(frozen=True)
class StoreEntry:
    """One registration: the store class, its schemes (first the main one), the URI ``form`` of
    the main scheme and a one-line ``help``."""

    cls: type[VectorStore]
    schemes: tuple[str, ...]
    form: str
    help: str

    @property
    def separator(self) -> str:
        """What follows the scheme in a URI: ``://`` (``postgresql://...``) or ``:`` (``chroma:DIR``)."""
        return "://" if self.form.startswith(f"{self.schemes[0]}://") else ":"

    def prefix(self, scheme: str) -> str:
        """How a URI of ``scheme`` begins."""
        return scheme + self.separator

    def usage(self) -> str:
        """``form``, with the aliases: ``postgresql://USER@HOST:PORT/DB (also postgres://)``."""
        aliases = ", ".join(self.prefix(s) for s in self.schemes[1:])
        return f"{self.form} (also {aliases})" if aliases else self.form


#: Scheme -> registration, in registration order (the order the help lists them).
_STORES: dict[str, StoreEntry] = {}


def register_store(*schemes: str, form: str, help: str) -> Callable[[S], S]:  # noqa: A002  (as typer's help=)
    """Class decorator: open URIs ``SCHEME:...`` of each of ``schemes`` with the decorated
    :class:`VectorStore` subclass (through its :meth:`~VectorStore.from_uri`). Schemes are unique;
    a second registration of one is an :class:`InputError`.

    Args:
        schemes: one or more URI schemes (``"postgresql", "postgres"``), lowercase, without ``:``.
        form: the URI as a user writes it for the first scheme, ``chroma:DIR``, ``qdrant+http://HOST:PORT``.
        help: one line on what the store is and which options it reads.
    """
    if not schemes:
        raise InputError("register_store needs at least one URI scheme, e.g. register_store('chroma', ...)")
    for scheme in schemes:
        if not isinstance(scheme, str) or not _SCHEME.fullmatch(scheme):
            raise InputError(f"a store scheme is lowercase letters, digits and + - . after a letter, without "
                             f"':', got {scheme!r}")
    if len(set(schemes)) != len(schemes):
        raise InputError(f"register_store got a scheme twice: {', '.join(schemes)}")
    if not isinstance(form, str) or not form.startswith(f"{schemes[0]}:") or len(form) == len(schemes[0]) + 1:
        raise InputError(f"the form of store '{schemes[0]}' is its URI as typed, e.g. '{schemes[0]}:PATH', "
                         f"got {form!r}")
    if not isinstance(help, str) or not help.strip() or "\n" in help:
        raise InputError(f"store '{schemes[0]}' needs a one-line help")

    def register(cls: S) -> S:
        if not (isinstance(cls, type) and issubclass(cls, VectorStore)):
            raise InputError(f"register_store decorates a VectorStore subclass, got {cls!r}")
        taken = [s for s in schemes if s in _STORES]
        if taken:
            raise InputError(f"store scheme '{taken[0]}' is already registered (by "
                             f"{_STORES[taken[0]].cls.__name__}); pick another scheme")
        entry = StoreEntry(cls, tuple(schemes), form, help.strip())
        for scheme in schemes:
            _STORES[scheme] = entry
        return cls

    return register


def store_schemes() -> list[str]:
    """Every registered scheme, aliases included, in registration order."""
    return list(_STORES)


def store_entries() -> list[StoreEntry]:
    """One entry per registered store, in registration order."""
    return list(dict.fromkeys(_STORES.values()))


def find_store(scheme: str) -> StoreEntry | None:
    """The registration of ``scheme``, or ``None``."""
    return _STORES.get(scheme)


def store_usage(last: str = ", ") -> str:
    """Every store's URI form in one line (the ``--store`` help and the unknown-store error):
    ``chroma:DIR, postgresql://USER@HOST:PORT/DB (also postgres://), ...``; ``last`` joins the
    final two (``" or "`` for a help sentence)."""
    forms = [e.usage() for e in store_entries()]
    return last.join([", ".join(forms[:-1]), forms[-1]]) if len(forms) > 1 else "".join(forms)


def store_help() -> str:
    """A table, one line per store: its URI form and what it reads."""
    entries = store_entries()
    width = max((len(e.usage()) for e in entries), default=0)
    return "\n".join(f"{e.usage():<{width}}  {e.help}" for e in entries)
