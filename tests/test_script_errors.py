"""Benchmarks and scripts report a user's mistake as the CLI does: one line on stderr, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_lago_experiment_refuses_the_attackers_own_encoder_as_victim(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "lago_experiment.py"), "--decoder", "multilingual",
                          "--victim", "use-multilingual", "--tag", "t"], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        "the victim use-multilingual is the attack model's own encoder; pick another --victim")
    assert "Traceback" not in run.stderr


def test_export_decoder_of_a_folder_without_a_decoder_exits_2(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_decoder.py"), str(tmp_path / "nothing"),
                          str(tmp_path / "dst")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert not (tmp_path / "dst").exists()
