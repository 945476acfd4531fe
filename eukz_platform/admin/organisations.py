"""Secretariat console."""
