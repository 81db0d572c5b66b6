"""The suite's own limits: a test that hangs fails, and the run goes on."""

pytest_plugins = ["pytester"]

HANGING_TEST = """
import time

def test_that_hangs():
    time.sleep(60)

def test_after_it():
    pass
"""


def test_every_test_has_a_timeout(request):
    assert request.config.pluginmanager.hasplugin("timeout")
    assert float(request.config.getini("timeout")) > 0


def test_a_hanging_test_fails_within_its_timeout_and_the_next_one_runs(pytester):
    pytester.makepyfile(HANGING_TEST)
    result = pytester.runpytest_subprocess(
        "-p", "no:django", "-p", "no:cacheprovider", "-o", "timeout=1"
    )
    result.assert_outcomes(failed=1, passed=1)
    assert result.duration < 30
