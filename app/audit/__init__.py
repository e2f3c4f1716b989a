"""Audit history: who changed what, when, from what to what. Written by services, never edited."""
