package dev.vramcalc.core.estimate;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The priced weights of one pipeline stage on one tensor-parallel rank, kept per (architecture,
 * format, layout): a search over batch and length prices the same tensors once instead of at every
 * step. Keys compare architectures and formats by identity (models are immutable and shared).
 */
final class WeightCache {

  private static final int MAX_ENTRIES = 4096;
  private static final ConcurrentHashMap<Key, long[]> CACHE = new ConcurrentHashMap<>();

  // equals and hashCode written out: a record's are bootstrapped by invokedynamic, which costs a one-shot CLI run ~8 ms
  private record Key(IdentityRef arch, IdentityRef format, int tp, int pp, int stage) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.arch.equals(arch) && k.format.equals(format) && k.tp == tp && k.pp == pp && k.stage == stage;
    }

    @Override
    public int hashCode() {
      return (((arch.hashCode() * 31 + format.hashCode()) * 31 + tp) * 31 + pp) * 31 + stage;
    }
  }

  /** Wraps an object so that equality is identity. */
  private static final class IdentityRef {
    final Object ref;

    IdentityRef(Object ref) {
      this.ref = ref;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof IdentityRef r && r.ref == ref;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(ref);
    }
  }

  private WeightCache() {}

  static long[] stage(Architecture arch, WeightFormat format, int tp, int pp, int stage, Supplier<long[]> price) {
    Key key = new Key(new IdentityRef(arch), new IdentityRef(format), tp, pp, stage);
    long[] hit = CACHE.get(key);
    if (hit != null) {
      return hit;
    }
    long[] value = price.get();
    if (CACHE.size() >= MAX_ENTRIES) {
      CACHE.clear();
    }
    CACHE.put(key, value);
    return value;
  }
}
