"""The load benchmark: `python3 dev.py bench --help` (README, "Performance")."""
