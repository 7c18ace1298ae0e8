"""The examples in the docstrings and in the package README run and give what they show."""

import doctest
import pathlib
import re
import sys
import types

import diffsnn
import diffsnn.distributed

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def docstrings():
    """Every docstring of the package's modules, classes, functions and methods."""
    seen = set()
    for module in (diffsnn, diffsnn._native, diffsnn.distributed, diffsnn._spikes):
        yield module.__name__, module.__doc__
        for name in dir(module):
            obj = getattr(module, name)
            if id(obj) in seen or name.startswith("__"):
                continue
            seen.add(id(obj))
            yield f"{module.__name__}.{name}", getattr(obj, "__doc__", None)
            if isinstance(obj, type):
                for attr, member in vars(obj).items():
                    doc = getattr(member, "__doc__", None)
                    if not attr.startswith("__"):
                        yield f"{module.__name__}.{name}.{attr}", doc


def test_docstring_examples():
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = 0
    for name, doc in docstrings():
        if not doc or ">>>" not in doc:
            continue
        test = parser.get_doctest(doc, {}, name, None, 0)
        examples += len(test.examples)
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0
    assert examples >= 30  # every public class and function has one


def test_readme_example_runs(tmp_path, monkeypatch):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)  # the first run
    assert "simulate" in code and "fit(" in code and "matplotlib" in code
    try:
        import matplotlib  # noqa: F401
        matplotlib.use("Agg")
    except ImportError:  # plotting stays out of the package: record what the example asks
        calls = []
        pyplot = types.ModuleType("matplotlib.pyplot")
        pyplot.__getattr__ = lambda name: (lambda *a, **k: calls.append(name))
        monkeypatch.setitem(sys.modules, "matplotlib", types.ModuleType("matplotlib"))
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, str(README), "exec"), scope)
    assert scope["result"].losses[-1] < scope["result"].losses[0]
    if "calls" in locals():
        assert "plot" in calls and "savefig" in calls


def test_type_stubs_describe_the_native_module():
    """Every public name of the native module is in _native.pyi with the same methods, and
    the stubs name nothing that does not exist."""
    import ast

    stub = ast.parse((pathlib.Path(diffsnn.__file__).parent / "_native.pyi").read_text())
    declared = {}
    for node in stub.body:
        if isinstance(node, ast.ClassDef):
            declared[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.FunctionDef):
            declared[node.name] = None
    native = diffsnn._native
    public = {n for n in dir(native) if not n.startswith("_")}
    assert public == set(declared), (public ^ set(declared))
    for name, methods in declared.items():
        obj = getattr(native, name)
        if methods is None:
            continue
        actual = {n for n in vars(obj) if not n.startswith("_")}
        if name == "NumericalError":
            continue
        assert methods - {"__init__", "__eq__"} == actual, (name, methods ^ actual)
