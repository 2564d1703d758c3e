"""Assembling pages into a version folder: engines, templates and the shared page model."""
