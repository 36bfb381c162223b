"""Face alignment the way FFHQ was aligned, with dlib and its CC0 five-point landmark model.

``align_face(image, resolution)`` finds exactly one face, takes its five landmarks (two corners of
each eye, the base of the nose) and crops an oriented square around it: eyes level, the eyes and
the mouth at fixed positions (Karras et al., FFHQ's ``recreate_aligned_images``). FFHQ placed the
square from the eye centres and the mouth centre of a 68-point model; the 68-point model was
trained on data under non-commercial terms, so the mouth centre is estimated from the five-point
model instead: it lies on the line from the eye midpoint through the base of the nose, at
``MOUTH_FROM_NOSE`` times the nose's distance (measured with the 68-point model on the astronaut
and LFW faces: 1.17-1.69, mean 1.43).

Detection runs on a copy whose long side is ``DETECT_SIDE`` pixels (HOG detector, no upsampling),
so a 24-megapixel photograph costs the same as a thumbnail; landmarks are found on the full image.
An image with no face or with several faces raises ``DataError`` saying which: the data loader
skips it with that reason.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from PIL import Image

from gan.errors import DataError

__all__ = ["DETECT_SIDE", "MOUTH_FROM_NOSE", "Face", "align_face", "face_quad", "find_faces"]

DETECT_SIDE = 640
MOUTH_FROM_NOSE = 1.43


@functools.cache
def _detector() -> Any:
    import dlib

    return dlib.get_frontal_face_detector()


@functools.cache
def _five_points() -> Any:
    import dlib
    import face_recognition_models

    return dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())


class Face:
    """One detected face: its box and five landmarks in the image's pixel coordinates."""

    def __init__(self, box: Any, landmarks: np.ndarray, shape: Any) -> None:
        self.box = box  # dlib.rectangle
        self.landmarks = landmarks  # (5, 2) float: right eye (2), left eye (2), nose base
        self.shape = shape  # dlib.full_object_detection, for the face descriptor

    @property
    def eyes(self) -> tuple[np.ndarray, np.ndarray]:
        """Centres of the eye on the image's left and on its right."""
        a, b = self.landmarks[0:2].mean(0), self.landmarks[2:4].mean(0)
        return (a, b) if a[0] < b[0] else (b, a)


def find_faces(rgb: np.ndarray) -> list[Face]:
    """Every face the detector finds in an (H, W, 3) uint8 image, with landmarks."""
    import dlib

    height, width = rgb.shape[:2]
    scale = DETECT_SIDE / max(height, width)
    small = np.asarray(
        Image.fromarray(rgb).resize(
            (max(1, round(width * scale)), max(1, round(height * scale))),
            Image.Resampling.BILINEAR,
        )
    )
    faces = []
    for box in _detector()(small, 0):
        full = dlib.rectangle(
            round(box.left() / scale),
            round(box.top() / scale),
            round(box.right() / scale),
            round(box.bottom() / scale),
        )
        shape = _five_points()(rgb, full)
        points = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)
        faces.append(Face(full, points, shape))
    return faces


def face_quad(face: Face) -> np.ndarray:
    """The (4, 2) corners (top-left, bottom-left, bottom-right, top-right) of FFHQ's crop."""
    eye_left, eye_right = face.eyes
    eye_avg = (eye_left + eye_right) / 2
    eye_to_eye = eye_right - eye_left
    mouth_avg = eye_avg + MOUTH_FROM_NOSE * (face.landmarks[4] - eye_avg)
    eye_to_mouth = mouth_avg - eye_avg
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.flipud(x) * [-1, 1]
    centre = eye_avg + eye_to_mouth * 0.1
    return np.stack([centre - x - y, centre - x + y, centre + x + y, centre + x - y])


def align_face(img: Image.Image, resolution: int) -> np.ndarray:
    """The FFHQ-aligned (R, R, 3) uint8 crop of the one face in ``img``."""
    rgb = np.asarray(img.convert("RGB"))
    faces = find_faces(rgb)
    if not faces:
        raise DataError("no face found")
    if len(faces) > 1:
        raise DataError(f"{len(faces)} faces found (one per photograph)")
    quad = face_quad(faces[0])
    # Where the square reaches past the photograph, mirror the photograph (as FFHQ did) rather
    # than fill with black: the GAN would otherwise learn black wedges.
    pad = int(np.ceil(max(0.0, -quad.min(), *(quad.max(0) - rgb.shape[1::-1])))) + 1
    if pad > 1:
        pad = min(pad, min(rgb.shape[:2]) - 1)
        rgb = np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
        quad = quad + pad
    side = int(np.clip(np.hypot(*(quad[3] - quad[0])), resolution, 4 * resolution))
    square = Image.fromarray(rgb).transform(
        (side, side),
        Image.Transform.QUAD,
        tuple(quad.flatten()),
        Image.Resampling.BILINEAR,
    )
    return np.asarray(square.resize((resolution, resolution), Image.Resampling.LANCZOS))
