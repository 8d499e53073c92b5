"""SAM 2.1's memory bank for one object tracked in one direction, bounded:
the conditioning (key) frame's memory and object pointer, the memories of the
last ``NUM_MASKMEM - 1`` frames and the object pointers of the last
``MAX_OBJ_PTRS - 1`` frames. Frames are numbered from the key frame (0) in the
direction of travel, so a backward pass is a forward pass over reversed frames.

What a frame attends to (``SAM2Base._prepare_memory_conditioned_features``,
eval mode, one conditioning frame, memory stride 1):

* maps: the key frame's memory first (temporal slot 0), then the previous
  frames', oldest first (slots 1..6); each map's positional encoding is the
  memory encoder's sine encoding plus ``maskmem_tpos_enc[NUM_MASKMEM - slot - 1]``;
* object pointers: the key frame's (time offset = the frame's number), then
  the previous frames', nearest first (offsets 1, 2, ...), each cut into four
  64-channel tokens; their encoding is ``obj_ptr_tpos_proj`` of the sine
  encoding of offset / (max pointers - 1), repeated for the four tokens.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from eraser_sam2.interface import EMBED_DIM, MEM_DIM
from eraser_sam2.video_ops import time_encoding

NUM_MASKMEM = 7  # the sam2.1 yaml's num_maskmem: the key frame plus 6 previous frames
MAX_OBJ_PTRS = 16  # SAM2Base's max_obj_ptrs_in_encoder


@dataclass
class Memory:
    features: Optional[np.ndarray]  # (1, 64, 64, 64), already rounded to bfloat16; dropped when too old
    pointer: np.ndarray  # (1, 256)


class MemoryBank:
    def __init__(self, maskmem_tpos_enc: np.ndarray, positional_encoding: np.ndarray,
                 project_time: Callable[[np.ndarray], np.ndarray], num_frames: Optional[int] = None) -> None:
        """``maskmem_tpos_enc`` (7, 1, 1, 64); ``positional_encoding`` the memory
        encoder's (1, 64, 64, 64); ``project_time`` maps (K, 256) time encodings
        to (K, 64) (``obj_ptr_tpos_proj``). ``num_frames``: the clip's length when
        known; upstream caps the pointers at min(num_frames, 16), and a
        stream of unknown length counts as long (16)."""
        self.tpos = np.asarray(maskmem_tpos_enc, np.float32).reshape(NUM_MASKMEM, MEM_DIM)
        self.map_pos = np.ascontiguousarray(np.asarray(positional_encoding, np.float32).reshape(MEM_DIM, -1).T)
        self.project_time = project_time
        self.max_ptrs = MAX_OBJ_PTRS if num_frames is None else max(1, min(num_frames, MAX_OBJ_PTRS))
        self.key: Optional[Memory] = None
        self.recent: deque[tuple[int, Memory]] = deque(maxlen=max(NUM_MASKMEM - 1, self.max_ptrs - 1))

    def add(self, number: int, memory: Memory) -> None:
        """Keep frame ``number``'s memory (0: the key frame)."""
        if number == 0:
            self.key = memory
        else:
            self.recent.append((number, memory))
            for old_number, old in self.recent:  # maps older than the 6 previous frames are never read again
                if old_number <= number - NUM_MASKMEM + 1:
                    old.features = None

    def inputs(self, number: int) -> dict[str, np.ndarray]:
        """The MemoryAttention graph's memory inputs for frame ``number`` (> 0)."""
        assert self.key is not None, "the key frame's memory comes first"
        by_number = dict(self.recent)
        maps, maps_pos = [self.key.features], [self.map_pos + self.tpos[NUM_MASKMEM - 1]]
        for slot in range(1, NUM_MASKMEM):
            previous = by_number.get(number - (NUM_MASKMEM - slot))
            if previous is not None and previous.features is not None:
                maps.append(previous.features)
                maps_pos.append(self.map_pos + self.tpos[NUM_MASKMEM - slot - 1])
        offsets, pointers = [number], [self.key.pointer]
        for back in range(1, self.max_ptrs):
            if number - back < 0:
                break
            previous = by_number.get(number - back)
            if previous is not None:
                offsets.append(back)
                pointers.append(previous.pointer)
        encoding = time_encoding(np.array(offsets, np.float32) / np.float32(max(self.max_ptrs - 1, 1)), EMBED_DIM)
        pointer_pos = np.repeat(self.project_time(encoding), EMBED_DIM // MEM_DIM, axis=0)
        split = np.concatenate(pointers, axis=0).reshape(-1, MEM_DIM)  # each pointer as 4 tokens, in order
        return {
            "memoryMaps": np.concatenate([m.reshape(MEM_DIM, -1).T for m in maps], axis=0)[None],
            "memoryMapsPositionalEncoding": np.concatenate(maps_pos, axis=0)[None],
            "objectPointers": np.ascontiguousarray(split[None], np.float32),
            "objectPointersPositionalEncoding": np.ascontiguousarray(pointer_pos[None], np.float32),
        }
