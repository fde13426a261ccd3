"""Shared code of the loss-function chapter (docs/losses/)."""
