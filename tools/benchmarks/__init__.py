"""lamella's benchmark suite (``tools/bench``): fixed workloads, lamella against the loop a
PyTorch user writes, Keras 3 and PyTorch Lightning, each run in a fresh process.

- :mod:`benchmarks.workloads`: W1–W6, their models (one Keras-API builder for lamella and
  Keras 3, a torch twin) and data;
- :mod:`benchmarks.runners`: one measurement of one framework on one workload, in this process;
- :mod:`benchmarks.suite`: the command line: fresh processes, rotating order, medians, the
  Markdown table and the JSON file.
"""
