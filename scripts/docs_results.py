"""The docs' results pages, generated from ``benchmarks/results/`` (never copied by hand).

Every table a benchmark wrote (``NAME.md``, else ``NAME.json``) is shown under the command that
produced it, grouped by subject; a result listed here whose files are missing is shown as
"not measured yet", and a result file this catalogue does not list yet still appears (on the
"Other results" page), so nothing measured is left out silently. A few summaries are computed
from the JSON files (the four store audits side by side, the multilingual decoder's ceiling by
training phase); hand-written pages embed a table with a placeholder line::

    <!-- results: audit-summary -->
    <!-- results: decoder_ceiling -->

The MkDocs build runs this module through ``docs/hooks.py`` (pages are generated in memory,
nothing is written into ``docs/``). Run it by hand to see the pages as files::

    .venv/bin/python scripts/docs_results.py --out docs/results      # docs/results/ is git-ignored
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
#: Where the generated pages live in the docs (``docs/results/...``).
PAGE_DIR = "results"
NOT_MEASURED = "not measured yet"
PY = ".venv/bin/python"


@dataclass(frozen=True)
class Result:
    """One benchmark result: ``benchmarks/results/STEM.{md,json}`` and the command that writes it."""

    stem: str
    title: str
    command: str
    note: str = ""
    #: files beside it shown as images (``.png``) or linked (``.html``), when present
    extras: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A results page: ``docs/results/SLUG.md``."""

    slug: str
    title: str
    intro: str
    results: tuple[Result, ...]


def _ceiling(out: str, decoder: str = "multilingual", langs: str = "eng deu fra nld spa ita por",
             beams: str = "1 4 16", n: int = 200, extra: str = "") -> str:
    return (f"{PY} benchmarks/decoder_ceiling.py --decoder {decoder} --langs {langs} --beams {beams} "
            f"--n-test {n}{extra} --out benchmarks/results/{out}")


def _lago(tag: str, decoder: str = "multilingual", victim: str = "minilm", graphs: str = "syntax asjp",
          extra: str = " --n-test 200 --n-dev 50 --grid 0.0001 0.001 0.01 0.1 1.0 --sweep-shots 10 100 1000") -> str:
    return (f"{PY} benchmarks/lago_experiment.py --decoder {decoder} --victim {victim} --shots 10 100 1000 "
            f"--methods algen-loo lago-ieq lago-tv --graphs {graphs}{extra} --tag {tag}")


def _shots(out: str, decoder: str, victims: str, corpus: str, shots: str = "100 1000", lang: str = "eng") -> str:
    return (f"{PY} benchmarks/algen_shots.py --decoder {decoder} --attack-language {lang} --victims {victims} "
            f"--corpus {corpus} --shots {shots} --beams 1 --out benchmarks/results/{out}")


_PHASE = "the same command, run with the multilingual decoder of its {} phase (see Shipped models)"

def _search(out: str, extra: str, threads: int = 1) -> str:
    return f"{PY} benchmarks/search_budget.py --threads {threads} {extra} --out benchmarks/results/{out}"


