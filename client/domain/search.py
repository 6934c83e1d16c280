"""Matter search as the clerk types: name, code, full pinyin, initials, colloquial phrases.

Everyday words that are no matter's name or alias ("婚姻登记", "开药店", "退休认证") come
from data/synonyms.json and the catalog's own `synonyms` (the back office publishes them
with the catalog): phrase → the matters it means, best first.

Built once per catalog and queried on every keystroke (budget: p95 under 5 ms over
≈ 23,000 matters). Most of a county's catalog repeats the same service in every town
and village, so entries are grouped by their searchable text; a character index narrows
the groups, a few string tests score them, and scope (level and region) filters members.
"""

from __future__ import annotations

import functools
import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

from pypinyin import lazy_pinyin

from .catalog import Bundle, Catalog, Matter
from .regions import ancestors, contains, level_of_region, region_prefix

# Filler that colloquial queries wrap around the thing itself: "我要办低保", "身份证丢了怎么办".
_LEADING = re.compile(r"^(我要|我想|想要|我|想|要|怎么|如何|怎样|去|在哪|哪里)*(办理|申请|办)?")
_TRAILING = re.compile(r"(怎么办理|怎么办|怎么弄|咋办|需要什么材料|要什么材料|要带什么|手续|流程|吗|呢|啊)+$")
_JUNK = re.compile(r"[\s·,，。.、;；:：!！?？'\"“”（）()\[\]【】_]+")

# Score of a match by field and kind; higher is better.
EXACT_NAME, EXACT_ALIAS, EXACT_KEYWORD, EXACT_CODE = 1000, 950, 900, 980
PREFIX_NAME, PREFIX_INITIALS, PREFIX_PINYIN, CODE_PREFIX = 800, 780, 760, 850
ALIAS_IN_QUERY, PREFIX_ALIAS, PREFIX_KEYWORD = 700, 660, 640
SUBSTRING_NAME, SUBSTRING_ALIAS, SUBSTRING_KEYWORD = 600, 520, 450
SUBSTRING_INITIALS, SUBSTRING_PINYIN = 420, 400
# An everyday phrase of data/synonyms.json ("婚姻登记" → 结婚登记): above a keyword, below the
# matter's own name and aliases; each later term of the phrase one point lower.
EXACT_SYNONYM = 940
OWN_LEVEL_BONUS = 50
BUNDLE_PHRASE_BONUS = 5  # "开饭店" means the whole 一件事 before any one of its matters


@dataclass(frozen=True)
class Scope:
    """Where the device stands: it sees what can be taken in at its level and region."""

    level: str = "county"
    region_code: str = ""  # "" = anywhere

    @classmethod
    def for_region(cls, region_code: str) -> Scope:
        return cls(level_of_region(region_code), region_code)


@dataclass(frozen=True)
class SearchHit:
    item: Matter | Bundle
    score: int
    why: str  # what matched, for tests and the clerk's tooltip

    @property
    def is_bundle(self) -> bool:
        return isinstance(self.item, Bundle)


@dataclass(frozen=True)
class _Group:
    """Entries sharing the same searchable text."""

    name: str
    pinyin: str
    initials: str
    aliases: tuple[str, ...]
    alias_pinyin: tuple[str, ...]  # full pinyin and initials of aliases and keywords
    keywords: tuple[str, ...]
    members: tuple[int, ...]  # entry ids in catalog order
    level: str
    where: tuple[str, ...]
    is_bundle: bool
    regions: tuple[str, ...]  # sorted distinct region codes of the members
    by_region: dict  # region code → member entry ids, for scoped expansion


@dataclass(frozen=True)
class _Entry:
    item: Matter | Bundle
    where: tuple[str, ...]
    level: str
    region: str
    order: int


@functools.lru_cache(maxsize=1)  # shipped data, immutable: parse it once
def builtin_synonyms() -> Mapping[str, tuple[str, ...]]:
    """Everyday phrases shipped with the program: phrase → matter names or codes, best first."""
    text = resources.files("client.domain").joinpath("data/synonyms.json").read_text("utf-8")
    return synonyms_from_dict(json.loads(text).get("phrases", {}))


