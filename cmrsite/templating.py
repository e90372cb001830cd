"""The Jinja environment: autoescaping, strict undefined values, the filters templates use,
and the shortcuts that make rendering ten thousand pages cheap (each tested against plain
Jinja and markupsafe in tests/test_render_internals.py)."""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, MutableMapping
from datetime import date
from pathlib import Path
from typing import Any, cast

import jinja2
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import markupsafe
from markupsafe import Markup, escape

from . import assets, structured, template_cache, urls
from .dates import format_day, format_month_year, format_range_parts
from .errors import Problem
from .model import DateRange


def _escape_output(value: Any) -> str:
    """What `{{ value }}` writes: markupsafe's `escape`, but plain text stays plain text (a
    page is one string in the end: no Markup is made for each value written)."""
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is Markup:
        return cast(str, value)
    if kind is int:
        return int.__repr__(value)
    return escape(value)


def _escape_replacing(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _escape_replacing)
"""markupsafe's own escaping of text (its C version, when built), which `escape` wraps in a
Markup; the same replacements in Python if a markupsafe does not have it."""


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's compiler, writing `{{ value }}` through `_escape_output`."""

    def _output_child_pre(
        self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame, finalize: Any
    ) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_output(")
        if finalize.src is not None:
            self.write(finalize.src)


class _Context(jinja2.runtime.Context):
    """Jinja's context, with a shorter way to what templates call most. Jinja's `call`
    inspects each callable for what it wants passed, which costs more than most calls: `url`
    and `asset` take the context, macros and methods of built-in types (`str.startswith`)
    take nothing but their arguments."""

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if __obj is _url or __obj is getattr(__self.environment, "asset_function", None):
            if not any(kwargs.values()) and kwargs.keys() <= _SCOPE_ARGUMENTS:
                return __obj(__self, *args)
        elif type(__obj) in _TAKE_NO_CONTEXT:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(_STOPPED)
        return super().call(__obj, *args, **kwargs)


_SCOPE_ARGUMENTS = frozenset({"_block_vars", "_loop_vars"})
"""What compiled templates pass to `call` besides the arguments: the variables set in the
block or loop, for functions that take the context (none of them: the context as it is)."""

_TAKE_NO_CONTEXT = frozenset({types.BuiltinMethodType, jinja2.runtime.Macro})

_STOPPED = "value was undefined because a callable raised a StopIteration exception"
"""Jinja's own words for it."""


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    context_class = _Context
    escape_output = staticmethod(_escape_output)
    asset_function: Callable[..., str] | None = None

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as a plain dict, not Jinja's ChainMap: every render copies them
        into its context, and a ChainMap is copied key by key in Python. (All globals are set
        before the first template is loaded.)"""
        return {**self.globals, **(d or {})}


def make_environment(templates_dir: Path, language: str) -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment serves one build (and the dev server's rebuilds after edits of
        # content/ only; any other edit makes a new one): no template changes meanwhile, so
        # no file is checked again on each render, and every template stays in a plain dict.
        auto_reload=False,
        cache_size=-1,
        bytecode_cache=template_cache.bytecode_cache(),
    )
    env.filters["time_range"] = lambda dates: time_range(dates, language)
    env.filters["day"] = lambda day: format_day(day, language)
    env.filters["month_year"] = lambda day: format_month_year(day, language)
    env.filters["place"] = structured.place_name
    env.filters["status_badge"] = _macro_filter(env, "_macros.html", "status_badge")
    env.globals["url"] = _url
    env.globals["asset"] = env.asset_function = _asset_function(
        assets.manifest(templates_dir / "static")
    )
    return env


def _macro_filter(env: jinja2.Environment, template: str, name: str) -> Callable[[Any], Markup]:
    """A macro of one argument as a filter, written once per value (`{{ status | status_badge }}`
    for `status_badge(status)`: once per status, not once per page). Imported without context,
    as `{% from template import name %}` would be, the macro sees its argument, the filters and
    the globals, nothing of a page: its text depends on the value alone."""
    written: dict[Any, Markup] = {}

    def write(value: Any) -> Markup:
        found = written.get(value)
        if found is None:
            macro = getattr(env.get_template(template).module, name, None)
            if macro is None:
                raise jinja2.TemplateRuntimeError(f"{template} has no macro `{name}`")
            found = written[value] = macro(value)
        return found

    return write


@jinja2.pass_context
def _url(context: jinja2.runtime.Context, path: str) -> str:
    """A link to a site path from the page being rendered (`page.path` in the context)."""
    page = context["page"]
    if page.absolute_links:
        return str(page.root) + path
    return urls.relative(page.path, path)


def _asset_function(names: assets.Manifest) -> Any:
    @jinja2.pass_context
    def asset(context: jinja2.runtime.Context, name: str) -> str:
        """A link to a file of `templates/static/` under its published (hashed) name."""
        if name not in names:
            raise jinja2.TemplateRuntimeError(f"asset `{name}` is not a file of templates/static/")
        return str(_url(context, names[name]))

    return asset


@functools.cache
def time_range(dates: DateRange, language: str) -> Markup:
    """`<time datetime="2023-11-21">21</time>–<time datetime="2023-11-23">23 November 2023</time>`.

    Remembered: an edition's dates are shown on its page and in the archive."""
    first, separator, second = format_range_parts(dates, language)
    end = _time(dates.end, second)
    if not first:
        return Markup(end)
    return Markup(_time(dates.start, first) + _escape_text(separator) + end)


def _time(day: date, text: str) -> str:
    # Plain text, made Markup once whole (Markup + str would escape the str). An ISO date is
    # digits and dashes: only the text needs escaping.
    return f'<time datetime="{day.isoformat()}">{_escape_text(text)}</time>'


def template_problem(error: Exception, templates_dir: Path, label_root: Path) -> Problem:
    """Turn a Jinja error into a Problem naming the template file and line."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        name = error.filename or error.name or "?"
        return Problem(_label(name, label_root), error.lineno, 0, f"template: {error.message}")
    message = f"template: {error}"
    if isinstance(error, jinja2.TemplateNotFound):
        message = f"template not found: {error}"
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    import traceback  # loaded only by a template error

    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.startswith(str(templates_dir)):
            return Problem(
                _label(frame.filename, label_root),
                frame.lineno or 0,
                0,
                message,
                _template_hint(error),
            )
    return Problem(_label(str(templates_dir), label_root), 0, 0, message)


def _template_hint(error: Exception) -> str:
    if isinstance(error, jinja2.UndefinedError):
        return "the template uses a value the page does not have: check its spelling"
    return ""


def _label(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


class TemplateCrashError(jinja2.TemplateRuntimeError):
    """A template made Python fail (`1 / 0`, a filter given the wrong kind of value)."""


def render(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateError:
        raise
    except Exception as error:
        # Reported like any template error, with the template's file and line, not as a
        # traceback: the original traceback, whose frames name the template, is kept.
        crash = TemplateCrashError(f"{type(error).__name__}: {error}")
        raise crash.with_traceback(error.__traceback__) from error
