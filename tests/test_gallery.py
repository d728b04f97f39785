"""`sora gallery` and `sora batch --gallery`: one self-contained page to review tasks by eye.

The page is read back with `html.parser` (cards, escaping, links) and, where Chromium is
installed, opened in a real headless browser.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sora_cli.gallery import Card, render_page
from sora_cli.output_schema import BATCH_SUMMARY, GALLERY
from tests.helpers import Cli, journal_rows, loads
from tests.test_json_output import assert_conforms

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "q" \'s\''
URL_ATTRS = ("href", "src", "poster", "action", "data", "srcset")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """Every element with its attributes; text is credited to each open element."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.style = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in ("meta", "img", "source", "br", "link", "input"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text.append(data)
        if self._open and self._open[-1].tag == "style":
            self.style += data

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and (cls is None or cls in e.attrs.get("class", "").split())
        ]

    def cards(self) -> list[Element]:
        return self.find("article")


def text_of(element: Element) -> str:
    return "".join(element.text)


def assert_self_contained(page: Page) -> None:
    """No script, no external URL anywhere: attributes are relative paths, CSS loads nothing."""
    assert not page.find("script") and not page.find("iframe") and not page.find("link")
    for element in page.elements:
        assert not any(name.startswith("on") for name in element.attrs), element
        for name in URL_ATTRS:
            if name in element.attrs:
                url = urlsplit(element.attrs[name])
                assert not url.scheme and not url.netloc, element
                assert not element.attrs[name].startswith("/"), element
    assert "url(" not in page.style and "@import" not in page.style


def a_card(**overrides: object) -> Card:
    values: dict[str, object] = {"task_id": "video_1", "state": "completed", "status": "completed"}
    values.update(overrides)
    return Card(**values)  # type: ignore[arg-type]


# --- the renderer alone --------------------------------------------------------------------


def test_untrusted_text_is_escaped_everywhere() -> None:
    card = a_card(
        task_id='video_"><script>',
        state="failed",
        status=HOSTILE,
        prompt=HOSTILE,
        model=HOSTILE,
        error=HOSTILE,
        path=HOSTILE,
    )
    html = render_page([card], title=HOSTILE, summary=HOSTILE)
    page = Page(html)
    assert_self_contained(page)
    assert not page.find("img")  # the hostile <img> stayed text
    (article,) = page.cards()
    assert text_of(page.find("p", "prompt")[0]) == HOSTILE
    assert text_of(page.find("p", "error")[0]) == HOSTILE
    assert HOSTILE in text_of(article)
    assert article.attrs["id"] == 'task-video_"><script>'
    assert text_of(page.find("title")[0]) == HOSTILE


@pytest.mark.parametrize(
    "name",
    ["javascript:alert(1).mp4", "a b#c?d.mp4", "//evil.example/x.mp4", "sub/ü €.mp4", "%41.mp4"],
)
def test_video_links_are_relative_whatever_the_file_name(name: str) -> None:
    page = Page(render_page([a_card(video=name, path=name)], title="t", summary="s"))
    assert_self_contained(page)
    (video,) = page.find("video")
    (link,) = page.find("a")
    assert video.attrs["src"] == link.attrs["href"]
    assert unquote(urlsplit(video.attrs["src"]).path) == name.lstrip("/")


def test_a_card_shows_every_field_and_a_playable_video() -> None:
    card = a_card(
        prompt="a cat",
        model="sora-2",
        size="720x1280",
        seconds="10",
        cost="$0.15 (estimate)",
        created="2026-11-30 10:00",
        path="/v/sora-video_1.mp4",
        video="sora-video_1.mp4",
        poster="sora-video_1.jpg",
    )
    page = Page(render_page([card], title="t", summary="s"))
    (video,) = page.find("video")
    assert "controls" in video.attrs and video.attrs["preload"] == "metadata"
    assert video.attrs["poster"] == "sora-video_1.jpg"
    terms = [text_of(e) for e in page.find("dt")]
    values = [text_of(e) for e in page.find("dd")]
    details = dict(zip(terms, values, strict=True))
    assert details["model"] == "sora-2" and details["size"] == "720x1280"
    assert details["duration"] == "10 s" and details["cost"] == "$0.15 (estimate)"
    assert details["status"] == "completed" and details["file"] == "/v/sora-video_1.mp4"
    assert details["id"] == "video_1"
    assert page.find("meta")[1].attrs["content"].startswith("default-src 'none'")


