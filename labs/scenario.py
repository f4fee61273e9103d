"""Generating a case: spec -> world -> story and background on the lab chains -> bundle and key."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .world.background import Background
from .bundle.key import step_summary
from .spec import ScenarioSpec, parse_params
from .typologies import get_typology
from .typologies.base import Step
from .world import World


@dataclass
class Case:
    """A generated case, its chains still running (close it, or use it as a context manager)."""

    spec: ScenarioSpec
    world: World

    def close(self):
        self.world.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_case(spec: ScenarioSpec, *, backend: str = "auto", progress: Callable[[str], None] | None = None) -> Case:
    """Execute ``spec``'s story among its background activity on fresh lab chains."""
    world = World(spec, backend=backend, progress=progress)
    try:
        world._background = Background(world)
        for s in spec.story:
            typology = get_typology(s.typology)
            params = parse_params(typology.Params, {k: list(v) if isinstance(v, tuple) else v
                                                    for k, v in s.params.items()}, f"story[{s.index}]")
            world.progress(f"story step {s.index}: {s.typology}")
            world.truth.begin_step(s.index, s.typology, s.params)
            typology.run(Step(world, s.index, s.typology), params, world.rng("story", s.index))
            entry = next(e for e in world.truth.steps if e["step"] == s.index)
            world.truth.summarize(s.index, step_summary(typology, [m for m in world.truth.moves if m.step == s.index],
                                                        entry.get("mistakes", [])))
        world.progress("background activity up to the end of the case")
        world._background.finish()
        for lane in world.lanes.values():
            lane.flush()
            lane.transactions()  # a write the node refused surfaces here, before anything is written
    except BaseException:
        world.close()
        raise
    return Case(spec, world)
