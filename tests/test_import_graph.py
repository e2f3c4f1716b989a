"""Domains depend downward only: a lower domain never imports a higher one, not even inside a
function (it sends a signal from app/signals.py instead; app/subscriptions.py connects the
higher domain). Every module under app/ is read with `ast`, so nothing is imported to check."""

import ast
from pathlib import Path

from app import create_app, signals
from app.subscriptions import SUBSCRIPTIONS
from config import TestingConfig

APP = Path(__file__).resolve().parent.parent / "app"
TOP = 99
# core (app/*.py) ← auth, audit, notifications ← accounts ← escalations ← sponsorship,
# knowledge, reports ← touchpoints ← exports.
# A new package under app/ must be given its place here.
ORDER = {
    "core": 0,
    "auth": 1,
    "audit": 1,
    "notifications": 1,
    "main": 1,  # home redirect and /healthz: needs only the core
    "accounts": 2,
    "escalations": 3,
    "sponsorship": 4,
    "knowledge": 4,  # notes written from post-mortems; suggested on escalations
    "reports": 4,  # aggregates accounts and escalations
    "touchpoints": 5,
    "exports": 6,  # exports every list above it
    "scheduler": TOP,  # a runner: calls every domain's jobs
    "demo": TOP,  # demo data may use every domain
    "top": TOP,  # app/__init__.py (the factory), app/subscriptions.py (the wiring)
}
TOP_MODULES = {"app", "app.subscriptions"}


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def domain(module: str) -> str:
    """The domain of a module under app/: its package, "core" for app/*.py, "top" for the
    factory and the wiring."""
    if module in TOP_MODULES:
        return "top"
    parts = module.split(".")
    if (APP / parts[1]).is_dir():
        return parts[1]
    return "core"


def is_module(module: str) -> bool:
    relative = Path(*module.split(".")[1:]) if "." in module else Path()
    return (APP / relative).with_suffix(".py").is_file() or (APP / relative).is_dir()


def imported_modules(path: Path, module: str):
    """(line, module under app/) for every import in the file, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "app" or alias.name.startswith("app."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != "app" and not target.startswith("app."):
                continue
            for alias in node.names:  # `from app.x import y`: y may be a module itself
                candidate = f"{target}.{alias.name}"
                yield node.lineno, candidate if is_module(candidate) else target


def app_modules():
    for path in sorted(APP.rglob("*.py")):
        yield path, module_name(path)


def test_every_package_under_app_has_a_place_in_the_order():
    packages = {path.relative_to(APP).parts[0] for path, _ in app_modules() if path.parent != APP}
    unknown = sorted(packages - ORDER.keys())
    assert not unknown, f"new package(s) under app/ without a place in ORDER: {unknown}"


def test_no_domain_imports_a_domain_above_it():
    wrong = []
    for path, module in app_modules():
        here = domain(module)
        assert here in ORDER, f"{module}: package {here!r} has no place in ORDER; give it one"
        for line, target in dict.fromkeys(imported_modules(path, module)):
            there = domain(target)
            assert there in ORDER, f"{path}:{line} imports {target}: {there!r} is not in ORDER"
            if ORDER[there] > ORDER[here]:
                wrong.append(
                    f"{path.relative_to(APP.parent)}:{line}: {here} imports {target} ({there}, "
                    "a domain above it): send a signal (app/signals.py) and subscribe "
                    "in app/subscriptions.py instead"
                )
    assert not wrong, "\n".join(wrong)


def test_the_check_reads_imports_inside_functions_and_relative_ones(tmp_path):
    source = tmp_path / "services.py"
    source.write_text(
        "from . import models\n"
        "def f():\n"
        "    from app.sponsorship.services import auto_nominate\n"
        "    import app.escalations.models\n"
    )
    found = list(imported_modules(source, "app.accounts.services"))
    assert found == [
        (1, "app.accounts.models"),
        (3, "app.sponsorship.services"),
        (4, "app.escalations.models"),
    ]
    assert [domain(m) for _, m in found] == ["accounts", "sponsorship", "escalations"]
    assert domain("app.formatting") == "core" and domain("app") == "top"


def test_subscriptions_are_connected_once_however_many_apps_are_made(app):
    create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    for signal, receiver in SUBSCRIPTIONS:
        assert list(signal.receivers.values()).count(receiver) == 1, receiver
    pages = [s for s, _receiver in SUBSCRIPTIONS if s is signals.account_page_sections]
    assert len(signals.account_page_sections.receivers) == len(pages)
