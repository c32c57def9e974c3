"""Tests of python/vgg_int8.py against a built libvgg_int8 and vgg-run (Python 3.9+, standard library;
numpy optional: the numpy tests are skipped without it, the bytes / array.array paths always run).

    python3 python/test_vgg_int8.py --library .build/lib/libvgg_int8.so.1 \\
        --blob MODEL.vq8 --vgg-run "$(swift build -c release --show-bin-path)/vgg-run" [-v]

Command-line options only (no environment variables are read by the test itself):
  --library PATH   the libvgg_int8 to test (loaded with vgg_int8.load_library(PATH))
  --blob PATH      a 10-class, 32x32-input blob: the handwritten digits model
  --vgg-run PATH   the vgg-run built on the same runtime (the reference logits)
  --fixtures DIR   Tests/Fixtures (default: ../Tests/Fixtures next to this file)
Anything else goes to unittest (-v, -k PATTERN, a test name). No randomness: the frames are fixed
patterns.

Two tests (HostileSizes) pass sizes that once made the C library abort or read out of bounds; they
run in a child process, so a crash is a failed test, not a dead test run.
"""

import argparse
import array
import ast
import ctypes
import gc
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vgg_int8  # noqa: E402

try:
    import numpy
except ImportError:
    numpy = None

needs_numpy = unittest.skipIf(numpy is None, "numpy is not installed (the bytes/array.array paths are tested)")

ARGS = None  # the parsed options
LIB = None   # vgg_int8.Library


