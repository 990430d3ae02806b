"""The docs name only repository paths that exist: every `lib/...`, `tools/...`,
`host_tests/...`, `firmware/...` or `boards/...` path in docs/*.md and README.md, and no
absolute path of the machine the docs were written on."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOPS = ("lib", "tools", "host_tests", "firmware", "boards")
# a path starts a word and runs until a space, quote, backquote, bracket or brace
_PATH = re.compile(r"(?<![\w./-])((?:%s)/[^\s`'\"()\[\]{}|,;]*)" % "|".join(TOPS))
# a path on the machine the docs were written on (not in a user's clone)
_ABSOLUTE = re.compile(r"(?<![\w.])/work/[^\s`'\")]*")
# files the reader makes (not in the repository)
EXAMPLES = ("boards/myboard.py",)


def docs():
    return sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [
        os.path.join(ROOT, "README.md")]


def missing_paths(text, root=ROOT):
    """-> the repository paths named in ``text`` that match no file or folder
    (``<name>`` and ``*`` are wildcards: ``boards/<variant>.py``, ``mpt_*.py``)."""
    out = []
    for m in _PATH.finditer(text):
        p = m.group(1).rstrip(".:")
        pattern = re.sub(r"<[^>]*>", "*", p)
        if p not in EXAMPLES and not glob.glob(os.path.join(root, pattern)):
            out.append(p)
    return out


# a document named by its file name (``power.md``, ``bc66-facts.md``)
_DOC = re.compile(r"(?<![\w./-])([\w-]+\.md)\b")


def missing_docs(text, root=ROOT):
    """-> the .md files named in ``text`` that are not in the repository."""
    have = {os.path.basename(p) for p in glob.glob(os.path.join(root, "**", "*.md"),
                                                   recursive=True)}
    return [m for m in _DOC.findall(text) if m not in have]


def test_docs_name_existing_paths():
    bad = []
    for doc in docs():
        with open(doc) as f:
            text = f.read()
        rel = os.path.relpath(doc, ROOT)
        bad += ["%s: %s" % (rel, p) for p in missing_paths(text)]
        bad += ["%s: absolute path %s" % (rel, p) for p in _ABSOLUTE.findall(text)]
        bad += ["%s: %s is not in the repository" % (rel, p) for p in missing_docs(text)]
    assert not bad, "docs name paths that do not exist:\n" + "\n".join(bad)


def test_missing_paths_finds_a_wrong_path():
    # the check itself: a wrong path, a placeholder and a folder
    text = ("see `lib/bc66/lwsetup.py`, `boards/<variant>.py`, lib/bc66/ and "
            "host_tests/mp/mpt_*.py; tools/deploy copies it.")
    assert missing_paths(text) == ["lib/bc66/lwsetup.py", "tools/deploy"]
    assert _ABSOLUTE.findall("see `/work/shared/docs/x.md` and ../shared/vendor") == [
        "/work/shared/docs/x.md"]
    assert missing_docs("see `bc66-facts.md`, docs/power.md and README.md") == [
        "bc66-facts.md"]


def test_ci_and_make_name_no_path_of_one_machine():
    # CI has ../shared beside its clone (BC66_SHARED overrides it): no fallback to a path
    # that exists only on the machine the scripts were written on
    for rel in (".ci/run", "Makefile"):
        with open(os.path.join(ROOT, rel)) as f:
            assert not _ABSOLUTE.findall(f.read()), rel
