"""Benchmarks at scale (issue 9): a data generator (generate.py) and a runner (run.py).

Neither is part of the application: they drive it from outside, as a load
balancer and a bulk import would, and write their figures to docs/benchmarks.md.
"""
