"""Tests of the benchmarks' own oracles, on fixture trees and the real standard library."""
