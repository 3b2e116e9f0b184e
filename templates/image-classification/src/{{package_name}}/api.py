"""`serve`'s model: `POST /predict` classifies an uploaded image (multipart field `file`).

The request and response models are built from the run's checkpoint: /docs shows the
image size the model reads, how many classes `top_k` may ask for, and the class names.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint's annotations, which
# use values known only once the run is loaded (the number of classes).
import io
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, Field, create_model

from .data import load_image
from .model import load_model
from .predict import top_classes

TOP_K = 3  # classes in an answer unless the request asks for another number


def response_model(classes: list[str]) -> type[BaseModel]:
    """The answer's schema: the most likely class, then the `top_k` classes ranked."""
    label = Literal[tuple(classes)]  # only the run's classes: /docs lists them
    probability = Field(ge=0, le=1, description="the model's probability for the class")
    ranked = create_model("RankedClass", label=(label, ...), probability=(float, probability))
    return create_model(
        "Prediction",
        label=(label, Field(description="the most likely class")),
        probability=(float, probability),
        top_k=(list[ranked], Field(description="the most likely classes, most likely first")),
    )


def create_router(run_dir: Path) -> APIRouter:
    """Load the run's best model once, and return a router with `POST /predict`."""
    model, checkpoint = load_model(run_dir / "best.pt")
    size, channels = checkpoint["image_size"], checkpoint["channels"]
    classes = checkpoint["classes"]
    colour = "greyscale" if channels == 1 else "RGB"
    Prediction = response_model(classes)
    router = APIRouter()

    @router.post("/predict", response_model=Prediction)
    def predict(
        file: Annotated[
            UploadFile,
            File(description=f"an image (PNG, JPEG, ...); read as {colour} {size}x{size} pixels"),
        ],
        top_k: Annotated[
            int, Form(ge=1, le=len(classes), description="how many classes to answer with")
        ] = min(TOP_K, len(classes)),
    ) -> dict[str, Any]:
        """The image's most likely classes, with the model's probabilities."""
        try:
            image = load_image(io.BytesIO(file.file.read()), size, channels)
        except UnidentifiedImageError:
            detail = "file: not an image in a format Pillow reads (PNG, JPEG, BMP, WebP, ...)"
            raise HTTPException(status_code=422, detail=detail) from None
        except (OSError, Image.DecompressionBombError) as error:  # truncated, or too large
            raise HTTPException(status_code=422, detail=f"file: {error}") from None
        ranked = [
            {"label": label, "probability": probability}
            for label, probability in top_classes(model, checkpoint, image, top_k)
        ]
        return {**ranked[0], "top_k": ranked}

    return router


def example_request(run_dir: Path) -> dict[str, Any]:
    """One valid request (`httpx.post(url, **kwargs)`): a test image the run kept."""
    image = sorted((run_dir / "examples").glob("*.png"))[0]
    return {"files": {"file": (image.name, image.read_bytes(), "image/png")}}
