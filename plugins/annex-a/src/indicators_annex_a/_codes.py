"""Reading coded cells: Ofsted's lettered forms ("a) Male", "q) 6: Police") and bare
codes ("M", "6", "WBRI") to one canonical value per code."""

from __future__ import annotations

import re

import numpy as np

from ._spec import Vocabulary, normalise_word

_LETTERED = re.compile(r"^([a-z])\d?\)\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TOKEN = re.compile(r"^([A-Za-z0-9]+)")


def read_code(text: str, vocabulary: Vocabulary) -> str | None:
    """The canonical value of one cell, or None when the cell holds no known code."""
    text = text.strip()
    if vocabulary.codes:  # "F1) Full time in higher education" is the code F1 with its label
        token = re.match(r"^([A-Za-z]\d+)\)", text)
        if token and token.group(1).upper() in vocabulary.values:
            return token.group(1).upper()
    letter = None
    match = _LETTERED.match(text)
    if match:
        letter, text = match.group(1).lower(), match.group(2).strip()
    if vocabulary.codes:
        token = _TOKEN.match(text)
        if token:
            code = token.group(1).upper()
            if code in vocabulary.values:
                return code
            if code.isdigit() and str(int(code)) in vocabulary.values:
                return str(int(code))
    word = normalise_word(text)
    if word in vocabulary.words:
        return vocabulary.words[word]
    first = word.split(" ")[0] if word else ""
    if first in vocabulary.words and not vocabulary.codes and vocabulary.first_word:
        return vocabulary.words[first]
    if letter is not None and letter in vocabulary.letters:
        return vocabulary.letters[letter]
    return None


def read_codes(cells: np.ndarray, vocabulary: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Canonical values of a column of text cells, and a mask of the non-empty cells that
    hold no known code (those are kept as written)."""
    words, inverse = np.unique(cells, return_inverse=True)
    read = [read_code(word, vocabulary) if word else "" for word in words]
    unknown_words = np.array([value is None for value in read], dtype=bool)
    canonical = np.array([word if value is None else value for word, value in zip(words, read)], dtype=object)
    return canonical[inverse].astype(str), unknown_words[inverse]
