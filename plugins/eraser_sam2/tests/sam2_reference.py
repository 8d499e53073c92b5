"""Runs in the reference environment (torch 2.14.1, torchvision 0.29.1, sam2
1.1.0; see docs/models.md), never imported by eraser: ``python
sam2_reference.py JOB.json OUT.npz``. Builds upstream SAM 2.1 with
``build_sam2(config, ckpt_path)`` and writes what the job asks for:

* ``predict``: ``SAM2ImagePredictor`` masks (threshold 0) and low-res logits
  for each prompt set on an image;
* ``features``: the predictor's image features (embedding and skips);
* ``everything``: ``SAM2AutomaticMaskGenerator`` masks with its defaults;
* ``keys``: every state-dict key's shape (random init, no checkpoint);
* ``defaults``: ``SAM2AutomaticMaskGenerator``'s keyword defaults (JSON).
"""

import json
import sys

import numpy as np
import torch


def main(job_path, out_path):
    from sam2.build_sam import build_sam2

    job = json.load(open(job_path))
    out = {}
    if job["task"] == "defaults":
        import inspect

        from sam2.automatic_mask_generator import SAM2AutomaticMaskGenerator

        parameters = inspect.signature(SAM2AutomaticMaskGenerator.__init__).parameters.values()
        json.dump({p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}, open(out_path, "w"))
        return
    if job["task"] == "keys":
        for name, config in job["configs"].items():
            # upstream's Hiera calls .item() while it builds, so not on the meta device
            model = build_sam2(config, ckpt_path=None, device="cpu", mode="eval")
            out[name] = {k: list(v.shape) for k, v in model.state_dict().items()}
            del model
        json.dump(out, open(out_path, "w"))
        return
    torch.manual_seed(0)
    model = build_sam2(job["config"], ckpt_path=job["checkpoint"], device="cpu", mode="eval")
    image = np.load(job["image"])
    if job["task"] in ("predict", "features"):
        from sam2.sam2_image_predictor import SAM2ImagePredictor

        predictor = SAM2ImagePredictor(model)
        with torch.inference_mode():
            predictor.set_image(image)
            out["image_embed"] = predictor._features["image_embed"].numpy()
            out["high_res_0"] = predictor._features["high_res_feats"][0].numpy()
            out["high_res_1"] = predictor._features["high_res_feats"][1].numpy()
            for i, prompt in enumerate(job.get("prompts", [])):
                points = prompt.get("points") or None
                masks, scores, low_res = predictor.predict(
                    point_coords=np.array(points, np.float32) if points else None,
                    point_labels=np.array(prompt["labels"], np.int32) if points else None,
                    box=np.array(prompt["box"], np.float32) if prompt.get("box") else None,
                    multimask_output=prompt["multimask"],
                    return_logits=True,
                )
                best = int(np.argmax(scores)) if prompt["multimask"] else 0
                out[f"logits_{i}"] = masks[best]
                out[f"low_res_{i}"] = low_res[best]
                out[f"scores_{i}"] = scores
    elif job["task"] == "everything":
        from sam2.automatic_mask_generator import SAM2AutomaticMaskGenerator

        generator = SAM2AutomaticMaskGenerator(model, **job.get("options", {}))
        with torch.inference_mode():
            records = generator.generate(image)
        out["count"] = np.array(len(records))
        if records:
            out["masks"] = np.stack([r["segmentation"] for r in records])
            out["scores"] = np.array([r["predicted_iou"] for r in records])
            out["stability"] = np.array([r["stability_score"] for r in records])
    np.savez(out_path, **out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