# --- the command, against the emulator -----------------------------------------------------


def run_batch(cli: Cli, tmp_path: Path, *extra: str) -> tuple[Path, str]:
    """A batch of two lines, one of which fails; returns (output dir, batch id)."""
    prompts = tmp_path / "p.jsonl"
    lines = [{"prompt": HOSTILE}, {"prompt": "bad [emulator:content-violation]"}]
    prompts.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "out"
    result = cli("batch", str(prompts), "-O", str(out), "--json", *extra)
    assert result.exit_code == 5, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    return out, summary["batch_id"]


def read_page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def test_batch_gallery_writes_one_card_per_line_next_to_the_videos(
    cli: Cli, tmp_path: Path
) -> None:
    out, _ = run_batch(cli, tmp_path, "--gallery")
    page = read_page(out / "index.html")
    assert_self_contained(page)
    cards = page.cards()
    assert len(cards) == 2
    done, failed = (page.find("article", state)[0] for state in ("completed", "failed"))
    (video,) = page.find("video")
    assert (out / unquote(video.attrs["src"])).is_file()  # relative to the page's folder
    assert "/" not in video.attrs["src"]
    assert HOSTILE in text_of(done)
    assert "content_policy_violation" in text_of(failed) and "not charged" in text_of(failed)
    assert "$0.15" in text_of(done)
    # The page names files as it links them: a zip of the folder shows no one's home folder.
    assert str(tmp_path) not in (out / "index.html").read_text(encoding="utf-8")
    assert unquote(video.attrs["src"]) in text_of(done)


def test_batch_gallery_path_is_in_the_json_summary_and_stdout_keeps_its_shape(
    cli: Cli, tmp_path: Path
) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("a cat\n", encoding="utf-8")
    out = tmp_path / "out"
    result = cli("batch", str(prompts), "-O", str(out), "--json", "--gallery")
    assert result.exit_code == 0, result.stderr
    *_, summary = (json.loads(line) for line in result.stdout.splitlines())
    assert_conforms(summary, BATCH_SUMMARY)
    assert list(summary) == BATCH_SUMMARY.names()
    assert summary["gallery"] == str(out / "index.html")
    plain = cli("batch", str(prompts), "-O", str(out), "--gallery")
    assert plain.stdout.splitlines() == [str(next(out.glob("*.mp4")))]  # paths only
    assert f"gallery {out / 'index.html'}" in plain.stderr


def test_gallery_of_a_batch_prints_the_page_path_and_links_back_to_the_videos(
    cli: Cli, tmp_path: Path
) -> None:
    out, batch_id = run_batch(cli, tmp_path)
    assert not (out / "index.html").exists()
    result = cli("gallery", batch_id)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out / 'index.html'}\n"  # default: next to the videos
    review = tmp_path / "review"
    elsewhere = cli("gallery", batch_id, "-o", str(review), "--json")
    assert elsewhere.exit_code == 0, elsewhere.stderr
    record = loads(elsewhere.stdout)
    assert_conforms(record, GALLERY)
    assert list(record) == GALLERY.names()
    assert record == {
        "path": str(review / "index.html"),
        "cards": 2,
        "playable": 1,
        "failed": 1,
        "expired": 0,
        "outside": 1,
        "cost_usd": 0.15,
    }
    (video,) = read_page(review / "index.html").find("video")
    assert video.attrs["src"].startswith("../out/")
    assert (review / unquote(video.attrs["src"])).resolve().is_file()
    assert "outside" in elsewhere.stderr and "warning" in elsewhere.stderr


