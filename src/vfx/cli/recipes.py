"""``vfx run`` and ``vfx recipes list|show``: declarative recipes over many videos."""

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from vfx.cli.options import Json, Quiet
from vfx.cli.output import echo_json, say, shown


def list_recipes() -> None:
    """The built-in recipes, with what each does."""
    from vfx.recipe.schema import builtin_recipes, load_recipe

    for name, path in builtin_recipes().items():
        say(f"{name:<18} {load_recipe(path).description}")


def show(
    name: Annotated[
        str, typer.Argument(help="A built-in recipe's name or a recipe file.", metavar="RECIPE")
    ],
) -> None:
    """Print a recipe's TOML."""
    from vfx.recipe.schema import find_recipe

    say(find_recipe(name).path.read_text(encoding="utf-8"), nl=False)


def run(
    recipe: Annotated[
        str,
        typer.Argument(help="A recipe file, or a built-in recipe's name.", metavar="RECIPE"),
    ],
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Videos, folders (searched for videos) or glob patterns.",
            metavar="INPUT...",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output folder (default: here).", show_default=False),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Videos in parallel (default: the number of cores)."
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Send the videos to this Dask scheduler (tcp://host:8786).",
            metavar="ADDRESS",
            show_default=False,
        ),
    ] = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Search folders recursively.")
    ] = False,
    quiet: Quiet = False,
    json: Json = False,
) -> None:
    """Run a recipe over many videos; resumes where an earlier run stopped.

    Each video gets its own folder (the recipe's output template). run.json in the output
    folder records every input's status and outputs; a re-run skips inputs whose outputs
    are complete under the same recipe. One failing video does not stop the others; the
    exit code is 1 if any failed.
    """
    from vfx.recipe.runner import run_recipe
    from vfx.recipe.task import InputResult

    def report(result: InputResult) -> None:
        if not quiet and not json:
            what = result.error if result.status == "failed" else f"{len(result.outputs)} files"
            say(f"{result.status:>7}  {Path(result.video).name}: {what}", err=True)

    from vfx.cli.process import tune_worker

    outcome = run_recipe(
        recipe,
        inputs,
        output,
        jobs=jobs,
        dask=dask,
        recursive=recursive,
        on_result=report,
        worker_setup=tune_worker,
    )
    if json:
        echo_json(
            {
                "recipe": outcome.recipe,
                "recipe_hash": outcome.recipe_hash,
                "out_dir": str(outcome.out_dir),
                "manifest": str(outcome.manifest),
                "inputs": [asdict(r) for r in outcome.results],
            }
        )
    elif not quiet:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{outcome.recipe}: {len(outcome.results)} inputs")
        for column in ("input", "status", "outputs", "seconds", "reason"):
            table.add_column(column)
        for r in outcome.results:
            table.add_row(
                shown(Path(r.video).name),
                r.status,
                str(len(r.outputs)),
                f"{r.seconds:.1f}",
                shown(r.error or ""),
            )
        Console().print(table)
        say(
            f"{outcome.count('done')} done, {outcome.count('skipped')} skipped, "
            f"{outcome.count('failed')} failed; manifest {outcome.manifest}"
        )
    if outcome.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    recipes = typer.Typer(help="List and show the built-in recipes.", no_args_is_help=True)
    app.add_typer(recipes, name="recipes")
    recipes.command("list")(list_recipes)
    recipes.command("show")(show)
    app.command()(run)


__all__ = ["list_recipes", "register", "run", "show"]
