"""`kiosk doctor` reports each part, and fails when a required one is broken."""
from pathlib import Path

from devices.sim_printer import PrinterSimulator
from kiosk.config import Settings
from kiosk.doctor import check_display, check_printer, format_table, run_checks


def settings(tmp_path, **printer):
    return Settings.model_validate({"data_dir": str(tmp_path / "data"), "printer": printer})


def test_printer_states_through_the_simulator(tmp_path):
    with PrinterSimulator(port=0) as sim:
        assert check_printer(settings(tmp_path, url=sim.url)).status == "ok"
        sim.set_state("near-end")
        assert check_printer(settings(tmp_path, url=sim.url)).status == "warn"
        sim.set_state("out")
        c = check_printer(settings(tmp_path, url=sim.url))
        assert c.status == "FAIL" and "paper_out" in c.detail
        sim.set_state("silent")
        c = check_printer(settings(tmp_path, url=sim.url))
        assert c.status == "FAIL" and "DLE EOT" in c.detail
    assert check_printer(settings(tmp_path)).status == "off"


def test_unreachable_printer_says_why(tmp_path):
    c = check_printer(settings(tmp_path, url="tcp://127.0.0.1:9"))
    assert c.status == "FAIL" and "cannot reach" in c.detail


def test_display_without_screen():
    assert check_display({"SDL_VIDEODRIVER": "offscreen"}).status == "warn"
    assert check_display({"DISPLAY": ":0"}).status == "ok"


def test_table_lists_every_check(tmp_path):
    checks = run_checks(settings(tmp_path))
    names = [c.name for c in checks]
    assert names == ["font", "GL", "display", "data dir", "content", "printer", "ID reader", "hub", "tickets service"]
    table = format_table(checks)
    assert "font" in table and Path("/usr/share/fonts").as_posix()[:5] in table


def test_reader_probe(tmp_path):
    from kiosk.doctor import check_reader

    def with_port(port, enabled=True):
        return Settings.model_validate({"data_dir": str(tmp_path), "idcard": {"enabled": enabled, "port": port}})
    assert check_reader(with_port("virtual")).status == "ok"
    bad = check_reader(with_port(str(tmp_path / "ttyNONE")))
    assert bad.status == "FAIL" and "cannot open" in bad.detail
    assert check_reader(with_port("virtual", enabled=False)).status == "off"
