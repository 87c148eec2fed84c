"""Prompt templates: how each model family wants a fill-in-the-middle prompt laid out.

A `Template` knows a model family's FIM tokens, its stop tokens and, where the family was
trained with them, its repository-level tokens. `Template.render` lays a prompt out
stable-first: repository context first, then the text before the cursor, then the text after
it (except where the format itself puts the suffix first), so that consecutive requests
share the longest possible prompt prefix and a server-side prompt cache stays warm.

Templates are chosen by name (`get_template`, for `model.template`) or inferred from a model's
name (`infer_template`). This registry is the only place in fillin that looks at model names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from context.errors import SettingsError
from context.snippet import Snippet


@dataclass(frozen=True)
class RepoTokens:
    """A family's repository-level tokens and how its training data laid them out.

    StarCoder2 writes `<repo_name>name<file_sep>path\\ncode<file_sep>...` with nothing between
    entries and puts the current file's path after `<fim_prefix>`; Qwen2.5-Coder ends the
    repository name and every file with a line break and names the current file before
    `<|fim_prefix|>`.
    """

    repo_name: str
    file_sep: str
    entry_end: str = ""
    is_path_inside_fim: bool = False


@dataclass(frozen=True)
class Template:
    """One model family's prompt format.

    `fim_prefix`, `fim_suffix` and `fim_middle` are the FIM markers exactly as they appear
    in the prompt (CodeLlama's carry their spaces); they are None for a prefix-only model.
    `is_suffix_first` is for formats that put the suffix before the prefix (Codestral).
    `stop` holds the strings that end a completion; backends send them to the server.
    """

    name: str
    fim_prefix: str | None = None
    fim_suffix: str | None = None
    fim_middle: str | None = None
    stop: tuple[str, ...] = ()
    repo: RepoTokens | None = None
    is_suffix_first: bool = False

    @property
    def is_fim(self) -> bool:
        """Whether the model can fill a hole (it sees the text after the cursor)."""
        return self.fim_prefix is not None and self.fim_suffix is not None

    def render(
        self,
        prefix: str,
        suffix: str,
        snippets: Sequence[Snippet] = (),
        repo_name: str = "",
        path: str = "",
        comment_prefix: str | None = None,
    ) -> str:
        """The prompt for a completion between `prefix` and `suffix` in the file at `path`.

        `snippets` are pieces of other files, laid out before the current file with the
        family's repository tokens, or else each under a `<comment> path: a/b.py` line in
        the comment syntax of `comment_prefix` or, by default, of the current file's
        extension. A prefix-only template ignores `suffix`.
        """
        if self.repo is not None and (snippets or repo_name or path):
            return self._render_with_repo_tokens(
                self.repo, prefix, suffix, snippets, repo_name, path
            )
        context = _labelled_context(snippets, repo_name, path, _comment_for(path, comment_prefix))
        return self._fill(context + prefix, suffix)

    def _fill(self, prefix: str, suffix: str) -> str:
        if self.fim_prefix is None or self.fim_suffix is None:
            return prefix
        middle = self.fim_middle or ""
        if self.is_suffix_first:
            return f"{self.fim_suffix}{suffix}{self.fim_prefix}{prefix}{middle}"
        return f"{self.fim_prefix}{prefix}{self.fim_suffix}{suffix}{middle}"

    def _render_with_repo_tokens(
        self,
        repo: RepoTokens,
        prefix: str,
        suffix: str,
        snippets: Sequence[Snippet],
        repo_name: str,
        path: str,
    ) -> str:
        parts = [f"{repo.repo_name}{repo_name}{repo.entry_end}"] if repo_name else []
        for snippet in snippets:
            text = _ending_with_line_break(snippet.text) if repo.entry_end else snippet.text
            parts.append(f"{repo.file_sep}{snippet.path}\n{text}")
        current = f"{path}\n" if path else ""
        if repo.is_path_inside_fim and self.is_fim:
            parts.append(repo.file_sep)
            return "".join(parts) + self._fill(current + prefix, suffix)
        parts.append(f"{repo.file_sep}{current}")
        return "".join(parts) + self._fill(prefix, suffix)


PREFIX_ONLY = Template(name="prefix-only", stop=("<|endoftext|>", "<|im_end|>"))

_STARCODER_STOP = (
    "<|endoftext|>",
    "<fim_prefix>",
    "<fim_suffix>",
    "<fim_middle>",
    "<file_sep>",
    "<repo_name>",
    "<filename>",
    "<reponame>",
)

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            name="starcoder",
            fim_prefix="<fim_prefix>",
            fim_suffix="<fim_suffix>",
            fim_middle="<fim_middle>",
            stop=_STARCODER_STOP,
            repo=RepoTokens(
                repo_name="<repo_name>", file_sep="<file_sep>", is_path_inside_fim=True
            ),
        ),
        Template(
            name="santacoder",
            fim_prefix="<fim-prefix>",
            fim_suffix="<fim-suffix>",
            fim_middle="<fim-middle>",
            stop=("<|endoftext|>", "<fim-prefix>", "<fim-suffix>", "<fim-middle>"),
        ),
        Template(
            name="codellama",
            fim_prefix="<PRE> ",
            fim_suffix=" <SUF>",
            fim_middle=" <MID>",
            stop=("<EOT>", "<PRE>", "<SUF>", "<MID>"),
        ),
        Template(
            name="deepseek-coder",
            fim_prefix="<｜fim▁begin｜>",
            fim_suffix="<｜fim▁hole｜>",
            fim_middle="<｜fim▁end｜>",
            stop=(
                "<｜fim▁begin｜>",
                "<｜fim▁hole｜>",
                "<｜fim▁end｜>",
                "<｜end▁of▁sentence｜>",
                "<|EOT|>",
            ),
        ),
        Template(
            name="qwen2.5-coder",
            fim_prefix="<|fim_prefix|>",
            fim_suffix="<|fim_suffix|>",
            fim_middle="<|fim_middle|>",
            stop=(
                "<|endoftext|>",
                "<|fim_prefix|>",
                "<|fim_middle|>",
                "<|fim_suffix|>",
                "<|fim_pad|>",
                "<|repo_name|>",
                "<|file_sep|>",
                "<|im_start|>",
                "<|im_end|>",
            ),
            repo=RepoTokens(repo_name="<|repo_name|>", file_sep="<|file_sep|>", entry_end="\n"),
        ),
        Template(
            name="codestral",
            fim_prefix="[PREFIX]",
            fim_suffix="[SUFFIX]",
            stop=("[PREFIX]", "[SUFFIX]", "</s>"),
            is_suffix_first=True,
        ),
        Template(
            name="codegemma",
            fim_prefix="<|fim_prefix|>",
            fim_suffix="<|fim_suffix|>",
            fim_middle="<|fim_middle|>",
            stop=("<|file_separator|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
        ),
        PREFIX_ONLY,
    )
}

# Substrings of a lower-cased model name, all of which must occur, and the template they
# select; the first match wins, so specific families come before general ones.
_INFERENCE_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("santacoder",), "santacoder"),
    (("starcoder",), "starcoder"),
    (("stable-code",), "starcoder"),
    (("codellama",), "codellama"),
    (("code-llama",), "codellama"),
    (("code_llama",), "codellama"),
    (("deepseek", "coder"), "deepseek-coder"),
    (("qwen", "coder"), "qwen2.5-coder"),
    (("codestral",), "codestral"),
    (("codegemma",), "codegemma"),
)


def get_template(name: str) -> Template:
    """The template called `name` (case-insensitive); a `SettingsError` names the valid ones."""
    template = TEMPLATES.get(name.strip().lower())
    if template is None:
        valid = ", ".join(TEMPLATES)
        raise SettingsError("model.template", f"unknown template {name!r}; use one of {valid}")
    return template


def infer_template(model_name: str) -> Template:
    """The template for a model, guessed from its name; prefix-only when nothing matches.

    SmolLM2 and other general models have no FIM tokens, so they get prefix-only.
    """
    lowered = model_name.lower()
    for needles, template_name in _INFERENCE_RULES:
        if all(needle in lowered for needle in needles):
            return TEMPLATES[template_name]
    return PREFIX_ONLY


# Line-comment syntax by file extension, as (opening, closing); "#" when unknown.
_COMMENTS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (".py", ".pyi", ".rb", ".sh", ".bash", ".zsh", ".toml", ".yaml", ".yml", ".r", ".pl"),
        ("#", ""),
    ),
    **dict.fromkeys(
        (
            *(".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".rs", ".java", ".kt"),
            *(".swift", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".cs", ".scala"),
            *(".php", ".dart"),
        ),
        ("//", ""),
    ),
    **dict.fromkeys((".lua", ".sql", ".hs", ".elm"), ("--", "")),
    **dict.fromkeys((".lisp", ".clj", ".el", ".scm"), (";", "")),
    **dict.fromkeys((".html", ".xml", ".vue", ".svelte", ".md"), ("<!--", " -->")),
    ".css": ("/*", " */"),
}


def _comment_for(path: str, comment_prefix: str | None) -> tuple[str, str]:
    if comment_prefix is not None:
        return comment_prefix, ""
    return _COMMENTS.get(PurePosixPath(path).suffix.lower(), ("#", ""))


def _labelled_context(
    snippets: Sequence[Snippet], repo_name: str, path: str, comment: tuple[str, str]
) -> str:
    """Context as comments, for templates without repository tokens; "" when there is none."""
    opening, closing = comment
    parts = [f"{opening} repo: {repo_name}{closing}\n"] if repo_name else []
    for snippet in snippets:
        parts.append(f"{opening} path: {snippet.path}{closing}\n")
        parts.append(_ending_with_line_break(snippet.text) + "\n")
    if path:
        parts.append(f"{opening} path: {path}{closing}\n")
    return "".join(parts)


def _ending_with_line_break(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
