"""The audit report page (reports/audit_html.py) from a small audit dict: what it draws and says."""

from __future__ import annotations

import re

from vecleak.audit.verdict import examples, verdict


def _row(name, f1, shots=0, content=0.3):
    chance = {"rouge_l": 0.1, "token_f1": 0.1, "token_recall": 0.1, "content_recall": 0.01, "half_recovered": 0.0}
    parts = {k: {"found": 0, "present": 0} for k in ("numbers", "dates", "emails", "capitalized")}
    parts["capitalized"] = {"found": 1, "present": 2}
    return {"attacker": name, "knowledge": name, "shots": shots, "rouge_l": f1, "bleu": 0.0, "token_f1": f1,
            "token_recall": f1, "token_precision": f1, "content_recall": content, "half_recovered": 0.1,
            "sensitive": parts, "chance": chance}


def _audit():
    attacks = [_row("fewshot-10", 0.15, 10, 0.1), _row("fewshot-100", 0.2, 100, 0.15), _row("lago-5", 0.18, 5, 0.12),
               _row("known-encoder", 0.3)]
    refs = ["Yesterday Maria visited Geneva.", "The cat sat."]
    recs = ["maria visited geneva", "a dog"]
    none = {"family": "none", "defense": {"name": "none"}, "label": "none", "token_f1": 0.3, "recall_at_10": 1.0,
            "ndcg_at_10": 1.0, "pareto": True, "apply": "", "token_f1_reduction": 0.0, "rouge_l": 0.2,
            "chance": {"token_f1": 0.12}, "attacker": {"token_f1": "known-encoder"}}
    rotation = {**none, "family": "rotation", "defense": {"name": "rotation"}, "label": "rotation"}
    return {"verdict": verdict(attacks), "recommendation": {"defense": None, "reason": "none cuts enough"},
            "encoder": {"name": "minilm", "pooling": "mean", "normalized": True, "match_cosine": 1.0},
            "attacks": attacks, "defenses": [none, rotation], "not_run": [], "notes": [],
            "store": {"kind": "chroma"}, "sample": {"store_size": 2, "seed": 0}, "sample_size": 2,
            "languages": {"eng": 2}, "settings": {}, "timings": {"total": 3.0, "wall": 3.0, "resumed": []},
            "histogram": {"attacker": "known-encoder", "edges": [i / 10 for i in range(11)], "counts": [1] * 10},
            "examples": examples(refs, recs, [1.0, 0.0], ["eng", "eng"], attacker="known-encoder", ids=["a", "b"]),
            "worst_records": []}


def test_lago_is_a_point_at_its_shots_and_rows_without_pairs_are_flat():
    from vecleak.reports.audit_html import render_audit

    html = render_audit(_audit())
    lago = re.search(r"<polyline points=\"([^\"]*)\"[^>]*/>\s*<circle[^>]*><title>lago-5 token F1", html)
    assert lago is not None and len(lago.group(1).split()) == 1             # one point, not a line across
    known = re.search(r"<polyline points=\"([^\"]*)\"[^>]*/>\s*<circle[^>]*><title>known-encoder token F1", html)
    assert known is not None and len(known.group(1).split()) == 2           # flat across the pairs axis


def test_the_undefended_point_is_drawn_over_a_defense_that_changes_nothing():
    from vecleak.reports.audit_html import render_audit

    html = render_audit(_audit())
    assert "none (no defense)" in html and "chance level 0.120" in html
    # the rotation sits exactly on the undefended point; the square is drawn after (on top of) it
    assert html.index("rotation: recall@10") < html.index("none (no defense)")


def test_a_name_rebuilt_in_lower_case_is_marked_and_counted():
    from vecleak.reports.audit_html import render_audit

    html = render_audit(_audit())
    assert "<mark>Maria</mark>" in html and "<mark>Geneva</mark>" in html
    assert "store id <code>a</code>" in html and "matched ignoring case" in html
