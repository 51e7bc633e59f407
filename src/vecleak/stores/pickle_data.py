"""The data in a pickle, read without unpickling it: a small stack machine over ``pickletools.genops``.

``pickle.loads`` imports and calls whatever a pickle names, so a store file written by someone
else runs their code when it is loaded. :func:`load_data` walks the opcodes with
``pickletools.genops`` (a parser: it imports and calls nothing) and builds data only: ``None``,
bools, ints, floats, ``str``, ``bytes``, lists, tuples, dicts, sets and frozensets, with the
memo (shared references) as pickle has it. The one kind of object it makes is an instance of a
class the caller allows (``classes``, e.g. qdrant-client's ``PointStruct``), made with
``STACK_GLOBAL``/``GLOBAL`` + ``NEWOBJ`` + ``BUILD``: it becomes a plain dict of the state's
``__dict__``. Any other class or function, ``REDUCE``, ``INST``/``OBJ``, extension codes,
persistent ids and out-of-band buffers are refused (a one-line :class:`StoreError`) before
anything is built from them.

A crafted pickle cannot make it use much more memory than its own size: blobs over
``max_bytes`` are refused unread, and so are cycles and containers nested deeper than
``max_depth`` (deep tuples would crash ``hash``, deep data the code that reads it).
"""

from __future__ import annotations

import pickletools
from collections.abc import Collection, Iterable
from itertools import chain
from typing import Any

from vecleak.errors import StoreError

#: Largest pickle read (bytes); one stored point is a few kB.
MAX_BYTES = 64 << 20
#: Deepest nesting of containers accepted.
MAX_DEPTH = 100

_LEAVES = (type(None), bool, int, float, str, bytes, bytearray)
_CONTAINERS = (list, tuple, dict, set, frozenset)
# opcodes whose argument (decoded by genops) is the value pushed: numbers and strings
_VALUES = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
           "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8",
           "BINBYTES", "SHORT_BINBYTES", "BINBYTES8"}
_CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False}
_PUTS = {"PUT", "BINPUT", "LONG_BINPUT"}
_GETS = {"GET", "BINGET", "LONG_BINGET"}


class _Class:
    """A class the pickle names and the caller allows: only ``NEWOBJ`` may use it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def check_size(size: int, where: str, max_bytes: int = MAX_BYTES) -> None:
    """Refuse a pickle of ``size`` bytes over ``max_bytes``, before it is read."""
    if size > max_bytes:
        raise StoreError(f"refusing to read {where}: it is {size / 2**20:.0f} MB, more than the {max_bytes >> 20} MB "
                         "a stored item may take; the store file is damaged or crafted")


def load_data(blob: bytes, where: str, *, classes: Collection[str] = (), max_bytes: int = MAX_BYTES,
              max_depth: int = MAX_DEPTH) -> Any:
    """The value pickled in ``blob``, built from data opcodes only.

    Args:
        blob: the pickle.
        where: what it is, for messages (``qdrant:DIR collection 'docs', row 7``).
        classes: ``module.QualName`` of the classes whose instances may be read (as dicts).
    """
    check_size(len(blob), where, max_bytes)
    try:
        value = _run(bytes(blob), where, frozenset(classes), max_depth)
        _check_tree(value, max_depth)
    except StoreError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as err:
        detail = one_line(f"{type(err).__name__}: {err}")
        raise StoreError(f"cannot read {where}: it is not a pickle of plain data ({detail}); the store file is "
                         "damaged or was not written by the store's own client") from err
    return value


def _refuse(where: str, what: str) -> StoreError:
    return StoreError(f"refusing to read {where}: it holds a pickled object ({one_line(what)}), not data; "
                      "vecleak never unpickles store files")


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one line, printable and short (a crafted name may hold anything)."""
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "..."