def read_npy(path):
    """(shape, raw little-endian float32 bytes) of a .npy file of dtype <f4, C order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError("%s: not a .npy file" % path)
    major = data[6]
    if major == 1:
        header_length, start = int.from_bytes(data[8:10], "little"), 10
    elif major in (2, 3):
        header_length, start = int.from_bytes(data[8:12], "little"), 12
    else:
        raise ValueError("%s: .npy version %d" % (path, major))
    header = ast.literal_eval(data[start:start + header_length].decode("latin-1"))
    if header["descr"] != "<f4" or header["fortran_order"]:
        raise ValueError("%s: expected C-order <f4, got %r" % (path, header))
    shape = tuple(header["shape"])
    body = data[start + header_length:]
    count = 1
    for n in shape:
        count *= n
    if len(body) != 4 * count:
        raise ValueError("%s: %d data bytes for shape %s" % (path, len(body), shape))
    return shape, body


def le_bytes(logits):
    """The logits as little-endian float32 bytes, from a numpy array or array.array('f')."""
    if numpy is not None and isinstance(logits, numpy.ndarray):
        return logits.astype("<f4").tobytes()
    values = array.array("f", logits)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def floats(logits):
    return [float(x) for x in logits]


def pattern_rgb(width, height):
    """A deterministic RGB frame as tight rows: a list of rows of (r, g, b)."""
    return [[((7 * x + 3 * y) % 256, (x * x + 5 * y + 40) % 256, (x * y + 11 * x + 90) % 256)
             for x in range(width)] for y in range(height)]


def frame_bytes(rows, stride=None, order="rgb", pad=0xA5):
    width = len(rows[0])
    stride = 3 * width if stride is None else stride
    out = bytearray([pad]) * (stride * (len(rows) - 1) + 3 * width)
    for y, row in enumerate(rows):
        for x, (r, g, b) in enumerate(row):
            out[y * stride + 3 * x:y * stride + 3 * x + 3] = bytes((r, g, b) if order == "rgb" else (b, g, r))
    return out


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = vgg_int8.Model(ARGS.blob, library=LIB)
        cls.context = cls.model.context()

    @classmethod
    def tearDownClass(cls):
        cls.context.close()
        cls.model.close()

    def assertStatus(self, cm, name):
        error = cm.exception
        self.assertIsInstance(error, Exception)
        self.assertEqual(error.status_name, name, str(error))
        self.assertEqual(int(error.status), getattr(vgg_int8.Status, name[len("VGG_ERROR_"):]))
        self.assertIsInstance(error.status, int)
        self.assertTrue(error.message, "an empty vgg_last_error()")


class ReferenceLogits(Base):
    """Logits equal vgg-run's --threads 1 --logits-out, bit for bit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fixtures = ARGS.fixtures
        cls.images = [os.path.join(fixtures, "digits", "heldout", "%04d.png" % i) for i in range(4)]
        cls.images += [os.path.join(fixtures, "images", "chelsea.jpg"), os.path.join(fixtures, "images", "coffee.png")]
        cls.reference = reference_logits(cls.images)

    def test_info(self):
        m = self.model
        self.assertEqual((m.class_count, m.input_width, m.input_height), (10, 32, 32))
        self.assertTrue(m.arch.startswith("vgg"), m.arch)
        self.assertTrue(m.kernels)
        self.assertGreaterEqual(m.resize, 32)
        self.assertEqual(len(m.labels), 10)
        self.assertTrue(all(isinstance(label, str) and label for label in m.labels))
        self.assertRegex(vgg_int8.version(LIB), r"^\d+\.\d+\.\d+")
        self.assertEqual(LIB.abi_version, vgg_int8.ABI_VERSION)

    def test_files_equal_vgg_run(self):
        for image, expected in zip(self.images, self.reference):
            logits = self.context.classify_file(image)
            if numpy is not None:
                self.assertIsInstance(logits, numpy.ndarray)
                self.assertEqual((logits.dtype, logits.shape), (numpy.float32, (10,)))
            else:
                self.assertIsInstance(logits, array.array)
                self.assertEqual((logits.typecode, len(logits)), ("f", 10))
            self.assertEqual(le_bytes(logits), expected, image)

    def test_pathlike_and_bytes_blob(self):
        with open(ARGS.blob, "rb") as f:
            blob = f.read()
        for source in (pathlib.Path(ARGS.blob), blob, bytearray(blob), memoryview(blob)):
            with vgg_int8.Model(source, library=LIB) as model, model.context() as context:
                self.assertEqual(model.labels, self.model.labels)
                for image, expected in zip(self.images, self.reference):
                    self.assertEqual(le_bytes(context.classify_file(pathlib.Path(image))), expected, (type(source), image))

    def test_top_k(self):
        for image, expected in zip(self.images, self.reference):
            logits = self.context.classify_file(image)
            top = self.model.top_k(logits, self.model.class_count)
            self.assertEqual(len(top), 10)
            self.assertEqual(sorted(entry.index for entry in top), list(range(10)))
            for a, b in zip(top, top[1:]):
                self.assertTrue(a.logit > b.logit or (a.logit == b.logit and a.index < b.index), (a, b))
                self.assertGreaterEqual(a.probability, b.probability)
            self.assertAlmostEqual(math.fsum(entry.probability for entry in top), 1.0, places=12)
            values = floats(logits)
            maximum = max(values)
            total = math.fsum(math.exp(v - maximum) for v in values)
            for entry in top:
                self.assertEqual(entry.label, self.model.labels[entry.index])
                self.assertEqual(entry.logit, values[entry.index])
                self.assertAlmostEqual(entry.probability, math.exp(values[entry.index] - maximum) / total, places=12)
            self.assertEqual(self.model.top_k(logits, 3), top[:3])
            self.assertEqual(self.model.top_k(logits, 50), top)                    # k > classes: all
            self.assertEqual(self.model.top_k(floats(logits), 3), top[:3])        # a list of floats
            self.assertEqual(self.model.top_k(array.array("f", values), 1), top[:1])

    def test_top_k_bad_input(self):
        logits = self.context.classify_file(self.images[0])
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            self.model.top_k(logits, 0)
        self.assertStatus(cm, "VGG_ERROR_INVALID_ARGUMENT")
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            self.model.top_k(array.array("f", floats(logits)[:9]), 3)
        self.assertStatus(cm, "VGG_ERROR_INVALID_INPUT")
        with self.assertRaises(TypeError):
            self.model.top_k(array.array("d", floats(logits)), 3)
        with self.assertRaises(TypeError):
            self.model.top_k(logits, 2.5)

    def test_threads_own_contexts(self):
        """Two threads, one context each, the same images at once: the reference logits."""
        results, errors = {}, []
        barrier = threading.Barrier(2)

        def work(name):
            try:
                with self.model.context() as context:
                    barrier.wait()
                    got = []
                    for _ in range(10):
                        got.append([le_bytes(context.classify_file(image)) for image in self.images])
                    results[name] = got
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for name in range(2):
            for round_ in results[name]:
                self.assertEqual(round_, self.reference)

    def test_shared_context_busy_or_right(self):
        """One context from 2 threads: each call gives the reference logits or CONTEXT_BUSY."""
        outcomes, errors = [], []
        barrier = threading.Barrier(2)
        context = self.model.context()

        def work():
            try:
                barrier.wait()
                for _ in range(40):
                    for image, expected in zip(self.images, self.reference):
                        try:
                            logits = context.classify_file(image)
                        except vgg_int8.VGGInt8Error as error:
                            if error.status_name != "VGG_ERROR_CONTEXT_BUSY" or error.status != vgg_int8.Status.CONTEXT_BUSY:
                                raise
                            outcomes.append("busy")
                        else:
                            outcomes.append("ok" if le_bytes(logits) == expected else "WRONG")
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        context.close()
        self.assertEqual(errors, [])
        self.assertNotIn("WRONG", outcomes)
        self.assertEqual(len(outcomes), 2 * 40 * len(self.images))
        if ARGS.verbose:
            print("\n  shared context: %d ok, %d busy" % (outcomes.count("ok"), outcomes.count("busy")), file=sys.stderr)