def test_gallery_by_ids_and_since(cli: Cli, sora_home: Path) -> None:
    first = cli("generate", "first cat", "-q").stdout.strip()
    second = cli("generate", "second cat", "-q").stdout.strip()
    ids = [row["id"] for row in journal_rows(sora_home)]
    picked = cli("gallery", ids[1], "--json")
    assert picked.exit_code == 0, picked.stderr
    assert loads(picked.stdout)["cards"] == 1
    page = read_page(Path(loads(picked.stdout)["path"]))
    assert "second cat" in text_of(page.cards()[0])
    assert Path(loads(picked.stdout)["path"]).parent == Path(second).parent == Path(first).parent
    everything = loads(cli("gallery", "--json").stdout)
    assert everything["cards"] == 2
    assert loads(cli("gallery", "--since", "1h", "--json").stdout)["cards"] == 2
    tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400))
    none = cli("gallery", "--since", tomorrow)
    assert none.exit_code == 2 and "no tasks since" in none.stderr and not none.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "no tasks in the journal"),
        (["video_nope"], "no task or batch video_nope in the journal"),
        (["--since", "last tuesday"], "is not a date or an age"),
        (["b-123", "--since", "1d"], "not both"),
    ],
)
def test_nothing_to_show_is_a_clear_usage_error(cli: Cli, args: list[str], words: str) -> None:
    result = cli("gallery", *args)
    assert result.exit_code == 2
    assert words in result.stderr and result.stderr.startswith("sora: error:")
    assert result.stdout == ""


def test_expired_missing_and_undownloaded_videos_are_shown_as_such(
    cli: Cli, sora_home: Path, tmp_path: Path
) -> None:
    gone = Path(cli("generate", "deleted later", "-q").stdout.strip())
    gone.unlink()
    for prompt in ("never fetched, expired", "never fetched, still fresh"):
        assert cli("generate", prompt, "--no-download", "-q").exit_code == 0
    rows = {row["prompt"]: row["id"] for row in journal_rows(sora_home)}
    db = sqlite3.connect(sora_home / "jobs.sqlite3")
    with db:
        db.execute(
            "UPDATE jobs SET expires_at = ? WHERE id = ?",
            (time.time() - 60, rows["never fetched, expired"]),
        )
    db.close()
    result = cli("gallery", "-o", str(tmp_path / "g"), "--json")
    assert result.exit_code == 0, result.stderr
    assert loads(result.stdout)["expired"] == 1 and loads(result.stdout)["playable"] == 0
    page = read_page(tmp_path / "g" / "index.html")
    states = {text_of(c).split("completed", 1)[0]: c.attrs["class"] for c in page.cards()}
    assert sorted(states.values()) == ["expired", "missing", "not-downloaded"]
    assert not page.find("video")
    assert "expired before it was downloaded" in text_of(page.find("article", "expired")[0])


def test_an_index_html_not_written_by_sora_is_kept_unless_forced(cli: Cli, tmp_path: Path) -> None:
    cli("generate", "a cat", "-q")
    mine = tmp_path / "site" / "index.html"
    mine.parent.mkdir()
    mine.write_text("<h1>my page</h1>", encoding="utf-8")
    refused = cli("gallery", "-o", str(mine.parent))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert mine.read_text(encoding="utf-8") == "<h1>my page</h1>"
    assert cli("gallery", "-o", str(mine.parent), "--force").exit_code == 0
    assert cli("gallery", "-o", str(mine.parent)).exit_code == 0  # its own page: replaced
    assert not list(mine.parent.glob(".*part"))


