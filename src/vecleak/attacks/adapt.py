"""Fine-tuning an attacker's decoder on (aligned stored vector, text) pairs of its own corpus.

The ``adaptive`` and ``decoder-aux`` attackers send their aux texts through the deployed
pipeline, map what comes back into their decoder's space and fine-tune the decoder on those
pairs, so it learns the defense's noise (:func:`adapt_decoder`, :func:`fine_tune`); their shared
parameters and step are the :class:`FineTuning` mixin.
"""

from __future__ import annotations

import copy
import tempfile
from typing import Any, ClassVar

import numpy as np

from vecleak.attacks.algen import ALGENAttack
from vecleak.attacks.base import Knowledge
from vecleak.attacks.decoding import SHOTS
from vecleak.configs import DefenseEvalConfig
from vecleak.constraints import Interval
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.decoders.training import TrainingConfig, train_decoder

#: Fine-tuning steps of the adaptive and decoder-aux attackers.
DEFAULT_ADAPT_STEPS = DefenseEvalConfig.adapt_steps     # the one source: vecleak.configs
#: Pairs per fine-tuning step.
ADAPT_BATCH = 32


def adapt_decoder(decoder: InversionDecoder, aligned: np.ndarray, texts: list[str], *, steps: int,
                  batch_size: int = ADAPT_BATCH, lr: float = 1e-4, seed: int = 0,
                  language: str | None = None) -> dict[str, Any]:
    """Fine-tune ``decoder`` in place on aligned defended vectors ``(n, d)`` of ``texts``, keeping
    the weights that do best on held-out pairs; returns what was selected.

    A tenth of the pairs (at most 100) is held out. The decoder is scored there (mean token
    loss) before fine-tuning and after every quarter of the ``steps``; the best of those states
    is kept, the untouched decoder included, so adapting can never leave the attacker worse on
    its own held-out data than not adapting. These pairs are the attacker's own texts: no test
    text takes part in the choice. ``language``: the texts' language, for a language-conditioned
    decoder. Returns ``{"adapt_selected_step", "adapt_valid_loss": {step: loss}}``.
    """
    if steps < 1:
        return {"adapt_selected_step": 0, "adapt_valid_loss": {}}
    n_valid = max(1, min(100, len(texts) // 10))
    batch_size = min(batch_size, len(texts) - n_valid)
    config = TrainingConfig(steps=steps, batch_size=batch_size, lr=lr, prefix_lr=5 * lr, warmup=max(1, steps // 10),
                            noise_prob=0.0, eval_every=max(1, steps // 4), checkpoint_every=steps,
                            valid_decode=1, bf16=False, seed=seed)
    curve: dict[int, float] = {}
    best: dict[str, Any] = {}

    def keep_best(record: dict) -> None:
        if "valid_loss" not in record:
            return
        curve[int(record["step"])] = round(float(record["valid_loss"]), 4)
        if not best or record["valid_loss"] < best["loss"]:
            best.update(loss=record["valid_loss"], step=int(record["step"]),
                        state={k: v.detach().clone() for k, v in decoder.model.state_dict().items()})

    with tempfile.TemporaryDirectory(prefix="vecleak-adapt-") as tmp:
        langs = None if not decoder.languages else [language or "eng"] * len(texts)
        train_decoder(decoder, texts[n_valid:], aligned[n_valid:], tmp, valid_texts=texts[:n_valid],
                      valid_embeddings=aligned[:n_valid], config=config,
                      languages=None if langs is None else langs[n_valid:],
                      valid_languages=None if langs is None else langs[:n_valid], on_log=keep_best)
    decoder.model.load_state_dict(best["state"])
    decoder.model.eval()
    return {"adapt_selected_step": best["step"], "adapt_valid_loss": curve}


def fine_tune(attack: ALGENAttack, aligned_aux: np.ndarray, knowledge: Knowledge, *, steps: int,
              in_place: bool = False) -> None:
    """Fine-tune ``attack``'s decoder on aligned aux vectors ``(a, d)`` of ``knowledge.aux_texts``
    (:func:`adapt_decoder`; recorded in ``attack.decoder_adaptation``). Unless ``in_place``, the
    attack gets its own copy of the decoder first, so the knowledge's decoder stays as it was."""
    if not in_place:
        attack.decoder = copy.deepcopy(attack.decoder)
    attack.decoder_adaptation = adapt_decoder(attack.decoder, aligned_aux, list(knowledge.aux_texts), steps=steps,
                                              seed=knowledge.seed, language=knowledge.aux_language)


class FineTuning:
    """What the attackers that fine-tune their decoder share (a mixin before their aligning base):
    the parameters, and :meth:`adapt`.

    Args:
        shots: leaked pairs to fit with (``None``: all).
        adapt_steps: fine-tuning steps (0: none; the held-out aux pairs may also keep the
            untouched decoder, see :func:`adapt_decoder`).
        in_place: fine-tune the knowledge's decoder itself instead of a copy.
    """

    requires = frozenset({"leaked", "query", "aux"})
    CONSTRAINTS: ClassVar[dict[str, Any]] = {"shots": SHOTS, "adapt_steps": Interval(int, 0, None)}

    def __init__(self, shots: int | None = None, adapt_steps: int = DEFAULT_ADAPT_STEPS,
                 in_place: bool = False) -> None:
        self.adapt_steps, self.in_place = adapt_steps, in_place
        super().__init__(shots)               # checks every parameter (CONSTRAINTS)

    def adapt(self, attack: ALGENAttack, knowledge: Knowledge) -> None:
        """Fine-tune ``attack``'s decoder on the aux texts as stored, mapped by its fitted aligner."""
        fine_tune(attack, attack.aligner.transform(knowledge.aux_in_stored_space()), knowledge,
                  steps=self.adapt_steps, in_place=self.in_place)
