package dev.vramcalc.core.model;

import java.util.List;

/**
 * Returns the values of a Hugging Face {@code config.json} (or of flags shaped like one) by key.
 *
 * <p>Readers in the io module implement it over parsed JSON; the architecture builders read keys by
 * their Hugging Face names, so the mapping from config to shape stays mechanical.
 */
public interface ConfigView {

  boolean has(String key);

  /** Returns whether the key is present with a non-null value. */
  boolean isPresent(String key);

  /** Returns the integer at key, or null when absent or null; fails when it is not an integer. */
  Long longValue(String key);

  Double doubleValue(String key);

  Boolean boolValue(String key);

  String stringValue(String key);

  /** Returns the nested object at key, or null. */
  ConfigView child(String key);

  /** Returns the list of strings at key, or null. */
  List<String> stringList(String key);

  /** Returns the list of integers at key, or null. */
  List<Long> longList(String key);

  /** Returns the keys of this object, in file order. */
  List<String> keys();

  /** Returns where this config came from, for messages ({@code config.json}, {@code flags}). */
  String origin();
}
