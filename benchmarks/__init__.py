"""Benchmarks: synthetic registries and the timing harness (not tests)."""
