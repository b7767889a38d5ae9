import json
import subprocess
import sys

import networkx as nx
import pytest

from lienthong.cli import main


def test_table_lists_every_level(capsys, scenarios_dir):
    assert main(["topology", str(scenarios_dir / "baseline-2019.toml")]) == 0
    out = capsys.readouterr().out
    for level in ("central", "province", "district", "commune", "total"):
        assert level in out
    assert "95 connection points" in out


def test_json_has_the_documented_shape(capsys, scenarios_dir):
    assert main(["topology", str(scenarios_dir / "target-2020.toml"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["provinces"], summary["districts"], summary["communes"]) == (63, 696, 10035)
    assert set(summary["levels"]) == {"central", "province", "district", "commune"}
    assert summary["levels"]["commune"] == {**summary["levels"]["commune"],
                                            "agencies": 10035, "connected": 10035}
    assert set(summary["demand"]) == {"documents_per_day", "deliveries_per_day",
                                      "mean_recipients"}
    assert summary["nodes"] == summary["edges"] + 1  # a tree: agencies hang off their axes


def test_export_and_map(tmp_path, scenarios_dir, capsys):
    graph_file, map_file = tmp_path / "g.graphml", tmp_path / "m.png"
    assert main(["topology", str(scenarios_dir / "reform-2025.toml"), "--export",
                 str(graph_file), "--map", str(map_file)]) == 0
    graph = nx.read_graphml(graph_file)
    node = graph.nodes["000.00.00.G22"]
    assert node["kind"] == "agency" and node["level"] == 1 and node["connected"] is True
    assert {"code", "name", "lat", "lon"} <= set(node)
    assert graph.nodes["axis:national"]["kind"] == "axis"
    assert map_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["topology", "nope.toml"], "nope.toml: no such scenario file"),
        (["topology", "{s}", "--export", "out.csv"], "--export out.csv: expected a .graphml"),
        (["topology", "{s}", "--map", "/nonexistent/dir/m.png"], "does not exist"),
        (["topology", "{s}", "--set", "topology.structure=1990"], "topology.structure"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, scenarios_dir, args, message):
    args = [a.replace("{s}", str(scenarios_dir / "baseline-2019.toml")) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_help_works_everywhere():
    for args in (["--help"], ["topology", "--help"]):
        result = subprocess.run([sys.executable, "-m", "lienthong", *args], capture_output=True,
                                text=True, check=False)
        assert result.returncode == 0
        assert "usage: lienthong" in result.stdout
