"""ALGEN (few-shot embedding inversion by alignment), wired from vecleak's parts.

victim vectors X --Ridge(alpha)--> attacker space --decoder (beam)--> candidates
--rerank with the attacker encoder--> reconstruction --metrics--> scores.

Where this differs from the paper: the decoder is vecleak's prefix decoder instead of
FLAN-T5, alignment α can be chosen by leave-one-out (the paper swept it by hand), and the
embedding-guided rerank is an addition (switch it off with ``rerank=False``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vecleak.align.ridge import Ridge
from vecleak.attacks.scoring import evaluate_texts
from vecleak.data.vectors import check_vectors
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.decoders.rerank import rerank as rerank_candidates
from vecleak.encoders.base import Encoder
from vecleak.errors import CheckpointError, InputError
from vecleak.metrics import DEFAULT_TOKENIZER, check_tokenizer, tokenizer_note


@dataclass
class Inversion:
    """What an attack produced for ``n`` victim vectors."""

    reconstructions: list[str]
    aligned: np.ndarray                       # (n, d) victim vectors mapped into the attacker space
    candidates: list[list[str]] = field(default_factory=list)


class ALGENAttack:
    """Few-shot inversion: align victim vectors to the attacker space, then decode.

    Args:
        decoder: an :class:`InversionDecoder` trained on ``attacker``'s embeddings.
        attacker: the attacker's encoder A (must match the decoder's recorded spec).
        aligner: any estimator with ``fit(X, Y)`` / ``transform(X)``; default ``Ridge("auto")``.
        num_beams: beam width; ``1`` is greedy decoding.
        rerank: re-embed the beam's hypotheses with A and keep the closest. Off by default:
            measured with the shipped English decoder, it raises own-space ROUGE-L (0.482 ->
            0.504 at 4 beams) but not that of few-shot aligned vectors, whose target is itself
            off by the alignment error.
        language: ISO 639-3 code to decode into, for a language-conditioned decoder (the
            attacker knows the language of its leaked pairs); ``invert(languages=...)`` overrides it.
        tokenizer: word tokenizer of the text metrics (``"unicode"`` or ``"rouge-score"``).
    """

    def __init__(self, decoder: InversionDecoder, attacker: Encoder, *, aligner: Any | None = None,
                 num_beams: int = 4, rerank: bool = False, language: str | None = None,
                 tokenizer: str = DEFAULT_TOKENIZER) -> None:
        check_compatible(decoder, attacker)
        self.decoder = decoder
        self.attacker = attacker
        self.aligner = aligner if aligner is not None else Ridge(alpha="auto")
        self.num_beams = num_beams
        self.rerank = rerank
        self.language = language
        self.tokenizer = check_tokenizer(tokenizer)
        #: How the decoder was fine-tuned for this attack, when it was (recorded in ``settings``).
        self.decoder_adaptation: dict[str, Any] | None = None

    def fit(self, victim_vectors: np.ndarray, leaked_texts: Sequence[str],
            attacker_vectors: np.ndarray | None = None) -> ALGENAttack:
        """Learn the victim -> attacker map from leaked pairs ``(X (b, m), texts)``."""
        X = check_vectors(victim_vectors, name="leaked victim vectors")
        if len(leaked_texts) != len(X):
            raise InputError(f"{len(X)} leaked vectors but {len(leaked_texts)} leaked texts; give one text per vector")
        Y = attacker_vectors if attacker_vectors is not None else self.attacker.encode(leaked_texts)
        self.aligner.fit(X, Y)
        return self

    def invert(self, victim_vectors: np.ndarray, languages: str | Sequence[str] | None = None) -> Inversion:
        """Reconstruct texts from victim vectors ``(n, m)`` (in ``languages``, one code or one per row)."""
        aligned = self.aligner.transform(victim_vectors)
        langs = languages if languages is not None else self.language
        if self.rerank and self.num_beams > 1:
            candidates = self.decoder.generate(aligned, num_beams=self.num_beams, num_candidates=self.num_beams,
                                               languages=langs)
            texts, _ = rerank_candidates(candidates, aligned, self.attacker)
        else:
            candidates = self.decoder.generate(aligned, num_beams=self.num_beams, languages=langs)
            texts = [c[0] for c in candidates]
        return Inversion(texts, aligned, candidates)

    def evaluate(self, inversion: Inversion, references: Sequence[str],
                 reference_vectors: np.ndarray | None = None,
                 languages: Sequence[str] | None = None) -> dict[str, float]:
        """Metrics of an inversion against the true texts.

        ``cosine`` is cos(A(reconstruction), A(reference)); ``aligned_cosine`` is
        cos(aligned vector, A(reference)), the alignment's own quality; ``chance`` holds the
        text metrics of the same reconstructions against shuffled references,
        ``distinct_rate`` the share of distinct reconstructions, ``ci95`` bootstrap 95%
        intervals of the means, ``per_sentence`` each sentence's scores (callers write them
        per row and drop them from summaries). ``languages``: each row's language, so that
        chance shuffles references only within a language.
        """
        return evaluate_texts(inversion.reconstructions, references, encoder=self.attacker, tokenizer=self.tokenizer,
                              aligned=inversion.aligned, reference_vectors=reference_vectors, languages=languages)

    def settings(self) -> dict[str, Any]:
        """What produced the numbers (recorded in results.json)."""
        aligner = {"type": type(self.aligner).__name__}
        if hasattr(self.aligner, "get_params"):
            aligner.update({k: _jsonable(v) for k, v in self.aligner.get_params(deep=False).items()})
        if hasattr(self.aligner, "alpha_"):
            aligner["alpha_used"] = float(self.aligner.alpha_)
        from importlib.metadata import version

        return {
            "vecleak_version": version("vecleak"),
            "attacker_encoder": self.attacker.spec(),
            "decoder": {k: v for k, v in self.decoder.config.to_dict().items() if k != "frozen"},
            "aligner": aligner,
            "num_beams": self.num_beams,
            "rerank": self.rerank,
            "language": self.language,
            "tokenizer": self.tokenizer,
            "metrics_note": tokenizer_note(self.tokenizer),
            **({"decoder_adaptation": self.decoder_adaptation} if self.decoder_adaptation else {}),
        }


def _jsonable(value: Any) -> Any:
    """A parameter as results.json can hold it (arrays as lists, nested estimators as their repr)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return repr(value)


def check_compatible(decoder: InversionDecoder, attacker: Encoder) -> None:
    """Refuse a decoder trained for another encoder or other pre-processing."""
    want = decoder.encoder_spec
    have = attacker.spec()
    for key in ("name", "dim", "pooling", "normalize"):
        if want.get(key) != have.get(key):
            raise CheckpointError(
                f"the decoder was trained for encoder {want.get('name')} ({key}={want.get(key)}) but the attacker "
                f"encoder is {have.get('name')} ({key}={have.get(key)}); use the decoder trained for this attacker "
                "encoder, or that decoder's own encoder"
            )


def build(decoder: str | InversionDecoder = "default", *, alpha: float | str = "auto", num_beams: int = 4,
          rerank: bool = False, language: str | None = None) -> ALGENAttack:
    """ALGEN with vecleak's defaults: the shipped decoder, its attacker encoder, ridge with LOO α."""
    from vecleak.decoders.shipped import load_decoder
    from vecleak.encoders.registry import load_encoder

    dec = load_decoder(decoder) if isinstance(decoder, str) else decoder
    return ALGENAttack(dec, load_encoder(dec.encoder_spec["name"]), aligner=Ridge(alpha=alpha),
                       num_beams=num_beams, rerank=rerank, language=language)