SECTIONS: tuple[Section, ...] = (
    Section("search", "Search: quality against queries", "The `search` attacker on text no shipped decoder was "
            "trained on: budget 0 is the plain decode (known encoder) or the few-shot row (black box, 100 leaked "
            "pairs); chance: the same outputs against shuffled references. One torch thread per run, two runs "
            "at a time on 2 cores, so the seconds are about twice an idle machine's.", (
        Result("search_budget_minilm_wikiqa", "Known encoder: MiniLM, WikiQA sentences",
               _search("search_budget_minilm_wikiqa", "--setting known --corpus wikiqa --budgets 0 100 300 1000 "
                       "--n 100"), extras=("search_budget_minilm_wikiqa.png",)),
        Result("search_budget_minilm_wikiqa_200", "Known encoder: MiniLM, WikiQA sentences, 200 records",
               _search("search_budget_minilm_wikiqa_200", "--setting known --corpus wikiqa --budgets 0 100 500 "
                       "--n 200"), extras=("search_budget_minilm_wikiqa_200.png",)),
        Result("search_budget_minilm_wikiqa_high", "Known encoder: MiniLM, WikiQA, 2,000 queries",
               _search("search_budget_minilm_wikiqa_high", "--setting known --corpus wikiqa --budgets 2000 --n 20")),
        Result("search_budget_minilm_wikiqa_5000", "Known encoder: MiniLM, WikiQA, 5,000 queries",
               _search("search_budget_minilm_wikiqa_5000", "--setting known --corpus wikiqa --budgets 5000 --n 20")),
        Result("search_curve_minilm_wikiqa", "Known encoder: MiniLM, WikiQA, every budget together (0 to 5,000)",
               f"{PY} benchmarks/search_curve.py --runs benchmarks/results/search_budget_minilm_wikiqa_200 "
               "benchmarks/results/search_budget_minilm_wikiqa benchmarks/results/search_budget_minilm_wikiqa_high "
               "benchmarks/results/search_budget_minilm_wikiqa_5000 --out benchmarks/results/search_curve_minilm_wikiqa",
               extras=("search_curve_minilm_wikiqa.png",)),
        Result("search_budget_minilm_medical", "Known encoder: MiniLM, doctor-written medical questions",
               _search("search_budget_minilm_medical", "--setting known --corpus medical --budgets 0 100 300 "
                       "--n 100")),
        Result("search_budget_multilingual_deu", "Known encoder: use-multilingual, Multi30k German",
               _search("search_budget_multilingual_deu", "--setting known --decoder multilingual --victim "
                       "use-multilingual --language deu --words none --corpus multi30k-deu --budgets 0 300 --n 200",
                       threads=2)),
        Result("search_budget_multilingual_deu_1000", "Known encoder: use-multilingual, Multi30k German, 1,000 queries",
               _search("search_budget_multilingual_deu_1000", "--setting known --decoder multilingual --victim "
                       "use-multilingual --language deu --words none --corpus multi30k-deu --budgets 1000 --n 200",
                       threads=2)),
        Result("search_budget_multilingual_fra", "Known encoder: use-multilingual, Multi30k French",
               _search("search_budget_multilingual_fra", "--setting known --decoder multilingual --victim "
                       "use-multilingual --language fra --words none --corpus multi30k-fra --budgets 0 300 --n 200",
                       threads=2)),
        Result("search_budget_multilingual_spa", "Known encoder: use-multilingual, STSb Spanish test (the "
               "decoder's training domain, held-out split: no other Spanish corpus is at hand)",
               _search("search_budget_multilingual_spa", "--setting known --decoder multilingual --victim "
                       "use-multilingual --language spa --words none --corpus stsb-es --budgets 0 300 --n 200",
                       threads=2)),
        Result("search_budget_minilm_passages", "Known encoder: MiniLM, WikiQA passages of 80-200 words (each "
               "written as texts one after another, as many as the audit writes: 4)",
               _search("search_budget_minilm_passages", "--setting known --corpus wikiqa-passages --budgets 0 100 "
                       "--n 200 --params '{\"segments\": \"auto\"}'")),
        Result("search_budget_minilm_passages_300", "Known encoder: MiniLM, WikiQA passages, 300 queries",
               _search("search_budget_minilm_passages_300", "--setting known --corpus wikiqa-passages --budgets 300 "
                       "--n 200 --params '{\"segments\": \"auto\"}'")),
        Result("search_budget_blackbox_usem_wikiqa", "Black box: use-multilingual victim, MiniLM attacker",
               _search("search_budget_blackbox_usem_wikiqa", "--setting black-box --victim use-multilingual "
                       "--corpus wikiqa --budgets 0 300 --n 100")),
        Result("search_budget_blackbox_smollm2_wikiqa", "Black box: SmolLM2 victim, MiniLM attacker",
               _search("search_budget_blackbox_smollm2_wikiqa", "--setting black-box --victim smollm2 "
                       "--corpus wikiqa --budgets 0 300 --n 100")),
    )),
    Section("bag-of-words", "Bag-of-words: which words a vector holds", "The shipped MiniLM word reader "
            "(`words-minilm`) on text it was not trained on: distinct-word precision / recall per threshold "
            "(and for each vector's k most probable words), content-word recall, each beside chance (the same "
            "predictions against shuffled references).", (
        Result("bag_of_words_wikiqa", "MiniLM vectors, WikiQA sentences",
               f"{PY} benchmarks/bag_of_words.py --corpus wikiqa --n 200 --out benchmarks/results/bag_of_words_wikiqa"),
        Result("bag_of_words_medical", "MiniLM vectors, medical questions",
               f"{PY} benchmarks/bag_of_words.py --corpus medical --n 200 --out benchmarks/results/bag_of_words_medical"),
        Result("bag_of_words_wikiqa-passages", "MiniLM vectors, WikiQA passages of 80-200 words",
               f"{PY} benchmarks/bag_of_words.py --corpus wikiqa-passages --n 200 "
               "--out benchmarks/results/bag_of_words_wikiqa-passages"),
        Result("bag_of_words_wikiqa_aligned_usem", "use-multilingual vectors through a 1,000-pair ridge, WikiQA",
               f"{PY} benchmarks/bag_of_words.py --corpus wikiqa --victim use-multilingual --shots 1000 --n 200 "
               "--out benchmarks/results/bag_of_words_wikiqa_aligned_usem"),
    )),
    Section("audits", "Store audits", "`vecleak audit` on stores of text no shipped decoder was trained on (2 cores). "
            "The 5,000-row audits predate the `search` and `bag-of-words` rows.", (
        Result("audit-chroma-wikiqa-passages-minilm-293", "Chroma, 293 WikiQA passages of 80-200 words, MiniLM "
               "vectors, every row (the search writing each passage as 4 texts), one torch thread beside two "
               "other benchmark runs",
               f"{PY} benchmarks/audit_stores.py --store chroma --corpus wikiqa-passages --encoder minilm --rows 300 "
               "--sample 150 --threads 1", extras=("audit-chroma-wikiqa-passages-minilm-293.html",)),
        Result("audit-chroma-wikiqa-minilm-1000", "Chroma, 1,000 WikiQA rows, MiniLM vectors, every row "
               "(search and bag-of-words included), default sweep, idle 2-core machine",
               f"{PY} benchmarks/audit_stores.py --store chroma --corpus wikiqa --encoder minilm --rows 1000 "
               "--sample 500 --threads 2", extras=("audit-chroma-wikiqa-minilm-1000.html",)),
        Result("audit-chroma-wikiqa-minilm", "Chroma, WikiQA, MiniLM vectors",
               f"{PY} benchmarks/audit_stores.py --store chroma --corpus wikiqa --encoder minilm --rows 5000 "
               "--sample 1000",
               extras=("audit-chroma-wikiqa-minilm.png", "audit-chroma-wikiqa-minilm.html")),
        Result("audit-pgvector-wikiqa-minilm", "pgvector, WikiQA, MiniLM vectors",
               f"{PY} benchmarks/audit_stores.py --store pgvector --corpus wikiqa --encoder minilm --rows 5000 "
               "--sample 500",
               extras=("audit-pgvector-wikiqa-minilm.html",)),
        Result("audit-chroma-stsb-multi-use-multilingual", "Chroma, STSb in 7 languages, use-multilingual vectors",
               f"{PY} benchmarks/audit_stores.py --store chroma --corpus stsb-multi --encoder use-multilingual "
               "--rows 5000 --sample 500",
               extras=("audit-chroma-stsb-multi-use-multilingual.html",)),
        Result("audit-pgvector-stsb-multi-use-multilingual", "pgvector, STSb in 7 languages, use-multilingual vectors",
               f"{PY} benchmarks/audit_stores.py --store pgvector --corpus stsb-multi --encoder use-multilingual "
               "--rows 5000 --sample 500",
               extras=("audit-pgvector-stsb-multi-use-multilingual.html",)),
        Result("decode_backends", "Decoding locally vs on Ray Data",
               f"{PY} benchmarks/decode_backends.py --decoder multilingual --n 300 --workers 2"),
    )),
    Section("decoders", "Decoders: own-space ceilings", "A decoder reading its own encoder's vectors (no "
            "alignment): the most any attack with it can reach. Unicode tokens; chance: the same outputs "
            "against shuffled references.", (
        Result("decoder_ceiling", "`default` (MiniLM space), STSb test, beams and rerank",
               f"{PY} benchmarks/decoder_ceiling.py"),
        Result("decoder_ceiling_default_wikiqa", "`default` on WikiQA (another English domain)",
               f"{PY} benchmarks/decoder_ceiling.py --decoder default --corpus wikiqa --beams 1 --n-test 200 "
               "--out benchmarks/results/decoder_ceiling_default_wikiqa"),
        Result("decoder_ceiling_multilingual_v6", "`multilingual` (shipped, sixth phase), 7 languages",
               _ceiling("decoder_ceiling_multilingual_v6")),
        Result("decoder_ceiling_multilingual_dev_phase6_4800", "Sixth phase, last leg, on STSb dev (the shipped one)",
               f"{PY} benchmarks/decoder_ceiling.py --decoder runs/ml6 --split dev --n-test 150 --beams 1 4 "
               "--langs eng deu fra nld spa ita por --out benchmarks/results/decoder_ceiling_multilingual_dev_phase6_4800"),
        Result("decoder_ceiling_multilingual_dev_phase6_3400", "Sixth phase, second leg, on STSb dev",
               "as above, on the second leg's checkpoint"),
        Result("decoder_ceiling_multilingual_dev_phase6_2200", "Sixth phase, first leg, on STSb dev",
               "as above, on the first leg's checkpoint"),
        Result("decoder_ceiling_multilingual_dev_phase5", "Fifth phase on STSb dev", "as above, fifth phase"),
        Result("decoder_ceiling_multilingual_v5", "`multilingual`, fifth phase", _PHASE.format("fifth")),
        Result("decoder_ceiling_multilingual_v4", "`multilingual`, fourth phase", _PHASE.format("fourth")),
        Result("decoder_ceiling_multilingual_v3", "`multilingual`, third phase", _PHASE.format("third")),
        Result("decoder_ceiling_multilingual_v2_200", "`multilingual`, second phase, 200 sentences",
               _PHASE.format("second")),
        Result("decoder_ceiling_multilingual_v2", "`multilingual`, second phase, 100 sentences",
               _ceiling("decoder_ceiling_multilingual_v2", beams="1", n=100)),
        Result("decoder_ceiling_multilingual", "`multilingual`, first phase, 100 sentences",
               _ceiling("decoder_ceiling_multilingual", beams="1", n=100)),
        Result("decoder_ceiling_multilingual_wikiqa_v6", "`multilingual` on WikiQA, sixth phase",
               f"{PY} benchmarks/decoder_ceiling.py --decoder multilingual --langs eng --corpus wikiqa --beams 1 "
               "--n-test 200 --out benchmarks/results/decoder_ceiling_multilingual_wikiqa_v6"),
        Result("decoder_ceiling_multilingual_wikiqa_v5", "`multilingual` on WikiQA, fifth phase", _PHASE.format("fifth")),
        Result("decoder_ceiling_multilingual_wikiqa_v4", "`multilingual` on WikiQA, fourth phase", _PHASE.format("fourth")),
        Result("decoder_ceiling_multilingual_wikiqa_v3", "`multilingual` on WikiQA, third phase", _PHASE.format("third")),
        Result("decoder_ceiling_multilingual_wikiqa_v2", "`multilingual` on WikiQA, second phase", _PHASE.format("second")),
        Result("decoder_ceiling_multilingual_wikiqa_v1", "`multilingual` on WikiQA, first phase", _PHASE.format("first")),
        Result("decoder_ceiling_gemma3_multilingual", "`gemma3-multilingual` (Gemma 3 space)",
               _ceiling("decoder_ceiling_gemma3_multilingual", decoder="gemma3-multilingual", beams="1 4")),
        Result("decoder_ceiling_use_english_200", "`use-english`, 200 STSb sentences",
               _ceiling("decoder_ceiling_use_english_200", decoder="use-english", langs="eng", beams="1 4")),
        Result("decoder_ceiling_use_english", "`use-english`, 100 STSb sentences",
               _ceiling("decoder_ceiling_use_english", decoder="use-english", langs="eng", beams="1", n=100)),
        Result("decoder_ceiling_use_english_wikiqa", "`use-english` on WikiQA",
               f"{PY} benchmarks/decoder_ceiling.py --decoder use-english --langs eng --corpus wikiqa --beams 1 "
               "--n-test 200 --out benchmarks/results/decoder_ceiling_use_english_wikiqa"),
        Result("decoder_ceiling_use_spanish", "`use-spanish`, 100 STSb sentences",
               _ceiling("decoder_ceiling_use_spanish", decoder="use-spanish", langs="spa", beams="1", n=100)),
        Result("backbone_comparison", "Compact backbone vs Gemma 3 270M at equal CPU time",
               f"{PY} benchmarks/backbone_comparison.py"),
        Result("attacker_encoders", "Which attacker space receives victim vectors best (English STSb)",
               f"{PY} benchmarks/attacker_encoders.py"),
        Result("attacker_encoders_de", "Which attacker space receives victim vectors best (German STSb)",
               f"{PY} benchmarks/attacker_encoders.py --lang de --encoders minilm use-multilingual smollm2 gemma3"),
        Result("generation_speed_multilingual", "Decoding speed of `multilingual`",
               f"{PY} benchmarks/generation_speed.py --decoder multilingual --lang deu --beams 1 4 --repeats 5 "
               "--out benchmarks/results/generation_speed_multilingual"),
    )),
    Section("few-shot", "Few-shot ALGEN", "ALGEN (ridge, leave-one-out α) from leaked pairs to the attacker's "
            "space, then the attacker's decoder. ROUGE-L and token F1 beside their chance levels.", (
        Result("algen_shots", "`default` decoder, STSb test, 1 to 1,000 pairs", f"{PY} benchmarks/algen_shots.py"),
        Result("algen_shots_multilingual_wikisplit_v6", "`multilingual`, English WikiSplit (sixth phase)",
               _shots("algen_shots_multilingual_wikisplit_v6", "multilingual", "minilm smollm2", "wikisplit")),
        Result("algen_shots_multilingual_wikiqa_v6", "`multilingual`, English WikiQA (sixth phase)",
               _shots("algen_shots_multilingual_wikiqa_v6", "multilingual", "minilm smollm2", "wikiqa")),
        Result("algen_shots_multilingual_wikisplit", "`multilingual`, English WikiSplit (fourth phase)",
               _PHASE.format("fourth")),
        Result("algen_shots_multilingual_wikiqa", "`multilingual`, English WikiQA (fourth phase)",
               _PHASE.format("fourth")),
        Result("algen_shots_gemma3_wikisplit", "`gemma3-multilingual`, use-multilingual victim, WikiSplit",
               _shots("algen_shots_gemma3_wikisplit", "gemma3-multilingual", "use-multilingual minilm", "wikisplit",
                      "10 100 1000")),
        Result("algen_shots_gemma3_wikiqa", "`gemma3-multilingual`, use-multilingual victim, WikiQA",
               _shots("algen_shots_gemma3_wikiqa", "gemma3-multilingual", "use-multilingual minilm", "wikiqa",
                      "10 100 1000")),
        Result("algen_shots_default_wikiqa", "`default`, use-multilingual and SmolLM2 victims, WikiQA",
               _shots("algen_shots_default_wikiqa", "default", "use-multilingual smollm2", "wikiqa", "10 100 1000")),
        Result("algen_shots_gemma3_multi30k_deu", "`gemma3-multilingual`, German Multi30k captions",
               _shots("algen_shots_gemma3_multi30k_deu", "gemma3-multilingual", "use-multilingual smollm2 minilm",
                      "multi30k", "10 100 1000", "deu")),
        Result("algen_shots_gemma3_multi30k_fra", "`gemma3-multilingual`, French Multi30k captions",
               _shots("algen_shots_gemma3_multi30k_fra", "gemma3-multilingual", "use-multilingual smollm2 minilm",
                      "multi30k", "10 100 1000", "fra")),
        Result("algen_shots_multilingual_multi30k_deu", "`multilingual`, German Multi30k captions",
               _shots("algen_shots_multilingual_multi30k_deu", "multilingual", "minilm smollm2 gemma3", "multi30k",
                      "10 100 1000", "deu")),
        Result("algen_shots_multilingual_multi30k_fra", "`multilingual`, French Multi30k captions",
               _shots("algen_shots_multilingual_multi30k_fra", "multilingual", "minilm smollm2 gemma3", "multi30k",
                      "10 100 1000", "fra")),
    )),
    Section("lago", "Cross-lingual LAGO", "LAGO vs ALGEN over six languages (deu fra nld spa ita por; eng a node), "
            "macro ROUGE-L with bootstrap intervals, ε / η and the reported variant chosen on dev.", (
        Result("lago_experiment_ml6-minilm", "MiniLM victim, `multilingual` (shipped), both graphs",
               _lago("ml6-minilm"), extras=("lago_rouge_vs_shots_ml6-minilm.png",)),
        Result("lago_experiment_ml6-smollm2", "SmolLM2 victim, `multilingual` (shipped), syntax graph",
               _lago("ml6-smollm2", victim="smollm2", graphs="syntax"), extras=("lago_rouge_vs_shots_ml6-smollm2.png",)),
        Result("lago_experiment_gemma3ml-usem", "use-multilingual victim, `gemma3-multilingual`, both graphs",
               _lago("gemma3ml-usem", decoder="gemma3-multilingual", victim="use-multilingual"),
               extras=("lago_rouge_vs_shots_gemma3ml-usem.png",)),
        Result("lago_experiment_ml5-minilm", "MiniLM victim, fifth phase", _lago("ml5-minilm"),
               extras=("lago_rouge_vs_shots_ml5-minilm.png",)),
        Result("lago_experiment_ml4-minilm", "MiniLM victim, fourth phase, syntax graph",
               _lago("ml4-minilm", graphs="syntax"), extras=("lago_rouge_vs_shots_ml4-minilm.png",)),
        Result("lago_experiment_ml4-minilm-asjp", "MiniLM victim, fourth phase, ASJP graph with ADMM",
               _PHASE.format("fourth"), extras=("lago_rouge_vs_shots_ml4-minilm-asjp.png",)),
        Result("lago_experiment_ml4-smollm2", "SmolLM2 victim, fourth phase", _PHASE.format("fourth"),
               extras=("lago_rouge_vs_shots_ml4-smollm2.png",)),
        Result("lago_experiment_ml3-minilm", "MiniLM victim, third phase (ε / η chosen once, at 10 pairs)",
               _PHASE.format("third"), extras=("lago_rouge_vs_shots_ml3-minilm.png",)),
        Result("lago_experiment_ml3-smollm2", "SmolLM2 victim, third phase", _PHASE.format("third"),
               extras=("lago_rouge_vs_shots_ml3-smollm2.png",)),
        Result("lago_experiment_ml2-minilm", "MiniLM victim, second phase", _PHASE.format("second"),
               extras=("lago_rouge_vs_shots_ml2-minilm.png",)),
        Result("lago_experiment_ml2-smollm2", "SmolLM2 victim, second phase", _PHASE.format("second"),
               extras=("lago_rouge_vs_shots_ml2-smollm2.png",)),
        Result("lago_experiment_ml-minilm", "MiniLM victim, first phase, 50 sentences",
               f"{PY} benchmarks/lago_experiment.py --decoder multilingual --victim minilm --shots 10 100 1000 "
               "--methods algen-loo lago-ieq lago-tv --graphs syntax --n-test 50 --n-dev 20 --epsilon 0.1 "
               "--eta 0.01 --tag ml-minilm", extras=("lago_rouge_vs_shots_ml-minilm.png",)),
        Result("lago_experiment_eng200-minilm", "English-only decoder (`use-english`), MiniLM victim, 200 sentences",
               f"{PY} benchmarks/lago_experiment.py --decoder use-english --attack-language eng --victim minilm "
               "--methods algen-loo lago-ieq lago-tv --tag eng200-minilm",
               extras=("lago_rouge_vs_shots_eng200-minilm.png",)),
        Result("lago_experiment_eng-minilm", "English-only decoder, 50 sentences", "as above, 50 test sentences",
               extras=("lago_rouge_vs_shots_eng-minilm.png",)),
        Result("lago_experiment_spa-minilm", "Spanish-only decoder (`use-spanish`), MiniLM victim",
               f"{PY} benchmarks/lago_experiment.py --decoder use-spanish --attack-language spa --victim minilm "
               "--graphs syntax --tag spa-minilm", extras=("lago_rouge_vs_shots_spa-minilm.png",)),
        Result("lago_experiment", "use-multilingual victim, MiniLM-space English decoder (the seed's setting)",
               f"{PY} benchmarks/lago_experiment.py", extras=("lago_rouge_vs_shots.png",)),
        Result("lago_defended", "LAGO / ALGEN on PurMech- and LapMech-defended vectors",
               f"{PY} benchmarks/lago_defended.py --dev-choice benchmarks/results/lago_experiment_ml6-minilm.json"),
        Result("tv_solvers", "TV objective: the seed's schedule vs ADMM", f"{PY} benchmarks/tv_solvers.py --threads 2"),
        Result("lago_speed", "Solver speed", f"{PY} benchmarks/lago_speed.py --threads 1"),
    )),
    Section("defenses", "Defenses", "Privacy against the strongest attacker that knows the defense, beside "
            "retrieval and task utility.", (
        Result("defense_frontier_table_minilm", "Strongest attacker vs utility, MiniLM victim",
               f"{PY} benchmarks/defense_frontier_table.py --victim minilm"),
        Result("defense_frontier_table_use-multilingual", "Strongest attacker vs utility, use-multilingual victim",
               f"{PY} benchmarks/defense_frontier_table.py --victim use-multilingual"),
        Result("retrieval_calibration_minilm", "recall@10 for defenses of known strength",
               f"{PY} benchmarks/retrieval_calibration.py"),
        Result("defense_table", "Few-shot and adaptive attackers vs SST-2 / STSb utility (first run)",
               f"{PY} benchmarks/defense_table.py", extras=("defense_privacy_utility.png",)),
        Result("defense_speed", "Wall time of each defense on 10,000 vectors", f"{PY} benchmarks/defense_speed.py"),
    )),
    Section("eguard", "Eguard", "The learned projection defense: the paper's table, a second pass over its "
            "suspected causes, and robustness.", (
        Result("eguard_table", "Eguard vs FGSM / FreeLB / noise",
               f"{PY} benchmarks/eguard_table.py --victims minilm use-multilingual --tasks sst2 snli "
               "--rows none eguard fgsm freelb gaussian-0.1 purmech-12 --resume"),
        Result("eguard_second_pass_minilm", "Second pass, training seed 0", f"{PY} benchmarks/eguard_second_pass.py"),
        Result("eguard_second_pass_minilm_seed1", "Second pass, training seed 1",
               f"{PY} benchmarks/eguard_second_pass.py --rows paper long critic-x4 alpha-10 --seed 1"),
        Result("defense_robustness_minilm", "Robustness and generalization (projection, then perturbation)",
               f"{PY} benchmarks/defense_robustness.py --victim minilm"),
        Result("eguard_sweep", "Early sweep of Eguard settings", f"{PY} benchmarks/eguard_sweep.py"),
        Result("eguard_table_before_critic_view", "Eguard table before the critics read centred vectors",
               "an earlier version of benchmarks/eguard_table.py"),
    )),
)

