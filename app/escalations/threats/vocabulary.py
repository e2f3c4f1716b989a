"""What both languages' rules share: the flags, and how a rule's hits become spans."""

CANCELLATION = "cancellation"
LEGAL = "legal"
SAFETY = "safety"
FLAGS = (CANCELLATION, LEGAL, SAFETY)


def merged(spans) -> tuple[tuple[int, int], ...]:
    """Spans sorted, with overlapping or touching ones joined."""
    out: list[list[int]] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((start, end) for start, end in out)


class Gate:
    """Which of many words occur in a text, found at once: the words are grouped by their first
    character, so only the groups of the text's own characters are tried. Rules name the words
    one of which a sentence must hold before their patterns run (most sentences hold none)."""

    def __init__(self, words):
        self.by_first: dict[str, list[str]] = {}
        for word in sorted(set(words)):
            self.by_first.setdefault(word[0], []).append(word)

    def present(self, text: str) -> frozenset[str]:
        """The words that occur in `text`."""
        return frozenset(
            word for char in set(text) for word in self.by_first.get(char, ()) if word in text
        )
