"""Every attacker in one place: what it is given (:class:`Knowledge`), what it returns
(:class:`AttackResult`), a registry (:func:`register_attack`, :func:`load_attack`), and the
strongest of them a knowledge allows (:func:`strongest`).

Registered attackers (one module each): ``fewshot``, ``query``, ``known-encoder``, ``lago``,
``denoise``, ``adaptive``, ``decoder-aux``, ``token-set``, ``search``, ``bag-of-words``.
"""

from vecleak.attacks.base import (
    KNOWLEDGE, Attacker, AttackResult, Knowledge, QueryBudgetExceeded, QueryOracle, can_run,
)
from vecleak.attacks.registry import attack_names, attack_parameters, load_attack, register_attack

# the shipped attackers register themselves on import
from vecleak.attacks import (  # noqa: E402,F401  (imported to register)
    adaptive, bag_of_words, decoder_aux, denoise, fewshot, known_encoder, lago, query, search, token_set,
)
from vecleak.attacks.worst_case import (  # noqa: E402
    CLOSED_FORM_ATTACKERS, DECODING_ATTACKERS, STRONGEST_METRICS, strongest, summarize,
)

__all__ = ["KNOWLEDGE", "Attacker", "AttackResult", "Knowledge", "QueryBudgetExceeded", "QueryOracle", "can_run",
           "attack_names", "attack_parameters", "load_attack", "register_attack",
           "CLOSED_FORM_ATTACKERS", "DECODING_ATTACKERS", "STRONGEST_METRICS", "strongest", "summarize"]
