"""Frozen declarations of each released version of the standard (``<version>.json``).

Generated, never edited: the current release's by ``peerbench schema generate``, earlier
ones by ``scripts/freeze_standard.py`` from that release's generated ``schema/`` folder.
"""
