"""A converted CoreML package checked by its spec alone (CoreML cannot run on
Linux): what a model plugin's tests assert of each package it ships. Needs
coremltools (imported here only)."""

from __future__ import annotations

from pathlib import Path


def check_coreml_package(package: Path, inputs: dict, outputs: dict):
    """Assert that ``package`` (an ``.mlpackage``) is an ML program (iOS 16 /
    macOS 13 on) whose inputs and outputs are named as ``inputs`` and
    ``outputs`` are, in order, every one float32. An input's shape is a list
    of sizes, where a ``(low, high)`` tuple is a flexible size (then every size
    is checked as a range); an output's shape is a list, or None where the
    converter leaves it open. Returns the spec for further checks."""
    import coremltools as ct

    stem = Path(package).stem
    spec = ct.models.MLModel(str(package), skip_model_load=True).get_spec()
    float32 = ct.proto.FeatureTypes_pb2.ArrayFeatureType.FLOAT32
    assert spec.WhichOneof("Type") == "mlProgram" and spec.specificationVersion >= 7, stem
    assert [i.name for i in spec.description.input] == list(inputs), stem
    assert [o.name for o in spec.description.output] == list(outputs), stem
    for feature in spec.description.input:
        array = feature.type.multiArrayType
        assert array.dataType == float32, (stem, feature.name)
        want = inputs[feature.name]
        ranges = [(r.lowerBound, r.upperBound) for r in array.shapeRange.sizeRanges]
        if any(isinstance(d, tuple) for d in want):
            assert ranges == [d if isinstance(d, tuple) else (d, d) for d in want], (stem, feature.name)
        else:
            assert list(array.shape) == want and not ranges, (stem, feature.name)
    for feature in spec.description.output:
        assert feature.type.multiArrayType.dataType == float32, (stem, feature.name)
        if outputs[feature.name] is not None:
            assert list(feature.type.multiArrayType.shape) == outputs[feature.name], (stem, feature.name)
    return spec
