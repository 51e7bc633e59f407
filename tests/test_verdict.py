"""The audit's verdict (audit/verdict.py): its level reads both exposure measures above chance."""

from __future__ import annotations


def test_verdict_levels_read_both_measures_above_chance():
    from vecleak.audit.verdict import verdict

    def row(name, content, half, c_content=0.05, c_half=0.0):
        return {"attacker": name, "knowledge": name, "content_recall": content, "half_recovered": half,
                "token_f1": content, "chance": {"content_recall": c_content, "half_recovered": c_half, "token_f1": 0.1}}

    assert verdict([row("a", 0.10, 0.01)])["level"] == "low"          # 5 points above chance, 1% half-way
    assert verdict([row("a", 0.20, 0.01)])["level"] == "moderate"     # content words 15 points above chance
    assert verdict([row("a", 0.12, 0.06)])["level"] == "moderate"     # 6% of records half rebuilt
    assert verdict([row("a", 0.30, 0.30)])["level"] == "high"
    v = verdict([row("weak", 0.12, 0.0), row("strong", 0.50, 0.2)])
    assert v["attacker"] == "strong" and v["level"] == "high" and "50%" in v["sentence"]
    assert verdict([row("a", 0.30, 0.30, c_content=0.28, c_half=0.29)])["level"] == "low"   # all of it is chance


def _row(name, content, half, c_content=0.05, c_half=0.0, **extra):
    return {"attacker": name, "knowledge": name, "content_recall": content, "half_recovered": half,
            "token_f1": content, "chance": {"content_recall": c_content, "half_recovered": c_half, "token_f1": 0.1},
            **extra}


def test_the_verdict_takes_the_worst_language():
    """A mixed store whose English records lose 20% of their content words is not averaged down
    to "low" by its other languages; a language with too few records does not decide it."""
    from vecleak.audit.verdict import MIN_LANGUAGE_RECORDS, verdict

    by_language = {"eng": {"records": 40, **_row("x", 0.20, 0.02)}, "deu": {"records": 120, **_row("x", 0.06, 0.0)}}
    pooled = _row("fewshot-100", 0.09, 0.005, by_language=by_language)
    v = verdict([pooled])
    assert v["level"] == "moderate" and v["language"] == "eng" and "eng record" in v["sentence"]
    assert verdict([_row("fewshot-100", 0.09, 0.005)])["level"] == "low"          # pooled alone: low
    few = {"eng": {"records": MIN_LANGUAGE_RECORDS - 1, **_row("x", 0.9, 0.9)}, "deu": by_language["deu"]}
    assert verdict([_row("fewshot-100", 0.09, 0.005, by_language=few)])["level"] == "low"


def test_rows_that_could_not_run_make_the_verdict_a_lower_bound():
    from vecleak.audit.verdict import LEVELS, reaches, verdict

    not_run = [{"row": "fewshot-1000", "why": "the store is small", "unlock": "a larger store"}]
    v = verdict([_row("fewshot-10", 0.08, 0.0)], not_run)
    assert v["not_run"] == ["fewshot-1000"] and "fewshot-1000" in v["lower_bound"] and "lower bound" in v["lower_bound"]
    assert verdict([_row("fewshot-10", 0.08, 0.0)])["lower_bound"] == ""
    assert LEVELS == ("low", "moderate", "high")
    assert reaches("high", "moderate") and reaches("moderate", "moderate") and not reaches("low", "moderate")
    assert not reaches("moderate", "high")


def test_record_risks_rank_records_by_their_best_attacker():
    from vecleak.audit.records import record_risks

    refs = ["Yesterday Maria Lopez paid 420 euros in Geneva.", "The cat sat on the warm mat.", "A quiet morning."]
    rows = [("fewshot-10", [0.2, 0.8, 0.0], ["paid euros", "the cat sat on a warm mat", "noise"]),
            ("search", [0.6, None, None], ["maria paid 420 euros", None, None])]
    risks = record_risks(["r1", "r2", "r3"], refs, ["eng"] * 3, rows)
    assert [r["id"] for r in risks] == ["r2", "r1", "r3"]
    r1 = next(r for r in risks if r["id"] == "r1")
    assert r1["attacker"] == "search" and r1["risk"] == "high" and r1["content_recall"] == 0.6
    assert r1["found"]["names"] == ["Maria"] and r1["found"]["numbers"] == ["420"] and r1["present"]["names"] == 3
    assert risks[-1]["risk"] == "low" and risks[-1]["attacker"] == "fewshot-10"


def test_summary_is_short_markdown_with_the_verdict_and_the_worst_ids():
    from vecleak.audit.summary import summary_markdown
    from vecleak.audit.verdict import verdict

    attacks = [_row("known-encoder", 0.5, 0.4, cost={"queries_per_record": 0, "seconds_per_record": 0.1})]
    audit = {"verdict": verdict(attacks), "complete": False, "store": {"kind": "chroma"}, "sample_size": 3,
             "encoder": {"name": "minilm"}, "attacks": attacks, "schema_version": "2.0",
             "not_run": [{"row": "lago", "why": "one language", "unlock": "more languages"}],
             "worst_records": [{"id": "doc-7", "lang": "eng", "risk": "high", "content_recall": 0.9,
                                "attacker": "known-encoder", "found": {"names": ["Maria"]}}],
             "recommendation": None}
    md = summary_markdown(audit)
    assert md.startswith("# vecleak audit: HIGH leakage (incomplete") and "`doc-7`" in md and "1 names" in md
    assert "| lago | not run: one language |" in md and len(md.splitlines()) < 40
