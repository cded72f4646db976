"""One Python file from a demo's modules: the code a run ran, for a learner to read and run.

The modules are read as text from DiveLab's own source (never imported here: the API process
does not import torch) and inlined in dependency order, each under a banner naming its file,
its comments kept. Their DiveLab imports are dropped (what they name is defined above them in
the same file; a module imported whole, `from core import params as common`, becomes a
namespace of the names it is used for); third-party imports are gathered at the top.
`workers.context` is replaced by `workers.standalone`, the job context of a script.
"""

import ast
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

OWN_PACKAGES = ("core", "workers")
LINE_LENGTH = 100
STAND_INS = {"workers.context": "workers.standalone"}


class BundleError(Exception):
    """The modules cannot share one file (two of them define the same name differently)."""


@dataclass
class Module:
    name: str
    path: Path
    source: str
    tree: ast.Module
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)


def source_path(module: str) -> Path:
    """A module's file in DiveLab's source, found without importing it."""
    top, *rest = module.split(".")
    package = Path(importlib.import_module(top).__file__ or "").parent  # torch-free packages
    base = package.joinpath(*rest)
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def is_own(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in OWN_PACKAGES


def is_module(name: str) -> bool:
    return is_own(name) and source_path(name).exists()


def load(name: str) -> Module:
    path = source_path(name)
    source = path.read_text()
    tree = ast.parse(source)
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    return Module(name, path, source, tree, imports)


def dependencies(module: Module) -> list[str]:
    """The DiveLab modules a module imports: where it imports modules from a package
    (`from core import params`), those modules, not the package."""
    found = []
    for node in module.imports:
        if isinstance(node, ast.ImportFrom) and is_own(node.module):
            assert node.module is not None
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            modules = [name for name in submodules if is_module(name)]
            if len(modules) < len(submodules):
                found.append(STAND_INS.get(node.module, node.module))
            found.extend(modules)
        elif isinstance(node, ast.Import) and any(is_own(a.name) for a in node.names):
            raise BundleError(f"{module.name}: write `from ... import`, not `import`")
    return found


@cache  # DiveLab's source does not change while it runs: each export reads it once
def ordered(root: str) -> tuple[Module, ...]:
    """`root` and every DiveLab module it needs, each after the modules it imports."""
    done: dict[str, Module] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return
        visiting.add(name)
        module = load(name)
        for dependency in dependencies(module):
            visit(dependency)
        done[name] = module

    visit(root)
    return tuple(done.values())


@dataclass
class Imports:
    """Import statements, written as ruff's isort writes them: the standard library, then
    the rest; in each `import x` first, then `from x import a, B` with the names merged."""

    modules: set[tuple[str, str | None]] = field(default_factory=set)
    names: dict[str, set[tuple[str, str | None]]] = field(default_factory=dict)

    def add(self, module: str, alias: str | None = None) -> None:
        self.modules.add((module, alias))

    def add_from(self, module: str, name: str, alias: str | None = None) -> None:
        self.names.setdefault(module, set()).add((name, alias))

    def block(self) -> str:
        sections = []
        for stdlib in (True, False):
            lines = [
                f"import {module}" + (f" as {alias}" if alias else "")
                for module, alias in sorted(self.modules)
                if is_stdlib(module) == stdlib
            ]
            lines += [
                from_statement(module, self.names[module])
                for module in sorted(self.names)
                if is_stdlib(module) == stdlib
            ]
            if lines:
                sections.append("\n".join(lines))
        return "\n\n".join(sections)


def other_imports(modules: Sequence[Module]) -> Imports:
    """The imports of all modules but their DiveLab ones."""
    imports = Imports()
    for module in modules:
        for node in module.imports:
            if isinstance(node, ast.ImportFrom) and not is_own(node.module):
                for alias in node.names:
                    imports.add_from(node.module or "", alias.name, alias.asname)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    imports.add(alias.name, alias.asname)
    return imports


def is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names


def from_statement(module: str, names: set[tuple[str, str | None]]) -> str:
    def by_type(item: tuple[str, str | None]) -> tuple[int, str]:
        name = item[0]
        kind = 0 if name.isupper() and len(name) > 1 else 1 if name[0].isupper() else 2
        return kind, name

    written = [
        name + (f" as {alias}" if alias else "") for name, alias in sorted(names, key=by_type)
    ]
    line = f"from {module} import {', '.join(written)}"
    if len(line) <= LINE_LENGTH:
        return line
    return f"from {module} import (\n" + "".join(f"    {w},\n" for w in written) + ")"


def bindings(module: Module) -> list[str]:
    """Lines that make the names a module imported from DiveLab mean what they meant."""
    lines = []
    for node in module.imports:
        if not (isinstance(node, ast.ImportFrom) and is_own(node.module)):
            continue
        for alias in node.names:
            submodule = f"{node.module}.{alias.name}"
            local = alias.asname or alias.name
            if is_module(submodule):
                members = "".join(
                    f"    {n}={n},\n" for n in sorted(attributes_of(module.tree, local))
                )
                lines.append(f"{local} = SimpleNamespace(  # {submodule}\n{members})")
            elif alias.asname and alias.asname != alias.name:
                lines.append(f"{alias.asname} = {alias.name}")
    return lines


def attributes_of(tree: ast.Module, name: str) -> set[str]:
    """The attributes read of `name` in a module (`common.seed` -> seed)."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    }


def docstring(module: Module) -> str:
    return ast.get_docstring(module.tree) or ""


def code(module: Module) -> str:
    """The module's text without its docstring, its imports and `__all__`, with the bindings
    of the names it imported from DiveLab."""
    lines = module.source.splitlines()
    dropped: set[int] = set()
    for node in module.tree.body:
        is_docstring = (
            node is module.tree.body[0]
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        exported = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        )
        if isinstance(node, ast.Import | ast.ImportFrom) or is_docstring or exported:
            assert node.end_lineno is not None
            dropped.update(range(node.lineno - 1, node.end_lineno))
    kept = [line for i, line in enumerate(lines) if i not in dropped]
    text = "\n".join(kept).strip("\n")
    return "\n\n".join(part for part in ("\n".join(bindings(module)), text) if part)


def top_level_definitions(module: Module) -> dict[str, str]:
    """Each name a module defines at its top level, with the statement's text."""
    defined: dict[str, str] = {}
    for node in module.tree.body:
        names: list[str] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        for name in names:
            defined[name] = ast.get_source_segment(module.source, node) or ""
    return defined


def check_names(modules: Sequence[Module]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for module in modules:
        for name, text in top_level_definitions(module).items():
            if name == "__all__":
                continue
            if name in seen and seen[name][1] != text:
                clashes.append(f"{name} ({seen[name][0]} and {module.name})")
            seen.setdefault(name, (module.name, text))
    if clashes:
        raise BundleError("defined differently in two modules: " + ", ".join(clashes))


def banner(title: str) -> str:
    """A comment line across the file that names what follows."""
    start = f"# --- {title} "
    return start + "-" * (LINE_LENGTH - 1 - len(start))


def relative_path(module: Module) -> str:
    """The module's file relative to DiveLab's source root: `workers/demos/mlp/train.py`."""
    return module.name.replace(".", "/") + (
        "/__init__.py" if module.path.name == "__init__.py" else ".py"
    )


@dataclass(frozen=True)
class Section:
    """One inlined module: its file, its docstring and its code (`code`)."""

    file: str  # relative_path
    doc: str  # "" where it has none
    code: str

    @property
    def body(self) -> str:
        """The code under the docstring written as comments."""
        comment = "\n".join(f"# {line}".rstrip() for line in self.doc.splitlines())
        return "\n\n".join(part for part in (comment, self.code) if part)

    @property
    def text(self) -> str:
        """The section as `bundle` writes it: a banner naming the file, then the body."""
        return f"{banner(self.file)}\n\n{self.body}"


def sections(root: str) -> tuple[Imports, list[Section]]:
    """The imports of `root` and what it needs, and each of their modules, in order."""
    modules = ordered(root)
    check_names(modules)
    return other_imports(modules), [
        Section(relative_path(module), docstring(module), code(module)) for module in modules
    ]


def bundle(root: str) -> tuple[Imports, str]:
    """The imports and the inlined code of `root` and what it needs."""
    imports, parts = sections(root)
    return imports, "\n\n\n".join(part.text for part in parts)
