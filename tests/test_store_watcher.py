"""The app's side of a second writer, without a window: kiosk.content_watch.ContentWatcher records
the versions the app has open in `showing`, claims a new version under the store lock (and only
looks again later while a build holds it), and a screenshot's watcher writes nothing."""
from content.showing import read_showing
from content.store import current_version, list_versions
from kiosk.content_watch import ContentWatcher
from tests.test_store_writers import _build, _holder


class App:
    """What LiveContentMixin does with the watcher: the displayed view, and the one waiting for home."""

    def __init__(self, data, version):
        self.displayed, self.pending = version, None
        self.watcher = ContentWatcher(data, version, self.content_changed)

    def content_changed(self, view):
        view.close()
        self.pending = view.version
        self.watcher.showing(self.displayed, self.pending)

    def go_home(self):
        self.displayed, self.pending = self.pending or self.displayed, None
        self.watcher.version = self.displayed
        self.watcher.showing(self.displayed)


def test_publishes_while_the_resident_reads_never_remove_what_the_app_has_open(tmp_path):
    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    app = App(data, v1)
    assert read_showing(data) == [v1]
    _build(tmp_path, data, "v2", b"png 2")
    assert app.watcher.poll() is True and app.pending == "v2"  # waits for home
    assert read_showing(data) == [v1, "v2"]
    _build(tmp_path, data, "v3", b"png 3")
    _build(tmp_path, data, "v4", b"png 4")  # two more publishes, the resident still reading v1
    assert set(list_versions(data)) == {v1, "v2", "v3", "v4"}  # shown + waiting + current + previous
    assert app.watcher.poll() is True and app.pending == "v4"
    assert read_showing(data) == [v1, "v4"]
    _build(tmp_path, data, "v5", b"png 5")
    assert set(list_versions(data)) == {v1, "v4", "v5"}  # v2, v3: nobody has them open
    app.go_home()
    assert app.watcher.poll() is True and app.pending == "v5"
    app.go_home()
    _build(tmp_path, data, "v6", b"png 6")
    assert set(list_versions(data)) == {"v5", "v6"} and read_showing(data) == ["v5"]


def test_while_a_build_holds_the_lock_the_watcher_looks_again_later(tmp_path):
    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    app = App(data, v1)
    _build(tmp_path, data, "v2", b"png 2")
    holder = _holder(data, 30)
    try:
        assert app.watcher.poll() is False  # did not wait for the lock (held 30 s): the UI keeps drawing
        assert app.pending is None
    finally:
        holder.kill()
        holder.wait()
    assert app.watcher.poll() is True and app.pending == "v2"


def test_a_screenshot_watcher_leaves_showing_alone(tmp_path):
    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    (data / "showing").write_text("v0\n")
    watcher = ContentWatcher(data, v1, lambda view: view.close(), record=False)
    _build(tmp_path, data, "v2", b"png 2")
    assert watcher.poll() is True and current_version(data) == "v2"
    assert (data / "showing").read_text() == "v0\n"


def test_the_terminal_records_its_first_version_before_opening_it(tmp_path):
    from kiosk.content_source import open_view

    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    view = open_view(data, install=True)
    assert view.version == v1 and read_showing(data) == [v1]
    view.close()
    (data / "showing").unlink()
    view = open_view(data, install=False)  # read-only commands record nothing
    assert view.version == v1 and not (data / "showing").exists()
    view.close()
