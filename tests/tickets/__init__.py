"""Tests of the tickets area."""
