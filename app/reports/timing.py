"""The histogram of business minutes the rollups keep for response and resolution times, and
the median and 90th percentile read from it (to within a bucket); the repeat rule."""

# (from minute, to minute, bucket width): 5-minute buckets in the first hour, then wider ones,
# each under about a quarter of the times it holds. Times past the last go in one bucket.
BUCKET_SEGMENTS = (
    (0, 60, 5),
    (60, 480, 15),
    (480, 2_880, 60),
    (2_880, 20_160, 240),
    (20_160, 129_600, 1_440),
)
# An account repeats when it had this many escalations within this many days.
REPEAT_COUNT = 3
REPEAT_DAYS = 90


def buckets() -> list[tuple[int, int | None]]:
    """(low minute, width) of each bucket by index; the last one is open (width None)."""
    found = []
    for low, high, width in BUCKET_SEGMENTS:
        found += [(start, width) for start in range(low, high, width)]
    found.append((BUCKET_SEGMENTS[-1][1], None))
    return found


BUCKETS = buckets()


def percentile(histogram: dict[int, int], share: float) -> float | None:
    """The time below which `share` of the counted times fall, interpolated linearly within
    its bucket; None when nothing was counted."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted, seen = share * total, 0
    for index in sorted(histogram):
        count = histogram[index]
        if count and seen + count >= wanted:
            low, width = BUCKETS[min(index, len(BUCKETS) - 1)]
            if width is None:
                return float(low)
            return low + width * (wanted - seen) / count
        seen += count
    low, _width = BUCKETS[-1]
    return float(low)


def bucket_width(minutes: float | None) -> int | None:
    """The width of the bucket a time falls in: how precise the figure is."""
    if minutes is None:
        return None
    for low, high, width in BUCKET_SEGMENTS:
        if low <= minutes < high:
            return width
    return None
