"""vgg_int8: Python binding of libvgg_int8 (include/vgg_int8.h), the int8 VGG image classifier.

    import vgg_int8
    model = vgg_int8.Model("model.vq8")
    print(model.top_k(model.context().classify_file("cat.jpg"), 5))

Pure Python over ctypes: no compiler, no build step. numpy is used when it can be imported;
without it, inputs are bytes-like objects / array.array('f') and logits come back as
array.array('f'). With numpy, logits are float32 arrays of shape (class_count,).

The library is found, in this order (load_library() says what it tried when none loads):
  1. the path given to load_library(path) or Model(..., library=path);
  2. the file named by the environment variable VGG_INT8_LIBRARY;
  3. libvgg_int8.so.1, then libvgg_int8.so, in this module's folder;
  4. ctypes.util.find_library("vgg_int8"), then the dynamic loader's own search for
     libvgg_int8.so.1 (LD_LIBRARY_PATH, the ld.so cache).
Steps 1 and 2 are final: if the library named there does not load, that is the error (no
silent fallback to another copy). The library's ABI version must be ABI_VERSION.

Threads: a Model may be shared by any number of threads. A Context belongs to one thread at a
time: make one per thread (model.context()). The C calls release the GIL (ctypes.CDLL), so
threads with a context each classify in parallel. A second thread entering a context that is
busy gets VGGInt8Error with status VGG_ERROR_CONTEXT_BUSY, never mixed-up results.

Errors: a call that the library refuses raises VGGInt8Error (status, status_name, message: the
library's one-line vgg_last_error()). Using a closed Model or Context raises VGGInt8Error with
VGG_ERROR_INVALID_HANDLE without calling the library. Arguments Python can judge (a wrong type,
dtype or shape, an unknown pixel format, an integer C cannot represent) raise TypeError or
ValueError before the call; sizes the library judges (a frame smaller than the model's input, a
tensor with the wrong count) come back as VGG_ERROR_INVALID_INPUT.
"""

import array
import collections
import ctypes
import ctypes.util
import enum
import os
import threading

try:
    import numpy as _np
except ImportError:  # numpy is optional
    _np = None

__all__ = [
    "ABI_VERSION", "VGGInt8Error", "Status", "PixelFormat", "TopClass", "Library", "Model", "Context",
    "load_library", "version", "HAVE_NUMPY",
]

#: The ABI of include/vgg_int8.h this module was written for (VGG_INT8_ABI_VERSION).
ABI_VERSION = 1
#: True when numpy was imported: logits are numpy arrays, numpy frames and tensors are accepted.
HAVE_NUMPY = _np is not None

_ENV_LIBRARY = "VGG_INT8_LIBRARY"
_FILE_NAMES = ("libvgg_int8.so.1", "libvgg_int8.so")

_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1
_SSIZE_MAX = 2 ** (8 * ctypes.sizeof(ctypes.c_size_t) - 1) - 1  # the library refuses larger sizes (INVALID_INPUT)


class Status(enum.IntEnum):
    """vgg_status."""
    OK = 0
    INVALID_ARGUMENT = 1
    INVALID_HANDLE = 2
    INVALID_BLOB = 3
    INVALID_IMAGE = 4
    INVALID_INPUT = 5
    INVALID_SETTINGS = 6
    CONTEXT_BUSY = 7


class PixelFormat(enum.IntEnum):
    """vgg_pixel_format. classify_frame takes the strings "rgb" and "bgr"."""
    RGB = 0
    BGR = 1


_FORMATS = {"rgb": PixelFormat.RGB, "bgr": PixelFormat.BGR}


class VGGInt8Error(Exception):
    """A status other than VGG_OK.

    status: the vgg_status (a Status when known, else the int); status_name: e.g.
    "VGG_ERROR_INVALID_BLOB"; message: vgg_last_error() read right after the failing call.
    """

    def __init__(self, status, status_name, message):
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.status_name = status_name
        self.message = message
        super().__init__(status, status_name, message)

    def __str__(self):
        return "%s: %s" % (self.status_name, self.message)


#: One entry of Model.top_k: index into the logits, class name, softmax probability, logit.
TopClass = collections.namedtuple("TopClass", "index label probability logit")