def _run(blob: bytes, where: str, classes: frozenset[str], max_depth: int) -> Any:
    stack: list[Any] = []
    metastack: list[list[Any]] = []
    memo: dict[int, Any] = {}
    made: dict[int, dict] = {}          # id -> an allowed class's instance (a dict), for BUILD
    depth: dict[int, int] = {}          # id -> nesting of a tuple/frozenset (hash recurses through them)
    keep: list[Any] = []                # everything ``made``/``depth`` name stays alive, so ids stay unique

    def pop_mark() -> list[Any]:
        nonlocal stack
        items, stack = stack, metastack.pop()
        return items

    def frozen(kind: type, items: Iterable[Any]) -> Any:
        items = tuple(items)
        level = 1 + max((depth.get(id(i), 1) for i in items if isinstance(i, (tuple, frozenset))), default=0)
        if level > max_depth:
            raise ValueError(f"tuples nested more than {max_depth} deep")
        value = items if kind is tuple else frozenset(items)
        depth[id(value)] = level
        keep.append(value)
        return value

    def target(kind: type) -> Any:
        if not stack or type(stack[-1]) is not kind:
            raise ValueError(f"adds items to a {type(stack[-1]).__name__ if stack else 'missing'} value, "
                             f"not a {kind.__name__}")
        return stack[-1]

    def setitems(d: dict, items: list[Any]) -> None:
        if len(items) % 2:
            raise ValueError("a dict with an odd number of keys and values")
        for k in range(0, len(items), 2):
            d[items[k]] = items[k + 1]

    def klass(module: Any, qualname: Any) -> _Class:
        if not isinstance(module, str) or not isinstance(qualname, str):
            raise ValueError("a global named by a non-string")
        name = f"{module}.{qualname}"
        if name not in classes:
            raise _refuse(where, name)
        return _Class(name)

    for op, arg, _pos in pickletools.genops(blob):
        name = op.name
        if name in _VALUES:
            stack.append(arg)
        elif name in _CONSTANTS:
            stack.append(_CONSTANTS[name])
        elif name == "BYTEARRAY8":
            stack.append(bytearray(arg))
        elif name in ("PROTO", "FRAME"):
            pass
        elif name == "STOP":
            break
        elif name == "MARK":
            metastack.append(stack)
            stack = []
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "EMPTY_SET":
            stack.append(set())
        elif name == "EMPTY_TUPLE":
            stack.append(frozen(tuple, ()))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            if len(stack) < n:
                raise IndexError("a tuple of missing items")
            items = stack[-n:]
            del stack[-n:]
            stack.append(frozen(tuple, items))
        elif name == "TUPLE":
            items = pop_mark()
            stack.append(frozen(tuple, items))
        elif name == "FROZENSET":
            items = pop_mark()
            stack.append(frozen(frozenset, items))
        elif name == "LIST":
            items = pop_mark()              # (first: pop_mark rebinds ``stack``)
            stack.append(items)
        elif name == "DICT":
            d: dict[Any, Any] = {}
            setitems(d, pop_mark())
            stack.append(d)
        elif name == "APPEND":
            value = stack.pop()
            target(list).append(value)
        elif name == "APPENDS":
            items = pop_mark()
            target(list).extend(items)
        elif name == "SETITEM":
            value, key = stack.pop(), stack.pop()
            target(dict)[key] = value
        elif name == "SETITEMS":
            items = pop_mark()
            setitems(target(dict), items)
        elif name == "ADDITEMS":
            items = pop_mark()
            target(set).update(items)
        elif name == "POP":
            if stack:
                stack.pop()
            else:
                pop_mark()
        elif name == "POP_MARK":
            pop_mark()
        elif name == "DUP":
            stack.append(stack[-1])
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in _PUTS:
            memo[arg] = stack[-1]
        elif name in _GETS:
            stack.append(memo[arg])
        elif name == "GLOBAL":
            module, _, qualname = arg.partition(" ")
            stack.append(klass(module, qualname))
        elif name == "STACK_GLOBAL":
            qualname, module = stack.pop(), stack.pop()
            stack.append(klass(module, qualname))
        elif name in ("NEWOBJ", "NEWOBJ_EX"):
            kwargs = stack.pop() if name == "NEWOBJ_EX" else {}
            args, cls = stack.pop(), stack.pop()
            if not isinstance(cls, _Class):
                raise ValueError(f"{name} of a {type(cls).__name__}, not a class")
            if args != () or kwargs != {}:
                raise ValueError(f"{name} of {cls.name} with arguments")
            obj: dict[str, Any] = {}
            made[id(obj)] = obj
            keep.append(obj)
            stack.append(obj)
        elif name == "BUILD":
            state = stack.pop()
            obj = stack[-1] if stack else None
            if made.get(id(obj)) is not obj:
                raise _refuse(where, f"BUILD of a {type(obj).__name__}")
            fields = state.get("__dict__") if isinstance(state, dict) else None
            if not isinstance(fields, dict):
                raise ValueError("an object whose state has no __dict__")
            obj.update(fields)
        elif name == "INST":
            raise _refuse(where, arg.replace(" ", "."))
        elif name in ("EXT1", "EXT2", "EXT4"):
            raise _refuse(where, f"extension code {arg}")
        elif name in ("PERSID", "BINPERSID"):
            raise _refuse(where, "a persistent id")
        elif name in ("NEXT_BUFFER", "READONLY_BUFFER"):
            raise _refuse(where, "an out-of-band buffer")
        else:                           # REDUCE, OBJ: calls on a class that was allowed for NEWOBJ only
            callee = next((s.name for s in reversed(stack) if isinstance(s, _Class)), "a callable")
            raise _refuse(where, f"{name} of {callee}")
    else:
        raise ValueError("the pickle ends without STOP")
    if metastack or len(stack) != 1:
        raise ValueError("the pickle leaves unfinished values")
    return stack[0]


def _check_tree(root: Any, max_depth: int) -> None:
    """Refuse anything but data in ``root``, cycles, and nesting deeper than ``max_depth``."""
    height: dict[int, int] = {}
    on_path: set[int] = set()
    todo: list[tuple[Any, bool]] = [(root, False)]
    while todo:
        obj, done = todo.pop()
        if type(obj) in _LEAVES:
            continue
        if type(obj) not in _CONTAINERS:
            raise ValueError(f"a {type(obj).__name__} where data belongs")
        key = id(obj)
        children = chain(obj.keys(), obj.values()) if type(obj) is dict else iter(obj)
        if done:
            on_path.discard(key)
            height[key] = 1 + max((height[id(c)] for c in children if type(c) in _CONTAINERS), default=0)
            if height[key] > max_depth:
                raise ValueError(f"containers nested more than {max_depth} deep")
        elif key in on_path:
            raise ValueError("a container that holds itself")
        elif key not in height:
            on_path.add(key)
            todo.append((obj, True))
            todo.extend((c, False) for c in children)
