"""Shared code of the optimizer chapter (docs/optimizers/): hand-written update
rules and test problems."""