def synonyms_from_dict(raw: object) -> dict[str, tuple[str, ...]]:
    """Phrase → terms from JSON; anything not shaped like {"phrase": ["term", ...]} is left out."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for phrase, terms in raw.items():
        key = normalise(str(phrase))
        if len(key) >= 2 and isinstance(terms, (list, tuple)):
            out[key] = tuple(str(t) for t in terms if str(t).strip())
    return out


def normalise(text: str) -> str:
    return _JUNK.sub("", (text or "").strip().lower())


def strip_filler(query: str) -> str:
    """'我要办低保' → '低保', '身份证丢了怎么办' → '身份证丢了' (a phrase alias may still keep 了)."""
    core = _TRAILING.sub("", _LEADING.sub("", query, count=1))
    return core if len(core) >= 2 else query


def _each_char(chars: str) -> list[str]:
    """Characters without pinyin (Latin letters, digits) stay one syllable each."""
    return list(chars)


def pinyin_keys(text: str) -> tuple[str, str]:
    """Full pinyin without separators and the initials of each syllable, lower case."""
    # pypinyin's stub types the errors callback as returning one str; a list is documented and handled.
    syllables = [s.lower() for s in lazy_pinyin(text, errors=_each_char)]  # type: ignore[arg-type]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return normalise(full), normalise(initials)


class CatalogIndex:
    """Search index over one catalog version; immutable once built."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        entries: list[_Entry] = []
        grouped: dict[tuple, list[int]] = {}
        items: Iterable[Matter | Bundle] = (*catalog.matters, *catalog.bundles)
        for order, item in enumerate(items):
            region = getattr(item, "region_code", "") or catalog.region_code
            entries.append(_Entry(item, item.taken_at(), item.level, region, order))
            key = (
                item.name,
                tuple(item.aliases),
                tuple(item.keywords),
                item.level,
                item.taken_at(),
                isinstance(item, Bundle),
            )
            grouped.setdefault(key, []).append(order)
        self._entries = tuple(entries)
        groups = []
        for (name, aliases, keywords, level, where, is_bundle), members in grouped.items():
            by_region: dict[str, list[int]] = {}
            for entry_id in members:
                by_region.setdefault(entries[entry_id].region, []).append(entry_id)
            full, initials = pinyin_keys(name)
            extra: list[str] = []
            for phrase in aliases + keywords:
                if not phrase.isascii():
                    extra.extend(pinyin_keys(phrase))
            groups.append(
                _Group(
                    name.lower(),
                    full,
                    initials,
                    tuple(normalise(a) for a in aliases),
                    tuple(dict.fromkeys(e for e in extra if len(e) >= 2)),
                    tuple(normalise(k) for k in keywords),
                    tuple(members),
                    level,
                    where,
                    is_bundle,
                    tuple(sorted(by_region)),
                    {k: tuple(v) for k, v in by_region.items()},
                )
            )
        self._groups = tuple(groups)
        by_char: dict[str, set[int]] = {}
        by_alias: dict[str, set[int]] = {}
        for gid, g in enumerate(groups):
            for text in (g.name, g.pinyin, g.initials, *g.aliases, *g.alias_pinyin, *g.keywords):
                for ch in text:
                    by_char.setdefault(ch, set()).add(gid)
            for alias in g.aliases + g.keywords:
                if len(alias) >= 2:
                    by_alias.setdefault(alias, set()).add(gid)
        self._by_char = {ch: frozenset(ids) for ch, ids in by_char.items()}
        self._by_alias = {a: frozenset(ids) for a, ids in by_alias.items()}
        self._by_code = {}
        for entry_id, e in enumerate(entries):
            self._by_code[e.item.code.lower()] = entry_id
            base = getattr(e.item, "base_code", "")
            if base:
                self._by_code.setdefault(base.lower(), entry_id)
        self._codes = tuple(sorted(self._by_code))
        # The catalog's own phrases (published by the back office) replace the built-in ones they name.
        phrases = dict(builtin_synonyms()) | synonyms_from_dict(getattr(catalog, "synonyms", {}))
        resolved: dict[str, frozenset[int]] = {}
        for term in {t for terms in phrases.values() for t in terms}:
            resolved[term] = self._resolve_term(term)
        self._synonyms: dict[str, tuple[frozenset[int], ...]] = {
            phrase: tuple(resolved[t] for t in terms if resolved[t]) for phrase, terms in phrases.items()
        }

    def _resolve_term(self, term: str) -> frozenset[int]:
        """The groups a synonym's term names: a matter code, else the best matches of its words."""
        entry_id = self._by_code.get(term.strip().lower())
        if entry_id is not None:
            return frozenset(gid for gid, g in enumerate(self._groups) if entry_id in g.members)
        scored = self._score_groups(normalise(term))
        best = max((score for score, _why in scored.values()), default=0)
        if best < SUBSTRING_ALIAS:  # words that only brush a matter's keywords name nothing
            return frozenset()
        return frozenset(gid for gid, (score, _why) in scored.items() if score == best)

    @classmethod
    def for_catalog(cls, catalog: Catalog) -> CatalogIndex:
        """The catalog's index, built on first use and kept with that catalog object."""
        index = catalog._index
        if index is None:
            index = cls(catalog)
            object.__setattr__(catalog, "_index", index)
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def search(
        self, text: str, scope: Scope | None = None, limit: int = 20, bundles: bool = True
    ) -> tuple[SearchHit, ...]:
        """Best `limit` hits, best first; an empty query lists the scope's own-level items.

        Groups are scored and ranked first (a few hundred at most); members are expanded
        in that order only until `limit` hits pass the region filter.
        """
        query = normalise(text)
        if not query:
            found = {gid: (0, "") for gid in range(len(self._groups))}
            code_hits: dict[int, tuple[int, str]] = {}
        else:
            found = self._score_groups(query)
            core = strip_filler(query)
            if core != query:
                for gid, hit in self._score_groups(core).items():
                    if hit[0] > found.get(gid, (0, ""))[0]:
                        found[gid] = hit
            for text in dict.fromkeys((query, core)):
                for gid, hit in self._score_synonyms(text).items():
                    if hit[0] > found.get(gid, (0, ""))[0]:
                        found[gid] = hit
            code_hits = self._score_codes(query)
        ranked = []
        for gid, (score, why) in found.items():
            g = self._groups[gid]
            if g.is_bundle and not bundles:
                continue
            if scope is not None:
                if scope.level not in g.where:
                    continue
                if g.level == scope.level:
                    score += OWN_LEVEL_BONUS
            if g.is_bundle and why.startswith("口语"):
                score += BUNDLE_PHRASE_BONUS
            ranked.append((-score, len(g.name), g.members[0], gid, why))
        for entry_id, (score, why) in code_hits.items():
            e = self._entries[entry_id]
            if scope is not None and e.level == scope.level:
                score += OWN_LEVEL_BONUS
            ranked.append((-score, len(e.item.name), e.order, -1 - entry_id, why))
        ranked.sort()
        hits: list[SearchHit] = []
        taken: set[int] = set()
        for neg, _, _, ref, why in ranked:
            members = self._members(self._groups[ref], scope) if ref >= 0 else (-1 - ref,)
            for entry_id in members:
                if entry_id in taken or not self._in_scope(self._entries[entry_id], scope, bundles):
                    continue
                taken.add(entry_id)
                hits.append(SearchHit(self._entries[entry_id].item, -neg, why))
                if len(hits) >= limit:
                    return tuple(hits)
        return tuple(hits)

    @staticmethod
    def _members(g: _Group, scope: Scope | None) -> tuple[int, ...]:
        """Members whose region can concern the device: its own, those above it, those below it."""
        if scope is None or not scope.region_code or len(g.regions) == 1:
            return g.members
        picked = [m for code in ancestors(scope.region_code) for m in g.by_region.get(code, ())]
        prefix = region_prefix(scope.region_code)
        i = bisect_left(g.regions, prefix)
        while i < len(g.regions) and g.regions[i].startswith(prefix):
            if g.regions[i] not in ancestors(scope.region_code):
                picked.extend(g.by_region[g.regions[i]])
            i += 1
        return tuple(sorted(picked))

    @staticmethod
    def _in_scope(e: _Entry, scope: Scope | None, bundles: bool) -> bool:
        if not bundles and isinstance(e.item, Bundle):
            return False
        if scope is None:
            return True
        if scope.level not in e.where:
            return False
        return not scope.region_code or contains(e.region, scope.region_code) or contains(scope.region_code, e.region)

    def _score_groups(self, query: str) -> dict[int, tuple[int, str]]:
        found: dict[int, tuple[int, str]] = {}
        # Colloquial phrases contained in a longer query: "开饭店要什么" contains "开饭店".
        n = len(query)
        for i in range(n):
            for j in range(i + 2, n + 1):
                for gid in self._by_alias.get(query[i:j], ()):
                    score = EXACT_ALIAS if (i, j) == (0, n) else ALIAS_IN_QUERY + (j - i)
                    if score > found.get(gid, (0, ""))[0]:
                        found[gid] = (score, "口语：" + query[i:j])
        sets: list[frozenset[int]] = []
        for ch in set(query):
            ids = self._by_char.get(ch)
            if ids is None:  # a character no group has: no group contains the whole query
                sets = []
                break
            sets.append(ids)
        if sets:
            sets.sort(key=len)
            candidates = sets[0].intersection(*sets[1:]) if len(sets) > 1 else sets[0]
            for gid in candidates:
                score, why = _score_group(self._groups[gid], query)
                if score > found.get(gid, (0, ""))[0]:
                    found[gid] = (score, why)
        return found

    def _score_synonyms(self, query: str) -> dict[int, tuple[int, str]]:
        """Everyday phrases the query is or contains; a phrase's first term ranks above its second."""
        found: dict[int, tuple[int, str]] = {}
        n = len(query)
        for i in range(n):
            for j in range(i + 2, n + 1):
                terms = self._synonyms.get(query[i:j])
                if not terms:
                    continue
                base = EXACT_SYNONYM if (i, j) == (0, n) else ALIAS_IN_QUERY + (j - i)
                for rank, gids in enumerate(terms):
                    for gid in gids:
                        if base - rank > found.get(gid, (0, ""))[0]:
                            found[gid] = (base - rank, "常用说法：" + query[i:j])
        return found

    def _score_codes(self, query: str) -> dict[int, tuple[int, str]]:
        scores: dict[int, tuple[int, str]] = {}
        if len(query) < 3 or not any(c.isdigit() for c in query):
            return scores
        start = bisect_left(self._codes, query)
        for code in self._codes[start : start + 200]:
            if not code.startswith(query):
                break
            entry_id = self._by_code[code]
            score = EXACT_CODE if code == query else CODE_PREFIX
            if score > scores.get(entry_id, (0, ""))[0]:
                scores[entry_id] = (score, code)
        return scores


