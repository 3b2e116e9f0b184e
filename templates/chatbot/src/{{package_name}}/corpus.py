"""Passages to retrieve from: the Python language docs that ship with Python, or your files.

Two sources give the same `Passage` records:

* `pydoc_topics()`: the 79 topics of `pydoc_data.topics` (the text behind `help("with")`),
  part of every Python install and under the PSF licence. Each topic is split at its section
  headings (a line underlined with `*`, `=`, `-`, `~` or `^`), each section into chunks of
  whole paragraphs of about `max_words` words, and each chunk starts with its topic and
  section title, so a chunk read alone still says what it is about.
* `folder_passages(folder)`: the `.md`, `.txt` and `.pdf` files under a folder, split the
  same way (Markdown at `#` headings, PDF text through pypdf, page by page).

The topics overlap: `compound` holds the `if`, `while`, `for`, `try`, `with` ... topics word
for word, `specialnames` holds `customization`, `attribute-access` and others, `execmodel`
holds `naming`. A chunk whose text was already seen is dropped, and the topic it repeats is
kept as an alias, so the same text is never indexed twice (retrieval would otherwise spend
its top-k on copies). Topics go smallest first, so the most specific topic keeps the text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

UNDERLINE = re.compile(r"^([*=\-~^#])\1{2,}$")
MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
FILE_TYPES = (".md", ".markdown", ".txt", ".pdf")
PYDOC = "pydoc"  # the source name of the language reference
CURLY_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}  # as in the docs


@dataclass
class ChunkConfig:
    """How long the passages are (`documents.max_words` and `min_words` of the config)."""

    max_words: int = 150  # a chunk ends at the paragraph that would take it past this
    min_words: int = 40  # a shorter last chunk of a section joins the chunk before it


@dataclass
class Passage:
    """One retrievable piece of text and where it came from."""

    id: str  # unique and stable for one corpus: "with#0", "notes/refunds.md#2"
    source: str  # what a citation shows: "with: The with statement", "refunds.md > Refunds"
    title: str  # the topic or file title
    section: str  # the section heading ("" when none)
    text: str  # the title line, a blank line, then the chunk
    aliases: list[str] = field(default_factory=list)  # other topics with the same text

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "text": self.text,
            "aliases": self.aliases,
        }

    @classmethod
    def from_dict(cls, row: dict[str, object]) -> Passage:
        return cls(
            id=str(row["id"]),
            source=str(row["source"]),
            title=str(row["title"]),
            section=str(row["section"]),
            text=str(row["text"]),
            aliases=[str(alias) for alias in row.get("aliases") or []],  # type: ignore[union-attr]
        )


def normalise(text: str) -> str:
    """Lower case, straight quotes, no `"` or `*` marks, single spaces: for comparing texts."""
    text = text.lower().translate(str.maketrans(CURLY_QUOTES))
    return " ".join(text.replace('"', "").replace("*", "").split())


def sections(text: str, markdown: bool = False) -> Iterator[tuple[str, str]]:
    """(heading, body) pairs; text before the first heading comes with the heading ""."""
    heading, body = "", []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        following = lines[index + 1].rstrip() if index + 1 < len(lines) else ""
        md = MD_HEADING.match(line) if markdown else None
        underlined = (
            line
            and not line[0].isspace()
            and UNDERLINE.match(following)
            and len(following) == len(line)
        )
        if md or underlined:
            if any(part.strip() for part in body):
                yield heading, "\n".join(body).strip()
            heading = md.group(2) if md else line.strip()
            body = []
            index += 1 if md else 2
            continue
        body.append(line)
        index += 1
    if any(part.strip() for part in body):
        yield heading, "\n".join(body).strip()


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks; an indented block (grammar, code) stays with the one before.

    Keeping "The syntax is:" with the grammar under it makes chunks that read sensibly.
    """
    blocks = [block for block in re.split(r"\n\s*\n", text) if block.strip()]
    merged: list[str] = []
    for block in blocks:
        if merged and block.startswith((" ", "\t")) and len(merged[-1].split()) < 120:
            merged[-1] += "\n\n" + block
        else:
            merged.append(block)
    return merged


def split_long(block: str, max_words: int) -> list[str]:
    """A block longer than `max_words` (a table, a long grammar) cut at line ends."""
    if len(block.split()) <= max_words:
        return [block]
    pieces: list[list[str]] = [[]]
    words = 0
    for line in block.splitlines():
        size = len(line.split())
        if pieces[-1] and words + size > max_words:
            pieces.append([])
            words = 0
        pieces[-1].append(line)
        words += size
    return ["\n".join(piece) for piece in pieces]


