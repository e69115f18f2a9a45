"""What an uploaded file is: the executables and scripts SPEC 7 blocks, by name and by content, and the content
type stored and served for everything else.

Blocked by **extension** (any case, any position in a chain of extensions, so `report.pdf.exe` and `x.EXE.txt`
alike): .exe .bat .cmd .sh .ps1 .vbs .dll .so .dylib, plus the handful that run the same things under another
name (.com .scr .msi .psm1 .vbe .wsf .bash).

Blocked by **content**, whatever the name (the first SNIFF_BYTES of the file):

- Windows executable or DLL (PE): starts with `MZ`.
- ELF executable or shared object: starts with `\\x7fELF`.
- Mach-O executable or dylib: FE ED FA CE / FE ED FA CF, or their byte swaps CE FA ED FE / CF FA ED FE.
- Mach-O universal ("fat") binary: CA FE BA BE or CA FE BA BF, then a big-endian architecture count of 1..29
  (Java class files share the magic; their next field, the class version, is 45 or more).
- A script with an interpreter line: starts with `#!` (after an optional byte order mark).
- Batch / cmd: the first non-blank line starts with `@` and a batch command (`@echo off`, `@rem`, `@setlocal`,
  `@call`...), or a batch-only construct anywhere (`%~dp0`, `goto :eof`, `setlocal enabledelayedexpansion`).
- PowerShell: `#requires -`, `[CmdletBinding(`, `param(` as the first statement, `Set-ExecutionPolicy`,
  `Invoke-Expression`, `IEX(`, `-EncodedCommand`, `New-Object Net.WebClient`, `.DownloadString(`, `Start-Process`.
- VBScript: `WScript.`, `CreateObject(`, `On Error Resume Next`, or `Option Explicit` as the first statement.

Script text is read as UTF-8, or as UTF-16 when it starts with a UTF-16 byte order mark (PowerShell often saves
so), ignoring case. These are the well-known markers of the three languages; a text that merely mentions one
(a log quoting `CreateObject(`) is blocked too, which is the safe side of the trade: the person can zip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import puremagic

# Enough for every signature above and for puremagic's longest offsets of the common formats.
SNIFF_BYTES = 8192

BLOCKED_EXTENSIONS = frozenset(
    {"exe", "bat", "cmd", "sh", "ps1", "vbs", "dll", "so", "dylib", "com", "scr", "msi", "psm1", "vbe", "wsf", "bash"}
)

_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_FAT = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")
_BATCH = re.compile(
    r"\A\s*@\s*(echo|rem|setlocal|call|set|if|cd|chcp|cls|title|pushd|start)\b|"
    r"%~dp0|\bgoto\s+:eof\b|\bsetlocal\s+enabledelayedexpansion\b",
    re.IGNORECASE,
)
_POWERSHELL = re.compile(
    r"#requires\s+-|\[cmdletbinding\s*\(|\A(\s*#[^\n]*\n)*\s*param\s*\(|\bset-executionpolicy\b|"
    r"\binvoke-expression\b|\biex\s*\(|-encodedcommand\b|new-object\s+(system\.)?net\.webclient|"
    r"\.downloadstring\s*\(|\bstart-process\b",
    re.IGNORECASE,
)
_VBSCRIPT = re.compile(
    r"\bwscript\.|\bcreateobject\s*\(|\bon\s+error\s+resume\s+next\b|\A(\s*'[^\n]*\n)*\s*option\s+explicit\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    """Why a file is refused: the rule (a short name people read) and its description."""

    rule: str
    detail: str


def blocked_extension(filename: str) -> Verdict | None:
    """The first blocked extension anywhere after the first dot (`report.pdf.exe`, `tool.EXE`, `a.sh.txt`)."""
    for part in filename.lower().split(".")[1:]:
        extension = part.strip(" ")
        if extension in BLOCKED_EXTENSIONS:
            return Verdict("extension", f".{extension} files can run programs")
    return None


def _text(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if b"\x00" in head:
        return None  # binary, not a script
    return head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")


def blocked_content(head: bytes) -> Verdict | None:
    """The kind of program the first bytes of a file show, if any (the table above)."""
    if head.startswith(b"MZ"):
        return Verdict("content", "it is a Windows program or DLL")
    if head.startswith(b"\x7fELF"):
        return Verdict("content", "it is a Linux/Unix program or shared object (ELF)")
    if head.startswith(_MACHO):
        return Verdict("content", "it is a macOS program or dylib (Mach-O)")
    if head.startswith(_FAT) and len(head) >= 8 and 0 < int.from_bytes(head[4:8], "big") < 30:
        return Verdict("content", "it is a macOS universal program (Mach-O)")
    text = _text(head)
    if text is None:
        return None
    if text.lstrip("\ufeff").startswith("#!"):
        return Verdict("content", "it is a script (it starts with #!)")
    if _BATCH.search(text):
        return Verdict("content", "it is a Windows batch script")
    if _POWERSHELL.search(text):
        return Verdict("content", "it is a PowerShell script")
    if _VBSCRIPT.search(text):
        return Verdict("content", "it is a VBScript")
    return None


def content_type(head: bytes, filename: str) -> str:
    """The MIME type the bytes show (puremagic's signatures; the name only breaks ties between formats that share
    a container, like zip and docx); text/plain for text that matches nothing, else application/octet-stream."""
    if head:
        try:
            found = puremagic.from_string(head, mime=True, filename=filename)
        except (puremagic.PureError, ValueError):
            found = ""
        if found and "/" in found and len(found) <= 127:
            return found
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sniffed bytes is still text.
            if error.start >= len(head) - 3:
                return "text/plain"
    return "application/octet-stream"
