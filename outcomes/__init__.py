"""Shared outcomes pipeline for an integrated care system: settings, command line and orchestration helpers."""
