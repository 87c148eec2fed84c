"""fillin's tests: a package, so shared helpers import by full name (tests.modelserver)."""
