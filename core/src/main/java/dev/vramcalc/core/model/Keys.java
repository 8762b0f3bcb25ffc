package dev.vramcalc.core.model;

import dev.vramcalc.core.BadInputException;
import java.util.List;

/**
 * Returns validated values from a config: every size is checked against a named limit so a hostile
 * or mistaken config fails with the key and value instead of overflowing later.
 */
final class Keys {

  /** Largest hidden size accepted; the largest published models use 16,384 to 25,600. */
  static final long MAX_HIDDEN = 1L << 20;
  static final long MAX_LAYERS = 10_000;
  static final long MAX_HEADS = 1L << 16;
  static final long MAX_VOCAB = 1L << 27;
  static final long MAX_INTERMEDIATE = 1L << 24;
  static final long MAX_EXPERTS = 1L << 16;
  static final long MAX_POSITIONS = 1L << 34;
  static final long MAX_HEAD_DIM = 1L << 14;

  private final ConfigView cfg;

  Keys(ConfigView cfg) {
    this.cfg = cfg;
  }

  ConfigView view() {
    return cfg;
  }

  boolean present(String key) {
    return cfg.isPresent(key);
  }

  /** Returns the first present key's integer, checked against [min, max]; fails naming the key when none. */
  long require(long min, long max, String... keys) {
    for (String key : keys) {
      Long v = integer(key);
      if (v != null) {
        return check(key, v, min, max);
      }
    }
    throw new BadInputException(keys[0], cfg.origin() + ": " + keys[0] + " is required for model_type " + modelType());
  }

  int requireInt(long min, long max, String... keys) {
    return (int) require(min, max, keys);
  }

  /** Returns the first present key's integer, or the default when none is present. */
  long or(long fallback, long min, long max, String... keys) {
    for (String key : keys) {
      Long v = integer(key);
      if (v != null) {
        return check(key, v, min, max);
      }
    }
    return fallback;
  }

  int intOr(long fallback, long min, long max, String... keys) {
    return (int) or(fallback, min, max, keys);
  }

  boolean bool(String key, boolean fallback) {
    try {
      Boolean b = cfg.boolValue(key);
      return b == null ? fallback : b;
    } catch (RuntimeException e) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " must be true or false");
    }
  }

  String string(String key, String fallback) {
    try {
      String s = cfg.stringValue(key);
      return s == null ? fallback : s;
    } catch (RuntimeException e) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " must be a string");
    }
  }

  Double real(String key) {
    try {
      return cfg.doubleValue(key);
    } catch (RuntimeException e) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " must be a number");
    }
  }

  List<String> strings(String key) {
    try {
      return cfg.stringList(key);
    } catch (RuntimeException e) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " must be a list of strings");
    }
  }

  List<Long> integers(String key) {
    try {
      return cfg.longList(key);
    } catch (RuntimeException e) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " must be a list of integers");
    }
  }

  String modelType() {
    String t = cfg.stringValue("model_type");
    return t == null ? "(none)" : t;
  }

  private Long integer(String key) {
    if (!cfg.isPresent(key)) {
      return null;
    }
    try {
      return cfg.longValue(key);
    } catch (RuntimeException e) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " must be a whole number");
    }
  }

  private long check(String key, long v, long min, long max) {
    if (v < min || v > max) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " (" + v + ") must be between " + min + " and " + max);
    }
    return v;
  }
}
