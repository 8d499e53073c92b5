"""What an installed SAM 2.1 looks like, in one place: sizes, normalisation,
file names and tensor names. Imports nothing (the segmenter stays torch-free).

The image path is three graphs like the SAM family's, with SAM 2's extras:
the encoder also gives the two high-resolution skips, the decoder takes
them and also gives the object-score logit and the mask tokens. The video
parts are three more graphs a tracker needs; eraser's photo commands do not
run them.
"""

IMAGE_SIZE = 1024  # the encoder's square input: the photo is resized to it, not padded
EMBED_DIM = 256
EMBED_SIZE = 64
LOW_RES_SIZE = 256
EMBEDDING_SHAPE = (1, EMBED_DIM, EMBED_SIZE, EMBED_SIZE)
HIGH_RES_SHAPES = ((1, 32, 256, 256), (1, 64, 128, 128))
MEM_DIM = 64

# upstream's SAM2Transforms: RGB in [0, 1], ImageNet mean and std
PIXEL_MEAN = (0.485, 0.456, 0.406)
PIXEL_STD = (0.229, 0.224, 0.225)
MASK_THRESHOLD = 0.0  # SAM2ImagePredictor's mask_threshold
# build_sam2's defaults for a single mask: fall back to the best multimask
# output when the single one is unstable
STABILITY_DELTA = 0.05
STABILITY_THRESH = 0.98

POSITIONAL_ENCODING_FILE = "imagePositionalEncoding.npy"

# Segment everything's defaults: SAM2AutomaticMaskGenerator's (sam2 1.1.0) are
# SamAutomaticMaskGenerator's (eraser.defaults.EVERYTHING, which the segmenter's
# own go over) but for pred_iou_thresh, 0.88 there. Upstream's others are what the
# generator does anyway: mask_threshold 0.0, multimask_output True, use_m2m False.
# test_sam2_upstream.py compares the resulting settings with sam2's signature.
EVERYTHING_DEFAULTS = {"pred_iou_thresh": 0.8}

IMAGE_STEMS = ("ImageEncoder", "PromptEncoder", "MaskDecoder")
# MaskDecoder in two, for clicks: the part that reads the photo only, run once
# per photo and cached with its features, and the part each click runs
CLICK_STEMS = ("MaskDecoderImage", "MaskDecoderPrompt")
VIDEO_STEMS = ("MemoryEncoder", "MemoryAttention", "TrackerHeads")

# file stem -> (input names, output names); the wrappers in export.py agree
INTERFACES = {
    "ImageEncoder": (("image",), ("imageEmbeddings", "highResFeatures0", "highResFeatures1")),
    "PromptEncoder": (("points", "labels"), ("sparsePromptEmbeddings", "densePromptEmbeddings")),
    "MaskDecoder": (
        ("imageEmbeddings", "highResFeatures0", "highResFeatures1", "imagePositionalEncoding",
         "sparsePromptEmbeddings", "densePromptEmbeddings"),
        ("masks", "iouPredictions", "objectScoreLogits", "maskTokens"),
    ),
    # imageTokens: imageEmbeddings plus the no-mask dense prompt, as (1, 4096, 256);
    # the first two-way block's image keys, values (token to image) and queries
    # (image to token), heads split: (1, 8, 4096, 16); the skips as tokens in
    # the upscaling's order (heads.MaskDecoder.skip_tokens): (1, 65536, 32), (1, 16384, 64)
    "MaskDecoderImage": (("imageEmbeddings", "highResFeatures0", "highResFeatures1", "imagePositionalEncoding"),
                         ("imageTokens", "imageKeys", "imageValues", "imageQueries", "highResTokens0", "highResTokens1")),
    # positionalTokens: imagePositionalEncoding as (1, 4096, 256)
    "MaskDecoderPrompt": (
        ("imageTokens", "imageKeys", "imageValues", "imageQueries", "highResTokens0", "highResTokens1",
         "positionalTokens", "sparsePromptEmbeddings"),
        ("masks", "iouPredictions", "objectScoreLogits", "maskTokens"),
    ),
    # pixelFeatures: imageEmbeddings less no_mem_embed (noMemEmbed below);
    # maskForMemory: sigmoid(mask logits at 1024) * 20 - 10 (upstream's scale and bias)
    "MemoryEncoder": (("pixelFeatures", "maskForMemory"), ("memoryFeatures", "memoryPositionalEncoding")),
    # current (1, 4096, 256) and its sine encoding; memory maps (1, 4096 * F, 64)
    # (F frames, with their temporal encodings added by the caller) and object pointers (1, P, 64)
    "MemoryAttention": (
        ("currentFeatures", "currentPositionalEncoding", "memoryMaps", "memoryMapsPositionalEncoding",
         "objectPointers", "objectPointersPositionalEncoding"),
        ("conditionedFeatures",),
    ),
    # the small heads and learned embeddings a tracker uses around those graphs,
    # and the prompt encoder's mask-prompt path (maskPrompt: 256x256 logits)
    "TrackerHeads": (
        ("maskTokens", "temporalEncoding", "maskLogits", "maskPrompt"),
        ("objectPointers", "temporalProjection", "downsampledMask", "maskPromptEmbeddings", "noMemEmbed", "noMemPosEnc",
         "maskmemTposEnc", "noObjPtr", "noObjEmbedSpatial"),
    ),
}
STEMS = IMAGE_STEMS + CLICK_STEMS + VIDEO_STEMS
