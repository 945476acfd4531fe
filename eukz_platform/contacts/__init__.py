"""Contacts: the EESC's people and each organisation's contact people."""
