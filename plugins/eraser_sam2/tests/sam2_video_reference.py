"""Runs in the reference environment (torch 2.14.1, sam2 1.1.0; see
test_sam2_upstream.py), never imported by eraser: ``python
sam2_video_reference.py JOB.json OUT.npz``. Builds upstream's
``SAM2VideoPredictor`` with ``build_sam2_video_predictor(config, ckpt_path)``
(its default post-processing on), prompts one object on frame ``frame`` (0
unless the job says) of a folder of JPEG frames (``add_new_points_or_box`` for
points, ``add_new_mask`` for a mask), propagates from it forwards, or
backwards when the job says ``reverse`` (``propagate_in_video(start_frame_idx=frame,
reverse=True)`` on a fresh state), and writes each frame's video-resolution logits
(``logits_N``), object-score logits and the wall time of init_state, the
prompt and the propagation (``seconds``, for the bench)."""

import json
import sys
import time

import numpy as np
import torch


def main(job_path, out_path):
    from sam2.build_sam import build_sam2_video_predictor

    job = json.load(open(job_path))
    torch.manual_seed(0)
    predictor = build_sam2_video_predictor(job["config"], ckpt_path=job["checkpoint"], device="cpu", mode="eval")
    out = {}
    started = time.perf_counter()
    with torch.inference_mode():
        state = predictor.init_state(video_path=job["frames"])
        key = job.get("frame", 0)
        if "mask" in job:
            predictor.add_new_mask(state, frame_idx=key, obj_id=1, mask=np.load(job["mask"]))
        else:
            predictor.add_new_points_or_box(state, frame_idx=key, obj_id=1, points=np.array(job["points"], np.float32),
                                            labels=np.array(job["labels"], np.int32))
        for frame_idx, _, logits in predictor.propagate_in_video(state, start_frame_idx=key,
                                                                 reverse=bool(job.get("reverse", False))):
            out[f"logits_{frame_idx}"] = logits[0, 0].numpy()
            frame_out = state["output_dict_per_obj"][0]
            stored = frame_out["cond_frame_outputs"].get(frame_idx) or frame_out["non_cond_frame_outputs"][frame_idx]
            out[f"score_{frame_idx}"] = stored["object_score_logits"].float().numpy().ravel()
    out["seconds"] = np.array(time.perf_counter() - started)
    np.savez(out_path, **out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
