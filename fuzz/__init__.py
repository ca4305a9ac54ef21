"""Fuzz targets shared by the atheris harnesses (fuzz/fuzz_*.py) and the Hypothesis tests
(tests/fuzz/): one function per reader, taking raw bytes as an attacker would send them."""