# -- the C declarations ---------------------------------------------------------------------------

class _CModel(ctypes.Structure):
    """vgg_model (opaque)."""


class _CContext(ctypes.Structure):
    """vgg_context (opaque)."""


_ModelP = ctypes.POINTER(_CModel)
_ContextP = ctypes.POINTER(_CContext)
_FloatP = ctypes.POINTER(ctypes.c_float)
_UInt8P = ctypes.POINTER(ctypes.c_uint8)
_Status = ctypes.c_int  # a C enum
_PixelFormatC = ctypes.c_int


class _CModelInfo(ctypes.Structure):
    _fields_ = [
        ("arch", ctypes.c_char_p),
        ("kernels", ctypes.c_char_p),
        ("class_count", ctypes.c_int32),
        ("input_width", ctypes.c_int32),
        ("input_height", ctypes.c_int32),
        ("resize", ctypes.c_int32),
    ]


class _CClass(ctypes.Structure):
    _fields_ = [
        ("index", ctypes.c_int32),
        ("logit", ctypes.c_float),
        ("probability", ctypes.c_double),
        ("label", ctypes.c_char_p),
    ]


# name: (restype, argtypes), in the header's order
_PROTOTYPES = {
    "vgg_abi_version": (ctypes.c_uint32, []),
    "vgg_version": (ctypes.c_char_p, []),
    "vgg_last_error": (ctypes.c_char_p, []),
    "vgg_status_name": (ctypes.c_char_p, [_Status]),
    "vgg_model_open": (_Status, [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_ModelP)]),
    "vgg_model_open_bytes": (_Status, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.POINTER(_ModelP)]),
    "vgg_model_get_info": (_Status, [_ModelP, ctypes.POINTER(_CModelInfo)]),
    "vgg_model_label": (_Status, [_ModelP, ctypes.c_int32, ctypes.POINTER(ctypes.c_char_p)]),
    "vgg_model_free": (None, [_ModelP]),
    "vgg_context_create": (_Status, [_ModelP, ctypes.c_int, ctypes.POINTER(_ContextP)]),
    "vgg_context_free": (None, [_ContextP]),
    "vgg_classify_file": (_Status, [_ContextP, ctypes.c_char_p, _FloatP, ctypes.c_size_t]),
    "vgg_classify_frame": (_Status, [_ContextP, _UInt8P, ctypes.c_size_t, ctypes.c_int32, ctypes.c_int32,
                                     ctypes.c_size_t, _PixelFormatC, _FloatP, ctypes.c_size_t]),
    "vgg_classify_preprocessed": (_Status, [_ContextP, _FloatP, ctypes.c_size_t, _FloatP, ctypes.c_size_t]),
    "vgg_top_k": (_Status, [_ModelP, _FloatP, ctypes.c_size_t, ctypes.c_int32, ctypes.POINTER(_CClass),
                            ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]),
}


def _text(raw):
    return "" if raw is None else raw.decode("utf-8", "replace")


class Library:
    """A loaded libvgg_int8 with every function of the header declared. Use load_library()."""

    def __init__(self, path):
        self.path = path
        # CDLL, not PyDLL: ctypes releases the GIL around each call.
        self._dll = ctypes.CDLL(path)
        for name, (restype, argtypes) in _PROTOTYPES.items():
            try:
                function = getattr(self._dll, name)
            except AttributeError:
                raise OSError("%s is not libvgg_int8: it has no %s()" % (path, name)) from None
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name, function)
        self.abi_version = self.vgg_abi_version()
        if self.abi_version != ABI_VERSION:
            raise OSError("%s has ABI version %d; this vgg_int8.py was written for ABI %d (use the library "
                          "and the module of one release)" % (path, self.abi_version, ABI_VERSION))
        self.version = _text(self.vgg_version())

    def status_name(self, status):
        return _text(self.vgg_status_name(int(status)))

    def check(self, status):
        """Raises VGGInt8Error for a status other than VGG_OK. Call it right after the C call, on
        the same thread: vgg_last_error() is per thread and overwritten by the next failing call."""
        if status != Status.OK:
            message = _text(self.vgg_last_error())
            raise VGGInt8Error(status, self.status_name(status), message)

    def error(self, status, message):
        return VGGInt8Error(status, self.status_name(status), message)

    def __repr__(self):
        return "<vgg_int8.Library %s %s ABI %d>" % (self.path, self.version, self.abi_version)


