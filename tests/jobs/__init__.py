"""Tests of the job runtime and the worker CLI."""
