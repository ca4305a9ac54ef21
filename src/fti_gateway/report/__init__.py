"""Reports read from decisions and the ledger: decision summaries, (p)(3)(C), taxpayer views."""
