"""Test results as data: detect the command, run it in the sandbox, select, summarise."""

from tools.testing.detect import detect_test_command
from tools.testing.results import TestCase, TestCommand, TestRun
from tools.testing.runner import run_tests
from tools.testing.select import select_tests
from tools.testing.summary import summarize_failures

__all__ = ["detect_test_command", "run_tests", "select_tests", "summarize_failures", "TestCase", "TestCommand", "TestRun"]
