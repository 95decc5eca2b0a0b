"""The real content validates; broken content fails with a message naming file and path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dialogues import CONTENT_DIR, ContentError, Library, load_library
from dialogues.library.readability import average_lix, content_lix, flow_texts, lix
from dialogues.library.validate import MAX_TEXT, reachable
from dialogues.markup import markup_problem

FLOW_FILES = sorted(p for p in (CONTENT_DIR / "da").glob("*.yaml") if p.stem != "ui")


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.stem)
def test_every_flow_is_valid_reachable_and_phone_sized(library: Library, path: Path) -> None:
    flow = library.get("da").flows[path.stem]
    assert reachable(flow) == set(flow.nodes)
    for node in flow.nodes.values():
        assert 0 < len(node.text) <= MAX_TEXT, node.id
        assert markup_problem(node.text) is None, node.id


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.stem)
def test_every_flow_reads_easily(library: Library, path: Path) -> None:
    flow = library.get("da").flows[path.stem]
    assert average_lix(list(flow_texts(flow))) <= 50, "one flow may be harder, not much"


def test_average_lix_of_all_content_is_at_most_35(library: Library) -> None:
    assert content_lix(library.get("da")) <= 35


def test_lix_formula() -> None:
    # 6 words, 2 sentences, 1 long word ("frivillige"): 3 + 100/6
    assert lix("Vi er her. Vi er frivillige.") == pytest.approx(3 + 100 / 6)


def test_recommendation_1_has_reflection_questions(library: Library) -> None:
    flow = library.get("da").flows["anbefaling1"]
    assert 3 <= len(flow.questions) <= 6


def _broken(tmp_path: Path, flow_yaml: str) -> ContentError:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "da", root / "da")
    (root / "da" / "broken.yaml").write_text(flow_yaml, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_library(root)
    return caught.value


HEAD = 'flow: broken\ntitle: "B"\nstart: a\nnodes:\n'


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        (
            "  - {id: a, kind: info, text: x, next: nowhere}\n",
            "nodes[0](a).next: unknown node 'nowhere'",
        ),
        ("  - {id: a, kind: info, text: x, next: 'flow:nope'}\n", "unknown flow 'nope'"),
        (
            "  - {id: a, kind: info, text: x}\n  - {id: b, kind: info, text: y}\n",
            "nodes.b: unreachable",
        ),
        (
            "  - {id: a, kind: info, text: x, next: a}\n  - {id: a, kind: info, text: y}\n",
            "duplicate id 'a'",
        ),
        ("  - {id: a, kind: info}\n", "nodes[0](a).text: missing text"),
        (f"  - {{id: a, kind: info, text: {'x' * 701}}}\n", "701 characters; at most 700"),
        ("  - {id: a, kind: info, text: '<u>x</u>'}\n", "tag <u> is not allowed"),
        ("  - {id: a, kind: info, text: 'a & b'}\n", "write & as &amp;"),
        ("  - {id: a, kind: info, text: '<b>x'}\n", "unclosed <b>"),
        ("  - {id: a, kind: wizard, text: x}\n", "unknown kind 'wizard'"),
        ("  - {id: a, kind: question, text: x, next: yes}\n", "unknown node 'True'"),
        (
            "  - {id: a, kind: choice, text: x, options: [{id: o, label: '"
            + "L" * 41
            + "', next: a}]}\n",
            "needs a label of 1–40 characters",
        ),
        (
            "  - {id: a, kind: info, text: 'Hej {nobody}'}\n",
            "placeholder {nobody} names no question",
        ),
        ("  - {id: A-B, kind: info, text: x}\n", "nodes[0](A-B).id"),
        (
            "  - {id: a, kind: choice, text: x, options: abc}\n",
            "nodes[0]: malformed node: TypeError('options must be a list')",
        ),
        (
            "  - {id: a, kind: choice, text: x, options: [abc]}\n",
            "nodes[0]: malformed node: TypeError('an option must be a mapping')",
        ),
        (
            "  - {id: a, kind: info, text: x, templates: [{fokus: f, delmaal: abc}]}\n",
            "nodes[0]: malformed node: TypeError('delmaal must be a list')",
        ),
    ],
)
def test_broken_content_names_file_and_path(tmp_path: Path, nodes: str, expected: str) -> None:
    error = _broken(tmp_path, HEAD + nodes)
    assert "broken.yaml" in str(error)
    assert expected in str(error)


def test_invalid_yaml_is_reported_with_its_file(tmp_path: Path) -> None:
    error = _broken(tmp_path, "flow: [unclosed\n")
    assert "broken.yaml: not valid YAML" in str(error)


def test_missing_interface_text_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "da", root / "da")
    ui = root / "da" / "ui.yaml"
    ui.write_text(
        "\n".join(line for line in ui.read_text().splitlines() if not line.startswith("btn_skip"))
    )
    with pytest.raises(ContentError, match=r"ui.yaml: btn_skip: missing interface text"):
        load_library(root)


def test_a_translation_with_a_different_shape_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "da", root / "da")
    shutil.copytree(CONTENT_DIR / "da", root / "en")
    (root / "en" / "om.yaml").unlink()
    ui = root / "en" / "ui.yaml"
    ui.write_text(ui.read_text() + 'extra_key: "x"\n')
    with pytest.raises(ContentError) as caught:
        load_library(root)
    assert "en/om.yaml: missing flow" in str(caught.value)
    assert "en/ui.yaml: extra_key: extra (not in the default language) text" in str(caught.value)


def test_the_content_guide_documents_every_node_kind_and_menu_action() -> None:
    """docs/CONTENT.md is what a writer reads: a kind or menu action missing there is unusable."""
    from dialogues.registry import REGISTRY

    kinds = {k.name for k in REGISTRY.kinds}
    guide = (CONTENT_DIR.parent / "docs" / "CONTENT.md").read_text(encoding="utf-8")
    headings = {line.split()[1] for line in guide.splitlines() if line.startswith("### ")}
    assert headings >= kinds, sorted(kinds - headings)
    actions = guide.split("`action: <name>`", 1)[1].split("\n\n", 1)[0]
    assert [a for a in REGISTRY.actions if f"`{a}`" not in actions] == []
