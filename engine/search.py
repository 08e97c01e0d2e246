"""Keyword search over positions (position name, unit name, major), Chinese text included.

Chinese has no spaces, and the words people type are mostly two characters (会计, 软件, 销售), which a
trigram index cannot find. So the text is normalised once (NFKC, lower case) into ``search_text``, and:

- on SQLite, ``search_tokens`` holds every overlapping bigram of each run of letters and digits
  ("软件开发" -> "软件 件开 开发 发"), indexed by an FTS5 table (``positions_fts``, created by migration
  0002 and kept in sync by triggers). A term of two or more characters is the phrase of its bigrams,
  which matches exactly where the term is a substring; a single character is a prefix query. The
  trailing single character of each run makes a one-character term findable at the end of a run too.
- on PostgreSQL, a GIN index over the same tokens as an array (``string_to_array(search_tokens, ' ')``,
  migration 0002) finds the rows holding every bigram of a term, and ``search_text LIKE '%term%'`` keeps
  those where they are adjacent. (pg_trgm, the usual choice, cannot serve a two-character word: it has
  no trigram.) A one-character term is checked by LIKE alone.

Both give substring semantics; several terms separated by spaces must all match.
"""
from __future__ import annotations

import re
import unicodedata

from engine import formats


FTS_TABLE = "positions_fts"
BIGRAM_INDEX = "ix_positions_search_bigrams"
BIGRAM_ARRAY = "string_to_array(positions.search_tokens, ' ')"
# Schema objects made by raw SQL in migration 0002 that the models cannot describe (FTS5 virtual table
# and its shadow tables on SQLite, a GIN expression index on PostgreSQL); tests/test_migrations.py skips them.
DIALECT_ONLY_OBJECTS = (FTS_TABLE, BIGRAM_INDEX)

MAX_TERMS = 5
MAX_KEYWORD = 50
_SEGMENT = re.compile(r"[^\W_]+")


def normalize(value: str | None) -> str:
    """Full-width to half-width, one case, single spaces: the form both text and query are compared in."""
    if not value:
        return ""
    value = formats.drop_control_chars(unicodedata.normalize("NFKC", value).lower())
    return " ".join(value.split())


def search_text(*parts: str | None) -> str:
    return normalize(" ".join(p for p in parts if p))


def _segments(value: str) -> list[str]:
    return _SEGMENT.findall(value)


def _bigrams(segment: str) -> list[str]:
    return [segment[i:i + 2] for i in range(len(segment) - 1)]


def search_tokens(normalized_text: str) -> str:
    """The FTS5 document for a normalised text: bigrams of each run plus the run's last character."""
    out: list[str] = []
    for seg in _segments(normalized_text):
        out.extend(_bigrams(seg))
        out.append(seg[-1])
    return " ".join(out)


def terms(keyword: str | None) -> list[str]:
    """Up to MAX_TERMS normalised terms, each with at least one letter or digit."""
    found = [t for t in normalize(keyword).split(" ") if _segments(t)]
    return found[:MAX_TERMS]


def fts_query(term_list: list[str]) -> str:
    """An FTS5 MATCH expression requiring every term (AND of phrases / prefixes)."""
    parts = []
    for term in term_list:
        for seg in _segments(term):
            if len(seg) == 1:
                parts.append(f'"{seg}"*')
            else:
                parts.append('"' + " ".join(_bigrams(seg)) + '"')
    return " AND ".join(parts)


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def keyword_sql(dialect_name: str, keyword: str | None) -> tuple[list[str], dict]:
    """SQL conditions on ``positions`` (and their parameters) for the keyword; ([], {}) without a term."""
    term_list = terms(keyword)
    if not term_list:
        return [], {}
    likes = [(i, t) for i, t in enumerate(term_list)]
    if dialect_name == "sqlite":
        # FTS narrows; a term whose punctuation matters ("c++") is then checked exactly.
        likes = [(i, t) for i, t in likes if "".join(_segments(t)) != t]
        conditions = [f"positions.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :kw_fts)"]
        params = {"kw_fts": fts_query(term_list)}
    else:
        # A two-character word is exactly its one bigram: no LIKE, which also keeps the planner's
        # estimate sane (it multiplies the two guesses).
        likes = [(i, t) for i, t in likes if not (len(t) == 2 and "".join(_segments(t)) == t)]
        bigrams = sorted({b for t in term_list for seg in _segments(t) for b in _bigrams(seg)})
        conditions, params = [], {}
        if bigrams:
            # Literal array, like the index expression's operand, so the planner matches it to the index.
            array = ", ".join(f":kw_bg{i}" for i in range(len(bigrams)))
            conditions.append(f"{BIGRAM_ARRAY} @> CAST(ARRAY[{array}] AS text[])")
            params.update({f"kw_bg{i}": b for i, b in enumerate(bigrams)})
    for i, t in likes:
        conditions.append(f"positions.search_text LIKE :kw_like{i} ESCAPE '\\'")
        params[f"kw_like{i}"] = _like_pattern(t)
    return conditions, params