_libraries = {}
_libraries_lock = threading.Lock()


def _candidates(path):
    """(description, path to give CDLL, final) in lookup order."""
    if path is not None:
        return [("the path given", os.fspath(path), True)]
    found = []
    environment = os.environ.get(_ENV_LIBRARY)
    if environment:
        return [("$" + _ENV_LIBRARY, environment, True)]
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _FILE_NAMES:
        found.append(("next to vgg_int8.py", os.path.join(here, name), False))
    name = ctypes.util.find_library("vgg_int8")
    found.append(("ctypes.util.find_library('vgg_int8')", name, False))
    found.append(("the dynamic loader's search", _FILE_NAMES[0], False))
    return found


def load_library(path=None):
    """The library (loaded once per path; later calls return the same Library).

    path: a file path, or None for the lookup order of the module docstring.
    Raises OSError listing what was tried when no library loads, or when it has another ABI."""
    key = None if path is None else os.fspath(path)
    with _libraries_lock:
        if key in _libraries:
            return _libraries[key]
        tried = []
        for description, candidate, final in _candidates(path):
            if candidate is None:
                tried.append("%s: not found" % description)
                continue
            if not final and os.sep in candidate and not os.path.exists(candidate):
                tried.append("%s: %s does not exist" % (description, candidate))
                continue
            try:
                library = Library(candidate)
            except OSError as error:
                tried.append("%s: %s: %s" % (description, candidate, error))
                if final or "ABI version" in str(error) or "is not libvgg_int8" in str(error):
                    break
                continue
            _libraries[key] = library
            return library
        raise OSError("cannot load libvgg_int8 (build it with Scripts/build-lib.sh, then set %s or pass "
                      "path=); tried:\n  %s" % (_ENV_LIBRARY, "\n  ".join(tried)))


def version(library=None):
    """The library's release, e.g. "0.1.0"."""
    return _resolve_library(library).version


def _resolve_library(library):
    if isinstance(library, Library):
        return library
    return load_library(library)


# -- handles --------------------------------------------------------------------------------------

class _Handle:
    """A C handle with the calls in flight counted, so close() from one thread never frees it under
    a call of another (the free happens when the last call returns) and nothing is freed twice."""

    def __init__(self, pointer, free, library, kind):
        self._pointer = pointer
        self._free = free
        self._library = library
        self._kind = kind
        self._lock = threading.Lock()
        self._users = 0
        self._closed = False

    @property
    def closed(self):
        return self._closed

    def acquire(self):
        with self._lock:
            if self._closed:
                raise self._library.error(Status.INVALID_HANDLE, "this %s is closed" % self._kind)
            self._users += 1
            return self._pointer

    def release(self):
        with self._lock:
            self._users -= 1
            pointer = self._take_if_done()
        if pointer is not None:
            self._free(pointer)

    def close(self):
        with self._lock:
            self._closed = True
            pointer = self._take_if_done()
        if pointer is not None:
            self._free(pointer)

    def _take_if_done(self):
        if self._closed and self._users == 0 and self._pointer is not None:
            pointer, self._pointer = self._pointer, None
            return pointer
        return None


class _Using:
    def __init__(self, handle):
        self._handle = handle

    def __enter__(self):
        return self._handle.acquire()

    def __exit__(self, *exc):
        self._handle.release()
        return False


# -- argument conversion --------------------------------------------------------------------------

def _int_in(value, name, low, high, what):
    try:
        value = value.__index__()
    except AttributeError:
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__)) from None
    if not low <= value <= high:
        raise ValueError("%s=%d does not fit %s" % (name, value, what))
    return value


def _c_int(value, name):
    return _int_in(value, name, _INT32_MIN, _INT32_MAX, "a C int")


def _path_bytes(path, name="path"):
    try:
        raw = os.fsencode(os.fspath(path))
    except TypeError:
        raise TypeError("%s must be a str or os.PathLike, not %s" % (name, type(path).__name__)) from None
    if b"\0" in raw:
        raise ValueError("%s contains a NUL byte" % name)
    return raw


