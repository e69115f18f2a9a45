"""Leaf utilities every layer may import: configuration, clock, database wiring.

`core` imports nothing else of ours, so the one-direction rule
(server -> schema -> resolvers -> models) stays intact while every layer can read the settings.
"""
