package dev.vramcalc.core.estimate;

import dev.vramcalc.core.unit.Bytes;

/**
 * Returns one named part of a memory estimate: its bytes, the formula with the numbers filled in,
 * where the formula comes from, and whether it is exact or estimated.
 *
 * @param name the component, from the fixed vocabulary ({@code weights}, {@code kv_cache}, …)
 * @param bytes the amount on the most loaded GPU
 * @param formula the arithmetic with every factor labelled
 * @param source the paper, engine code or measurement behind the formula
 * @param estimated false when the number is exact arithmetic on the model's shapes
 * @param level the memory level the term adds to
 */
public record Term(String name, Bytes bytes, String formula, String source, boolean estimated, MemoryLevel level) {

  public Term {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a term needs a name");
    }
  }
}
