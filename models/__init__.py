"""Tortoise ORM models, one module per aggregate. Fields, constraints and indexes; no rules."""
