"""Jobs cross to the worker thread as frozen data: no closures over live objects, nothing to call."""

import dataclasses
import typing

import gui.jobs as jobs


def test_every_job_kind_is_frozen_data_without_callables():
    kinds = typing.get_args(jobs.Job)
    assert {kind.__name__ for kind in kinds} == {"LoadModelJob", "EditJob", "CaptionJob", "BatchJob"}
    for kind in kinds:
        assert dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen, kind.__name__
        for field in dataclasses.fields(kind):
            assert "Callable" not in str(field.type), f"{kind.__name__}.{field.name} is a callable"