def reference_logits(images):
    """vgg-run --threads 1 --logits-out: one row of raw <f4 bytes per image."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "logits.npy")
        run = subprocess.run([ARGS.vgg_run, ARGS.blob] + list(images) + ["--threads", "1", "--logits-out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        if run.returncode != 0:
            raise RuntimeError("vgg-run failed (%d): %s" % (run.returncode, run.stderr))
        shape, body = read_npy(out)
    if shape != (len(images), 10):
        raise RuntimeError("vgg-run wrote shape %s" % (shape,))
    return [body[40 * i:40 * (i + 1)] for i in range(len(images))]


class Frames(Base):
    WIDTH, HEIGHT = 40, 36

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = pattern_rgb(cls.WIDTH, cls.HEIGHT)
        cls.tight = bytes(frame_bytes(cls.rows))
        cls.expected = le_bytes(cls.context.classify_frame(cls.tight, cls.WIDTH, cls.HEIGHT))

    def classify(self, pixels, **options):
        return le_bytes(self.context.classify_frame(pixels, **options))

    def test_bytes_frames(self):
        w, h = self.WIDTH, self.HEIGHT
        stride = 3 * w + 13
        padded = frame_bytes(self.rows, stride=stride)
        bgr = frame_bytes(self.rows, order="bgr")
        self.assertEqual(self.classify(padded, width=w, height=h, row_stride=stride), self.expected)
        self.assertEqual(self.classify(bytes(padded), width=w, height=h, row_stride=stride), self.expected)
        self.assertEqual(self.classify(memoryview(bytes(padded)), width=w, height=h, row_stride=stride), self.expected)
        self.assertEqual(self.classify(bgr, width=w, height=h, format="bgr"), self.expected)
        self.assertEqual(self.classify(bytes(bgr), width=w, height=h, format="BGR"), self.expected)
        self.assertEqual(self.classify(array.array("B", self.tight), width=w, height=h, format="rgb"), self.expected)
        padded_bgr = frame_bytes(self.rows, stride=stride, order="bgr", pad=0)
        self.assertEqual(self.classify(padded_bgr, width=w, height=h, row_stride=stride, format="bgr"), self.expected)
        # the format is honoured: the BGR bytes read as RGB are another image
        self.assertNotEqual(self.classify(bgr, width=w, height=h), self.expected)
        # the padding is not read: other padding, the same logits
        self.assertEqual(self.classify(frame_bytes(self.rows, stride=stride, pad=0), width=w, height=h, row_stride=stride),
                         self.expected)

    def test_bad_frames(self):
        w, h = self.WIDTH, self.HEIGHT
        small = bytes(frame_bytes(pattern_rgb(31, 32)))
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            self.context.classify_frame(small, width=31, height=32)
        self.assertStatus(cm, "VGG_ERROR_INVALID_INPUT")
        self.assertIn("31x32", cm.exception.message)
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:     # a stride below 3 x width
            self.context.classify_frame(self.tight, width=w, height=h, row_stride=3 * w - 1)
        self.assertStatus(cm, "VGG_ERROR_INVALID_INPUT")
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:     # a buffer one byte short
            self.context.classify_frame(self.tight[:-1], width=w, height=h)
        self.assertStatus(cm, "VGG_ERROR_INVALID_INPUT")
        with self.assertRaises(ValueError):
            self.context.classify_frame(self.tight, width=w, height=h, format="rgba")
        with self.assertRaises(ValueError):
            self.context.classify_frame(self.tight, width=w, height=h, format=1)
        with self.assertRaises(TypeError):
            self.context.classify_frame(self.tight)                              # no width/height
        with self.assertRaises(TypeError):
            self.context.classify_frame("not bytes", width=w, height=h)
        with self.assertRaises(ValueError):
            self.context.classify_frame(self.tight, width=w, height=h, row_stride=-1)
        with self.assertRaises(ValueError):
            self.context.classify_frame(self.tight, width=2 ** 32 + w, height=h)  # would wrap in an int32

    @needs_numpy
    def test_numpy_frames(self):
        w, h = self.WIDTH, self.HEIGHT
        image = numpy.frombuffer(self.tight, dtype=numpy.uint8).reshape(h, w, 3)
        self.assertEqual(self.classify(image), self.expected)
        self.assertEqual(self.classify(image.copy(), width=w, height=h), self.expected)
        big = numpy.zeros((h + 9, w + 17, 3), dtype=numpy.uint8)
        big[5:5 + h, 7:7 + w] = image
        view = big[5:5 + h, 7:7 + w]                          # rows strided, not contiguous
        self.assertFalse(view.flags.c_contiguous)
        self.assertEqual(self.classify(view), self.expected)
        wide = numpy.zeros((h, 2 * w, 3), dtype=numpy.uint8)
        wide[:, ::2] = image
        self.assertEqual(self.classify(wide[:, ::2]), self.expected)  # pixels strided: copied
        self.assertEqual(self.classify(numpy.ascontiguousarray(image[..., ::-1]), format="bgr"), self.expected)
        self.assertEqual(self.classify(image[..., ::-1], format="bgr"), self.expected)  # channels reversed: copied
        self.assertEqual(self.classify(image[::-1][::-1]), self.expected)
        flipped = numpy.ascontiguousarray(image[::-1])
        self.assertEqual(self.classify(flipped[::-1]), self.expected)               # negative row stride: copied
        readonly = image.copy()
        readonly.flags.writeable = False
        self.assertEqual(self.classify(readonly), self.expected)
        with self.assertRaises(TypeError):
            self.context.classify_frame(image.astype(numpy.float32))
        with self.assertRaises(ValueError):
            self.context.classify_frame(image[..., 0])
        with self.assertRaises(ValueError):
            self.context.classify_frame(image, width=w + 1)
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            self.context.classify_frame(image[:32, :31])
        self.assertStatus(cm, "VGG_ERROR_INVALID_INPUT")


class Preprocessed(Base):
    def count(self):
        return 3 * self.model.input_height * self.model.input_width

    def tensor_values(self):
        return [((i * 37) % 101) / 50.0 - 1.0 for i in range(self.count())]

    def test_buffers_agree(self):
        values = self.tensor_values()
        expected = le_bytes(self.context.classify_preprocessed(array.array("f", values)))
        self.assertEqual(le_bytes(self.context.classify_preprocessed(values)), expected)
        floats_ = (ctypes.c_float * len(values))(*values)
        self.assertEqual(le_bytes(self.context.classify_preprocessed(floats_)), expected)
        self.assertEqual(le_bytes(self.context.classify_preprocessed(memoryview(array.array("f", values).tobytes()).cast("f"))),
                         expected)
        top = self.model.top_k(self.context.classify_preprocessed(values), 1)
        self.assertEqual(len(top), 1)

    def test_wrong_size(self):
        values = self.tensor_values()
        for wrong in (values[:-1], values + [0.0], []):
            with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
                self.context.classify_preprocessed(array.array("f", wrong))
            self.assertStatus(cm, "VGG_ERROR_INVALID_INPUT")
            self.assertIn(str(len(wrong)), cm.exception.message)
        with self.assertRaises(TypeError):
            self.context.classify_preprocessed(array.array("d", values))
        with self.assertRaises(TypeError):
            self.context.classify_preprocessed(array.array("f", values).tobytes())  # raw bytes: say cast('f')

    @needs_numpy
    def test_numpy(self):
        values = self.tensor_values()
        expected = le_bytes(self.context.classify_preprocessed(array.array("f", values)))
        h, w = self.model.input_height, self.model.input_width
        tensor = numpy.array(values, dtype=numpy.float32).reshape(3, h, w)
        self.assertEqual(le_bytes(self.context.classify_preprocessed(tensor)), expected)
        self.assertEqual(le_bytes(self.context.classify_preprocessed(tensor.ravel())), expected)
        hwc = numpy.ascontiguousarray(tensor.transpose(1, 2, 0))
        self.assertEqual(le_bytes(self.context.classify_preprocessed(hwc.transpose(2, 0, 1))), expected)  # non-contiguous
        with self.assertRaises(ValueError):
            self.context.classify_preprocessed(hwc)                 # HWC, right count: refused, not misread
        with self.assertRaises(ValueError):
            self.context.classify_preprocessed(tensor[:, :31])
        with self.assertRaises(TypeError):
            self.context.classify_preprocessed(tensor.astype(numpy.float64))
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            self.context.classify_preprocessed(tensor.ravel()[:-1])
        self.assertStatus(cm, "VGG_ERROR_INVALID_INPUT")


class Errors(Base):
    def test_not_a_blob(self):
        path = os.path.join(ARGS.fixtures, "images", "chelsea.jpg")
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            vgg_int8.Model(path, library=LIB)
        self.assertStatus(cm, "VGG_ERROR_INVALID_BLOB")
        self.assertIn(path, cm.exception.message)
        self.assertIn(path, str(cm.exception))
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            vgg_int8.Model(b"not a blob at all", library=LIB)
        self.assertStatus(cm, "VGG_ERROR_INVALID_BLOB")
        missing = os.path.join(ARGS.fixtures, "no-such-model.vq8")
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            vgg_int8.Model(missing, library=LIB)
        self.assertStatus(cm, "VGG_ERROR_INVALID_BLOB")
        self.assertIn(missing, cm.exception.message)
        with self.assertRaises(ValueError):
            vgg_int8.Model(ARGS.blob + "\0.txt", library=LIB)
        with self.assertRaises(TypeError):
            vgg_int8.Model(42, library=LIB)

    def test_bad_images(self):
        missing = os.path.join(ARGS.fixtures, "images", "no-such-image.png")
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            self.context.classify_file(missing)
        self.assertStatus(cm, "VGG_ERROR_INVALID_IMAGE")
        self.assertIn(missing, cm.exception.message)
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            self.context.classify_file(ARGS.blob)                  # a file, not an image
        self.assertStatus(cm, "VGG_ERROR_INVALID_IMAGE")
        # the context still works after errors
        self.assertEqual(len(self.context.classify_file(os.path.join(ARGS.fixtures, "images", "coffee.png"))), 10)

    def test_threads_settings(self):
        for threads in (0, -1, 257):
            with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
                vgg_int8.Model(ARGS.blob, threads=threads, library=LIB)
            self.assertStatus(cm, "VGG_ERROR_INVALID_SETTINGS")
            with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
                self.model.context(threads=threads)
            self.assertStatus(cm, "VGG_ERROR_INVALID_SETTINGS")
        with self.assertRaises(ValueError):
            self.model.context(threads=2 ** 32 + 1)                 # would wrap to 1 in a C int
        with self.assertRaises(TypeError):
            self.model.context(threads=1.0)
        with self.model.context(threads=2) as context:
            self.assertEqual(context.threads, 2)
            self.assertEqual(len(context.classify_file(os.path.join(ARGS.fixtures, "images", "coffee.png"))), 10)

    def test_closed(self):
        image = os.path.join(ARGS.fixtures, "images", "coffee.png")
        model = vgg_int8.Model(ARGS.blob, library=LIB)
        context = model.context()
        expected = le_bytes(context.classify_file(image))
        logits = context.classify_file(image)
        model.close()
        model.close()                                               # idempotent
        self.assertTrue(model.closed)
        # a context keeps its model alive (the header's ownership rule)
        self.assertEqual(le_bytes(context.classify_file(image)), expected)
        self.assertEqual(len(model.labels), 10)                     # copied at open
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            model.context()
        self.assertEqual(cm.exception.status_name, "VGG_ERROR_INVALID_HANDLE")
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            model.top_k(logits, 3)
        self.assertEqual(cm.exception.status_name, "VGG_ERROR_INVALID_HANDLE")
        context.close()
        context.close()
        self.assertTrue(context.closed)
        for call in (lambda: context.classify_file(image),
                     lambda: context.classify_frame(bytes(3 * 40 * 36), width=40, height=36),
                     lambda: context.classify_preprocessed(array.array("f", bytes(4 * 3072)))):
            with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
                call()
            self.assertEqual(cm.exception.status, vgg_int8.Status.INVALID_HANDLE)
        with vgg_int8.Model(ARGS.blob, library=LIB) as m2:
            with m2.context() as c2:
                self.assertEqual(le_bytes(c2.classify_file(image)), expected)
            self.assertTrue(c2.closed)
        self.assertTrue(m2.closed)

    def test_dropped_without_close(self):
        """__del__ frees; models dropped before their contexts; nothing freed twice."""
        image = os.path.join(ARGS.fixtures, "images", "coffee.png")
        for _ in range(20):
            context = vgg_int8.Model(ARGS.blob, library=LIB).context()  # no name kept for the Model
            context.classify_file(image)
            model = vgg_int8.Model(ARGS.blob, library=LIB)
            model.context().close()
            model.close()
            del model, context
        gc.collect()
        self.assertEqual(len(self.context.classify_file(image)), 10)

    def test_c_types_checked_in_python(self):
        """Every function of the header has argtypes/restype; a wrong handle kind fails in ctypes."""
        with open(ARGS.header) as f:
            header = f.read()
        names = sorted(set(re.findall(r"\b(vgg_[a-z0-9_]+)\(", header)))  # as Scripts/build-lib.sh
        self.assertEqual(len(names), 15, names)
        self.assertEqual(sorted(vgg_int8._PROTOTYPES), names)
        for name in names:
            function = getattr(LIB._dll, name)
            self.assertIsNotNone(function.argtypes, name)
        model_pointer = self.model._handle.acquire()
        try:
            with self.assertRaises(ctypes.ArgumentError):
                LIB.vgg_context_free(model_pointer)
            with self.assertRaises(ctypes.ArgumentError):
                LIB.vgg_classify_file(model_pointer, b"x.png", None, 0)
        finally:
            self.model._handle.release()
        # CDLL (the GIL released around calls), not PyDLL
        self.assertIsInstance(LIB._dll, ctypes.CDLL)
        self.assertNotIsInstance(LIB._dll, ctypes.PyDLL)
        self.assertFalse(LIB.vgg_classify_file._flags_ & ctypes._FUNCFLAG_PYTHONAPI)

    def test_c_null_pointer_statuses(self):
        """The C-level statuses the binding never triggers itself."""
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            LIB.check(LIB.vgg_classify_file(None, b"x.png", (ctypes.c_float * 10)(), 10))
        self.assertStatus(cm, "VGG_ERROR_INVALID_HANDLE")
        with self.assertRaises(vgg_int8.VGGInt8Error) as cm:
            LIB.check(LIB.vgg_model_open(None, 1, ctypes.byref(vgg_int8._ModelP())))
        self.assertStatus(cm, "VGG_ERROR_INVALID_ARGUMENT")
        self.assertEqual(LIB.status_name(99), "VGG_ERROR_UNKNOWN")


def child(code, *env):
    """Runs code in a fresh interpreter with this folder on the path."""
    environment = dict(os.environ)
    environment.pop("VGG_INT8_LIBRARY", None)
    environment.update(env)
    environment["PYTHONPATH"] = HERE
    return subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=environment, cwd=tempfile.gettempdir())


class LibraryLookup(unittest.TestCase):
    def test_explicit_path_missing(self):
        with self.assertRaises(OSError) as cm:
            vgg_int8.load_library("/nonexistent/libvgg_int8.so.1")
        self.assertIn("/nonexistent/libvgg_int8.so.1", str(cm.exception))

    def test_environment_variable(self):
        run = child("import vgg_int8; print(vgg_int8.load_library().path)", ("VGG_INT8_LIBRARY", ARGS.library))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip(), ARGS.library)
        run = child("import vgg_int8; vgg_int8.load_library()", ("VGG_INT8_LIBRARY", "/nonexistent/lib.so"))
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("$VGG_INT8_LIBRARY: /nonexistent/lib.so", run.stderr)
        self.assertIn("OSError", run.stderr)

    def test_next_to_module_and_abi(self):
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(os.path.join(HERE, "vgg_int8.py"), folder)
            os.symlink(os.path.abspath(ARGS.library), os.path.join(folder, "libvgg_int8.so.1"))
            code = "import sys; sys.path.insert(0, %r); import vgg_int8; print(vgg_int8.load_library().path)" % folder
            run = child(code)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout.strip(), os.path.join(folder, "libvgg_int8.so.1"))
        # a library of another ABI is refused
        run = child("import vgg_int8; vgg_int8.ABI_VERSION = 99; vgg_int8.load_library(%r)" % ARGS.library)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("ABI version 1", run.stderr)
        self.assertIn("written for ABI 99", run.stderr)

    def test_nothing_found(self):
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(os.path.join(HERE, "vgg_int8.py"), folder)
            code = ("import sys; sys.path.insert(0, %r); import ctypes.util; ctypes.util.find_library = lambda n: None\n"
                    "import vgg_int8; vgg_int8.load_library()" % folder)
            run = child(code, ("LD_LIBRARY_PATH", ""))
        self.assertNotEqual(run.returncode, 0)
        for part in ("next to vgg_int8.py", "find_library", "libvgg_int8.so.1", "VGG_INT8_LIBRARY"):
            self.assertIn(part, run.stderr)


class HostileSizes(unittest.TestCase):
    """Sizes that once made the C library abort (an overflow trap) or read out of bounds: each must
    be a status (the header promises one). Each runs in a child process, so a crash fails the test."""

    PRELUDE = ("import ctypes, sys, vgg_int8\n"
               "lib = vgg_int8.load_library(%r)\n"
               "model = vgg_int8.Model(%r, library=lib)\n"
               "context = model.context()\n"
               "handle = context._handle.acquire()\n"
               "out = (ctypes.c_float * 10)()\n")

    def run_child(self, code):
        run = child(self.PRELUDE % (ARGS.library, ARGS.blob) + code)
        self.assertEqual(run.returncode, 0, "killed by signal %d%s" % (-run.returncode, run.stderr)
                         if run.returncode < 0 else run.stderr)
        self.assertEqual(run.stdout.split(), ["5"], run.stdout)     # VGG_ERROR_INVALID_INPUT

    def test_frame_stride_overflow(self):
        """(height - 1) * row_stride overflows: VGG_ERROR_INVALID_INPUT, not an overflow trap."""
        self.run_child("buf = bytes(3 * 40 * 36)\n"
                       "pixels = ctypes.cast(ctypes.c_char_p(buf), ctypes.POINTER(ctypes.c_uint8))\n"
                       "print(lib.vgg_classify_frame(handle, pixels, len(buf), 40, 36, 2 ** 62, 0, out, 10))\n")

    def test_preprocessed_count_read_before_check(self):
        """count in bytes instead of floats: VGG_ERROR_INVALID_INPUT before any float is read (the
        tensor ends at a PROT_NONE page, so reading count floats would be SIGSEGV)."""
        self.run_child("import mmap\n"
                       "n = 3 * model.input_height * model.input_width\n"
                       "size = (4 * n + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE\n"
                       "region = mmap.mmap(-1, size + mmap.PAGESIZE)\n"
                       "base = ctypes.addressof(ctypes.c_char.from_buffer(region))\n"
                       "libc = ctypes.CDLL(None)\n"
                       "libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]\n"
                       "assert libc.mprotect(base + size, mmap.PAGESIZE, 0) == 0\n"
                       "tensor = ctypes.cast(base + size - 4 * n, ctypes.POINTER(ctypes.c_float))\n"
                       "print(lib.vgg_classify_preprocessed(handle, tensor, 4 * n, out, 10))\n")


def main():
    global ARGS, LIB
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], add_help=False)
    parser.add_argument("--library", required=True)
    parser.add_argument("--blob", required=True)
    parser.add_argument("--vgg-run", required=True, dest="vgg_run")
    parser.add_argument("--fixtures", default=os.path.join(HERE, os.pardir, "Tests", "Fixtures"))
    parser.add_argument("--header", default=os.path.join(HERE, os.pardir, "include", "vgg_int8.h"))
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        parser.print_help()
        print("\n" + __doc__)
        return 0
    ARGS, rest = parser.parse_known_args()
    for name in ("library", "blob", "vgg_run", "fixtures", "header"):
        setattr(ARGS, name, os.path.abspath(getattr(ARGS, name)))  # the child processes run elsewhere
    ARGS.verbose = "-v" in rest or "--verbose" in rest
    for name in ("library", "blob", "vgg_run", "header"):
        if not os.path.exists(getattr(ARGS, name)):
            parser.error("--%s %s does not exist" % (name.replace("_", "-"), getattr(ARGS, name)))
    LIB = vgg_int8.load_library(ARGS.library)
    print("vgg_int8 tests: %s (%s), Python %s, numpy %s" % (
        LIB.path, LIB.version, sys.version.split()[0], numpy.__version__ if numpy is not None else "absent (skipping its tests)"),
        file=sys.stderr)
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
