package dev.vramcalc.io.config;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.model.ConfigView;
import dev.vramcalc.io.json.Json;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Returns the values of a parsed {@code config.json} by key, for the architecture builders. */
public final class JsonConfig implements ConfigView {

  private final Map<String, Object> values;
  private final String origin;

  public JsonConfig(Map<String, Object> values, String origin) {
    this.values = values;
    this.origin = origin;
  }

  /** Returns the config of a JSON text; the origin names it in messages. */
  public static JsonConfig parse(String text, String origin) {
    return new JsonConfig(Json.parseObject(text, origin), origin);
  }

  public Map<String, Object> values() {
    return values;
  }

  private Object get(String key) {
    Object v = values.get(key);
    return v == Json.NULL ? null : v;
  }

  @Override
  public boolean has(String key) {
    return values.containsKey(key);
  }

  @Override
  public boolean isPresent(String key) {
    return get(key) != null;
  }

  @Override
  public Long longValue(String key) {
    Object v = get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) {
      return d.longValue();
    }
    if (v instanceof BigInteger) {
      throw new BadInputException(key, origin + ": " + key + " is too large");
    }
    throw new BadInputException(key, origin + ": " + key + " is not a whole number");
  }

  @Override
  public Double doubleValue(String key) {
    Object v = get(key);
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
    Object v = get(key);
    if (v == null || v instanceof Boolean) {
      return (Boolean) v;
    }
    throw new BadInputException(key, origin + ": " + key + " is not a boolean");
  }

  @Override
  public String stringValue(String key) {
    Object v = get(key);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw new BadInputException(key, origin + ": " + key + " is not a string");
  }

  @Override
  @SuppressWarnings("unchecked")
  public ConfigView child(String key) {
    Object v = get(key);
    return v instanceof Map<?, ?> m ? new JsonConfig((Map<String, Object>) m, origin + ": " + key) : null;
  }

  @Override
  public List<String> stringList(String key) {
    Object v = get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof List<?> list)) {
      throw new BadInputException(key, origin + ": " + key + " is not a list");
    }
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw new BadInputException(key, origin + ": " + key + " holds a non-string");
      }
      out.add(s);
    }
    return out;
  }

  @Override
  public List<Long> longList(String key) {
    Object v = get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof List<?> list)) {
      throw new BadInputException(key, origin + ": " + key + " is not a list");
    }
    List<Long> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Long l)) {
        throw new BadInputException(key, origin + ": " + key + " holds a non-integer");
      }
      out.add(l);
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
