"""Shared code of the weight-initialization chapter (docs/initialization/)."""
