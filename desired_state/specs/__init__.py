"""Typed specs, one Pydantic model per ARM type, grouped per Azure service."""