def _score_group(g: _Group, q: str) -> tuple[int, str]:
    """Best score of one group for query q (already normalised)."""
    if g.name == q:
        return EXACT_NAME, "名称"
    if g.name.startswith(q):
        return PREFIX_NAME, "名称"
    if q in g.aliases:
        return EXACT_ALIAS, "口语：" + q
    if q in g.keywords:
        return EXACT_KEYWORD, "关键词"
    if g.initials.startswith(q):
        return PREFIX_INITIALS, "拼音首字母"
    if g.pinyin.startswith(q):
        return PREFIX_PINYIN, "全拼"
    best = (0, "")
    for a in g.aliases:
        if a.startswith(q):
            return PREFIX_ALIAS, "口语"
    for k in g.keywords:
        if k.startswith(q):
            best = (PREFIX_KEYWORD, "关键词")
            break
    if best[0] < SUBSTRING_NAME and q in g.name:
        return SUBSTRING_NAME - g.name.index(q), "名称"
    if best[0] < SUBSTRING_ALIAS and any(q in a for a in g.aliases):
        best = (SUBSTRING_ALIAS, "口语")
    if best[0] < SUBSTRING_KEYWORD and any(q in k for k in g.keywords):
        best = (SUBSTRING_KEYWORD, "关键词")
    if best[0] < SUBSTRING_INITIALS and len(q) >= 2:
        if q in g.initials:
            best = (SUBSTRING_INITIALS, "拼音首字母")
        elif q in g.pinyin:
            best = (SUBSTRING_PINYIN, "全拼")
        elif any(p.startswith(q) for p in g.alias_pinyin):
            best = (SUBSTRING_PINYIN, "口语拼音")
    return best
