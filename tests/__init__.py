"""Tests of cls-data (a package so that tests.support can be imported by tests and bench/)."""
