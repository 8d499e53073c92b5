"""What the converted MobileSAM models look like, in one place: sizes, SAM's
pixel normalisation, file names and tensor names.

Shared by the PyTorch side (``model.py``, ``convert.py``) and the runtime side
(``segmenter.py``); it imports nothing, so the segmenter stays torch-free.
"""

IMAGE_SIZE = 1024  # the encoder's square input, pixels
EMBED_DIM = 256  # prompt/transformer channel count
EMBED_SIZE = 64  # image embedding is EMBED_DIM x EMBED_SIZE x EMBED_SIZE
LOW_RES_SIZE = 4 * EMBED_SIZE  # low-resolution mask logits, 256 x 256
EMBEDDING_SHAPE = (1, EMBED_DIM, EMBED_SIZE, EMBED_SIZE)  # imageEmbeddings, float32

# SAM's normalisation of RGB in 0..255
PIXEL_MEAN = (123.675, 116.28, 103.53)
PIXEL_STD = (58.395, 57.12, 57.375)

# the decoder's constant imagePositionalEncoding (1, 256, 64, 64) float32
POSITIONAL_ENCODING_FILE = "imagePositionalEncoding.npy"

IMAGE_STEMS = ("ImageEncoder", "PromptEncoder", "MaskDecoder")  # what every install has (and CoreML)
# MaskDecoder in two, for clicks: the part that reads the photo only, run once
# per photo and cached with it, and the part each click runs. Installs made
# before them lack them; their clicks run MaskDecoder.
CLICK_STEMS = ("MaskDecoderImage", "MaskDecoderPrompt")
TOKENS = EMBED_SIZE * EMBED_SIZE
# MaskDecoderImage's outputs (what a click's MaskDecoderPrompt reads of the photo) and their shapes
CLICK_FEATURES = {
    "imageTokens": (1, TOKENS, EMBED_DIM),
    "imageKeys": (1, TOKENS, EMBED_DIM // 2),
    "imageValues": (1, TOKENS, EMBED_DIM // 2),
    "imageQueries": (1, TOKENS, EMBED_DIM // 2),
}

# file stem -> (input names, output names); the wrappers in wrappers.py agree
INTERFACES = {
    "ImageEncoder": (("image",), ("imageEmbeddings",)),
    "PromptEncoder": (("points", "labels"), ("sparsePromptEmbeddings", "densePromptEmbeddings")),
    "MaskDecoder": (
        ("imageEmbeddings", "imagePositionalEncoding", "sparsePromptEmbeddings", "densePromptEmbeddings"),
        ("masks", "iouPredictions"),
    ),
    # imageTokens: imageEmbeddings plus the no-mask dense prompt, as tokens;
    # the first two-way block's image keys, values (token to image) and
    # queries (image to token), as CLICK_FEATURES says
    "MaskDecoderImage": (("imageEmbeddings", "imagePositionalEncoding"), tuple(CLICK_FEATURES)),
    # positionalTokens: imagePositionalEncoding as (1, 4096, 256)
    "MaskDecoderPrompt": (tuple(CLICK_FEATURES) + ("positionalTokens", "sparsePromptEmbeddings"),
                          ("masks", "iouPredictions")),
}
