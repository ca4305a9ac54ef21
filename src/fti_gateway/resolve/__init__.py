"""Identity resolution, precision first: each subject → one taxpayer, or none, or review."""
