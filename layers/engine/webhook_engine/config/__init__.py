"""Providers and functions: the configuration document, its rules, apply, the catalog."""