def _byte_buffer(data, ctype):
    """(pointer to ctype, size in bytes, objects to keep alive) for a C-contiguous bytes-like object.
    No copy for bytes and writable buffers; a read-only buffer of another kind is copied."""
    if isinstance(data, bytes):
        return ctypes.cast(ctypes.c_char_p(data), ctypes.POINTER(ctype)), len(data), data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError("expected a bytes-like object, not %s" % type(data).__name__) from None
    if not view.c_contiguous:
        raise ValueError("the buffer is not C-contiguous")
    view = view.cast("B")
    size = view.nbytes
    if view.readonly:
        storage = (ctypes.c_char * size).from_buffer_copy(view)
    else:
        storage = (ctypes.c_char * size).from_buffer(view)
    return ctypes.cast(storage, ctypes.POINTER(ctype)), size, (storage, view)


_FLOAT_FORMATS = ("f", "<f", "=f", "@f") if array.array("f", [1.0]).tobytes() == b"\x00\x00\x80\x3f" else ("f", "=f", "@f")


def _float_buffer(values, what):
    """(float pointer, count, objects to keep alive) for float32 values: a numpy float32 array,
    array.array('f'), a buffer of format 'f', or a list/tuple of numbers (copied)."""
    if _np is not None and isinstance(values, _np.ndarray):
        if values.dtype != _np.float32:
            raise TypeError("%s must be float32, not %s" % (what, values.dtype))
        values = _np.ascontiguousarray(values)
        return values.ctypes.data_as(_FloatP), values.size, values
    if isinstance(values, (list, tuple)):
        values = array.array("f", values)
    try:
        view = memoryview(values)
    except TypeError:
        raise TypeError("%s must be float32 values (array.array('f'), a float32 buffer%s), not %s"
                        % (what, ", a numpy float32 array" if _np is not None else "", type(values).__name__)) from None
    if view.format not in _FLOAT_FORMATS or view.itemsize != 4:
        raise TypeError("%s must hold float32 values, not buffer format %r (memoryview(b).cast('f') "
                        "reads raw bytes as float32)" % (what, view.format))
    if not view.c_contiguous:
        raise ValueError("%s is not C-contiguous" % what)
    count = view.nbytes // 4
    if view.readonly:
        storage = (ctypes.c_float * count).from_buffer_copy(view)
    else:
        storage = (ctypes.c_float * count).from_buffer(view.cast("B"))
    return ctypes.cast(storage, _FloatP), count, (storage, view)


def _new_logits(count):
    """(result, float pointer): numpy float32 (count,) or array.array('f')."""
    if _np is not None:
        logits = _np.zeros(count, dtype=_np.float32)
        return logits, logits.ctypes.data_as(_FloatP)
    logits = array.array("f", bytes(4 * count))
    return logits, ctypes.cast(logits.buffer_info()[0], _FloatP)


# -- Model and Context ----------------------------------------------------------------------------

class _Closable:
    """close(), the context-manager protocol and __del__ of Model and Context: all free the _Handle."""

    def close(self):
        """Frees this object's handle (after a call in flight on another thread returns); a
        Model's contexts keep working. Idempotent."""
        handle = getattr(self, "_handle", None)
        if handle is not None:
            handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        self.close()


