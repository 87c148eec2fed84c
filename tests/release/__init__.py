"""Tests of what fillin ships: the wheel, the sdist and the VS Code extension package."""