OTHER = Section("other", "Other results", "Files in `benchmarks/results/` that no section above lists yet.", ())


# ---------------------------------------------------------------------------------------------
# rendering


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if abs(value) < 1e-3:
        return f"{value:.0e}"
    return f"{value:.3f}"


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        text = "" if value is None else str(value)
    elif isinstance(value, (int, float)):
        text = _number(float(value))
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > 60:
            text = text[:57] + "..."
    return text.replace("|", "\\|").replace("\n", " ")


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of ``rows``' scalar fields (lists and nested objects are left out)."""
    columns: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key not in columns and _is_scalar(value):
                columns.append(key)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def from_json(data: Any) -> str:
    """Tables of a benchmark's JSON: a list of rows, or an object whose lists of rows become tables."""
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        return table(data)
    if not isinstance(data, dict):
        return f"`{_cell(data)}`"
    parts, scalars = [], []
    for key, value in data.items():
        if _is_scalar(value):
            scalars.append(f"- {key}: {_cell(value)}")
        elif isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            parts.append(f"**{key}**\n\n{table(value)}")
    return "\n\n".join(["\n".join(scalars)] * bool(scalars) + parts)


def from_markdown(text: str) -> str:
    """A benchmark's own Markdown, made safe to nest: its headings become emphasized lines and
    every table stands in its own block."""
    out: list[str] = []
    for line in text.strip().splitlines():
        line = line.rstrip()
        heading = re.match(r"^(#+)\s+(.*)$", line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            line = f"*{title}*" if level == 1 else f"**{title}**"
        is_row = line.lstrip().startswith("|")
        was_row = bool(out) and out[-1].lstrip().startswith("|")
        if out and out[-1] and is_row != was_row:
            out.append("")
        out.append(line)
    return "\n".join(out)


def result_body(result: Result, folder: Path, *, link_prefix: str = "") -> str:
    """The table(s) of ``result`` (its ``.md``, else its ``.json``) or "not measured yet"."""
    md, js = folder / f"{result.stem}.md", folder / f"{result.stem}.json"
    if md.is_file():
        body = from_markdown(md.read_text(encoding="utf-8"))
    elif js.is_file():
        try:
            body = from_json(json.loads(js.read_text(encoding="utf-8")))
        except ValueError as exc:
            body = f"*{result.stem}.json could not be read: {exc}*"
    else:
        return f"*{NOT_MEASURED}* (no `benchmarks/results/{result.stem}.md` or `.json`)."
    for extra in result.extras:
        if not (folder / extra).is_file():
            continue
        if extra.endswith(".png"):
            body += f"\n\n![{result.title}]({link_prefix}{extra})"
        elif extra.endswith(".html"):
            body += f"\n\n[The audit's report page]({link_prefix}{extra}) (self-contained HTML)."
    return body


def measured(result: Result, folder: Path) -> bool:
    return any((folder / f"{result.stem}.{ext}").is_file() for ext in ("md", "json"))


def other_results(folder: Path) -> list[Result]:
    """Result files no section lists: each as a :class:`Result` without a known command."""
    known = {r.stem for s in SECTIONS for r in s.results}
    known_extras = {e for s in SECTIONS for r in s.results for e in r.extras}
    stems = sorted({p.stem for p in folder.glob("*.md")} | {p.stem for p in folder.glob("*.json")}) \
        if folder.is_dir() else []
    return [Result(s, s, "see the benchmark that wrote it") for s in stems
            if s not in known and f"{s}.md" not in known_extras]


def section_page(section: Section, folder: Path) -> str:
    lines = [f"# {section.title}", "", section.intro, "",
             "Generated from `benchmarks/results/` by `scripts/docs_results.py`; rerun the command under a "
             "table to refresh it.", ""]
    if not section.results:
        lines += ["None.", ""]
    for result in section.results:
        lines += [f"## {result.title} {{#{_anchor(result.stem)}}}", "",
                  f"`benchmarks/results/{result.stem}`: `{result.command}`" if result.command.startswith(PY)
                  else f"`benchmarks/results/{result.stem}`: {result.command}.", ""]
        if result.note:
            lines += [result.note, ""]
        lines += [result_body(result, folder), ""]
    return "\n".join(lines)


def _anchor(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", stem)


def index_page(sections: Iterable[Section], folder: Path) -> str:
    lines = ["# Benchmark results", "",
             "Every table on these pages is generated from the files the benchmarks write into "
             "`benchmarks/results/` (`scripts/docs_results.py`, run by the docs build). A result whose "
             f"files are missing is marked *{NOT_MEASURED}*. How to run the benchmarks, and what the "
             "numbers mean, is on [Benchmarks](../benchmarks.md).", "",
             "| page | result | status |", "|---|---|---|"]
    for section in sections:
        for result in section.results:
            status = "measured" if measured(result, folder) else NOT_MEASURED
            lines.append(f"| [{section.title}]({section.slug}.md) | "
                         f"[{_cell(result.title)}]({section.slug}.md#{_anchor(result.stem)}) | {status} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# summaries computed from the JSON files


def _load(folder: Path, stem: str) -> Any | None:
    path = folder / f"{stem}.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def _f(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "–"


AUDITS = ("audit-chroma-wikiqa-minilm", "audit-pgvector-wikiqa-minilm", "audit-chroma-stsb-multi-use-multilingual",
          "audit-pgvector-stsb-multi-use-multilingual")


def audit_summary(folder: Path) -> str:
    """The store audits side by side: verdict, strongest row, fewshot-1000, records half rebuilt."""
    lines = ["| store | text / encoder | attacker's decoder | audited | verdict | strongest row: token F1 (chance) "
             "| fewshot-1000 token F1 (chance) | records ≥ half rebuilt (chance) | numbers found | audit |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for stem in AUDITS:
        audit = _load(folder, stem)
        store, _, rest = stem.removeprefix("audit-").partition("-")
        if audit is None:
            lines.append(f"| {store} | {rest} | | | *{NOT_MEASURED}* | | | | | |")
            continue
        encoder = audit.get("encoder", {}).get("name", "?")
        corpus = rest.removesuffix(f"-{encoder}")
        rows = {a.get("attacker"): a for a in audit.get("attacks", [])}
        verdict = audit.get("verdict", {})
        strong = rows.get(verdict.get("attacker"), {})
        few = rows.get("fewshot-1000", {})
        numbers = strong.get("sensitive", {}).get("numbers", {})
        lines.append(
            f"| {store} | {corpus} / {encoder} | {audit.get('settings', {}).get('attacker_decoder', '?')} "
            f"| {audit.get('sample', {}).get('sample_size', audit.get('sample_size', '?')):,} "
            f"| {verdict.get('level', '?')} "
            f"| {verdict.get('attacker', '?')} {_f(strong.get('token_f1'))} ({_f(strong.get('chance', {}).get('token_f1'))}) "
            f"| {_f(few.get('token_f1'))} ({_f(few.get('chance', {}).get('token_f1'))}) "
            f"| {verdict.get('half_recovered', 0):.1%} ({verdict.get('half_recovered_chance', 0):.1%}) "
            f"| {numbers.get('found', '–')}/{numbers.get('present', '–')} "
            f"| {audit.get('timings', {}).get('total', float('nan')):.0f} s |")
    return "\n".join(lines)


CEILING_PHASES = (("2", "decoder_ceiling_multilingual_v2_200"), ("3", "decoder_ceiling_multilingual_v3"),
                  ("4", "decoder_ceiling_multilingual_v4"), ("5", "decoder_ceiling_multilingual_v5"),
                  ("6 (shipped)", "decoder_ceiling_multilingual_v6"))
LANGS = ("eng", "deu", "fra", "nld", "spa", "ita", "por")


def ceiling_summary(folder: Path) -> str:
    """The multilingual decoder's own-space ROUGE-L per language and training phase [chance]."""
    lines = ["| phase | decoding | " + " | ".join(LANGS) + " | macro of the 6 |",
             "|---|---|" + "---|" * (len(LANGS) + 1)]
    for phase, stem in CEILING_PHASES:
        data = _load(folder, stem)
        if data is None:
            lines.append(f"| {phase} | *{NOT_MEASURED}* |" + " |" * (len(LANGS) + 1))
            continue
        for beams, rerank, label in ((1, False, "greedy"), (4, True, "beam 4 + rerank"), (16, True, "beam 16 + rerank")):
            cells = {r["lang"]: r for r in data.get("rows", []) if r.get("beams") == beams
                     and bool(r.get("rerank")) == rerank and "lang" in r}
            if not cells:
                continue
            out = []
            for lang in LANGS:
                row = cells.get(lang)
                if row is None:
                    out.append("–")
                    continue
                chance = row.get("chance_rouge_l", row.get("chance", {}).get("rouge_l"))
                out.append(f"{row['rouge_l']:.3f}" + (f" [{chance:.2f}]" if isinstance(chance, (int, float)) else ""))
            others = [cells[lang]["rouge_l"] for lang in LANGS[1:] if lang in cells]
            macro = f"{sum(others) / len(others):.3f}" if len(others) == len(LANGS) - 1 else "–"
            lines.append(f"| {phase} | {label} | " + " | ".join(out) + f" | {macro} |")
    return "\n".join(lines)


def _rows(folder: Path, stem: str) -> list[dict[str, Any]]:
    data = _load(folder, stem)
    return list(data.get("rows", [])) if isinstance(data, dict) else []


def _best(rows: list[dict[str, Any]], key: str, keep: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    kept = [r for r in rows if keep(r) and isinstance(r.get(key), (int, float))]
    return max(kept, key=lambda r: r[key]) if kept else None


def _target_row(target: str, measured: str, chance: str, source: str, met: bool | None) -> str:
    status = NOT_MEASURED if met is None else ("met" if met else "not met")
    return f"| {target} | {measured} | {chance} | {status} | `{source}` |"


def _runs(folder: Path, stems: Iterable[str]) -> list[dict[str, Any]]:
    """Every row of the runs ``stems``, each with its run's record count (``records``)."""
    return [{**r, "records": (_load(folder, s) or {}).get("args", {}).get("n", 0)}
            for s in stems for r in _rows(folder, s)]


def _judged(runs: list[dict[str, Any]], keep: Callable[[dict[str, Any]], bool]
            ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The best token-F1 row among the runs with the most records (what a target is judged on),
    and the best row on fewer records when it is higher (shown beside, not judged)."""
    kept = [r for r in runs if keep(r)]
    most = max((r["records"] for r in kept), default=0)
    judged = _best([r for r in kept if r["records"] == most], "token_f1", lambda r: True)
    other = _best([r for r in kept if r["records"] != most], "token_f1", lambda r: True)
    return judged, other if other and judged and other["token_f1"] > judged["token_f1"] else None


def _also(other: dict[str, Any] | None) -> str:
    return (f"; on fewer records: {_f(other['token_f1'])} at budget {other['budget']:,}, {other['records']} records"
            if other else "")


def attacker_targets(folder: Path) -> str:
    """The numbers attacker v3 aims at (issue #32), each read from its benchmark's JSON beside
    chance; a search target is judged on the runs with the most records."""
    lines = ["| target | measured | chance | status | result |", "|---|---|---|---|---|"]
    english = _runs(folder, ("search_budget_minilm_wikiqa", "search_budget_minilm_wikiqa_200",
                             "search_budget_minilm_wikiqa_high"))
    best, other = _judged(english, lambda r: r.get("budget", 0) <= 2000)
    lines.append(_target_row(
        "known MiniLM, WikiQA sentences: token F1 ≥ 0.55 and ROUGE-L ≥ 0.45 at ≤ 2,000 queries",
        f"token F1 {_f(best['token_f1'])}, ROUGE-L {_f(best['rouge_l'])} at budget {best['budget']:,} "
        f"({best['queries/record']:.0f} queries used), {best['records']} records" + _also(other) if best else "–",
        f"{_f(best['chance_f1'])} / {_f(best['chance_rouge_l'])}" if best else "–",
        "search_budget_minilm_wikiqa(_200, _high)",
        None if best is None else best["token_f1"] >= 0.55 and best["rouge_l"] >= 0.45))
    for lang in ("deu", "fra", "spa"):
        stem = f"search_budget_multilingual_{lang}"
        best, other = _judged(_runs(folder, (stem, f"{stem}_1000")),
                              lambda r: 0 < r.get("budget", 0) <= 2000)
        lines.append(_target_row(
            f"known use-multilingual, {lang}: token F1 ≥ 0.45 (at ≤ 2,000 queries)",
            f"{_f(best['token_f1'])} at budget {best['budget']:,}, {best['records']} records" + _also(other)
            if best else "–",
            _f(best["chance_f1"]) if best else "–", stem, None if best is None else best["token_f1"] >= 0.45))
    for victim, stem in (("use-multilingual", "search_budget_blackbox_usem_wikiqa"),
                         ("SmolLM2", "search_budget_blackbox_smollm2_wikiqa")):
        rows = _rows(folder, stem)
        base = next((r for r in rows if r.get("budget") == 0), None)
        best = _best(rows, "token_f1", lambda r: r.get("budget", 0) > 0)
        ratio = best["token_f1"] / base["token_f1"] if best and base and base["token_f1"] else None
        lines.append(_target_row(
            f"black box, {victim} victim, 100 leaked pairs + queries: token F1 ≥ 1.5× fewshot-100",
            f"{_f(best['token_f1'])} against {_f(base['token_f1'])} = {ratio:.2f}×" if ratio else "–",
            f"{_f(best['chance_f1'])} / {_f(base['chance_f1'])}" if ratio else "–", stem,
            None if ratio is None else ratio >= 1.5))
    data = _load(folder, "bag_of_words_wikiqa")
    best = data.get("best_recall_at_precision_0.5") if isinstance(data, dict) else None
    lines.append(_target_row(
        "bag-of-words, MiniLM vectors, WikiQA: word recall ≥ 0.60 at precision ≥ 0.50",
        f"recall {_f(best['word_recall'])} at precision {_f(best['word_precision'])} (threshold {best['threshold']})"
        if best else ("no threshold reaches precision 0.50" if data else "–"),
        f"{_f(best['chance_recall'])} / {_f(best['chance_precision'])}" if best else "–", "bag_of_words_wikiqa",
        None if data is None else bool(best) and best["word_recall"] >= 0.60))
    calibrated = next((r for r in _rows(folder, "bag_of_words_wikiqa-passages") if r.get("calibrated")), None)
    lines.append(_target_row(
        "passages of 80-200 words, bag-of-words (calibrated threshold): content-word recall ≥ 0.40",
        _f(calibrated["content_recall"]) if calibrated else "–",
        _f(calibrated["chance_content_recall"]) if calibrated else "–", "bag_of_words_wikiqa-passages",
        None if calibrated is None else calibrated["content_recall"] >= 0.40))
    best = _best(_runs(folder, ("search_budget_minilm_passages", "search_budget_minilm_passages_300")),
                 "content_recall", lambda r: True)
    lines.append(_target_row(
        "passages of 80-200 words, search: content-word recall (every attacker reported)",
        f"{_f(best['content_recall'])} at budget {best['budget']:,}, {best['records']} records" if best else "–",
        _f(best.get("chance_content_recall")) if best else "–",
        "search_budget_minilm_passages(_300)", None if best is None else best["content_recall"] >= 0.40))
    audit = _load(folder, "audit-chroma-wikiqa-passages-minilm-293")
    rows = [a for a in (audit or {}).get("attacks", []) if isinstance(a.get("content_recall"), (int, float))]
    top = max(rows, key=lambda a: a["content_recall"], default=None)
    lines.append(_target_row(
        "passages of 80-200 words, every attacker (an audit of a passage store): content-word recall",
        ", ".join(f"{a['attacker']} {_f(a['content_recall'])}" for a in rows) if rows else "–",
        _f(top.get("chance", {}).get("content_recall")) + f" ({top['attacker']})" if top else "–",
        "audit-chroma-wikiqa-passages-minilm-293", None if top is None else top["content_recall"] >= 0.40))
    return "\n".join(lines)


SUMMARIES: dict[str, Callable[[Path], str]] = {"audit-summary": audit_summary, "ceiling-summary": ceiling_summary,
                                               "attacker-targets": attacker_targets}


def _find(stem: str) -> Result | None:
    return next((r for s in SECTIONS for r in s.results if r.stem == stem), None)


def embed(name: str, folder: Path = RESULTS, *, link_prefix: str = "") -> str | None:
    """What a ``<!-- results: NAME -->`` placeholder stands for: a summary, or one result's table
    (``None`` for a name that is neither)."""
    if name in SUMMARIES:
        return SUMMARIES[name](folder)
    result = _find(name) or (Result(name, name, "") if (folder / f"{name}.md").is_file()
                             or (folder / f"{name}.json").is_file() else None)
    return None if result is None else result_body(result, folder, link_prefix=link_prefix)


PLACEHOLDER = re.compile(r"^<!--[ \t]*results:[ \t]*([A-Za-z0-9_.-]+)[ \t]*-->[ \t]*$", re.MULTILINE)


def fill_placeholders(markdown: str, folder: Path = RESULTS, *, link_prefix: str = "",
                      unknown: Callable[[str], None] | None = None) -> str:
    """``markdown`` with every ``<!-- results: NAME -->`` line replaced by its table."""
    def replace(match: re.Match[str]) -> str:
        text = embed(match.group(1), folder, link_prefix=link_prefix)
        if text is None:
            if unknown:
                unknown(match.group(1))
            return f"*unknown result '{match.group(1)}'*"
        return f"\n{text}\n"        # a block of its own, whatever surrounds the placeholder

    return PLACEHOLDER.sub(replace, markdown)


def pages(folder: Path = RESULTS) -> dict[str, str]:
    """Every generated page: ``{path under docs/: markdown}``."""
    others = Section(OTHER.slug, OTHER.title, OTHER.intro, tuple(other_results(folder)))
    sections = (*SECTIONS, others)
    out = {f"{PAGE_DIR}/index.md": index_page(sections, folder)}
    for section in sections:
        out[f"{PAGE_DIR}/{section.slug}.md"] = section_page(section, folder)
    out[f"{PAGE_DIR}/index.md"] += "\n## Summaries\n\n### Store audits\n\n" + audit_summary(folder) + \
        "\n\n### The multilingual decoder's own-space ROUGE-L by training phase [chance]\n\n" + \
        ceiling_summary(folder) + "\n"
    return out


def assets(folder: Path = RESULTS) -> dict[str, Path]:
    """Images and report pages the generated pages show or link: ``{path under docs/: source file}``."""
    return {f"{PAGE_DIR}/{extra}": folder / extra for s in SECTIONS for r in s.results for extra in r.extras
            if (folder / extra).is_file()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", type=Path, default=RESULTS, help="folder of benchmark results")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / PAGE_DIR, help="folder for the pages (docs/results)")
    args = ap.parse_args(argv)
    written = {**pages(args.results), **assets(args.results)}
    args.out.mkdir(parents=True, exist_ok=True)
    for rel, content in written.items():
        path = args.out / Path(rel).relative_to(PAGE_DIR)
        if isinstance(content, Path):
            path.write_bytes(content.read_bytes())
        else:
            path.write_text(content, encoding="utf-8")
    print(f"wrote {len(written)} files into {args.out}")


if __name__ == "__main__":
    from vecleak.errors import run_script

    run_script(main)
