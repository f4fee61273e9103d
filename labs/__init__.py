"""Scenarios (world model, typologies, bundles, grading) and the `tracelab` command line."""
