"""Tests of the notify area."""
