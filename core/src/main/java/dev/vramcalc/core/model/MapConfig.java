package dev.vramcalc.core.model;

import dev.vramcalc.core.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns a config held in a map: what custom architecture flags build, and what tests write.
 *
 * <p>Values are {@link Number}, {@link Boolean}, {@link String}, {@link List} or nested {@link Map}.
 */
public final class MapConfig implements ConfigView {

  static final MapConfig EMPTY = new MapConfig(Map.of(), "defaults");

  private final Map<String, Object> values;
  private final String origin;

  public MapConfig(Map<String, ?> values, String origin) {
    this.values = new LinkedHashMap<>(values);
    this.origin = origin;
  }

  @Override
  public boolean has(String key) {
    return values.containsKey(key);
  }

  @Override
  public boolean isPresent(String key) {
    return values.get(key) != null;
  }

  @Override
  public Long longValue(String key) {
    Object v = values.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    throw new BadInputException(key, origin + ": " + key + " is not a whole number");
  }

  @Override
  public Double doubleValue(String key) {
    Object v = values.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new BadInputException(key, origin + ": " + key + " is not a number");
  }

  @Override
  public Boolean boolValue(String key) {
    Object v = values.get(key);
    if (v == null || v instanceof Boolean) {
      return (Boolean) v;
    }
    throw new BadInputException(key, origin + ": " + key + " is not a boolean");
  }

  @Override
  public String stringValue(String key) {
    Object v = values.get(key);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw new BadInputException(key, origin + ": " + key + " is not a string");
  }

  @Override
  @SuppressWarnings("unchecked")
  public ConfigView child(String key) {
    Object v = values.get(key);
    return v instanceof Map<?, ?> m ? new MapConfig((Map<String, ?>) m, origin + ": " + key) : null;
  }

  @Override
  public List<String> stringList(String key) {
    Object v = values.get(key);
    if (v == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) v) {
      out.add((String) o);
    }
    return out;
  }

  @Override
  public List<Long> longList(String key) {
    Object v = values.get(key);
    if (v == null) {
      return null;
    }
    List<Long> out = new ArrayList<>();
    for (Object o : (List<?>) v) {
      out.add(((Number) o).longValue());
    }
    return out;
  }

  @Override
  public List<String> keys() {
    return List.copyOf(values.keySet());
  }

  @Override
  public String origin() {
    return origin;
  }
}
