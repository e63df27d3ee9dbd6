"""``tools/bench``: run the workloads in fresh processes, rotating the order, and write medians.

Every figure comes from its own process (a fresh interpreter: no warm caches or allocator state
shared between frameworks), the frameworks' order rotates from repeat to repeat so that machine
noise hits all alike, and each cell is the median over the repeats. Ratios are against the
hand-written loop (``torch``) of the same run: per-step (or per-batch) time, so lower is better;
a throughput of ≥ 0.95× the loop is a time ratio ≤ 1.053.

Example::

    tools/bench --device cpu --threads 2 --json bench.json --markdown bench.md
    tools/bench --quick                      # W4 only, one short repeat (a smoke test)
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.runners import RESULT_PREFIX
from benchmarks.workloads import WORKLOADS

TOOLS = Path(__file__).resolve().parent.parent
JIT_WORKLOADS = ("W1", "W4")
PEERS = ("keras3", "lightning")
NOT_RUN = "not run"  # a cell a run cut short never reached


def available(framework):
    """Whether a framework can run here (the optional peers only when importable)."""
    modules = {"keras3": ("keras",), "lightning": ("lightning", "pytorch_lightning")}
    return any(importlib.util.find_spec(m) is not None for m in modules.get(framework, ("torch",)))


def plan(args):
    """The cells ``(workload, mode, precision, framework)`` to measure, in table order."""
    frameworks = [f for f in args.frameworks.split(",") if f]
    unknown = [f for f in frameworks if f not in
               ("torch", "lamella", "lamella@base", *PEERS)]
    if unknown:
        raise SystemExit(f"tools/bench: unknown framework {unknown[0]!r}")
    if "lamella@base" in frameworks and not args.baseline_src:
        raise SystemExit("tools/bench: lamella@base needs --baseline-src DIR")
    if args.baseline_src and "lamella@base" not in frameworks:
        frameworks.append("lamella@base")
    frameworks = [f for f in frameworks if available(f)]
    cells = []
    for name in args.workloads.split(","):
        if name not in WORKLOADS:
            raise SystemExit(f"tools/bench: unknown workload {name!r}; have {sorted(WORKLOADS)}")
        spec = WORKLOADS[name]
        precisions = [None]
        if args.mixed_precision and spec.mixed_precision:
            precisions.append(args.mixed_precision)
        for mode in args.modes.split(","):
            for precision in precisions:
                row = list(frameworks)
                if args.jit and mode == "train" and name in JIT_WORKLOADS and precision is None:
                    row += ["torch-compiled", "lamella-jit"]
                cells.append(((name, mode, precision), row))
    return cells


def run_one(args, workload, mode, precision, framework):
    """One fresh process; its result dict (or ``{"error": ...}``)."""
    job = {"framework": framework.split("@")[0], "workload": workload, "mode": mode,
           "device": args.device, "epochs": args.epochs, "mixed_precision": precision,
           "threads": args.threads, "steps": _steps(args, workload)}
    env = dict(os.environ)
    if framework == "lamella@base":
        base = Path(args.baseline_src)
        paths = [str(p) for p in sorted(base.glob("packages/*/src"))]
        env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    if framework == "keras3":
        env["KERAS_BACKEND"] = "torch"
        if args.device == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = ""
    code = (f"import sys; sys.path.insert(0, {str(TOOLS)!r}); "
            "from benchmarks.runners import main; sys.exit(main())")
    try:
        done = subprocess.run([sys.executable, "-c", code, json.dumps(job)], env=env,
                              capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"error": f"exit {done.returncode}: {tail[0][:200]}"}


def _steps(args, workload):
    spec = WORKLOADS[workload]
    steps = spec.gpu_steps if args.device == "cuda" else spec.steps
    return max(2, int(round(steps * args.steps_scale)))


def measure_all(args, cells, log=print, after_cell=None):
    """``{cell: {framework: [results]}}`` over ``args.repeats`` rounds, rotating the order;
    ``after_cell(results)`` runs after each cell of each round (the files are rewritten, so a
    run cut short still leaves its figures)."""
    results = {cell: {f: [] for f in row} for cell, row in cells}
    for repeat in range(args.repeats):
        for cell, row in cells:
            if repeat and args.peers_once:
                row = [f for f in row if f not in PEERS]
            shift = repeat % len(row)
            for framework in row[shift:] + row[:shift]:
                result = run_one(args, *cell, framework)
                results[cell][framework].append(result)
                shown = result.get("error") or f"{result['us_per_step']:.0f} us/step"
                log(f"[{repeat + 1}/{args.repeats}] {_label(cell)} {framework}: {shown}")
            if after_cell is not None:
                after_cell(results)
    return results


def summarize(results):
    """Medians and ratios, one record per cell and framework."""
    rows = []
    for cell, by_framework in results.items():
        workload, mode, precision = cell
        ok = {f: [r for r in rs if "error" not in r] for f, rs in by_framework.items()}
        loop = ok.get("torch") or []
        loop_us = statistics.median(r["us_per_step"] for r in loop) if loop else None
        loop_cpu = statistics.median(r["cpu_us_per_step"] for r in loop) if loop else None
        for framework, runs in by_framework.items():
            good = ok[framework]
            record = {"workload": workload, "mode": mode, "precision": precision or "float32",
                      "framework": framework, "runs": len(good)}
            if not good:
                record["error"] = runs[-1].get("error") if runs else NOT_RUN
                rows.append(record)
                continue
            us = statistics.median(r["us_per_step"] for r in good)
            cpu_us = statistics.median(r["cpu_us_per_step"] for r in good)
            record.update(
                us_per_step=round(us, 1),
                cpu_us_per_step=round(cpu_us, 1),
                samples_per_s=round(statistics.median(r["samples_per_s"] for r in good), 1),
                peak_host_mb=max(r["peak_host_mb"] for r in good),
                params=good[0]["params"],
                all_us_per_step=[round(r["us_per_step"], 1) for r in good])
            if "peak_device_mb" in good[0]:
                record["peak_device_mb"] = max(r["peak_device_mb"] for r in good)
            if loop_us:
                record["time_ratio"] = round(us / loop_us, 3)
                record["cpu_time_ratio"] = round(cpu_us / loop_cpu, 3)
            rows.append(record)
    return rows


def machine(args):
    """A description of where the figures were measured."""
    import torch

    description = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(), "torch": torch.__version__,
        "platform": platform.platform(), "cpu": _cpu_name(), "cores": os.cpu_count(),
        "threads": args.threads or torch.get_num_threads(), "device": args.device,
        "repeats": args.repeats, "epochs": args.epochs,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    if args.device == "cuda" and torch.cuda.is_available():
        description["gpu"] = torch.cuda.get_device_name(0)
    for module in ("keras", "lightning"):
        spec = importlib.util.find_spec(module)
        if spec is not None:
            description[module] = _version(module)
    return description


def _version(distribution):
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def _cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _label(cell):
    workload, mode, precision = cell
    return f"{workload} {mode}" + (f" {precision}" if precision else "")


def markdown(rows, description):
    """The results as a Markdown table: µs per step (time ratio to the loop) per framework."""
    frameworks = []
    for row in rows:
        if row["framework"] not in frameworks:
            frameworks.append(row["framework"])
    header = ["workload", "mode", "precision", *frameworks, "lamella peak MB"]
    lines = [
        f"Measured {description['date']} on {description['cpu']} ({description['cores']} cores, "
        f"{description['threads']} torch threads, device {description['device']}"
        + (f": {description['gpu']}" if description.get("gpu") else "")
        + f"), Python {description['python']}, torch {description['torch']}"
        + "".join(f", {m} {description[m]}" for m in ("keras", "lightning") if m in description)
        + f". Medians of {description['repeats']} fresh processes each; cells are µs per step "
        "(train: one batch; predict: one batch of 1024) and, in brackets, the time ratio to "
        "the hand-written loop (lower is better).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    by_cell = {}
    for row in rows:
        by_cell.setdefault((row["workload"], row["mode"], row["precision"]), {})[
            row["framework"]] = row
    for (workload, mode, precision), cell in by_cell.items():
        values = []
        for framework in frameworks:
            row = cell.get(framework)
            if row is None or row.get("error") == NOT_RUN:
                values.append("")
            elif "error" in row:
                values.append("fails")
            else:
                ratio = f" ({row['time_ratio']:.2f}×)" if "time_ratio" in row else ""
                values.append(f"{row['us_per_step']:,.0f}{ratio}")
        lamella = cell.get("lamella", {})
        peak = lamella.get("peak_device_mb", lamella.get("peak_host_mb", ""))
        title = f"{workload} {WORKLOADS[workload].title}"
        lines.append("| " + " | ".join([title, mode, precision, *values, str(peak)]) + " |")
    errors = [r for r in rows if r.get("error", NOT_RUN) != NOT_RUN]
    if errors:
        lines.append("")
        lines += [f"- {r['framework']} on {r['workload']} {r['mode']}: {r['error']}"
                  for r in errors]
    return "\n".join(lines) + "\n"


def parse(argv=None):
    parser = argparse.ArgumentParser(prog="tools/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6")
    parser.add_argument("--modes", default="train,predict")
    parser.add_argument("--frameworks", default="torch,lamella,keras3,lightning",
                        help="torch, lamella, keras3, lightning (peers are skipped when not "
                             "importable); lamella@base with --baseline-src")
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=True,
                        help=f"also torch.compile'd loop and jit_compile=True on "
                             f"{', '.join(JIT_WORKLOADS)}")
    parser.add_argument("--mixed-precision", choices=("bfloat16", "float16"),
                        help="also run the mixed-precision workloads (W5, W6) this way")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--steps-scale", type=float, default=1.0,
                        help="scale every workload's steps per epoch")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads in each process")
    parser.add_argument("--peers-once", action="store_true",
                        help="run Keras 3 and Lightning in the first repeat only (they are "
                             "several times slower; saves time on a borrowed GPU)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per process")
    parser.add_argument("--baseline-src", help="another lamella checkout to compare with "
                                               "(measured as lamella@base)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: W4 train, 1 repeat of 1 short epoch, no jit")
    parser.add_argument("--json", help="write the results and the machine here")
    parser.add_argument("--markdown", help="write the Markdown table here")
    args = parser.parse_args(argv)
    if args.quick:
        args.workloads, args.modes, args.repeats, args.epochs = "W4", "train", 1, 1
        args.steps_scale, args.jit = min(args.steps_scale, 0.1), False
    if args.repeats < 1 or args.epochs < 1:
        parser.error("--repeats and --epochs must be >= 1")
    return args


def main(argv=None):
    args = parse(argv)
    cells = plan(args)
    description = machine(args)

    def save(results):
        rows = summarize(results)
        if args.json:
            _write(args.json, json.dumps({"machine": description, "results": rows}, indent=1))
        if args.markdown:
            _write(args.markdown, markdown(rows, description))
        return rows

    rows = save(measure_all(args, cells, log=lambda line: print(line, flush=True),
                            after_cell=save))
    print()
    print(markdown(rows, description))
    return 1 if any("error" in r for r in rows if r["framework"] in ("torch", "lamella")) else 0


def _write(path, text):
    """Atomically (a temporary beside the file, then a rename): a crash keeps the old file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp{os.getpid()}")
    temporary.write_text(text)
    os.replace(temporary, target)
