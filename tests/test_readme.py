"""The README's examples work as written: its pytest examples run through the plugin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.control.scenarios import parse_scenario

pytest_plugins = ["pytester"]
SECTION = "## Scripting the provider from tests"
PINGRAM_SDK_SECTION = "## Using the official Pingram SDK"
# Plugins the examples don't use, left out for speed (as tests/plugin does).
UNRELATED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:anyio")


def _section(readme: str, heading: str = SECTION) -> str:
    start = readme.index(heading)
    end = readme.find("\n## ", start + len(heading))
    return readme[start : end if end != -1 else None]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_scripting_examples_pass_with_the_plugin(
    pytester: pytest.Pytester, repository_root: Path
) -> None:
    examples = _blocks(_section((repository_root / "README.md").read_text()), "python")
    assert examples, "the README lost its pytest examples"
    pytester.makepyfile(test_readme_examples="\n\n".join(examples))
    expected = sum(len(re.findall(r"^def test_", block, flags=re.MULTILINE)) for block in examples)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--numbers-mock-seed-count", "2000"
    )
    result.assert_outcomes(passed=expected)


def test_scenario_example_is_the_file_it_names(repository_root: Path) -> None:
    (example,) = _blocks(_section((repository_root / "README.md").read_text()), "yaml")
    assert example.startswith("# examples/sold-out-415.yaml\n")
    committed = (repository_root / "examples" / "sold-out-415.yaml").read_text()
    assert parse_scenario(example) == parse_scenario(committed)


def test_pingram_sdk_examples_pass_with_the_plugin(
    pytester: pytest.Pytester, repository_root: Path
) -> None:
    """The section's pytest examples drive the official Python SDK through the fixture."""
    section = _section((repository_root / "README.md").read_text(), PINGRAM_SDK_SECTION)
    examples = [block for block in _blocks(section, "python") if "def test_" in block]
    assert examples, "the README lost its Pingram SDK pytest examples"
    pytester.makepyfile(test_pingram_sdk_examples="\n\n".join(examples))
    expected = sum(len(re.findall(r"^def test_", block, flags=re.MULTILINE)) for block in examples)
    assert expected >= 2
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        *UNRELATED_PLUGINS,
        "-W",
        "error",
        "--numbers-mock-seed-count",
        "2000",
    )
    result.assert_outcomes(passed=expected)
