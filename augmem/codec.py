"""Records to JSON and back, driven by their type hints (stdlib only).

The daemon's socket carries the contract's arguments and results (`augmem.contract`)
through these two functions, so a field added to a record travels without anyone
writing a `to_dict` / `from_dict` pair, and a value of the wrong shape fails loudly
instead of being guessed at.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any, Union, get_args, get_origin, get_type_hints


class CodecError(ValueError):
    """A JSON value does not have the shape its type asks for."""


def dumps(value: Any) -> str:
    """A record as compact JSON text (non-ASCII kept)."""
    return json.dumps(to_json(value), ensure_ascii=False, separators=(",", ":"))


def loads(tp: Any, text: str, where: str = "value") -> Any:
    """JSON text as an instance of `tp` ("" reads as an empty object)."""
    try:
        data = json.loads(text or "{}")
    except ValueError as exc:
        raise CodecError(f"{where}: not JSON ({exc})") from exc
    return from_json(tp, data, where)


def to_json(value: Any) -> Any:
    """A JSON-able copy of `value`: records become objects, tuples lists, paths strings."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # NamedTuple: an object, by field
        return {k: to_json(v) for k, v in zip(value._fields, value, strict=True)}
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    raise CodecError(f"cannot encode a {type(value).__name__} as JSON")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def from_json(tp: Any, data: Any, where: str = "value") -> Any:
    """`data` (parsed JSON) as an instance of type `tp`; CodecError names the bad field."""
    if tp is Any or tp is object:
        return data
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return from_json(get_args(tp)[0], data, where)
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return from_json(option, data, where)
            except CodecError as exc:
                errors.append(str(exc))
        raise CodecError("; ".join(errors) or f"{where}: no type matches")
    if tp is type(None):
        if data is not None:
            raise CodecError(f"{where}: expected null")
        return None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _record(tp, data, where)
    if isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields"):
        hints = _hints(tp)
        if isinstance(data, Mapping):
            missing = [k for k in tp._fields if k not in data and k not in getattr(tp, "_field_defaults", {})]
            if missing:
                raise CodecError(f"{where}: {tp.__name__} needs {missing[0]!r}")
            return tp(**{k: from_json(hints[k], data[k], f"{where}.{k}") for k in tp._fields if k in data})
        if not isinstance(data, list) or len(data) > len(tp._fields):
            raise CodecError(f"{where}: expected an object or a list for {tp.__name__}")
        return tp(*(from_json(hints[k], v, f"{where}.{k}") for k, v in zip(tp._fields, data, strict=False)))
    if origin in (list, Sequence, set, frozenset) or tp in (list, set, frozenset):
        if not isinstance(data, list):
            raise CodecError(f"{where}: expected a list, got {type(data).__name__}")
        (item,) = get_args(tp) or (Any,)
        items = [from_json(item, v, f"{where}[{i}]") for i, v in enumerate(data)]
        return items if origin in (list, Sequence) or tp is list else (origin or tp)(items)
    if origin is tuple:
        if not isinstance(data, list):
            raise CodecError(f"{where}: expected a list, got {type(data).__name__}")
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
        if len(args) != len(data):
            raise CodecError(f"{where}: expected {len(args)} items, got {len(data)}")
        return tuple(from_json(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, data, strict=True)))
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(data, Mapping):
            raise CodecError(f"{where}: expected an object, got {type(data).__name__}")
        key_t, val_t = get_args(tp) or (str, Any)
        return {
            from_json(key_t, int(k) if key_t is int else k, f"{where} key"): from_json(val_t, v, f"{where}.{k}")
            for k, v in data.items()
        }
    return _scalar(tp, data, where)


def _record(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise CodecError(f"{where}: expected an object for {cls.__name__}, got {type(data).__name__}")
    hints = _hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    unknown = sorted(set(data) - {f.name for f in fields})
    if unknown:
        raise CodecError(f"{where}: {cls.__name__} has no field {unknown[0]!r}")
    missing = [
        f.name
        for f in fields
        if f.name not in data and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise CodecError(f"{where}: {cls.__name__} needs {missing[0]!r}")
    return cls(**{k: from_json(hints[k], v, f"{where}.{k}") for k, v in data.items()})


def _scalar(tp: Any, data: Any, where: str) -> Any:
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise CodecError(f"{where}: expected a number, got {data!r}")
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise CodecError(f"{where}: expected a whole number, got {data!r}")
        return data
    if tp is bool:
        if not isinstance(data, bool):
            raise CodecError(f"{where}: expected true or false, got {data!r}")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise CodecError(f"{where}: expected a string, got {data!r}")
        return data
    raise CodecError(f"{where}: cannot decode type {tp!r}")
