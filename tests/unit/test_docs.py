"""Every command and build option is documented (sqlite-utils habit)."""

from pathlib import Path

from pmovalue.cli import _parser

REPO = Path(__file__).resolve().parents[2]


def test_every_command_and_option_is_in_the_guide() -> None:
    guide = (REPO / "docs" / "guide.md").read_text()
    parser = _parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        assert f"pmovalue {name}" in guide, name
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert f"`{flag}" in guide or f"{flag} " in guide or f"[{flag}" in guide, (
                        name,
                        flag,
                    )


def test_readme_starts_with_the_two_commands() -> None:
    head = (REPO / "README.md").read_text().splitlines()[:8]
    assert any(line.startswith("make report") for line in head)
    assert any(line.startswith("make test") for line in head)
