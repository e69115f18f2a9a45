"""Tests of the guests area."""