class Model(_Closable):
    """A loaded blob (vgg_model): immutable, shared by any number of threads.

    Model(path_or_bytes, threads=1, library=None)
      path_or_bytes: a path (str or os.PathLike) to a .vq8 blob, or the blob itself as
        bytes / bytearray / memoryview (copied by the library; for a path held as bytes, pass
        os.fsdecode(path)).
      threads: used once while loading (weight transforms), 1...256.
      library: a Library, a path to the library, or None (the lookup order of load_library()).
    """

    def __init__(self, path_or_bytes, threads=1, library=None):
        self._handle = None
        lib = _resolve_library(library)
        self.library = lib
        threads = _c_int(threads, "threads")
        out = _ModelP()
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            pointer, size, keep = _byte_buffer(path_or_bytes, ctypes.c_char)
            status = lib.vgg_model_open_bytes(ctypes.cast(pointer, ctypes.c_void_p), size, threads, ctypes.byref(out))
            lib.check(status)
            del keep
            self.source = "<%d bytes>" % size
        else:
            raw = _path_bytes(path_or_bytes)
            lib.check(lib.vgg_model_open(raw, threads, ctypes.byref(out)))
            self.source = os.fsdecode(raw)
        if not out:
            raise lib.error(Status.INVALID_HANDLE, "vgg_model_open returned VGG_OK and no model")
        self._handle = _Handle(out, lib.vgg_model_free, lib, "Model")
        try:
            info = _CModelInfo()
            lib.check(lib.vgg_model_get_info(out, ctypes.byref(info)))
            # The strings belong to the model: copied here, so they outlive close().
            self._arch = _text(info.arch)
            self._kernels = _text(info.kernels)
            self._class_count = info.class_count
            self._input_width = info.input_width
            self._input_height = info.input_height
            self._resize = info.resize
            labels = []
            label = ctypes.c_char_p()
            for index in range(self._class_count):
                lib.check(lib.vgg_model_label(out, index, ctypes.byref(label)))
                labels.append(_text(label.value))
            self._labels = tuple(labels)
        except BaseException:
            self.close()
            raise

    arch = property(lambda self: self._arch, doc='The architecture, e.g. "vgg16_bn".')
    kernels = property(lambda self: self._kernels, doc='The kernels the layers use on this CPU, e.g. "avx512vnni+avx2".')
    class_count = property(lambda self: self._class_count, doc="Logits per image.")
    input_width = property(lambda self: self._input_width, doc="The network's input (the crop) width, pixels.")
    input_height = property(lambda self: self._input_height, doc="The network's input (the crop) height, pixels.")
    resize = property(lambda self: self._resize, doc="The shorter side an image is resized to before the crop.")

    @property
    def labels(self):
        """The class names, one per logit (a new list each time)."""
        return list(self._labels)

    @property
    def closed(self):
        return self._handle is None or self._handle.closed

    def context(self, threads=1):
        """A new Context on this model with `threads` (1...256) working inside each layer."""
        return Context(self, threads)

    def top_k(self, logits, k=5):
        """The k most probable classes of logits (class_count float32 values), best first, ties to
        the lower index: a list of TopClass(index, label, probability, logit)."""
        k = _c_int(k, "k")
        pointer, count, keep = _float_buffer(logits, "logits")
        slots = max(1, min(k, self._class_count))
        classes = (_CClass * slots)()
        written = ctypes.c_size_t()
        lib = self.library
        with _Using(self._handle) as handle:
            lib.check(lib.vgg_top_k(handle, pointer, count, k, classes, slots, ctypes.byref(written)))
            result = [TopClass(entry.index, _text(entry.label), entry.probability, entry.logit)
                      for entry in classes[:written.value]]
        del keep
        return result

    def __repr__(self):
        if self._handle is None:
            return "<vgg_int8.Model (not opened)>"
        return "<vgg_int8.Model %s: %s, %d classes, %dx%d input, kernels %s%s>" % (
            self.source, self._arch, self._class_count, self._input_width, self._input_height, self._kernels,
            ", closed" if self.closed else "")


