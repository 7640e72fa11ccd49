"""Tests (a package so that same-named test modules in different folders do not clash)."""
