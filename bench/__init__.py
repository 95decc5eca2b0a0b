"""Benchmarks: scripts that print figures; `python bench/run_all.py` runs them all."""