class Context(_Closable):
    """One caller's working memory (vgg_context): use it from one thread at a time, make one per
    thread (Model.context()). Another thread entering it while it classifies gets VGGInt8Error
    with status VGG_ERROR_CONTEXT_BUSY.

    Every classify_* returns the logits: a numpy float32 array of shape (class_count,) when numpy
    is available, else array.array('f').
    """

    def __init__(self, model, threads=1):
        self._handle = None
        if not isinstance(model, Model):
            raise TypeError("model must be a vgg_int8.Model, not %s" % type(model).__name__)
        self.model = model
        self.library = lib = model.library
        self.threads = threads = _c_int(threads, "threads")
        out = _ContextP()
        with _Using(model._handle) as model_pointer:
            lib.check(lib.vgg_context_create(model_pointer, threads, ctypes.byref(out)))
        if not out:
            raise lib.error(Status.INVALID_HANDLE, "vgg_context_create returned VGG_OK and no context")
        self._handle = _Handle(out, lib.vgg_context_free, lib, "Context")
        self._class_count = model.class_count

    @property
    def closed(self):
        return self._handle is None or self._handle.closed

    def _run(self, function, *arguments):
        logits, pointer = _new_logits(self._class_count)
        with _Using(self._handle) as handle:
            self.library.check(function(handle, *arguments, pointer, self._class_count))
        return logits

    def classify_file(self, path):
        """Decodes a PNG or JPEG file, preprocesses it as the blob says and classifies it."""
        return self._run(self.library.vgg_classify_file, _path_bytes(path))

    def classify_frame(self, pixels, width=None, height=None, row_stride=None, format="rgb"):
        """Classifies a raw 8-bit frame of 3 bytes per pixel (resized and cropped like a file).

        pixels: a numpy uint8 array of shape (height, width, 3) (any row stride; other layouts are
          copied; width/height/row_stride, when given, must agree with it), or a bytes-like object
          with width, height and row_stride (default 3 * width): row r starts at byte r * row_stride.
        format: "rgb" or "bgr" (the order of the 3 bytes).
        The frame must be at least the model's input size (else VGG_ERROR_INVALID_INPUT).
        """
        if not isinstance(format, str) or format.lower() not in _FORMATS:
            raise ValueError("unknown pixel format %r: use 'rgb' or 'bgr'" % (format,))
        pixel_format = _FORMATS[format.lower()]
        if _np is not None and isinstance(pixels, _np.ndarray):
            pointer, size, width, height, row_stride, keep = self._numpy_frame(pixels, width, height, row_stride)
        else:
            if width is None or height is None:
                raise TypeError("a bytes-like frame needs width= and height=")
            width = _c_int(width, "width")
            height = _c_int(height, "height")
            row_stride = 3 * width if row_stride is None else row_stride
            row_stride = _int_in(row_stride, "row_stride", 0, _SSIZE_MAX, "a size_t the library accepts")
            pointer, size, keep = _byte_buffer(pixels, ctypes.c_uint8)
        logits = self._run(self.library.vgg_classify_frame, pointer, size, width, height, row_stride, pixel_format)
        del keep
        return logits

    @staticmethod
    def _numpy_frame(pixels, width, height, row_stride):
        if pixels.dtype != _np.uint8:
            raise TypeError("a frame must be uint8, not %s" % pixels.dtype)
        if pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError("a frame must have shape (height, width, 3), not %s" % (pixels.shape,))
        rows, columns = pixels.shape[0], pixels.shape[1]
        if (width is not None and width != columns) or (height is not None and height != rows):
            raise ValueError("width=%s height=%s disagree with the array's shape %s" % (width, height, pixels.shape))
        _c_int(rows, "height")
        _c_int(columns, "width")
        if pixels.strides[1] != 3 or pixels.strides[2] != 1 or pixels.strides[0] < 3 * columns:
            pixels = _np.ascontiguousarray(pixels)  # pixels or channels not packed, or rows backwards
        stride = pixels.strides[0]
        if row_stride is not None and row_stride != stride and rows > 1:
            raise ValueError("row_stride=%s disagrees with the array's row stride %d" % (row_stride, stride))
        size = (rows - 1) * stride + 3 * columns if rows > 0 and columns > 0 else 0
        return pixels.ctypes.data_as(_UInt8P), size, columns, rows, stride, pixels

    def classify_preprocessed(self, tensor):
        """Classifies a preprocessed image: 3 x input_height x input_width float32 values, channel
        major (CHW), normalized with the model's mean and std (torchvision's tensor). A numpy
        array must be float32 of shape (3, input_height, input_width) or flat; any other float32
        buffer is taken as flat. A wrong count gives VGG_ERROR_INVALID_INPUT."""
        if _np is not None and isinstance(tensor, _np.ndarray) and tensor.ndim != 1:
            expected = (3, self.model.input_height, self.model.input_width)
            if tensor.shape != expected:
                raise ValueError("a preprocessed tensor must have shape %s (CHW) or be flat, not %s"
                                 % (expected, tensor.shape))
        pointer, count, keep = _float_buffer(tensor, "tensor")
        logits = self._run(self.library.vgg_classify_preprocessed, pointer, count)
        del keep
        return logits

    def __repr__(self):
        return "<vgg_int8.Context on %s, %s thread(s)%s>" % (
            getattr(self.model, "source", "?"), getattr(self, "threads", "?"), ", closed" if self.closed else "")
