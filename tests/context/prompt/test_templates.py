"""The template registry (context/templates.py): exact prompts for every template."""

from __future__ import annotations

import pytest

from context.errors import SettingsError
from context.prompt.templates import TEMPLATES, get_template, infer_template
from context.snippet import Snippet

PREFIX = "def add(a, b):\n    "
SUFFIX = "\n\nprint(add(1, 2))\n"
SNIPPETS = (
    Snippet(source="definition", path="pkg/ops.py", start_line=0, end_line=1, text="X = 1\n"),
    Snippet(source="similar", path="pkg/more.py", start_line=4, end_line=4, text="Y = 2"),
)

# (template, snippets, repo name, path, expected prompt)
RENDER_CASES = [
    ("starcoder", (), "", "", f"<fim_prefix>{PREFIX}<fim_suffix>{SUFFIX}<fim_middle>"),
    (
        "starcoder",
        SNIPPETS,
        "demo",
        "app/main.py",
        "<repo_name>demo<file_sep>pkg/ops.py\nX = 1\n<file_sep>pkg/more.py\nY = 2"
        f"<file_sep><fim_prefix>app/main.py\n{PREFIX}<fim_suffix>{SUFFIX}<fim_middle>",
    ),
    (
        "starcoder",
        SNIPPETS[:1],
        "",
        "",
        "<file_sep>pkg/ops.py\nX = 1\n"
        f"<file_sep><fim_prefix>{PREFIX}<fim_suffix>{SUFFIX}<fim_middle>",
    ),
    ("santacoder", (), "", "", f"<fim-prefix>{PREFIX}<fim-suffix>{SUFFIX}<fim-middle>"),
    ("codellama", (), "", "", f"<PRE> {PREFIX} <SUF>{SUFFIX} <MID>"),
    (
        "codellama",
        SNIPPETS,
        "",
        "app/main.py",
        "<PRE> # path: pkg/ops.py\nX = 1\n\n# path: pkg/more.py\nY = 2\n\n# path: app/main.py\n"
        f"{PREFIX} <SUF>{SUFFIX} <MID>",
    ),
    ("deepseek-coder", (), "", "", f"<｜fim▁begin｜>{PREFIX}<｜fim▁hole｜>{SUFFIX}<｜fim▁end｜>"),
    ("qwen2.5-coder", (), "", "", f"<|fim_prefix|>{PREFIX}<|fim_suffix|>{SUFFIX}<|fim_middle|>"),
    (
        "qwen2.5-coder",
        SNIPPETS,
        "demo",
        "app/main.py",
        "<|repo_name|>demo\n<|file_sep|>pkg/ops.py\nX = 1\n<|file_sep|>pkg/more.py\nY = 2\n"
        f"<|file_sep|>app/main.py\n<|fim_prefix|>{PREFIX}<|fim_suffix|>{SUFFIX}<|fim_middle|>",
    ),
    ("codestral", (), "", "", f"[SUFFIX]{SUFFIX}[PREFIX]{PREFIX}"),
    (
        "codestral",
        SNIPPETS[1:],
        "",
        "app/main.py",
        f"[SUFFIX]{SUFFIX}[PREFIX]# path: pkg/more.py\nY = 2\n\n# path: app/main.py\n{PREFIX}",
    ),
    ("codegemma", (), "", "", f"<|fim_prefix|>{PREFIX}<|fim_suffix|>{SUFFIX}<|fim_middle|>"),
    ("prefix-only", (), "", "", PREFIX),
    (
        "prefix-only",
        SNIPPETS[:1],
        "demo",
        "app/main.py",
        f"# repo: demo\n# path: pkg/ops.py\nX = 1\n\n# path: app/main.py\n{PREFIX}",
    ),
]


@pytest.mark.parametrize(("name", "snippets", "repo_name", "path", "expected"), RENDER_CASES)
def test_render(
    name: str, snippets: tuple[Snippet, ...], repo_name: str, path: str, expected: str
) -> None:
    rendered = get_template(name).render(
        PREFIX, SUFFIX, snippets=snippets, repo_name=repo_name, path=path
    )
    assert rendered == expected


def test_every_template_has_a_render_case() -> None:
    assert {case[0] for case in RENDER_CASES} == set(TEMPLATES)


@pytest.mark.parametrize(
    ("path", "comment_prefix", "label"),
    [
        ("src/main.rs", None, "// path: src/main.rs\n"),
        ("web/site.css", None, "/* path: web/site.css */\n"),
        ("page.html", None, "<!-- path: page.html -->\n"),
        ("query.sql", None, "-- path: query.sql\n"),
        ("Makefile", None, "# path: Makefile\n"),
        ("main.zig", "//", "// path: main.zig\n"),
    ],
)
def test_path_label_uses_the_file_comment_syntax(
    path: str, comment_prefix: str | None, label: str
) -> None:
    rendered = get_template("prefix-only").render("x", "", path=path, comment_prefix=comment_prefix)
    assert rendered == label + "x"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_are_fim_exactly_when_they_have_fim_tokens(name: str) -> None:
    template = TEMPLATES[name]
    assert template.is_fim == (name != "prefix-only")
    assert template.name == name
    assert template.stop
    if template.fim_prefix is not None:
        # A model that starts a new hole has finished this one.
        assert template.fim_prefix.strip() in template.stop


@pytest.mark.parametrize(
    ("model_name", "template_name"),
    [
        ("bigcode/starcoder2-3b", "starcoder"),
        ("starcoder2:7b", "starcoder"),
        ("bigcode/santacoder", "santacoder"),
        ("codellama:7b-code", "codellama"),
        ("TheBloke/CodeLlama-13B-GGUF", "codellama"),
        ("deepseek-coder:6.7b-base", "deepseek-coder"),
        ("deepseek-ai/DeepSeek-Coder-V2-Lite-Base", "deepseek-coder"),
        ("qwen2.5-coder:1.5b-base", "qwen2.5-coder"),
        ("Qwen/Qwen2.5-Coder-7B", "qwen2.5-coder"),
        ("codestral-latest", "codestral"),
        ("codegemma:2b-code", "codegemma"),
        ("SmolLM2-135M-Instruct", "prefix-only"),
        ("llama3.1:8b", "prefix-only"),
        ("qwen2.5:7b", "prefix-only"),
        ("", "prefix-only"),
    ],
)
def test_infer_template(model_name: str, template_name: str) -> None:
    assert infer_template(model_name).name == template_name


def test_get_template_is_case_insensitive() -> None:
    assert get_template("Qwen2.5-Coder").name == "qwen2.5-coder"


def test_unknown_template_names_the_setting_and_the_valid_ones() -> None:
    with pytest.raises(SettingsError) as caught:
        get_template("gpt-fim")
    assert caught.value.key == "model.template"
    message = str(caught.value)
    assert message.startswith("model.template: unknown template 'gpt-fim'; use one of ")
    assert all(name in message for name in TEMPLATES)
