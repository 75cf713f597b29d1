"""What crosses between the grader and a sandboxed student process.

Results come back in a restricted format: JSON for None, bools, ints,
floats, strings, tuples, lists and dicts, and NumPy arrays and scalars as
``np.save(allow_pickle=False)`` bytes. Nothing from the student's process
is ever unpickled in the grader.

Every message (``encode``) is an 8-byte big-endian length, then a 4-byte
length of a JSON header, the header, and the arrays' bytes (their sizes
are in the header's "sizes"); ``decode`` takes the message without its
8-byte length.

This module imports only the standard library and NumPy: the sandboxed
process imports it.
"""
import io
import json
import struct

import numpy as np

_MAX_DEPTH = 64


class SerialisationError(TypeError):
    """A value that the restricted format cannot carry."""


class ProtocolError(Exception):
    """A malformed message from the sandboxed process."""


def _unsupported(value):
    return SerialisationError(
        f"the function returned an object of type {type(value).__name__}, which "
        "cannot be checked")


def encode(header, value=None):
    """A message: ``header`` (a JSON-able dict) and ``value`` (see module doc)."""
    blobs = []

    def blob(array):
        buffer = io.BytesIO()
        try:
            np.save(buffer, array, allow_pickle=False)
        except ValueError:
            raise SerialisationError(
                f"the function returned an array of dtype {array.dtype}, which cannot "
                "be checked") from None
        blobs.append(buffer.getvalue())
        return len(blobs) - 1

    def tree(v, depth):
        if depth > _MAX_DEPTH:
            raise SerialisationError("the function returned values nested too deeply "
                                     "to be checked")
        kind = type(v)
        if v is None or kind in (bool, int, float, str):
            return v
        if kind is tuple:
            return {"t": [tree(x, depth + 1) for x in v]}
        if kind is list:
            return {"l": [tree(x, depth + 1) for x in v]}
        if kind is dict:
            return {"d": [[tree(k, depth + 1), tree(x, depth + 1)] for k, x in v.items()]}
        if isinstance(v, np.ndarray):
            return {"a": blob(np.asarray(v))}
        if isinstance(v, np.generic):
            return {"s": blob(np.asarray(v))}
        raise _unsupported(v)

    header = dict(header, tree=tree(value, 0))
    header["sizes"] = [len(b) for b in blobs]
    head = json.dumps(header).encode()
    payload = struct.pack(">I", len(head)) + head + b"".join(blobs)
    return struct.pack(">Q", len(payload)) + payload


def decode(payload):
    """(header, value) of a message's payload (without its 8-byte length)."""
    try:
        (size,) = struct.unpack(">I", payload[:4])
        header = json.loads(payload[4:4 + size].decode())
        sizes = header["sizes"]
        if not isinstance(header, dict) or not all(type(s) is int and s >= 0 for s in sizes):
            raise ProtocolError("bad header")
        blobs, start = [], 4 + size
        for s in sizes:
            blobs.append(payload[start:start + s])
            start += s
        if start != len(payload):
            raise ProtocolError("sizes do not match the message")

        def array(index):
            if type(index) is not int or not 0 <= index < len(blobs):
                raise ProtocolError("bad array index")
            return np.load(io.BytesIO(blobs[index]), allow_pickle=False)

        def value(node, depth):
            if depth > _MAX_DEPTH:
                raise ProtocolError("nested too deeply")
            if node is None or type(node) in (bool, int, float, str):
                return node
            if type(node) is dict and len(node) == 1:
                ((tag, body),) = node.items()
                if tag in ("t", "l", "d") and type(body) is not list:
                    raise ProtocolError("bad container")
                if tag == "t":
                    return tuple(value(x, depth + 1) for x in body)
                if tag == "l":
                    return [value(x, depth + 1) for x in body]
                if tag == "d":
                    if not all(type(p) is list and len(p) == 2 for p in body):
                        raise ProtocolError("bad dict")
                    return {value(k, depth + 1): value(x, depth + 1) for k, x in body}
                if tag == "a":
                    return array(body)
                if tag == "s":
                    scalar = array(body)
                    if scalar.ndim != 0:
                        raise ProtocolError("bad scalar")
                    return scalar[()]
            raise ProtocolError("unknown node")

        return header, value(header.pop("tree"), 0)
    except ProtocolError:
        raise
    except Exception as error:  # noqa: BLE001 (anything malformed)
        raise ProtocolError(f"malformed message: {type(error).__name__}: {error}") from None
