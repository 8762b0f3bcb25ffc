package dev.vramcalc.core.model;

import java.util.Locale;

/** Returns the part of a model a tensor belongs to, as the parameter breakdown names it. */
public enum Component {
  EMBEDDINGS,
  ATTENTION,
  MLP,
  EXPERTS,
  SHARED_EXPERTS,
  ROUTER,
  NORMS,
  LM_HEAD,
  POOLER,
  HEADS,
  VISION_TOWER,
  PROJECTOR,
  MTP;

  /** Returns the snake_case key used in JSON documents ({@code shared_experts}). */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
