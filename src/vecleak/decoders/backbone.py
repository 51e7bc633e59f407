"""The contract of a decoder backbone, the registry of backbones by name, and the frozen-weight digest.

A backbone is the causal LM under a :class:`~vecleak.decoders.prefix_decoder.PrefixDecoder`:
the prefix MLP turns an embedding into ``k`` vectors of the backbone's hidden size ``h``, and the
backbone continues them token by token. Each kind of backbone subclasses :class:`Backbone` and
registers itself under the name a decoder's config records (``DecoderConfig.backbone``)::

    @register_backbone("bert-causal")
    class BertCausalBackbone(Backbone):
        ...

:func:`build_backbone` builds an untrained decoder on the backbone of a name; the shipped ones
(``bert-causal``, ``hf-causal-lm``: :data:`vecleak.configs.BACKBONES`) register when
:mod:`vecleak.decoders` is imported. Weights a decoder does not train or save are frozen with
:func:`freeze_and_digest`, whose SHA-256 digests are checked against the source on load.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import torch
from torch import nn

from vecleak.decoders.sources import tensor_digest
from vecleak.errors import CheckpointError

if TYPE_CHECKING:
    from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
    from vecleak.decoders.tokenization import TextCodec


class Backbone(nn.Module, ABC):
    """A causal LM a :class:`~vecleak.decoders.prefix_decoder.PrefixDecoder` runs on.

    Shapes: ``b`` rows, ``n`` positions, ``h`` = :attr:`hidden_size`, ``V`` tokens in the
    decoder's vocabulary (its codec's ``vocab_size``).

    Attributes:
        name: the name it is registered under (set by :func:`register_backbone`), recorded in
            a decoder's ``DecoderConfig.backbone``.
    """

    name: ClassVar[str] = ""

    @property
    @abstractmethod
    def hidden_size(self) -> int:
        """``h``: the size of a token vector, of a prefix vector and of a hidden state."""

    @abstractmethod
    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(b, n)`` (long) -> input vectors ``(b, n, h)``, as :meth:`forward` takes them."""

    @abstractmethod
    def forward(self, inputs_embeds: torch.Tensor, cache: Any = None) -> tuple[torch.Tensor, Any]:
        """Run input vectors ``(b, n, h)`` after the positions ``cache`` holds (None: a fresh
        block, attended causally); returns the hidden states ``(b, n, h)`` and the cache that
        now holds all the positions, to pass to the next call."""

    @abstractmethod
    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Hidden states ``(..., h)`` -> next-token logits ``(..., V)``."""

    @staticmethod
    @abstractmethod
    def reorder_cache(cache: Any, index: torch.Tensor) -> Any:
        """Keep the cache's batch rows ``index`` ``(m,)`` (long; in that order, repeats allowed:
        beam search forks and drops hypotheses); returns the cache of ``m`` rows."""

    def new_cache(self, batch: int, capacity: int, *, device: torch.device | str = "cpu") -> Any:
        """An empty cache for ``batch`` rows of up to ``capacity`` positions, or None (the
        default) when :meth:`forward` makes its own on a call without one."""
        return None

    @classmethod
    @abstractmethod
    def build(cls, config: DecoderConfig, *, tokenizer: Any = None,
              warm_start: bool = True) -> tuple[PrefixDecoder, TextCodec]:
        """An untrained decoder on this backbone for ``config`` (its encoder, source, ``k``,
        length and the backbone's own fields), with the codec of its vocabulary.

        ``config.frozen`` is filled with the digests of the weights left frozen
        (:func:`freeze_and_digest`). ``tokenizer``: a vocabulary of the decoder's own, for a
        backbone that takes one; ``warm_start=False``: skip initialisations a load overwrites.
        Raise :class:`~vecleak.errors.CheckpointError` for a field this backbone does not take.
        """


_B = TypeVar("_B", bound=type[Backbone])

#: Registered backbones: name -> class.
_REGISTRY: dict[str, type[Backbone]] = {}


def register_backbone(name: str) -> Callable[[_B], _B]:
    """Class decorator: register a :class:`Backbone` subclass under ``name`` (a name taken by
    another class is refused)."""

    def register(cls: _B) -> _B:
        if not (isinstance(cls, type) and issubclass(cls, Backbone)):
            raise TypeError(f"backbone '{name}': {cls!r} is not a Backbone subclass")
        taken = _REGISTRY.get(name)
        if taken is not None and taken is not cls:
            raise ValueError(f"backbone name '{name}' is taken by {taken.__module__}.{taken.__qualname__}")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return register


def registered_backbones() -> tuple[str, ...]:
    """The names :func:`build_backbone` knows, in registration order."""
    return tuple(_REGISTRY)


def backbone_class(name: str) -> type[Backbone]:
    """The class registered under ``name``; :class:`CheckpointError` for an unknown one."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise CheckpointError(f"unknown decoder backbone '{name}'; use one of "
                              f"{', '.join(repr(n) for n in _REGISTRY)}") from None


def build_backbone(name: str, config: DecoderConfig, *, tokenizer: Any = None,
                   warm_start: bool = True) -> tuple[PrefixDecoder, TextCodec]:
    """An untrained decoder on the backbone registered as ``name`` (``config.backbone``), with
    its codec: see :meth:`Backbone.build`."""
    if config.backbone != name:
        raise ValueError(f"build_backbone('{name}') given a config of backbone '{config.backbone}'")
    return backbone_class(name).build(config, tokenizer=tokenizer, warm_start=warm_start)


def freeze_and_digest(model: nn.Module, select: Callable[[str], bool] | Collection[str]) -> dict[str, str]:
    """Freeze the parameters of ``model`` that ``select`` picks (a predicate on their names, or
    the names) and return ``{name: SHA-256 digest}`` for each, in ``named_parameters`` order,
    followed by the state-dict names that alias a frozen parameter (a tied output head: saved
    under its own name, shared with the input embeddings). The digests go into
    ``DecoderConfig.frozen``: those weights are not saved, and a load checks them."""
    pick = select if callable(select) else set(select).__contains__
    frozen: dict[str, str] = {}
    storage: set[int] = set()
    for name, p in model.named_parameters():
        if pick(name):
            p.requires_grad_(False)
            frozen[name] = tensor_digest(p)
            if p.numel():
                storage.add(p.data_ptr())
    own = {name for name, _ in model.named_parameters()}
    for name, t in model.state_dict().items():
        if name not in own and name not in frozen and t.numel() and t.data_ptr() in storage:
            frozen[name] = tensor_digest(t)
    return frozen


def init_fresh_weights(module: nn.Module, std: float = 0.02) -> None:
    """BERT's initialisation for newly added layers."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
