"""Directory files (JSON, CSV) and the in-memory secret cache."""

from __future__ import annotations

import json

import pytest

from axis.directory import DirectoryCache, DirectoryError, load_file
from axis.store.sqlite import SqliteStore

pytestmark = pytest.mark.anyio
SECRET = "0123456789abcdef0"


def test_json_list_and_mapping(tmp_path) -> None:
    listed = tmp_path / "d.json"
    listed.write_text(json.dumps([{"code": "H01.151", "name": "Xã A", "secret": SECRET}]))
    assert load_file(listed) == [("H01.151", "Xã A", SECRET)]
    mapped = tmp_path / "m.json"
    mapped.write_text(json.dumps({"000.00.00.G22": {"name": "VPCP", "secret": SECRET}}))
    assert load_file(mapped) == [("000.00.00.G22", "VPCP", SECRET)]


def test_csv_with_and_without_header(tmp_path) -> None:
    with_header = tmp_path / "a.csv"
    with_header.write_text(f"code,name,secret\nA1,\"Sở, Ban\",{SECRET}\n\n")
    assert load_file(with_header) == [("A1", "Sở, Ban", SECRET)]
    bare = tmp_path / "b.csv"
    bare.write_text(f"A1,One,{SECRET}\nA2,Two,{SECRET}\n")
    assert [row[0] for row in load_file(bare)] == ["A1", "A2"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("short.csv", "A1,One,short\n", "line 1: secret of A1"),
        ("fields.csv", "A1,One\n", "line 1: expected 3 fields"),
        ("code.csv", f"A 1,One,{SECRET}\n", "agency code 'A 1'"),
        ("dup.csv", f"A1,One,{SECRET}\nA1,Two,{SECRET}\n", "A1 appears more than once"),
        ("bad.json", "[{", "invalid JSON"),
        ("keys.json", json.dumps([{"code": "A1", "name": "x", "secret": SECRET, "k": 1}]),
         r"entry 1: unknown key\(s\) k"),
    ],
)
def test_bad_files_name_the_problem(tmp_path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DirectoryError, match=message) as error:
        load_file(path)
    assert str(path) in str(error.value)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(DirectoryError, match="cannot read"):
        load_file(tmp_path / "nope.csv")


def test_100k_file_loads_quickly(tmp_path) -> None:
    import time

    path = tmp_path / "big.csv"
    path.write_text("".join(f"X{i:06d},System {i},secret-{i:010d}\n" for i in range(100_000)))
    started = time.perf_counter()
    assert len(load_file(path)) == 100_000
    assert time.perf_counter() - started < 10


async def test_cache_reads_through_and_refreshes(tmp_path) -> None:
    store = SqliteStore(str(tmp_path / "a.db"))
    await store.open()
    try:
        await store.put_agencies([("A1", "One", SECRET)])
        cache = DirectoryCache(store)
        await cache.refresh()
        assert await cache.secret("A1") == SECRET and len(cache) == 1
        # registered behind the cache's back (another process): found on a miss
        await store.put_agency("A2", "Two", "x" * 20)
        assert await cache.secret("A2") == "x" * 20
        # a changed secret is picked up by the next refresh
        await store.put_agency("A1", "One", "y" * 20)
        await cache.refresh()
        assert await cache.secret("A1") == "y" * 20
        assert await cache.secret("nobody") is None
        assert await cache.secret("not a code!") is None
    finally:
        await store.close()


async def test_refresh_does_not_reload_what_it_has_seen(tmp_path) -> None:
    store = SqliteStore(str(tmp_path / "a.db"))
    await store.open()
    try:
        await store.put_agencies([(f"X{i}", "x", SECRET) for i in range(1000)])
        cache = DirectoryCache(store)
        await cache.refresh()
        calls = []
        original = store.agencies_since

        async def counting(after):
            rows = await original(after)
            calls.append(len(rows))
            return rows

        store.agencies_since = counting
        await cache.refresh()
        await store.put_agency("X1", "x", "z" * 20)
        await cache.refresh()
        assert calls == [0, 1]
    finally:
        await store.close()