def test_a_still_image_beside_a_video_is_its_poster(cli: Cli) -> None:
    video = Path(cli("generate", "a cat", "-q").stdout.strip())
    video.with_suffix(".jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    page = read_page(Path(cli("gallery").stdout.strip()))
    (element,) = page.find("video")
    assert element.attrs["poster"] == video.with_suffix(".jpg").name


# --- a real browser ------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def png_pixels(data: bytes) -> list[bytes]:
    """The RGB(A) pixels of an 8-bit, non-interlaced PNG (what Chromium's screenshots are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:8], "big")
    assert header[8] == 8 and header[9] in (2, 6) and header[12] == 0
    bpp = 3 if header[9] == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * bpp
    previous, pixels = bytearray(stride), []
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels += [bytes(line[x : x + 3]) for x in range(0, stride, bpp)]
        previous = line
    return pixels


def screenshot(page: Path, shot: Path) -> str:
    """Open the page in headless Chromium from disk; its log (console messages included)."""
    shot.unlink(missing_ok=True)
    done = subprocess.run(
        [
            CHROMIUM or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,700",
            "--virtual-time-budget=3000",
            "--run-all-compositor-stages-before-draw",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert shot.exists(), done.stderr[-3000:]
    return done.stderr


def orange_pixels(shot: Path) -> int:
    """Pixels of the emulator clip's orange gradient (red text, with green close to blue,
    does not count)."""
    return sum(
        1 for r, g, b in png_pixels(shot.read_bytes()) if r > 150 and g - b > 50 and r - g > 30
    )


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
@pytest.mark.timeout(600)  # up to four browser starts, on a machine that may be busy
def test_the_page_plays_in_a_real_browser_with_nothing_refused(cli: Cli, tmp_path: Path) -> None:
    out, batch_id = run_batch(cli, tmp_path, "--gallery")
    # The emulator's clip is an orange gradient: its first frame shows where a video plays.
    # Headless Chromium may take its picture before the decoder has drawn (rarely, on a busy
    # machine), so a blank picture is taken again, twice at most.
    for _ in range(3):
        log = screenshot(out / "index.html", tmp_path / "shot.png")
        assert "Refused to" not in log and "Content Security Policy" not in log, log[-3000:]
        if orange_pixels(tmp_path / "shot.png") > 20_000:
            break
    else:
        pytest.fail("no video frame was drawn")
    # The same page without its videos draws none: the frame above came from the file.
    for video in out.glob("*.mp4"):
        video.unlink()
    assert cli("gallery", batch_id).exit_code == 0
    screenshot(out / "index.html", tmp_path / "empty.png")
    assert orange_pixels(tmp_path / "empty.png") < 100


def test_a_batch_whose_page_cannot_be_written_keeps_its_outcome(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<h1>mine</h1>", encoding="utf-8")
    prompts = tmp_path / "p.txt"
    prompts.write_text("a cat\n", encoding="utf-8")
    result = cli("batch", str(prompts), "-O", str(out), "--json", "--gallery")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["gallery"] is None
    assert "warning: no gallery written" in result.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "<h1>mine</h1>"


def test_a_retried_line_shows_its_newest_task_in_file_order(
    cli: Cli, tmp_path: Path, sora_home: Path
) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("bad [emulator:content-violation]\na cat\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli("batch", str(prompts), "-O", str(out)).exit_code == 5
    again = cli("batch", str(prompts), "-O", str(out), "--retry-failed", "--gallery")
    assert again.exit_code == 5, again.stderr
    failed_rows = [r["id"] for r in journal_rows(sora_home) if r["status"] == "failed"]
    assert len(failed_rows) == 2  # the line failed twice: two tasks, one card
    cards = read_page(out / "index.html").cards()
    assert [c.attrs["class"] for c in cards] == ["failed", "completed"]  # as in the file
    assert cards[0].attrs["id"] == f"task-{failed_rows[-1]}"


def test_cost_is_the_profiles_estimate_and_unknown_where_it_has_no_price(tmp_path: Path) -> None:
    from sora_cli.gallery_build import card_for
    from sora_cli.journal import JobRecord

    def cost(**row: str) -> str:
        record = JobRecord(id="video_1", status="completed", created_at=1.0, **row)
        return card_for(record, tmp_path, time.time(), {})[0].cost

    assert cost(profile="laozhang", model="sora-2", seconds="10") == "$0.15 (estimate)"
    assert cost(profile="openai", model="sora-2", seconds="8") == "$0.80 (estimate)"
    assert cost(profile="compatible", model="vid-1", seconds="8") == "unknown"
    assert cost(profile="gone-from-config", model="vid-1") == "unknown"
