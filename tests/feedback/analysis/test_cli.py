"""The two commands through click's CliRunner."""

import json
from pathlib import Path

from click.testing import CliRunner

from feedback.analysis.cli import analyze_command, evaluate_command

HERE = Path(__file__).parent


def test_analyze_stdin_preserves_order() -> None:
    lines = [
        {"id": "a", "text": "Rude receptionist."},
        {"id": "b", "text": "Nothing", "question": "What could we improve?"},
        {"id": 3, "text": "Lovely nurses!"},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    result = CliRunner().invoke(analyze_command, [], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "3"]
    assert [o["sentiment"] for o in out] == ["negative", "positive", "positive"]
    assert list(out[0])[:8] == [
        "id",
        "sentiment",
        "polarity",
        "language",
        "themes",
        "urgent",
        "urgent_reasons",
        "analyzer",
    ]


def test_analyze_malformed_line_keeps_alignment(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "1", "text": "Fine."}\n{not json\n{"id": "3", "text": 5}\n'
        '{"id": "4", "text": "Horrible."}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(analyze_command, [str(source)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["sentiment"] == "positive"
    assert "error" in out[1] and out[1]["id"] is None
    assert "error" in out[2] and out[2]["id"] == "3"
    assert out[3]["sentiment"] == "negative"
    assert "line 2" in result.stderr and "line 3" in result.stderr


def test_evaluate_text_and_json() -> None:
    path = str(HERE / "heldout_comments.jsonl")
    text = CliRunner().invoke(evaluate_command, [path])
    assert text.exit_code == 0
    assert "4-class sentiment accuracy" in text.output and "theme micro-F1" in text.output
    data = json.loads(CliRunner().invoke(evaluate_command, [path, "--json"]).output)
    assert data["samples"] >= 60 and 0 <= data["accuracy"] <= 1


def test_evaluate_csv(tmp_path: Path) -> None:
    csv_path = tmp_path / "fft.csv"
    csv_path.write_text(
        "code,label,subcategory,feedback,criticality,organization,question,row_index\n"
        "a,x,y,Staff were excellent,3,T,T - Q1,0\n"
        "a,x,y,Rude and dismissive nurse,-3,T,T - Q1,1\n"
        "a,x,y,Meh,0,T,T - Q1,2\n"
        "a,x,y,Bad value,oops,T,T - Q1,3\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(evaluate_command, [str(csv_path), "--json"])
    data = json.loads(result.output)
    assert data["samples"] == 2
    assert data["balanced_pos_neg_accuracy"] == 1.0