def pack(blocks: list[str], config: ChunkConfig) -> list[str]:
    """Paragraphs packed into chunks of at most about `max_words` words each."""
    chunks: list[list[str]] = []
    words = 0
    pieces = [piece for block in blocks for piece in split_long(block, config.max_words)]
    for block in pieces:
        size = len(block.split())
        if chunks and words + size <= config.max_words:
            chunks[-1].append(block)
            words += size
        else:
            chunks.append([block])
            words = size
    if len(chunks) > 1 and sum(len(b.split()) for b in chunks[-1]) < config.min_words:
        chunks[-2].extend(chunks.pop())
    return ["\n\n".join(chunk) for chunk in chunks]


def split_document(
    key: str, text: str, config: ChunkConfig, markdown: bool = False
) -> Iterator[tuple[str, str, str]]:
    """(title, section, chunk) triples of one document; the title is its first heading."""
    title = key
    for number, (heading, body) in enumerate(sections(text, markdown)):
        if number == 0 and heading:
            title = heading
        for chunk in pack(paragraphs(body), config):
            yield title, heading, chunk


def make_passages(documents: Iterable[tuple[str, str, bool]], config: ChunkConfig) -> list[Passage]:
    """Passages of (key, text, is_markdown) documents; repeated chunks become aliases."""
    passages: list[Passage] = []
    seen: dict[str, Passage] = {}
    for key, text, markdown in documents:
        count = 0
        for title, section, chunk in split_document(key, text, config, markdown):
            fingerprint = normalise(chunk)
            if fingerprint in seen:
                original = seen[fingerprint]
                if key != topic_of(original) and key not in original.aliases:
                    original.aliases.append(key)
                continue
            head = title if not section or section == title else f"{title} > {section}"
            passage = Passage(
                id=f"{key}#{count}",
                source=f"{key}: {head}",
                title=title,
                section=section,
                text=f"{head}\n\n{chunk}",
            )
            seen[fingerprint] = passage
            passages.append(passage)
            count += 1
    return passages


def pydoc_topics(config: ChunkConfig | None = None) -> list[Passage]:
    """The Python language reference topics of the running interpreter, as passages."""
    from pydoc_data.topics import topics

    keys = sorted(topics, key=lambda key: len(topics[key]))
    return make_passages(((key, topics[key], False) for key in keys), config or ChunkConfig())


def read_pdf(path: Path) -> str:
    """The text of a PDF, pages apart, with a `Page N` heading before each page."""
    from pypdf import PdfReader

    pages = []
    for number, page in enumerate(PdfReader(path).pages, start=1):
        text = (page.extract_text() or "").strip()
        if text:
            heading = f"Page {number}"
            pages.append(f"{heading}\n{'=' * len(heading)}\n\n{text}")
    return "\n\n".join(pages)


def read_document(path: Path) -> tuple[str, bool]:
    """A file's text and whether it is Markdown."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf(path), False
    return path.read_text(encoding="utf-8", errors="replace"), suffix in (".md", ".markdown")


def folder_passages(folder: str | Path, config: ChunkConfig | None = None) -> list[Passage]:
    """Passages of every .md, .txt and .pdf file under `folder` (recursively, sorted); a file
    that cannot be read (a damaged PDF, no permission) is skipped with one line on stderr."""
    from pypdf.errors import PyPdfError

    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder; give a folder of .md, .txt or .pdf files")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in FILE_TYPES)
    documents = []
    for path in files:
        try:
            text, markdown = read_document(path)
        except (OSError, ValueError, PyPdfError) as error:
            print(f"skipped {path}: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        if text.strip():
            documents.append((path.relative_to(root).as_posix(), text, markdown))
    return make_passages(documents, config or ChunkConfig())


def topic_of(passage: Passage) -> str:
    """The topic key (or file path) of a passage: its id before the `#`."""
    return passage.id.rsplit("#", 1)[0]


def relevant(passage: Passage, anchors: Iterable[str], topics: Iterable[str] = ()) -> bool:
    """Whether a passage answers: it holds a gold anchor (a short text, compared normalised)
    and, when gold topics are given, it comes from one of them (or repeats one of them).

    Anchors, not chunk ids, name the gold passages, so the labels survive a change of
    chunking and the small text changes between Python versions.
    """
    wanted = set(topics)
    if wanted and not wanted & {topic_of(passage), *passage.aliases}:
        return False
    text = normalise(passage.text)
    return any(normalise(anchor) in text for anchor in anchors)


def load_passages(source: str, config: ChunkConfig | None = None) -> list[Passage]:
    """`pydoc`: the language reference; anything else: a folder of documents."""
    return pydoc_topics(config) if source == PYDOC else folder_passages(source, config)
