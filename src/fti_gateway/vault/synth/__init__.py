"""Synthetic data: a taxpayer master file and requests against it (never real people).

Everything here is generated from shipped frequency tables and a seed; TINs come only
from ranges the SSA never issues (areas 000, 666, 900–999).
"""
