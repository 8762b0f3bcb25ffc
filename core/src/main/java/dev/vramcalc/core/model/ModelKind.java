package dev.vramcalc.core.model;

/** Returns the broad shape of a model, which decides which memory terms apply. */
public enum ModelKind {
  /** Autoregressive text decoder: has a KV cache and generates. */
  DECODER,
  /** A decoder with a vision tower in front (Gemma 3, Mistral 3). */
  MULTIMODAL_DECODER,
  /** Bidirectional text encoder (BERT family): one forward pass, no KV cache. */
  ENCODER,
  /** Vision transformer (ViT): one forward pass over image patches. */
  VISION_ENCODER,
  /** Two towers, text and vision, with projections (CLIP). */
  DUAL_ENCODER;

  public boolean hasKvCache() {
    return this == DECODER || this == MULTIMODAL_DECODER;
  }
}
