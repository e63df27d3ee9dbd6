"""tools/bench (tools/benchmarks/): the table and JSON it writes, on a tiny real run and on
made-up measurements. Checks structure and arithmetic only, never speed."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from benchmarks import suite, workloads  # noqa: E402


def _result(us, cpu=None):
    return {"us_per_step": us, "cpu_us_per_step": cpu or us, "samples_per_s": 32e6 / us,
            "params": 210, "peak_host_mb": 300.0, "seconds": us * 1e-4, "steps": 100}


def test_summary_takes_medians_and_ratios_to_the_loop():
    cell = ("W4", "train", None)
    results = {cell: {
        "torch": [_result(100), _result(300), _result(200)],
        "lamella": [_result(260), _result(240), _result(250, cpu=220)],
        "keras3": [{"error": "exit 1: ImportError"}],
    }}
    rows = {r["framework"]: r for r in suite.summarize(results)}
    assert rows["torch"]["us_per_step"] == 200 and rows["torch"]["time_ratio"] == 1.0
    assert rows["lamella"]["us_per_step"] == 250 and rows["lamella"]["time_ratio"] == 1.25
    assert rows["lamella"]["cpu_time_ratio"] == 1.2
    assert rows["keras3"]["error"].startswith("exit 1")
    description = {"date": "d", "cpu": "c", "cores": 2, "threads": 2, "device": "cpu",
                   "python": "3", "torch": "t", "repeats": 3}
    table = suite.markdown(suite.summarize(results), description)
    assert "| W4 Dense(10) on 20 features | train | float32 | 200 (1.00×) | 250 (1.25×) | fails |" \
        in table
    assert "- keras3 on W4 train: exit 1: ImportError" in table


def test_plan_rotates_and_adds_the_jit_and_mixed_precision_cells():
    args = suite.parse(["--workloads", "W4,W5", "--modes", "train", "--frameworks",
                        "torch,lamella", "--mixed-precision", "bfloat16"])
    cells = dict(suite.plan(args))
    assert cells[("W4", "train", None)] == ["torch", "lamella", "torch-compiled", "lamella-jit"]
    assert cells[("W5", "train", "bfloat16")] == ["torch", "lamella"]
    assert ("W4", "train", "bfloat16") not in cells  # W4 is too small to gain from it
    with pytest.raises(SystemExit, match="unknown workload"):
        suite.plan(suite.parse(["--workloads", "W9"]))


def test_every_workload_builds_the_same_size_model_in_lamella_and_torch():
    import lamella

    for spec in workloads.WORKLOADS.values():
        model = workloads.build_keras(lamella, spec)
        net = workloads.build_torch(spec)
        # torch's LSTM has two bias vectors (input and hidden) where Keras has one
        extra = 4 * 64 if spec.name == "W3" else 0
        assert model.count_params() + extra == sum(p.numel() for p in net.parameters()), \
            spec.name


@pytest.mark.slow  # two fresh interpreters (torch + lamella imports): ~10 s on an idle machine
def test_a_quick_run_writes_the_table_and_the_json(tmp_path):
    out_json, out_md = tmp_path / "bench.json", tmp_path / "bench.md"
    status = suite.main(["--quick", "--frameworks", "torch,lamella", "--steps-scale", "0.02",
                         "--threads", "1", "--json", str(out_json), "--markdown", str(out_md)])
    assert status == 0
    data = json.loads(out_json.read_text())
    assert data["machine"]["device"] == "cpu" and data["machine"]["threads"] == 1
    rows = {r["framework"]: r for r in data["results"]}
    assert set(rows) == {"torch", "lamella"}
    assert rows["torch"]["time_ratio"] == 1.0
    assert rows["lamella"]["us_per_step"] > 0 and rows["lamella"]["runs"] == 1
    assert "| W4 Dense(10) on 20 features | train | float32 |" in out_md.read_text()
