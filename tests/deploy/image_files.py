"""The image's file set, computed as ``docker build`` would, without Docker.

``copied_files`` reads the Dockerfile's ``WORKDIR``/``COPY``/``ADD`` instructions, matches their
sources against the build context filtered by ``.dockerignore`` (the builder's rules: Go
``filepath.Match`` patterns plus ``**``, a pattern also excluding everything under a matching
directory, ``!`` re-including, the last matching line deciding), and returns where each file
lands in the image.
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(dockerfile: str) -> list[Instruction]:
    """Logical instructions: comments dropped, ``\\`` continuations joined, heredoc bodies
    skipped (their files come from the Dockerfile, not the context)."""
    result: list[Instruction] = []
    lines = dockerfile.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        while line.endswith("\\") and index < len(lines):
            following = lines[index].strip()
            index += 1
            if following.startswith("#"):
                continue
            line = line[:-1].rstrip() + " " + following
        keyword, _, arguments = line.partition(" ")
        heredoc = re.search(r"<<-?[\"']?(\w+)[\"']?", arguments)
        if heredoc:
            terminator = heredoc.group(1)
            while index < len(lines) and lines[index].strip() != terminator:
                index += 1
            index += 1
        result.append(Instruction(keyword.upper(), arguments.strip()))
    return result


def _arguments(text: str) -> list[str]:
    if text.startswith("["):
        return [str(item) for item in json.loads(text)]
    return shlex.split(text)


@dataclass(frozen=True)
class Copy:
    sources: list[str]
    destination: str  # absolute path in the image
    flags: dict[str, str]


def copies(dockerfile: str) -> list[Copy]:
    """The context-to-image copies of the final stage (``--from`` copies are not context)."""
    workdir = "/"
    result: list[Copy] = []
    for instruction in instructions(dockerfile):
        if instruction.keyword == "FROM":
            workdir, result = "/", []
        elif instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.arguments)
        elif instruction.keyword in ("COPY", "ADD"):
            words = _arguments(instruction.arguments)
            flags = {}
            while words and words[0].startswith("--"):
                name, _, value = words.pop(0)[2:].partition("=")
                flags[name] = value
            if "from" in flags or any(word.startswith("<<") for word in words):
                continue
            *sources, destination = words
            if not destination.startswith("/"):
                destination = posixpath.join(workdir, destination)
            result.append(Copy(sources, destination, flags))
    return result


def final_value(dockerfile: str, keyword: str) -> str | None:
    values = [i.arguments for i in instructions(dockerfile) if i.keyword == keyword]
    return values[-1] if values else None


# --- .dockerignore -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    exclusion: bool  # a "!" line: re-include


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    regex = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            regex += "(?:.*/)?"
            index += 3
            continue
        if pattern.startswith("**", index):
            regex += ".*"
            index += 2
            continue
        if char == "*":
            regex += "[^/]*"
        elif char == "?":
            regex += "[^/]"
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                regex += re.escape(char)
            else:
                body = pattern[index + 1 : end]
                regex += "[" + ("^" + body[1:] if body.startswith("^") else body) + "]"
                index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            regex += re.escape(pattern[index])
        else:
            regex += re.escape(char)
        index += 1
    return re.compile(rf"^{regex}$")


def read_dockerignore(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        line = posixpath.normpath(line).lstrip("/")
        if line in ("", "."):
            continue
        patterns.append(Pattern(_pattern_regex(line), exclusion))
    return patterns


def ignored(path: str, patterns: list[Pattern]) -> bool:
    """Is ``path`` (relative, with ``/``) left out of the build context?"""
    parts = path.split("/")
    candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    result = False
    for pattern in patterns:
        if any(pattern.regex.match(candidate) for candidate in candidates):
            result = not pattern.exclusion
    return result


def context_files(context: Path, patterns: list[Pattern]) -> list[str]:
    files = []
    for directory, dirnames, filenames in os.walk(context):
        dirnames.sort()
        relative_dir = Path(directory).relative_to(context).as_posix()
        for name in sorted(filenames):
            path = name if relative_dir == "." else f"{relative_dir}/{name}"
            if not ignored(path, patterns):
                files.append(path)
    return files


def copied_files(context: Path) -> dict[str, str]:
    """``{image path: context path}`` of every file the Dockerfile copies from the context."""
    dockerfile = (context / "Dockerfile").read_text()
    ignore_file = context / ".dockerignore"
    patterns = read_dockerignore(ignore_file.read_text()) if ignore_file.is_file() else []
    available = context_files(context, patterns)
    result: dict[str, str] = {}
    for copy in copies(dockerfile):
        into_directory = copy.destination.endswith("/") or len(copy.sources) > 1
        for source in copy.sources:
            source = posixpath.normpath(source).lstrip("/")
            if source == ".":
                matched_root = ""
                matches = available
            elif any(char in source for char in "*?["):
                matched_root = None
                matches = [p for p in available if fnmatch.fnmatchcase(p.split("/")[0], source)]
            else:
                matched_root = source
                matches = [p for p in available if p == source or p.startswith(f"{source}/")]
            if not matches:
                raise FileNotFoundError(f"COPY {source}: nothing in the build context")
            for path in matches:
                if matched_root is None:  # a glob: each match is copied by its name
                    relative = path
                elif path == matched_root:  # a single file
                    relative = PurePosixPath(path).name if into_directory else ""
                else:
                    relative = path[len(matched_root) :].lstrip("/")
                target = (
                    posixpath.join(copy.destination, relative) if relative else copy.destination
                )
                result[posixpath.normpath(target)] = path
    return result
