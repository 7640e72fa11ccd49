"""`--since` / `--start` / `--end` -> a window; bad values are bad input (exit 2), never a traceback."""

from __future__ import annotations

import pytest

from infra.errors import UsageError
from infra.flows.records import Window, iso, parse_time, parse_window

NOW = 1714564800


@pytest.mark.parametrize(("since", "seconds"), [("30m", 1800), ("24h", 86400), ("7d", 604800), ("90s", 90)])
def test_since_is_a_duration_back_from_now(since, seconds):
    assert parse_window(since, None, None, NOW) == Window(NOW - seconds, NOW)


@pytest.mark.parametrize("since", ["24", "h", "-1h", "1w", "0h", "1.5h"])
def test_a_malformed_duration_is_refused_with_the_accepted_forms(since):
    with pytest.raises(UsageError, match="30m, 24h or 7d"):
        parse_window(since, None, None, NOW)


def test_start_and_end_take_iso_times_dates_offsets_and_unix_seconds():
    assert parse_time("2024-05-01T12:00:00Z", "--start") == NOW
    assert parse_time("2024-05-01T14:00:00+02:00", "--start") == NOW
    assert parse_time("2024-05-01", "--start") == NOW - 12 * 3600
    assert parse_time(str(NOW), "--start") == NOW
    assert parse_window(None, "2024-05-01T12:00:00Z", None, 0) == Window(NOW, None)


@pytest.mark.parametrize(("since", "start", "end", "message"), [
    ("24h", "2024-05-01", None, "not both"),
    (None, "yesterday", None, "not a time"),
    (None, "2024-05-02", "2024-05-01", "after --end"),
])
def test_contradictory_or_unreadable_windows_are_bad_input(since, start, end, message):
    with pytest.raises(UsageError, match=message):
        parse_window(since, start, end, NOW)


def test_a_record_belongs_to_the_window_when_their_intervals_overlap():
    window = Window(100, 200)
    assert window.holds(50, 100) and window.holds(200, 260) and window.holds(120, 130)
    assert not window.holds(40, 99) and not window.holds(201, 300)
    assert Window().holds(0, 1) and Window(None, 10).holds(0, 1) and not Window(None, 10).holds(11, 12)


def test_times_are_written_as_utc_iso():
    assert iso(NOW) == "2024-05-01T12:00:00Z" and iso(None) is None


# The report prints every time as a date: a time no date can show is bad input naming its option,
# never a `year out of range` traceback.
@pytest.mark.parametrize(("start", "end"), [
    ("99999999999999", None), ("9999-12-31T23:59:59-23:59", None), (None, "99999999999999"),
    (None, "9" * 5000),  # more digits than Python converts at all
])
def test_a_start_or_end_outside_the_years_1_to_9999_is_refused_naming_the_option(start, end):
    option = "--start" if start else "--end"
    with pytest.raises(UsageError, match=f"^{option} '.*' is outside the years 1-9999"):
        parse_window(None, start, end, NOW)


@pytest.mark.parametrize("since", ["99999999999d", "9" * 5000 + "s"])
def test_a_duration_reaching_back_before_the_year_1_is_refused_naming_the_option(since):
    with pytest.raises(UsageError, match="^--since '.*' reaches back before the year 1"):
        parse_window(since, None, None, NOW)


def test_the_first_and_last_dates_are_still_accepted():
    assert parse_time("9999-12-31T23:59:59Z", "--end") == 253402300799
    assert parse_time("0001-01-01T00:00:00Z", "--start") == -62135596800
    assert parse_time("0001714564800", "--start") == NOW  # leading zeros are not more digits
    assert parse_window("1000d", None, None, NOW) == Window(NOW - 1000 * 86400, NOW)
