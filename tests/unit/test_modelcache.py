"""botocore's parsed data files kept between commands (scheduler/modelcache.py): the same
models as botocore parses, read back from the cache, parsed afresh when the file or the
cache entry changes, and never read from a folder someone else may write."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import botocore.session
import pytest
from botocore.loaders import Loader

from scheduler.modelcache import (
    OFF_VARIABLE,
    CachedFileLoader,
    CachedLoader,
    default_folder,
    use_model_cache,
)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_a_client_built_from_the_cache_has_botocores_model(tmp_path: Path) -> None:
    # GIVEN a cache folder, filled by a first session that builds an SQS client
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    first = botocore.session.Session()
    use_model_cache(first, folder)
    first.create_client("sqs", region_name="us-east-1")
    assert _entries(folder)
    # WHEN a second session builds it from the cache, and a third without any cache
    cached = botocore.session.Session()
    use_model_cache(cached, folder)
    from_cache = cached.create_client("sqs", region_name="us-east-1").meta.service_model
    plain = botocore.session.Session().create_client("sqs", region_name="us-east-1")
    # THEN both know the same operations with the same inputs
    model = plain.meta.service_model
    assert from_cache.operation_names == model.operation_names
    send = model.operation_model("SendMessage").input_shape.members
    assert list(from_cache.operation_model("SendMessage").input_shape.members) == list(send)


def test_the_cache_is_read_and_follows_the_file(tmp_path: Path) -> None:
    # GIVEN a data file loaded once through the cache
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    data = tmp_path / "model.json"
    data.write_text('{"version": 1}')
    loader = CachedFileLoader(folder)
    assert loader.load_file(str(tmp_path / "model")) == {"version": 1}
    [entry] = _entries(folder)
    # WHEN its cache entry says something else THEN the entry is what is read
    entry.write_bytes(pickle.dumps({"version": "from the cache"}))
    assert loader.load_file(str(tmp_path / "model")) == {"version": "from the cache"}
    # WHEN the file itself changes THEN it is parsed afresh
    data.write_text('{"version": 22}')
    later = time.time() + 5
    os.utime(data, (later, later))
    assert loader.load_file(str(tmp_path / "model")) == {"version": 22}


def test_a_damaged_entry_is_parsed_afresh_and_rewritten(tmp_path: Path) -> None:
    # GIVEN a cache entry cut short (a crash mid-write on another tool's part)
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    (tmp_path / "model.json").write_text('{"a": [1, 2]}')
    loader = CachedFileLoader(folder)
    loader.load_file(str(tmp_path / "model"))
    [entry] = _entries(folder)
    entry.write_bytes(entry.read_bytes()[:3])
    # WHEN it is loaded THEN the file's content comes back, and the entry is whole again
    assert loader.load_file(str(tmp_path / "model")) == {"a": [1, 2]}
    assert pickle.loads(entry.read_bytes()) == {"a": [1, 2]}


def test_a_missing_file_is_none_as_botocore_says(tmp_path: Path) -> None:
    loader = CachedFileLoader(tmp_path)
    assert loader.load_file(str(tmp_path / "absent")) is None
    assert not _entries(tmp_path)


def test_a_folder_others_may_write_is_not_used(tmp_path: Path) -> None:
    # GIVEN a cache folder anyone may write (a planted pickle would run as code)
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    session = botocore.session.Session()
    # WHEN the cache is asked for THEN the session keeps botocore's own file loader
    use_model_cache(session, folder)
    assert not isinstance(session.get_component("data_loader").file_loader, CachedFileLoader)


@pytest.mark.parametrize("value", ["off", "0", "false", "OFF"])
def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(OFF_VARIABLE, value)
    assert default_folder() is None


def test_the_cache_lives_in_the_users_cache_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(OFF_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_folder() == tmp_path / "cronbridge" / "botocore"


def _builtin_only_loader(folder: Path) -> CachedLoader:
    return CachedLoader(
        folder, extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
    )


def test_the_service_list_is_botocores_and_is_kept(tmp_path: Path) -> None:
    # GIVEN the services botocore lists for a kind of file, listed once through the cache
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    plain = Loader(
        extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
    )
    listed = _builtin_only_loader(folder).list_available_services("paginators-1")
    # THEN it is botocore's own list
    assert listed == plain.list_available_services("paginators-1")
    assert "iam" in listed and "lambda" in listed
    # WHEN the kept list says otherwise THEN a new loader reads the kept one (no listing)
    [entry] = _entries(folder)
    entry.write_bytes(pickle.dumps(["kept"]))
    assert _builtin_only_loader(folder).list_available_services("paginators-1") == ["kept"]


def test_with_another_data_folder_botocore_lists_itself(tmp_path: Path) -> None:
    # GIVEN a user's own model folder besides botocore's (like ~/.aws/models), and a kept
    # list from before it existed
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    _builtin_only_loader(folder).list_available_services("service-2")
    [entry] = _entries(folder)
    entry.write_bytes(pickle.dumps(["kept"]))
    extra = tmp_path / "models" / "myservice" / "2024-01-01"
    extra.mkdir(parents=True)
    (extra / "service-2.json").write_text("{}")
    loader = CachedLoader(
        folder,
        extra_search_paths=[str(tmp_path / "models"), Loader.BUILTIN_DATA_PATH],
        include_default_search_paths=False,
    )
    # WHEN the services are listed THEN botocore lists both folders, the new service too
    listed = loader.list_available_services("service-2")
    assert "myservice" in listed and "sqs" in listed


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN XDG_CACHE_HOME set to a relative path (invalid by the XDG spec)
    monkeypatch.delenv(OFF_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    # THEN the cache is in the home folder's .cache, not under the working folder
    assert default_folder() == Path.home() / ".cache" / "cronbridge" / "botocore"
