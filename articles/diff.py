"""What changed between two captures' texts, word by word, as NewsDiffs shows it.

The texts are split into words and the white space after each, compared with difflib, and
returned as segments for a template to mark (<del>, <ins>); nothing here builds HTML.
"""

import difflib
import re
from dataclasses import dataclass

WORD = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Change:
    kind: str  # "same", "removed" or "added"
    text: str


def word_diff(old, new):
    old_words, new_words = WORD.findall(old), WORD.findall(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    changes = []
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            changes.append(Change("same", "".join(old_words[old_start:old_end])))
            continue
        if old_end > old_start:
            changes.append(Change("removed", "".join(old_words[old_start:old_end])))
        if new_end > new_start:
            changes.append(Change("added", "".join(new_words[new_start:new_end])))
    return changes
