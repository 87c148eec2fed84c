"""Model backend tests against real or scripted loopback servers."""
